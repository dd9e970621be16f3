"""Search for real: Pagefind's index of the demo newsroom, searched in Chromium in both
languages; the index is made again only when indexed text changed."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from generator import search
from generator.pipeline import Options, build
from tests.conftest import NOW, ROOT, SiteDir, require
from tests.test_browser import AXE

DONE = (
    "() => { const s = document.getElementById('search-status');"
    " return s.textContent && !s.textContent.endsWith('…'); }"
)


def test_the_index_holds_both_languages_and_nothing_of_pagefinds_ui(demo_site: Path) -> None:
    """Each language's index is a bundle of its own."""
    counts = {}
    for lang in ("ru", "tt"):
        bundle = demo_site / "pagefind" / lang
        entry = json.loads((bundle / "pagefind-entry.json").read_bytes())
        assert list(entry["languages"]) == [lang]
        counts[lang] = entry["languages"][lang]["page_count"]
        names = {p.name for p in bundle.iterdir()}
        assert {"pagefind.js", "pagefind-worker.js"} <= names
        assert not any("-ui" in name or "highlight" in name for name in names)
    assert counts == {"ru": 11, "tt": 10}  # every published article, and nothing else
    html = (demo_site / "tt/search/index.html").read_text(encoding="utf-8")
    assert 'data-bundles="/pagefind/tt/"' in html
    for lang, url in (("ru", "search/index.html"), ("tt", "tt/search/index.html")):
        html = (demo_site / url).read_text(encoding="utf-8")
        assert f'<html lang="{lang}">' in html and '<meta name="robots" content="noindex">' in html
    assert "/search/" not in (demo_site / "sitemap.xml").read_text(encoding="utf-8")


def test_every_page_links_to_the_search_of_its_language(demo_site: Path) -> None:
    for page in demo_site.rglob("*.html"):
        if page.relative_to(demo_site).parts[0] == "admin":
            continue  # the editors' UI, not a page of the site
        html = page.read_text(encoding="utf-8")
        lang = "tt" if '<html lang="tt">' in html else "ru"
        target = {"ru": '"/search/"', "tt": '"/tt/search/"'}[lang]
        assert f'class="search-link" href={target}' in html, page


def test_records_hold_title_lead_body_rubric_and_date_only() -> None:
    from generator.assemble import assemble
    from generator.cache import Cache
    from generator.digests import Digests
    from generator.pipeline import load_site_config, parse_all
    from generator.sources import list_sources

    config = load_site_config(ROOT)
    cache = Cache(None)
    documents, _ = parse_all(list_sources(config, Digests({})), config, cache, 1)
    static = frozenset(f"images/{p.name}" for p in (ROOT / "static/images").iterdir())
    site = assemble(config, documents, datetime.fromisoformat(NOW), static_files=static)
    found = search.records(config, [a for a in site.articles["ru"]], cache.body)
    record = next(r for r in found if r.url.endswith("/novaya-shkola/"))
    assert "<main data-pagefind-body><h1>В\u00a0Чистополе открыли новую школу" in record.html
    assert '<meta data-pagefind-meta="rubric[content]" content="Образование">' in record.html
    assert '<meta data-pagefind-meta="date[content]" content="1 сентября 2026">' in record.html
    assert "<img" not in record.html and "Оставляйте реакции" not in record.html


