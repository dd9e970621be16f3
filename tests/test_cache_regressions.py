"""Named regressions of the build cache and the writer, one per case found by trying the
product as newsrooms use it (issue 8). Each compares an incremental build with a clean one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from generator.cli import main
from generator.pipeline import Options
from generator.pipeline import build as build_site
from tests.conftest import NOW, ROOT, Run, SiteDir
from tests.test_incremental import build, tree


def clean_build(site: Path, tmp: Path, name: str = "clean") -> dict[str, bytes]:
    build(site, tmp / name, tmp / f"{name}-cache")
    return tree(tmp / name)


@pytest.fixture
def small(site: SiteDir) -> SiteDir:
    site.article("content/ru/2026/a.md", title="Статья А", body="См. [статью Б](b.md).")
    site.article("content/ru/2026/b.md", title="Статья Б", category="sport")
    site.write("static/files/reshenie.pdf", b"%PDF-1.4 decision\n")
    return site


def test_a_linked_article_gets_a_slug(small: SiteDir, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(small.root, out, cache)
    assert 'href="/news/sport/b/"' in (out / "news/society/a/index.html").read_text()
    small.article("content/ru/2026/b.md", title="Статья Б", category="sport", slug="novoe")
    build(small.root, out, cache)
    page = (out / "news/society/a/index.html").read_text()
    assert 'href="/news/sport/novoe/"' in page and "/news/sport/b/" not in page
    assert tree(out) == clean_build(small.root, tmp_path)


def test_a_withdrawn_static_file_leaves_the_output(small: SiteDir, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    small.article("content/ru/2026/a.md", title="Статья А")  # no link to the file any more
    build(small.root, out, cache)
    assert (out / "files/reshenie.pdf").exists()
    (small.root / "static/files/reshenie.pdf").unlink()
    build(small.root, out, cache)
    assert not (out / "files").exists()
    assert tree(out) == clean_build(small.root, tmp_path)


def test_a_replaced_static_file_of_the_same_size_is_copied_again(
    small: SiteDir, tmp_path: Path
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(small.root, out, cache)
    pdf = small.root / "static/files/reshenie.pdf"
    stat = pdf.stat()
    pdf.write_bytes(b"%PDF-1.4 DECISION\n")  # same size, and the same mtime set back
    os.utime(pdf, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    build(small.root, out, cache)
    assert (out / "files/reshenie.pdf").read_bytes() == b"%PDF-1.4 DECISION\n"


def test_a_stray_file_in_the_output_is_removed(small: SiteDir, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(small.root, out, cache)
    (out / "stray.html").write_text("left by someone")
    (out / "news/society/a/index.html").write_text("edited by hand")
    build(small.root, out, cache)
    assert tree(out) == clean_build(small.root, tmp_path)


def test_a_new_generator_re_renders_what_it_changes(small: SiteDir, tmp_path: Path) -> None:
    """The same cache used by a changed copy of the generator gives that copy's clean output."""
    project = tmp_path / "project"
    for part in ("generator", "themes"):
        shutil.copytree(ROOT / part, project / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "build.py", project / "build.py")
    cache = tmp_path / "cache"

    def run_build(out: Path, cache: Path) -> None:
        command = [sys.executable, str(project / "build.py"), "build", "--site", str(small.root)]
        command += ["--out", str(out), "--cache", str(cache), "--now", NOW]
        subprocess.run(command, check=True, capture_output=True, cwd=tmp_path)

    run_build(tmp_path / "out", cache)
    feeds = project / "generator" / "feeds.py"
    feeds.write_text(feeds.read_text().replace("<channel>", "<channel>\\n<ttl>60</ttl>"))
    typography = project / "generator" / "typography.py"
    typography.write_text(typography.read_text().replace('NBSP + "—"', 'NBSP + "–"', 1))
    # A page that shows no article (the archive index) changes with the code alone.
    i18n = project / "generator" / "i18n.py"
    i18n.write_text(i18n.read_text().replace('"LLLL y"', "\"LLLL y 'г.'\"", 1))
    small.article("content/ru/2026/a.md", title="Статья А - с тире", body="Текст.")
    run_build(tmp_path / "out", cache)
    run_build(tmp_path / "clean", tmp_path / "clean-cache")
    assert "<ttl>60</ttl>" in (tmp_path / "out/rss.xml").read_text()
    assert " г.<" in (tmp_path / "out/archive/index.html").read_text()
    assert tree(tmp_path / "out") == tree(tmp_path / "clean")


def test_check_renders_every_page_even_after_a_good_build(small: SiteDir, run: Run) -> None:
    assert run("build", "--site", str(small.root), "--now", NOW)[0] == 0
    small.write(
        "themes/default/templates/article.html",
        '{% extends "base.html" %}{% block main %}{{ page.article.missing.deeper }}{% endblock %}\n',
    )
    code, _, err = run("check", "--site", str(small.root), "--now", NOW)
    assert code == 1
    assert err.startswith("themes/default/templates/article.html:1: error: template error:")


