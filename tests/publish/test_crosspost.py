"""`crosspost` against a local server that answers like the Telegram Bot API and VK API."""

from __future__ import annotations

import html.parser
import json
import os
import re
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from generator.publish.message import length
from tests.conftest import ROOT, Run
from tests.publish.conftest import (
    NOW,
    TELEGRAM_TOKEN,
    VK_TOKEN,
    Call,
    FakeAPI,
    NewsSite,
    at,
    ledger_of,
)


def build(run: Run, site: NewsSite) -> None:
    code, _, err = run("build", "--site", str(site.root), "--now", NOW.isoformat())
    assert code == 0, err


def crosspost(
    run: Run, site: NewsSite, *more: str, now: str = NOW.isoformat()
) -> tuple[int, str, str]:
    ledger = site.root.parent / "state/ledger.json"
    return run("crosspost", "--site", str(site.root), "--ledger", str(ledger), "--now", now, *more)


def ledger_path(site: NewsSite) -> Path:
    return site.root.parent / "state/ledger.json"


class Visible(html.parser.HTMLParser):
    """What Telegram shows of an HTML caption: the text; it fails on a tag it does not know."""

    ALLOWED = frozenset({"b", "strong", "i", "em", "u", "s", "a", "code", "pre", "blockquote"})

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in self.ALLOWED, tag

    def handle_data(self, data: str) -> None:
        self.text += data


def test_each_new_article_goes_to_the_channels_of_its_language(
    news: NewsSite, run: Run, api: FakeAPI
) -> None:
    build(run, news)
    code, out, err = crosspost(run, news)
    assert code == 0, err
    shape = [
        (c.network, c.method, c.params.get("chat_id") or c.params["owner_id"]) for c in api.calls
    ]
    assert shape == [
        ("telegram", "sendPhoto", "@chistopol_ru"),  # the oldest first: 3 hours ago
        ("vk", "wall.post", "-111222"),
        ("telegram", "sendMessage", "@chistopol_ru"),  # no cover: a message
        ("vk", "wall.post", "-111222"),
        ("telegram", "sendMessage", "@chistay_tt"),  # Tatar: its own channel, no VK
    ]
    assert all(c.answered for c in api.calls)
    assert out.count("posted ") == 5
    posts = ledger_of(ledger_path(news))["posts"]
    assert {(p["network"], p["channel"], p["article"], p["id"]) for p in posts} == {
        ("telegram", "@chistopol_ru", "ru:cover", "1001"),
        ("vk", "-111222", "ru:cover", "1002"),
        ("telegram", "@chistopol_ru", "ru:plain", "1003"),
        ("vk", "-111222", "ru:plain", "1004"),
        ("telegram", "@chistay_tt", "tt:plain", "1005"),
    }


def test_request_shapes(news: NewsSite, run: Run, api: FakeAPI) -> None:
    build(run, news)
    assert crosspost(run, news)[0] == 0
    photo, wall = api.calls[0], api.calls[1]
    assert photo.token == TELEGRAM_TOKEN and wall.token == VK_TOKEN
    link = "https://example.org/news/society/cover/"
    page = (news.out / "news/society/cover/index.html").read_text(encoding="utf-8")
    og_image = re.search(r'<meta property="og:image" content="([^"]+)"', page)
    assert og_image is not None
    # The photo is the page's own og:image: one place decides both.
    assert photo.params == {
        "chat_id": "@chistopol_ru",
        "parse_mode": "HTML",
        "photo": og_image.group(1),
        "caption": f"<b>Школа с обложкой</b>\n\nПервое предложение.\n\n{link}",
    }
    # The cover's 1200 px JPEG (no EXIF, no GPS), never the original.
    assert re.fullmatch(
        r"https://example\.org/images/cover-1200\.[0-9a-f]{10}\.jpg", og_image.group(1)
    )
    assert wall.params == {
        "owner_id": "-111222",
        "from_group": "1",
        "message": f"Школа с обложкой\n\nПервое предложение.\n\n{link}",
        "attachments": link,
        "v": "5.199",
    }
    message = api.calls[2]
    assert set(message.params) == {"chat_id", "parse_mode", "text"}


def test_titles_and_leads_are_escaped(news: NewsSite, run: Run, api: FakeAPI) -> None:
    title = 'Школа <№ 2> & "Радуга" ставит <b>рекорд</b>'
    news.news("content/ru/2026/odd.md", -0.5, title=f"'{title}'", lead="'A < B && C > D'")
    build(run, news)
    assert crosspost(run, news)[0] == 0
    odd = [c for c in api.calls if c.network == "telegram" and "Радуга" in str(c.params)]
    text = odd[0].params["text"]
    assert "&lt;№ 2&gt; &amp;" in text and "&lt;b&gt;рекорд&lt;/b&gt;" in text
    assert "<b>рекорд" not in text and "< B" not in text
    shown = Visible(text).text  # parses as Telegram's HTML would, with no stray tag
    assert "Радуга" in shown and "A < B && C > D" in shown
    assert "<№ 2> &" in shown
    vk = [c for c in api.calls if c.network == "vk" and "Радуга" in c.params["message"]]
    assert "<№ 2> &" in vk[0].params["message"]  # VK takes plain text: nothing escaped


