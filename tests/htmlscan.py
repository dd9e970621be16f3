"""A small HTML reader for the site checks: elements with attributes, ids and visible text."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

INVISIBLE = {"script", "style", "template"}


@dataclass
class Scan:
    elements: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    text: list[str] = field(default_factory=list)
    lang: str = ""

    def attrs(self, tag: str) -> list[dict[str, str]]:
        return [a for t, a in self.elements if t == tag]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scan = Scan()
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.scan.elements.append((tag, values))
        if "id" in values:
            self.scan.ids.add(values["id"])
        if tag == "html":
            self.scan.lang = values.get("lang", "")
        if tag in INVISIBLE:
            self.hidden += 1
        for name in ("alt", "title", "aria-label", "content", "placeholder"):
            if values.get(name) and tag != "link":
                self.scan.text.append(values[name])

    def handle_endtag(self, tag: str) -> None:
        if tag in INVISIBLE:
            self.hidden = max(0, self.hidden - 1)

    def handle_data(self, data: str) -> None:
        if not self.hidden and data.strip():
            self.scan.text.append(data)


def scan(path: Path) -> Scan:
    reader = _Reader()
    reader.feed(path.read_text(encoding="utf-8"))
    return reader.scan


def pages(root: Path) -> list[Path]:
    """The site's pages; admin/ is the editors' CMS, tested in tests/admin/."""
    return sorted(p for p in root.rglob("*.html") if p.relative_to(root).parts[0] != "admin")
