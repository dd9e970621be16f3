"""The golden bilingual site, byte for byte (regenerate with `make golden`)."""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

from tests.golden import EXPECTED, UNCOMPARED, build


def tree(folder: Path) -> dict[str, bytes]:
    return {
        rel: _stable(rel, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not (rel := p.relative_to(folder).as_posix()).startswith(UNCOMPARED)
    }


def _stable(path: str, data: bytes) -> bytes:
    """build.json's digest of the inputs covers the generator's code, which every change
    of the code changes; the rest of the file is compared as it is."""
    if path == "build.json":
        return re.sub(rb'"inputs": "[0-9a-f]+"', b'"inputs": "(digest)"', data)
    return data


def test_golden_site_matches_expected(tmp_path: Path) -> None:
    assert build(tmp_path / "out") == 0
    entries = sorted((tmp_path / "out" / UNCOMPARED).glob("*/pagefind-entry.json"))
    languages = {lang for e in entries for lang in json.loads(e.read_bytes())["languages"]}
    assert languages == {"ru", "tt"}
    actual, expected = tree(tmp_path / "out"), tree(EXPECTED)
    assert sorted(actual) == sorted(expected), (
        "pages added or missing: run `make golden` and review"
    )
    for path, data in expected.items():
        if actual[path] != data:
            diff = difflib.unified_diff(
                data.decode(errors="replace").splitlines(),
                actual[path].decode(errors="replace").splitlines(),
                f"expected/{path}",
                f"actual/{path}",
                lineterm="",
                n=2,
            )
            raise AssertionError("\n".join(list(diff)[:60]))


def test_golden_site_covers_the_contract() -> None:
    """The expected tree itself has every kind of page: guards against a hollow regeneration."""
    paths = set(tree(EXPECTED))
    for path in [
        "index.html",
        "page/2/index.html",
        "tt/index.html",
        "news/society/shkola/index.html",
        "tt/news/society/maktap/index.html",
        "news/sport/hokkey-match/index.html",
        "tt/news/sport/zhayge-uennar/index.html",
        "news/society/index.html",
        "news/society/page/2/index.html",
        "tt/news/sport/index.html",
        "tags/shkola/index.html",
        "tt/tags/maktap/index.html",
        "archive/index.html",
        "archive/2026/09/index.html",
        "tt/archive/2026/07/index.html",
        "rss.xml",
        "tt/rss.xml",
        "sitemap.xml",
        "robots.txt",
        "404.html",
        "tt/404.html",
        "search/index.html",
        "tt/search/index.html",
        "assets/css/site.css",
        "assets/js/search.js",
    ]:
        assert path in paths, path
    for absent in [
        "news/sport/budushchee/index.html",
        "news/sport/chernovik/index.html",
        "news/society/ustarelo/index.html",
    ]:
        assert absent not in paths
    article = (EXPECTED / "news/society/shkola/index.html").read_text(encoding="utf-8")
    assert '<a href="/gazeta/news/society/dorogi/#itogi">' in article
    assert (
        '<link rel="canonical" href="https://example.org/gazeta/news/society/shkola/">' in article
    )
    assert '<a href="/gazeta/tt/news/society/maktap/" hreflang="tt" lang="tt">' in article
    hockey = (EXPECTED / "news/sport/hokkey-match/index.html").read_text(encoding="utf-8")
    assert "Хоккей &lt;b&gt;не жирный&lt;/b&gt;" in hockey  # front matter is escaped
    assert "Матч <em>прошёл</em>." in hockey  # body HTML is kept
