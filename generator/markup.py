"""Markdown bodies: Python-Markdown with the extensions a newsroom needs.

Raw HTML stays allowed (editors embed video players). Links and images are rewritten to
placeholders that the site resolves later, so this stage depends on one file only.
"""

from __future__ import annotations

import itertools
import os
import posixpath
import re
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import markdown
from markdown.extensions import Extension
from markdown.extensions.toc import TocExtension
from markdown.postprocessors import Postprocessor
from markdown.treeprocessors import Treeprocessor

from generator import mdtune
from generator.errors import Collector
from generator.model import Heading, Link
from generator.slugs import anchor

MD_LINK = "khabar-md:"  # href="khabar-md:content/ru/x.md#part" -> that article's URL
ROOT_LINK = "khabar-root:"  # href="khabar-root:/images/x.jpg" -> under the site's base path
WORD = re.compile(r"\w+")
TAG = re.compile(r"<[^>]+>")
RAW_IMG_SRC = re.compile(r'(<img\b[^>]*?\ssrc=")(/[^/"][^"]*)"', re.I)  # a site path, not //host


@dataclass(frozen=True)
class Rendered:
    html: str
    links: tuple[Link, ...]
    root_links: tuple[Link, ...]
    images: tuple[tuple[str, int], ...]
    headings: tuple[Heading, ...]
    words: int


class _Targets(Treeprocessor):
    """Collects and rewrites the internal targets of one document."""

    source = ""
    links: list[tuple[str, str]]  # (target source path, raw href)
    roots: list[tuple[str, str]]  # (site path, raw href)
    images: list[tuple[str, str]]  # (path under static/, raw src)

    def reset(self) -> None:
        # Also for a blank body, where Markdown runs no tree processor at all.
        self.links, self.roots, self.images = [], [], []

    def run(self, root: ET.Element) -> None:
        self.reset()
        for element in root.iter():
            if element.tag == "a" and element.get("href"):
                element.set("href", self._href(element.get("href", "")))
            elif element.tag == "img" and element.get("src"):
                element.set("src", self._src(element.get("src", "")))

    def _href(self, href: str) -> str:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path:
            return href
        if parts.path.startswith("/"):
            self.roots.append((unquote(parts.path), href))
            return ROOT_LINK + href
        if parts.path.endswith(".md"):
            folder = posixpath.dirname(self.source)
            target = posixpath.normpath(posixpath.join(folder, unquote(parts.path)))
            self.links.append((target, href))
            return MD_LINK + target + (f"#{parts.fragment}" if parts.fragment else "")
        return href

    def _src(self, src: str) -> str:
        parts = urlsplit(src)
        if parts.scheme or parts.netloc:
            return src
        path = unquote(parts.path).lstrip("/")
        self.images.append((path, src))
        return f"{ROOT_LINK}/{path}"


class _RawImages(Postprocessor):
    """<img src="/images/x.jpg"> written as raw HTML is a photo of the site like a Markdown
    image: checked, and published as resized variants."""

    def __init__(self, targets: _Targets) -> None:
        super().__init__()
        self.targets = targets

    def run(self, text: str) -> str:
        def placeholder(match: re.Match[str]) -> str:
            src = match.group(2)
            path = unquote(urlsplit(src).path).lstrip("/")
            self.targets.images.append((path, src))
            return f'{match.group(1)}{ROOT_LINK}/{path}"'

        return RAW_IMG_SRC.sub(placeholder, text)


class _TargetsExtension(Extension):
    def __init__(self) -> None:
        super().__init__()
        self.processor: _Targets | None = None

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API
        self.processor = _Targets(md)
        md.registerExtension(self)  # so that md.reset() calls self.reset()
        # After inline patterns (priority 20) so links exist; before prettify.
        md.treeprocessors.register(self.processor, "khabar_targets", 15)
        # After raw HTML is put back (priority 30).
        md.postprocessors.register(_RawImages(self.processor), "khabar_raw_images", 5)

    def reset(self) -> None:
        if self.processor is not None:
            self.processor.reset()


# By module, not by short name: a short name is looked up in the installed packages'
# metadata, which the editors' preview (generator/preview.py, in Pyodide) does not carry.
EXTENSIONS = tuple(
    f"markdown.extensions.{name}"
    for name in (
        "tables", "attr_list", "fenced_code", "footnotes", "def_list", "abbr", "sane_lists",
        "md_in_html",
    )
)  # fmt: skip


class _TocExtension(TocExtension):
    TreeProcessorClass = mdtune.Toc


def _markdown(toc: type[TocExtension]) -> tuple[markdown.Markdown, _TargetsExtension]:
    targets = _TargetsExtension()
    extensions: list[str | Extension] = [*EXTENSIONS, toc(slugify=anchor, toc_depth="2-4")]
    extensions.append(targets)
    return markdown.Markdown(extensions=extensions, output_format="html"), targets


def plain_engine() -> tuple[markdown.Markdown, _TargetsExtension]:
    """Python-Markdown as Khabar configures it, without the skips of `mdtune`: what the
    tests compare the tuned engine with."""
    return _markdown(TocExtension)


# One engine, used by one thread at a time: a Markdown instance keeps state while it converts,
# and serve parses a saved article on its event thread while a build may parse on its own.
_ENGINE: tuple[mdtune.Tuned, _TargetsExtension] | None = None
_ENGINE_LOCK = threading.Lock()


def _fresh_lock() -> None:
    global _ENGINE_LOCK
    _ENGINE_LOCK = threading.Lock()  # a forked worker never inherits a held lock


os.register_at_fork(after_in_child=_fresh_lock)


def _engine() -> tuple[mdtune.Tuned, _TargetsExtension]:
    global _ENGINE
    if _ENGINE is None:
        md, targets = _markdown(_TocExtension)
        _ENGINE = (mdtune.Tuned(md), targets)
    return _ENGINE


def render(body: str, path: str, first_line: int, errors: Collector) -> Rendered:
    """Markdown to HTML. `first_line` is the body's line in the file, for error positions."""
    with _ENGINE_LOCK:
        tuned, targets = _engine()
        assert targets.processor is not None
        targets.processor.source = path
        html = tuned.convert(body)
        processor = targets.processor
        lines = body.splitlines()
        return Rendered(
            html=html,
            links=tuple(Link(t, _line_of(raw, lines, first_line)) for t, raw in processor.links),
            root_links=tuple(
                Link(p, _line_of(raw, lines, first_line)) for p, raw in processor.roots
            ),
            images=tuple((p, _line_of(raw, lines, first_line)) for p, raw in processor.images),
            headings=tuple(_headings(getattr(tuned.md, "toc_tokens", []))),
            words=count_words(html),
        )


def count_words(html: str) -> int:
    """Runs of word characters in the text of `html`. Whitespace is never a word
    character, so each whitespace-separated token counts alone; a token of letters and
    digits only (str.isalnum, all in C) is one word; the rest go through the regex."""
    tokens = TAG.sub(" ", html).split()
    mixed = list(itertools.filterfalse(str.isalnum, tokens))
    return len(tokens) - len(mixed) + len(WORD.findall(" ".join(mixed)))


def _line_of(needle: str, lines: list[str], first_line: int) -> int:
    for number, line in enumerate(lines):
        if needle in line:
            return first_line + number
    return first_line


def _headings(tokens: list[dict[str, object]]) -> list[Heading]:
    result = []
    for token in tokens:
        result.append(Heading(int(str(token["level"])), str(token["id"]), str(token["name"])))
        children = token.get("children")
        result.extend(_headings(children if isinstance(children, list) else []))
    return result
