"""The WSGI application, built by a factory from its settings. Standard library only."""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from endpoint import identity, oauth
from endpoint.openapi import PAGE, build_spec
from endpoint.settings import ConfigError, Settings
from endpoint.store import (
    RETRY_AFTER,
    AlreadyReacted,
    Counts,
    RateLimited,
    SQLiteStore,
    Store,
    StoreUnavailable,
    Vote,
)

StartResponse = Callable[..., object]
Environ = dict[str, Any]
MAX_BODY = 1024
MAX_PAGES = 50
PAGE_RE = re.compile(PAGE["pattern"])
MAX_PAGE = int(PAGE["maxLength"])
STATUS = {
    200: "OK", 201: "Created", 204: "No Content", 302: "Found", 400: "Bad Request",
    403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 413: "Content Too Large",
    415: "Unsupported Media Type", 422: "Unprocessable Content", 429: "Too Many Requests",
    502: "Bad Gateway", 503: "Service Unavailable",
}  # fmt: skip


@dataclass
class Response:
    status: int
    body: dict[str, Any] | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    raw: bytes | None = None  # a body already encoded (the OpenAPI document)

    def header(self, name: str, value: str) -> Response:
        self.headers.append((name, value))
        return self


class Problem(Exception):
    """A request the API refuses; becomes a JSON error answer."""

    def __init__(self, status: int, error: str, detail: str = "") -> None:
        super().__init__(error)
        self.response = Response(status, {"error": error, **({"detail": detail} if detail else {})})


class EndpointApp:
    def __init__(
        self, settings: Settings, store: Store, sign_in: oauth.OAuthSettings | None = None
    ) -> None:
        self.settings = settings
        self.store = store
        self.spec = json.dumps(build_spec(settings.kinds), ensure_ascii=False).encode()
        self.routes: dict[str, dict[str, Callable[[Environ], Response]]] = {
            "/api/reactions": {
                "GET": self.get_counts,
                "POST": self.post_reaction,
                "OPTIONS": self.preflight,
            },
            "/api/health": {"GET": self.health},
            "/api/openapi.json": {"GET": self.openapi},
        }
        self.routes.update(self.sign_in_routes(sign_in or oauth.OAuthSettings()))

    def sign_in_routes(self, sign_in: oauth.OAuthSettings) -> dict[str, Any]:
        """The editors' CMS signs in with GitHub here (endpoint/oauth.py)."""
        flow = oauth.OAuth(sign_in, self.settings.secret, self.settings.allowed_origins)

        def wrap(step: Callable[[Environ], oauth.Answer]) -> Callable[[Environ], Response]:
            def handler(environ: Environ) -> Response:
                status, headers, body = step(environ)
                return Response(status, headers=headers, raw=body)

            return handler

        return {
            "/api/auth": {"GET": wrap(flow.auth)},
            "/api/callback": {"GET": wrap(flow.callback)},
        }

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        response = self.dispatch(environ)
        body = response.raw or b""
        if response.body is not None:
            body = json.dumps(response.body, ensure_ascii=False).encode()
        own_type = any(name == "Content-Type" for name, _ in response.headers)
        headers = [
            *([] if own_type else [("Content-Type", "application/json; charset=utf-8")]),
            ("Content-Length", str(len(body))),
            ("X-Content-Type-Options", "nosniff"),
            *response.headers,
        ]
        if response.status == 204:
            headers = [h for h in headers if h[0] not in ("Content-Type", "Content-Length")]
        start_response(f"{response.status} {STATUS[response.status]}", headers)
        return [body]

    def dispatch(self, environ: Environ) -> Response:
        methods = self.routes.get(environ.get("PATH_INFO") or "/api/reactions")
        if methods is None:
            return Response(404, {"error": "not_found"}).header("Cache-Control", "no-store")
        handler = methods.get(str(environ.get("REQUEST_METHOD", "GET")).upper())
        if handler is None:
            allow = ", ".join(methods)
            return Response(405, {"error": "method_not_allowed"}).header("Allow", allow)
        try:
            return handler(environ)
        except Problem as problem:
            return problem.response.header("Cache-Control", "no-store")
        except StoreUnavailable:
            return (
                Response(503, {"error": "unavailable"})
                .header("Retry-After", str(RETRY_AFTER))
                .header("Cache-Control", "no-store")
            )

    # --- handlers

    def get_counts(self, environ: Environ) -> Response:
        pages = parse_qs(str(environ.get("QUERY_STRING", "")), keep_blank_values=True).get(
            "page", []
        )
        if not pages:
            raise Problem(400, "missing_page", "give one or more ?page=ID")
        if len(pages) > MAX_PAGES:
            raise Problem(400, "too_many_pages", f"at most {MAX_PAGES} pages at once")
        for page in pages:
            self.check_page(page)
        counts = self.store.counts(list(dict.fromkeys(pages)))
        body = {"pages": {page: self.full(counts[page]) for page in counts}}
        return (
            Response(200, body)
            .header("Cache-Control", "public, max-age=10")
            .header("Access-Control-Allow-Origin", "*")
        )

    def post_reaction(self, environ: Environ) -> Response:
        cors = self.check_origin(environ)
        page, kind, reader = self.read_vote(environ)
        settings = self.settings
        vote = Vote(
            page=page,
            reader=identity.reader_key(settings.secret, page, reader),
            kind=kind,
            client=identity.client_key(
                settings.secret, identity.client_ip(environ, settings.trust_proxy)
            ),
            limit=settings.rate_limit,
        )
        try:
            counts = self.store.vote(vote)
        except AlreadyReacted as done:
            body = {
                "error": "already_reacted",
                "page": page,
                "counts": self.full(done.counts),
                "mine": done.mine,
            }
            return self.with_cors(Response(409, body), cors)
        except RateLimited as limited:
            response = Response(429, {"error": "too_many_requests"})
            return self.with_cors(response.header("Retry-After", str(limited.retry_after)), cors)
        body = {"page": page, "counts": self.full(counts), "mine": kind}
        return self.with_cors(Response(201, body), cors)

    def preflight(self, environ: Environ) -> Response:
        cors = self.check_origin(environ)
        response = self.with_cors(Response(204), cors)
        return (
            response.header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
            .header("Access-Control-Allow-Headers", "Content-Type")
            .header("Access-Control-Max-Age", "86400")
        )

    def health(self, environ: Environ) -> Response:
        self.store.ping()
        body = {"status": "ok", "store": self.store.kind}
        return Response(200, body).header("Cache-Control", "no-store")

    def openapi(self, environ: Environ) -> Response:
        return Response(200, raw=self.spec).header("Cache-Control", "public, max-age=3600")

    # --- checks

    def check_origin(self, environ: Environ) -> str | None:
        """The Origin, when it is allowed; None when the client sent none (not a browser)."""
        origin = environ.get("HTTP_ORIGIN")
        if origin is None:
            return None
        if str(origin).lower() not in self.settings.allowed_origins:
            raise Problem(403, "origin_not_allowed")
        return str(origin)

    @staticmethod
    def with_cors(response: Response, origin: str | None) -> Response:
        response.header("Cache-Control", "no-store")
        if origin is not None:
            response.header("Access-Control-Allow-Origin", origin).header("Vary", "Origin")
        return response

    def check_page(self, page: str) -> None:
        if len(page) > MAX_PAGE or not PAGE_RE.match(page):
            raise Problem(422, "invalid_page", "a page id is an article's URL path, e.g. /news/a/")
        if self.settings.pages is not None and page not in self.settings.pages:
            raise Problem(422, "unknown_page", "no such article")

    def read_vote(self, environ: Environ) -> tuple[str, str, str]:
        data = read_json(environ)
        if not isinstance(data, dict) or set(data) != {"page", "reaction", "reader"}:
            raise Problem(
                422, "invalid_body", 'send {"page": ID, "reaction": KIND, "reader": UUID}'
            )
        page, kind, reader = data["page"], data["reaction"], data["reader"]
        if not isinstance(page, str):
            raise Problem(422, "invalid_page")
        self.check_page(page)
        if kind not in self.settings.kinds:
            raise Problem(422, "invalid_reaction", f"one of {', '.join(self.settings.kinds)}")
        if not isinstance(reader, str) or not is_uuid(reader):
            raise Problem(422, "invalid_reader", "a random UUID")
        return page, str(kind), reader.lower()

    def full(self, counts: Counts) -> Counts:
        """Every configured kind, zero where nobody reacted."""
        return {kind: int(counts.get(kind, 0)) for kind in self.settings.kinds}


