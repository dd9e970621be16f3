"""The widget in Chromium, on the built demo site, with the endpoint running on its own port."""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Callable, Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from endpoint.settings import Settings
from generator.cli import main
from tests.conftest import NOW, ROOT, Seed, _QuietHandler
from tests.endpoint.conftest import Api, settings_for

ARTICLE_RU = "/news/education/novaya-shkola/"
ARTICLE_TT = "/tt/news/education/yana-maktap/"


@pytest.fixture
def site_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A static server for a copy of the demo site; the test builds into it."""
    out = tmp_path / "public"
    out.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(out))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", out
    server.shutdown()
    server.server_close()


@pytest.fixture
def live(
    tmp_path: Path,
    site_server: tuple[str, Path],
    serve_app: Callable[[Settings], Api],
    seed_cache: Seed,
) -> tuple[str, Api]:
    """The demo site built against a running endpoint on another origin."""
    site_url, out = site_server
    api = serve_app(
        settings_for(f"sqlite:///{tmp_path / 'r.sqlite3'}", allowed_origins=frozenset({site_url}))
    )
    build_against(tmp_path, out, api, seed_cache(tmp_path / "cache"))
    return site_url, api


def build_against(tmp_path: Path, out: Path, api: Api, cache: Path) -> None:
    """Build the demo site into OUT with its endpoint at API (another origin)."""
    root = tmp_path / "site"
    for part in ("content", "static"):
        shutil.copytree(ROOT / part, root / part)
    config = (ROOT / "site.yaml").read_text(encoding="utf-8")
    assert "endpoint: /api/\n" in config
    (root / "site.yaml").write_text(
        config.replace("endpoint: /api/\n", f"endpoint: {api.base}/api/\n"), encoding="utf-8"
    )
    command = ["build", "--site", str(root), "--out", str(out), "--cache", str(cache)]
    assert main([*command, "--now", NOW]) == 0


def open_article(browser: Any, url: str, javascript: bool = True) -> Any:
    context = browser.new_context(
        viewport={"width": 360, "height": 800}, java_script_enabled=javascript
    )
    page = context.new_page()
    page.goto(url, wait_until="load")
    return page


def counts_on(page: Any) -> dict[str, str]:
    return {
        b.get_attribute("data-kind"): b.locator(".reaction-count").inner_text()
        for b in page.locator(".reactions button[data-kind]").all()
    }


def test_a_click_counts_and_a_second_shows_once(browser: Any, live: tuple[str, Api]) -> None:
    site_url, api = live
    page = open_article(browser, site_url + ARTICLE_RU)
    love = page.locator('.reactions button[data-kind="love"]')
    page.wait_for_function("!document.querySelector('.reactions button[data-kind=love]').disabled")
    assert counts_on(page) == {"like": "0", "love": "0", "laugh": "0", "wow": "0", "sad": "0"}
    love.click()
    page.wait_for_function(
        "document.querySelector('.reactions button[data-kind=love] .reaction-count').textContent === '1'"
    )
    assert love.get_attribute("aria-pressed") == "true"
    assert api.counts(ARTICLE_RU)[ARTICLE_RU]["love"] == 1
    page.locator('.reactions button[data-kind="wow"]').click()
    message = page.locator(".reaction-message")
    message.wait_for(state="visible")
    assert message.inner_text() == "К сожалению, реакцию можно поставить не более одного раза :("
    assert api.counts(ARTICLE_RU)[ARTICLE_RU] == {
        "like": 0,
        "love": 1,
        "laugh": 0,
        "wow": 0,
        "sad": 0,
    }
    # A new visit remembers the reader's choice, with no cookie.
    page.reload(wait_until="load")
    page.wait_for_function("!document.querySelector('.reactions button[data-kind=love]').disabled")
    assert (
        page.locator('.reactions button[data-kind="love"]').get_attribute("aria-pressed") == "true"
    )
    assert page.context.cookies() == []
    page.context.close()


def test_endpoint_down_shows_the_down_message_in_tatar(browser: Any, live: tuple[str, Api]) -> None:
    site_url, api = live
    page = open_article(browser, site_url + ARTICLE_TT)
    page.wait_for_function("!document.querySelector('.reactions button[data-kind=like]').disabled")
    page.locator('.reactions button[data-kind="like"]').click()
    page.wait_for_function(
        "document.querySelector('.reactions button[data-kind=like] .reaction-count').textContent === '1'"
    )
    page.locator('.reactions button[data-kind="sad"]').click()
    page.locator(".reaction-message").wait_for(state="visible")
    assert (
        page.locator(".reaction-message").inner_text()
        == "Кызганычка каршы, реакцияне бер генә тапкыр куеп була :("
    )
    api.stop()
    down = "Без хезмәтебезне яхшырту өстендә эшлибез"
    # A click while the endpoint is down...
    page.locator('.reactions button[data-kind="wow"]').click()
    page.wait_for_function(f"document.querySelector('.reaction-message').textContent === '{down}'")
    page.context.close()
    # ...and a new visit (no cached counts) both say so, in Tatar; the page stays whole.
    fresh = open_article(browser, site_url + ARTICLE_TT)
    message = fresh.locator(".reaction-message")
    message.wait_for(state="visible")
    assert message.inner_text() == down
    assert fresh.locator("h1").inner_text().startswith("Чистайда")
    assert all(b.is_disabled() for b in fresh.locator(".reactions button[data-kind]").all())
    fresh.context.close()


def test_without_javascript_the_page_stays_whole(browser: Any, live: tuple[str, Api]) -> None:
    site_url, _ = live
    page = open_article(browser, site_url + ARTICLE_RU, javascript=False)
    buttons = page.locator(".reactions button[data-kind]")
    assert buttons.count() == 5
    assert all(b.is_disabled() for b in buttons.all())
    # Comments need the endpoint to be read, but the form is there and says why the list is not.
    comments = page.locator(".comments")
    assert (
        "Комментарии читателей видны, когда в браузере включён JavaScript." in comments.inner_text()
    )
    assert page.locator(".comment-form #comment-text").is_visible()
    page.context.close()


def test_list_pages_get_counts_in_one_batched_get(browser: Any, live: tuple[str, Api]) -> None:
    site_url, api = live
    import uuid

    assert api.react(ARTICLE_RU, "like", str(uuid.uuid4()), Origin=site_url).status == 201
    assert api.react(ARTICLE_RU, "wow", str(uuid.uuid4()), Origin=site_url).status == 201
    context = browser.new_context()
    page = context.new_page()
    gets: list[str] = []
    page.on("request", lambda r: gets.append(r.url) if "/api/reactions" in r.url else None)
    page.goto(site_url + "/", wait_until="networkidle")
    assert len(gets) == 1 and gets[0].count("page=") >= 10
    card = page.locator(f'.listing .card-reactions[data-page="{ARTICLE_RU}"]')
    card.wait_for(state="visible")
    assert card.inner_text() == "2 реакции"
    context.close()
