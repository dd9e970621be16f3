"""The whole build in one place: read everything, then render, then write."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from pathlib import Path

from generator import feeds, images, render, urls
from generator.assemble import assemble
from generator.config import SiteConfig, read_config
from generator.errors import Collector, SiteError
from generator.frontmatter import parse_document
from generator.model import Assets, BuildReport, Document, OutputFile, SourceFile
from generator.sources import read_sources
from generator.write import write_site

IMAGES = (".jpg", ".jpeg", ".png", ".gif", ".webp")


@dataclass(frozen=True)
class Options:
    site: Path
    out: Path
    now: datetime
    drafts: bool = False
    cache: Path | None = None
    jobs: int = 1
    extras: dict[str, str] = field(default_factory=dict)


def build(options: Options, write: bool = True) -> BuildReport:
    """Build the site; with write=False this is `check`. Raises SiteError on user mistakes."""
    started = time.perf_counter()
    config = load_site_config(options.site)
    theme = render.load_theme(config)
    documents = parse_all(read_sources(config), config)
    static = static_files(config, theme)
    assets = describe(static)
    now = options.now if options.now.tzinfo else options.now.replace(tzinfo=config.tz)
    site = assemble(config, documents, now, options.drafts, frozenset(assets.sizes))
    check_collisions([urls.output_path(p.url) for p in site.pages] + feeds.paths(config), static)
    renderer = render.Renderer(config, theme, site, assets)
    # Pages stream from the renderer to the writer: the whole site is never held in memory.
    files = chain(render.render_site(renderer), feeds.feeds(config, site, renderer.body, assets))
    report = write_site(options.out, files, static.items()) if write else _consume(files)
    report.pages = len(site.pages)
    report.articles = {lang: len(items) for lang, items in site.articles.items()}
    report.seconds = time.perf_counter() - started
    return report


def load_site_config(root: Path) -> SiteConfig:
    """The config; its problems are raised together with the articles' when it is usable."""
    config, problems = read_config(root)
    if config is None:
        raise SiteError(problems)
    if problems:
        errors = Collector()
        errors.extend(problems)
        try:
            parse_all(read_sources(config), config)
        except SiteError as exc:
            errors.extend(exc.problems)
        errors.raise_if_any()
    return config


def parse_all(sources: Sequence[SourceFile], config: SiteConfig) -> list[Document]:
    """Parse every article, listing every file's errors rather than stopping at the first."""
    errors = Collector()
    documents = []
    for source in sources:
        try:
            documents.append(parse_document(source, config))
        except SiteError as exc:
            errors.extend(exc.problems)
    errors.raise_if_any()
    return documents


def static_files(config: SiteConfig, theme: render.Theme) -> dict[str, Path]:
    """Output path -> file: the theme's static/ under assets/, the site's static/ at the root."""
    found: dict[str, Path] = {}
    folders = [(folder, "assets/") for folder in theme.static_folders]
    folders.append((config.root / "static", ""))
    for folder, prefix in folders:
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            if path.is_file() and not path.name.startswith("."):
                found[prefix + path.relative_to(folder).as_posix()] = path
    return found


def _consume(files: Iterable[OutputFile]) -> BuildReport:
    """`check` renders everything (templates can fail too) and writes nothing."""
    return BuildReport(files=sum(1 for _ in files))


def describe(static: dict[str, Path]) -> Assets:
    sizes = {rel: path.stat().st_size for rel, path in static.items()}
    pixels = {rel: images.dimensions(path) for rel, path in static.items() if rel.endswith(IMAGES)}
    return Assets(sizes, {rel: size for rel, size in pixels.items() if size})


def check_collisions(paths: Sequence[str], static: dict[str, Path]) -> None:
    errors = Collector()
    seen: set[str] = set()
    for path in paths:
        if path in seen:
            errors.add("site.yaml", 1, f"two pages would be written to {path}")
        seen.add(path)
    for rel in static:
        if rel in seen:
            errors.add(f"static/{rel}", 1, f"this file would overwrite the generated {rel}")
    errors.raise_if_any()
