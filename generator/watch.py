"""serve's side of the build: an edit's own page at once, the rest in the background.

An editor saves an article: its page is rendered from the last build's site and replaced on
disk at once (the fast path, through the one writer). A follow-up build then brings lists,
feeds and everything else up to date in a background thread; a newer save cancels it and
starts the next, so a save never waits for the previous one's follow-up. Follow-ups reuse
the search index; it is made anew once nothing has changed for IDLE seconds.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from generator import write
from generator.assemble import is_live
from generator.cache import Cache, Made, pack
from generator.errors import SiteError
from generator.fingerprint import document_key
from generator.frontmatter import parse_document
from generator.model import Document, OutputFile, Page
from generator.pipeline import Built, Cancelled, Options, build
from generator.render import PROJECT_ROOT
from generator.sources import CONTENT, read_source

DEBOUNCE = 0.02  # seconds: an editor's save is often several events
# The fields that decide where an article is and whether it is published: when one of them
# changes, its own page cannot be rendered ahead of the full build.
PLACED = ("lang", "category", "slug", "translation_key", "draft", "tags")
IDLE = 10.0  # seconds without a change before serve brings the search index up to date
QUIET = 2.0  # seconds without a change before serve collects its builds' garbage
SWITCH = 0.001  # seconds a thread may hold the interpreter while another waits for it


class Session:
    """The builds of one serve; browsers wait on `changed` for the next version."""

    def __init__(self, options: Options, cache: Cache, log: Callable[[str], None]) -> None:
        self.options = options
        self.cache = cache
        self.log = log
        self.built: Built | None = None
        self.version = 0
        self.errors: list[str] = []
        self.changed = threading.Condition()
        self.write_lock = threading.Lock()  # the fast path and a build's commit never overlap
        self.fast_lock = threading.Lock()
        self.wake = threading.Condition()
        self.generation = 0  # bumped by every edit: a build of an older one is cancelled
        self.dirty = False
        self.stopping = False
        self.thread: threading.Thread | None = None
        self.stale_search = False  # the output's search index is an earlier build's
        # What the last builds made: freed before the next build, or collected in a pause.
        self.trash: list[object] = []

    def start(self) -> None:
        """The first build (on all cores), then the follow-up thread (single process: forking
        beside the server's threads is unsafe)."""
        self._build(self.options, self.generation)
        # A follow-up build holds the interpreter while the editor's next save waits for it
        # at every file it touches: hand it over every millisecond, not every five.
        sys.setswitchinterval(SWITCH)
        self.options = replace(self.options, jobs=1, trust_output=True, fresh_search=False)
        self._warm_up()
        self.thread = threading.Thread(target=self._follow_ups, name="khabar-builds", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Cancel the follow-up build and end its thread (before the cache is closed)."""
        with self.wake:
            self.stopping = True
            self.generation += 1
            self.wake.notify()
        if self.thread is not None:
            self.thread.join(30)

    def edited(self, paths: set[Path]) -> None:
        with self.wake:
            self.generation += 1
        with self.fast_lock:
            if self._fast(paths):
                self.notify()
        with self.wake:
            self.dirty = True
            self.wake.notify()

    def notify(self) -> None:
        with self.changed:
            self.version += 1
            self.changed.notify_all()

    def _follow_ups(self) -> None:
        while True:
            with self.wake:
                task = self._next_task()
                if task == "stop":
                    return
                self.dirty = False
                generation = self.generation
            self.trash.clear()
            if task == "collect":
                # Builds leave the cycle collector off (see pipeline); a collection holds
                # the interpreter for a tenth of a second on a large site, so it waits for
                # a pause instead of delaying the editor's next save.
                gc.collect()
                continue
            options = replace(self.options, fresh_search=task == "reindex")
            self._build(options, generation)
            if task == "reindex" and not self.stale_search and self.built:
                self.log(f"search index updated in {self.built.report.seconds:.2f} s")

    def _next_task(self) -> str:
        """What the builds' thread does next (called holding `wake`): a build after an edit;
        after QUIET seconds without one, collect the builds' garbage; after IDLE more, make
        the search index anew (Pagefind takes seconds for thousands of articles: not after
        every save, but once the editor pauses)."""
        while True:
            if self.stopping:
                return "stop"
            if self.dirty:
                return "build"
            timeout = QUIET if self.trash else IDLE if self.stale_search else None
            if not self.wake.wait(timeout) and not self.dirty and not self.stopping:
                return "collect" if self.trash else "reindex"

    def _build(self, options: Options, generation: int) -> None:
        def cancelled() -> bool:
            return self.generation != generation

        try:
            built = build(options, self.cache, cancelled=cancelled, commit_lock=self.write_lock)
        except Cancelled as exc:
            # Its frames hold what the cancelled build made (a site of thousands of pages):
            # freeing it holds the interpreter for a tenth of a second, so it is freed when
            # the next build starts, after the edit's own page is on disk, not meanwhile.
            self.trash.append(exc)
            return
        except SiteError as exc:
            self.errors = [str(problem) for problem in exc.problems]
            self.log("\n".join(self.errors))
            self.notify()
            return
        built.article_pages  # noqa: B018 - made here, not on the editor's next save
        self.trash.append(self.built)  # the last site: freed as above
        self.built, self.errors = built, []
        report = built.report
        self.stale_search = report.stale_search
        self.log(
            f"rebuilt in {report.seconds:.2f} s: {report.parsed} parsed, "
            f"{report.rendered} rendered, {report.written} written, {report.removed} removed"
        )
        for warning in report.warnings:
            self.log(warning)
        self.notify()

    def _warm_up(self) -> None:
        """The first build ran in worker processes: compile this one's templates and make its
        Markdown engine now, not on the editor's first save."""
        built = self.built
        page = next((p for p in built.site.pages if p.article), None) if built else None
        if built is None or page is None or page.article is None:
            return
        source = self.options.site / page.article.doc.source
        if source.is_file():
            try:
                _render_edit(built, self.cache, source, page)
            except SiteError:
                return

    def _fast(self, paths: set[Path]) -> bool:
        """Render and write the pages of edited articles whose place in the site is unchanged."""
        built = self.built
        paths = {p for p in paths if p.exists()}  # an editor's temporary files come and go
        if built is None or self.errors or not paths:
            return False
        if not all(_is_article(p, self.options) for p in paths):
            return False
        by_source = built.article_pages
        files: list[tuple[OutputFile, str]] = []
        for path in paths:
            page = by_source.get(path.relative_to(self.options.site).as_posix())
            try:
                made = _render_edit(built, self.cache, path, page) if page else None
            except (SiteError, OSError):
                return False  # the follow-up build reports it
            if made is None:
                return False
            files.append(made)
        with self.write_lock:
            writer = write.replace_files(built.out, [file for file, _ in files])
        for file, fp in files:
            stamp, content = writer.stamps[file.path], writer.hashes[file.path]
            made_of = Made(fp, stamp.size, stamp.mtime, stamp.inode, content)
            self.cache.note_output(built.out, file.path, made_of)
        return True


def _render_edit(
    built: Built, cache: Cache, path: Path, page: Page
) -> tuple[OutputFile, str] | None:
    """The edited article's page in the last build's site, and its fingerprint; None when the
    edit moves the article (the follow-up build does that)."""
    assert page.article is not None
    site, config = built.site, built.renderer.config
    source = read_source(config.root, path, page.lang)
    result = parse_document(source, config, document_key(source, config.digest))
    doc = result.doc
    if not _same_place(page.article.doc, doc, site.urls) or not is_live(doc, built.now):
        return None
    cache.bodies[doc.key] = pack(result.body)  # the follow-up build parses and stores it
    links = tuple(sorted({(link.target, site.urls[link.target]) for link in doc.links}))
    article = replace(page.article, doc=doc, links=links)
    new = replace(page, article=article, title=doc.title)
    return built.renderer.page(new), built.fingerprints(new)


def _same_place(old: Document, new: Document, known: dict[str, str]) -> bool:
    same = all(getattr(old, key) == getattr(new, key) for key in PLACED)
    return same and all(link.target in known for link in new.links)


def _is_article(path: Path, options: Options) -> bool:
    try:
        parts = path.relative_to(options.site).parts
    except ValueError:
        return False
    return len(parts) > 2 and parts[0] == CONTENT and path.suffix == ".md" and path.is_file()


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
        self.session.edited(paths)


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


def stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
