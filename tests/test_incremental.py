"""Builds that reuse the cache give exactly the bytes of a clean build, whatever changed;
a parallel build gives exactly the bytes of a serial one."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.corpus import generate
from generator.cli import main
from tests.conftest import NOW, ROOT, Seed

Change = Callable[[Path], None]


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def build(site: Path, out: Path, cache: Path, *extra: str) -> None:
    assert (
        main(
            [
                "build",
                "--site",
                str(site),
                "--out",
                str(out),
                "--cache",
                str(cache),
                "--now",
                NOW,
                *extra,
            ]
        )
        == 0
    )


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


RU = "content/ru/2026/novaya-shkola.md"
TT = "content/tt/2026/novaya-shkola.md"
CHANGES: dict[str, Change] = {
    "body edited": lambda s: edit(s / RU, "Торжественная линейка", "Праздничная линейка"),
    "title changed": lambda s: edit(
        s / RU, "title: В Чистополе открыли", "title: В Чистополе торжественно открыли"
    ),
    "rubric changed": lambda s: edit(s / RU, "category: education", "category: society"),
    "lead changed": lambda s: edit(s / TT, "lead: Көньяк", "lead: Яңа Көньяк"),
    "tags changed": lambda s: edit(
        s / RU, "tags: [школа, образование, Южный]", "tags: [школа, дети]"
    ),
    "translation removed": lambda s: (s / TT).unlink(),
    "translation added": lambda s: (
        (s / "content/tt/2026/zal.md").write_text(
            "---\ntitle: Китапханәдә туган як залы ачылды\ndate: 2026-09-25T16:00:00+03:00\n"
            "category: culture\ntranslation_key: content-ru-zal\n---\n\nТекст.\n",
            encoding="utf-8",
        )
        or edit(
            s / "content/ru/2026/zal-kraevedeniya.md",
            "tags:",
            "translation_key: content-ru-zal\ntags:",
        )
    ),
    "date moved into the future": lambda s: edit(
        s / RU, "date: 2026-09-01T10:30:00+03:00", "date: 2026-12-31T10:30:00+03:00"
    ),
    "article deleted": lambda s: (s / "content/ru/2026/lyzhnyy-sezon.md").unlink(),
    "template edited": lambda s: _write(
        s / "themes/default/templates/_pagination.html",
        (ROOT / "themes/default/templates/_pagination.html").read_text(encoding="utf-8")
        + "<!-- edited -->\n",
    ),
    "translation strings edited": lambda s: _copy_theme_with(
        s, "i18n/tt.yaml", "Шулай ук укыгыз", "Тагын укыгыз"
    ),
    "site.yaml edited": lambda s: edit(s / "site.yaml", "per_page: 20", "per_page: 3"),
    "image replaced": lambda s: shutil.copy(
        s / "static/images/road.jpg", s / "static/images/school.jpg"
    ),
}


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _copy_theme_with(site: Path, rel: str, old: str, new: str) -> None:
    theme = site / "themes/default"
    if not theme.exists():
        shutil.copytree(ROOT / "themes/default", theme)
    edit(theme / rel, old, new)


@pytest.fixture
def demo(tmp_path: Path, seed_photos: Seed) -> Path:
    for cache in ("cache", "fresh-cache"):
        seed_photos(tmp_path / cache)
    site = tmp_path / "site"
    site.mkdir()
    for part in ("content", "static"):
        shutil.copytree(ROOT / part, site / part)
    shutil.copy(ROOT / "site.yaml", site / "site.yaml")
    return site


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_incremental_build_equals_a_clean_build(name: str, demo: Path, tmp_path: Path) -> None:
    cache, out = tmp_path / "cache", tmp_path / "incremental"
    build(demo, out, cache)
    before = tree(out)
    CHANGES[name](demo)
    build(demo, out, cache)
    build(demo, tmp_path / "clean", tmp_path / "fresh-cache")
    after, clean = tree(out), tree(tmp_path / "clean")
    assert sorted(after) == sorted(clean)
    differing = [path for path in clean if after[path] != clean[path]]
    assert not differing, differing[:10]
    assert after != before, "the change changed nothing: the test would prove nothing"


def test_deleting_an_article_removes_it_everywhere(demo: Path, tmp_path: Path) -> None:
    cache, out = tmp_path / "cache", tmp_path / "out"
    build(demo, out, cache)
    assert (out / "news/sport/lyzhnyy-sezon/index.html").exists()
    (demo / "content/ru/2026/lyzhnyy-sezon.md").unlink()
    build(demo, out, cache)
    assert not (out / "news/sport/lyzhnyy-sezon").exists()
    for path in (
        "index.html",
        "news/sport/index.html",
        "rss.xml",
        "sitemap.xml",
        "archive/2026/11/index.html",
        "tags/lyzhi/index.html",
        "reactions-pages.json",
        "endpoint-pages.json",
    ):
        if (out / path).exists():
            assert b"lyzhnyy-sezon" not in (out / path).read_bytes(), path


def test_a_second_build_renders_and_writes_nothing(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache, out = tmp_path / "cache", tmp_path / "out"
    build(demo, out, cache)
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    capsys.readouterr()
    build(demo, out, cache)
    assert "0 written" in capsys.readouterr().err
    assert stamps == {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def test_a_broken_cache_is_a_cold_cache(demo: Path, tmp_path: Path) -> None:
    cache, out = tmp_path / "cache", tmp_path / "out"
    build(demo, out, cache)
    (cache / "khabar.sqlite3").write_bytes(b"this is not a database")
    for extra in (cache / "khabar.sqlite3-wal", cache / "khabar.sqlite3-shm"):
        extra.unlink(missing_ok=True)
    build(demo, tmp_path / "again", cache)
    assert tree(tmp_path / "again") == tree(out)


def test_parallel_build_equals_serial_build(tmp_path: Path) -> None:
    site = generate(tmp_path / "corpus", 120)  # enough articles for the work to be split
    build(site, tmp_path / "serial", tmp_path / "c1", "--jobs", "1")
    build(site, tmp_path / "parallel", tmp_path / "c2", "--jobs", "2")
    serial, parallel = tree(tmp_path / "serial"), tree(tmp_path / "parallel")
    assert len(serial) > 300
    assert serial == parallel
