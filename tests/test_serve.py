"""`build.py serve` for real: a process, a port, file edits, live reload, /api/."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NOW, ROOT, Seed

RU = "content/ru/2026/novaya-shkola.md"
PAGE = "news/education/novaya-shkola/index.html"


class Served:
    def __init__(self, site: Path, port: int, process: subprocess.Popen[str]) -> None:
        self.site, self.port, self.process = site, port, process
        self.base = f"http://127.0.0.1:{port}"
        self.out = site / "public"

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=10) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode()

    def events(self) -> Iterator[dict[str, Any]]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request("GET", "/_khabar/events")
        answer = connection.getresponse()
        try:
            while True:
                line = answer.fp.readline().decode()
                if line.startswith("data: "):
                    yield json.loads(line[6:])
        finally:
            connection.close()

    def log_text(self) -> str:
        return (self.site.parent / "serve.log").read_text(encoding="utf-8")

    def edit(self, rel: str, old: str, new: str) -> None:
        path = self.site / rel
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Any, seconds: float = 20, log: Any = None) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError("timed out" + (f"; the server said:\n{log()}" if log else ""))


@contextlib.contextmanager
def running(tmp_path: Path, seed: Seed) -> Iterator[Served]:
    """The demo newsroom copied to tmp_path and served by `build.py serve` in a process
    (with the demo's photo variants already in its cache)."""
    site = tmp_path / "site"
    site.mkdir()
    for part in ("content", "static"):
        shutil.copytree(ROOT / part, site / part)
    seed(site / ".cache")
    shutil.copy(ROOT / "site.yaml", site / "site.yaml")
    port = _free_port()
    command = [sys.executable, str(ROOT / "build.py"), "serve", "--site", str(site)]
    command += ["--port", str(port), "--now", NOW]
    log = open(tmp_path / "serve.log", "w+", encoding="utf-8")  # noqa: SIM115
    process = subprocess.Popen(command, stderr=log, text=True, start_new_session=True)
    server = Served(site, port, process)
    try:
        wait_for(lambda: _up(server), 120)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):  # a test may have stopped it already
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)
        log.seek(0)
        server.log = log.read()  # type: ignore[attr-defined]
        log.close()


@pytest.fixture
def served(tmp_path: Path, seed_photos: Seed) -> Iterator[Served]:
    with running(tmp_path, seed_photos) as server:
        yield server


@pytest.fixture(scope="module")
def served_once(tmp_path_factory: pytest.TempPathFactory, seed_photos: Seed) -> Iterator[Served]:
    """One server for the tests that only read."""
    with running(tmp_path_factory.mktemp("serve"), seed_photos) as server:
        yield server


def _up(server: Served) -> bool:
    try:
        return server.get("/")[0] == 200
    except OSError:
        return False


def test_serves_with_live_reload_only_on_the_wire(served_once: Served) -> None:
    served = served_once
    status, html = served.get("/")
    assert status == 200 and '<script src="/_khabar/live.js" defer></script>' in html
    assert "_khabar" not in (served.out / "index.html").read_text(encoding="utf-8")
    assert served.get("/_khabar/live.js")[1].startswith("(function")
    assert served.get("/no/such/page/")[0] == 404


def test_an_edit_updates_the_page_and_tells_the_browser(served: Served) -> None:
    events = served.events()
    first = next(events)
    served.edit(RU, "Торжественная линейка", "Праздничная линейка")
    wait_for(lambda: "Праздничная линейка" in (served.out / PAGE).read_text(encoding="utf-8"))
    assert next(events)["version"] > first["version"]
    # A change other pages show (the title) reaches the lists too.
    served.edit(RU, "title: В Чистополе открыли", "title: В Чистополе торжественно открыли")
    wait_for(
        lambda: "торжественно открыли" in (served.out / "index.html").read_text(encoding="utf-8")
    )
    rubric = served.out / "news/education/index.html"
    wait_for(lambda: "торжественно открыли" in rubric.read_text(encoding="utf-8"))


def test_a_mistake_is_shown_while_the_last_good_site_stays(served: Served) -> None:
    events = served.events()
    next(events)
    served.edit(RU, "category: education", "category: weather")
    state = next(events)
    while not state["errors"]:
        state = next(events)
    assert state["errors"] == [
        f"{RU}:4: error: unknown rubric 'weather' (site.yaml categories: local, society, topic, culture, education, sport, health, official)"
    ]
    status, html = served.get("/" + PAGE.removesuffix("index.html"))
    assert status == 200 and "В\u00a0Чистополе открыли новую школу" in html
    served.edit(RU, "category: weather", "category: education")
    state = next(events)
    while state["errors"]:
        state = next(events)
    assert state["errors"] == []


