"""An article's HTML as Dzen takes it in an RSS item's full text.

Dzen imports only a small set of tags (p, a, b, i, u, s, h1-h4, blockquote, lists, img,
figure, figcaption, br); anything else makes it drop markup or the whole item. So strong
and em become b and i, a table's rows become paragraphs, embedded players and scripts are
left out (the item links to the page, which has them), every other tag keeps only its text.
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

KEEP = {"p", "a", "b", "i", "u", "s", "h1", "h2", "h3", "h4", "blockquote", "ul", "ol", "li"}
KEEP |= {"img", "figure", "figcaption", "br"}
RENAME = {"strong": "b", "em": "i", "del": "s", "strike": "s", "tr": "p", "h5": "h4", "h6": "h4"}
DROP = {"script", "style", "iframe", "object", "embed", "video", "audio", "noscript", "svg"}
EMPTY = {"img", "br"}
ATTRIBUTES = {"a": ("href",), "img": ("src", "alt", "width", "height")}


def clean(html: str) -> str:
    parser = _Cleaner()
    parser.feed(html)
    parser.close()
    return "".join(parser.out)


class _Cleaner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.dropping = 0  # depth inside a dropped element
        self.cells = 0  # cells already written in the current table row
        self.tables = 0  # depth inside tables, where whitespace between tags is dropped

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROP or self.dropping:
            self.dropping += tag not in EMPTY  # nesting is counted until the end tag
            return
        self.tables += tag == "table"
        if tag in ("td", "th"):
            self.out.append(" — " if self.cells else "")
            self.cells += 1
        name = RENAME.get(tag, tag)
        if name == "p" and tag == "tr":
            self.cells = 0
        if name in KEEP:
            kept = "".join(
                f' {key}="{escape(value or "")}"'
                for key, value in attrs
                if key in ATTRIBUTES.get(name, ())
            )
            self.out.append(f"<{name}{kept}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in EMPTY:  # <br /> and <img />: no end tag to count
            self.handle_starttag(tag, attrs)
        else:
            self.handle_starttag(tag, attrs)
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.dropping:
            self.dropping -= 1
            return
        self.tables -= tag == "table"
        name = RENAME.get(tag, tag)
        if name in KEEP and name not in EMPTY:
            self.out.append(f"</{name}>")

    def handle_data(self, data: str) -> None:
        if not self.dropping and (data.strip() or not self.tables):
            self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.handle_data(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.handle_data(f"&#{name};")
