"""The CMS's JavaScript slugs (generator/cms/khabar-cms.js) equal generator/slugs.py's, over
many strings, run in Chromium: an article's URL is the same whichever of them made it."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.admin import SCRIPT
from generator.slugs import slugify

TITLES = [
    "Чистай районында яңа мәктәп ачылды",
    "В Чистополе открыли новую школу на 1100 мест",
    "Мәсьәләгә бер караш",
    "ҺӘМ ҮҢҖӨ — «кавычки» и ёлки",
    "Café déjà vu № 5 ½ ﬁnal",
    "",
    "---",
    "a" * 200,
    "слово " * 30,
]
# What titles are made of: Russian and Tatar Cyrillic, Latin with diacritics, digits,
# punctuation and spaces, combining marks, ligatures and fractions, a few emoji.
LETTERS = st.one_of(
    st.sampled_from("абвгдеёжзийклмнопрстуфхцчшщъыьэюяәөүҗңһАБВЁЖЙЩЪЭЮЯӘӨҮҖҢҺ"),
    st.characters(min_codepoint=0x20, max_codepoint=0x24F),
    st.characters(min_codepoint=0x300, max_codepoint=0x36F),
    st.characters(min_codepoint=0x400, max_codepoint=0x52F),
    st.characters(min_codepoint=0x2000, max_codepoint=0x215F),
    st.sampled_from("ﬁﬂ²³¹👍❤️😂🇷🇺\u00a0\t\n"),
)


def _page(browser: Any, timezone: str = "Europe/Moscow") -> Any:
    page = browser.new_page()
    settings_json = json.dumps({"folder": "content", "locales": ["ru", "tt"], "timezone": timezone})
    page.set_content(f'<script type="application/json" id="khabar-cms">{settings_json}</script>')
    page.add_script_tag(path=str(SCRIPT))
    return page


def _js(page: Any, texts: list[str]) -> list[str]:
    result: list[str] = page.evaluate("texts => texts.map(t => window.khabarSlugify(t))", texts)
    return result


def test_known_titles(browser: Any) -> None:
    page = _page(browser)
    try:
        assert _js(page, TITLES) == [slugify(t) for t in TITLES]
        assert _js(page, TITLES[:1]) == ["chistay-rayonynda-yana-maktap-achyldy"]
    finally:
        page.close()


def test_many_strings(browser: Any) -> None:
    page = _page(browser)

    @settings(max_examples=150, deadline=None)
    @given(st.lists(st.text(LETTERS, max_size=120), min_size=1, max_size=40))
    def same(texts: list[str]) -> None:
        assert _js(page, texts) == [slugify(t) for t in texts]

    try:
        same()
    finally:
        page.close()


def test_dates_are_on_the_sites_clock(browser: Any) -> None:
    """Whatever the editor's computer says (here New York), dates show and are written on
    the site's clock, with the offset of that day (Berlin: summer +02:00, winter +01:00)."""
    context = browser.new_context(timezone_id="America/New_York")
    page = context.new_page()
    settings_json = json.dumps(
        {"folder": "content", "locales": ["ru"], "timezone": "Europe/Berlin"}
    )
    page.set_content(f'<script type="application/json" id="khabar-cms">{settings_json}</script>')
    page.add_script_tag(path=str(SCRIPT))
    convert = "([kind, value]) => window.khabarSiteTime[kind](value)"
    cases = [
        ("stored", "2026-07-01T10:30", "2026-07-01T10:30:00+02:00"),
        ("stored", "2026-01-15T10:30", "2026-01-15T10:30:00+01:00"),
        ("stored", "", ""),
        ("input", "2026-07-01T08:30:00Z", "2026-07-01T10:30"),
        ("input", "2026-03-08T10:30:00+03:00", "2026-03-08T08:30"),
        ("input", "2026-03-08T10:30:00+0300", "2026-03-08T08:30"),
        ("input", "2026-03-08", "2026-03-08T00:00"),
        ("input", "2026-03-08 10:30", "2026-03-08T10:30"),
        ("input", "not a date", ""),
    ]
    try:
        for kind, value, expected in cases:
            assert page.evaluate(convert, [kind, value]) == expected, (kind, value)
    finally:
        context.close()
