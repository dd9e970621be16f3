"""The HTTP API of ../shared/contract.md, against SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from endpoint.settings import Settings
from tests.endpoint.conftest import ORIGIN, Api, settings_for

PAGE = "/tt/news/society/yana-maktap/"
ZERO = {"like": 0, "love": 0, "laugh": 0, "wow": 0, "sad": 0}


def reader() -> str:
    return str(uuid.uuid4())


def test_counts_start_at_zero(api: Api) -> None:
    assert api.counts(PAGE, "/news/a/") == {PAGE: ZERO, "/news/a/": ZERO}


def test_a_reaction_counts_once(api: Api) -> None:
    me = reader()
    first = api.react(PAGE, "love", me)
    assert first.status == 201
    assert first.json() == {"page": PAGE, "counts": {**ZERO, "love": 1}, "mine": "love"}
    assert first.headers["access-control-allow-origin"] == ORIGIN
    again = api.react(PAGE, "like", me)
    assert again.status == 409
    assert again.json()["error"] == "already_reacted"
    assert again.json()["mine"] == "love"
    assert api.react(PAGE, "like", reader()).status == 201
    assert api.counts(PAGE)[PAGE] == {**ZERO, "love": 1, "like": 1}


def test_the_same_reader_may_react_to_other_pages(api: Api) -> None:
    me = reader()
    assert api.react("/news/a/", "wow", me).status == 201
    assert api.react("/news/b/", "wow", me).status == 201


def test_batched_get_up_to_50(api: Api) -> None:
    pages = [f"/news/society/n{i}/" for i in range(50)]
    api.react(pages[7], "sad", reader())
    counts = api.counts(*pages)
    assert len(counts) == 50 and counts[pages[7]]["sad"] == 1
    too_many = "&".join(f"page=/n{i}/" for i in range(51))
    assert api.request("GET", "/api/reactions?" + too_many).status == 400
    assert api.request("GET", "/api/reactions").status == 400


def test_get_is_public_and_cacheable(api: Api) -> None:
    reply = api.request(
        "GET", "/api/reactions?page=/news/a/", headers={"Origin": "https://other.example"}
    )
    assert reply.status == 200
    assert reply.headers["cache-control"] == "public, max-age=10"
    assert reply.headers["access-control-allow-origin"] == "*"
    assert "set-cookie" not in reply.headers


def test_tatar_letters_in_page_ids(api: Api) -> None:
    page = "/tt/news/җәмгыять/мәктәп/"
    assert api.react(page, "like", reader()).status == 201
    assert api.counts(page)[page]["like"] == 1


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (
            {"page": PAGE, "reaction": "angry", "reader": "3f1c2b3a-1234-4abc-8def-0123456789ab"},
            422,
            "invalid_reaction",
        ),
        (
            {
                "page": "news/a",
                "reaction": "like",
                "reader": "3f1c2b3a-1234-4abc-8def-0123456789ab",
            },
            422,
            "invalid_page",
        ),
        (
            {"page": "/a b/", "reaction": "like", "reader": "3f1c2b3a-1234-4abc-8def-0123456789ab"},
            422,
            "invalid_page",
        ),
        (
            {
                "page": "/" + "a/" * 200,
                "reaction": "like",
                "reader": "3f1c2b3a-1234-4abc-8def-0123456789ab",
            },
            422,
            "invalid_page",
        ),
        ({"page": PAGE, "reaction": "like", "reader": "me"}, 422, "invalid_reader"),
        ({"page": PAGE, "reaction": "like"}, 422, "invalid_body"),
        (
            {
                "page": PAGE,
                "reaction": "like",
                "reader": "3f1c2b3a-1234-4abc-8def-0123456789ab",
                "x": 1,
            },
            422,
            "invalid_body",
        ),
        ([1, 2], 422, "invalid_body"),
    ],
)
def test_bad_input(api: Api, body: object, status: int, error: str) -> None:
    reply = api.request(
        "POST", "/api/reactions", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    assert (reply.status, reply.json()["error"]) == (status, error)


def test_malformed_json_not_json_and_too_large(api: Api) -> None:
    assert (
        api.request("POST", "/api/reactions", b"{", {"Content-Type": "application/json"}).status
        == 400
    )
    assert (
        api.request(
            "POST",
            "/api/reactions",
            b"page=/a/",
            {"Content-Type": "application/x-www-form-urlencoded"},
        ).status
        == 415
    )
    big = json.dumps({"page": PAGE, "reaction": "like", "reader": "x" * 1100}).encode()
    reply = api.request("POST", "/api/reactions", big, {"Content-Type": "application/json"})
    assert (reply.status, reply.json()["error"]) == (413, "too_large")


def test_origin_allowlist_and_preflight(api: Api) -> None:
    body = json.dumps({"page": PAGE, "reaction": "like", "reader": reader()}).encode()
    foreign = api.request(
        "POST",
        "/api/reactions",
        body,
        {"Content-Type": "application/json", "Origin": "https://evil.example"},
    )
    assert foreign.status == 403
    assert "access-control-allow-origin" not in foreign.headers
    assert api.counts(PAGE)[PAGE] == ZERO
    allowed = api.request(
        "OPTIONS",
        "/api/reactions",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert allowed.status == 204
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert allowed.headers["access-control-allow-headers"] == "Content-Type"
    denied = api.request("OPTIONS", "/api/reactions", headers={"Origin": "https://evil.example"})
    assert denied.status == 403 and "access-control-allow-origin" not in denied.headers


def test_only_listed_pages_when_a_list_is_given(
    database_url: str, serve_app: Callable[[Settings], Api], tmp_path: Path
) -> None:
    listed = tmp_path / "pages.json"
    listed.write_text(json.dumps([PAGE]))
    from endpoint.settings import _pages

    api = serve_app(settings_for(database_url, pages=_pages(str(listed))))
    assert api.react(PAGE, "like", reader()).status == 201
    reply = api.react("/news/elsewhere/", "like", reader())
    assert (reply.status, reply.json()["error"]) == (422, "unknown_page")


def test_health_openapi_and_unknown_paths(api: Api) -> None:
    health = api.request("GET", "/api/health")
    assert health.status == 200 and health.json()["status"] == "ok"
    spec = api.request("GET", "/api/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert set(spec["paths"]) == {"/api/reactions", "/api/health", "/api/openapi.json"}
    assert spec["components"]["schemas"]["Counts"]["required"] == list(ZERO)
    assert api.request("GET", "/api/nothing").status == 404
    reply = api.request("DELETE", "/api/reactions")
    assert reply.status == 405 and reply.headers["allow"] == "GET, POST, OPTIONS"


def test_no_cookies_anywhere(api: Api) -> None:
    replies = [
        api.react(PAGE, "like", reader()),
        api.request("GET", "/api/reactions?page=/a/"),
        api.request("GET", "/api/health"),
    ]
    assert all("set-cookie" not in r.headers for r in replies)
