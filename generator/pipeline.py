"""The whole build in one place: read everything, then render, then write."""

from __future__ import annotations

import functools
import gc
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, closing, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import ParamSpec, TypeVar

from generator import (
    admin,
    feeds,
    fingerprint,
    parallel,
    photocache,
    photos,
    photostage,
    render,
    search,
    urls,
    vendor,
    write,
)
from generator.assemble import assemble, check_root_links
from generator.cache import Cache, Made, pack
from generator.config import SiteConfig, read_config
from generator.digests import Digests, hash_bytes
from generator.errors import Collector, Problem, SiteError
from generator.frontmatter import parse_document
from generator.model import (
    Assets,
    BuildReport,
    CachedFile,
    Document,
    OutputFile,
    Page,
    Site,
    SourceFile,
    SourceRef,
)
from generator.publish import buildinfo
from generator.sources import list_sources, load, static_files

GENERATED = "generated"  # the manifest's mark for files compared by their bytes (feeds)
CACHED = "cache:"  # the manifest's mark for files linked from the build cache


@dataclass(frozen=True)
class Options:
    site: Path
    out: Path
    now: datetime
    drafts: bool = False
    cache: Path | None = None
    jobs: int = 1
    fresh_search: bool = True  # serve sets False between its idle re-indexes
    # serve owns its output folder: its builds check the files the last one wrote instead of
    # walking thousands of folders for files someone else put there (`build` does).
    trust_output: bool = False


class Cancelled(Exception):
    """A newer edit made this build pointless (serve); the output was left as it was."""


def _never() -> bool:
    return False


@dataclass
class Built:
    """What a build made, for the caller: its report, and for serve the site and the means
    to render one page of it again."""

    report: BuildReport
    site: Site
    renderer: render.Renderer
    fingerprints: fingerprint.Pages
    out: Path
    now: datetime

    @functools.cached_property
    def article_pages(self) -> dict[str, Page]:
        """Source path -> its article's page (serve looks a saved file's page up here)."""
        return {p.article.doc.source: p for p in self.site.pages if p.article}


P = ParamSpec("P")
R = TypeVar("R")


def _cycle_collector_paused(function: Callable[P, R]) -> Callable[P, R]:
    """A build makes millions of small objects that live until it ends; the cycle collector
    would walk the whole heap again and again to find a few hundred cycles (a fifth of a
    follow-up build at 10,000 articles). Reference counting still frees the rest; serve
    collects once after each build."""

    @functools.wraps(function)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return paused


@_cycle_collector_paused
def build(
    options: Options,
    cache: Cache | None = None,
    write_out: bool = True,
    cancelled: Callable[[], bool] = _never,
    commit_lock: AbstractContextManager[object] | None = None,
) -> Built:
    """Build the site (with write_out=False: `check`). Raises SiteError on mistakes.
    serve passes `cancelled` (a newer edit arrived) and the lock its own writes take."""
    if cache is None:  # a build of its own: the cache file is closed (and checkpointed) after
        with closing(Cache(options.cache, read_only=not write_out)) as own:
            return build(options, own, write_out, cancelled, commit_lock)
    started = time.perf_counter()
    config = load_site_config(options.site)
    theme = render.load_theme(config)
    digests = Digests(cache.seen_files())
    documents, parsed = parse_all(list_sources(config, digests), config, cache, options.jobs)
    _go_on(cancelled)
    static = static_files(config.root, theme.static_folders)
    cms_files, cms_copies, warnings = editors_ui(config, theme, options, write_out)
    static.update(cms_copies)
    with _scratch(options.cache, write_out) as folder:
        store = photocache.Store(folder, photos.Recipe(), read_only=not write_out)
        catalog = photostage.catalog(store, documents, static)
        now = _aware(options.now, config)
        site = assemble(config, documents, now, options.drafts, frozenset(static), catalog.images)
        _go_on(cancelled)
        made = photostage.make(store, site, catalog, static, options.jobs if write_out else 0)
        static = photostage.published(static, catalog)  # originals of photos stay out
        check_outputs(config, site, documents, static, options.drafts, made.files)
        args = (options, cache, config, theme, site, documents, static, digests, cms_files)
        output = plan(*args, made.sizes, cancelled)
        if write_out:
            report = _index_and_publish(output, folder, made.files, digests, cancelled, commit_lock)
        else:
            report = _check(output)
    report.parsed, report.seconds = parsed, time.perf_counter() - started
    report.warnings = warnings + [str(w) for w in catalog.warnings]
    report.photos = made.encoded
    return Built(report, site, output.renderer, output.fingerprints, options.out, now)


