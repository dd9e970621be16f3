"""The persistent build cache (--cache, default SITE/.cache/): parsed documents and their
bodies by key, and what each output file was made of. Deleting it is always safe.

One SQLite file, one connection per thread and process (serve builds on its own threads,
parallel workers are forked). A cache that cannot be used is said once on stderr; the build
then goes on without it, slower but right.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import sys
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TypeVar

from generator.digests import Seen
from generator.model import Document

T = TypeVar("T")

FILE = "khabar.sqlite3"
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS documents (key TEXT PRIMARY KEY, doc BLOB NOT NULL,"
    " body BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS outputs (out TEXT NOT NULL, path TEXT NOT NULL,"
    " fingerprint TEXT NOT NULL, size INTEGER NOT NULL, mtime INTEGER NOT NULL,"
    " inode INTEGER NOT NULL, content TEXT NOT NULL, PRIMARY KEY (out, path))",
    "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER NOT NULL,"
    " mtime INTEGER NOT NULL, ctime INTEGER NOT NULL, inode INTEGER NOT NULL,"
    " digest TEXT NOT NULL, at INTEGER NOT NULL)",
)
SCHEMA_VERSION = 3  # a file of another layout is dropped and made anew: it is only a cache
BATCH = 500
DAMAGED = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


@dataclass(frozen=True)
class Made:
    """An output file as the last build left it, and what it was made of."""

    fingerprint: str
    size: int
    mtime: int
    inode: int
    content: str  # the hash of its bytes: a file restored elsewhere (CI) proves itself by it


def _row(item: Made | Seen) -> tuple[object, ...]:
    return tuple(getattr(item, f.name) for f in fields(item))


def pack(body: str) -> bytes:
    return zlib.compress(body.encode("utf-8"), 1)


def unpack(data: bytes) -> str:
    return zlib.decompress(data).decode("utf-8")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Cache:
    def __init__(
        self, folder: Path | None, read_only: bool = False, notice: Callable[[str], None] = _say
    ) -> None:
        self.path = folder / FILE if folder is not None else None
        self.read_only = read_only  # `check` reads the cache but writes nothing, not even it
        self.notice = notice
        self.failed: str | None = None  # why the file is not used, once said
        self.docs: dict[str, Document] = {}
        self.bodies: dict[str, bytes] = {}  # bodies the file does not hold (check, failures)
        self.made: dict[str, dict[str, Made]] = {}
        # What the file holds, as this process last read or wrote it: serve's builds write
        # only the rows that changed. A row another process changed meanwhile is only a
        # wrong hint: outputs and hashes are checked against the disk before they are used.
        self.stored_outputs: dict[str, dict[str, Made]] = {}
        self.stored_seen: dict[str, Seen] | None = None
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []

    # -- connections ------------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection | None:
        if self.path is None:
            return None
        if getattr(self._local, "pid", None) != os.getpid():  # a new thread or a forked worker
            self._local.pid, self._local.db = os.getpid(), self._open()
        db: sqlite3.Connection | None = self._local.db
        return db

    def _open(self) -> sqlite3.Connection | None:
        assert self.path is not None
        if self.read_only:
            # immutable: no lock files touched; a WAL left by a crash is ignored (misses).
            uri = f"{self.path.as_uri()}?mode=ro&immutable=1"
            connect = lambda: self._keep(sqlite3.connect(uri, uri=True, check_same_thread=False))  # noqa: E731
            db = self._guard(connect) if self.path.exists() else None
            version = (
                self._guard(lambda: db.execute("PRAGMA user_version").fetchone()[0]) if db else None
            )
            return db if version == SCHEMA_VERSION else None  # another layout: a cold cache
        return None if self.failed else self._create_or_renew()

    def _create_or_renew(self) -> sqlite3.Connection | None:
        assert self.path is not None
        try:
            return self._create()
        except sqlite3.DatabaseError as exc:
            if exc.sqlite_errorcode not in DAMAGED:
                self._fail(exc)
                return None
        except OSError as exc:
            self._fail(exc)
            return None
        for suffix in ("", "-wal", "-shm"):  # a damaged file is only a cold cache
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        return self._guard(self._create)

    def _create(self) -> sqlite3.Connection:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Each thread uses its own connection; `close` may come from another thread at the end.
        db = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=False)
        self._keep(db)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            tables = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
            for (table,) in tables:
                db.execute(f'DROP TABLE "{table}"')
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        for statement in SCHEMA:
            db.execute(statement)
        return db

    def _keep(self, db: sqlite3.Connection) -> sqlite3.Connection:
        with self._lock:
            self._connections.append(db)
        return db

    def _writable(self) -> sqlite3.Connection | None:
        """The connection for writing: none for `check` or once a write has failed."""
        return None if self.read_only or self.failed else self._db()

    def _guard(self, work: Callable[[], T]) -> T | None:
        """Run one cache operation; a failure is said once and the file is left alone."""
        try:
            return work()
        except (sqlite3.Error, OSError) as exc:
            self._fail(exc)
            return None

    def _fail(self, exc: Exception) -> None:
        if not self.failed:
            self.failed = f"{type(exc).__name__}: {exc}"
            self.notice(f"khabar: the build cache {self.path} cannot be used "
                        f"({self.failed}); going on without it")  # fmt: skip

    # -- documents --------------------------------------------------------------------------

    def documents(self, keys: Iterable[str]) -> dict[str, Document]:
        """The known documents among `keys` (the memory layer first)."""
        wanted = [k for k in keys if k not in self.docs]
        db = self._db()
        if wanted and db is not None:
            rows = self._guard(lambda: list(self._select(db, "key, doc", wanted)))
            for key, value in rows or ():
                self.docs[key] = pickle.loads(value)  # noqa: S301 - our own file
        return self.docs

    def _select(
        self, db: sqlite3.Connection, columns: str, keys: list[str]
    ) -> Iterator[tuple[str, bytes]]:
        for i in range(0, len(keys), BATCH):
            batch = keys[i : i + BATCH]
            marks = ",".join("?" * len(batch))
            query = f"SELECT {columns} FROM documents WHERE key IN ({marks})"  # noqa: S608
            yield from db.execute(query, batch)

    def keep_documents(self, found: dict[str, Document], bodies: dict[str, bytes]) -> None:
        """Remember this build's documents (new ones with their packed bodies); forget the
        ones no source gives any more."""
        self.docs = dict(found)
        db = self._writable()
        if db is None or not self._guard(lambda: self._store(db, found, bodies)):
            self.bodies.update(bodies)

    def _store(
        self, db: sqlite3.Connection, found: dict[str, Document], bodies: dict[str, bytes]
    ) -> bool:
        rows = ((k, pickle.dumps(found[k], pickle.HIGHEST_PROTOCOL), b) for k, b in bodies.items())
        db.execute("BEGIN")
        try:
            db.executemany("INSERT OR REPLACE INTO documents VALUES (?, ?, ?)", rows)
            db.execute("CREATE TEMP TABLE IF NOT EXISTS current (key TEXT PRIMARY KEY)")
            db.execute("DELETE FROM current")
            db.executemany("INSERT OR IGNORE INTO current VALUES (?)", ((k,) for k in found))
            db.execute("DELETE FROM documents WHERE key NOT IN (SELECT key FROM current)")
            db.execute("COMMIT")
        except sqlite3.Error:
            db.execute("ROLLBACK")
            raise
        return True

    def body(self, key: str) -> str:
        """A document's body HTML; the document came from this cache or was just parsed."""
        packed = self.bodies.get(key)
        db = self._db()
        if packed is None and db is not None:
            row = self._guard(
                lambda: db.execute("SELECT body FROM documents WHERE key = ?", (key,)).fetchone()
            )
            packed = row[0] if row else None
        if packed is None:
            raise LookupError(f"the build cache lost the body of document {key}")
        return unpack(packed)

    # -- outputs ----------------------------------------------------------------------------

    def outputs(self, out: Path) -> dict[str, Made]:
        key = str(out)
        if key not in self.made:
            db = self._db()
            query = (
                "SELECT path, fingerprint, size, mtime, inode, content FROM outputs WHERE out = ?"
            )
            rows = self._guard(lambda: list(db.execute(query, (key,)))) if db else None
            self.made[key] = {row[0]: Made(*row[1:]) for row in rows or ()}
            self.stored_outputs[key] = dict(self.made[key])
        return self.made[key]

    def keep_outputs(self, out: Path, made: dict[str, Made]) -> None:
        key = str(out)
        self.made[key] = made
        db = self._writable()
        stored = self.stored_outputs.get(key, {})
        if db is not None and self._guard(lambda: self._store_outputs(db, key, stored, made)):
            self.stored_outputs[key] = dict(made)

    def _store_outputs(
        self, db: sqlite3.Connection, key: str, stored: dict[str, Made], made: dict[str, Made]
    ) -> bool:
        changed = [(key, p, *_row(m)) for p, m in made.items() if stored.get(p) != m]
        gone = [(key, p) for p in stored.keys() - made.keys()]
        db.execute("BEGIN")
        try:
            db.executemany("DELETE FROM outputs WHERE out = ? AND path = ?", gone)
            db.executemany("INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?, ?, ?, ?)", changed)
            db.execute("COMMIT")
        except sqlite3.Error:
            db.execute("ROLLBACK")
            raise
        return True

    # -- file hashes ------------------------------------------------------------------------

    def seen_files(self) -> dict[str, Seen]:
        if self.stored_seen is None:
            db = self._db()
            query = "SELECT path, size, mtime, ctime, inode, digest, at FROM files"
            rows = self._guard(lambda: list(db.execute(query))) if db else None
            self.stored_seen = {row[0]: Seen(*row[1:]) for row in rows or ()}
        return dict(self.stored_seen)

    def keep_seen_files(self, seen: dict[str, Seen]) -> None:
        db = self._writable()
        stored = self.stored_seen or {}
        if db is not None and self._guard(lambda: self._store_seen(db, stored, seen)):
            self.stored_seen = dict(seen)

    def _store_seen(
        self, db: sqlite3.Connection, stored: dict[str, Seen], seen: dict[str, Seen]
    ) -> bool:
        changed = [(p, *_row(s)) for p, s in seen.items() if stored.get(p) != s]
        gone = [(p,) for p in stored.keys() - seen.keys()]
        db.execute("BEGIN")
        try:
            db.executemany("DELETE FROM files WHERE path = ?", gone)
            db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?)", changed)
            db.execute("COMMIT")
        except sqlite3.Error:
            db.execute("ROLLBACK")
            raise
        return True

    def note_output(self, out: Path, path: str, made: Made) -> None:
        """One file replaced outside a build (serve's fast path): remembered in memory; the
        next build stores the whole record."""
        self.outputs(out)[path] = made

    def close(self) -> None:
        """Close every connection (SQLite checkpoints its WAL into the file)."""
        with self._lock:
            connections, self._connections = self._connections, []
        for db in connections:
            db.close()
        self._local = threading.local()
