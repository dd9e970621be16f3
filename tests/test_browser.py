"""The demo site in a real browser: accessibility (axe-core), layout at 360 and 1280 px,
and no request leaving for another origin. Screenshots land in test-artifacts/."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT
from tests.htmlscan import pages

AXE = ROOT / "node_modules/axe-core/axe.min.js"
SHOTS = ROOT / "test-artifacts" / "screenshots"
PAGES = [
    "/", "/news/education/novaya-shkola/", "/news/society/", "/tags/shkola/", "/archive/2026/11/",
    "/archive/", "/404.html",
    "/tt/", "/tt/news/education/yana-maktap/", "/tt/news/society/", "/tt/tags/maktap/",
    "/tt/archive/2026/11/", "/tt/archive/", "/tt/404.html",
]  # fmt: skip


def open_page(browser: Any, url: str, width: int) -> tuple[Any, list[str]]:
    context = browser.new_context(viewport={"width": width, "height": 800}, device_scale_factor=1)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(url, wait_until="load")
    return page, requested


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violations(browser: Any, demo_server: str, path: str) -> None:
    if not AXE.exists():
        pytest.skip("node_modules/axe-core is missing: run `make test` (npm ci)")
    for width in (360, 1280):
        page, requested = open_page(browser, demo_server + path, width)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not serious, f"{path} at {width}px: {serious}"
        foreign = [u for u in requested if urlsplit(u).netloc != urlsplit(demo_server).netloc]
        assert not foreign, foreign
        page.context.close()


@pytest.mark.parametrize("lang", ["ru", "tt"])
@pytest.mark.parametrize("width", [360, 1280])
def test_article_reads_well_and_is_photographed(
    browser: Any, demo_server: str, lang: str, width: int
) -> None:
    path = {"ru": "/news/education/novaya-shkola/", "tt": "/tt/news/education/yana-maktap/"}[lang]
    page, _ = open_page(browser, demo_server + path, width)
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"horizontal scrolling at {width}px: {overflow}px wide"
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.body p')).fontSize)")
    assert size >= 16
    switch = page.locator(".lang-switch a")
    assert switch.count() == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / f"article-{lang}-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    # The switch leads to the translation of the same article.
    switch.click()
    page.wait_for_load_state("load")
    other = {"ru": "/tt/news/education/yana-maktap/", "tt": "/news/education/novaya-shkola/"}[lang]
    assert urlsplit(page.url).path == other
    assert page.locator("html").get_attribute("lang") == ("tt" if lang == "ru" else "ru")
    page.context.close()


def test_missing_page_is_the_404(browser: Any, demo_server: str) -> None:
    page, _ = open_page(browser, demo_server + "/404.html", 360)
    assert page.locator("h1").inner_text() == "Страница не найдена"
    page.context.close()


def test_screenshots_path_is_ignored_by_git() -> None:
    assert "/test-artifacts/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_every_page_of_the_demo_passes_axe_on_a_phone(
    browser: Any, demo_server: str, demo_site: Any
) -> None:
    """Beyond the sample above at two widths: every page of both languages at 360 px."""
    if not AXE.exists():
        pytest.skip("node_modules/axe-core is missing: run `make test` (npm ci)")
    context = browser.new_context(viewport={"width": 360, "height": 800})
    page = context.new_page()
    failures = []
    paths = sorted(p.relative_to(demo_site).as_posix() for p in pages(demo_site))
    assert len(paths) > 90
    for path in paths:
        page.goto(f"{demo_server}/{path}", wait_until="load")
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        failures += [
            f"{path}: {v['id']} ({v['impact']})"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
    context.close()
    assert not failures, failures[:20]
