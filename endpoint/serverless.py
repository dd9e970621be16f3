"""Shared by the AWS and Yandex adapters: one HTTP request through the WSGI app."""

from __future__ import annotations

import base64
import io
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from endpoint.app import EndpointApp, create_app
from endpoint.settings import Settings

_APP: EndpointApp | None = None


def shared_app() -> EndpointApp:
    """Built on a function's first call and kept while its container stays warm."""
    global _APP
    if _APP is None:
        _APP = create_app(Settings.from_env())
    return _APP


def respond(request: Request) -> dict[str, Any]:
    """The answer both AWS and Yandex expect from an HTTP-invoked function."""
    answer = call(shared_app(), request)
    return {
        "statusCode": answer.status,
        "headers": dict(answer.headers),
        "body": answer.body.decode("utf-8"),
        "isBase64Encoded": False,
    }


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


def decode_body(body: str | None, is_base64: bool) -> bytes:
    if not body:
        return b""
    return base64.b64decode(body) if is_base64 else body.encode("utf-8")


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
    seen: dict[str, object] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = int(status.split(maxsplit=1)[0]), response_headers

    body = b"".join(app(environ, start_response))
    return Answer(int(str(seen["status"])), list(seen["headers"]), body)  # type: ignore[call-overload]
