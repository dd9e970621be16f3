"""serve's HTTP server: the output folder, a live-reload channel and a proxy for /api/.

Pages are served as built, with two changes made on the way out and never on disk: the
live-reload script, and the reactions endpoint pointed at this server's /api/.
"""

from __future__ import annotations

import functools
import http.client
import ipaddress
import json
import os
import re
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from generator import cms_local

EVENTS = "/_khabar/events"
CMS_FOLDER = "/admin/"
CMS_CONFIG = "/admin/config.yml"
# Addresses whose bytes never change: a folder named by its package's version, or a file
# asked for by its digest (?v=…). The editor's browser keeps them instead of fetching the
# preview's 13 MB again each visit.
IMMUTABLE = re.compile(r"^/admin/pyodide-[^/]+/|^/admin/[^/]+\?v=[0-9a-z.]+$")
SCRIPT = "/_khabar/live.js"
TAG = f'<script src="{SCRIPT}" defer></script>'
ENDPOINT = re.compile(rb'data-reactions="[^"]*"')
BASE = re.compile(rb'data-endpoint="(https?://[^"]*)"')
# What the readers' endpoint needs of a request: JSON and form bodies, the Origin it checks,
# the moderators' bearer tokens, and the CMS sign-in's cookie.
FORWARDED = ("content-type", "content-length", "origin", "authorization", "accept", "cookie")
MAX_BODY = 1 << 20  # what serve forwards to the endpoint; the endpoint sets its own limits
HOST = re.compile(r"^(?P<name>\[[0-9a-fA-F:.]+\]|[^:\[\]]+)(?::\d{1,5})?$")
LIVE_JS = b"""(function () {
  "use strict";
  var seen = null, source = new EventSource("/_khabar/events");
  function show(errors) {
    var box = document.getElementById("khabar-errors");
    if (!errors.length) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("pre");
      box.id = "khabar-errors";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:50vh;overflow:auto;" +
        "margin:0;padding:1em;background:#5c0011;color:#fff;font:14px/1.4 monospace;" +
        "z-index:2147483647;white-space:pre-wrap";
      document.body.appendChild(box);
    }
    box.textContent = errors.join("\\n");
  }
  source.onmessage = function (message) {
    var state = JSON.parse(message.data);
    if (seen !== null && state.version !== seen && !state.errors.length) location.reload();
    seen = state.version;
    show(state.errors);
  };
})();
"""


class Session(Protocol):
    version: int
    errors: list[str]

    @property
    def changed(self) -> object: ...


