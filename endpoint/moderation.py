"""The moderators' side: their page at /api/moderation/ and its API, each moderator with a
personal bearer token (KHABAR_MODERATORS).

The page is three files of this package and nothing from elsewhere, under a
Content-Security-Policy that allows only them: no inline script, no other origin, no
frames. Comment text reaches it as JSON and is only ever inserted as text.
"""

from __future__ import annotations

import hmac
import json
import math
import sys
import time
from pathlib import Path

from endpoint.comments import iso
from endpoint.context import Context
from endpoint.records import ACTIONS, STATUSES, Comment, Decision
from endpoint.web import Problem, Request, Response, Routes, no_store

STATIC = Path(__file__).parent / "static"
MAX_BODY = 16 * 1024
MAX_ID = 2**62 - 1  # the largest id the stores hand out (BIGINT, and then some)
MAX_IDS = 500  # a spam flood is rejected in a few presses, not hundreds
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
ASSETS = {
    "moderation.js": "text/javascript; charset=utf-8",
    "moderation.css": "text/css; charset=utf-8",
}


def strings() -> dict[str, dict[str, str]]:
    """The moderators' UI strings (the page's and the Telegram bot's), ru and tt."""
    data: dict[str, dict[str, str]] = json.loads((STATIC / "strings.json").read_text("utf-8"))
    return data


def render_page() -> bytes:
    """The page with its strings as a JSON data block (not a script: CSP stays strict)."""
    table = strings()
    data = json.dumps(table, ensure_ascii=False).replace("<", "\\u003c")
    html = (STATIC / "moderation.html").read_text(encoding="utf-8")
    noscript = " / ".join(table[lang]["noscript"] for lang in table)
    return html.replace("{{strings}}", data).replace("{{noscript}}", noscript).encode()