def test_check_writes_nothing_not_even_the_cache(small: SiteDir, run: Run) -> None:
    assert run("check", "--site", str(small.root), "--now", NOW)[0] == 0
    assert sorted(p.name for p in small.root.iterdir()) == ["content", "site.yaml", "static"]


def test_an_unusable_cache_is_said_once_and_the_build_goes_on(
    small: SiteDir, tmp_path: Path, run: Run
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    out = tmp_path / "out"
    code, _, err = run("build", "--site", str(small.root), "--out", str(out), "--cache",
                       str(blocker), "--now", NOW)  # fmt: skip
    assert code == 0, err
    assert err.count("cannot be used") == 1, err
    assert tree(out) == clean_build(small.root, tmp_path)


def test_a_damaged_cache_file_is_a_cold_cache(small: SiteDir, tmp_path: Path, run: Run) -> None:
    cache = tmp_path / "cache"
    build(small.root, tmp_path / "out", cache)
    (cache / "khabar.sqlite3").write_bytes(b"this is not a database" * 100)
    small.article("content/ru/2026/c.md", title="Статья В")
    code, _, err = run("build", "--site", str(small.root), "--out", str(tmp_path / "out"),
                       "--cache", str(cache), "--now", NOW)  # fmt: skip
    assert code == 0 and "cannot be used" not in err, err
    assert tree(tmp_path / "out") == clean_build(small.root, tmp_path)


def test_a_restored_older_cache_gives_a_clean_build(small: SiteDir, tmp_path: Path) -> None:
    """CI: a fresh checkout (no output folder) with the cache of an earlier run restored."""
    build(small.root, tmp_path / "run1", tmp_path / "cache")
    saved = tmp_path / "restored"
    shutil.copytree(tmp_path / "cache", saved)
    small.article("content/ru/2026/c.md", title="Новая статья", body="[А](a.md)")
    small.article("content/ru/2026/b.md", title="Статья Б, исправленная", category="sport")
    build(small.root, tmp_path / "run2", saved)
    assert tree(tmp_path / "run2") == clean_build(small.root, tmp_path)


@pytest.mark.parametrize("where", ["article", "static file", "static folder", "theme"])
def test_symbolic_links_are_never_published(
    small: SiteDir, tmp_path: Path, run: Run, where: str
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the build machine's own file")
    link, shown = {
        "article": ("content/ru/2026/leak.md", "content/ru/2026/leak.md"),
        "static file": ("static/files/leak.txt", "static/files/leak.txt"),
        "static folder": ("static", "static"),
        "theme": ("themes/default/static/leak.txt", "themes/default/static/leak.txt"),
    }[where]
    target = small.root / link
    if where == "static folder":
        shutil.rmtree(target)
        secret = tmp_path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(secret)
    code, _, err = run("build", "--site", str(small.root), "--now", NOW)
    assert code == 1
    assert err.startswith(f"{shown}:1: error: a symbolic link (to {secret})"), err
    assert not (small.root / "public").exists()


def test_main_rejects_nothing_when_the_site_itself_is_reached_by_a_link(
    small: SiteDir, tmp_path: Path
) -> None:
    """The site's root may be a link (a checkout in a linked folder): only what is inside counts."""
    linked = tmp_path / "linked-site"
    linked.symlink_to(small.root)
    args = ["--site", str(linked), "--out", str(tmp_path / "out"), "--now", NOW]
    assert main(["build", *args, "--cache", str(tmp_path / "c")]) == 0


def test_ci_restores_cache_and_output_and_renders_only_what_changed(
    small: SiteDir, tmp_path: Path
) -> None:
    """CI restores the build cache and the last output folder (new inodes, maybe new
    mtimes): unchanged pages prove themselves by their bytes and are not rendered again."""
    for n in range(8):
        small.article(f"content/ru/2026/n{n}.md", title=f"Новость {n}", category="sport")
    out, cache = small.root / "public", small.root / ".cache"
    build(small.root, out, cache)
    saved_out, saved_cache = tmp_path / "saved-out", tmp_path / "saved-cache"
    shutil.copytree(out, saved_out)
    shutil.copytree(cache, saved_cache)
    shutil.rmtree(out)
    shutil.rmtree(cache)
    shutil.copytree(saved_out, out, copy_function=shutil.copy)  # new inodes and mtimes
    shutil.copytree(saved_cache, cache)
    (out / "news/sport/n3/index.html").write_text("changed while cached", encoding="utf-8")
    small.article("content/ru/2026/c.md", title="Новая статья", category="sport")
    options = Options(small.root, out, datetime.fromisoformat(NOW), cache=cache, jobs=1)
    report = build_site(options).report
    assert tree(out) == clean_build(small.root, tmp_path)
    assert 0 < report.rendered < report.pages // 2, (report.rendered, report.pages)