def _index_and_publish(
    output: Output,
    folder: Path,
    photos: list[CachedFile],
    digests: Digests,
    cancelled: Callable[[], bool],
    commit_lock: AbstractContextManager[object] | None,
) -> BuildReport:
    """The search index (kept in the cache when its text did not change), then the writer."""
    started = time.perf_counter()
    store = search.Store(folder)
    index, current = store.files(
        output.renderer.config, output.site, output.cache.body, output.options.fresh_search
    )
    indexing = time.perf_counter() - started
    output.cached = {f.path: (f.source, digests.of(f.source)) for f in photos + index}
    report = _publish(output, cancelled, commit_lock or nullcontext())
    report.stale_search, report.search_seconds = not current, indexing
    output.cache.keep_seen_files(digests.seen)
    return report


def plan(
    options: Options,
    cache: Cache,
    config: SiteConfig,
    theme: render.Theme,
    site: Site,
    documents: Sequence[Document],
    static: dict[str, Path],
    digests: Digests,
    generated: list[OutputFile],
    sizes: dict[str, int],
    cancelled: Callable[[], bool] = _never,
) -> Output:
    """Every page with what it is made of, the files made with the site, the copies.
    `sizes`: the photo variants' bytes, for the feeds' enclosures."""
    now = _aware(options.now, config)
    assets = Assets({rel: path.stat().st_size for rel, path in static.items()} | sizes)
    compiled = None if cache.read_only else options.cache  # `check` writes nothing
    renderer = render.Renderer(config, theme, assets, cache.body, compiled)
    salt = fingerprint.digest(fingerprint.code_digest(), config.digest, theme.digest)
    prints = fingerprint.Pages(salt)
    copies = {rel: (path, digests.of(path)) for rel, path in static.items()}
    built_for = buildinfo.output(config, site, now, theme, documents, static)
    pages = _fingerprinted(site.pages, prints, cancelled)
    extra = [built_for, *generated]
    return Output(options, cache, site, renderer, prints, copies, now, extra, pages)


def _fingerprinted(
    pages: Sequence[Page], prints: fingerprint.Pages, cancelled: Callable[[], bool]
) -> list[tuple[Page, str, str]]:
    """(page, output path, fingerprint) of every page; serve's newer edit stops it midway."""
    found = []
    for number, page in enumerate(pages):
        if number % 500 == 0:
            _go_on(cancelled)
        found.append((page, urls.output_path(page.url), prints(page)))
    return found


def _go_on(cancelled: Callable[[], bool]) -> None:
    """serve: a newer edit made this build pointless; it stops between steps, so the edit's
    own page does not wait for it (both need the interpreter)."""
    if cancelled():
        raise Cancelled


def editors_ui(
    config: SiteConfig, theme: render.Theme, options: Options, write_out: bool
) -> tuple[list[OutputFile], dict[str, Path], list[str]]:
    """/admin/: generated files, the vendored packages' files (downloaded once into the
    cache) and a warning when one cannot be had: the site is still built, without /admin/
    if Decap is missing, with the CMS's own preview if Pyodide is."""
    errors = Collector()
    admin.check(config, theme.strings, errors)
    errors.raise_if_any()
    generated = admin.files(config, theme.strings)
    if not generated or not write_out:  # `check` validates the configuration only
        return generated, {}, []
    cache = options.cache or options.site / ".cache"
    line = config.repository.line if config.repository else 1
    try:
        cms = admin.copies(vendor.DECAP, vendor.package_files(vendor.DECAP, cache))
    except vendor.VendorError as exc:
        return [], {}, [f"site.yaml:{line}: warning: {exc}; /admin/ is left out of this build"]
    try:
        cms |= admin.copies(vendor.PYODIDE, vendor.package_files(vendor.PYODIDE, cache))
    except vendor.VendorError as exc:  # the CMS works; its preview says what it lacks
        shown = "the editors' preview shows the CMS's own Markdown, not the site's"
        return generated, cms, [f"site.yaml:{line}: warning: {exc}; {shown}"]
    return generated, cms, []


def load_site_config(root: Path) -> SiteConfig:
    """The config; its problems are raised together with the articles' when it is usable."""
    config, problems = read_config(root)
    if config is None:
        raise SiteError(problems)
    if problems:
        errors = Collector()
        errors.extend(problems)
        try:
            parse_all(list_sources(config, Digests({})), config, Cache(None), 1)
        except SiteError as exc:
            errors.extend(exc.problems)
        errors.raise_if_any()
    return config


