"""Five reactions per article, one per reader: `GET/POST /api/reactions` (issue 4's contract,
unchanged)."""

from __future__ import annotations

import uuid

from endpoint import identity
from endpoint.context import Context, preflight, with_cors
from endpoint.store import AlreadyReacted, Counts, RateLimited, Vote
from endpoint.web import Problem, Request, Response, Routes

MAX_BODY = 1024
MAX_PAGES = 50


class Reactions:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.kinds = context.settings.kinds

    def routes(self) -> Routes:
        return [
            (
                "/api/reactions",
                {
                    "GET": self.get_counts,
                    "POST": self.post,
                    "OPTIONS": lambda request: preflight(self.context, request),
                },
            )
        ]

    def get_counts(self, request: Request) -> Response:
        pages = page_list(self.context, request)
        counts = self.context.store.counts(pages)
        body = {"pages": {page: self.full(counts[page]) for page in counts}}
        return (
            Response(200, body)
            .header("Cache-Control", "public, max-age=10")
            .header("Access-Control-Allow-Origin", "*")
        )

    def post(self, request: Request) -> Response:
        cors = self.context.check_origin(request)
        page, kind, reader = self.read_vote(request)
        settings = self.context.settings
        vote = Vote(
            page=page,
            reader=identity.reader_key(settings.secret, page, reader),
            kind=kind,
            client=self.context.client(request),
            limit=settings.rate_limit,
        )
        try:
            counts = self.context.store.vote(vote)
        except AlreadyReacted as done:
            body = {
                "error": "already_reacted",
                "page": page,
                "counts": self.full(done.counts),
                "mine": done.mine,
            }
            return with_cors(Response(409, body), cors)
        except RateLimited as limited:
            response = Response(429, {"error": "too_many_requests"})
            return with_cors(response.header("Retry-After", str(limited.retry_after)), cors)
        body = {"page": page, "counts": self.full(counts), "mine": kind}
        return with_cors(Response(201, body), cors)

    def read_vote(self, request: Request) -> tuple[str, str, str]:
        data = request.json(MAX_BODY)
        if not isinstance(data, dict) or set(data) != {"page", "reaction", "reader"}:
            raise Problem(
                422, "invalid_body", 'send {"page": ID, "reaction": KIND, "reader": UUID}'
            )
        page = self.context.check_page(data["page"])
        kind, reader = data["reaction"], data["reader"]
        if not isinstance(kind, str) or kind not in self.kinds:
            raise Problem(422, "invalid_reaction", f"one of {', '.join(self.kinds)}")
        if not isinstance(reader, str) or not is_uuid(reader):
            raise Problem(422, "invalid_reader", "a random UUID")
        return page, kind, reader.lower()

    def full(self, counts: Counts) -> Counts:
        """Every configured kind, zero where nobody reacted."""
        return {kind: int(counts.get(kind, 0)) for kind in self.kinds}


def page_list(context: Context, request: Request) -> list[str]:
    """`?page=ID&page=ID…`: one to 50 well-formed ids, each once."""
    pages = request.query().get("page", [])
    if not pages:
        raise Problem(400, "missing_page", "give one or more ?page=ID")
    if len(pages) > MAX_PAGES:
        raise Problem(400, "too_many_pages", f"at most {MAX_PAGES} pages at once")
    known = context.pages.current()
    return list(dict.fromkeys(context.check_page(page, known) for page in pages))


def is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False
