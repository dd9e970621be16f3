"""The data that flows through the pipeline. Dataclasses only: no I/O, no imports of ours."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class SourceRef:
    """A source file found and hashed; its bytes are read only if it must be parsed."""

    path: str  # relative to the site root, e.g. content/ru/2024/school.md
    lang: str
    rel: str  # path under content/<lang>/ without ".md", e.g. 2024/school
    digest: str


@dataclass(frozen=True)
class SourceFile:
    path: str  # relative to the site root, e.g. content/ru/2024/school.md
    lang: str
    rel: str  # path under content/<lang>/ without ".md", e.g. 2024/school
    data: bytes
    digest: str


@dataclass(frozen=True)
class Link:
    """A relative link from one article's body to another article's Markdown file."""

    target: str  # source path of the target, relative to the site root
    line: int


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class Document:
    """One article as written: front matter checked, Markdown rendered. Pure of the site."""

    source: str
    lang: str
    rel: str
    title: str
    date: datetime
    category: str
    slug: str
    translation_key: str
    lead: str | None = None
    tags: tuple[str, ...] = ()
    author: str | None = None
    image: str | None = None  # a path under static/ or an absolute URL
    image_alt: str | None = None
    image_credit: str | None = None
    draft: bool = False
    pinned: bool = False
    expires: datetime | None = None
    links: tuple[Link, ...] = ()  # to other articles' Markdown files
    root_links: tuple[Link, ...] = ()  # to site paths ("/files/x.pdf"): checked, not rewritten
    images: tuple[tuple[str, int], ...] = ()  # (path under static/, line)
    headings: tuple[Heading, ...] = ()
    words: int = 0
    lines: dict[str, int] = field(default_factory=dict)  # front matter key -> line
    digest: str = ""  # the source file's hash: with the path, what the document is made of
    key: str = ""  # the cache key: source, site.yaml and the generator's code; set on parsing
    body_digest: str = ""  # a hash of the body's HTML (the search index is keyed by it)


@dataclass(frozen=True)
class Parsed:
    """A document and its body, kept apart: bodies wait in the cache until their page is
    rendered, so a large site is never held in memory whole."""

    doc: Document
    body: str  # HTML; internal links are placeholders until the site resolves them


@dataclass(frozen=True)
class Tag:
    slug: str
    label: str
    url: str


@dataclass(frozen=True)
class Rendition:
    """One published file of a photo."""

    url: str  # a site path (/images/school-800.3f9a1c2e7b.webp) or an external URL
    width: int
    height: int


@dataclass(frozen=True)
class Image:
    """A photo as templates show it: resized variants per format, never the original."""

    path: str  # the original under static/ (images/school.jpg), or an external URL
    width: int  # of the largest variant: the aspect ratio for width/height attributes
    height: int
    alt: str = ""
    credit: str = ""
    formats: tuple[tuple[str, tuple[Rendition, ...]], ...] = ()  # (MIME type, narrow first)
    fallback: Rendition | None = None  # the JPEG for <img src>
    share: Rendition | None = None  # the 1200 px JPEG for og:image and feed enclosures


@dataclass(frozen=True)
class Article:
    doc: Document
    url: str
    tags: tuple[Tag, ...]
    translations: tuple[tuple[str, str], ...]  # (lang, url) of published translations
    links: tuple[tuple[str, str], ...] = ()  # (target source, its URL) of the body's .md links
    # The absolute URL of the picture shown where the article is shared: og:image, the
    # Telegram announcement. One place, so that a better variant changes both at once.
    share_image: str | None = None
    cover: Image | None = None
    photos: tuple[Image, ...] = ()  # the body's photos, by Image.path


@dataclass(frozen=True)
class Page:
    """One HTML page of the site, ready for a template."""

    kind: str  # article, home, category, tag, archive, archives, not_found
    lang: str
    url: str
    title: str
    template: str
    article: Article | None = None
    articles: tuple[Article, ...] = ()
    pinned: tuple[Article, ...] = ()
    key: str = ""  # rubric key, tag slug or YYYY/MM
    number: int = 1
    total: int = 1
    prev_url: str | None = None
    next_url: str | None = None
    alternates: tuple[tuple[str, str], ...] = ()  # hreflang: (lang, url), self included
    switch: tuple[tuple[str, str], ...] = ()  # language switch: (lang, url) of the others
    bundles: tuple[str, ...] = ()  # search page: the search index's parts (site paths)
    months: tuple[tuple[str, int], ...] = ()  # archive index: (YYYY/MM, count)
    related: tuple[Article, ...] = ()  # "read also": neighbours in the same rubric


@dataclass(frozen=True)
class Site:
    articles: dict[str, tuple[Article, ...]]  # per language, newest first
    pages: tuple[Page, ...]
    tags: dict[str, tuple[Tag, ...]]
    urls: dict[str, str]  # source path -> article URL, published or not (for body links)


@dataclass(frozen=True)
class Assets:
    """What the feeds need to know of the published files: their sizes."""

    sizes: dict[str, int] = field(default_factory=dict)  # output path -> bytes


@dataclass(frozen=True)
class OutputFile:
    path: str  # relative to the output folder, POSIX separators
    data: bytes


@dataclass(frozen=True)
class CachedFile:
    """An output file made earlier and kept, never changed, in the build cache (a photo
    variant, the search index): the writer links it or copies it."""

    path: str
    source: Path


@dataclass(frozen=True)
class KeptFile:
    """An output file made from exactly the same inputs last time: the writer links it."""

    path: str


@dataclass
class BuildReport:
    files: int = 0
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    pages: int = 0
    articles: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    parsed: int = 0  # documents parsed (the others came from the cache)
    rendered: int = 0  # pages rendered (the others were kept from the last build)
    warnings: list[str] = field(default_factory=list)  # PATH:LINE: warning: MESSAGE
    photos: int = 0  # photos encoded (the others came from the cache)
    stale_search: bool = False  # the search index is an earlier build's (serve, when busy)
    search_seconds: float = 0.0  # of `seconds`: making the search index (Pagefind)
