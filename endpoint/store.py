"""Where reactions live. The database enforces the invariants: one vote per reader and page is
a primary key, and a vote and its count change in one transaction, never read-then-write.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

Counts = dict[str, int]
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS votes ("
    " page TEXT NOT NULL, reader BLOB NOT NULL, kind TEXT NOT NULL, PRIMARY KEY (page, reader))",
    "CREATE TABLE IF NOT EXISTS counts ("
    " page TEXT NOT NULL, kind TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (page, kind))",
    "CREATE TABLE IF NOT EXISTS rate ("
    " client BLOB NOT NULL, minute INTEGER NOT NULL, n INTEGER NOT NULL,"
    " PRIMARY KEY (client, minute))",
)
# SQLite counts a vote in the statement that inserts it: fewer round trips under the lock.
SQLITE_TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS count_vote AFTER INSERT ON votes BEGIN"
    " INSERT INTO counts (page, kind, n) VALUES (NEW.page, NEW.kind, 1)"
    " ON CONFLICT (page, kind) DO UPDATE SET n = n + 1; END"
)
RETRY_AFTER = 2  # seconds a client should wait when the store is unavailable


class StoreUnavailable(Exception):
    """The database cannot be reached or written: answer 503, try again soon."""


class AlreadyReacted(Exception):
    def __init__(self, mine: str, counts: Counts) -> None:
        super().__init__(mine)
        self.mine = mine
        self.counts = counts


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Vote:
    page: str
    reader: bytes  # keyed hash of the reader id (identity.reader_key)
    kind: str
    client: bytes  # keyed hash of the client IP, for the rate limit
    limit: int  # POSTs per client per minute; 0: none


class Store(Protocol):
    kind: str

    def counts(self, pages: Sequence[str]) -> dict[str, Counts]: ...

    def vote(self, vote: Vote) -> Counts: ...

    def ping(self) -> None: ...

    def close(self) -> None: ...


def minute_now() -> tuple[int, int]:
    """(the current minute number, seconds until the next one)."""
    now = time.time()
    return int(now // 60), max(1, 60 - int(now % 60))


class SQLiteStore:
    """SQLite in WAL mode, writes serialised by BEGIN IMMEDIATE.

    One connection per thread, kept open. Writers queue on a lock before SQLite's own:
    a thread lock within the process, a file lock across processes (gunicorn workers).
    SQLite's busy handler sleeps in steps of up to 100 ms, which is what p99 would see.
    """

    kind = "sqlite"

    def __init__(self, path: str | Path, busy_timeout_ms: int = 1500) -> None:
        self.path = str(path)
        self.busy_timeout_ms = busy_timeout_ms
        self.swept = 0
        self.local = threading.local()
        self.write_lock = threading.Lock()
        self.pid = os.getpid()
        self.lock_file: BinaryIO | None = None
        self.lock_pid = 0
        self.opened: list[sqlite3.Connection] = []  # every thread's, for close()
        try:
            with self._transaction() as db:
                for statement in (*SCHEMA, SQLITE_TRIGGER):
                    db.execute(statement)
        except StoreUnavailable:
            pass  # reported on the first request; the service still starts and answers 503

    def _connect(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self.local, "db", None)
        if db is not None and self.pid == os.getpid():
            return db
        try:
            db = sqlite3.connect(
                self.path,
                timeout=self.busy_timeout_ms / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
            db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            raise StoreUnavailable(str(exc)) from exc
        self.local.db, self.pid = db, os.getpid()
        self.opened.append(db)
        return db

    def _forget(self) -> None:
        """Drop this thread's connection after an error: the next request opens a new one."""
        db = getattr(self.local, "db", None)
        self.local.db = None
        if db is not None:
            with suppress(sqlite3.Error):
                db.close()
            with suppress(ValueError):
                self.opened.remove(db)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        # An open connection keeps writing through its descriptor after the file became
        # read-only (chmod, a read-only remount, chattr +i): refuse at once instead.
        if os.path.exists(self.path) and not os.access(self.path, os.W_OK):
            raise StoreUnavailable(f"{self.path} is read-only")
        with self.write_lock, self._file_lock():
            db = self._connect()
            try:
                db.execute("BEGIN IMMEDIATE")
                yield db
                db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._forget()
                raise StoreUnavailable(str(exc)) from exc
            finally:
                if db.in_transaction:
                    with suppress(sqlite3.Error):
                        db.execute("ROLLBACK")

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        """Wait up to the busy timeout for the other processes' writers, polling finely."""
        handle = getattr(self, "lock_file", None)
        if handle is None or self.lock_pid != os.getpid():
            handle = self.lock_file = open(self.path + ".lock", "a+b")  # noqa: SIM115 - kept open
            self.lock_pid = os.getpid()
        deadline = time.monotonic() + self.busy_timeout_ms / 1000
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StoreUnavailable("the database is busy") from None
                time.sleep(0.0002)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

    def counts(self, pages: Sequence[str]) -> dict[str, Counts]:
        result: dict[str, Counts] = {page: {} for page in pages}
        marks = ",".join("?" * len(pages))
        query = f"SELECT page, kind, n FROM counts WHERE page IN ({marks})"  # noqa: S608
        db = self._connect()
        try:
            rows = db.execute(query, list(pages)).fetchall()
        except sqlite3.Error as exc:
            self._forget()
            raise StoreUnavailable(str(exc)) from exc
        for page, kind, n in rows:
            result[page][kind] = n
        return result

    def vote(self, vote: Vote) -> Counts:
        minute, retry_after = minute_now()
        with self._transaction() as db:
            if vote.limit:
                self._sweep(db, minute)
                (used,) = db.execute(
                    "INSERT INTO rate (client, minute, n) VALUES (?, ?, 1)"
                    " ON CONFLICT (client, minute) DO UPDATE SET n = n + 1 RETURNING n",
                    (vote.client, minute),
                ).fetchone()
                if used > vote.limit:
                    raise RateLimited(retry_after)
            # The trigger `count_vote` adds the vote to its count in this same statement.
            inserted = db.execute(
                "INSERT INTO votes (page, reader, kind) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (vote.page, vote.reader, vote.kind),
            ).rowcount
        db = self._connect()
        try:
            counts = dict(db.execute("SELECT kind, n FROM counts WHERE page = ?", (vote.page,)))
            if inserted != 1:
                row = db.execute(
                    "SELECT kind FROM votes WHERE page = ? AND reader = ?", (vote.page, vote.reader)
                ).fetchone()
        except sqlite3.Error as exc:
            self._forget()
            raise StoreUnavailable(str(exc)) from exc
        if inserted != 1:
            raise AlreadyReacted(row[0] if row else "", counts)
        return counts

    def _sweep(self, db: sqlite3.Connection, minute: int) -> None:
        """Rate rows of past minutes are useless: drop them once a minute per process."""
        if self.swept != minute:
            db.execute("DELETE FROM rate WHERE minute < ?", (minute - 1,))
            self.swept = minute

    def ping(self) -> None:
        db = self._connect()
        try:
            db.execute("SELECT count(*) FROM counts WHERE 0").fetchone()
        except sqlite3.Error as exc:
            self._forget()
            raise StoreUnavailable(str(exc)) from exc

    def close(self) -> None:
        for db in self.opened:
            with suppress(sqlite3.Error):
                db.close()
        self.opened.clear()
        self.local = threading.local()
        if self.lock_file is not None:
            self.lock_file.close()
            self.lock_file = None
