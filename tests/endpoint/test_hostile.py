"""Hostile input against every front end: raw HTTP to the built-in server and to gunicorn,
and events to the AWS and Yandex adapters. Whatever arrives, the answer is a 4xx (or a
success), never a 500, and never a wait for ever (issue 9, item 10)."""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from endpoint import aws, serverless, yandex
from endpoint.__main__ import QuietHandler, ThreadingServer
from endpoint.app import create_app
from endpoint.settings import Telegram
from tests.endpoint.conftest import ORIGIN, SECRET, TOKEN, settings_for

EVENTS = Path(__file__).parent / "events"
PAGE = "/tt/news/society/yana-maktap/"
ROUTES = [
    "/api/reactions", "/api/comments", "/api/comments/counts", "/api/moderation/",
    "/api/moderation/comments", "/api/moderation/comments/1", "/api/moderation/me",
    "/api/moderation/log", "/api/telegram", "/api/health", "/api/openapi.json", "/api/nothing",
]  # fmt: skip
BODY_ROUTES = ["/api/reactions", "/api/comments", "/api/moderation/comments",
               "/api/moderation/comments/1", "/api/telegram"]  # fmt: skip
WEBHOOK = "webhook-secret-0123456789"


class QuickHandler(QuietHandler):
    timeout = 2  # the built-in server's own is 10 s: the same mechanism, a shorter wait


@pytest.fixture(scope="module")
def builtin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    path = tmp_path_factory.mktemp("hostile") / "khabar.sqlite3"
    telegram = Telegram("1:x", "-1", WEBHOOK, "http://127.0.0.1:9", {111: "Айгуль"})
    app = create_app(replace(settings_for(f"sqlite:///{path}"), telegram=telegram))
    server = ThreadingServer(("127.0.0.1", 0), QuickHandler)
    server.set_app(app)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield server.server_port
    server.shutdown()
    server.server_close()
    app.close()


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    folder = tmp_path_factory.mktemp("gunicorn")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KHABAR_", "REACTIONS_"))}
    env |= {"KHABAR_SECRET": SECRET.decode(), "KHABAR_ALLOWED_ORIGINS": ORIGIN,
            "KHABAR_DATABASE_URL": f"sqlite:///{folder / 'khabar.sqlite3'}",
            "KHABAR_MODERATORS": f"Айгуль:{TOKEN}", "KHABAR_RATE_LIMIT": "0"}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "1", "-k", "gthread", "--threads", "4",
         "--timeout", "10", "-b", f"127.0.0.1:{port}", "endpoint.wsgi:application"],
        env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while status_of(send(port, b"GET /api/health HTTP/1.0\r\n\r\n", 2)) != 200:
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.2)
    yield port
    process.terminate()
    process.wait(10)