class Handler(SimpleHTTPRequestHandler):
    session: Session
    api: str | None
    out: Path
    cms: cms_local.LocalRepo | None = None  # the editors' UI on the local repository
    immutable = False  # set for a static file at an IMMUTABLE address

    def log_message(self, format: str, *args: object) -> None:
        pass

    def parse_request(self) -> bool:
        """Refuse what a local preview must never answer: another site's name in Host (a DNS
        rebinding page must not read drafts), a body of unknown or absurd length."""
        self.immutable = False  # per request, should the connection carry another
        if not super().parse_request():
            return False
        if self.headers.defects:
            self.send_error(HTTPStatus.BAD_REQUEST, "malformed header")
            return False
        if not local_host(self.headers.get("Host", "")):
            self.send_error(HTTPStatus.FORBIDDEN, "serve answers only to localhost")
            return False
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding"):
            self.send_error(HTTPStatus.LENGTH_REQUIRED, "send the body with a Content-Length")
            return False
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            self.send_error(HTTPStatus.BAD_REQUEST, "bad Content-Length")
            return False
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # A request line Python reads as HTTP/0.9 would get a bare body: answer with a status.
        self.request_version = (
            "HTTP/1.0" if self.request_version == "HTTP/0.9" else (self.request_version)
        )
        super().send_error(code, message, explain)

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        """No folder listings: a folder without index.html is not a page."""
        self.send_error(HTTPStatus.NOT_FOUND)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == EVENTS:
            return self.events()
        if path == SCRIPT:
            return self.reply(200, "application/javascript", LIVE_JS)
        return self.proxy() if path.startswith("/api/") else self.page(path)

    def page(self, path: str) -> None:
        file = Path(self.translate_path(self.path))
        if file.is_dir() and (file / "index.html").is_file():
            if not path.endswith("/"):
                return self.redirect(path + "/")
            file = file / "index.html"
        if path == CMS_CONFIG and file.is_file() and self.cms is not None:
            body = cms_local.dress_config(file.read_bytes(), self.headers.get("Host", ""))
            return self.reply(200, "text/yaml; charset=utf-8", body)
        if file.suffix == ".html" and file.is_file():
            html = file.read_bytes()
            # The CMS is never reloaded under an editor's hands (its saves trigger rebuilds).
            shown = html if path.startswith(CMS_FOLDER) else self.dress(html)
            return self.reply(200, "text/html; charset=utf-8", shown)
        if not file.exists() and (self.out / "404.html").is_file():
            return self.reply(
                404, "text/html; charset=utf-8", self.dress((self.out / "404.html").read_bytes())
            )
        self.immutable = file.is_file() and IMMUTABLE.match(self.path) is not None
        return super().do_GET()

    def end_headers(self) -> None:
        if self.immutable:
            self.send_header("Cache-Control", "public, max-age=31536000, immutable")
        super().end_headers()

    def do_POST(self) -> None:
        if urlsplit(self.path).path == cms_local.PATH and self.cms is not None:
            return self.local_cms(self.cms)
        self.proxy()

    def local_cms(self, repo: cms_local.LocalRepo) -> None:
        """Decap's local-repository protocol; JSON only, so another site's form cannot post."""
        origin = self.headers.get("Origin")
        kind = self.headers.get("Content-Type", "").split(";")[0].strip()
        length = int(self.headers.get("Content-Length") or 0)
        if origin and urlsplit(origin).netloc != self.headers.get("Host"):
            status, answer = 403, {"error": "another site may not use the local repository"}
        elif kind != "application/json" or length > cms_local.MAX_BODY:
            status, answer = 415, {"error": "expected a JSON request"}
        else:
            status, answer = repo.handle(self.rfile.read(length))
        self.reply(status, "application/json", json.dumps(answer).encode("utf-8"))

    def do_OPTIONS(self) -> None:
        self.proxy()

    def dress(self, html: bytes) -> bytes:
        html = local_endpoint(html)
        return html.replace(b"</body>", TAG.encode() + b"</body>", 1)

    def reply(self, status: int, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str) -> None:
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def events(self) -> None:
        """Server-sent events: the build's version and errors, at once and on each change."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        changed = self.session.changed
        seen = -1
        try:
            while True:
                with changed:  # type: ignore[attr-defined]
                    if self.session.version == seen:
                        changed.wait(15)  # type: ignore[attr-defined]
                    state = {"version": self.session.version, "errors": self.session.errors}
                if state["version"] == seen:
                    self.wfile.write(b": still here\n\n")
                else:
                    self.wfile.write(b"data: " + json.dumps(state).encode() + b"\n\n")
                    seen = int(str(state["version"]))
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    def proxy(self) -> None:
        if self.api is None:
            return self.reply(503, "application/json", b'{"error": "unavailable"}')
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        target = urlsplit(self.api)
        connection = http.client.HTTPConnection(
            target.hostname or "127.0.0.1", target.port, timeout=10
        )
        headers = {k: v for k, v in self.headers.items() if k.lower() in FORWARDED}
        headers["X-Forwarded-For"] = self.client_address[0]
        try:
            connection.request(self.command, self.path, body, headers)
            answer = connection.getresponse()
            data = answer.read()
        except OSError:
            return self.reply(503, "application/json", b'{"error": "unavailable"}')
        finally:
            connection.close()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("date", "server", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def local_endpoint(html: bytes) -> bytes:
    """Pages name the production endpoint; under serve, this server's /api/ answers for it:
    the widgets' data attributes and the comment form's action are pointed here."""
    html = ENDPOINT.sub(b'data-reactions="/api/reactions"', html, count=1)
    found = BASE.search(html)
    if found:
        html = html.replace(b'="' + found.group(1), b'="/api/')
    return html


def local_host(value: str) -> bool:
    """localhost, a name under .localhost, or an address literal (never a name that could
    be rebound to this machine by someone else's DNS)."""
    match = HOST.match(value.strip())
    if not match:
        return False
    name = match.group("name").strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def make_server(
    host: str,
    port: int,
    out: Path,
    session: Session,
    api: str | None,
    cms: cms_local.LocalRepo | None = None,
) -> Server:
    bound = {"session": session, "api": api, "out": out, "cms": cms}
    handler = type("BoundHandler", (Handler,), bound)
    return Server((host, port), functools.partial(handler, directory=str(out)))
