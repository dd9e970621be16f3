"""The editors' CMS against a local repository: `build.py serve` on a copy of the demo
newsroom (real Decap in Chromium, our local-repository protocol, real files)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT


@dataclass
class Served:
    site: Path
    url: str
    process: subprocess.Popen[str]
    log: Path

    def file(self, rel: str) -> Path:
        return self.site / rel

    def wait_for_file(self, rel: str, timeout: float = 20) -> Path:
        path = self.site / rel
        deadline = time.monotonic() + timeout
        while not path.is_file():
            if time.monotonic() > deadline:
                listing = sorted(
                    p.relative_to(self.site).as_posix() for p in self.site.rglob("*.md")
                )
                raise AssertionError(f"{rel} never appeared; files: {listing}")
            time.sleep(0.1)
        return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def copy_demo(target: Path) -> Path:
    target.mkdir(parents=True)
    for part in ("content", "static"):
        shutil.copytree(ROOT / part, target / part)
    shutil.copy(ROOT / "site.yaml", target / "site.yaml")
    return target


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`serve` on a copy of the demo; its cache outside the site, its log beside it."""
    base = tmp_path_factory.mktemp("cms")
    site = copy_demo(base / "site")
    # A photo named in Cyrillic, with a space, in the Russian article's body.
    shutil.copy(site / "static/images/library.jpg", site / "static/images/книжные полки.jpg")
    for lang, title, photos in (
        ("ru", "Книжная ярмарка в библиотеке", "![Полки](/images/книжные%20полки.jpg)\n"),
        ("tt", "Китапханәдә китап ярминкәсе", 'Бу ярминкә - "Китап" дусларына.\n'),
    ):
        (site / f"content/{lang}/2026/книжная-ярмарка.md").write_text(
            f"---\ntitle: {title}\ndate: 2026-10-01T12:00:00+03:00\ncategory: culture\n"
            "image: /images/fair.jpg\nimage_alt: Ярмарка\n---\n\n"
            f"{title}.\n\n![Зимняя улица](images/winter.jpg)\n\n{photos}",
            encoding="utf-8",
        )
    port = free_port()
    log = base / "serve.log"
    command = [sys.executable, str(ROOT / "build.py"), "serve", "--site", str(site),
               "--cache", str(base / "cache"), "--port", str(port)]  # fmt: skip
    with open(log, "w", encoding="utf-8") as handle:
        process = subprocess.Popen(command, stderr=handle, text=True, start_new_session=True)
    server = Served(site, f"http://localhost:{port}", process, log)
    try:
        deadline = time.monotonic() + 120
        while "editors' UI at" not in log.read_text(encoding="utf-8"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(log.read_text(encoding="utf-8"))
            time.sleep(0.1)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)


@pytest.fixture
def cms_page(browser: Any, served: Served) -> Iterator[Any]:
    """A fresh browser context with a Russian browser on a computer two hours ahead of the
    site's clock (Yekaterinburg): the CMS must still show and write Moscow time."""
    context = browser.new_context(
        timezone_id="Asia/Yekaterinburg", locale="ru-RU", viewport={"width": 1400, "height": 1000}
    )
    elsewhere: list[str] = []  # the CMS must load nothing from another origin (no CDN)
    context.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((served.url, "data:", "blob:", "about:"))
            else elsewhere.append(request.url)
        ),
    )
    page = context.new_page()
    page.set_default_timeout(20000)
    yield page
    context.close()
    assert elsewhere == []


def sign_in(page: Any, served: Served, fragment: str = "") -> None:
    page.goto(f"{served.url}/admin/{fragment}")
    page.get_by_role("button", name="Войти").click()


def post_json(url: str, payload: object, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    import json

    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read() or b"null")