def test_a_long_lead_is_trimmed_at_a_word_within_the_caption_limit(
    news: NewsSite, run: Run, api: FakeAPI
) -> None:
    words = " ".join(f"слово{i} &" for i in range(400))
    news.news("content/ru/2026/long.md", -0.5, title="Длинный лид", image="images/cover.jpg",
              lead=f"'{words}'")  # fmt: skip
    build(run, news)
    assert crosspost(run, news)[0] == 0
    photo = next(c for c in api.calls if "Длинный" in c.params.get("caption", ""))
    shown = Visible(photo.params["caption"]).text
    assert length(shown) <= 1024
    assert length(shown) > 1000  # the lead fills the room it has
    _, lead, link = shown.split("\n\n")
    assert link == "https://example.org/news/society/long/"
    assert lead.endswith("…")
    kept = lead.removesuffix("…").split(" ")
    assert kept == words.split(" ")[: len(kept)]  # whole words only
    assert kept[-1] != "&"  # not a dangling sign either: punctuation is dropped before …


def test_a_rerun_posts_nothing(news: NewsSite, run: Run, api: FakeAPI) -> None:
    build(run, news)
    assert crosspost(run, news)[0] == 0
    before = ledger_path(news).read_bytes()
    calls = len(api.calls)
    code, out, err = crosspost(run, news, now=at(timedelta(minutes=15)))
    assert code == 0, err
    assert len(api.calls) == calls and out == ""
    assert ledger_path(news).read_bytes() == before


def test_a_lost_ledger_never_posts_old_news(news: NewsSite, run: Run, api: FakeAPI) -> None:
    build(run, news)
    # Two days later, with no ledger: only what is still within 48 hours goes out (the
    # articles of 47 hours ago); those of 49 and 72 hours ago and the expired one never do.
    assert crosspost(run, news, now=at(timedelta(hours=46)))[0] == 0
    assert len(api.calls) == 3
    assert all("Без обложки" in str(c.params) or "Тышлыксыз" in str(c.params) for c in api.calls)


def test_a_failed_post_is_retried_next_run_and_exits_1(
    news: NewsSite, run: Run, api: FakeAPI
) -> None:
    build(run, news)
    api.script("telegram", (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}))
    code, _, err = crosspost(run, news)
    assert code == 1
    assert "site.yaml:11: error: telegram ru @chistopol_ru: sendPhoto: HTTP 502: Bad Gateway" in err
    # That channel stops for this run; VK and the Tatar channel go on.
    telegram = [c.params["chat_id"] for c in api.calls if c.network == "telegram"]
    assert telegram == ["@chistopol_ru", "@chistay_tt"]
    assert len(api.posted("vk")) == 2
    ledger = ledger_of(ledger_path(news))
    assert [(f["channel"], f["article"]) for f in ledger["failed"]] == [
        ("@chistopol_ru", "ru:cover")
    ]
    assert ledger["last_run"]["finished"]
    api.calls.clear()
    code, _, err = crosspost(run, news, now=at(timedelta(minutes=15)))
    assert code == 0, err
    assert [(c.method, c.params["chat_id"]) for c in api.calls] == [
        ("sendPhoto", "@chistopol_ru"),
        ("sendMessage", "@chistopol_ru"),
    ]
    assert ledger_of(ledger_path(news))["failed"] == []


def test_telegram_429_tells_the_wait_and_exits_1(news: NewsSite, run: Run, api: FakeAPI) -> None:
    build(run, news)
    too_many = {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 35",
        "parameters": {"retry_after": 35},
    }
    api.script("telegram", (200, {"ok": True, "result": {"message_id": 7}}), (429, too_many))
    code, _, err = crosspost(run, news)
    assert code == 1
    assert "HTTP 429: Too Many Requests: retry after 35 (Telegram asks to wait 35 s)" in err
    failed = ledger_of(ledger_path(news))["failed"]
    assert [(f["channel"], f["article"]) for f in failed] == [("@chistopol_ru", "ru:plain")]


def test_vk_errors_fail_the_post(news: NewsSite, run: Run, api: FakeAPI) -> None:
    build(run, news)
    api.script("vk", (200, {"error": {"error_code": 9, "error_msg": "Flood control"}}))
    code, _, err = crosspost(run, news)
    assert code == 1
    assert "vk ru -111222: wall.post: HTTP 200: error 9: Flood control" in err
    assert len(api.posted("vk")) == 0 and len(api.posted("telegram")) == 3


