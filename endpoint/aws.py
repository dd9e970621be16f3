"""`endpoint.aws:handler`: AWS Lambda behind an HTTP API (payload 2.0) or a Function URL."""

from __future__ import annotations

from typing import Any

from endpoint.serverless import Request, decode_body, respond


def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    http = event.get("requestContext", {}).get("http", {})
    raw_query = event.get("rawQueryString") or ""
    request = Request(
        method=http.get("method", "GET"),
        path=event.get("rawPath") or http.get("path") or "/api/reactions",
        query=_query(raw_query),
        headers=_headers(event),
        body=decode_body(event.get("body"), bool(event.get("isBase64Encoded"))),
        client_ip=http.get("sourceIp", "unknown"),
    )
    return respond(request)


def _headers(event: dict[str, Any]) -> dict[str, str]:
    """Payload 2.0 carries cookies apart from the headers (the CMS's sign-in needs one)."""
    headers = {k: v for k, v in (event.get("headers") or {}).items()}
    if event.get("cookies"):
        headers["cookie"] = "; ".join(event["cookies"])
    return headers


def _query(raw: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    # rawQueryString keeps repeated ?page= parameters that queryStringParameters joins with commas.
    return parse_qsl(raw, keep_blank_values=True)
