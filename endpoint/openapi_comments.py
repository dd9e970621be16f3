"""The OpenAPI 3.1 paths of comments, moderation and the Telegram webhook (joined to the
reactions' in openapi.build_spec)."""

from __future__ import annotations

from typing import Any

ERROR = {"$ref": "#/components/schemas/Error"}
PAGE = {"$ref": "#/components/schemas/Page"}
RETRY = {"Retry-After": {"schema": {"type": "string", "pattern": "^[0-9]+$"}, "required": True}}
# At least one character that trimming and cleaning keep (not a space, control or
# direction mark): what the endpoint checks, so that a valid name is never refused.
VISIBLE = r"[^\s\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
NAME = {"type": "string", "minLength": 1, "maxLength": 60, "pattern": VISIBLE}
TEXT = {"type": "string", "minLength": 1, "maxLength": 2000, "pattern": VISIBLE}
ID = {"type": "integer", "minimum": 1, "maximum": 2**62 - 1}
DATE = {"type": "string", "format": "date-time"}
STATUS = {"enum": ["pending", "approved", "rejected"]}
ACTION = {"enum": ["approve", "reject", "delete"]}
BEARER: list[dict[str, list[str]]] = [{"moderator": []}]


def _json(schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
        **extra,
    }


def _obj(required: list[str], extra: dict[str, Any] | None = None, **props: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": {**props, **(extra or {})}}


def _errors(*pairs: tuple[int, str]) -> dict[str, Any]:
    return {str(code): _json(ERROR, text) for code, text in pairs}


def _pages_param(max_items: int) -> dict[str, Any]:
    schema = {"type": "array", "items": PAGE, "minItems": 1, "maxItems": max_items}
    return {
        "name": "page",
        "in": "query",
        "required": True,
        "style": "form",
        "explode": True,
        "schema": schema,
    }


UNAVAILABLE = {"503": _json(ERROR, "Store unavailable", headers=RETRY)}
UNAUTHORIZED = _errors((401, "No token, a wrong one, or a revoked one"))
PUBLIC_COMMENT = _obj(
    ["id", "name", "text", "date"], id=ID, name=NAME, text={"type": "string"}, date=DATE
)
MODERATED = _obj(
    ["id", "page", "name", "text", "date", "status"],
    {
        "title": {"type": ["string", "null"]},
        "url": {"type": "string"},
        "decided_by": {"type": ["string", "null"]},
    },
    id=ID,
    page={"type": "string"},
    name={"type": "string"},
    text={"type": "string"},
    date=DATE,
    status=STATUS,
)


def paths() -> dict[str, Any]:
    return {
        "/api/comments": {"get": _get(), "post": _post(), "options": _options()},
        "/api/comments/counts": {"get": _counts()},
        "/api/moderation/comments": {"get": _queue(), "post": _decide_many()},
        "/api/moderation/comments/{id}": {"post": _decide_one()},
        "/api/moderation/me": {"get": _me()},
        "/api/moderation/log": {"get": _log()},
        "/api/moderation/": {"get": _page()},
        "/api/telegram": {"post": _telegram()},
    }


def security_schemes() -> dict[str, Any]:
    return {
        "moderator": {
            "type": "http",
            "scheme": "bearer",
            "description": "A moderator's personal token (KHABAR_MODERATORS)",
        }
    }


def _get() -> dict[str, Any]:
    result = _obj(
        ["page", "count", "comments"],
        {"form_token": {"type": "string", "description": "Send back with a post from this form"}},
        page={"type": "string"},
        count={"type": "integer", "minimum": 0},
        comments={"type": "array", "items": PUBLIC_COMMENT},
    )
    return {
        "summary": "Approved comments of one article, oldest first (public, cacheable)",
        "parameters": [_pages_param(1)],
        "responses": {
            "200": _json(result, "The comments"),
            **_errors((400, "No page or several"), (422, "Not a page id")),
            **UNAVAILABLE,
        },
    }


def _post() -> dict[str, Any]:
    reader = {"type": "string", "format": "uuid"}
    extra = {
        "website": {
            "type": "string",
            "description": "A honeypot: people leave it empty; a "
            "post with it filled is answered like any other and never stored",
        },
        "lang": {"type": "string", "pattern": "^[a-z]{2,3}$"},
    }
    json_extra = {
        **extra,
        "form_token": {
            "type": "string",
            "description": "From GET "
            "/api/comments: a post sooner than 3 s after it is answered, never stored",
        },
    }
    as_json = {
        **_obj(
            ["page", "name", "text", "reader"],
            json_extra,
            page=PAGE,
            name=NAME,
            text=TEXT,
            reader=reader,
        ),
        "additionalProperties": False,
    }
    as_form = {
        **_obj(["page", "name", "text"], extra, page=PAGE, name=NAME, text=TEXT),
        "additionalProperties": False,
    }
    location = {"Location": {"schema": {"type": "string"}, "required": True}}
    return {
        "summary": "Send a comment for premoderation (JSON, or an HTML form without JavaScript)",
        "parameters": [
            {"name": "Origin", "in": "header", "required": False, "schema": {"type": "string"}}
        ],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": as_json},
                "application/x-www-form-urlencoded": {"schema": as_form},
            },
        },
        "responses": {
            "202": _json(_obj(["id", "status"], id=ID, status={"const": "pending"}), "Queued"),
            "303": {
                "description": "A form post: back to the article, the outcome in the "
                "fragment (#comment-sent, #comment-error-…)",
                "headers": location,
            },
            **_errors(
                (400, "Malformed"),
                (403, "Origin not allowed, or comments are closed"),
                (409, "The same text was sent already"),
                (411, "No Content-Length"),
                (413, "Body over 16 KiB"),
                (415, "Not JSON or a form"),
                (422, "A field to fix (see `field`)"),
            ),
            "429": _json(ERROR, "Too many posts from this address", headers=RETRY),
            **UNAVAILABLE,
        },
    }