def parse_all(
    sources: Sequence[SourceRef], config: SiteConfig, cache: Cache, jobs: int
) -> tuple[list[Document], int]:
    """Every article, from the cache where its key is known; every file's errors listed.
    Bodies go to the cache, packed, and are read back only when their page is rendered."""
    keys = {s.path: fingerprint.document_key(s, config.digest) for s in sources}
    known = cache.documents(keys.values())
    missing = [s for s in sources if keys[s.path] not in known]
    errors = Collector()
    parsed: dict[str, Document] = {}
    bodies: dict[str, bytes] = {}

    def work(chunk: Sequence[SourceRef]) -> list[tuple[Document, bytes] | list[Problem]]:
        return [_parse_one(load(config.root, ref), config) for ref in chunk]

    for result in parallel.map_chunks(work, missing, jobs):
        if isinstance(result, list):
            errors.extend(result)
        else:
            doc, body = result
            parsed[doc.source], bodies[doc.key] = doc, body
    errors.raise_if_any()
    documents = [parsed.get(s.path) or known[keys[s.path]] for s in sources]
    cache.keep_documents({d.key: d for d in documents}, bodies)
    return documents, len(parsed)


def _parse_one(source: SourceFile, config: SiteConfig) -> tuple[Document, bytes] | list[Problem]:
    key = fingerprint.document_key(source, config.digest)  # of the bytes read, not listed
    try:
        result = parse_document(source, config, key)
    except SiteError as exc:
        return exc.problems
    return result.doc, pack(result.body)


@contextmanager
def _scratch(cache: Path | None, write_out: bool) -> Iterator[Path]:
    """Where photo variants and the search index are made: the cache, or where it cannot be
    used (none given, a file in its place, no right to write) a folder that lives until the
    writer has linked their files. `check` creates nothing."""
    if cache is not None and (cache.is_dir() if not write_out else _writable(cache)):
        yield cache
        return
    with tempfile.TemporaryDirectory(prefix="khabar-") as folder:
        yield Path(folder)


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False  # the cache said so already; this build makes its photos afresh
    return os.access(folder, os.W_OK)


def check_outputs(
    config: SiteConfig,
    site: Site,
    documents: Sequence[Document],
    static: dict[str, Path],
    drafts: bool,
    cached: Sequence[CachedFile] = (),
) -> None:
    """No two outputs in one place; every link of a body to a site path reaches something."""
    errors = Collector()
    seen: set[str] = set()
    generated = [*feeds.paths(config), buildinfo.PATH, *admin.paths(config)]
    generated += [f.path for f in cached]
    errors.extend(search.clashes(static))
    for path in [urls.output_path(p.url) for p in site.pages] + generated:
        if path in seen:
            errors.add("site.yaml", 1, f"two pages would be written to {path}")
        seen.add(path)
    for rel in static:
        if rel in seen:
            errors.add(f"static/{rel}", 1, f"this file would overwrite the generated {rel}")
    errors.raise_if_any()
    articles = {urls.output_path(site.urls[d.source]) for d in documents if drafts or not d.draft}
    check_root_links(documents, seen | set(static) | articles, drafts)


@dataclass
class Output:
    """One build's output as planned: every page with its fingerprint, every copied file."""

    options: Options
    cache: Cache
    site: Site
    renderer: render.Renderer
    fingerprints: fingerprint.Pages
    static: dict[str, tuple[Path, str]]  # output path -> (source, its hash)
    now: datetime
    extra: list[OutputFile]  # made with the site: build.json
    pages: list[tuple[Page, str, str]]  # (page, output path, fingerprint)
    # Photo variants and the search index, linked from the build cache: path -> (file, hash).
    cached: dict[str, tuple[Path, str]] = field(default_factory=dict)

    def feeds(self) -> list[OutputFile]:
        r = self.renderer
        return [*feeds.feeds(r.config, self.site, r.body, r.assets, self.now), *self.extra]

    def copies(self) -> list[tuple[str, Path, str]]:
        """(output path, source, what it was made of): a static file by its bytes, a file of
        the build cache by its bytes too."""
        found = [(rel, source, f"static:{digest}") for rel, (source, digest) in self.static.items()]
        found += [
            (rel, source, f"{CACHED}{digest}") for rel, (source, digest) in self.cached.items()
        ]
        return found


