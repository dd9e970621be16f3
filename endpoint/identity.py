"""What the store keeps instead of people: keyed hashes, never a raw IP or reader id.

A reader's hash is keyed by page too, so that the store cannot link one reader's
reactions across articles.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

DIGEST = 16  # bytes: collisions stay negligible, rows stay small


def reader_key(secret: bytes, page: str, reader: str) -> bytes:
    message = b"reader\x00" + page.encode() + b"\x00" + reader.lower().encode()
    return hmac.new(secret, message, hashlib.sha256).digest()[:DIGEST]


def client_key(secret: bytes, ip: str) -> bytes:
    return hmac.new(secret, b"ip\x00" + ip.encode(), hashlib.sha256).digest()[:DIGEST]


def client_ip(environ: Mapping[str, object], trusted_proxies: int) -> str:
    """The client's address. X-Forwarded-For counts only behind that many trusted proxies:
    each appends the address it saw, so the Nth from the right is the one to believe."""
    remote = str(environ.get("REMOTE_ADDR") or "unknown")
    if trusted_proxies <= 0:
        return remote
    forwarded = str(environ.get("HTTP_X_FORWARDED_FOR") or "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    # A shorter chain did not pass all our proxies: believe none of it.
    return hops[-trusted_proxies] if len(hops) >= trusted_proxies else remote