class Moderation:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.page_html = render_page()
        self.assets = {name: (STATIC / name).read_bytes() for name in ASSETS}

    def routes(self) -> Routes:
        return [
            ("/api/moderation", {"GET": self.to_page}),
            ("/api/moderation/", {"GET": self.page}),
            ("/api/moderation/moderation.js", {"GET": self.asset}),
            ("/api/moderation/moderation.css", {"GET": self.asset}),
            ("/api/moderation/me", {"GET": self.me}),
            ("/api/moderation/comments", {"GET": self.comments, "POST": self.decide_many}),
            ("/api/moderation/comments/{id}", {"POST": self.decide_one}),
            ("/api/moderation/log", {"GET": self.log}),
        ]

    # --- the page

    def to_page(self, request: Request) -> Response:
        return Response(301, raw=b"").header("Location", "/api/moderation/")

    def page(self, request: Request) -> Response:
        response = Response(200, raw=self.page_html, content_type="text/html; charset=utf-8")
        return self.guarded(response).header("Cache-Control", "no-cache")

    def asset(self, request: Request) -> Response:
        name = str(request.environ.get("PATH_INFO", "")).rsplit("/", 1)[-1]
        response = Response(200, raw=self.assets[name], content_type=ASSETS[name])
        return self.guarded(response).header("Cache-Control", "no-cache")

    @staticmethod
    def guarded(response: Response) -> Response:
        return (
            response.header("Content-Security-Policy", CSP)
            .header("Referrer-Policy", "no-referrer")
            .header("X-Frame-Options", "DENY")
            .header("Cross-Origin-Opener-Policy", "same-origin")
        )

    # --- the API

    def moderator(self, request: Request) -> str:
        """The name of the moderator whose token came with the request, or 401."""
        scheme, _, token = (request.header("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise self.unauthorized("missing_token", "send Authorization: Bearer TOKEN")
        found = None
        for name, known in self.context.settings.moderators:  # compare every one: no timing
            if hmac.compare_digest(token.strip().encode(), known.encode()):
                found = name
        if found is None:
            raise self.unauthorized("invalid_token", "no moderator has this token")
        return found

    def unauthorized(self, error: str, detail: str) -> Problem:
        closed = not self.context.settings.moderators
        problem = Problem(401, "moderation_closed" if closed else error, detail)
        realm = 'Bearer realm="khabar-moderation"'
        problem.response.header(
            "WWW-Authenticate", realm + ("" if closed else f', error="{error}"')
        )
        return problem

    def me(self, request: Request) -> Response:
        return no_store(Response(200, {"name": self.moderator(request)}))

    def comments(self, request: Request) -> Response:
        self.moderator(request)
        query = request.query()
        status = _one(query, "status", "pending")
        if status not in STATUSES:
            raise Problem(422, "invalid_status", f"one of {', '.join(STATUSES)}", "status")
        limit = _number(_one(query, "limit", "100"), "limit", 1, MAX_IDS)
        before = query.get("before")
        after = _number(before[0], "before", 1, MAX_ID) if before else None
        store = self.context.store
        shown = [self.shown(c) for c in store.listing(status, limit, after)]
        totals = {s: store.totals().get(s, 0) for s in STATUSES}
        return no_store(Response(200, {"comments": shown, "totals": totals}))

    def shown(self, comment: Comment) -> dict[str, object]:
        pages = self.context.pages.current()
        return {
            "id": comment.id,
            "page": comment.page,
            "name": comment.name,
            "text": comment.text,
            "date": iso(comment.created),
            "status": comment.status,
            "title": pages.titles.get(comment.page),
            "url": self.context.article_url(comment.page, None),
            "decided_by": comment.decided_by,
        }

    def decide_one(self, request: Request) -> Response:
        name = self.moderator(request)
        comment_id = _number(request.params["id"], "id", 1, MAX_ID)
        action = _action(request.json(MAX_BODY), {"action"})
        done = self.apply(name, action, (comment_id,), "web")
        if comment_id not in done:
            raise Problem(404, "not_found", "no such comment")
        return no_store(Response(200, {"id": comment_id, "status": done[comment_id]}))

    def decide_many(self, request: Request) -> Response:
        name = self.moderator(request)
        data = request.json(MAX_BODY)
        action = _action(data, {"action", "ids"})
        raw = data.get("ids") if isinstance(data, dict) else None
        ids = [whole(i) for i in raw] if isinstance(raw, list) else []
        if not 1 <= len(ids) <= MAX_IDS or not all(i is not None and 1 <= i <= MAX_ID for i in ids):
            raise Problem(422, "invalid_ids", f"1 to {MAX_IDS} comment ids", "ids")
        done = self.apply(name, action, tuple(i for i in ids if i is not None), "web")
        body = {
            "done": [{"id": i, "status": s} for i, s in done.items()],
            "missing": [i for i in dict.fromkeys(ids) if i not in done],
        }
        return no_store(Response(200, body))

    def apply(self, moderator: str, action: str, ids: tuple[int, ...], via: str) -> dict[int, str]:
        return decide(self.context, moderator, action, ids, via)

    def log(self, request: Request) -> Response:
        self.moderator(request)
        limit = _number(_one(request.query(), "limit", "100"), "limit", 1, 1000)
        entries = [
            {"at": iso(e.at), "moderator": e.moderator, "comment": e.comment,
             "action": e.action, "via": e.via}
            for e in self.context.store.log(limit)
        ]  # fmt: skip
        return no_store(Response(200, {"log": entries}))


def decide(
    context: Context, moderator: str, action: str, ids: tuple[int, ...], via: str
) -> dict[int, str]:
    """One action on some comments, logged with who took it (also for the Telegram bot)."""
    decision = Decision(
        ids, action, moderator, via, int(time.time()), context.settings.telegram is not None
    )
    done = context.store.decide(decision)
    for comment_id in done:
        print(f"moderation: {moderator} {action} #{comment_id} via {via}", file=sys.stderr)
    if done and decision.announce:
        context.notify()
    return done


def whole(value: object) -> int | None:
    """A JSON integer: 20 and 20.0 alike (JSON Schema's `integer`), never true or 2.5."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        return None
    return int(value) if abs(value) <= MAX_ID else None


def _action(data: object, allowed: set[str]) -> str:
    if not isinstance(data, dict) or set(data) != allowed:
        raise Problem(422, "invalid_body", f"send {{{', '.join(sorted(allowed))}}}")
    action = data["action"]
    if not isinstance(action, str) or action not in ACTIONS:
        raise Problem(422, "invalid_action", f"one of {', '.join(ACTIONS)}", "action")
    return action


def _one(query: dict[str, list[str]], name: str, default: str) -> str:
    values = query.get(name, [default])
    if len(values) != 1:
        raise Problem(400, "repeated_parameter", f"give ?{name}= once", name)
    return values[0]


def _number(text: str, name: str, low: int, high: int) -> int:
    if not (text.isascii() and text.isdigit() and len(text) < 20 and low <= int(text) <= high):
        raise Problem(422, "invalid_number", f"a whole number from {low} to {high}", name)
    return int(text)
