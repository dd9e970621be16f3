"""`build.py serve` for real: a process, a port, file edits, live reload, /api/."""

from __future__ import annotations

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


def wait_for(check: Any, seconds: float = 20) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.fixture
def served(tmp_path: Path, seed_photos: Seed) -> Iterator[Served]:
    site = tmp_path / "site"
    site.mkdir()
    for part in ("content", "static"):
        shutil.copytree(ROOT / part, site / part)
    seed_photos(site / ".cache")
    shutil.copy(ROOT / "site.yaml", site / "site.yaml")
    port = _free_port()
    command = [
        sys.executable,
        str(ROOT / "build.py"),
        "serve",
        "--site",
        str(site),
        "--port",
        str(port),
        "--now",
        NOW,
    ]
    log = open(tmp_path / "serve.log", "w+", encoding="utf-8")  # noqa: SIM115
    process = subprocess.Popen(command, stderr=log, text=True, start_new_session=True)
    server = Served(site, port, process)
    try:
        wait_for(lambda: _up(server), 60)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)
        log.seek(0)
        server.log = log.read()  # type: ignore[attr-defined]
        log.close()


def _up(server: Served) -> bool:
    try:
        return server.get("/")[0] == 200
    except OSError:
        return False


def test_serves_with_live_reload_only_on_the_wire(served: Served) -> None:
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
    wait_for(lambda: "торжественно открыли" in (served.out / "rss.xml").read_text(encoding="utf-8"))


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
    assert (served.site / ".cache/reactions.sqlite3").exists()


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


def test_search_index_follows_once_the_editor_pauses(served: Served) -> None:
    """serve indexes at start, then again only after IDLE seconds without a change."""
    entry = served.out / "pagefind/pagefind-entry.json"

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
