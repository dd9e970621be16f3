"""The yardstick: the smallest WSGI app answering JSON, run on the same server as ours."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

BODY = b'{"status": "ok"}'


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    length = environ.get("CONTENT_LENGTH") or "0"
    if length.isdigit() and int(length):
        environ["wsgi.input"].read(int(length))
    status = "201 Created" if environ["REQUEST_METHOD"] == "POST" else "200 OK"
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]
    )
    return [BODY]
