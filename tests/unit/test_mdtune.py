"""The tuned Markdown engine gives exactly what plain Python-Markdown gives.

Each construct below is what one skipped pattern or processor exists for: the tests check
that it still works when its trigger is there (the HTML proves the construct was
recognised) and that the tuned engine's output equals the library's byte for byte.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import markup, mdtune
from generator.markup import _TargetsExtension

PATH = "content/ru/2026/a.md"


def _convert(md: Any, targets: _TargetsExtension, text: str) -> tuple[Any, ...]:
    assert targets.processor is not None
    targets.processor.source = PATH
    html = md.convert(text) if isinstance(md, mdtune.Tuned) else md.reset().convert(text)
    engine = md.md if isinstance(md, mdtune.Tuned) else md
    processor = targets.processor
    return html, engine.toc_tokens, list(processor.links), list(processor.images)


def both(text: str) -> str:
    """The tuned engine's HTML, after checking that plain Python-Markdown gives the same."""
    tuned = _convert(*markup._engine(), text)
    plain = _convert(*_plain(), text)
    assert tuned == plain
    return str(tuned[0])


_PLAIN: list[tuple[Any, _TargetsExtension]] = []


def _plain() -> tuple[Any, _TargetsExtension]:
    if not _PLAIN:
        _PLAIN.append(markup.plain_engine())
    return _PLAIN[0]


# (Markdown, a piece of the HTML that shows the construct was recognised)
CONSTRUCTS = [
    ("Код `print()` в строке.", "<code>print()</code>"),
    (r"Не \*курсив\* и \[не ссылка\].", "*курсив*"),
    ("Сноска[^1].\n\n[^1]: Текст сноски.", 'class="footnote"'),
    ('[Ссылка][ref] и [ref].\n\n[ref]: https://example.org/ "Заголовок"', 'title="Заголовок"'),
    ("[Школа](school.md) и [сайт](https://example.org/).", 'href="khabar-md:content/ru/2026/'),
    ("![Фото](images/a.jpg) и ![Ссылочное][img]\n\n[img]: /images/b.png", 'src="khabar-root:'),
    ("Адрес <https://example.org/> и <info@example.org>.", '<a href="https://example.org/">'),
    ("Первая строка  \nвторая строка.", "<br>"),
    ('Видео: <span class="x">встроено</span>.', '<span class="x">'),
    ("Знак &copy; и &#169; и AT&T.", "&copy;"),
    ("*Курсив*, **жирный**, _подчёркнутый_ и __ещё__.", "<strong>жирный</strong>"),
    ("| a | b |\n|---|---|\n| 1 | 2 |", "<td>1</td>"),
    ("| один |\n| --- |\n| 1 |", "<th>один</th>"),
    ("# Заголовок\n\n## Подзаголовок ##", '<h2 id="podzagolovok">'),
    ("Заголовок\n=========\n\nЕщё\n---", "<h1 "),
    ("Текст\n\n***\n\n- - -\n\n___", "<hr>"),
    ("Термин\n:   Определение", "<dd>"),
    ("> Цитата\n> > вложенная", "<blockquote>\n<p>вложенная"),
    ("*[ГИБДД]: Госавтоинспекция\n\nСообщили в ГИБДД.", '<abbr title="Госавтоинспекция">'),
    ('<div markdown="1">\n*внутри*\n</div>', "<em>внутри</em>"),
    ("<div>\n*сырой HTML*\n</div>", "*сырой HTML*"),
    ("```python\nx = '<b>'\n```", "&lt;b&gt;"),
    ("~~~\nкод\n~~~", "<pre><code>код"),
    ("    отступ — код", "<pre><code>"),
    ("Абзац.\n{: #main .lead }", 'id="main"'),
    ("## Раздел {: #own-id }", 'id="own-id"'),
    ("[TOC]\n\n## Первый\n\n## Второй", 'class="toc"'),
    ("1. раз\n2. два\n    * вложенный\n\n* три", "<ol>"),
    ("Текст <!-- комментарий --> дальше.", "<!-- комментарий -->"),
    ("Строка\r\nвторая\r\n   \r\n\tкод", "<pre><code>код"),  # CRLF, spaces-only line, tab
]


@pytest.mark.parametrize(("text", "shows"), CONSTRUCTS)
def test_each_construct_renders_as_in_python_markdown(text: str, shows: str) -> None:
    assert shows in both(text)


def test_all_constructs_in_one_document() -> None:
    html = both("\n\n".join(text for text, _ in CONSTRUCTS))
    for _, shows in CONSTRUCTS:
        assert shows in html


def test_the_table_of_contents_is_built_only_for_its_marker() -> None:
    tuned, _ = markup._engine()
    tuned.convert("## Один\n\n## Два\n")
    assert tuned.md.toc == "<div></div>"  # type: ignore[attr-defined]
    assert [t["id"] for t in tuned.md.toc_tokens] == ["odin", "dva"]  # type: ignore[attr-defined]
    html = tuned.convert("[TOC]\n\n## Один\n")
    assert '<div class="toc">' in html
    assert '<a href="#odin">Один</a>' in html


def test_patterns_are_tried_only_on_text_with_their_trigger() -> None:
    tuned, _ = markup._engine()
    tried: Counter[str] = Counter()
    patterns = tuned.md.inlinePatterns
    originals = {name: patterns[name].getCompiledRegExp for name in ("link", "entity", "html")}
    for name, original in originals.items():
        patterns[name].getCompiledRegExp = lambda n=name, o=original: (tried.update([n]), o())[1]
    try:
        tuned.convert("Простой абзац без разметки.\n\nЕщё один.\n")
        assert tried == Counter()
        html = tuned.convert("Абзац со [ссылкой](https://example.org/) &amp; <b>HTML</b>.\n")
    finally:
        for name in originals:
            del patterns[name].getCompiledRegExp
    assert set(tried) == {"link", "entity", "html"}
    assert '<a href="https://example.org/">ссылкой</a>' in html and "<b>HTML</b>" in html


# Random documents: lines of Markdown block syntax holding text drawn from the characters
# that trigger something, so that any pattern may or may not find what it needs.
ALPHABET = "аб cd 12 []()!<>&*_`\\#|:{}^~=-.\"'/@\n  \t"
PIECES = [
    "# ", "## ", "- ", "* ", "1. ", "> ", "    ", ":   ", "| a | b |\n|---|---|\n| ",
    "```\n", "~~~\n", "[^1]", "[^1]: ", "*[HTML]: ", "[r]: http://x.ru/ ", "[r]", "![i](p.jpg)",
    "[l](a.md)", "<div markdown=\"1\">\n", "</div>\n", "<b>", "</b>", "&amp;", "&#1;", "{: .c }",
    "[TOC]", "\n===\n", "\n---\n", "***\n", "<https://x.ru/>", "<a@b.ru>", "  \n", "\\", "\n\n", " \n", "\r\n", "\t",
]  # fmt: skip
documents = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(alphabet=ALPHABET, max_size=12)), max_size=40
).map("".join)


# database=None: Hypothesis saves no examples into the repository.
@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(documents)
def test_random_documents_render_as_in_python_markdown(text: str) -> None:
    both(text)
