"""Python-Markdown doing less work for the same output.

Python-Markdown tries every inline pattern on every piece of text and every block
processor on every block, in Python, although most patterns need a character that most
text never holds (`[` for a link, `<` for raw HTML, `` ` `` for code). This module skips a
pattern or processor only where the text lacks what its own regular expression must
find, so the output is byte for byte the library's (tests/unit/test_mdtune.py compares
the two on constructs of every kind). It changes no rule of Markdown.

Skips work at three levels:
- inline patterns, per piece of text: the pattern's trigger must be in the text;
- block processors, per block: the trigger must be in the block;
- whole processors, per document: a preprocessor or tree processor that has nothing to
  do unless the document holds its trigger (fenced code, raw HTML, attribute lists,
  backslash escapes, the table of contents marker, lines of spaces).

It relies on internals of Python-Markdown: the inline processor's private loop
(`_InlineProcessor__handleInline`), the block parser's `parseBlocks` and the steps of
`NormalizeWhitespace.run`. They have kept their shape since version 3.0; the comparison
tests with the plain library catch any change.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import markdown
from markdown import util
from markdown.blockparser import BlockParser
from markdown.extensions.toc import TocTreeprocessor
from markdown.preprocessors import NormalizeWhitespace
from markdown.treeprocessors import InlineProcessor

Trigger = tuple[str, ...]  # the text must hold one of these for the processor to act


def _holds(text: str, trigger: Trigger) -> bool:
    return any(needle in text for needle in trigger)


# What the text must hold for an inline pattern (by its registered name) to match.
# Names of older versions (`em_strong2`, `not_strong`) are listed too; an unlisted
# pattern is always tried.
INLINE_TRIGGERS: dict[str, Trigger] = {
    "backtick": ("`",),
    "escape": ("\\",),
    "footnote": ("[^",),
    "reference": ("[",),
    "link": ("[",),
    "short_reference": ("[",),
    "image_link": ("![",),
    "image_reference": ("![",),
    "short_image_ref": ("![",),
    "autolink": ("<",),
    "automail": ("<",),
    "linebreak": ("  \n",),
    "html": ("<",),
    "entity": ("&",),
    "not_strong": ("*", "_"),
    "em_strong": ("*", "_"),
    "em_strong2": ("_",),
}

# What a block must hold for a block processor's test to pass (or, for processors whose
# test always passes, for its run to do anything but put the block back).
BLOCK_TRIGGERS: dict[str, Trigger] = {
    "markdown_block": (util.HTML_PLACEHOLDER[:-3],),  # md_in_html: STX + "wzxhzdk:"
    "table": ("|",),
    "hashheader": ("#",),
    "setextheader": ("\n=", "\n-"),
    "hr": ("-", "_", "*"),
    "deflist": (":",),
    "quote": (">",),
    "footnote": ("[^",),
    "abbr": ("*[",),
    "reference": ("]:",),
}

# Whole processors with nothing to do unless the document holds the trigger.
PRE_TRIGGERS: dict[str, Trigger] = {
    "fenced_code_block": ("```", "~~~"),
    # Without `<` or `&` the HTML block extractor gives back its input unchanged.
    "html_block": ("<", "&"),
}
TREE_TRIGGERS: dict[str, Trigger] = {
    "attr_list": ("{",),
    # Escape placeholders come only from backslash escapes.
    "unescape": ("\\",),
}

Table = tuple[tuple[Any, Trigger | None], ...]


class _Inline(InlineProcessor):
    """The inline processor, trying a pattern only on text that holds its trigger."""

    # Python-Markdown looks each pattern up in its registry on every try: a table instead.
    patterns: Table = ()

    def _InlineProcessor__handleInline(self, data: str, index: int = 0) -> str:  # noqa: N802 - the library's private loop
        if isinstance(data, util.AtomicString):
            return data
        apply = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        patterns = self.patterns
        start = 0
        while index < len(patterns):
            pattern, trigger = patterns[index]
            if trigger is not None:  # (inline: this runs hundreds of times per article)
                for needle in trigger:
                    if needle in data:
                        break
                else:
                    index += 1  # no match possible: the same as a miss
                    start = 0
                    continue
            data, matched, start = apply(pattern, data, index, start)
            if not matched:
                index += 1
        return data


def _table(registry: util.Registry[Any], triggers: dict[str, Trigger]) -> Table:
    """(item, its trigger or None) for the registry's items in their order."""
    by_item = {
        id(registry[name]): trigger for name, trigger in triggers.items() if name in registry
    }
    return tuple((item, by_item.get(id(item))) for item in registry)


