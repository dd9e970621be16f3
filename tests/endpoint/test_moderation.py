"""The moderators' API and page over real HTTP, on both stores: tokens, the queue, one and
many decisions, deletion for good, the log."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from endpoint.pages import load
from endpoint.settings import Settings
from tests.endpoint.conftest import MODERATORS, OTHER_TOKEN, TOKEN, Api, settings_for

PAGE = "/tt/news/society/yana-maktap/"


def test_tokens_none_wrong_and_revoked(
    database_url: str, serve_app: Callable[[Settings], Api]
) -> None:
    api = serve_app(settings_for(database_url))
    none = api.moderate("GET", "comments", token=None)
    assert none.status == 401 and none.json()["error"] == "missing_token"
    assert none.headers["www-authenticate"].startswith("Bearer")
    wrong = api.moderate("GET", "comments", token=TOKEN[:-1] + "X")
    assert (wrong.status, wrong.json()["error"]) == (401, "invalid_token")
    assert api.moderate("GET", "me", token=OTHER_TOKEN).json() == {"name": "Ринат"}
    basic = api.request("GET", "/api/moderation/me", headers={"Authorization": f"Basic {TOKEN}"})
    assert basic.status == 401
    # Ринат leaves the newsroom: his token is taken out of KHABAR_MODERATORS.
    api.stop()
    api.app.close()
    after = serve_app(settings_for(database_url, moderators=MODERATORS[:1]))
    assert after.moderate("GET", "me", token=OTHER_TOKEN).status == 401
    assert after.decide("approve", 1).status in (200, 404)  # Айгуль's still works
    closed = serve_app(settings_for(database_url, moderators=()))
    refused = closed.moderate("GET", "comments")
    assert (refused.status, refused.json()["error"]) == (401, "moderation_closed")


def test_every_route_needs_a_token(api: Api) -> None:
    for method, path, body in (
        ("GET", "comments", None),
        ("POST", "comments", {"action": "approve", "ids": [1]}),
        ("POST", "comments/1", {"action": "approve"}),
        ("GET", "log", None),
        ("GET", "me", None),
    ):
        assert api.moderate(method, path, body, token=None).status == 401, path
        assert api.moderate(method, path, body, token="x" * 30).status == 401, path


def test_the_queue_is_newest_first_with_the_article(
    database_url: str, serve_app: Callable[[Settings], Api], tmp_path: Path
) -> None:
    listed = tmp_path / "endpoint-pages.json"
    listed.write_text(
        json.dumps({"base_url": "https://chistopol-inform.example.org/",
                    "pages": {PAGE: "Чистайда яңа мәктәп ачылды"}}),
        encoding="utf-8",
    )  # fmt: skip
    api = serve_app(settings_for(database_url, pages=load(listed), pages_file=listed))
    ids = [int(api.comment(PAGE, f"Укучы {i}", f"Фикер {i}").json()["id"]) for i in range(5)]
    reply = api.moderate("GET", "comments?status=pending")
    assert reply.status == 200 and reply.headers["cache-control"] == "no-store"
    queue = reply.json()
    assert [c["id"] for c in queue["comments"]] == ids[::-1]
    first = queue["comments"][-1]
    assert first["title"] == "Чистайда яңа мәктәп ачылды"
    assert first["url"] == "https://chistopol-inform.example.org" + PAGE
    assert (first["page"], first["status"], first["name"]) == (PAGE, "pending", "Укучы 0")
    assert queue["totals"] == {"pending": 5, "approved": 0, "rejected": 0}
    page_two = api.moderate("GET", f"comments?status=pending&limit=2&before={ids[3]}").json()
    assert [c["id"] for c in page_two["comments"]] == [ids[2], ids[1]]
    assert api.moderate("GET", "comments?status=spam").status == 422
    assert api.moderate("GET", "comments?limit=0").status == 422
    assert api.moderate("GET", "comments?status=pending&status=approved").status == 400


def test_a_flood_is_rejected_in_one_request(api: Api) -> None:
    ids = [
        int(api.comment(PAGE, "Бот", f"Купите окна, акция номер {i}").json()["id"])
        for i in range(300)
    ]
    good = int(api.comment(PAGE, "Гөлнара", "Рәхмәт!").json()["id"])
    reply = api.decide("reject", *ids, 10**9)
    assert reply.status == 200
    body = reply.json()
    assert len(body["done"]) == 300 and body["missing"] == [10**9]
    assert {d["status"] for d in body["done"]} == {"rejected"}
    pending = api.moderate("GET", "comments?status=pending").json()
    assert [c["id"] for c in pending["comments"]] == [good]
    assert pending["totals"] == {"pending": 1, "approved": 0, "rejected": 300}
    assert api.decide("approve", *range(1, 502)).status == 422  # at most 500 at once
    assert api.moderate("POST", "comments", {"action": "approve", "ids": []}).status == 422
    assert api.moderate("POST", "comments", {"action": "ban", "ids": [good]}).status == 422


def test_decisions_publish_unpublish_and_are_logged(api: Api) -> None:
    comment = int(api.comment(PAGE, "Марат", "Беренче").json()["id"])
    approved = api.decide("approve", comment)
    assert approved.json() == {"id": comment, "status": "approved"}
    assert api.approved(PAGE)["count"] == 1
    other = api.moderate("POST", f"comments/{comment}", {"action": "reject"}, token=OTHER_TOKEN)
    assert other.json() == {"id": comment, "status": "rejected"}
    assert api.approved(PAGE)["count"] == 0
    rejected = api.moderate("GET", "comments?status=rejected").json()["comments"]
    assert rejected[0]["decided_by"] == "Ринат"
    assert api.decide("approve", 10**9).status == 404
    log = api.moderate("GET", "log").json()["log"]
    assert {(e["moderator"], e["comment"], e["action"], e["via"]) for e in log} == {
        ("Айгуль", comment, "approve", "web"),
        ("Ринат", comment, "reject", "web"),
    }


def test_a_deleted_comment_is_gone_for_good(
    database_url: str, api: Api, request: pytest.FixtureRequest
) -> None:
    secret_words = "Уникальная фраза для удаления 7431"
    from tests.endpoint.test_security import _all_bytes

    comment = int(api.comment(PAGE, "Автор Удаляемый", secret_words).json()["id"])
    api.decide("approve", comment)
    assert secret_words.encode() in _all_bytes(database_url, request)  # the search sees it
    assert api.decide("delete", comment).json() == {"id": comment, "status": "deleted"}
    assert api.approved(PAGE)["count"] == 0
    for status in ("pending", "approved", "rejected"):
        assert api.moderate("GET", f"comments?status={status}").json()["comments"] == []
    assert api.decide("approve", comment).status == 404
    api.app.close()
    if database_url.startswith("sqlite:///"):
        import sqlite3

        db = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
    else:
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("VACUUM FULL comments")
    raw = _all_bytes(database_url, request)
    assert "Айгуль".encode() in raw  # the log keeps who deleted it...
    assert secret_words.encode() not in raw and "Удаляемый".encode() not in raw  # ...not what


def test_the_page_is_ours_alone_under_a_strict_policy(api: Api) -> None:
    page = api.request("GET", "/api/moderation/")
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    html = page.body.decode()
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing from another origin
    assert '<script src="moderation.js"' in html and "<script>" not in html
    strings = json.loads(re.search(r'id="strings">(.*?)</script>', html, re.S).group(1))
    assert set(strings) == {"ru", "tt"} and set(strings["ru"]) == set(strings["tt"])
    for asset in ("moderation.js", "moderation.css"):
        reply = api.request("GET", "/api/moderation/" + asset)
        assert reply.status == 200 and reply.headers["content-security-policy"] == policy
    assert "innerHTML" not in api.request("GET", "/api/moderation/moderation.js").body.decode()
    moved = api.request("GET", "/api/moderation")
    assert moved.status == 301 and moved.headers["location"] == "/api/moderation/"
