"""HTTP plumbing every route shares: the request as the app sees it, answers and refusals,
and reading a body without trusting the client (its length, its encoding, its nesting).

Whatever a client sends, a malformed request ends as a 4xx here, never a 500 or a read
that waits forever: a body is read only up to a Content-Length that is a plain number
within the route's limit; a body without one is refused (411) unless the server already
framed it (wsgi.input_terminated); JSON nested too deeply is a 400 like any other.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, parse_qsl

Environ = dict[str, Any]
StartResponse = Callable[..., object]
JSON_TYPE = "application/json; charset=utf-8"
LENGTH_RE = re.compile(r"[0-9]{1,12}")
MAX_FIELDS = 100  # query or form fields: more is not a request of ours
STATUS = {
    200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 301: "Moved Permanently",
    302: "Found", 303: "See Other", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 411: "Length Required",
    413: "Content Too Large", 415: "Unsupported Media Type", 422: "Unprocessable Content",
    429: "Too Many Requests", 502: "Bad Gateway", 503: "Service Unavailable",
}  # fmt: skip


@dataclass
class Response:
    status: int
    body: dict[str, Any] | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    raw: bytes | None = None  # a body already encoded (the OpenAPI document, a page)
    content_type: str = JSON_TYPE

    def header(self, name: str, value: str) -> Response:
        self.headers.append((name, value))
        return self

    def encode(self) -> tuple[str, list[tuple[str, str]], bytes]:
        body = self.raw or b""
        if self.body is not None:
            body = json.dumps(self.body, ensure_ascii=False).encode()
        headers = [("X-Content-Type-Options", "nosniff"), *self.headers]
        if self.status not in (204, 304):
            headers[:0] = [("Content-Length", str(len(body)))]
            if not any(name.lower() == "content-type" for name, _ in self.headers):
                headers[:0] = [("Content-Type", self.content_type)]  # a handler's own wins
        return f"{self.status} {STATUS[self.status]}", headers, body


class Problem(Exception):
    """A request the API refuses; becomes a JSON error answer."""

    def __init__(self, status: int, error: str, detail: str = "", field: str | None = None) -> None:
        super().__init__(error)
        self.status, self.error, self.field = status, error, field
        body: dict[str, Any] = {"error": error}
        if field:
            body["field"] = field
        if detail:
            body["detail"] = detail
        self.response = Response(status, body)


@dataclass(frozen=True)
class Request:
    environ: Environ
    params: Mapping[str, str] = field(default_factory=dict)  # the route's {name} parts

    @property
    def method(self) -> str:
        return str(self.environ.get("REQUEST_METHOD", "GET")).upper()

    def header(self, name: str) -> str | None:
        value = self.environ.get("HTTP_" + name.upper().replace("-", "_"))
        return None if value is None else str(value)

    @property
    def media_type(self) -> str:
        return str(self.environ.get("CONTENT_TYPE", "")).split(";")[0].strip().lower()

    def query(self) -> dict[str, list[str]]:
        try:
            return parse_qs(
                query_string(self.environ), keep_blank_values=True, max_num_fields=MAX_FIELDS
            )
        except ValueError:
            raise Problem(400, "too_many_parameters") from None

    def body(self, limit: int) -> bytes:
        return read_body(self.environ, limit)

    def json(self, limit: int) -> object:
        if self.media_type != "application/json":
            raise Problem(415, "unsupported_media_type", "send application/json")
        return parse_json(self.body(limit))

    def form(self, limit: int) -> dict[str, str]:
        """An HTML form's fields; a field sent twice is a malformed form."""
        raw = self.body(limit)
        try:
            pairs = parse_qsl(
                raw.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS,
                errors="strict",
            )  # fmt: skip
        except (UnicodeDecodeError, ValueError):
            raise Problem(400, "invalid_form") from None
        fields = dict(pairs)
        if len(fields) != len(pairs):
            raise Problem(400, "invalid_form", "a field was sent twice")
        return fields


def query_string(environ: Mapping[str, Any]) -> str:
    """WSGI hands over raw bytes as Latin-1; unescaped UTF-8 (Tatar letters) is recovered."""
    raw = str(environ.get("QUERY_STRING", ""))
    try:
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw


def read_body(environ: Mapping[str, Any], limit: int) -> bytes:
    stream = environ["wsgi.input"]
    text = str(environ.get("CONTENT_LENGTH") or "").strip()
    if not text:
        if environ.get("wsgi.input_terminated"):  # the server de-chunked it: EOF is safe
            return _checked(_read(stream, limit + 1), limit)
        if environ.get("HTTP_TRANSFER_ENCODING"):  # chunks the server did not decode
            raise Problem(411, "length_required", "send a Content-Length")
        return b""  # no length and no chunks: HTTP says there is no body
    if not LENGTH_RE.fullmatch(text):
        raise Problem(400, "invalid_length", "Content-Length must be a number of bytes")
    length = int(text)
    if length > limit:
        raise Problem(413, "too_large", f"at most {limit} bytes")
    raw = _read(stream, length)
    if len(raw) < length:
        raise Problem(400, "incomplete_body", "the body is shorter than its Content-Length")
    return raw


def _read(stream: Any, size: int) -> bytes:
    try:
        raw = stream.read(size)
    except (OSError, ValueError):  # a client that stops sending (a socket timeout)
        raise Problem(400, "incomplete_body") from None
    return raw if isinstance(raw, bytes) else b""


def _checked(raw: bytes, limit: int) -> bytes:
    if len(raw) > limit:
        raise Problem(413, "too_large", f"at most {limit} bytes")
    return raw


def parse_json(raw: bytes) -> object:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Problem(400, "invalid_json") from None


def no_store(response: Response) -> Response:
    if not any(name == "Cache-Control" for name, _ in response.headers):
        response.header("Cache-Control", "no-store")
    return response


Handler = Callable[[Request], Response]
Routes = list[tuple[str, dict[str, Handler]]]  # a path (with {name} parts) and its methods
