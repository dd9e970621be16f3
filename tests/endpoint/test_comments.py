"""Comments over real HTTP, on SQLite and PostgreSQL alike (../shared/contract.md)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import pytest

from endpoint.comments import form_token
from endpoint.pages import load
from endpoint.records import PURGE_AFTER, NewComment
from endpoint.settings import Settings
from tests.endpoint.conftest import ORIGIN, SECRET, Api, settings_for

PAGE = "/tt/news/society/yana-maktap/"
RU_PAGE = "/news/society/novaya-shkola/"


def posted(api: Api, page: str = PAGE, name: str = "Гөлнара", text: str = "Рәхмәт!") -> int:
    reply = api.comment(page, name, text)
    assert reply.status == 202, reply.body
    assert reply.json()["status"] == "pending"
    return int(reply.json()["id"])


def test_a_comment_waits_for_approval_then_shows(api: Api) -> None:
    first = posted(api, text="Бик яхшы мәктәп!\nБалалар шат.")
    assert api.approved(PAGE)["count"] == 0  # pending comments are nobody's business
    second = posted(api, name="Ринат", text="Котлыйбыз!")
    assert api.decide("approve", second, first).status == 200
    shown = api.approved(PAGE)
    assert shown["page"] == PAGE and shown["count"] == 2
    assert [c["id"] for c in shown["comments"]] == [first, second]  # oldest first
    assert shown["comments"][0]["text"] == "Бик яхшы мәктәп!\nБалалар шат."
    assert shown["comments"][0]["name"] == "Гөлнара"
    assert set(shown["comments"][0]) == {"id", "name", "text", "date"}
    assert time.time() - 60 < _epoch(shown["comments"][0]["date"]) <= time.time() + 1
    assert isinstance(shown["form_token"], str)


def test_get_is_public_and_briefly_cacheable(api: Api) -> None:
    reply = api.request("GET", "/api/comments?" + urlencode({"page": PAGE}))
    assert reply.headers["cache-control"] == "public, max-age=5"
    assert reply.headers["access-control-allow-origin"] == "*"
    assert "set-cookie" not in reply.headers
    assert api.request("GET", "/api/comments").status == 400
    both = urlencode([("page", PAGE), ("page", RU_PAGE)])
    assert api.request("GET", "/api/comments?" + both).status == 400
    assert api.request("GET", "/api/comments?page=news").status == 422


def test_counts_for_a_list_page_in_one_request(api: Api) -> None:
    ids = [posted(api, RU_PAGE, text=f"Комментарий номер {i}") for i in range(3)]
    api.decide("approve", *ids[:2])
    pages = [RU_PAGE, PAGE] + [f"/news/society/n{i}/" for i in range(48)]
    reply = api.request("GET", "/api/comments/counts?" + urlencode([("page", p) for p in pages]))
    assert reply.status == 200 and reply.headers["access-control-allow-origin"] == "*"
    counts = reply.json()["pages"]
    assert len(counts) == 50 and counts[RU_PAGE] == 2 and counts[PAGE] == 0
    too_many = urlencode([("page", p) for p in [*pages, "/news/x/"]])
    assert api.request("GET", "/api/comments/counts?" + too_many).status == 400


def test_the_form_without_javascript_goes_back_to_the_article(api: Api) -> None:
    fields = {"page": PAGE, "name": "Әлфия", "text": "Яхшы яңалык", "lang": "tt"}
    sent = api.form(fields)
    assert sent.status == 303
    assert sent.headers["location"] == ORIGIN + PAGE + "#comment-sent"
    assert sent.headers["cache-control"] == "no-store"
    pending = api.moderate("GET", "comments?status=pending").json()["comments"]
    assert [(c["name"], c["text"]) for c in pending] == [("Әлфия", "Яхшы яңалык")]
    # What a reader can fix goes back too, to the note that says what to fix.
    assert api.form({**fields, "name": " "}).headers["location"].endswith("#comment-error-invalid")
    three_links = {**fields, "text": "a.ru b.ru https://c.example.org/x"}
    assert api.form(three_links).headers["location"].endswith("#comment-error-links")
    assert api.form(fields).headers["location"].endswith("#comment-error-duplicate")
    # Without an article to go back to, the answer is an error of its own.
    assert api.form({**fields, "page": "elsewhere"}).status == 422
    assert api.form({**fields, "extra": "x"}).headers["location"].endswith("#comment-error-invalid")


def test_the_form_goes_back_under_the_sites_base_path(
    database_url: str, serve_app: Callable[[Settings], Api], tmp_path: Path
) -> None:
    listed = tmp_path / "endpoint-pages.json"
    listed.write_text(
        json.dumps({"base_url": "https://example.org/gazeta/", "pages": {PAGE: "Яңа мәктәп"}})
    )
    api = serve_app(settings_for(database_url, pages=load(listed), pages_file=listed))
    reply = api.form({"page": PAGE, "name": "Әлфия", "text": "Рәхмәт"})
    assert reply.headers["location"] == ORIGIN + "/gazeta" + PAGE + "#comment-sent"
    no_origin = api.request(
        "POST",
        "/api/comments",
        urlencode({"page": PAGE, "name": "Әлфия", "text": "Тагын рәхмәт"}).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert no_origin.headers["location"] == "https://example.org/gazeta" + PAGE + "#comment-sent"


def test_limits_are_characters_not_bytes(api: Api) -> None:
    """2,000 Cyrillic characters fit, as escaped JSON and as a form post."""
    cyrillic = "ж" * 1999 + "ә"
    escaped = json.dumps({"page": PAGE, "name": "Я" * 60, "text": cyrillic,
                          "reader": "3f1c2b3a-1234-4abc-8def-0123456789ab"})  # fmt: skip
    assert len(escaped.encode()) > 12_000  # \u0436 six bytes a letter
    reply = api.request(
        "POST", "/api/comments", escaped.encode(),
        {"Content-Type": "application/json", "Origin": ORIGIN},
    )  # fmt: skip
    assert reply.status == 202, reply.body
    form = api.form({"page": PAGE, "name": "Я" * 60, "text": "ц" * 2000})
    assert form.headers["location"].endswith("#comment-sent")
    for name, text, field in (
        ("Я" * 61, "ok", "name"),
        ("ok", "ж" * 2001, "text"),
        ("  \n ", "ok", "name"),
        ("ok", " \u202e\u200f ", "text"),
    ):
        refused = api.comment(PAGE, name, text)
        assert (refused.status, refused.json()["field"]) == (422, field)
    trimmed = posted(api, name="  Марат  Сафин ", text="\n\n  текст с пробелами  \n\n")
    api.decide("approve", trimmed)
    shown = next(c for c in api.approved(PAGE)["comments"] if c["id"] == trimmed)
    assert (shown["name"], shown["text"]) == ("Марат Сафин", "текст с пробелами")


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"page": PAGE, "name": "a", "text": "b"}, 422, "invalid_reader"),
        ({"page": PAGE, "name": "a", "text": "b", "reader": "me"}, 422, "invalid_reader"),
        ({"page": PAGE, "name": 5, "text": "b", "reader": "3f1c2b3a-1234-4abc-8def-0123456789ab"},
         422, "invalid_type"),
        ({"page": "/a b/", "name": "a", "text": "b",
          "reader": "3f1c2b3a-1234-4abc-8def-0123456789ab"}, 422, "invalid_page"),
        ({"page": PAGE + "\n", "name": "a", "text": "b",
          "reader": "3f1c2b3a-1234-4abc-8def-0123456789ab"}, 422, "invalid_page"),
        ({"page": PAGE, "name": "a", "text": "b", "x": 1,
          "reader": "3f1c2b3a-1234-4abc-8def-0123456789ab"}, 422, "invalid_body"),
        ({"page": PAGE, "name": "a", "text": "b", "lang": "Russian",
          "reader": "3f1c2b3a-1234-4abc-8def-0123456789ab"}, 422, "invalid_lang"),
        ([1, 2], 422, "invalid_body"),
    ],
)  # fmt: skip
def test_bad_input(api: Api, body: object, status: int, error: str) -> None:
    headers = {"Content-Type": "application/json", "Origin": ORIGIN}
    reply = api.request("POST", "/api/comments", json.dumps(body).encode(), headers)
    assert (reply.status, reply.json()["error"]) == (status, error)


def test_size_type_and_origin(api: Api) -> None:
    big = json.dumps({"page": PAGE, "name": "a", "text": "x" * 17_000}).encode()
    json_type = {"Content-Type": "application/json", "Origin": ORIGIN}
    assert api.request("POST", "/api/comments", big, json_type).status == 413
    plain = {"Content-Type": "text/plain", "Origin": ORIGIN}
    assert api.request("POST", "/api/comments", b"hello", plain).status == 415
    foreign = api.comment(PAGE, "a", "b", headers={"Origin": "https://evil.example"})
    assert foreign.status == 403 and "access-control-allow-origin" not in foreign.headers
    assert (
        api.form({"page": PAGE, "name": "a", "text": "b"}, Origin="https://evil.example").status
        == 403
    )
    preflight = api.request(
        "OPTIONS",
        "/api/comments",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status == 204 and preflight.headers["access-control-allow-origin"] == ORIGIN
    assert api.moderate("GET", "comments").json()["comments"] == []


def test_spam_checks(api: Api) -> None:
    """Links and duplicates are refused with a reason; the robots' checks answer like a
    success and store nothing."""
    links = api.comment(PAGE, "Спам", "https://a.example http://b.example www.c.ru")
    assert (links.status, links.json()["error"], links.json()["field"]) == (
        422,
        "too_many_links",
        "text",
    )
    assert posted(api, text="Два адреса: chistopol.ru и mail@kazan.ru — это не спам")
    long_text = "Купите наши окна по лучшей цене в Чистополе и районе!"
    posted(api, PAGE, text=long_text)
    again = api.comment(RU_PAGE, "Другое имя", long_text.upper().replace(" ", "  "))
    assert (again.status, again.json()["error"]) == (409, "duplicate")
    # A short thanks from two readers is no flood; from the same address on one page it is.
    assert api.comment(RU_PAGE, "Анна", "Спасибо!").status == 202
    assert api.comment(PAGE, "Олег", "Спасибо!").status == 202
    assert api.comment(PAGE, "Олег", "Спасибо!").status == 409
    honeypot = api.comment(PAGE, "Робот", "Я робот", website="https://spam.example")
    assert honeypot.status == 202 and honeypot.json()["status"] == "pending"
    now = int(time.time())
    too_fast = api.comment(PAGE, "Робот", "Я быстрый робот", form_token=form_token(SECRET, now))
    forged = api.comment(PAGE, "Робот", "Я хитрый робот", form_token=f"{now - 60}.0123456789abcdef")
    assert too_fast.status == 202 and forged.status == 202
    person = api.comment(PAGE, "Человек", "Я долго писал", form_token=form_token(SECRET, now - 20))
    assert person.status == 202
    texts = {c["text"] for c in api.moderate("GET", "comments").json()["comments"]}
    assert "Я долго писал" in texts
    assert not texts & {"Я робот", "Я быстрый робот", "Я хитрый робот"}


def test_the_rate_limit_is_shared_with_reactions(
    database_url: str, serve_app: Callable[[Settings], Api]
) -> None:
    api = serve_app(settings_for(database_url, rate_limit=3))
    assert api.react(PAGE, "like", "3f1c2b3a-1234-4abc-8def-0123456789ab").status == 201
    assert api.comment(PAGE, "Раз", "первый").status == 202
    assert api.comment(PAGE, "Два", "второй").status == 202
    limited = api.comment(PAGE, "Три", "третий")
    assert limited.status == 429 and 1 <= int(limited.headers["retry-after"]) <= 60
    # The widget on the site's origin can read why: refusals carry the CORS headers too.
    assert limited.headers["access-control-allow-origin"] == ORIGIN
    assert api.react(PAGE, "love", "4f1c2b3a-1234-4abc-8def-0123456789ab").status == 429
    form = api.form({"page": PAGE, "name": "Четыре", "text": "четвёртый"})
    assert form.headers["location"].endswith("#comment-error-busy")


def test_comments_can_be_closed_by_the_build(
    database_url: str, serve_app: Callable[[Settings], Api], tmp_path: Path
) -> None:
    listed = tmp_path / "endpoint-pages.json"
    listed.write_text(json.dumps({"comments": False, "pages": {PAGE: "Яңа мәктәп"}}))
    api = serve_app(settings_for(database_url, pages=load(listed), pages_file=listed))
    closed = api.comment(PAGE, "a", "b")
    assert (closed.status, closed.json()["error"]) == (403, "comments_closed")
    unknown = api.comment("/news/elsewhere/", "a", "b")
    assert (unknown.status, unknown.json()["error"]) == (422, "unknown_page")
    # The build opens them again: the running endpoint follows the file.
    listed.write_text(json.dumps({"comments": True, "pages": {PAGE: "Яңа мәктәп"}}))
    deadline = time.monotonic() + 5
    while api.comment(PAGE, "a", "b").status != 202:
        assert time.monotonic() < deadline
        time.sleep(0.2)


def test_pending_and_rejected_go_after_30_days(api: Api) -> None:
    store = api.app.store
    old = int(time.time()) - PURGE_AFTER - 3600

    def stored(text: str, created: int) -> int:
        return store.add_comment(
            NewComment(PAGE, "Старое", text, created, text.encode().ljust(16, b"."),
                       b"c" * 16, None, 0, False, False)
        )  # fmt: skip

    pending, rejected, approved = (stored(t, old) for t in ("p", "r", "a"))
    store.upkeep.purged = int(time.time())  # type: ignore[attr-defined]  # not before the decisions
    api.decide("reject", rejected)
    api.decide("approve", approved)
    store.upkeep.purged = 0  # type: ignore[attr-defined]  # the next post purges at once
    posted(api, text="Свежий комментарий")
    remaining = {
        c.id for s in ("pending", "approved", "rejected") for c in store.listing(s, 100, None)
    }
    assert approved in remaining
    assert pending not in remaining and rejected not in remaining


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_an_encoded_list_is_never_served_stale_across_processes(
    database_url: str, serve_app: Callable[[Settings], Api]
) -> None:
    """Two endpoints on one database, as two gunicorn workers: each keeps its own encoded
    lists, and a decision taken through the other is seen on the very next request."""
    reader, moderator = serve_app(settings_for(database_url)), serve_app(settings_for(database_url))
    comment = posted(reader, text="Видно ли меня?")
    assert reader.approved(PAGE)["count"] == 0  # now cached, empty
    moderator.decide("approve", comment)
    assert [c["id"] for c in reader.approved(PAGE)["comments"]] == [comment]
    moderator.decide("reject", comment)
    assert reader.approved(PAGE)["count"] == 0
    moderator.decide("approve", comment)
    assert reader.approved(PAGE)["count"] == 1
    moderator.decide("delete", comment)
    assert reader.approved(PAGE)["comments"] == []
