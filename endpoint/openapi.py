"""The OpenAPI 3.1 description of exactly what the app does (served at /api/openapi.json)."""

from __future__ import annotations

from typing import Any

# The one definition of a well-formed page id: the app validates with this very pattern,
# written so that Python's re and ECMAScript regexes (the schema's dialect) agree on it.
PAGE: dict[str, Any] = {
    "type": "string",
    "maxLength": 300,
    "pattern": r"^/(?:[A-Za-z0-9._~!$&'()*+,;=:@\u00C0-\u024F\u0400-\u04FF-]+/){0,12}$",
    "description": "The article's URL path, e.g. /tt/news/society/yana-maktap/",
}
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
}
RETRY = {"Retry-After": {"schema": {"type": "string", "pattern": "^[0-9]+$"}, "required": True}}


def _json(
    schema: dict[str, Any], description: str, headers: dict[str, Any] | None = None
) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }
    if headers:
        answer["headers"] = headers
    return answer


def _errors(*codes: int) -> dict[str, Any]:
    texts = {
        400: "Malformed request", 403: "Origin not allowed", 413: "Body over 1 KiB",
        415: "Body is not JSON", 422: "Invalid page, reaction or reader",
    }  # fmt: skip
    return {str(code): _json({"$ref": "#/components/schemas/Error"}, texts[code]) for code in codes}


def build_spec(kinds: tuple[str, ...]) -> dict[str, Any]:
    counts = {
        "type": "object",
        "required": list(kinds),
        "additionalProperties": False,
        "properties": {kind: {"type": "integer", "minimum": 0} for kind in kinds},
    }
    unavailable = {"503": _json({"$ref": "#/components/schemas/Error"}, "Store unavailable", RETRY)}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Khabar reactions",
            "version": "1.0.0",
            "description": "Five reactions per article, one per reader. No cookies; the store "
            "keeps only keyed hashes of reader ids and client addresses.",
        },
        "paths": {
            "/api/reactions": {
                "get": _get_counts(),
                "post": _post_reaction(kinds),
                "options": {
                    "summary": "CORS preflight for an allowed Origin",
                    "parameters": [
                        {
                            "name": "Origin",
                            "in": "header",
                            "required": False,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {"204": {"description": "Allowed"}, **_errors(403)},
                },
            },
            "/api/health": {
                "get": {
                    "summary": "Is the store reachable?",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["status", "store"],
                                "properties": {
                                    "status": {"const": "ok"},
                                    "store": {"enum": ["sqlite", "postgresql"]},
                                },
                            },
                            "Healthy",
                        ),
                        **unavailable,
                    },
                }
            },
            "/api/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {"200": _json({"type": "object"}, "OpenAPI")},
                }
            },
        },
        "components": {"schemas": {"Error": ERROR, "Counts": counts, "Page": PAGE}},
    }


def _get_counts() -> dict[str, Any]:
    page_list = {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Page"},
        "minItems": 1,
        "maxItems": 50,
    }
    result = {
        "type": "object",
        "required": ["pages"],
        "properties": {
            "pages": {
                "type": "object",
                "additionalProperties": {"$ref": "#/components/schemas/Counts"},
            }
        },
    }
    return {
        "summary": "Counts for up to 50 pages at once (public, cacheable)",
        "parameters": [
            {
                "name": "page",
                "in": "query",
                "required": True,
                "style": "form",
                "explode": True,
                "schema": page_list,
            }
        ],
        "responses": {
            "200": _json(result, "Counts per page"),
            **_errors(400, 422),
            "503": _json({"$ref": "#/components/schemas/Error"}, "Store unavailable", RETRY),
        },
    }


def _post_reaction(kinds: tuple[str, ...]) -> dict[str, Any]:
    body = {
        "type": "object",
        "required": ["page", "reaction", "reader"],
        "additionalProperties": False,
        "properties": {
            "page": {"$ref": "#/components/schemas/Page"},
            "reaction": {"enum": list(kinds)},
            "reader": {
                "type": "string",
                "format": "uuid",
                "description": "A random UUID kept by the widget",
            },
        },
    }
    counted = {
        "type": "object",
        "required": ["page", "counts", "mine"],
        "properties": {
            "page": {"type": "string"},
            "counts": {"$ref": "#/components/schemas/Counts"},
            "mine": {"enum": list(kinds)},
        },
    }
    already = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"const": "already_reacted"},
            "page": {"type": "string"},
            "counts": {"$ref": "#/components/schemas/Counts"},
            "mine": {"enum": list(kinds)},
        },
    }
    error = {"$ref": "#/components/schemas/Error"}
    return {
        "summary": "React to a page, once per reader",
        "parameters": [
            {"name": "Origin", "in": "header", "required": False, "schema": {"type": "string"}}
        ],
        "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
        "responses": {
            "201": _json(counted, "Counted"),
            "409": _json(already, "This reader already reacted to this page"),
            "429": _json(error, "Too many reactions from this address", RETRY),
            **_errors(400, 403, 413, 415, 422),
            "503": _json(error, "Store unavailable", RETRY),
        },
    }
