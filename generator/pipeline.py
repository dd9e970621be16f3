"""The whole build in one place: read everything, then render, then write."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from generator import feeds, render
from generator.assemble import assemble
from generator.config import SiteConfig, load_config
from generator.errors import Collector, SiteError
from generator.frontmatter import parse_document
from generator.model import BuildReport, Document, OutputFile, SourceFile
from generator.sources import read_sources
from generator.write import write_site


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
    config = load_config(options.site)
    theme = render.load_theme(config)
    documents = parse_all(read_sources(config), config)
    static = static_files(config, theme)
    sizes = {rel: path.stat().st_size for rel, path in static.items()}
    now = options.now if options.now.tzinfo else options.now.replace(tzinfo=config.tz)
    site = assemble(config, documents, now, options.drafts, frozenset(sizes))
    renderer = render.Renderer(config, theme, site)
    pages = render.render_site(renderer)
    files = pages + feeds.feeds(config, site, renderer.body, sizes)
    check_collisions(files, static)
    report = write_site(options.out, files, static.items()) if write else BuildReport()
    report.pages = len(pages)
    report.articles = {lang: len(items) for lang, items in site.articles.items()}
    report.seconds = time.perf_counter() - started
    return report


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


def check_collisions(files: Sequence[OutputFile], static: dict[str, Path]) -> None:
    errors = Collector()
    seen: set[str] = set()
    for file in files:
        if file.path in seen:
            errors.add("site.yaml", 1, f"two pages would be written to {file.path}")
        seen.add(file.path)
    for rel in static:
        if rel in seen:
            errors.add(f"static/{rel}", 1, f"this file would overwrite the generated {rel}")
    errors.raise_if_any()
