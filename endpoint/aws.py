"""`endpoint.aws:handler`: AWS Lambda behind an HTTP API (payload 2.0) or a Function URL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

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
    http = mapping(mapping(event.get("requestContext"), "requestContext").get("http"), "http")
    # rawQueryString keeps repeated ?page= parameters that queryStringParameters joins.
    raw_query = text(event.get("rawQueryString"), "rawQueryString")
    return Request(
        method=text(http.get("method"), "method", "GET"),
        path=text(event.get("rawPath"), "rawPath") or text(http.get("path"), "path", "/api/"),
        query=parse_qsl(raw_query, keep_blank_values=True, max_num_fields=100),
        headers=_headers(event),
        body=decode_body(event.get("body"), event.get("isBase64Encoded")),
        client_ip=text(http.get("sourceIp"), "sourceIp", "unknown"),
    )


def _headers(event: Mapping[str, Any]) -> dict[str, str]:
    """Payload 2.0 carries cookies apart from the headers (the CMS's sign-in needs one)."""
    headers = headers_of(event.get("headers"))
    cookies = event.get("cookies")
    if cookies is not None:
        if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
            raise BadEvent("cookies must be a list of strings")
        if cookies:
            headers["cookie"] = "; ".join(cookies)
    return headers
