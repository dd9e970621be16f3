"""Russian and Tatar typography (no library does it for Tatar).

Authors type straight quotes and hyphens; readers get «ёлочки» with „лапки“ inside, an em
dash with a non-breaking space before it, non-breaking spaces after short words, in
«№ 5», «2024 г.» and between initials and surname. Only text is touched: never tags,
attributes, URLs, or what is inside code, pre, script, style, kbd or samp.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

NBSP = "\u00a0"
# Words after which a line must not break: prepositions, conjunctions, particles.
SHORT_WORDS = {
    "ru": (
        "а в во да до же за и из к ко ли на над не ни но о об обо от по под при про с со "
        "то у я без для как что"
    ).split(),
    "tt": "а ә в и к о у һәм да дә та тә ул бу бер ни не юк".split(),
}
SKIP = {"code", "pre", "script", "style", "kbd", "samp", "textarea", "math", "svg"}
TOKEN = re.compile(r"(<!--.*?-->|<[^>]*>)", re.S)
TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z0-9]+)")
UPPER = "А-ЯЁӘӨҮҖҢҺ"
LOWER = "а-яёәөүҗңһ"
# (a character the text must hold for the rule to apply, pattern, replacement): the
# cheap `in` test skips most of the regex work on the thousands of small text pieces.
RULES = [
    ("-", re.compile(r"(?<=\S)[ \t]+(?:-{1,3})(?=[ \t])"), NBSP + "—"),  # word - word
    ("–", re.compile(r"(?<=\S)[ \t]+–(?=[ \t])"), NBSP + "—"),
    ("—", re.compile(r"(?<=\S)[ \t]+—(?=[ \t])"), NBSP + "—"),
    ("-", re.compile(r"^(?:-{1,3}|–)(?=[ \t])"), "—"),  # a dash opening a line of dialogue
    ("-", re.compile(r"\b(1\d{3}|20\d{2})-(1\d{3}|20\d{2})\b"), r"\1–\2"),  # 1941-1945
    ("№", re.compile(r"№[ \t]*(?=\d)"), "№" + NBSP),
    (
        " ",
        re.compile(r"(?<=\d)[ \t]+(?=(?:гг?|млн|млрд|тыс|руб|км|кг)\.?(?![" + LOWER + r"]))"),
        NBSP,
    ),
    (".", re.compile(rf"\b([{UPPER}])\.[ \t]+(?=[{UPPER}])"), r"\1." + NBSP),  # А. Р. Гарипова
    (".", re.compile(rf"(?<=[{LOWER}])[ \t]+(?=[{UPPER}]\.[ \t\u00a0]?[{UPPER}]\.)"), NBSP),
]


@dataclass
class _Quotes:
    """Quote depth carried across the text pieces of one fragment."""

    depth: int = 0

    def replace(self, text: str) -> str:
        out = []
        for index, char in enumerate(text):
            if char != '"':
                out.append(char)
                continue
            before = text[index - 1] if index else " "
            opening = before.isspace() or before in "([{«„-—–/" or self.depth == 0
            out.append(self._open() if opening and not self._closes(text, index) else self._close())
        return "".join(out)

    def _closes(self, text: str, index: int) -> bool:
        after = text[index + 1] if index + 1 < len(text) else " "
        ends_word = after.isspace() or after in ".,;:!?)…»“"
        return self.depth > 0 and ends_word and text[index - 1 : index] != " "

    def _open(self) -> str:
        self.depth += 1
        return "«" if self.depth == 1 else "„"

    def _close(self) -> str:
        if self.depth == 0:
            return "»"
        self.depth -= 1
        return "»" if self.depth == 0 else "“"


def typograph(text: str, lang: str) -> str:
    """Plain text (a title, a lead): the result still needs HTML escaping."""
    return _text(text, lang, _Quotes())


def typograph_html(html: str, lang: str) -> str:
    """An HTML fragment: only text between tags changes."""
    quotes = _Quotes()
    skipping: list[str] = []
    out = []
    for piece in TOKEN.split(html):
        if piece.startswith("<"):
            _track(piece, skipping)
            out.append(piece)
        elif piece and not skipping:
            out.append(_text(piece, lang, quotes))
        else:
            out.append(piece)
    return "".join(out)


def _track(tag: str, skipping: list[str]) -> None:
    match = TAG_NAME.match(tag)
    if not match or tag.endswith("/>"):
        return
    closing, name = match.group(1) == "/", match.group(2).lower()
    if name in SKIP:
        if closing and name in skipping:
            skipping.remove(name)
        elif not closing:
            skipping.append(name)


def _text(text: str, lang: str, quotes: _Quotes) -> str:
    if '"' in text:
        text = quotes.replace(text)
    for trigger, pattern, replacement in RULES:
        if trigger in text:
            text = pattern.sub(replacement, text)
    return _short_words(text, lang)


SHORT_SETS = {lang: frozenset(words) for lang, words in SHORT_WORDS.items()}
OPENERS = '«„"(['


def _short_words(text: str, lang: str) -> str:
    """No line break after a short word: a split on spaces beats a regex here by far."""
    words = SHORT_SETS.get(lang)
    if not words or " " not in text:
        return text
    parts = text.split(" ")
    out = [parts[0]]
    for previous, part in itertools.pairwise(parts):
        bare = previous.lstrip(OPENERS).lower()
        glue = bare in words and part[:1] != "" and (part[0].isalnum() or part[0] in OPENERS)
        out.append((NBSP if glue else " ") + part)
    return "".join(out)
