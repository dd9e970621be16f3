"""`endpoint.yandex:handler`: Yandex Cloud Functions (HTTP invocation or API Gateway)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from endpoint.serverless import (
    BadEvent,
    Request,
    decode_body,
    handle,
    headers_of,
    mapping,
    text,
)


def handler(event: Any, context: object = None) -> dict[str, Any]:
    return handle(event, _request)


def _request(event: Mapping[str, Any]) -> Request:
    context = mapping(event.get("requestContext"), "requestContext")
    identity = mapping(context.get("identity"), "identity")
    return Request(
        method=text(event.get("httpMethod"), "httpMethod", "GET"),
        path=_path(event),
        query=_query(event),
        headers=headers_of(event.get("headers")),
        body=decode_body(event.get("body"), event.get("isBase64Encoded")),
        client_ip=text(identity.get("sourceIp"), "sourceIp", "unknown"),
    )


def _path(event: Mapping[str, Any]) -> str:
    """Through API Gateway the event has the request's `url`; `path` may be the route's
    template ("/api/{proxy+}"). Invoked directly, a function has no path: it is the
    reactions endpoint itself."""
    url = text(event.get("url"), "url").split("?")[0]
    path = text(event.get("path"), "path")
    if url.startswith("/"):
        return url
    if path.startswith("/") and "{" not in path:
        return path
    return "/api/reactions"


def _query(event: Mapping[str, Any]) -> list[tuple[str, str]]:
    # multiValueQueryStringParameters keeps every repeated ?page=; the single form keeps the last.
    multi = mapping(event.get("multiValueQueryStringParameters"), "query")
    if multi:
        found = []
        for name, values in multi.items():
            if not isinstance(values, list):
                raise BadEvent("multiValueQueryStringParameters must hold lists")
            found += [(text(name, "a parameter"), text(v, f"parameter {name}")) for v in values]
        return found
    single = mapping(event.get("queryStringParameters"), "query")
    return [(text(k, "a parameter"), text(v, f"parameter {k}")) for k, v in single.items()]
