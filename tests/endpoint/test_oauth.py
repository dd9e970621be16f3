"""GitHub sign-in for the editors' CMS (/api/auth, /api/callback) against a local stand-in
for GitHub's OAuth endpoints: over real HTTP, and in Chromium with the real CMS."""

from __future__ import annotations

import functools
import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from wsgiref.simple_server import make_server

import pytest

from endpoint.__main__ import QuietHandler, ThreadingServer
from endpoint.app import create_app
from endpoint.oauth import COOKIE, OAuth, OAuthSettings
from endpoint.settings import Settings
from generator.cli import main
from tests.admin.conftest import copy_demo, free_port

CLIENT_ID, CLIENT_SECRET, CODE, TOKEN = "Iv1.khabar", "s3cret-of-the-app", "c0de", "gho_t0ken"


@dataclass
class GitHub:
    """Stands in for github.com's OAuth endpoints and records what it was asked."""

    url: str = ""
    callback: str = ""
    authorized: list[dict[str, str]] = field(default_factory=list)
    exchanged: list[dict[str, str]] = field(default_factory=list)


def _github_handler(github: GitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # the authorize page: the editor says yes at once
            query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
            github.authorized.append(query)
            target = github.callback + "?" + urlencode({"code": CODE, "state": query["state"]})
            self.send_response(302)
            self.send_header("Location", target)
            self.end_headers()

        def do_POST(self) -> None:  # code -> token
            length = int(self.headers["Content-Length"])
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            github.exchanged.append(form)
            good = form == {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": CODE}
            answer = {"access_token": TOKEN, "token_type": "bearer", "scope": "repo"} if good else {
                "error": "bad_verification_code"}  # fmt: skip
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _serve(server: Any) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


@dataclass
class Setup:
    github: GitHub
    endpoint: str  # http://127.0.0.1:PORT
    site_origin: str


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    github = GitHub()
    github_server = ThreadingHTTPServer(("127.0.0.1", 0), _github_handler(github))
    github.url = f"http://127.0.0.1:{github_server.server_address[1]}"
    site_port = free_port()
    site_origin = f"http://127.0.0.1:{site_port}"
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        allowed_origins=frozenset({site_origin}),
        secret=b"test-secret-0123456789",
    )
    sign_in = OAuthSettings(CLIENT_ID, CLIENT_SECRET, github.url)
    app = create_app(settings, sign_in=sign_in)
    endpoint_server = make_server("127.0.0.1", 0, app, ThreadingServer, QuietHandler)
    endpoint = f"http://127.0.0.1:{endpoint_server.server_port}"
    github.callback = f"{endpoint}/api/callback"
    _serve(github_server), _serve(endpoint_server)
    yield Setup(github, endpoint, site_origin)
    for server in (github_server, endpoint_server):
        server.shutdown()
        server.server_close()
    app.store.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None


def _get(url: str, cookie: str | None = None) -> tuple[int, dict[str, str], str]:
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with opener.open(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read().decode()


def _start(setup: Setup) -> tuple[str, str]:
    """/api/auth: (the state sent to GitHub, the cookie that binds it to this browser)."""
    status, headers, _ = _get(f"{setup.endpoint}/api/auth?provider=github&scope=repo")
    assert status == 302
    location = urlsplit(headers["Location"])
    assert f"{location.scheme}://{location.netloc}" == setup.github.url
    query = parse_qs(location.query)
    assert query["client_id"] == [CLIENT_ID] and query["scope"] == ["repo"]
    cookie = headers["Set-Cookie"].split(";")[0]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in headers["Set-Cookie"]
    return query["state"][0], cookie


def test_the_handshake_gives_the_token_to_the_sites_origin_only(setup: Setup) -> None:
    state, cookie = _start(setup)
    status, headers, page = _get(f"{setup.endpoint}/api/callback?code={CODE}&state={state}", cookie)
    assert status == 200
    assert setup.github.exchanged == [
        {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": CODE}
    ]
    assert TOKEN in page and json.dumps([setup.site_origin]) in page
    assert "script-src 'nonce-" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("change", ["forged", "other browser", "no cookie", "expired"])
def test_a_state_that_does_not_match_is_refused(setup: Setup, change: str) -> None:
    state, cookie = _start(setup)
    if change == "forged":
        nonce, expires, _ = state.split(".")
        state = f"{nonce}.{int(expires) + 1000}.AAAA"
    elif change == "other browser":
        _, cookie = _start(setup)  # a second sign-in's cookie: another browser's state
    elif change == "expired":
        flow = OAuth(OAuthSettings(CLIENT_ID, CLIENT_SECRET), b"test-secret-0123456789",
                     frozenset())  # fmt: skip
        nonce = cookie.split("=", 1)[1]
        state = flow.sign(nonce, int(time.time()) - 1)
    url = f"{setup.endpoint}/api/callback?code={CODE}&state={state}"
    status, _, page = _get(url, None if change == "no cookie" else cookie)
    assert status == 403
    assert TOKEN not in page and "authorization:github:error:" in page
    assert setup.github.exchanged == []  # the code was never even exchanged


def test_sign_in_without_settings_says_so(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db'}", secret=b"x" * 16)
    app = create_app(settings, sign_in=OAuthSettings())
    server = make_server("127.0.0.1", 0, app, ThreadingServer, QuietHandler)
    _serve(server)
    try:
        status, _, page = _get(f"http://127.0.0.1:{server.server_port}/api/auth?provider=github")
    finally:
        server.shutdown()
        server.server_close()
        app.store.close()
    assert status == 503 and "not configured" in page


def test_settings_come_from_the_environment() -> None:
    env = {"KHABAR_GITHUB_CLIENT_ID": " id ", "KHABAR_GITHUB_CLIENT_SECRET": "secret",
           "KHABAR_GITHUB_OAUTH_URL": "http://127.0.0.1:9/"}  # fmt: skip
    assert OAuthSettings.from_env(env) == OAuthSettings("id", "secret", "http://127.0.0.1:9")
    assert not OAuthSettings.from_env({}).configured


# --- in Chromium: the real CMS signs in; a page of another origin gets nothing

EVIL_PAGE = """<!doctype html><html lang="en"><head><title>x</title></head><body><script>
window.got = [];
window.addEventListener("message", function (e) {
  window.got.push(String(e.data));
  e.source.postMessage("authorizing:github", e.origin);
});
window.popup = window.open("ENDPOINT/api/auth?provider=github&scope=repo", "auth");
</script></body></html>"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _static_server(folder: Path, port: int = 0) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(_Quiet, directory=folder))
    _serve(server)
    return server


@pytest.mark.slow
def test_the_cms_signs_in_through_the_endpoint(setup: Setup, browser: Any, tmp_path: Path) -> None:
    site = copy_demo(tmp_path / "site")
    text = (site / "site.yaml").read_text(encoding="utf-8")
    text = text.replace("https://chistopol-inform.example.org/", setup.site_origin + "/")
    (site / "site.yaml").write_text(
        text.replace("endpoint: /api/", f"endpoint: {setup.endpoint}/api/")
    )
    out = tmp_path / "public"
    assert (
        main(["build", "--site", str(site), "--out", str(out), "--cache", str(tmp_path / "c")]) == 0
    )
    server = _static_server(out, int(urlsplit(setup.site_origin).port or 0))
    context = browser.new_context(locale="ru-RU")
    seen: list[str] = []

    def github_api(route: Any) -> None:
        seen.append(route.request.headers.get("authorization", ""))
        route.fulfill(status=401, body='{"message": "stand-in"}')

    context.route("https://api.github.com/**", github_api)
    try:
        page = context.new_page()
        page.goto(f"{setup.site_origin}/admin/")
        page.get_by_role("button", name=re.compile("GitHub")).click()
        deadline = time.monotonic() + 20
        while not seen and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        assert f"token {TOKEN}" in seen
    finally:
        context.close()
        server.shutdown()
        server.server_close()


@pytest.mark.slow
@pytest.mark.parametrize("origin", ["the site's", "another"])
def test_only_the_sites_origin_gets_the_token(
    setup: Setup, browser: Any, tmp_path: Path, origin: str
) -> None:
    """The same page, which answers the handshake like the CMS, served from the site's
    origin gets the token; from any other origin it gets nothing."""
    (tmp_path / "index.html").write_text(EVIL_PAGE.replace("ENDPOINT", setup.endpoint))
    port = int(urlsplit(setup.site_origin).port or 0) if origin == "the site's" else 0
    server = _static_server(tmp_path, port)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
        deadline = time.monotonic() + 20
        while not setup.github.exchanged and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        assert setup.github.exchanged, "the popup never came back from the stand-in GitHub"
        page.wait_for_timeout(1500)  # time for any message to arrive
        got = page.evaluate("window.got")
        received = any(TOKEN in message for message in got)
        assert received == (origin == "the site's"), got
    finally:
        context.close()
        server.shutdown()
        server.server_close()
