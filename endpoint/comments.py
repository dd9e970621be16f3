"""Readers' comments, premoderated: `GET/POST /api/comments`, `GET /api/comments/counts`.

A comment is stored as pending and shown only once a moderator approves it. The checks a
reader can fix answer with the field to fix (422); the checks against robots (a filled
honeypot, a post faster than a person types) answer the same 202 as a success and store
nothing, so that a robot learns nothing from them. An HTML form post (no JavaScript) is
answered 303 back to the article, with the outcome in the fragment the page shows.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import re
import secrets
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from endpoint import identity
from endpoint.context import Context, preflight, with_cors
from endpoint.reactions import is_uuid, page_list
from endpoint.store import Comment, Duplicate, NewComment, RateLimited, StoreUnavailable
from endpoint.web import Problem, Request, Response, Routes, no_store

MAX_BODY = 16 * 1024
NAME_MAX, TEXT_MAX = 60, 2000  # characters after trimming
MAX_LINKS = 2
MIN_SECONDS = 3  # between the form's first showing and its post
TOKEN_AGE = 24 * 3600  # an older form token proves nothing either way
CACHED_PAGES = 2000  # articles whose approved comments are kept encoded
ANYWHERE_FROM = 40  # characters: a text this long sent twice anywhere is a duplicate
JSON_FIELDS = ({"page", "name", "text", "reader"}, {"website", "form_token", "lang"})
FORM_FIELDS = ({"page", "name", "text"}, {"lang", "website"})
# Control characters, and the direction overrides that make text read other than it is.
INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
LINK = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|(?<![\w@.-])[a-zа-яё0-9-]+(?:\.[a-zа-яё0-9-]+)*"
    r"\.(?:ru|рф|su|com|net|org|info|biz|io|me|pro|xyz|top|online|site|club|shop|cc|to|ly)"
    r"(?![\w-])\S*",
    re.IGNORECASE,
)
LANG = re.compile("[a-z]{2,3}")
# What the article page shows after a form post, by the fragment it is sent back to.
FRAGMENTS = {
    "too_many_links": "links", "duplicate": "duplicate", "too_many_requests": "busy",
    "unavailable": "down", "too_large": "large",
}  # fmt: skip


@dataclass(frozen=True)
class Draft:
    page: str
    name: str
    text: str
    reader: str | None
    robot: bool  # a honeypot filled or a form sent too fast: answered, never stored


class Comments:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.cache: dict[str, tuple[int, int, bytes]] = {}  # page -> (version, count, JSON)

    def routes(self) -> Routes:
        return [
            (
                "/api/comments",
                {
                    "GET": self.get,
                    "POST": self.post,
                    "OPTIONS": lambda request: preflight(self.context, request),
                },
            ),
            ("/api/comments/counts", {"GET": self.counts}),
        ]

    def get(self, request: Request) -> Response:
        pages = page_list(self.context, request)
        if len(pages) != 1:
            raise Problem(400, "one_page", "give exactly one ?page=ID")
        count, shown = self.shown(pages[0])
        token = form_token(self.context.settings.secret, int(time.time()))
        body = b'{"page": %s, "count": %d, "comments": %s, "form_token": "%s"}' % (
            json.dumps(pages[0], ensure_ascii=False).encode(),
            count,
            shown,
            token.encode(),
        )
        return (
            Response(200, raw=body)
            .header("Cache-Control", "public, max-age=5")
            .header("Access-Control-Allow-Origin", "*")
        )

    def shown(self, page: str) -> tuple[int, bytes]:
        """An article's approved comments as JSON, encoded once for as long as no moderator
        decides anything (the counter is read first: a decision made meanwhile only makes
        the next request read again, never a stale list)."""
        version = self.context.store.approved_version()
        cached = self.cache.get(page)
        if cached is not None and cached[0] == version:
            return cached[1], cached[2]
        comments = [public(c) for c in self.context.store.approved(page)]
        encoded = json.dumps(comments, ensure_ascii=False).encode()
        if len(self.cache) >= CACHED_PAGES:
            self.cache.clear()
        self.cache[page] = (version, len(comments), encoded)
        return len(comments), encoded

    def counts(self, request: Request) -> Response:
        pages = page_list(self.context, request)
        body = {"pages": self.context.store.comment_counts(pages)}
        return (
            Response(200, body)
            .header("Cache-Control", "public, max-age=10")
            .header("Access-Control-Allow-Origin", "*")
        )

    def post(self, request: Request) -> Response:
        origin = self.context.check_origin(request)
        if request.media_type != "application/x-www-form-urlencoded":
            return with_cors(self.accept(request, self.read_json(request)), origin)
        page = None
        try:
            fields = request.form(MAX_BODY)
            page = self.context.check_page(fields.get("page"))
            self.accept(request, self.read_fields(fields, FORM_FIELDS, None))
        except Problem as problem:
            if page is None:
                raise  # no article to go back to
            return self.back(page, origin, FRAGMENTS.get(problem.error, "invalid"))
        except StoreUnavailable:
            if page is None:
                raise
            return self.back(page, origin, "down")
        return self.back(page, origin, None)

    def back(self, page: str, origin: str | None, error: str | None) -> Response:
        """303 to the article: a static page cannot read a query, but CSS :target can show
        the element the fragment names (#comment-sent, #comment-error-busy, …)."""
        fragment = f"comment-error-{error}" if error else "comment-sent"
        location = f"{self.context.article_url(page, origin)}#{fragment}"
        return no_store(Response(303, raw=b"").header("Location", location))

    def read_json(self, request: Request) -> Draft:
        data = request.json(MAX_BODY)
        if not isinstance(data, dict):
            raise Problem(422, "invalid_body", 'send {"page", "name", "text", "reader"}')
        reader = data.get("reader")
        if not isinstance(reader, str) or not is_uuid(reader):
            raise Problem(422, "invalid_reader", "a random UUID", "reader")
        return self.read_fields(data, JSON_FIELDS, reader.lower())

    def read_fields(
        self, data: Mapping[str, object], allowed: tuple[set[str], set[str]], reader: str | None
    ) -> Draft:
        required, optional = allowed
        if not required <= set(data) <= required | optional:
            raise Problem(422, "invalid_body", f"fields: {', '.join(sorted(required))}")
        page = self.context.check_page(data["page"])
        if not self.context.pages.current().comments:
            raise Problem(403, "comments_closed", "this site takes no comments")
        name = clean(data["name"], "name", NAME_MAX, one_line=True)
        text = clean(data["text"], "text", TEXT_MAX, one_line=False)
        if len(LINK.findall(text)) > MAX_LINKS:
            raise Problem(422, "too_many_links", f"at most {MAX_LINKS} links", "text")
        lang = data.get("lang", "ru")
        if not isinstance(lang, str) or not LANG.fullmatch(lang):
            raise Problem(422, "invalid_lang", "a language code such as ru or tt", "lang")
        website, token = data.get("website", ""), data.get("form_token")
        if not isinstance(website, str):  # the honeypot: a robot fills it, but with text
            raise Problem(422, "invalid_website", "leave this field empty", "website")
        if token is not None and not isinstance(token, str):
            raise Problem(422, "invalid_form_token", "the token the form was given", "form_token")
        robot = bool(website) or self.too_fast(token)
        return Draft(page, name, text, reader, robot)

    def too_fast(self, token: object) -> bool:
        if token is None:
            return False
        age = token_age(self.context.settings.secret, token, int(time.time()))
        return age is None or age < MIN_SECONDS  # a forged token is a robot's too

    def accept(self, request: Request, draft: Draft) -> Response:
        if draft.robot:
            return Response(202, {"id": 10**6 + secrets.randbelow(10**6), "status": "pending"})
        settings = self.context.settings
        comment = NewComment(
            page=draft.page,
            name=draft.name,
            text=draft.text,
            created=int(time.time()),
            fingerprint=fingerprint(settings.secret, draft.text),
            client=self.context.client(request),
            reader=identity.reader_key(settings.secret, draft.page, draft.reader)
            if draft.reader
            else None,
            limit=settings.rate_limit,
            anywhere=len(draft.text) >= ANYWHERE_FROM,
            announce=settings.telegram is not None,
        )
        try:
            new_id = self.context.store.add_comment(comment)
        except RateLimited as limited:
            problem = Problem(429, "too_many_requests")
            problem.response.header("Retry-After", str(limited.retry_after))
            raise problem from None
        except Duplicate:
            raise Problem(409, "duplicate", "this text was sent already", "text") from None
        self.context.notify()
        return Response(202, {"id": new_id, "status": "pending"})


def clean(value: object, field: str, limit: int, one_line: bool) -> str:
    if not isinstance(value, str):
        raise Problem(422, "invalid_type", "a string", field)
    text = INVISIBLE.sub("", value.replace("\r\n", "\n"))
    if one_line:
        text = " ".join(text.split())
    else:
        lines = [line.rstrip() for line in text.replace("\r", "\n").split("\n")]
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if not text:
        raise Problem(422, "required", f"the {field} is empty", field)
    if len(text) > limit:  # counted before NFC, which may lengthen a few scripts' letters
        raise Problem(422, "too_long", f"at most {limit} characters", field)
    return unicodedata.normalize("NFC", text)


def fingerprint(secret: bytes, text: str) -> bytes:
    """The same words whatever the case and spacing."""
    folded = " ".join(text.casefold().split())
    return hmac.new(secret, b"text\x00" + folded.encode(), hashlib.sha256).digest()[:16]


@functools.lru_cache(maxsize=4)
def form_token(secret: bytes, now: int) -> str:
    """When the form was first shown, signed: the widget sends it back with the post.
    (One a second is signed once: GET /api/comments is the endpoint's busiest route.)"""
    return f"{now}.{_sign(secret, now)}"


def token_age(secret: bytes, token: object, now: int) -> int | None:
    """Seconds since the token was made; None for a forged one; a large number for one
    too old to tell anything."""
    stamp, _, signature = str(token).partition(".")
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        return None
    if not hmac.compare_digest(signature, _sign(secret, int(stamp))):
        return None
    return min(now - int(stamp), TOKEN_AGE) if now >= int(stamp) else None


def _sign(secret: bytes, stamp: int) -> str:
    return hmac.new(secret, b"form\x00%d" % stamp, hashlib.sha256).hexdigest()[:24]


def public(comment: Comment) -> dict[str, object]:
    return {
        "id": comment.id,
        "name": comment.name,
        "text": comment.text,
        "date": iso(comment.created),
    }


def iso(moment: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))  # twice datetime's speed
