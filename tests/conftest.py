"""Shared fixtures. With KHABAR_REQUIRE_ALL=1 (set by .ci/run) a skipped test fails instead:
in CI nothing may be skipped for want of a tool."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from generator.cli import main

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-11-28T12:00:00+03:00"

MINIMAL_SITE = """\
title: {ru: Чистополь-информ, tt: Чистай-информ}
base_url: https://example.org/
default_language: ru
languages:
  ru: {label: Рус}
  tt: {label: Тат}
categories:
  society: {ru: Общество, tt: Җәмгыять}
  sport: {ru: Спорт, tt: Спорт}
"""


def _require_all() -> bool:
    return os.environ.get("KHABAR_REQUIRE_ALL") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if _require_all() and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where KHABAR_REQUIRE_ALL=1: {report.longrepr}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if _require_all() and report.skipped:
        report.outcome = "failed"


# Where the suite may write inside the repository: tools' own caches, the test artifacts.
ALLOWED = {".venv", "node_modules", ".git", "test-artifacts", ".pytest_cache", ".mypy_cache",
           ".ruff_cache", "__pycache__", "bench", ".import_linter_cache"}  # fmt: skip
# Hypothesis keeps a folder of its own in the working directory unless told otherwise.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", tempfile.mkdtemp(prefix="khabar-hypothesis-"))


def _files_written_since(start: int) -> list[str]:
    found = []
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [d for d in subfolders if d not in ALLOWED]
        found += [
            os.path.relpath(os.path.join(folder, name), ROOT)
            for name in files
            if os.lstat(os.path.join(folder, name)).st_mtime_ns >= start
        ]
    if not found:
        return []
    # Files the suite may not write: untracked or ignored ones (tracked ones are the code).
    listed = subprocess.run(
        ["git", "ls-files", "--others", "-z", "--", *found],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted(name for name in listed.split("\0") if name)


@pytest.fixture(scope="session", autouse=True)
def repository_stays_clean() -> Iterator[None]:
    """Tests build into temporary folders with temporary caches, never into the repository."""
    start = time.time_ns()
    yield
    written = _files_written_since(start)
    assert not written, f"the test suite wrote into the repository: {written[:10]}"


@pytest.fixture(scope="session", autouse=True)
def cms_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path | None]:
    """The tarballs of /admin/'s packages (Decap, Pyodide), fetched once per session from the
    npm registry (real HTTP) into a folder laid out like the registry; every build of the
    session, in-process or not, reads them from there (KHABAR_NPM_REGISTRY=file://…) and still
    checks their sha512."""
    import urllib.error
    import urllib.request

    from generator import vendor

    folder = tmp_path_factory.mktemp("npm-registry")
    for package in vendor.PACKAGES:
        url = package.tarball_url()
        target = folder / package.name / "-" / url.rsplit("/", 1)[1]
        target.parent.mkdir(parents=True)
        try:
            with urllib.request.urlopen(url, timeout=120) as answer:
                target.write_bytes(answer.read())
        except (urllib.error.URLError, OSError):
            yield None  # offline: builds warn and leave /admin/ out; the CMS's tests fail
            return
    previous = os.environ.get(vendor.REGISTRY_ENV)
    os.environ[vendor.REGISTRY_ENV] = folder.as_uri()
    yield folder
    if previous is None:
        del os.environ[vendor.REGISTRY_ENV]
    else:
        os.environ[vendor.REGISTRY_ENV] = previous


class SiteDir:
    """A throwaway site root to write articles into and build."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.out = root / "public"

    def write(self, rel: str, text: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def article(
        self, rel: str, title: str = "Заголовок", body: str = "Текст.", **fields: str
    ) -> Path:
        meta = {"title": title, "date": "2026-03-08T10:30:00+03:00", "category": "society"}
        meta.update(fields)
        lines = "".join(f"{k}: {v}\n" for k, v in meta.items())
        return self.write(rel, f"---\n{lines}---\n\n{body}\n")


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def site(tmp_path: Path) -> SiteDir:
    result = SiteDir(tmp_path / "site")
    result.write("site.yaml", MINIMAL_SITE)
    return result


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run the CLI in-process: (exit code, stdout, stderr)."""

    def _run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def require(tool: str) -> str:
    """The path of a tool the test needs; a skip here is a failure in CI."""
    found = shutil.which(tool) if "/" not in tool else (tool if Path(tool).exists() else None)
    if not found:
        pytest.skip(
            f"{tool} is not installed (make test installs it; .ci/run installs system tools)"
        )
    return found


@pytest.fixture(scope="session")
def demo_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The build cache of the demo's session build (never the repository's .cache/)."""
    return tmp_path_factory.mktemp("demo-cache")


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory, demo_cache: Path) -> Path:
    """The demo newsroom built once at a fixed moment."""
    out = tmp_path_factory.mktemp("demo") / "public"
    assert main(["build", "--out", str(out), "--cache", str(demo_cache), "--now", NOW]) == 0
    return out


Seed = Callable[[Path], Path]


@pytest.fixture(scope="session")
def seed_photos(demo_site: Path, demo_cache: Path) -> Seed:
    """Link the demo's photo variants, made once by the session build, into another cache:
    tests that build the demo many times then encode only the photos they change.
    (tests/test_photos.py builds cold.)"""

    def seed(cache: Path) -> Path:
        shutil.copytree(
            demo_cache / "photos", cache / "photos", copy_function=os.link, dirs_exist_ok=True
        )
        return cache

    return seed


@pytest.fixture(scope="session")
def seed_cache(demo_site: Path, demo_cache: Path) -> Seed:
    """Link what the demo's session build made by content (photo variants, the CMS's files,
    the search index) into another cache: a test that builds a variant of the demo (another
    endpoint) then makes only what differs. Safe because every entry is keyed by content."""

    def seed(cache: Path) -> Path:
        for part in ("photos", "vendor", "search"):
            if (demo_cache / part).is_dir():
                shutil.copytree(
                    demo_cache / part, cache / part, copy_function=os.link, dirs_exist_ok=True
                )
        return cache

    return seed


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def demo_server(demo_site: Path) -> Iterator[str]:
    """The demo site over real HTTP on a free loopback port."""
    handler = functools.partial(_QuietHandler, directory=str(demo_site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """The system Chromium under Playwright (never a downloaded browser)."""
    executable = require(os.environ.get("KHABAR_CHROMIUM", "/usr/bin/chromium"))
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: run `make test`")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()
