"""AWS Lambda and Yandex Cloud Functions adapters, fed recorded event shapes: they must give
the answers the WSGI app gives over HTTP for the same requests."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from endpoint import aws, serverless, yandex
from endpoint.settings import Settings
from tests.endpoint.conftest import ORIGIN, SECRET, Api, settings_for

EVENTS = Path(__file__).parent / "events"
PAGE = "/tt/news/җәмгыять/мәктәп-ачылды/"
OTHER = "/news/society/novaya-shkola/"
QUERY = f"?page={quote(PAGE, safe='')}&page={quote(OTHER, safe='')}"
JSON = {"Content-Type": "application/json", "Origin": ORIGIN}
READER = "0b7f3c2e-9a41-4d6b-8e15-2c3d4e5f6a7b"


def body(reaction: str, reader: str = READER) -> bytes:
    return json.dumps(
        {"page": PAGE, "reaction": reaction, "reader": reader}, ensure_ascii=False
    ).encode()


# (event file, the same request over HTTP, expected status)
AWS_STEPS = [
    ("aws-http-api-post-base64", ("POST", "/api/reactions", body("love"), JSON), 201),
    ("aws-http-api-post-again", ("POST", "/api/reactions", body("like"), JSON), 409),
    ("aws-http-api-get", ("GET", "/api/reactions" + QUERY, None, {"Origin": ORIGIN}), 200),
    ("aws-function-url-options", ("OPTIONS", "/api/reactions", None, {"Origin": ORIGIN}), 204),
    (
        "aws-function-url-post-foreign-origin",
        ("POST", "/api/reactions", body("love"), {**JSON, "Origin": "https://evil.example"}),
        403,
    ),
]
YANDEX_STEPS = [
    ("yandex-post-base64", ("POST", "/api/reactions", body("love", READER[:-1] + "c"), JSON), 201),
    ("yandex-gateway-get", ("GET", "/api/reactions" + QUERY, None, {"Origin": ORIGIN}), 200),
    ("yandex-direct-get", ("GET", "/api/reactions" + QUERY, None, {"Origin": ORIGIN}), 200),
    (
        "yandex-post-not-json",
        (
            "POST",
            "/api/reactions",
            b"page=/a/",
            {"Content-Type": "application/x-www-form-urlencoded", "Origin": ORIGIN},
        ),
        415,
    ),
]
COMPARED_HEADERS = (
    "access-control-allow-origin",
    "cache-control",
    "retry-after",
    "vary",
    "content-type",
)


def event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def adapter_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("KHABAR_SECRET", SECRET.decode())
    monkeypatch.setenv("KHABAR_DATABASE_URL", f"sqlite:///{tmp_path / 'adapter.sqlite3'}")
    monkeypatch.setenv("KHABAR_ALLOWED_ORIGINS", ORIGIN)
    monkeypatch.setenv("KHABAR_RATE_LIMIT", "0")
    monkeypatch.setattr(serverless, "_APP", None)
    yield
    if serverless._APP is not None:
        serverless._APP.store.close()


@pytest.mark.parametrize(
    ("module", "steps"), [(aws, AWS_STEPS), (yandex, YANDEX_STEPS)], ids=["aws", "yandex"]
)
def test_adapter_answers_like_wsgi(
    module: Any,
    steps: list[Any],
    adapter_env: None,
    tmp_path: Path,
    serve_app: Callable[[Settings], Api],
) -> None:
    api = serve_app(settings_for(f"sqlite:///{tmp_path / 'wsgi.sqlite3'}"))
    for name, (method, path, sent, headers), status in steps:
        answer = module.handler(event(name), None)
        reply = api.request(method, path, sent, headers)
        assert (answer["statusCode"], reply.status) == (status, status), name
        assert answer["isBase64Encoded"] is False
        got = {k.lower(): v for k, v in answer["headers"].items()}
        for header in COMPARED_HEADERS:
            assert got.get(header) == reply.headers.get(header), (name, header)
        if answer["body"]:
            assert json.loads(answer["body"]) == reply.json(), name


def test_tatar_page_ids_survive_base64(adapter_env: None) -> None:
    raw = event("aws-http-api-post-base64")
    assert raw["isBase64Encoded"] and "җ" in base64.b64decode(raw["body"]).decode()
    answer = aws.handler(raw, None)
    assert json.loads(answer["body"])["page"] == PAGE
    counts = json.loads(aws.handler(event("aws-http-api-get"), None)["body"])["pages"]
    assert counts[PAGE]["love"] == 1 and counts[OTHER]["love"] == 0


def test_lambda_client_ip_is_the_source_ip(
    adapter_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit counts AWS's sourceIp, not a header the client wrote."""
    monkeypatch.setenv("KHABAR_RATE_LIMIT", "1")
    first = event("aws-http-api-post-base64")
    second = json.loads(json.dumps(first))
    second["body"] = base64.b64encode(body("wow", "11111111-2222-4333-8444-555555555555")).decode()
    second["headers"]["x-forwarded-for"] = "203.0.113.9"
    assert aws.handler(first, None)["statusCode"] == 201
    assert aws.handler(second, None)["statusCode"] == 429