class _Blocks:
    """`BlockParser.parseBlocks` trying a processor only on blocks that hold its trigger."""

    def __init__(self, parser: BlockParser) -> None:
        self.table = _table(parser.blockprocessors, BLOCK_TRIGGERS)

    def __call__(self, parent: ET.Element, blocks: list[str]) -> None:
        table = self.table
        while blocks:
            for processor, trigger in table:
                if trigger is not None:  # (inline, as in _Inline)
                    for needle in trigger:
                        if needle in blocks[0]:
                            break
                    else:
                        continue
                if processor.test(parent, blocks[0]) and processor.run(parent, blocks) is not False:
                    break


class _Guard:
    """Stands in for a processor's `run`, calling it only for documents that hold its
    trigger. Skipped, a preprocessor gives its lines back; a tree processor returns None
    (the tree stays)."""

    def __init__(self, run: Callable[[Any], Any], trigger: Trigger, preprocessor: bool) -> None:
        self.run = run
        self.trigger = trigger
        self.preprocessor = preprocessor
        self.active = True

    def __call__(self, value: Any) -> Any:
        if self.active:
            return self.run(value)
        return value if self.preprocessor else None


class _Whitespace(NormalizeWhitespace):
    """The library's normalizer, step for step, except that its last regex (which starts
    with a lookbehind, so is tried at every position of the text) runs only when the text
    has a line of spaces to empty."""

    def run(self, lines: list[str]) -> list[str]:
        source = "\n".join(lines)
        source = source.replace(util.STX, "").replace(util.ETX, "")
        source = source.replace("\r\n", "\n").replace("\r", "\n") + "\n\n"
        source = source.expandtabs(self.md.tab_length)
        if " \n" in source:
            source = BLANK_LINE.sub("\n", source)
        return source.split("\n")


BLANK_LINE = re.compile(r"(?<=\n) +\n")


class Toc(TocTreeprocessor):
    """The toc tree processor, building the table of contents only for a document that
    asks for it with the marker. Heading ids and `toc_tokens` are made as always; `md.toc`
    (the table as HTML, which Khabar never shows) is an empty div otherwise."""

    wanted = True

    def build_toc_div(self, toc_list: list[Any]) -> ET.Element:
        return super().build_toc_div(toc_list) if self.wanted else ET.Element("div")

    def replace_marker(self, root: ET.Element, elem: ET.Element) -> None:
        if self.wanted:
            super().replace_marker(root, elem)


class Tuned:
    """A Markdown instance with the skips above; `convert` is the library's. Its
    processors and patterns must not change after this is made."""

    def __init__(self, md: markdown.Markdown) -> None:
        self.md = md
        inline = _Inline(md)
        inline.patterns = _table(md.inlinePatterns, INLINE_TRIGGERS)
        md.treeprocessors.register(inline, "inline", 20)  # the library's own priorities
        md.preprocessors.register(_Whitespace(md), "normalize_whitespace", 30)
        md.parser.parseBlocks = _Blocks(md.parser)  # type: ignore[method-assign]
        self.guards = _guard(md.preprocessors, PRE_TRIGGERS, preprocessor=True)
        self.guards += _guard(md.treeprocessors, TREE_TRIGGERS, preprocessor=False)
        self.toc = next((p for p in md.treeprocessors if isinstance(p, Toc)), None)

    def convert(self, text: str) -> str:
        for guard in self.guards:
            guard.active = _holds(text, guard.trigger)
        if self.toc is not None:
            self.toc.wanted = bool(self.toc.marker) and self.toc.marker in text
        return self.md.reset().convert(text)


def _guard(
    registry: util.Registry[Any], triggers: dict[str, Trigger], preprocessor: bool
) -> list[_Guard]:
    guards = []
    for name, trigger in triggers.items():
        if name in registry:
            processor = registry[name]
            guard = _Guard(processor.run, trigger, preprocessor)
            processor.run = guard  # this instance only
            guards.append(guard)
    return guards
