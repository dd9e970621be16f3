"""The whole build in one place: read everything, then render, then write."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from pathlib import Path

from generator import (
    feeds,
    fingerprint,
    parallel,
    photocache,
    photos,
    photostage,
    render,
    search,
    urls,
    write,
)
from generator.assemble import assemble
from generator.cache import Cache, Made
from generator.config import SiteConfig, read_config
from generator.errors import Collector, Problem, SiteError
from generator.frontmatter import parse_document
from generator.model import (
    Assets,
    BuildReport,
    CachedFile,
    Document,
    KeptFile,
    OutputFile,
    Page,
    Site,
    SourceFile,
)
from generator.sources import read_sources


@dataclass(frozen=True)
class Options:
    site: Path
    out: Path
    now: datetime
    drafts: bool = False
    cache: Path | None = None
    jobs: int = 1
    fresh_search: bool = True  # serve sets False between its idle re-indexes


def build(options: Options, write_out: bool = True, cache: Cache | None = None) -> BuildReport:
    """Build the site; with write_out=False this is `check`. Raises SiteError on mistakes."""
    if cache is None:  # a build of its own: the cache file is closed (and checkpointed) after
        with closing(Cache(options.cache, read_only=not write_out)) as own:
            return build(options, write_out, own)
    started = time.perf_counter()
    fresh = options.fresh_search
    config = load_site_config(options.site)
    theme = render.load_theme(config)
    documents, parsed = parse_all(read_sources(config), config, cache, options.jobs)
    static = static_files(config, theme)
    with _scratch(options.cache) as folder:
        store = photocache.Store(folder, photos.Recipe(), read_only=not write_out)
        catalog = photostage.catalog(store, documents, static)
        now = _aware(options.now, config)
        site = assemble(config, documents, now, options.drafts, frozenset(static), catalog.images)
        made = photostage.make(store, site, catalog, static, options.jobs if write_out else 0)
        static = {rel: path for rel, path in static.items() if rel not in catalog.plans}
        generated = [urls.output_path(p.url) for p in site.pages] + feeds.paths(config)
        check_collisions(generated + [f.path for f in made.files], static)
        if clashes := search.clashes(static):
            raise SiteError(clashes)
        assets = Assets(_sizes(static) | made.sizes)
        renderer = render.Renderer(config, theme, site)
        salt = _salt(config, theme, options)
        plan = Plan(site, cache.outputs(options.out), salt, options.out)
        feed_files = feeds.feeds(config, site, renderer.body, assets)
        if write_out:
            index, current = search.Store(folder).files(search.records(config, site), fresh)
            report = _write(options, plan, renderer, feed_files, static, made.files + index, cache)
            report.stale_search = not current
            cache.last = renderer  # serve re-renders one page from it after a small edit
        else:
            report = _consume(chain(render_pages(renderer, plan, 1), feed_files))
    report.warnings = [str(w) for w in catalog.warnings]
    report.photos = made.encoded
    return _finish(report, site, parsed, plan, started)


def _write(
    options: Options,
    plan: Plan,
    renderer: render.Renderer,
    feed_files: list[OutputFile],
    static: dict[str, Path],
    made: list[CachedFile],
    cache: Cache,
) -> BuildReport:
    """The one writer; not even a stage is made when nothing changed since the last build."""
    copies = [*static.items(), *((f.path, f.source) for f in made)]
    if plan.nothing_new() and write.already_there(options.out, feed_files, copies):
        total = len(plan.pages) + len(feed_files) + len(copies)
        return BuildReport(files=total, unchanged=total)
    # Pages stream from the renderer to the writer: the whole site is never held in memory.
    pages = render_pages(renderer, plan, options.jobs)
    report = write.write_site(options.out, chain(pages, feed_files, made), static.items())
    cache.keep_outputs(options.out, plan.made())
    return report


@contextmanager
def _scratch(cache: Path | None) -> Iterator[Path]:
    """Where photo variants and the search index are made: the cache, or without one a
    folder that lives until the writer has linked their files."""
    if cache is not None:
        yield cache
        return
    with tempfile.TemporaryDirectory(prefix="khabar-") as folder:
        yield Path(folder)


def load_site_config(root: Path) -> SiteConfig:
    """The config; its problems are raised together with the articles' when it is usable."""
    config, problems = read_config(root)
    if config is None:
        raise SiteError(problems)
    if problems:
        errors = Collector()
        errors.extend(problems)
        try:
            parse_all(read_sources(config), config, Cache(None), 1)
        except SiteError as exc:
            errors.extend(exc.problems)
        errors.raise_if_any()
    return config


