"""Every URL of the site, per ../shared/contract.md: the default language at the root.

URLs here are site paths ("/tt/news/society/yana-maktap/"); templates put the base
path of base_url in front, so a site can live under https://host/repo/ as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from generator.config import SiteConfig
from generator.model import Article, Document, Image

Pairs = tuple[tuple[str, str], ...]


def _prefix(config: SiteConfig, lang: str) -> str:
    return config.language(lang).prefix


def home(config: SiteConfig, lang: str) -> str:
    return f"{_prefix(config, lang)}/"


def article(config: SiteConfig, doc: Document) -> str:
    return f"{_prefix(config, doc.lang)}/news/{doc.category}/{doc.slug}/"


def category(config: SiteConfig, lang: str, key: str) -> str:
    return f"{_prefix(config, lang)}/news/{key}/"


def tag(config: SiteConfig, lang: str, slug: str) -> str:
    return f"{_prefix(config, lang)}/tags/{slug}/"


def archive(config: SiteConfig, lang: str, month: str) -> str:
    return f"{_prefix(config, lang)}/archive/{month}/"


def archives(config: SiteConfig, lang: str) -> str:
    return f"{_prefix(config, lang)}/archive/"


def search(config: SiteConfig, lang: str) -> str:
    return f"{_prefix(config, lang)}/search/"


def search_bundle(lang: str) -> str:
    """Where a language's search index is published (a Pagefind bundle of its own)."""
    return f"/pagefind/{lang}/"


def not_found(config: SiteConfig, lang: str) -> str:
    return f"{_prefix(config, lang)}/404.html"


def rss(config: SiteConfig, lang: str) -> str:
    return f"{_prefix(config, lang)}/rss.xml"


def paged(base: str, number: int) -> str:
    return base if number == 1 else f"{base}page/{number}/"


def output_path(url: str) -> str:
    """The file that serves a URL: "/news/a/" -> "news/a/index.html"."""
    path = url.lstrip("/")
    return f"{path}index.html" if not path or path.endswith("/") else path


def share_image(config: SiteConfig, doc: Document, cover: Image | None = None) -> str | None:
    """The absolute URL of the article's cover as it is shared (og:image, Telegram): its
    1200 px JPEG when the photo is published as variants."""
    if not doc.image or is_external(doc.image):
        return doc.image
    path = cover.share.url if cover and cover.share else f"/{doc.image.lstrip('/')}"
    return f"{config.base_url.rstrip('/')}{path}"


def is_external(target: str) -> bool:
    parts = urlsplit(target)
    return bool(parts.scheme or parts.netloc)


class Switch:
    """Where the language switch and hreflang links of a page lead, per the contract."""

    def __init__(self, config: SiteConfig, lang: str, months: Mapping[str, Mapping[str, object]]):
        self.config = config
        self.lang = lang
        self.others = [code for code in config.lang_codes if code != lang]
        self.months = months

    def for_article(self, item: Article) -> Pairs:
        found = dict(item.translations)
        return tuple((o, found.get(o, home(self.config, o))) for o in self.others)

    def for_listing(self, kind: str, key: str) -> tuple[Pairs, Pairs]:
        """(hreflang alternates including this page, switch targets for the other languages)."""
        places = {code: self._place(kind, key, code) for code in self.config.lang_codes}
        alternates = tuple((c, u) for c, u in sorted(places.items()) if u is not None)
        targets = tuple((o, places[o] or home(self.config, o)) for o in self.others)
        return alternates if places[self.lang] else (), targets

    def _place(self, kind: str, key: str, code: str) -> str | None:
        config = self.config
        if kind == "home":
            return home(config, code)
        if kind == "category":
            return category(config, code, key)
        if kind == "archives":
            return archives(config, code)
        if kind == "search":
            return search(config, code)
        if kind == "archive":
            return archive(config, code, key) if key in self.months.get(code, {}) else None
        # A tag belongs to one language: it has no place elsewhere.
        return tag(config, code, key) if code == self.lang else None
