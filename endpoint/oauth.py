"""Sign-in for the editors' CMS with GitHub, without Netlify: /api/auth and /api/callback.

The CMS opens /api/auth in a popup; we send the editor to GitHub with a signed `state`
bound to this browser by a short-lived cookie. GitHub sends them back to /api/callback,
where the state is checked before the code is exchanged for a token. The token then goes
to the CMS by `postMessage`, and only to the site's own origins (KHABAR_ALLOWED_ORIGINS or
site.yaml's base_url): a page of any other origin that opened the popup never gets it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlencode

GITHUB = "https://github.com"
COOKIE = "khabar_oauth"
LIFETIME = 600  # seconds from /api/auth to /api/callback
SCOPES = ("repo", "public_repo")
Answer = tuple[int, list[tuple[str, str]], bytes]


@dataclass(frozen=True)
class OAuthSettings:
    client_id: str = ""
    client_secret: str = ""
    github: str = GITHUB  # KHABAR_GITHUB_OAUTH_URL: tests point it at a local stand-in

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> OAuthSettings:
        github = env.get("KHABAR_GITHUB_OAUTH_URL") or GITHUB
        return cls(
            env.get("KHABAR_GITHUB_CLIENT_ID", "").strip(),
            env.get("KHABAR_GITHUB_CLIENT_SECRET", "").strip(),
            github.rstrip("/"),
        )

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret)


class OAuth:
    def __init__(self, settings: OAuthSettings, secret: bytes, origins: frozenset[str]) -> None:
        self.settings = settings
        self.key = hmac.new(secret, b"khabar-oauth-state", hashlib.sha256).digest()
        self.origins = sorted(origins)

    def auth(self, environ: Mapping[str, Any]) -> Answer:
        """Step 1: off to GitHub, with a state that only this browser can bring back."""
        if not self.settings.configured:
            return self.page(503, "error", "sign-in is not configured on the server")
        query = parse_qs(str(environ.get("QUERY_STRING", "")))
        scope = query.get("scope", ["repo"])[0]
        nonce = secrets.token_urlsafe(24)
        state = self.sign(nonce, int(time.time()) + LIFETIME)
        target = f"{self.settings.github}/login/oauth/authorize?" + urlencode(
            {
                "client_id": self.settings.client_id,
                "scope": scope if scope in SCOPES else "repo",
                "state": state,
            }
        )
        cookie = (
            f"{COOKIE}={nonce}; Max-Age={LIFETIME}; Path=/api/callback; HttpOnly; SameSite=Lax"
            + ("; Secure" if environ.get("wsgi.url_scheme") == "https" else "")
        )
        return 302, [("Location", target), ("Set-Cookie", cookie), *NO_STORE], b""

    def callback(self, environ: Mapping[str, Any]) -> Answer:
        """Step 2: state checked, code exchanged, the token handed to the site's page."""
        query = {k: v[0] for k, v in parse_qs(str(environ.get("QUERY_STRING", ""))).items()}
        if not self.settings.configured:
            return self.page(503, "error", "sign-in is not configured on the server")
        if not self.state_ok(query.get("state", ""), _cookie(environ)):
            return self.page(403, "error", "the sign-in request expired or did not start here")
        if "code" not in query:
            return self.page(400, "error", query.get("error_description") or "no code from GitHub")
        token = self.exchange(query["code"])
        if token is None:
            return self.page(502, "error", "GitHub did not give a token for this code")
        return self.page(200, "success", token)

    def sign(self, nonce: str, expires: int) -> str:
        payload = f"{nonce}.{expires}"
        mac = hmac.new(self.key, payload.encode(), hashlib.sha256).digest()
        return payload + "." + base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def state_ok(self, state: str, nonce: str | None) -> bool:
        parts = state.split(".")
        if len(parts) != 3 or not nonce or not parts[1].isdigit():
            return False
        expected = self.sign(parts[0], int(parts[1]))
        fresh = int(parts[1]) >= time.time()
        same_browser = hmac.compare_digest(parts[0], nonce)
        return hmac.compare_digest(expected, state) and fresh and same_browser

    def exchange(self, code: str) -> str | None:
        body = urlencode(
            {
                "client_id": self.settings.client_id,
                "client_secret": self.settings.client_secret,
                "code": code,
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - the configured GitHub, http(s)
            f"{self.settings.github}/login/oauth/access_token",
            data=body,
            headers={"Accept": "application/json", "User-Agent": "khabar-endpoint"},
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as answer:  # noqa: S310
                data = json.loads(answer.read(65536))
        except (urllib.error.URLError, OSError, ValueError):
            return None
        token = data.get("access_token") if isinstance(data, dict) else None
        return token if isinstance(token, str) and token else None

    def page(self, status: int, outcome: str, detail: str) -> Answer:
        """The popup's page: the handshake the CMS expects (Decap's `authorizing:github`)."""
        success = {"token": detail, "provider": "github"}
        content = success if outcome == "success" else {"message": detail}
        message = f"authorization:github:{outcome}:" + json.dumps(content)
        nonce = secrets.token_urlsafe(16)
        script = HANDSHAKE.replace("ORIGINS", json.dumps(self.origins)).replace(
            "MESSAGE", json.dumps(message)
        )
        shown = "" if outcome == "success" else f"<p>{html.escape(detail)}</p>"
        body = PAGE.format(shown=shown, nonce=nonce, script=script).encode()
        policy = f"default-src 'none'; script-src 'nonce-{nonce}'; base-uri 'none'"
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Security-Policy", policy),
            ("Referrer-Policy", "no-referrer"),
            ("Set-Cookie", f"{COOKIE}=; Max-Age=0; Path=/api/callback; HttpOnly; SameSite=Lax"),
            *NO_STORE,
        ]
        return status, headers, body


NO_STORE = [("Cache-Control", "no-store")]
# The page (popup) says "authorizing" to whichever of the site's origins opened it; only a
# reply from one of those origins gets the token, sent to that origin alone.
HANDSHAKE = """(function () {
  var origins = ORIGINS, message = MESSAGE;
  if (!window.opener) return; // opened by hand: nothing to hand the token to
  window.addEventListener("message", function reply(event) {
    if (origins.indexOf(event.origin) < 0 || event.data !== "authorizing:github") return;
    window.removeEventListener("message", reply);
    window.opener.postMessage(message, event.origin);
  });
  origins.forEach(function (origin) { window.opener.postMessage("authorizing:github", origin); });
})();"""
PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>GitHub</title></head>
<body>{shown}<script nonce="{nonce}">{script}</script></body></html>
"""


def _cookie(environ: Mapping[str, Any]) -> str | None:
    try:
        jar = SimpleCookie(str(environ.get("HTTP_COOKIE", "")))
    except CookieError:
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None else None
