"""The search index: Pagefind (from PyPI, with its binary; no Node) over the title, lead and
body of every published article, searched in the reader's browser.

The index is made from the site model, not from rendered pages: one small HTML record per
article, so only that text is indexed and nothing waits for rendering. Each language's index
is a Pagefind bundle of its own (a language's search page searches its own articles only),
kept in the build cache (--cache, under search/) by a hash of its records, computed without
reading a body (each article's address, its record's head and its body's digest): a new
article re-indexes its language only, a build in which no indexed text changed re-indexes nothing,
and the writer links the files. Missing languages are indexed at the same time, one Pagefind
process each. (Splitting a language's index further, say into this month and the archive,
would make new articles cheaper still, but Pagefind then ranks each part on its own and falls
back to shorter prefixes in a part that lacks a word: results would change with the split.)
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html import escape
from importlib import metadata
from pathlib import Path

from generator import i18n, urls
from generator.config import SiteConfig
from generator.errors import Problem, SiteError
from generator.fingerprint import code_digest
from generator.model import Article, CachedFile, Site

BUNDLE = "pagefind"  # the output folder the search page loads from
# What the search page needs of Pagefind's output; its ready-made UIs stay out.
NEEDED = re.compile(r"^(pagefind\.js|pagefind-worker\.js|pagefind-entry\.json|pagefind\..+\.pf_meta"
                    r"|wasm\..+\.pagefind|(index|fragment|filter)/.+)$")  # fmt: skip
STRIPPED = re.compile(r"<(img|picture|source|iframe|video|audio)\b[^>]*>", re.I)
KEEP_ENTRIES = 2  # per part: the current index and the one before (another --out, --drafts)
MARK = ".part"  # in each kept index: the language it is of
PARALLEL = 2  # Pagefind processes at a time (each uses one core; memory grows with each)
SETTINGS = {"keep_index_url": False, "write_playground": False}


@dataclass(frozen=True)
class Record:
    url: str  # the page's address as the browser sees it (with the site's base path)
    html: str


Bodies = Callable[[str], str]  # a document's key -> its body's HTML (kept in the cache)


def records(config: SiteConfig, items: Iterable[Article], bodies: Bodies) -> Iterator[Record]:
    """One small page per published article: what is indexed, and what results show.
    Made one at a time: the bodies of a large site are never all in memory."""
    return (_record(config, a, bodies(a.doc.key)) for a in sorted(items, key=_url))


@dataclass(frozen=True)
class Part:
    """A language's index: a Pagefind bundle of its own."""

    lang: str
    articles: tuple[Article, ...]

    @property
    def folder(self) -> str:
        return urls.search_bundle(self.lang).strip("/")


def parts(config: SiteConfig, site: Site) -> list[Part]:
    return [
        Part(lang, site.articles[lang]) for lang in config.lang_codes if site.articles.get(lang)
    ]


def _url(article: Article) -> str:
    return article.url


def _record(config: SiteConfig, article: Article, body: str) -> Record:
    html = f"{_head(config, article)}{STRIPPED.sub('', body)}</main></body></html>"
    return Record(f"{config.base_path}{article.url}", html)


# Document key -> its record's head. A head is a function of the document and site.yaml's
# labels and time zone, so of the document's key (its source, site.yaml and the code).
_HEADS: dict[str, str] = {}


def _head(config: SiteConfig, article: Article) -> str:
    """The record up to the body: everything in it but the body's text."""
    doc = article.doc
    when = doc.date.astimezone(config.tz)
    meta = {
        "rubric": config.categories[doc.category][doc.lang],
        "date": i18n.long_date(when, doc.lang),
        "datetime": when.isoformat(),
    }
    hidden = "".join(
        f'<meta data-pagefind-meta="{key}[content]" content="{escape(value)}">'
        for key, value in meta.items()
    )
    lead = f"<p>{escape(doc.lead)}</p>" if doc.lead else ""
    return (
        f'<!doctype html><html lang="{doc.lang}"><head><meta charset="utf-8">'
        f"<title>{escape(doc.title)}</title>{hidden}</head><body><main data-pagefind-body>"
        f"<h1>{escape(doc.title)}</h1>{lead}"
    )


