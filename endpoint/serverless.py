"""Shared by the AWS and Yandex adapters: one HTTP request through the WSGI app.

An event is the platform's JSON; the adapters read it with the helpers below, which turn
any shape they do not expect (a header that is not a string, a body that is not base64)
into a 400 answer instead of an exception: a function never crashes on what a client sent.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from endpoint.app import EndpointApp, create_app
from endpoint.settings import Settings

_APP: EndpointApp | None = None


class BadEvent(ValueError):
    """The event is not an HTTP request this adapter understands."""


def shared_app() -> EndpointApp:
    """Built on a function's first call and kept while its container stays warm. Telegram
    messages go out in the request itself: a frozen container runs no thread."""
    global _APP
    if _APP is None:
        _APP = create_app(Settings.from_env(), sending="inline")
    return _APP


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: Mapping[str, str]
    body: bytes
    client_ip: str


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def handle(event: object, read: Callable[[Mapping[str, Any]], Request]) -> dict[str, Any]:
    """The answer both AWS and Yandex expect from an HTTP-invoked function."""
    try:
        if not isinstance(event, Mapping):
            raise BadEvent("the event is not a JSON object")
        request = read(event)
    except BadEvent as exc:
        body = json.dumps({"error": "bad_request", "detail": str(exc)}).encode()
        answer = Answer(400, [("Content-Type", "application/json; charset=utf-8")], body)
    else:
        answer = call(shared_app(), request)
    return {
        "statusCode": answer.status,
        "headers": dict(answer.headers),
        "body": answer.body.decode("utf-8"),
        "isBase64Encoded": False,
    }


def text(value: object, name: str, default: str = "") -> str:
    if value is None:
        return default
    if not isinstance(value, str):
        raise BadEvent(f"{name} must be a string")
    return value


def mapping(value: object, name: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise BadEvent(f"{name} must be an object")
    return value


def headers_of(value: object) -> dict[str, str]:
    found = mapping(value, "headers")
    return {text(k, "a header name"): text(v, f"header {k}") for k, v in found.items()}


def decode_body(body: object, is_base64: object) -> bytes:
    raw = text(body, "body")
    if not raw:
        return b""
    if not is_base64:
        return raw.encode("utf-8", "surrogatepass")
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise BadEvent("the body is not valid base64") from None


def call(app: EndpointApp, request: Request) -> Answer:
    headers = {k.lower(): v for k, v in request.headers.items()}
    environ: dict[str, object] = {
        "REQUEST_METHOD": request.method.upper(),
        "PATH_INFO": request.path,
        "QUERY_STRING": urlencode(request.query),
        "CONTENT_TYPE": headers.get("content-type", ""),
        "CONTENT_LENGTH": str(len(request.body)),
        "REMOTE_ADDR": request.client_ip,
        "SERVER_NAME": headers.get("host", "localhost"),
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(request.body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        if name not in ("content-type", "content-length"):
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    seen: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = int(status.split(maxsplit=1)[0]), response_headers

    body = b"".join(app(environ, start_response))
    return Answer(int(seen["status"]), list(seen["headers"]), body)
