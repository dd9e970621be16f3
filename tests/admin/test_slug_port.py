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


def _page(browser: Any) -> Any:
    page = browser.new_page()
    settings_json = json.dumps({"folder": "content", "locales": ["ru", "tt"]})
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
