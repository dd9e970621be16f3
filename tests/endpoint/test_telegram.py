"""The moderators' Telegram chat against a local Bot API that records every call: the
announcement (escaped), the buttons, the webhook's checks, the edit that says who decided,
and Telegram being down losing or holding up nothing."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from endpoint import aws, serverless
from endpoint.pages import load
from endpoint.settings import Settings, Telegram
from tests.endpoint.botapi import BOT_TOKEN, BotApi
from tests.endpoint.conftest import ORIGIN, SECRET, Api, settings_for

PAGE = "/tt/news/society/yana-maktap/"
WEBHOOK_SECRET = "webhook-secret-0123456789"
AIGUL, STRANGER = 111, 999
XSS_NAME = '<img src=x onerror="alert(1)">'
XSS_TEXT = "<b>не жирный</b> & <script>alert('x')</script> 1 < 2"


@pytest.fixture
def bot() -> Iterator[BotApi]:
    api = BotApi()
    yield api
    api.close()


def telegram_settings(bot: BotApi, lang: str = "tt") -> Telegram:
    return Telegram(BOT_TOKEN, "-1001", WEBHOOK_SECRET, bot.base, {AIGUL: "Айгуль"}, lang)


@pytest.fixture
def chat_api(
    database_url: str, serve_app: Callable[[Settings], Api], bot: BotApi, tmp_path: Path
) -> Api:
    listed = tmp_path / "endpoint-pages.json"
    listed.write_text(json.dumps({"base_url": "https://chistopol-inform.example.org/",
                                  "pages": {PAGE: "Яңа <мәктәп> & бакча"}}))  # fmt: skip
    settings = settings_for(database_url, pages=load(listed), pages_file=listed)
    return serve_app(replace(settings, telegram=telegram_settings(bot)))


def press(
    api: Api, action: str, comment: int, user: int, secret: str | None = WEBHOOK_SECRET
) -> Any:
    update = {
        "update_id": 1,
        "callback_query": {
            "id": "cb-1", "from": {"id": user, "is_bot": False, "first_name": "A"},
            "message": {"message_id": 101, "chat": {"id": -1001}}, "data": f"{action}:{comment}",
        },
    }  # fmt: skip
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    return api.request("POST", "/api/telegram", json.dumps(update).encode(), headers)


def test_a_new_comment_is_announced_escaped_with_buttons(chat_api: Api, bot: BotApi) -> None:
    comment = int(chat_api.comment(PAGE, XSS_NAME, XSS_TEXT).json()["id"])
    (sent,) = bot.wait_for("sendMessage", 1)
    assert sent["chat_id"] == "-1001" and sent["parse_mode"] == "HTML"
    text = sent["text"]
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in text
    assert (
        "&lt;b&gt;не жирный&lt;/b&gt; &amp; &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; 1 &lt; 2"
        in text
    )
    assert "<script" not in text and "<img" not in text and 'onerror="' not in text
    assert 'href="https://chistopol-inform.example.org/tt/news/society/yana-maktap/"' in text
    assert ">Яңа &lt;мәктәп&gt; &amp; бакча</a>" in text
    assert "Яңа фикер" in text  # the chat's language: Tatar here
    buttons = sent["reply_markup"]["inline_keyboard"][0]
    assert [b["callback_data"] for b in buttons] == [f"approve:{comment}", f"reject:{comment}"]


def test_the_webhook_checks_the_secret_and_the_moderator(chat_api: Api, bot: BotApi) -> None:
    comment = int(chat_api.comment(PAGE, "Гөлнара", "Рәхмәт!").json()["id"])
    bot.wait_for("sendMessage", 1)
    assert press(chat_api, "approve", comment, AIGUL, secret=None).status == 401
    assert (
        press(chat_api, "approve", comment, AIGUL, secret="wrong-secret-0123456789").status == 401
    )
    stranger = press(chat_api, "approve", comment, STRANGER)
    assert stranger.status == 200
    assert stranger.json()["method"] == "answerCallbackQuery"
    assert stranger.json()["text"] == "Сез модераторлар исемлегендә юк."
    assert chat_api.approved(PAGE)["count"] == 0  # nothing changed
    pressed = press(chat_api, "approve", comment, AIGUL)
    assert pressed.json() == {"method": "answerCallbackQuery", "callback_query_id": "cb-1",
                              "text": "Әзер"}  # fmt: skip
    assert chat_api.approved(PAGE)["count"] == 1
    (edit,) = bot.wait_for("editMessageText", 1)
    assert edit["message_id"] == 101 and edit["chat_id"] == "-1001"
    assert edit["reply_markup"] == {"inline_keyboard": []}  # no second press
    assert edit["text"].endswith("✅ Хуплады: Айгуль")
    assert "Рәхмәт!" in edit["text"]
    log = chat_api.moderate("GET", "log").json()["log"]
    assert (log[0]["moderator"], log[0]["action"], log[0]["via"]) == (
        "Айгуль",
        "approve",
        "telegram",
    )
    other = chat_api.request("POST", "/api/telegram", b'{"update_id": 2, "message": {"text": "hi"}}',
                             {"Content-Type": "application/json",
                              "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})  # fmt: skip
    assert other.status == 200 and other.json() == {}


def test_a_decision_on_the_web_edits_the_chat_too(chat_api: Api, bot: BotApi) -> None:
    comment = int(chat_api.comment(PAGE, "Спамер", "Окна дёшево").json()["id"])
    bot.wait_for("sendMessage", 1)
    chat_api.decide("delete", comment)
    (edit,) = bot.wait_for("editMessageText", 1)
    assert edit["text"] == f"💬 #{comment}\n\n🗑 Бетерде: Айгуль"  # its words are not repeated
    gone = press(chat_api, "approve", comment, AIGUL)
    assert gone.json()["text"] == "Фикер инде бетерелгән."


def test_telegram_down_loses_and_holds_up_nothing(chat_api: Api, bot: BotApi) -> None:
    bot.mode = "down"
    started = time.monotonic()
    ids = [int(chat_api.comment(PAGE, "Укучы", f"Фикер {i}").json()["id"]) for i in range(5)]
    assert time.monotonic() - started < 2.5
    pending = chat_api.moderate("GET", "comments?status=pending").json()["comments"]
    assert sorted(c["id"] for c in pending) == ids  # stored before anything was sent
    time.sleep(1)
    assert bot.of("sendMessage") == []
    bot.mode = "ok"  # Telegram is back: every comment is announced, once
    sent = bot.wait_for("sendMessage", 5, seconds=20)
    time.sleep(1)
    assert sorted(int(s["reply_markup"]["inline_keyboard"][0][0]["callback_data"].split(":")[1])
                  for s in bot.of("sendMessage")) == ids  # fmt: skip
    assert len(sent) == 5


def test_serverless_sends_in_the_request_within_a_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bot: BotApi
) -> None:
    env = {
        "KHABAR_SECRET": SECRET.decode(), "KHABAR_ALLOWED_ORIGINS": ORIGIN,
        "KHABAR_DATABASE_URL": f"sqlite:///{tmp_path / 'lambda.sqlite3'}",
        "KHABAR_TELEGRAM_BOT_TOKEN": BOT_TOKEN, "KHABAR_TELEGRAM_CHAT": "-1001",
        "KHABAR_TELEGRAM_SECRET": WEBHOOK_SECRET, "KHABAR_TELEGRAM_API": bot.base,
        "KHABAR_TELEGRAM_MODERATORS": f"Айгуль:{AIGUL}", "KHABAR_RATE_LIMIT": "0",
    }  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(serverless, "_APP", None)
    event = json.loads((Path(__file__).parent / "events/aws-http-api-post-base64.json").read_text())
    body = {
        "page": PAGE,
        "name": "Лямбда",
        "text": "Салам",
        "reader": "3f1c2b3a-1234-4abc-8def-0123456789ab",
    }
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/api/comments"
    event["body"] = base64.b64encode(json.dumps(body).encode()).decode()
    try:
        assert aws.handler(event)["statusCode"] == 202
        assert len(bot.of("sendMessage")) == 1  # already sent: a frozen function runs no thread
        bot.mode = "hang"
        event["body"] = base64.b64encode(json.dumps({**body, "text": "Тагын"}).encode()).decode()
        started = time.monotonic()
        assert aws.handler(event)["statusCode"] == 202
        assert time.monotonic() - started < 3.5  # a hanging Telegram costs seconds, not the comment
    finally:
        if serverless._APP is not None:
            serverless._APP.close()


def test_what_a_restart_left_in_the_outbox_goes_out(
    database_url: str, serve_app: Callable[[Settings], Api], bot: BotApi
) -> None:
    settings = replace(settings_for(database_url), telegram=telegram_settings(bot))
    before = serve_app(settings)
    bot.mode = "down"
    assert before.comment(PAGE, "Гөлнара", "Рәхмәт!").status == 202
    before.stop()
    before.app.close()  # the endpoint is restarted while Telegram is still down
    bot.mode = "ok"
    after = serve_app(settings)
    assert after.request("GET", "/api/health").status == 200  # any first request will do
    (sent,) = bot.wait_for("sendMessage", 1, seconds=15)
    assert "Рәхмәт!" in sent["text"]
