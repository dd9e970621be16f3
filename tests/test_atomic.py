"""The output folder is replaced whole or not at all: failed and killed builds change nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.corpus import generate
from tests.conftest import NOW, ROOT, Run, SiteDir


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("corpus") / "site", 300)


def build_command(root: Path) -> list[str]:
    return [sys.executable, str(ROOT / "build.py"), "build", "--site", str(root), "--now", NOW]


def test_sigkill_midway_leaves_the_previous_output(big_site: Path) -> None:
    """A change of every page (the site's name) is built as a whole new tree beside the old
    one; killed while writing it, the build leaves the old output as it was."""
    subprocess.run(build_command(big_site), check=True, capture_output=True)
    out = big_site / "public"
    before = snapshot(out)
    settings = big_site / "site.yaml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace("Бенчмарк-информ,", "Новое имя,", 1),
        encoding="utf-8",
    )
    article = big_site / "content/ru/a00007.md"
    article.write_text(
        article.read_text(encoding="utf-8").replace("\n---\n", "\nauthor: Новый автор\n---\n", 1),
        encoding="utf-8",
    )

    process = subprocess.Popen(build_command(big_site), stderr=subprocess.DEVNULL)
    stage = None
    deadline = time.monotonic() + 60
    while stage is None and time.monotonic() < deadline and process.poll() is None:
        stages = list(big_site.glob(".public.khabar-new-*"))
        if stages and sum(1 for _ in stages[0].rglob("*.html")) > 50:
            stage = stages[0]
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert stage is not None, "the build ended before it could be killed midway"
    assert process.returncode == -signal.SIGKILL
    assert snapshot(out) == before

    # The next build clears the half-written stage and brings the edit in.
    subprocess.run(build_command(big_site), check=True, capture_output=True)
    assert not list(big_site.glob(".public.khabar-*"))
    [page] = out.glob("news/*/a00007/index.html")
    assert "Новый автор" in page.read_text(encoding="utf-8")


def test_a_failed_build_leaves_the_previous_output(site: SiteDir, run: Run) -> None:
    for n in range(30):
        site.article(f"content/ru/2026/n{n:02d}.md", title=f"Новость {n}")
    assert run("build", "--site", str(site.root), "--now", NOW)[0] == 0
    before = snapshot(site.out)
    # A template that fails on one article only: the error comes midway through the stream.
    site.write(
        "themes/default/templates/article.html",
        '{% extends "base.html" %}{% block main %}{{ body(page.article) }}'
        "{% if page.article.doc.slug == 'n03' %}{{ page.missing }}{% endif %}{% endblock %}\n",
    )
    code, _, err = run("build", "--site", str(site.root), "--now", NOW)
    assert code == 1
    assert err.startswith("themes/default/templates/article.html:1: error: template error:")
    assert snapshot(site.out) == before
    assert sorted(p.name for p in site.root.iterdir()) == [
        ".cache",
        "content",
        "public",
        "site.yaml",
        "themes",
    ]


def test_unchanged_pages_keep_their_files(site: SiteDir, run: Run) -> None:
    site.article("content/ru/2026/a.md", title="Первая")
    site.article("content/ru/2026/b.md", title="Вторая", category="sport")
    run("build", "--site", str(site.root), "--now", NOW)
    page_b = site.out / "news/sport/b/index.html"
    stamp = page_b.stat().st_mtime_ns
    os.utime(page_b, ns=(stamp - 10**9, stamp - 10**9))
    site.article("content/ru/2026/a.md", title="Первая, исправленная")
    code, _, err = run("build", "--site", str(site.root), "--now", NOW)
    assert code == 0 and "removed" in err
    assert page_b.stat().st_mtime_ns == stamp - 10**9
    assert "Первая, исправленная" in (site.out / "news/society/a/index.html").read_text(
        encoding="utf-8"
    )
