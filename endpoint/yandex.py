"""`endpoint.yandex:handler`: Yandex Cloud Functions (HTTP invocation or API Gateway)."""

from __future__ import annotations

from typing import Any

from endpoint.serverless import Request, decode_body, respond


def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    identity = (event.get("requestContext") or {}).get("identity") or {}
    request = Request(
        method=event.get("httpMethod", "GET"),
        path=_path(event),
        query=_query(event),
        headers=event.get("headers") or {},
        body=decode_body(event.get("body"), bool(event.get("isBase64Encoded"))),
        client_ip=identity.get("sourceIp", "unknown"),
    )
    return respond(request)


def _path(event: dict[str, Any]) -> str:
    """Through API Gateway the event has the request's `url`; `path` may be the route's
    template ("/api/{proxy+}"). Invoked directly, a function has no path: it is the
    reactions endpoint itself."""
    url = str(event.get("url") or "").split("?")[0]
    path = str(event.get("path") or "")
    if url.startswith("/"):
        return url
    if path.startswith("/") and "{" not in path:
        return path
    return "/api/reactions"


def _query(event: dict[str, Any]) -> list[tuple[str, str]]:
    # multiValueQueryStringParameters keeps every repeated ?page=; the single form keeps the last.
    multi = event.get("multiValueQueryStringParameters") or {}
    if multi:
        return [(name, value) for name, values in multi.items() for value in values]
    return list((event.get("queryStringParameters") or {}).items())