def query_string(environ: Environ) -> str:
    """WSGI hands over raw bytes as Latin-1; unescaped UTF-8 (Tatar letters) is recovered."""
    raw = str(environ.get("QUERY_STRING", ""))
    try:
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw


def read_json(environ: Environ) -> object:
    content_type = str(environ.get("CONTENT_TYPE", "")).split(";")[0].strip().lower()
    if content_type != "application/json":
        raise Problem(415, "unsupported_media_type", "send application/json")
    length_text = str(environ.get("CONTENT_LENGTH") or "")
    length = int(length_text) if length_text.isdigit() else None
    if length is not None and length > MAX_BODY:
        raise Problem(413, "too_large", f"at most {MAX_BODY} bytes")
    stream = environ["wsgi.input"]
    raw = stream.read(length) if length is not None else stream.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise Problem(413, "too_large", f"at most {MAX_BODY} bytes")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Problem(400, "invalid_json") from None


def is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


def open_store(url: str) -> Store:
    """`sqlite:///relative/path`, `sqlite:////absolute/path` or `postgresql://…`."""
    if url.startswith("sqlite:///"):
        return SQLiteStore(url.removeprefix("sqlite:///"))
    if url.startswith(("postgresql://", "postgres://")):
        from endpoint.store_pg import PostgresStore  # only PostgreSQL sites need psycopg

        return PostgresStore(url)
    raise ConfigError(f"KHABAR_DATABASE_URL: unknown kind of database in {url!r}")


def create_app(
    settings: Settings, store: Store | None = None, sign_in: oauth.OAuthSettings | None = None
) -> EndpointApp:
    """The factory: a fresh app over the store its settings name (or the one given); GitHub
    sign-in for the editors' CMS from KHABAR_GITHUB_* unless given."""
    sign_in = sign_in or oauth.OAuthSettings.from_env(os.environ)
    return EndpointApp(settings, store or open_store(settings.database_url), sign_in)