def clashes(static: Iterable[str]) -> list[Problem]:
    """Files under static/ that the search index would overwrite."""
    return [
        Problem(f"static/{rel}", 1, f"this file would overwrite the search index ({BUNDLE}/)")
        for rel in static
        if rel.startswith(f"{BUNDLE}/")
    ]


def version() -> str:
    return metadata.version("pagefind")


class Store:
    """The index parts kept in the build cache, each in a folder named by its records' hash."""

    def __init__(self, folder: Path) -> None:
        self.root = folder / "search"

    def key(self, config: SiteConfig, part: Part, used: dict[str, str]) -> str:
        """A hash of the part's records without reading a body: each record is its address,
        its head (made here, cheaply) and its body, known by the body's digest; how a body
        becomes a record is the generator's code."""
        h = hashlib.blake2b(digest_size=16)
        h.update(f"{version()}\x00{json.dumps(SETTINGS)}\x00{code_digest()}".encode())
        for article in sorted(part.articles, key=_url):
            doc = article.doc
            if not doc.body_digest:
                raise ValueError(f"document {doc.source} has no body digest")
            head = _HEADS.get(doc.key) or _head(config, article)
            used[doc.key] = head
            line = f"\x00{config.base_path}{article.url}\x00{head}\x00{doc.body_digest}"
            h.update(line.encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def files(
        self, config: SiteConfig, site: Site, bodies: Bodies, fresh: bool = True
    ) -> tuple[list[CachedFile], bool]:
        """The index's files, each part made only when no index of its records is kept.
        With fresh=False (serve between its idle re-indexes) the latest index of a part
        stands in. Returns the files and whether they are of exactly these records."""
        chosen: list[tuple[Part, Path]] = []
        current = True
        used: dict[str, str] = {}
        for part in parts(config, site):
            folder = self.root / self.key(config, part, used)
            latest = None if fresh or folder.is_dir() else self._latest(part)
            if latest is not None:
                folder, current = latest, False
            chosen.append((part, folder))
        _HEADS.clear()  # the next build's (serve's) are mostly these
        _HEADS.update(used)
        self._make(config, [(p, f) for p, f in chosen if not f.is_dir()], bodies)
        for _, folder in chosen:
            os.utime(folder)  # the most recently used are kept
        self._prune()
        return [f for part, folder in chosen for f in _listing(folder, part)], current

    def _make(self, config: SiteConfig, missing: list[tuple[Part, Path]], bodies: Bodies) -> None:
        def make(item: tuple[Part, Path]) -> None:
            part, folder = item
            found = records(config, part.articles, bodies)
            make_index(found, len(part.articles), folder, part.lang)

        with ThreadPoolExecutor(PARALLEL) as pool:
            list(pool.map(make, missing))  # list(): an indexing error is raised here

    def _latest(self, part: Part) -> Path | None:
        entries = [e for e in self._entries() if _mark(e) == part.lang]
        return max(entries, key=lambda e: e.stat().st_mtime) if entries else None

    def _entries(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return [e for e in self.root.iterdir() if e.is_dir() and not e.name.startswith(".")]

    def _prune(self) -> None:
        by_mark: dict[str, list[Path]] = {}
        for entry in self._entries():
            by_mark.setdefault(_mark(entry), []).append(entry)
        for entries in by_mark.values():
            entries.sort(key=lambda e: e.stat().st_mtime, reverse=True)
            for old in entries[KEEP_ENTRIES:]:
                shutil.rmtree(old, ignore_errors=True)


def _mark(folder: Path) -> str:
    try:
        return (folder / MARK).read_text(encoding="utf-8")
    except OSError:
        return ""


def _listing(folder: Path, part: Part) -> list[CachedFile]:
    """A kept index never changes once renamed into place (it is named by its records):
    its listing is read once per folder, and again only if the folder was made anew."""
    identity = (str(folder), folder.stat().st_ino, part.folder)
    found = _LISTINGS.get(identity)
    if found is None:
        found = [
            CachedFile(f"{part.folder}/{rel}", path)
            for path in sorted(folder.rglob("*"))
            if path.is_file() and NEEDED.match(rel := path.relative_to(folder).as_posix())
        ]
        if len(_LISTINGS) > 2 * KEEP_ENTRIES * PARALLEL:  # serve runs for days: pruned ones go
            _LISTINGS.clear()
        _LISTINGS[identity] = found
    return list(found)


_LISTINGS: dict[tuple[str, int, str], list[CachedFile]] = {}


def make_index(found: Iterable[Record], count: int, folder: Path, mark: str) -> None:
    """Index the records with Pagefind's service and keep the files the search page needs in
    `folder`, which appears whole or not at all. The files come back in Pagefind's answer
    (GetFiles): when it writes them itself, it may still be writing after it answered."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        with Service() as service:
            index = service.call({"type": "NewIndex", "config": SETTINGS})["index_id"]
            service.call_many(
                ({"type": "AddFile", "index_id": index, "url": r.url, "file_contents": r.html,
                  "file_path": None} for r in found),
                count,
            )  # fmt: skip
            files = service.call({"type": "GetFiles", "index_id": index})["files"]
        assert isinstance(files, list)
        for file in files:
            _keep(stage, str(file["path"]), base64.b64decode(file["content"]))
        (stage / MARK).write_text(mark, encoding="utf-8")
        os.rename(stage, folder)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _keep(stage: Path, name: str, data: bytes) -> None:
    rel = name.lstrip("/").removeprefix(f"{BUNDLE}/")
    if not NEEDED.match(rel):
        return
    if rel == "pagefind-entry.json":
        data = _sorted_entry(data)
    target = stage / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def _sorted_entry(data: bytes) -> bytes:
    """Pagefind lists the languages in no fixed order: sorted, equal records give equal bytes."""
    entry = json.loads(data)
    return json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


class Service:
    """Pagefind's binary in service mode: base64 JSON messages, each ended by a comma.

    Pagefind's own Python wrapper waits 0.1 s between two answers (20 s for 200 pages);
    this client streams the requests from a thread and reads the answers as they come.
    """

    def __init__(self) -> None:
        self.binary = _binary()
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(
            [str(self.binary), "--service"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
        )
        self.next_id = 0
        self.buffer = b""

    def __enter__(self) -> Service:
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.kill()  # everything it made is in its answers
        with self.process:  # closes the pipes and reaps it
            pass
        self.log.close()

    def call(self, payload: dict[str, object]) -> dict[str, object]:
        return self.call_many([payload], 1)[-1]

    def call_many(
        self, payloads: Iterable[dict[str, object]], count: int
    ) -> list[dict[str, object]]:
        """`count` requests written by a thread while the answers are read: neither pipe
        fills up, and the requests are made one at a time (bodies are not all in memory)."""
        writer = threading.Thread(target=self._send_all, args=(payloads,), daemon=True)
        writer.start()
        answers: list[dict[str, object]] = []
        while len(answers) < count:
            answer = self._receive()
            if answer is None:
                break
            answers.append(answer)
        writer.join()
        if len(answers) < count:
            self._fail("Pagefind stopped before it answered")
        return answers

    def _send_all(self, payloads: Iterable[dict[str, object]]) -> None:
        assert self.process.stdin is not None
        try:
            for payload in payloads:
                self.next_id += 1
                message = {"message_id": self.next_id, "payload": payload}
                self.process.stdin.write(base64.b64encode(json.dumps(message).encode()) + b",")
            self.process.stdin.flush()
        except BrokenPipeError:
            pass  # the reader reports what Pagefind said

    def _receive(self) -> dict[str, object] | None:
        assert self.process.stdout is not None
        while b"," not in self.buffer:
            chunk = os.read(self.process.stdout.fileno(), 1 << 16)
            if not chunk:
                return None
            self.buffer += chunk
        raw, _, self.buffer = self.buffer.partition(b",")
        payload: dict[str, object] = json.loads(base64.b64decode(raw))["payload"]
        if payload.get("type") == "Error":
            self._fail(str(payload.get("message")))
        return payload

    def _fail(self, message: str) -> None:
        self.log.seek(0)
        said = self.log.read().decode(errors="replace").strip().splitlines()[-3:]
        detail = "; ".join([message, *said])
        raise SiteError([Problem("site.yaml", 1, f"the search index failed: {detail}")])


def _binary() -> Path:
    from pagefind.service import get_executable

    found = get_executable()
    if found is None:
        message = "the search index needs Pagefind's binary: pip install 'pagefind[bin]'"
        raise SiteError([Problem("site.yaml", 1, message)])
    return found