def parse_all(
    sources: Sequence[SourceFile], config: SiteConfig, cache: Cache, jobs: int
) -> tuple[list[Document], int]:
    """Every article, from the cache where its key is known; every file's errors listed."""
    keys = {s.path: fingerprint.document_key(s, config.digest) for s in sources}
    known = cache.documents(keys.values())
    missing = [s for s in sources if keys[s.path] not in known]
    errors = Collector()
    parsed: dict[str, Document] = {}
    for result in parallel.map_chunks(_parse_chunk, missing, jobs, config=config):
        if isinstance(result, Document):
            parsed[result.source] = result
        else:
            errors.extend(result)
    errors.raise_if_any()
    documents = [parsed.get(s.path) or known[keys[s.path]] for s in sources]
    cache.keep_documents({keys[d.source]: d for d in documents})
    return documents, len(parsed)


def _parse_chunk(sources: Sequence[SourceFile]) -> list[Document | list[Problem]]:
    config = parallel.state()["config"]
    results: list[Document | list[Problem]] = []
    for source in sources:
        try:
            results.append(parse_document(source, config))
        except SiteError as exc:
            results.append(exc.problems)
    return results


class Plan:
    """Which pages must be rendered: those whose fingerprint differs from what made the file
    the last build left in the output folder (checked by size, mtime and inode)."""

    def __init__(self, site: Site, previous: dict[str, Made], salt: str, out: Path) -> None:
        memo: dict[str, str] = {}
        self.out = out
        self.rendered = 0
        self.pages = [
            (p, urls.output_path(p.url), fingerprint.page(p, salt, memo)) for p in site.pages
        ]
        root = str(out)
        self.kept = {
            path
            for _, path, fp in self.pages
            if _unchanged(f"{root}/{path}", previous.get(path), fp)
        }
        self.previous = previous

    def nothing_new(self) -> bool:
        """Every page as the last build left it, and no page gone."""
        return len(self.kept) == len(self.pages) == len(self.previous)

    def todo(self) -> list[Page]:
        return [page for page, path, _ in self.pages if path not in self.kept]

    def made(self) -> dict[str, Made]:
        result = {}
        root = str(self.out)
        for _, path, fp in self.pages:
            stat = os.stat(f"{root}/{path}")
            result[path] = Made(fp, stat.st_size, stat.st_mtime_ns, stat.st_ino)
        return result


def _unchanged(path: str, made: Made | None, fp: str) -> bool:
    if made is None or made.fingerprint != fp:
        return False
    try:
        stat = os.stat(path)
    except OSError:
        return False
    return (stat.st_size, stat.st_mtime_ns, stat.st_ino) == (made.size, made.mtime, made.inode)


def render_pages(
    renderer: render.Renderer, plan: Plan, jobs: int
) -> Iterator[OutputFile | KeptFile]:
    yield from (KeptFile(path) for path in sorted(plan.kept))
    todo = plan.todo()
    plan.rendered = len(todo)
    for result in parallel.map_chunks(_render_chunk, todo, jobs, renderer=renderer):
        if isinstance(result, Problem):
            raise SiteError([result])
        yield result


def _render_chunk(pages: Sequence[Page]) -> list[OutputFile | Problem]:
    renderer: render.Renderer = parallel.state()["renderer"]
    try:
        return list(render.render_site(renderer, pages))
    except SiteError as exc:
        return [exc.problems[0]]


def _salt(config: SiteConfig, theme: render.Theme, options: Options) -> str:
    """What every page depends on besides its own data (photos are in the articles)."""
    return fingerprint.digest(config.digest, theme.digest, str(options.drafts))


def _aware(now: datetime, config: SiteConfig) -> datetime:
    return now if now.tzinfo else now.replace(tzinfo=config.tz)


def _finish(
    report: BuildReport, site: Site, parsed: int, plan: Plan, started: float
) -> BuildReport:
    report.pages = len(site.pages)
    report.articles = {lang: len(items) for lang, items in site.articles.items()}
    report.parsed, report.rendered = parsed, plan.rendered
    report.seconds = time.perf_counter() - started
    return report


def _consume(files: Iterable[OutputFile | KeptFile]) -> BuildReport:
    """`check` renders everything (templates can fail too) and writes nothing."""
    return BuildReport(files=sum(1 for _ in files))


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


def _sizes(static: dict[str, Path]) -> dict[str, int]:
    return {rel: path.stat().st_size for rel, path in static.items()}


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
