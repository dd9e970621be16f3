"""One HTTPS call to a social network's API, and what a failed post looks like."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

TIMEOUT = 30  # seconds; Telegram fetches the photo from our site while we wait


class PostFailed(Exception):
    """A post that was not made; it is retried on the next run."""

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True)
class Answer:
    status: int
    data: dict[str, Any]  # the JSON answer ({} when it was not JSON)


def call(url: str, body: bytes, content_type: str, secret: str) -> Answer:
    """POST `body`; any HTTP status is an Answer, a network failure is PostFailed. The URL
    or body may hold a token: no message ever shows `secret`."""
    if not url.startswith(("https://", "http://")):
        raise PostFailed(hide(f"not an http(s) API address: {url}", secret))
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - checked
    request.add_header("Content-Type", content_type)
    request.add_header("User-Agent", "khabar-crosspost")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - checked
            return Answer(response.status, _json(response.read()))
    except urllib.error.HTTPError as error:
        with error:
            return Answer(error.code, _json(error.read()))
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        reason = getattr(error, "reason", error)
        raise PostFailed(hide(f"no answer: {reason}", secret)) from None


def _json(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def hide(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text