def send(port: int, data: bytes, timeout: float, close_write: bool = True) -> bytes:
    """One raw request; its answer, or b"" when the connection fails."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(data)
            if close_write:
                sock.shutdown(socket.SHUT_WR)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
            return b"".join(chunks)
    except (ConnectionError, TimeoutError):
        return b""


def status_of(answer: bytes) -> int | None:
    line = answer.split(b"\r\n", 1)[0].split()
    if len(line) >= 2 and line[0].startswith(b"HTTP/") and line[1].isdigit():
        return int(line[1])
    # To a request line it cannot read, http.server answers as HTTP/0.9: a page, no headers.
    found = re.search(rb"<p>Error code: (\d{3})</p>", answer)
    return int(found.group(1)) if found else None


def request(method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode("latin-1", "replace") + b"\r\n" + body


NESTED = b"[" * 5000 + b"]" * 5000
COMMENT = json.dumps({"page": PAGE, "name": "a", "text": "b",
                      "reader": "3f1c2b3a-1234-4abc-8def-0123456789ab"}).encode()  # fmt: skip
JSON = {"Content-Type": "application/json", "Origin": ORIGIN}
CASES = {
    "length -1": (JSON | {"Content-Length": "-1"}, COMMENT, 400),
    "length 1e3": (JSON | {"Content-Length": "1e3"}, COMMENT, 400),
    "length in Arabic digits": (JSON | {"Content-Length": "١٢"}, COMMENT, 400),
    "length +5": (JSON | {"Content-Length": "+5"}, COMMENT, 400),
    "length 0x10": (JSON | {"Content-Length": "0x10"}, COMMENT, 400),
    "length 2**64": (JSON | {"Content-Length": str(2**64)}, COMMENT, 400),
    "length huge": (JSON | {"Content-Length": "99999999"}, COMMENT, 413),
    "chunked": (JSON | {"Transfer-Encoding": "chunked"},
                b"%x\r\n" % len(COMMENT) + COMMENT + b"\r\n0\r\n\r\n", 411),
    "no length": (JSON, COMMENT, 400),
    "deeply nested JSON": (JSON | {"Content-Length": str(len(NESTED))}, NESTED, 400),
    "a 5000-digit number": (JSON | {"Content-Length": "5002"}, b"[" + b"9" * 5000 + b"]", 400),
    "not UTF-8": (JSON | {"Content-Length": "4"}, b"\xff\xfe{}", 400),
    "a form, twice the field": ({"Content-Type": "application/x-www-form-urlencoded",
                                 "Content-Length": "17"}, b"page=/a/&page=/b/", 400),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_bodies_on_the_builtin_server(builtin: int, case: str) -> None:
    headers, body, expected = CASES[case]
    started = time.monotonic()
    # The connection stays open for writing: a server that waits for more would hang here.
    answer = send(builtin, request("POST", "/api/comments", headers, body), 15, close_write=False)
    assert status_of(answer) == expected, answer[:300]
    assert time.monotonic() - started < 5


def test_a_body_shorter_than_its_length_is_cut_off_not_waited_for(builtin: int) -> None:
    started = time.monotonic()
    headers = JSON | {"Content-Length": str(len(COMMENT) + 50)}
    answer = send(
        builtin, request("POST", "/api/comments", headers, COMMENT), 15, close_write=False
    )
    assert status_of(answer) == 400 and b"incomplete_body" in answer
    assert time.monotonic() - started < QuickHandler.timeout + 3
    assert 0 < QuietHandler.timeout <= 30


@pytest.mark.parametrize(
    "raw",
    [
        b"GARBAGE\r\n\r\n",
        b"GET /api/health HTTP/9.9\r\n\r\n",
        b"GET /api/comments?page=%FF%FE HTTP/1.0\r\n\r\n",
        b"GET /api/comments?" + b"&".join(b"page=/a/" for _ in range(500)) + b" HTTP/1.0\r\n\r\n",
        b"GET /api/moderation/comments HTTP/1.0\r\nAuthorization: Bearer " + b"x" * 8000 + b"\r\n\r\n",
        b"GET /api/moderation/comments HTTP/1.0\r\nAuthorization: Bearer \xff\x00\r\n\r\n",
        b"GET /api/moderation/comments/99999999999999999999999 HTTP/1.0\r\n\r\n",
        b"DELETE /api/comments HTTP/1.0\r\n\r\n",
        b"GET /" + b"a" * 70000 + b" HTTP/1.0\r\n\r\n",
        b"GET /api/health HTTP/1.0\r\n" + b"X: y\r\n" * 200 + b"\r\n",
    ],
    ids=["garbage", "version", "bad-escape", "500-params", "long-token", "binary-token",
         "huge-id", "method", "long-line", "many-headers"],
)  # fmt: skip
def test_malformed_requests_on_the_builtin_server(builtin: int, raw: bytes) -> None:
    answer = send(builtin, raw, 10)
    status = status_of(answer)
    assert status is not None and 400 <= status < 500, answer[:200]


def _telegram_body(data: object) -> bytes:
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    "update",
    [
        {"callback_query": []},
        {"callback_query": {"from": {"id": "111"}, "data": "approve:1"}},
        {"callback_query": {"from": {"id": 111}, "data": None}},
        {"callback_query": {"from": {"id": 111}, "data": "approve:" + "9" * 100}},
        {"callback_query": {"from": {"id": 111}, "data": "approve:-1"}},
        {"callback_query": {"from": [], "data": "reject:1", "id": {"x": 1}}},
        [1, 2],
        None,
    ],
)
def test_odd_telegram_updates(builtin: int, update: object) -> None:
    body = _telegram_body(update)
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": WEBHOOK,
               "Content-Length": str(len(body))}  # fmt: skip
    status = status_of(send(builtin, request("POST", "/api/telegram", headers, body), 10))
    assert status is not None and status < 500


def test_odd_moderation_ids(builtin: int) -> None:
    for ids in ([True], [1.5], ["1"], [None], [1e300], [-1], [0], "1,2", [[1]]):
        body = json.dumps({"action": "approve", "ids": ids}).encode()
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}",
                   "Content-Length": str(len(body))}  # fmt: skip
        answer = send(builtin, request("POST", "/api/moderation/comments", headers, body), 10)
        assert status_of(answer) == 422, (ids, answer[:300])
    for raw in (
        b'{"action": "approve", "ids": [NaN]}',
        b'{"action": "approve", "ids": [Infinity]}',
    ):
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}",
                   "Content-Length": str(len(raw))}  # fmt: skip
        answer = send(builtin, request("POST", "/api/moderation/comments", headers, raw), 10)
        assert status_of(answer) == 422, answer[:300]


# --- generated requests

LENGTHS = st.one_of(
    st.none(), st.just("auto"), st.just("auto"), st.integers(-5, 20_000).map(str),
    st.text(st.characters(codec="latin-1"), max_size=8),
)  # fmt: skip
TYPES = st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain",
                         "application/json; charset=utf-8", "", "multipart/form-data"])  # fmt: skip
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=20,
)
BODIES = st.one_of(
    st.binary(max_size=3000),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries(
        {"page": st.sampled_from([PAGE, "/a/", "x", PAGE + "\n"]), "name": st.text(max_size=70),
         "text": st.text(max_size=300)},
        optional={"reader": st.uuids().map(str) | st.text(max_size=5), "website": st.text(max_size=5),
                  "form_token": st.text(max_size=20), "lang": st.text(max_size=3)},
    ).map(lambda v: json.dumps(v).encode()),
)  # fmt: skip


@st.composite
def raw_requests(draw: st.DrawFn) -> bytes:
    # Weighted towards what reads a body: a POST of JSON or a form to a route that takes one.
    method = draw(st.sampled_from(["POST"] * 6 + ["GET", "OPTIONS", "PUT", "HEAD", "PATCH"]))
    path = draw(
        st.sampled_from(BODY_ROUTES * 3 + ROUTES)
        | st.text(st.characters(codec="ascii", exclude_characters=" \r\n"), max_size=40).map(
            lambda p: "/api/" + p
        )
    )
    query = draw(
        st.sampled_from(["", "?page=" + PAGE, "?page=/a/&page=/b/", "?status=pending&limit=2"])
        | st.text(st.characters(codec="ascii", exclude_characters=" \r\n#"), max_size=30).map(
            lambda q: "?" + q
        )
    )
    body = draw(BODIES)
    headers: dict[str, str] = {}
    kind = draw(
        st.sampled_from(["application/json"] * 3 + ["application/x-www-form-urlencoded"] * 2)
        | TYPES
    )
    if kind:
        headers["Content-Type"] = kind
    length = draw(LENGTHS)
    if length is not None:
        headers["Content-Length"] = str(len(body)) if length == "auto" else length
    if draw(st.booleans()):
        headers["Origin"] = draw(st.sampled_from([ORIGIN, "https://evil.example", "null"]))
    if draw(st.booleans()):
        headers["Authorization"] = draw(
            st.sampled_from([f"Bearer {TOKEN}", "Bearer x", "Basic y", "Bearer"])
        )
    if draw(st.booleans()):
        headers["Transfer-Encoding"] = draw(st.sampled_from(["chunked", "gzip", "identity"]))
    return request(method, path + query, headers, body)  # fmt: skip


@st.composite
def body_requests(draw: st.DrawFn) -> bytes:
    """Past every check that comes before the body (Origin, token, webhook secret): what
    the endpoint makes of the body itself, its length, type and framing."""
    headers = {"Origin": ORIGIN, "Authorization": f"Bearer {TOKEN}",
               "X-Telegram-Bot-Api-Secret-Token": WEBHOOK}  # fmt: skip
    kind = draw(st.sampled_from(["application/json", "application/x-www-form-urlencoded"]) | TYPES)
    if kind:
        headers["Content-Type"] = kind
    body = draw(BODIES)
    length = draw(LENGTHS)
    if length is not None:
        headers["Content-Length"] = str(len(body)) if length == "auto" else length
    if draw(st.integers(0, 4)) == 0:
        headers["Transfer-Encoding"] = "chunked"
    return request("POST", draw(st.sampled_from(BODY_ROUTES)), headers, body)


FUZZ = hypothesis_settings(
    max_examples=200, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)  # fmt: skip


def _no_5xx(port: int, raw: bytes) -> None:
    started = time.monotonic()
    answer = send(port, raw, 20)
    status = status_of(answer)
    assert status is not None and status < 500, (raw[:300], answer[:300])
    assert time.monotonic() - started < 12


@FUZZ
@given(raw=raw_requests())
def test_fuzz_the_builtin_server(builtin: int, raw: bytes) -> None:
    _no_5xx(builtin, raw)


@FUZZ
@given(raw=raw_requests())
def test_fuzz_gunicorn(gunicorn: int, raw: bytes) -> None:
    _no_5xx(gunicorn, raw)


@FUZZ
@given(raw=body_requests())
def test_fuzz_bodies_on_the_builtin_server(builtin: int, raw: bytes) -> None:
    _no_5xx(builtin, raw)


@FUZZ
@given(raw=body_requests())
def test_fuzz_bodies_on_gunicorn(gunicorn: int, raw: bytes) -> None:
    _no_5xx(gunicorn, raw)


# --- generated events for the serverless adapters


@pytest.fixture(scope="module")
def adapters(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    folder = tmp_path_factory.mktemp("adapters")
    env = {"KHABAR_SECRET": SECRET.decode(), "KHABAR_ALLOWED_ORIGINS": ORIGIN,
           "KHABAR_DATABASE_URL": f"sqlite:///{folder / 'khabar.sqlite3'}",
           "KHABAR_MODERATORS": f"Айгуль:{TOKEN}", "KHABAR_RATE_LIMIT": "0"}  # fmt: skip
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        patch.setattr(serverless, "_APP", None)
        yield
        if serverless._APP is not None:
            serverless._APP.close()


SAMPLES = {
    path.stem: json.loads(path.read_text(encoding="utf-8")) for path in EVENTS.glob("*.json")
}


@st.composite
def events(draw: st.DrawFn) -> tuple[Callable[[Any], dict[str, Any]], object]:
    name = draw(st.sampled_from(sorted(SAMPLES)))
    handler = aws.handler if name.startswith("aws") else yandex.handler
    if draw(st.integers(0, 9)) == 0:
        return handler, draw(JSON_VALUES)  # not even an object
    event = copy.deepcopy(SAMPLES[name])
    for _ in range(draw(st.integers(1, 4))):
        target = event
        keys = list(target)
        key = draw(st.sampled_from(keys))
        while isinstance(target.get(key), dict) and target[key] and draw(st.booleans()):
            target = target[key]
            key = draw(st.sampled_from(list(target)))
        target[key] = draw(st.one_of(JSON_VALUES, st.just(None), st.text(max_size=40),
                                     st.binary(max_size=50).map(lambda b: base64.b64encode(b).decode() + "!")))  # fmt: skip
    return handler, event


@hypothesis_settings(max_examples=250, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(case=events())
def test_fuzz_adapter_events(
    adapters: None, case: tuple[Callable[[Any], dict[str, Any]], object]
) -> None:
    handler, event = case
    answer = handler(event, None)
    assert isinstance(answer["statusCode"], int) and answer["statusCode"] < 500, (event, answer)
    assert isinstance(answer["body"], str) and isinstance(answer["headers"], dict)


@pytest.mark.parametrize("module", [aws, yandex], ids=["aws", "yandex"])
def test_a_body_that_is_not_base64_is_a_400(adapters: None, module: Any) -> None:
    name = "aws-http-api-post-base64" if module is aws else "yandex-post-base64"
    event = copy.deepcopy(SAMPLES[name])
    event["body"] = "not base64 at all!"
    answer = module.handler(event, None)
    assert answer["statusCode"] == 400 and "base64" in json.loads(answer["body"])["detail"]
