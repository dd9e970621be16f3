"""Russian and Tatar typography (no library does it for Tatar).

Authors type straight quotes and hyphens; readers get «ёлочки» with „лапки“ inside, an em
dash with a non-breaking space before it, non-breaking spaces after short words, in
«№ 5», «2024 г.» and between initials and surname. Only text is touched: never tags,
attributes, URLs, or what is inside code, pre, script, style, kbd or samp.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
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
SEP = "\x1f"  # joins the text pieces of a fragment (see typograph_html)
DIALOGUE = ("^[-–]", r"^(?:-{1,3}|–)(?=[ \t])", "—")  # a dash opening a line of dialogue
# (what the text must hold for the rule to apply, pattern, replacement). The first
# regex only finds a necessary condition, cheaply (most rules start with a lookbehind,
# which the regex engine tries at every position): most texts skip most rules.
RULES = [
    (r"-(?<=[ \t]-)", r"(?<=\S)[ \t]+(?:-{1,3})(?=[ \t])", NBSP + "—"),  # word - word
    ("–(?<=[ \t]–)", r"(?<=\S)[ \t]+–(?=[ \t])", NBSP + "—"),
    ("—(?<=[ \t]—)", r"(?<=\S)[ \t]+—(?=[ \t])", NBSP + "—"),
    DIALOGUE,
    (r"-(?<=\d-)[12]", r"\b(1\d{3}|20\d{2})-(1\d{3}|20\d{2})\b", r"\1–\2"),  # 1941-1945
    ("№", r"№[ \t]*(?=\d)", "№" + NBSP),
    (
        r"\d[ \t]",
        r"(?<=\d)[ \t]+(?=(?:гг?|млн|млрд|тыс|руб|км|кг)\.?(?![" + LOWER + r"]))",
        NBSP,
    ),
    (
        rf"\.(?<=[{UPPER}]\.)[ \t]",
        rf"\b([{UPPER}])\.[ \t]+(?=[{UPPER}])",
        r"\1." + NBSP,
    ),  # А. Р. Гарипова
    (
        rf"\.(?<=[{UPPER}]\.)[ \t\u00a0]?[{UPPER}]\.",
        rf"(?<=[{LOWER}])[ \t]+(?=[{UPPER}]\.[ \t\u00a0]?[{UPPER}]\.)",
        NBSP,
    ),
]
Rule = tuple[Callable[[str], object], re.Pattern[str], str]


def _compiled(hint: str, rule: str, replacement: str) -> Rule:
    return re.compile(hint).search, re.compile(rule), replacement


COMPILED = [_compiled(*rule) for rule in RULES]
# Joined, a piece also starts right after SEP: the dialogue rule once more, there.
AFTER_SEP = _compiled(SEP + "[-–]", SEP + r"(?:-{1,3}|–)(?=[ \t])", SEP + "—")
COMPILED_JOINED = [
    new for rule in RULES for new in [_compiled(*rule), AFTER_SEP][: 2 if rule is DIALOGUE else 1]
]
# Could a tag start or end a part that is left alone? (What _track looks for, as a regex.)
SKIP_TAG = re.compile(
    r"<\s*/?\s*(?:"
    + "|".join("".join(f"[{c}{c.upper()}]" for c in name) for name in sorted(SKIP))
    + ")(?![a-zA-Z0-9])"
)


@dataclass
class _Quotes:
    """Quote depth carried across the text pieces of one fragment."""

    depth: int = 0

    def replace(self, text: str) -> str:
        parts = text.split('"')
        out = [parts[0]]
        index = len(parts[0])  # of the quote before each following part
        for part in parts[1:]:
            before = text[index - 1] if index else " "
            opening = before.isspace() or before in "([{«„-—–/" or self.depth == 0
            out.append(self._open() if opening and not self._closes(text, index) else self._close())
            out.append(part)
            index += len(part) + 1
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
    return _short_words(_rules(text, _Quotes(), COMPILED), lang)


def typograph_html(html: str, lang: str) -> str:
    """An HTML fragment: only text between tags changes.

    The rules run once over the fragment's text pieces joined by SEP, not once per
    piece: SEP is whitespace that no rule matches, so to every rule it is what the
    start or end of a piece is (tests/unit/test_typography.py checks both ways)."""
    pieces = TOKEN.split(html)
    chosen = _text_pieces(pieces, track=bool(SKIP_TAG.search(html)))
    if not chosen:
        return html
    texts = [pieces[i] for i in chosen]
    done = _piecewise(texts, lang) if SEP in html else _joined(texts, lang)
    for i, text in zip(chosen, done, strict=True):
        pieces[i] = text
    return "".join(pieces)


def _piecewise(texts: list[str], lang: str) -> list[str]:
    quotes = _Quotes()  # a quote opened in one piece closes in another
    return [_short_words(_rules(text, quotes, COMPILED), lang) for text in texts]


def _joined(texts: list[str], lang: str) -> list[str]:
    """What _piecewise gives, in one pass of each rule (texts must not hold SEP)."""
    if not texts:
        return []
    joined = _rules(SEP.join(texts), _Quotes(), COMPILED_JOINED)
    return _short_words(joined, lang, SEP).split(SEP)


def _text_pieces(pieces: list[str], track: bool) -> list[int]:
    """Indexes of the text pieces to typograph: not tags, not inside code, pre, script..."""
    if not track:  # no such element in the fragment
        return [i for i, piece in enumerate(pieces) if piece and piece[0] != "<"]
    skipping: list[str] = []
    chosen = []
    for i, piece in enumerate(pieces):
        if piece.startswith("<"):
            _track(piece, skipping)
        elif piece and not skipping:
            chosen.append(i)
    return chosen


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


def _rules(text: str, quotes: _Quotes, rules: list[Rule]) -> str:
    if '"' in text:
        text = quotes.replace(text)
    for hint, pattern, replacement in rules:
        if hint(text):
            text = pattern.sub(replacement, text)
    return text


SHORT_SETS = {lang: frozenset(words) for lang, words in SHORT_WORDS.items()}
OPENERS = '«„"(['


def _short_words(text: str, lang: str, sep: str = "") -> str:
    """No line break after a short word: a part between spaces (or seps, which are never
    glued) that is one, openers aside. Python work only for the few parts that may be
    one: a loose match first, over the whole text."""
    words = SHORT_SETS.get(lang)
    if not words or " " not in text:
        return text
    spaced = text.replace(sep, " ") if sep else text
    loose = spaced.lower()
    for opener in OPENERS:
        loose = loose.replace(opener, "")  # everywhere: may find too much, never too little
    candidates = loose.split(" ")  # lower() and replace() keep every space: aligned
    maybe = [i for i, part in enumerate(candidates[:-1]) if part in words]
    if not maybe:
        return text
    parts = spaced.split(" ")
    ends = list(itertools.accumulate(map(len, parts)))
    runs, start = [], 0
    for i in maybe:
        space = ends[i] + i  # the offset of the space after part i
        if text[space] == " " and _glues(parts, i, words):
            runs.append(text[start:space])
            start = space + 1
    runs.append(text[start:])
    return NBSP.join(runs)


def _glues(parts: list[str], i: int, words: frozenset[str]) -> bool:
    after = parts[i + 1][:1]
    return (
        parts[i].lstrip(OPENERS).lower() in words
        and after != ""
        and (after.isalnum() or after in OPENERS)
    )
