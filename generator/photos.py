"""Photos as published: which resized variants one original gives, under which names, and the
`Image` a template shows. Pure: no Pillow and no I/O here (see photocache.py for those).

A variant's file name carries a short hash of the original's bytes and of the recipe, so a
replaced photo gets new URLs and no browser or CDN ever shows a stale one.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from generator import fingerprint, urls
from generator.errors import Problem
from generator.model import Document, Image, Rendition

RASTER = (".jpg", ".jpeg", ".png", ".webp")  # GIFs may be animated: they stay as they are
MIME = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg"}
EXTENSION = {"avif": "avif", "webp": "webp", "jpeg": "jpg"}
DZEN_MIN_WIDTH = 700  # Yandex Dzen's smallest image for a feed item


@dataclass(frozen=True)
class Recipe:
    """What every original becomes. Widths never exceed the original's own width."""

    widths: tuple[int, ...] = (480, 800, 1200, 1600)
    formats: tuple[str, ...] = ("avif", "webp", "jpeg")  # best first; the last is the fallback
    quality: tuple[tuple[str, int], ...] = (("avif", 55), ("webp", 78), ("jpeg", 80))
    fallback_width: int = 800  # <img src> for browsers without srcset
    share_width: int = 1200  # og:image and the feeds' enclosure (a JPEG)

    @property
    def digest(self) -> str:
        return fingerprint.digest(repr(self))

    def quality_of(self, kind: str) -> int:
        return dict(self.quality)[kind]


@dataclass(frozen=True)
class Original:
    """A photo under static/ as its header describes it (size upright, EXIF orientation
    applied) and the hash of its bytes."""

    rel: str  # under static/, e.g. images/school.jpg
    digest: str
    width: int
    height: int


@dataclass(frozen=True)
class Variant:
    rel: str  # output path, e.g. images/school-800.3f9a1c2e7b.webp
    kind: str  # avif, webp or jpeg
    width: int
    height: int


@dataclass(frozen=True)
class Plan:
    original: Original
    key: str  # the build cache's key: bytes, recipe and the code that encodes them
    variants: tuple[Variant, ...]  # largest first within each format


def is_photo(rel: str) -> bool:
    return rel.lower().endswith(RASTER)


def widths(recipe: Recipe, width: int) -> tuple[int, ...]:
    """The recipe's widths below the original's, then the largest one it can give."""
    below = [w for w in recipe.widths if w < width]
    top = min(width, max(recipe.widths))
    return tuple(sorted({*below, top}, reverse=True))


def plan(original: Original, recipe: Recipe, code: str) -> Plan:
    """The variants of one original, named by a hash of its bytes, path and the recipe."""
    short = fingerprint.digest(original.digest, original.rel, recipe.digest)[:10]
    folder, name = posixpath.split(original.rel)
    stem = name.rsplit(".", 1)[0]
    variants = []
    for kind in recipe.formats:
        for width in widths(recipe, original.width):
            height = max(1, round(original.height * width / original.width))
            rel = posixpath.join(folder, f"{stem}-{width}.{short}.{EXTENSION[kind]}")
            variants.append(Variant(rel, kind, width, height))
    key = fingerprint.digest(original.digest, recipe.digest, code)
    return Plan(original, key, tuple(variants))


def image(made: Plan, recipe: Recipe, alt: str = "", credit: str = "") -> Image:
    """What templates are given: the variants per format (best first) and the JPEGs for
    <img src>, og:image and the feeds."""
    by_kind: dict[str, list[Rendition]] = {}
    for v in made.variants:
        by_kind.setdefault(MIME[v.kind], []).append(Rendition(f"/{v.rel}", v.width, v.height))
    formats = tuple((kind, tuple(sorted(items, key=_width))) for kind, items in by_kind.items())
    jpegs = by_kind.get(MIME["jpeg"]) or next(iter(by_kind.values()))
    largest = max(jpegs, key=_width)
    return Image(
        path=made.original.rel,
        width=largest.width,
        height=largest.height,
        alt=alt,
        credit=credit,
        formats=formats,
        fallback=_closest(jpegs, recipe.fallback_width),
        share=_closest(jpegs, recipe.share_width),
    )


def external(url: str, alt: str = "", credit: str = "") -> Image:
    """A cover given as an absolute URL: shown as it is."""
    shown = Rendition(url, 0, 0)
    return Image(url, 0, 0, alt, credit, (), shown, shown)


def _width(rendition: Rendition) -> int:
    return rendition.width


def _closest(items: Sequence[Rendition], width: int) -> Rendition:
    """The variant of exactly that width, else the largest one below it."""
    fitting = [r for r in items if r.width <= width]
    return max(fitting, key=_width) if fitting else min(items, key=_width)


def used(docs: Iterable[Document]) -> dict[str, str]:
    """Photos under static/ that articles use (cover and body): rel -> the first user."""
    found: dict[str, str] = {}
    for doc in docs:
        paths = [doc.image.lstrip("/")] if doc.image and not urls.is_external(doc.image) else []
        paths += [path for path, _ in doc.images]
        for rel in paths:
            if is_photo(rel):
                found.setdefault(rel, doc.source)
    return found


def warnings(docs: Iterable[Document], originals: Mapping[str, Original]) -> list[Problem]:
    """Covers that Dzen refuses (narrower than 700 px) or that blind readers cannot know."""
    found = []
    for doc in docs:
        if not doc.image:
            continue
        line = doc.lines.get("image", 1)
        if not doc.image_alt:
            found.append(_warning(doc, line, "the cover has no image_alt: describe the photo"))
        original = originals.get(doc.image.lstrip("/"))
        if original is not None and original.width < DZEN_MIN_WIDTH:
            message = (
                f"the cover static/{original.rel} is {original.width} px wide; "
                f"Dzen and social networks need at least {DZEN_MIN_WIDTH} px"
            )
            found.append(_warning(doc, line, message))
    return found


def _warning(doc: Document, line: int, message: str) -> Problem:
    return Problem(doc.source, line, message, "warning")


def for_article(
    doc: Document, pictures: Mapping[str, Image]
) -> tuple[Image | None, tuple[Image, ...]]:
    """The article's cover (with its alt text and credit) and the body's photos."""
    cover = None
    if doc.image:
        alt, credit = doc.image_alt or "", doc.image_credit or ""
        if urls.is_external(doc.image):
            cover = external(doc.image, alt, credit)
        else:
            rel = doc.image.lstrip("/")
            cover = replace(pictures.get(rel) or as_is(rel), alt=alt, credit=credit)
    body = tuple({path: pictures[path] for path, _ in doc.images if path in pictures}.values())
    return cover, body


def as_is(rel: str) -> Image:
    """A file that is published as it is (a GIF, an SVG): no variants, no known size."""
    shown = Rendition(f"/{rel}", 0, 0)
    return Image(rel, 0, 0, "", "", (), shown, shown)
