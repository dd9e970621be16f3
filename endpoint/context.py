"""What every part of the endpoint shares: settings, store, the page list, and the checks
that the reactions, comments and moderation routes make alike."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from endpoint import identity
from endpoint.openapi import PAGE
from endpoint.pages import PageIndex, Pages
from endpoint.settings import Settings
from endpoint.store import Store
from endpoint.web import Problem, Request, Response

PAGE_RE = re.compile(PAGE["pattern"])
MAX_PAGE = int(PAGE["maxLength"])


@dataclass
class Context:
    settings: Settings
    store: Store
    pages: PageIndex
    notify: Callable[[], None]  # wakes the Telegram outbox

    def check_origin(self, request: Request) -> str | None:
        """The Origin, when it is allowed; None when the client sent none (not a browser)."""
        origin = request.header("Origin")
        if origin is None:
            return None
        if origin.lower() not in self.settings.allowed_origins:
            raise Problem(403, "origin_not_allowed")
        return origin

    def check_page(self, page: object, pages: Pages | None = None) -> str:
        # fullmatch: `$` would let a page id end with a line feed.
        if not isinstance(page, str) or len(page) > MAX_PAGE or not PAGE_RE.fullmatch(page):
            raise Problem(
                422, "invalid_page", "a page id is an article's URL path, e.g. /news/a/", "page"
            )
        if not (pages or self.pages.current()).allows(page):
            raise Problem(422, "unknown_page", "no such article", "page")
        return page

    def client(self, request: Request) -> bytes:
        ip = identity.client_ip(request.environ, self.settings.trust_proxy)
        return identity.client_key(self.settings.secret, ip)

    def article_url(self, page: str, origin: str | None) -> str:
        """Where a reader goes back to: on the origin they posted from (serve's local one
        too) under the site's base path, else the site's address, else the bare path."""
        base = self.pages.current().base_url or self.settings.site_url
        path = urlsplit(base).path.rstrip("/") if base else ""
        target = quote(path + page, safe="/:@!$&'()*+,;=-._~")
        if origin:
            return origin + target
        return base.rstrip("/") + quote(page, safe="/:@!$&'()*+,;=-._~") if base else target


def with_cors(response: Response, origin: str | None) -> Response:
    response.header("Cache-Control", "no-store")
    if origin is not None:
        response.header("Access-Control-Allow-Origin", origin).header("Vary", "Origin")
    return response


def preflight(context: Context, request: Request) -> Response:
    cors = context.check_origin(request)
    response = with_cors(Response(204), cors)
    return (
        response.header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        .header("Access-Control-Allow-Headers", "Content-Type")
        .header("Access-Control-Max-Age", "86400")
    )