def test_a_build_without_changes_does_not_index_again(
    site: SiteDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[tuple[str, int]] = []
    original = search.make_index

    def counted(found: Any, count: int, folder: Path, mark: str) -> None:
        made.append((mark, count))
        original(found, count, folder, mark)

    monkeypatch.setattr(search, "make_index", counted)
    site.article("content/ru/a.md", title="Школа", body="Первый текст.")
    site.article("content/tt/a.md", title="Мәктәп", body="Беренче текст.")
    options = Options(site.root, site.out, datetime.fromisoformat(NOW), cache=tmp_path / "c")
    build(options)
    stamp = (site.out / "pagefind/tt/pagefind-entry.json").stat().st_ino
    build(options)
    assert sorted(made) == [("ru", 1), ("tt", 1)]
    assert (site.out / "pagefind/tt/pagefind-entry.json").stat().st_ino == stamp
    made.clear()
    # A new Russian article: only the Russian index is made again.
    site.article("content/ru/b.md", title="Новая", body="Текст.", pinned="true")
    build(options)
    assert made == [("ru", 2)]
    assert (site.out / "pagefind/tt/pagefind-entry.json").stat().st_ino == stamp
    site.write("site.yaml", (site.root / "site.yaml").read_text() + "per_page: 5\n")
    build(options)  # new settings, the same indexed text: nothing to index
    assert made == [("ru", 2)]
    # The index is keyed without reading bodies: a change of the text alone still counts.
    site.article("content/tt/a.md", title="Мәктәп", body="Икенче текст.")
    build(options)
    assert made == [("ru", 2), ("tt", 1)]
    entry = json.loads((site.out / "pagefind/tt/pagefind-entry.json").read_text())
    assert entry["languages"], entry


# In Chromium: the demo newsroom over HTTP, a phone's screen.


def open_search(browser: Any, url: str, width: int = 360) -> tuple[Any, list[Any]]:
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    responses: list[Any] = []
    page.on("response", lambda response: responses.append(response))  # noqa: PLW0108 - Playwright tags its handlers
    page.goto(url, wait_until="load")
    return page, responses


def results(page: Any) -> list[dict[str, str]]:
    page.wait_for_function(DONE, timeout=20_000)
    return page.evaluate(
        """() => [...document.querySelectorAll('#search-results li')].map(li => ({
            url: new URL(li.querySelector('a').href).pathname,
            rubric: li.querySelector('.rubric').textContent,
            date: li.querySelector('time').textContent,
            excerpt: li.querySelector('.search-excerpt').innerHTML}))"""
    )


@pytest.mark.parametrize(
    ("path", "expected", "status"),
    [
        # Russian stemming: the plural finds "школа", "школу", "школе".
        ("/search/?q=школы", "/news/education/novaya-shkola/", "По запросу «школы» найдено"),
        # Tatar has no stemmer: the prefix finds мәктәпләрендә, мәктәпләренең.
        ("/tt/search/?q=мәктәпләр", "/tt/news/education/olimpiada-jinuchelar/", "«мәктәпләр» сорауы буенча 2 язма табылды"),
        ("/tt/search/?q=китапханә", "/tt/news/society/volontyorlar-yardam/", "сорауы буенча"),
    ],
)  # fmt: skip
def test_query_in_the_address_runs_on_open(
    browser: Any, demo_server: str, path: str, expected: str, status: str
) -> None:
    page, responses = open_search(browser, demo_server + path)
    found = results(page)
    assert expected in [r["url"] for r in found]
    assert status in page.inner_text("#search-status")
    lang = "tt" if path.startswith("/tt/") else "ru"
    assert all(r["url"].startswith("/tt/") == (lang == "tt") for r in found)  # its own language
    assert all(r["rubric"] and r["date"] for r in found)
    assert all("<mark>" in r["excerpt"] for r in found[:1])
    foreign = [r.url for r in responses if urlsplit(r.url).netloc != urlsplit(demo_server).netloc]
    assert not foreign
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.context.close()


def test_a_word_that_matches_nothing_says_so_in_the_pages_language(
    browser: Any, demo_server: str
) -> None:
    for path, said in (
        ("/search/?q=зюзябрь", "По запросу «зюзябрь» ничего не найдено."),
        ("/tt/search/?q=зюзябрь", "«зюзябрь» сорауы буенча бернәрсә дә табылмады."),
    ):
        page, _ = open_search(browser, demo_server + path)
        assert results(page) == []
        assert page.inner_text("#search-status").startswith(said)
        assert page.locator("#search-results").is_hidden()
        page.context.close()


def test_keyboard_only_search_and_the_address_keeps_the_query(
    browser: Any, demo_server: str
) -> None:
    page, _ = open_search(browser, demo_server + "/", 1280)
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the site's name
    page.keyboard.press("Tab")  # search
    assert page.evaluate("document.activeElement.className") == "search-link"
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/")
    page.keyboard.press("Tab")  # the skip link...
    page.keyboard.press("Enter")  # ...to the page's content, whose first field is the search
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "search-input"
    page.keyboard.type("дороги")
    page.keyboard.press("Enter")
    found = results(page)
    assert "/news/local/remont-ulitsy-lenina/" in [r["url"] for r in found]
    assert urlsplit(page.url).query == "q=%D0%B4%D0%BE%D1%80%D0%BE%D0%B3%D0%B8"
    status = page.locator("#search-status")
    assert (
        status.get_attribute("role") == "status" and status.get_attribute("aria-live") == "polite"
    )
    page.keyboard.press("Tab")  # the submit button, then the first result
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#search-results') !== null")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == found[0]["url"]
    page.context.close()


def test_search_pages_with_results_pass_axe_and_the_nu_html_checker(
    browser: Any, demo_server: str, tmp_path: Path
) -> None:
    if not AXE.exists():
        pytest.skip("node_modules/axe-core is missing: run `make test` (npm ci)")
    jar = ROOT / "node_modules/vnu-jar/build/dist/vnu.jar"
    if not jar.exists():
        pytest.skip("node_modules/vnu-jar is missing: run `make test` (npm ci)")
    java = require("java")
    for lang, width in [(lang, width) for lang in ("ru", "tt") for width in (360, 1280)]:
        path = {"ru": "/search/?q=школа", "tt": "/tt/search/?q=мәктәп"}[lang]
        page, _ = open_search(browser, demo_server + path, width)
        assert results(page)
        # The page as the reader has it, results included (before axe adds itself).
        (tmp_path / f"{lang}-{width}.html").write_text(page.content(), encoding="utf-8")
        page.add_script_tag(path=str(AXE))
        report = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        assert not [v["id"] for v in report["violations"]], report["violations"]
        page.context.close()
    checked = subprocess.run(
        [java, "-jar", str(jar), "--format", "json", "--stdout", "--errors-only", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert not json.loads(checked.stdout)["messages"], checked.stdout


def test_one_search_transfers_little(browser: Any, demo_server: str) -> None:
    """What a reader's phone downloads for its first search beyond the page itself."""
    page, responses = open_search(browser, demo_server + "/search/")
    before = len(responses)
    page.fill("#search-input", "школа")
    page.keyboard.press("Enter")
    results(page)
    spent = sum(len(r.body()) for r in responses[before:] if r.ok)
    assert 0 < spent < 200_000, spent
    page.context.close()