def _options() -> dict[str, Any]:
    origin = {"name": "Origin", "in": "header", "required": False, "schema": {"type": "string"}}
    return {
        "summary": "CORS preflight for an allowed Origin",
        "parameters": [origin],
        "responses": {"204": {"description": "Allowed"}, **_errors((403, "Not allowed"))},
    }


def _counts() -> dict[str, Any]:
    result = _obj(
        ["pages"],
        pages={"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
    )
    return {
        "summary": "Approved comments per page for up to 50 pages (list pages; cacheable)",
        "parameters": [_pages_param(50)],
        "responses": {
            "200": _json(result, "Counts"),
            **_errors((400, "No page or over 50"), (422, "Not a page id")),
            **UNAVAILABLE,
        },
    }


def _queue() -> dict[str, Any]:
    params = [
        {"name": "status", "in": "query", "required": False, "schema": STATUS},
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": 500},
        },
        {"name": "before", "in": "query", "required": False, "schema": ID},
    ]
    totals = {"type": "object", "additionalProperties": {"type": "integer"}}
    result = _obj(
        ["comments", "totals"], comments={"type": "array", "items": MODERATED}, totals=totals
    )
    return {
        "summary": "Comments of one status, newest first",
        "security": BEARER,
        "parameters": params,
        "responses": {
            "200": _json(result, "Comments"),
            **UNAUTHORIZED,
            **_errors((400, "A parameter twice"), (422, "Bad parameter")),
            **UNAVAILABLE,
        },
    }


def _decided(many: bool) -> dict[str, Any]:
    if many:
        body = _obj(
            ["action", "ids"],
            action=ACTION,
            ids={"type": "array", "items": ID, "minItems": 1, "maxItems": 500},
        )
        return {**body, "additionalProperties": False}
    return {**_obj(["action"], action=ACTION), "additionalProperties": False}


def _decide_one() -> dict[str, Any]:
    param = {"name": "id", "in": "path", "required": True, "schema": ID}
    result = _obj(["id", "status"], id=ID, status={"enum": ["approved", "rejected", "deleted"]})
    return {
        "summary": "Approve, reject or delete (for good) one comment",
        "security": BEARER,
        "parameters": [param],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _decided(False)}},
        },
        "responses": {
            "200": _json(result, "Done"),
            **UNAUTHORIZED,
            **_errors(
                (400, "Malformed"),
                (404, "No such comment"),
                (413, "Too large"),
                (415, "Not JSON"),
                (422, "Bad action"),
            ),
            **UNAVAILABLE,
        },
    }


def _decide_many() -> dict[str, Any]:
    item = _obj(["id", "status"], id=ID, status={"enum": ["approved", "rejected", "deleted"]})
    result = _obj(
        ["done", "missing"],
        done={"type": "array", "items": item},
        missing={"type": "array", "items": ID},
    )
    return {
        "summary": "One action on up to 500 comments (a spam flood)",
        "security": BEARER,
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _decided(True)}},
        },
        "responses": {
            "200": _json(result, "Done"),
            **UNAUTHORIZED,
            **_errors(
                (400, "Malformed"),
                (413, "Too large"),
                (415, "Not JSON"),
                (422, "Bad action or ids"),
            ),
            **UNAVAILABLE,
        },
    }


def _me() -> dict[str, Any]:
    return {
        "summary": "Who the token belongs to",
        "security": BEARER,
        "responses": {
            "200": _json(_obj(["name"], name={"type": "string"}), "The moderator"),
            **UNAUTHORIZED,
        },
    }


def _log() -> dict[str, Any]:
    entry = _obj(
        ["at", "moderator", "comment", "action", "via"],
        at=DATE,
        moderator={"type": "string"},
        comment=ID,
        action=ACTION,
        via={"enum": ["web", "telegram"]},
    )
    limit = {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
    }
    return {
        "summary": "Moderators' decisions, newest first",
        "security": BEARER,
        "parameters": [limit],
        "responses": {
            "200": _json(_obj(["log"], log={"type": "array", "items": entry}), "Log"),
            **UNAUTHORIZED,
            **_errors((400, "A parameter twice"), (422, "Bad limit")),
            **UNAVAILABLE,
        },
    }


def _page() -> dict[str, Any]:
    html = {"text/html": {"schema": {"type": "string"}}}
    return {
        "summary": "The moderators' page (HTML; strict Content-Security-Policy)",
        "responses": {"200": {"description": "The page", "content": html}},
    }


def _telegram() -> dict[str, Any]:
    secret = {
        "name": "X-Telegram-Bot-Api-Secret-Token",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
    }
    answer = {"type": "object", "description": "Empty, or answerCallbackQuery for Telegram"}
    return {
        "summary": "Telegram's webhook: the moderators' button presses",
        "parameters": [secret],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        "responses": {
            "200": _json(answer, "Taken"),
            **_errors(
                (400, "Malformed"),
                (401, "Wrong webhook secret"),
                (404, "Telegram is not configured"),
                (413, "Too large"),
                (415, "Not JSON"),
            ),
            **UNAVAILABLE,
        },
    }