def test_reactions_api_on_the_same_origin(served: Served) -> None:
    status, body = served.get("/api/reactions?page=/news/education/novaya-shkola/")
    assert (
        status == 200 and json.loads(body)["pages"]["/news/education/novaya-shkola/"]["like"] == 0
    )
    request = urllib.request.Request(
        served.base + "/api/reactions",
        data=json.dumps(
            {
                "page": "/news/education/novaya-shkola/",
                "reaction": "like",
                "reader": str(uuid.uuid4()),
            }
        ).encode(),
        headers={"Content-Type": "application/json", "Origin": served.base},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 201
    assert (served.site / ".cache/endpoint.sqlite3").exists()


def test_the_browser_reloads_by_itself_and_shows_errors(served: Served, browser: Any) -> None:
    page = browser.new_page()
    page.goto(served.base + "/" + PAGE.removesuffix("index.html"), wait_until="load")
    page.wait_for_timeout(300)  # the live-reload channel connects
    served.edit(RU, "Торжественная линейка", "Оркестровая линейка")
    page.wait_for_function(
        "document.body.textContent.includes('Оркестровая линейка')", timeout=20000
    )
    served.edit(RU, "category: education", "category: weather")
    page.locator("#khabar-errors").wait_for(state="visible", timeout=20000)
    assert "unknown rubric 'weather'" in page.locator("#khabar-errors").inner_text()
    served.edit(RU, "category: weather", "category: education")
    page.locator("#khabar-errors").wait_for(state="detached", timeout=20000)
    page.close()


def raw(served: Served, request: bytes) -> str:
    """Send raw bytes; the status line of the answer (never a dropped connection)."""
    import socket

    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer.split(b"\r\n", 1)[0].decode("latin-1")


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n",  # a DNS rebinding page
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1.nip.io:8000\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\n",  # no Host at all
        b"GET /news/ HTTP/1.1\r\nHost: localhost\r\n\r\n",  # a folder without index.html
        b"GET /../../../etc/passwd HTTP/1.1\r\nHost: localhost\r\n\r\n",
        b"GET /%00 HTTP/1.1\r\nHost: localhost\r\n\r\n",
        b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n",
        b"POST /api/reactions HTTP/1.1\r\nHost: localhost\r\nContent-Length: -5\r\n\r\n",
        b"POST /api/reactions HTTP/1.1\r\nHost: localhost\r\nContent-Length: 99999999999\r\n\r\n",
        b"POST /api/reactions HTTP/1.1\r\nHost: localhost\r\nContent-Length: x\r\n\r\n",
        b"POST /api/reactions HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: localhost\r\nBad header line\r\n\r\n",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    ],
)
def test_every_malformed_or_foreign_request_gets_a_4xx(
    served_once: Served, request_bytes: bytes
) -> None:
    status = raw(served_once, request_bytes)
    expected = "505" if request_bytes.startswith(b"PRI") else "4"  # HTTP/2: not supported
    assert status.split(" ")[1].startswith(expected), status


def test_local_names_are_answered(served_once: Served) -> None:
    port = served_once.port
    for host in ("localhost", "127.0.0.1", f"localhost:{port}", "[::1]", "a.localhost"):
        status = raw(served_once, f"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        assert status.endswith("200 OK"), (host, status)


def test_sigterm_stops_serve_and_its_endpoint(served: Served) -> None:
    children = Path(f"/proc/{served.process.pid}/task/{served.process.pid}/children")
    endpoint = [int(pid) for pid in children.read_text().split()]
    assert endpoint, "serve runs the readers' endpoint as a child process"
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(20) == 0
    for pid in endpoint:
        wait_for(lambda pid=pid: not Path(f"/proc/{pid}").exists() or _zombie(pid), 10)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


def test_saves_in_a_row_each_reach_the_disk_and_the_last_one_wins(served: Served) -> None:
    """An edit that changes lists (the title) starts a follow-up build; the next saves come
    before it ends, cancel it, and each one's page is on disk without waiting for it."""
    page = served.out / PAGE
    served.edit(RU, "title: В Чистополе открыли", "title: В Чистополе вновь открыли")
    for n in range(4):
        served.edit(RU, "Торжественная линейка" if n == 0 else f"Линейка номер {n - 1}",
                    f"Линейка номер {n}")  # fmt: skip
        wait_for(lambda n=n: f"Линейка номер {n}" in page.read_text(encoding="utf-8"), 10,
                 served.log_text)  # fmt: skip
    wait_for(lambda: "вновь открыли" in (served.out / "index.html").read_text(encoding="utf-8"))
    final = hashlib.sha256((served.site / RU).read_bytes()).hexdigest()
    wait_for(lambda: final in _stored_digests(served), 60, served.log_text)
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(20) == 0
    assert "cannot be used" not in served.log_text()


def _stored_digests(served: Served) -> set[str]:
    """The follow-up builds keep the cache from their own thread: the last save is stored."""
    import pickle
    import sqlite3

    with contextlib.closing(sqlite3.connect(served.site / ".cache/khabar.sqlite3")) as db:
        docs = [pickle.loads(row[0]) for row in db.execute("SELECT doc FROM documents")]
    return {doc.digest for doc in docs if doc.source == RU}


def test_search_index_follows_once_the_editor_pauses(served: Served) -> None:
    """serve indexes at start, then again only after IDLE seconds without a change."""
    entry = served.out / "pagefind/ru/pagefind-entry.json"

    def indexed() -> int:
        return int(json.loads(entry.read_bytes())["languages"]["ru"]["page_count"])

    before = indexed()
    (served.site / "content/ru/2026/novost-dnya.md").write_text(
        "---\ntitle: Новость дня\ndate: 2026-11-20T10:00:00+03:00\ncategory: society\n---\n\n"
        "Текст.\n",
        encoding="utf-8",
    )
    page = served.out / "news/society/novost-dnya/index.html"
    wait_for(page.exists)
    assert indexed() == before  # the page is there at once; the index waits for a pause
    started = time.monotonic()
    wait_for(lambda: indexed() == before + 1, 40)
    assert time.monotonic() - started > 5
    wait_for(lambda: "search index updated" in _log(served))


def _log(served: Served) -> str:
    return (served.site.parent / "serve.log").read_text(encoding="utf-8")