def _publish(
    output: Output, cancelled: Callable[[], bool], commit_lock: AbstractContextManager[object]
) -> BuildReport:
    """The one writer gets every file: pages whose fingerprint and file are as the last
    build left them are kept unread; the rest are rendered, compared and written."""
    out, cache = output.options.out, output.cache
    _go_on(cancelled)
    previous = cache.outputs(out)
    current = _current(out, previous, output.options.trust_output)
    kept = {path for _, path, fp in output.pages if _kept(out, path, fp, previous, current)}
    todo = [page for page, path, _ in output.pages if path not in kept]
    copies = output.copies()
    fresh = {rel for rel, _, made in copies if not _kept(out, rel, made, previous, current)}
    writer = write.Writer(out, current, changes=len(todo) + len(fresh))
    try:
        _fill(writer, output, {path: previous[path].content for path in kept}, todo, fresh,
              cancelled)  # fmt: skip
    except BaseException:
        writer.abort()
        raise
    with commit_lock:
        if cancelled():
            writer.abort()
            raise Cancelled
        report = writer.commit()
        cache.keep_outputs(out, _manifest(output, copies, writer))
    report.pages, report.rendered = len(output.pages), len(todo)
    report.articles = {lang: len(items) for lang, items in output.site.articles.items()}
    return report


def _current(out: Path, previous: dict[str, Made], trusted: bool) -> dict[str, write.Stamp]:
    if not out.is_dir():
        return {}
    if previous and trusted:
        return write.stamps_of(out, previous)
    return write.scan(out)


def _fill(
    writer: write.Writer,
    output: Output,
    kept: dict[str, str],
    todo: list[Page],
    fresh: set[str],
    cancelled: Callable[[], bool],
) -> None:
    """kept: the pages the output holds as they must be, with the hashes of their bytes."""
    for path in sorted(kept):
        writer.keep(path, kept[path])
    for file in _rendered(output.renderer, todo, output.options.jobs, cancelled):
        writer.put(file)
    for file in output.feeds():
        writer.put(file)
    for rel, (source, digest) in output.static.items():
        if rel in fresh:
            writer.copy(rel, source, digest)
        else:
            writer.keep(rel, digest)
    for rel, (source, digest) in output.cached.items():  # linked from the cache
        if rel in fresh:
            writer.copy(rel, source, digest, link=True)
        else:
            writer.keep(rel, digest)


def _kept(
    out: Path, path: str, made: str, previous: dict[str, Made], current: dict[str, write.Stamp]
) -> bool:
    """The output holds this file as the last build made it, from the same inputs. A file
    not as the last build left it on disk (an output folder restored by CI, or touched)
    proves itself by its bytes."""
    last, now = previous.get(path), current.get(path)
    if last is None or now is None or last.fingerprint != made or now.size != last.size:
        return False
    if (now.mtime, now.inode) == (last.mtime, last.inode):
        return True
    try:
        return hash_bytes((out / path).read_bytes()) == last.content
    except OSError:
        return False


def _manifest(
    output: Output, copies: list[tuple[str, Path, str]], writer: write.Writer
) -> dict[str, Made]:
    made = {path: fp for _, path, fp in output.pages}
    made.update((rel, fp) for rel, _, fp in copies)
    return {
        path: Made(made.get(path, GENERATED), s.size, s.mtime, s.inode, writer.hashes[path])
        for path, s in writer.stamps.items()
    }


def _rendered(
    renderer: render.Renderer, pages: list[Page], jobs: int, cancelled: Callable[[], bool]
) -> Iterator[OutputFile]:
    def work(chunk: Sequence[Page]) -> list[OutputFile | Problem]:
        try:
            return list(render.render_site(renderer, chunk))
        except SiteError as exc:
            return [exc.problems[0]]

    for result in parallel.map_chunks(work, pages, jobs):
        if isinstance(result, Problem):
            raise SiteError([result])
        if cancelled():
            raise Cancelled
        yield result


def _check(output: Output) -> BuildReport:
    """`check` renders every page (templates can fail too) and writes nothing."""
    pages = [page for page, _, _ in output.pages]
    count = sum(1 for _ in _rendered(output.renderer, pages, output.options.jobs, _never))
    count += len(output.feeds())
    report = BuildReport(files=count, pages=len(pages), rendered=len(pages))
    report.articles = {lang: len(items) for lang, items in output.site.articles.items()}
    return report


def _aware(now: datetime, config: SiteConfig) -> datetime:
    return now if now.tzinfo else now.replace(tzinfo=config.tz)
