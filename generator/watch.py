"""serve's side of the build: one session of builds, fed by file-system events (watchdog)."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from generator.cache import Cache
from generator.errors import SiteError
from generator.frontmatter import parse_document
from generator.model import Document, Page
from generator.pipeline import Options, build
from generator.render import PROJECT_ROOT, Renderer
from generator.sources import CONTENT, read_source

DEBOUNCE = 0.02  # seconds: an editor's save is often several events
IDLE = 10.0  # seconds without a change before serve brings the search index up to date
# What other pages show of an article: when only the rest changes, one page is re-rendered.
LISTED = (
    "title", "date", "category", "slug", "translation_key", "lead", "tags", "author", "image",
    "image_alt", "image_credit", "draft", "pinned", "expires",
)  # fmt: skip


class Session:
    """Builds one after another; browsers wait on `changed` for the next version."""

    def __init__(self, options: Options, cache: Cache) -> None:
        self.options = options
        self.cache = cache
        self.version = 0
        self.errors: list[str] = []
        self.changed = threading.Condition()
        self.lock = threading.Lock()
        self.warm = False
        self.idle: threading.Timer | None = None

    def rebuild(self, paths: set[Path]) -> None:
        with self.lock:
            if paths and self.fast(paths):
                self.notify()
            self._cancel_reindex()
            try:
                report = build(self.options, cache=self.cache)
                self.errors = []
                if report.stale_search:
                    self._schedule_reindex()
                done = (
                    f"{report.parsed} parsed, {report.rendered} rendered, {report.written} written"
                )
                print(f"rebuilt in {report.seconds:.2f} s: {done}", file=sys.stderr)
            except SiteError as exc:
                self.errors = [str(problem) for problem in exc.problems]
                print("\n".join(self.errors), file=sys.stderr)
            # Later builds run beside the server's threads: no forking from here on; they
            # reuse the search index, which is made anew once the editor pauses (IDLE).
            self.options = replace(self.options, jobs=1, fresh_search=False)
            self.warm_up()
            self.notify()

    def _schedule_reindex(self) -> None:
        self.idle = threading.Timer(IDLE, self.reindex)
        self.idle.daemon = True
        self.idle.start()

    def _cancel_reindex(self) -> None:
        if self.idle is not None:
            self.idle.cancel()
            self.idle = None

    def reindex(self) -> None:
        """The search index of the site as it is now (Pagefind indexes the whole site anew,
        seconds for thousands of articles: not on every save)."""
        with self.lock:
            self.idle = None
            try:
                report = build(replace(self.options, fresh_search=True), cache=self.cache)
            except SiteError:
                return  # the last rebuild showed the errors; the next one re-indexes
            print(f"search index updated in {report.seconds:.2f} s", file=sys.stderr)
            self.notify()

    def warm_up(self) -> None:
        """The first build ran in worker processes: prepare this one's Markdown and
        templates now, not on the editor's first save."""
        renderer: Renderer | None = self.cache.last
        page = next((p for p in renderer.site.pages if p.article), None) if renderer else None
        if self.warm or renderer is None or page is None or page.article is None:
            return
        self.warm = True
        source = self.options.site / page.article.doc.source
        if source.is_file():
            with contextlib.suppress(SiteError, OSError):
                parse_document(read_source(self.options.site, source, page.lang), renderer.config)
                renderer.page(page)

    def notify(self) -> None:
        with self.changed:
            self.version += 1
            self.changed.notify_all()

    def fast(self, paths: set[Path]) -> bool:
        """Re-render the pages of articles whose edit other pages cannot show."""
        renderer: Renderer | None = self.cache.last
        if renderer is None or not all(_is_article(p, self.options.site) for p in paths):
            return False
        pages = {p.article.doc.source: p for p in renderer.site.pages if p.article}
        updates = [_updated(path, self.options.site, renderer, pages) for path in paths]
        if any(page is None for page in updates):
            return False
        for page in updates:
            assert page is not None
            _write_one(self.options.out, renderer, page)
        return True


def _is_article(path: Path, site: Path) -> bool:
    try:
        parts = path.relative_to(site).parts
    except ValueError:
        return False
    return len(parts) > 2 and parts[0] == CONTENT and path.suffix == ".md" and path.is_file()


def _updated(path: Path, site: Path, renderer: Renderer, pages: dict[str, Page]) -> Page | None:
    lang = path.relative_to(site).parts[1]
    source = read_source(site, path, lang)
    page = pages.get(source.path)
    if page is None or page.article is None:
        return None
    try:
        doc = parse_document(source, renderer.config)
    except SiteError:
        return None  # the full build reports it
    if not _same_listing(page.article.doc, doc):
        return None
    return replace(page, article=replace(page.article, doc=doc))


def _same_listing(old: Document, new: Document) -> bool:
    same = all(getattr(old, key) == getattr(new, key) for key in LISTED)
    targets = [link.target for link in old.links] == [link.target for link in new.links]
    return same and targets and [i[0] for i in old.images] == [i[0] for i in new.images]


def _write_one(out: Path, renderer: Renderer, page: Page) -> None:
    made = renderer.page(page)
    target = out / made.path
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_bytes(made.data)
    os.replace(temporary, target)


class _Events(FileSystemEventHandler):
    def __init__(self, session: Session, ignored: tuple[Path, ...]) -> None:
        self.session = session
        self.ignored = ignored
        self.pending: set[Path] = set()
        self.lock = threading.Lock()
        self.timer: threading.Timer | None = None

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type in ("opened", "closed_no_write"):
            return
        paths = [Path(os.fsdecode(event.src_path))]
        if getattr(event, "dest_path", ""):
            paths.append(Path(os.fsdecode(event.dest_path)))
        relevant = {p for p in paths if self._relevant(p)}
        if relevant:
            with self.lock:
                self.pending |= relevant
                if self.timer is not None:
                    self.timer.cancel()
                self.timer = threading.Timer(DEBOUNCE, self._flush)
                self.timer.daemon = True
                self.timer.start()

    def _relevant(self, path: Path) -> bool:
        name = path.name
        if name.startswith(".") or name.endswith(("~", ".swp", ".tmp")):
            return False
        return not any(path.is_relative_to(folder) for folder in self.ignored)

    def _flush(self) -> None:
        with self.lock:
            paths, self.pending = self.pending, set()
        self.session.rebuild(paths)


def watch(options: Options, session: Session) -> BaseObserver:
    """Watch content/, static/, themes/ (the site's and the project's) and site.yaml."""
    site = options.site
    ignored = (options.out, options.cache or site / ".cache")
    handler = _Events(session, ignored)
    observer = Observer()
    for folder in (site / "content", site / "static", site / "themes", PROJECT_ROOT / "themes"):
        if folder.is_dir():
            observer.schedule(handler, str(folder), recursive=True)
    observer.schedule(handler, str(site), recursive=False)  # site.yaml
    observer.daemon = True
    observer.start()
    time.sleep(0.05)
    return observer
