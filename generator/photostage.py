"""The photos stage of the build: every photo an article uses is read once (size, hash),
planned, and its variants made on the build's workers into the cache, from where the writer
links them. `check` plans and warns but never encodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator import photocache, photos
from generator.errors import Problem, SiteError
from generator.model import Article, CachedFile, Document, Image, Site


@dataclass
class Made:
    files: list[CachedFile]  # every variant the published articles show
    sizes: dict[str, int]  # output path -> bytes, for the feeds' enclosures
    encoded: int = 0


@dataclass
class Catalog:
    plans: dict[str, photos.Plan]
    images: dict[str, Image]
    warnings: list[Problem]


def catalog(store: photocache.Store, documents: list[Document], static: dict[str, Path]) -> Catalog:
    """Every photo an article uses (published or not, so no original leaks), planned."""
    found = store.catalog(photos.used(documents), static)
    if found.problems:
        raise SiteError(found.problems)
    images = {rel: photos.image(p, store.recipe) for rel, p in found.plans.items()}
    originals = {rel: p.original for rel, p in found.plans.items()}
    return Catalog(found.plans, images, photos.warnings(_checked(documents), originals))


def _checked(documents: list[Document]) -> list[Document]:
    return [d for d in documents if not d.draft]


def make(
    store: photocache.Store,
    site: Site,
    catalog: Catalog,
    static: dict[str, Path],
    jobs: int,
) -> Made:
    """The variants of the published articles' photos; jobs=0 (check) encodes nothing."""
    shown = {i.path for items in site.articles.values() for a in items for i in _images(a)}
    plans = [catalog.plans[rel] for rel in sorted(shown) if rel in catalog.plans]
    todo = store.missing(plans) if jobs else []
    problems = store.make(todo, static, jobs) if todo else []
    if problems:
        raise SiteError(problems)
    files = store.files(plans) if jobs else []
    if jobs:
        store.prune(catalog.plans.values())
    sizes = {f.path: f.source.stat().st_size for f in files}
    return Made(files, sizes, len(todo))


def _images(article: Article) -> list[Image]:
    return [*([article.cover] if article.cover else []), *article.photos]


def published(static: dict[str, Path], catalog: Catalog) -> dict[str, Path]:
    """The static files copied as they are: not the originals of photos articles use (they
    carry EXIF and GPS; only their variants are published)."""
    return {rel: path for rel, path in static.items() if rel not in catalog.plans}
