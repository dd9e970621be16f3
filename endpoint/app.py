"""The WSGI application, built by a factory from its settings. Standard library only.

Routing is one table of (path, {method: handler}); a path may hold `{name}` parts (digits
only). Each part of the endpoint (reactions, comments, moderation, Telegram, the CMS's
GitHub sign-in) contributes its routes; adding one is adding its routes to `route_table`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from typing import Literal

from endpoint import oauth
from endpoint.comments import Comments
from endpoint.context import Context
from endpoint.moderation import Moderation
from endpoint.openapi import build_spec
from endpoint.pages import PageIndex
from endpoint.reactions import Reactions
from endpoint.settings import ConfigError, Settings
from endpoint.store import RETRY_AFTER, SQLiteStore, Store, StoreUnavailable
from endpoint.telegram import Notifier, Webhook
from endpoint.web import (
    Environ,
    Handler,
    Problem,
    Request,
    Response,
    Routes,
    StartResponse,
    no_store,
)

Sending = Literal["thread", "inline"]


class Router:
    def __init__(self, routes: Routes) -> None:
        self.exact: dict[str, dict[str, Handler]] = {}
        self.patterns: list[tuple[re.Pattern[str], dict[str, Handler]]] = []
        for path, methods in routes:
            if "{" in path:
                pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[0-9]{1,19})", re.escape(path))
                self.patterns.append((re.compile(pattern), methods))
            else:
                self.exact[path] = methods

    def find(self, path: str) -> tuple[dict[str, Handler], dict[str, str]] | None:
        if path in self.exact:
            return self.exact[path], {}
        for pattern, methods in self.patterns:
            match = pattern.fullmatch(path)
            if match:
                return methods, match.groupdict()
        return None


class EndpointApp:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        sending: Sending = "thread",
        sign_in: oauth.OAuthSettings | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        pages = PageIndex(settings.pages_file, settings.pages)
        self.context = Context(settings, store, pages, notify=lambda: None)
        self.notifier: Notifier | None = None
        if settings.telegram is not None:
            self.notifier = Notifier(self.context, settings.telegram, sending == "inline")
            self.context.notify = self.notifier.kick
        self.spec = json.dumps(build_spec(settings.kinds), ensure_ascii=False).encode()
        self.router = Router(self.route_table(sign_in or oauth.OAuthSettings()))

    def route_table(self, sign_in: oauth.OAuthSettings) -> Routes:
        return [
            *Reactions(self.context).routes(),
            *Comments(self.context).routes(),
            *Moderation(self.context).routes(),
            *Webhook(self.context).routes(),
            *self.sign_in_routes(sign_in),
            ("/api/health", {"GET": self.health}),
            ("/api/openapi.json", {"GET": self.openapi}),
        ]

    def sign_in_routes(self, sign_in: oauth.OAuthSettings) -> Routes:
        """The editors' CMS signs in with GitHub here (endpoint/oauth.py)."""
        flow = oauth.OAuth(sign_in, self.settings.secret, self.settings.allowed_origins)

        def wrap(step: Callable[[Environ], oauth.Answer]) -> Handler:
            def handler(request: Request) -> Response:
                status, headers, body = step(request.environ)
                return Response(status, headers=headers, raw=body)

            return handler

        return [
            ("/api/auth", {"GET": wrap(flow.auth)}),
            ("/api/callback", {"GET": wrap(flow.callback)}),
        ]

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if self.notifier is not None and not self.notifier.inline:
            self.notifier.running()
        status, headers, body = self.dispatch(environ).encode()
        start_response(status, headers)
        return [body]

    def dispatch(self, environ: Environ) -> Response:
        # Yandex calls a function without a path when it is invoked directly: reactions.
        path = str(environ.get("PATH_INFO") or "/api/reactions")
        found = self.router.find(path)
        if found is None:
            return no_store(Response(404, {"error": "not_found"}))
        methods, params = found
        handler = methods.get(str(environ.get("REQUEST_METHOD", "GET")).upper())
        if handler is None:
            allow = ", ".join(methods)
            return Response(405, {"error": "method_not_allowed"}).header("Allow", allow)
        request = Request(environ, params)
        try:
            return handler(request)
        except Problem as problem:
            return self.readable(request, no_store(problem.response))
        except StoreUnavailable:
            response = Response(503, {"error": "unavailable"})
            response = no_store(response.header("Retry-After", str(RETRY_AFTER)))
            return self.readable(request, response)

    def readable(self, request: Request, response: Response) -> Response:
        """A refusal the site's own widget can read (a 429, a 503, the field to fix):
        without CORS headers, a browser would hide it behind a network error."""
        origin = request.header("Origin")
        allowed = bool(origin) and str(origin).lower() in self.settings.allowed_origins
        named = any(name == "Access-Control-Allow-Origin" for name, _ in response.headers)
        if allowed and not named:
            response.header("Access-Control-Allow-Origin", str(origin)).header("Vary", "Origin")
        return response

    def health(self, request: Request) -> Response:
        self.store.ping()
        return no_store(Response(200, {"status": "ok", "store": self.store.kind}))

    def openapi(self, request: Request) -> Response:
        return Response(200, raw=self.spec).header("Cache-Control", "public, max-age=3600")

    def close(self) -> None:
        if self.notifier is not None:
            self.notifier.close()
        self.store.close()


def open_store(url: str) -> Store:
    """`sqlite:///relative/path`, `sqlite:////absolute/path` or `postgresql://…`."""
    if url.startswith("sqlite:///"):
        return SQLiteStore(url.removeprefix("sqlite:///"))
    if url.startswith(("postgresql://", "postgres://")):
        from endpoint.store_pg import PostgresStore  # only PostgreSQL sites need psycopg

        return PostgresStore(url)
    raise ConfigError(f"KHABAR_DATABASE_URL: unknown kind of database in {url!r}")


def create_app(
    settings: Settings,
    store: Store | None = None,
    sending: Sending = "thread",
    sign_in: oauth.OAuthSettings | None = None,
) -> EndpointApp:
    """The factory: a fresh app over the store its settings name (or the one given); GitHub
    sign-in for the editors' CMS from KHABAR_GITHUB_* unless given. `sending="inline"`
    sends Telegram messages in the request (serverless platforms freeze a function between
    requests, so a background thread would not run)."""
    sign_in = sign_in or oauth.OAuthSettings.from_env(os.environ)
    return EndpointApp(settings, store or open_store(settings.database_url), sending, sign_in)