def test_a_photo_telegram_refuses_falls_back_to_a_message(
    news: NewsSite, run: Run, api: FakeAPI
) -> None:
    build(run, news)
    refused = {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: wrong type of the web page content",
    }
    api.script("telegram", (400, refused))
    assert crosspost(run, news)[0] == 0
    first, second = api.calls[0], api.calls[1]
    assert (first.method, second.method) == ("sendPhoto", "sendMessage")
    assert second.params["text"] == first.params["caption"] and second.answered


def test_a_crash_between_two_posts_posts_nothing_twice(
    news: NewsSite, run: Run, api: FakeAPI
) -> None:
    build(run, news)
    ledger = ledger_path(news)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, str(ROOT / "build.py"), "crosspost", "--site", str(news.root),
               "--ledger", str(ledger), "--now", NOW.isoformat()]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def kill_on_the_third(call: Call) -> tuple[int, dict[str, object]] | None:
        if len(api.calls) == 3:
            os.kill(process.pid, signal.SIGKILL)  # dies while the third post is under way
            process.wait()
            return 500, {}
        return None

    api.hook = kill_on_the_third
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert len(api.posted()) == 2
    data = ledger_of(ledger)
    assert len(data["posts"]) == 2 and data["last_run"]["finished"] is None
    api.hook = None
    code, _, err = crosspost(run, news)
    assert code == 0, err
    posted = [(c.network, c.method, str(c.params.get("chat_id") or c.params.get("owner_id")),
               c.params.get("caption") or c.params.get("text") or c.params["message"]) for c in api.posted()]  # fmt: skip
    assert len(posted) == 5 and len(set(posted)) == 5  # each post once: none twice, none lost
    assert ledger_of(ledger)["last_run"]["finished"]


def test_a_corrupt_ledger_is_an_error_and_nothing_is_posted(
    news: NewsSite, run: Run, api: FakeAPI
) -> None:
    build(run, news)
    ledger = ledger_path(news)
    ledger.parent.mkdir()
    ledger.write_text('{"format": 1,\n "posts": [\n  {"network": "telegram",,}\n ]}\n')
    code, out, err = crosspost(run, news)
    assert code == 1 and out == ""
    assert err.startswith(f"{ledger}:3: error: the ledger is not valid JSON")
    assert "nothing was posted" in err and "Traceback" not in err
    assert api.calls == []
    ledger.write_text('{"format": 1, "posts": {"not": "a list"}, "failed": []}\n')
    code, _, err = crosspost(run, news)
    assert code == 1 and f"{ledger}:1: error: the ledger is not a ledger of khabar" in err
    assert api.calls == []


def test_a_channel_without_its_token_is_skipped_with_a_notice(
    news: NewsSite, run: Run, api: FakeAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(run, news)
    monkeypatch.delenv("VK_TOKEN")
    code, _, err = crosspost(run, news)
    assert code == 0
    assert "site.yaml:12: notice: VK_TOKEN is not set: vk ru -111222 is skipped" in err
    assert {c.network for c in api.calls} == {"telegram"} and len(api.calls) == 3
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    code, _, err = crosspost(run, news)
    assert code == 0 and err.count("is not set") == 3
    assert len(api.calls) == 3


def test_tokens_are_never_shown(news: NewsSite, run: Run, api: FakeAPI) -> None:
    build(run, news)
    echo = {"ok": False, "description": f"Unauthorized for bot{TELEGRAM_TOKEN}"}
    api.script("telegram", (401, echo))
    api.script("vk", (200, {"error": {"error_code": 5, "error_msg": f"bad token {VK_TOKEN}"}}))
    code, out, err = crosspost(run, news)
    assert code == 1
    for token in (TELEGRAM_TOKEN, VK_TOKEN):
        assert token not in out + err + ledger_path(news).read_text(encoding="utf-8")
    assert "Unauthorized for bot***" in err


def test_dry_run_shows_the_posts_and_sends_nothing(news: NewsSite, run: Run, api: FakeAPI) -> None:
    build(run, news)
    code, out, err = crosspost(run, news, "--dry-run")
    assert code == 0, err
    assert api.calls == [] and not ledger_path(news).exists()
    assert out.count("would post ") == 5
    assert (
        "would post https://example.org/news/society/cover/ to telegram ru @chistopol_ru with sendPhoto:"
        in out
    )
    assert re.search(
        r"^  photo: https://example\.org/images/cover-1200\.[0-9a-f]{10}\.jpg$", out, re.M
    )
    assert "  caption: <b>Школа с обложкой</b>" in out


def test_no_build_json_is_an_error(news: NewsSite, run: Run, api: FakeAPI) -> None:
    code, _, err = crosspost(run, news)
    assert code == 1 and "build.json:1: error: no build.json here: build the site first" in err
    assert api.calls == []


def test_build_json_is_small_and_lists_what_crosspost_needs(news: NewsSite, run: Run) -> None:
    build(run, news)
    data = json.loads((news.out / "build.json").read_text(encoding="utf-8"))
    assert data["built_for"] == NOW.isoformat()
    assert [a["key"] for a in data["articles"]] == ["ru:cover", "ru:plain", "tt:plain"]
