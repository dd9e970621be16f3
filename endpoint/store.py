"""Where reactions and comments live. The database enforces the invariants: one vote per
reader and page is a primary key, and a vote and its count change in one transaction, never
read-then-write. A store that cannot be reached or written raises StoreUnavailable, and
recovers by itself on a later request: nothing here needs a restart.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO, Protocol, TypeVar

from endpoint import commentsql
from endpoint.commentsql import Duplicate
from endpoint.records import (
    Comment,
    Decision,
    LogEntry,
    NewComment,
    OutboxItem,
    Vote,
)

Counts = dict[str, int]
T = TypeVar("T")
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS votes ("
    " page TEXT NOT NULL, reader BLOB NOT NULL, kind TEXT NOT NULL, PRIMARY KEY (page, reader))",
    "CREATE TABLE IF NOT EXISTS counts ("
    " page TEXT NOT NULL, kind TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (page, kind))",
    "CREATE TABLE IF NOT EXISTS rate ("
    " client BLOB NOT NULL, minute INTEGER NOT NULL, n INTEGER NOT NULL,"
    " PRIMARY KEY (client, minute))",
    *commentsql.SCHEMA,
)
TABLES = ("votes", "counts", "rate", "comments", "moderation_log", "outbox", "versions")
# SQLite counts a vote in the statement that inserts it: fewer round trips under the lock.
SQLITE_TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS count_vote AFTER INSERT ON votes BEGIN"
    " INSERT INTO counts (page, kind, n) VALUES (NEW.page, NEW.kind, 1)"
    " ON CONFLICT (page, kind) DO UPDATE SET n = n + 1; END"
)
RETRY_AFTER = 2  # seconds a client should wait when the store is unavailable
PURGE_EVERY = 3600  # seconds between purges of old comments, per process

__all__ = [
    "RETRY_AFTER", "AlreadyReacted", "Comment", "Counts", "Decision", "Duplicate", "LogEntry",
    "NewComment", "OutboxItem", "RateLimited", "SQLiteStore", "Store", "StoreUnavailable", "Vote",
]  # fmt: skip


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


class Store(Protocol):
    kind: str

    def counts(self, pages: Sequence[str]) -> dict[str, Counts]: ...

    def vote(self, vote: Vote) -> Counts: ...

    def add_comment(self, comment: NewComment) -> int: ...

    def approved(self, page: str) -> list[Comment]: ...

    def approved_version(self) -> int: ...

    def comment_counts(self, pages: Sequence[str]) -> dict[str, int]: ...

    def listing(self, status: str, limit: int, before: int | None) -> list[Comment]: ...

    def totals(self) -> dict[str, int]: ...

    def decide(self, decision: Decision) -> dict[int, str]: ...

    def log(self, limit: int) -> list[LogEntry]: ...

    def claim_outbox(self, now: int, lease: int, limit: int) -> list[OutboxItem]: ...

    def finish_outbox(self, item: OutboxItem, message: int | None, now: int) -> None: ...

    def retry_outbox(self, item: OutboxItem, due: int) -> None: ...

    def next_due(self) -> int | None: ...

    def ping(self) -> None: ...

    def close(self) -> None: ...


def _rollback(db: sqlite3.Connection) -> None:
    with suppress(sqlite3.Error):
        if db.in_transaction:
            db.execute("ROLLBACK")


def minute_now() -> tuple[int, int]:
    """(the current minute number, seconds until the next one)."""
    now = time.time()
    return int(now // 60), max(1, 60 - int(now % 60))


class Upkeep:
    """What both stores do beside a write, per process: count a post against the
    per-address limit that reactions and comments share (sweeping past minutes' rows once a
    minute), and purge pending and rejected comments older than 30 days once an hour."""

    def __init__(self) -> None:
        self.swept = 0
        self.purged = 0

    def count_post(self, db: commentsql.Connection, client: bytes, limit: int) -> None:
        if not limit:
            return
        minute, retry_after = minute_now()
        if self.swept != minute:
            commentsql.sweep_rate(db, minute)
            self.swept = minute
        if commentsql.count_rate(db, client, minute) > limit:
            raise RateLimited(retry_after)

    def purge(self, db: commentsql.Connection, now: int) -> None:
        if now - self.purged >= PURGE_EVERY:
            commentsql.purge(db, now)
            self.purged = now


class SQLiteStore:
    """SQLite in WAL mode, writes serialised by BEGIN IMMEDIATE.

    One connection per thread, kept open. Writers queue on a lock before SQLite's own:
    a thread lock within the process, a file lock across processes (gunicorn workers).
    SQLite's busy handler sleeps in steps of up to 100 ms, which is what p99 would see.
    A database file that is deleted or replaced under a running endpoint is noticed on
    the next request, and a new one gets its tables.
    """

    kind = "sqlite"

    def __init__(self, path: str | Path, busy_timeout_ms: int = 1500) -> None:
        self.path = str(path)
        self.busy_timeout_ms = busy_timeout_ms
        self.upkeep = Upkeep()
        self.local = threading.local()
        self.write_lock = threading.Lock()
        self.pid = os.getpid()
        self.lock_file: BinaryIO | None = None
        self.lock_pid = 0
        self.ready: set[tuple[int, int]] = set()  # files known to hold every table
        self.opened: list[sqlite3.Connection] = []  # every thread's, for close()
        # Tables are made on first use: a database that cannot be created yet (a missing
        # folder, a full disk) answers 503 until it can, instead of stopping the start.
        with suppress(StoreUnavailable):
            self.ping()

    # --- connections

    def _identity(self) -> tuple[int, int] | None:
        try:
            found = os.stat(self.path)
        except OSError:
            return None
        return found.st_dev, found.st_ino

    def _connect(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self.local, "db", None)
        if db is not None and self.pid == os.getpid():
            if self._identity() == getattr(self.local, "file", None):
                return db
            self._forget()  # the file was deleted or replaced: open the one there now
        try:
            db = sqlite3.connect(
                self.path,
                timeout=self.busy_timeout_ms / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
            self._configure(db)
        except sqlite3.Error as exc:
            raise StoreUnavailable(str(exc)) from exc
        self.local.db, self.local.file, self.pid = db, self._identity(), os.getpid()
        self.opened.append(db)
        if self.local.file not in self.ready:
            self._create(db)
        return db

    def _configure(self, db: sqlite3.Connection) -> None:
        db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        # A comment a moderator deletes is overwritten, not just unlinked from the tree.
        db.execute("PRAGMA secure_delete = ON")

    def _create(self, db: sqlite3.Connection) -> None:
        """Make the tables if this file lacks any (a read suffices when it has them all, so
        that a read-only file still serves reads)."""
        marks = ",".join("?" * len(TABLES))
        sql = f"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ({marks})"  # noqa: S608
        try:
            (have,) = db.execute(sql, TABLES).fetchone()
        except sqlite3.Error as exc:
            self._forget()
            raise StoreUnavailable(str(exc)) from exc
        if have < len(TABLES):
            with self._transaction(db) as tx:
                for statement in (*SCHEMA, SQLITE_TRIGGER):
                    tx.execute(statement)
        self.ready.add(self.local.file)

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
    def _transaction(self, db: sqlite3.Connection | None = None) -> Iterator[sqlite3.Connection]:
        # An open connection keeps writing through its descriptor after the file became
        # read-only (chmod, a read-only remount, chattr +i): refuse at once instead.
        if os.path.exists(self.path) and not os.access(self.path, os.W_OK):
            raise StoreUnavailable(f"{self.path} is read-only")
        db = db or self._connect()
        with self.write_lock, self._file_lock():
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    _rollback(db)
                    raise
                db.execute("COMMIT")
            except sqlite3.Error as exc:
                # Roll back before closing: a closed connection cannot even say whether
                # it is in a transaction (that once turned a busy database into a 500).
                _rollback(db)
                self._forget()
                raise StoreUnavailable(str(exc)) from exc

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        """Wait up to the busy timeout for the other processes' writers, polling finely."""
        try:
            handle = self._lock_handle()
        except OSError as exc:  # the folder is gone or not writable
            raise StoreUnavailable(f"cannot open {self.path}.lock: {exc.strerror}") from exc
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

    def _lock_handle(self) -> BinaryIO:
        handle = self.lock_file
        if handle is None or self.lock_pid != os.getpid() or not os.path.exists(handle.name):
            if handle is not None:
                handle.close()
            handle = self.lock_file = open(self.path + ".lock", "a+b")  # noqa: SIM115 - kept open
            self.lock_pid = os.getpid()
        return handle

    def _read(self, query: Callable[[sqlite3.Connection], T]) -> T:
        db = self._connect()
        try:
            return query(db)
        except sqlite3.Error as exc:
            self._forget()
            self.ready.discard(getattr(self.local, "file", None))  # tables may be gone
            raise StoreUnavailable(str(exc)) from exc

    # --- reactions

    def counts(self, pages: Sequence[str]) -> dict[str, Counts]:
        result: dict[str, Counts] = {page: {} for page in pages}
        marks = ",".join("?" * len(pages))
        query = f"SELECT page, kind, n FROM counts WHERE page IN ({marks})"  # noqa: S608
        for page, kind, n in self._read(lambda db: db.execute(query, list(pages)).fetchall()):
            result[page][kind] = n
        return result

    def vote(self, vote: Vote) -> Counts:
        with self._transaction() as db:
            self.upkeep.count_post(db, vote.client, vote.limit)
            # The trigger `count_vote` adds the vote to its count in this same statement.
            inserted = db.execute(
                "INSERT INTO votes (page, reader, kind) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (vote.page, vote.reader, vote.kind),
            ).rowcount

        def after(db: sqlite3.Connection) -> tuple[Counts, str | None]:
            counts = dict(db.execute("SELECT kind, n FROM counts WHERE page = ?", (vote.page,)))
            row = db.execute(
                "SELECT kind FROM votes WHERE page = ? AND reader = ?", (vote.page, vote.reader)
            ).fetchone()
            return counts, (row[0] if row else None)

        counts, mine = self._read(after)
        if inserted != 1:
            raise AlreadyReacted(mine or "", counts)
        return counts

    # --- comments

    def add_comment(self, comment: NewComment) -> int:
        with self._transaction() as db:
            self.upkeep.count_post(db, comment.client, comment.limit)
            self.upkeep.purge(db, comment.created)
            return commentsql.insert(db, comment)

    def approved(self, page: str) -> list[Comment]:
        return self._read(lambda db: commentsql.approved(db, page))

    def approved_version(self) -> int:
        return self._read(commentsql.approved_version)

    def comment_counts(self, pages: Sequence[str]) -> dict[str, int]:
        return self._read(lambda db: commentsql.approved_counts(db, pages))

    def listing(self, status: str, limit: int, before: int | None) -> list[Comment]:
        return self._read(lambda db: commentsql.listing(db, status, limit, before))

    def totals(self) -> dict[str, int]:
        return self._read(commentsql.totals)

    def decide(self, decision: Decision) -> dict[int, str]:
        with self._transaction() as db:
            self.upkeep.purge(db, decision.at)  # moderators at work: a good moment for upkeep
            return commentsql.decide(db, decision)

    def log(self, limit: int) -> list[LogEntry]:
        return self._read(lambda db: commentsql.log(db, limit))

    # --- the Telegram outbox

    def claim_outbox(self, now: int, lease: int, limit: int) -> list[OutboxItem]:
        with self._transaction() as db:
            return commentsql.claim(db, now, lease, limit)

    def finish_outbox(self, item: OutboxItem, message: int | None, now: int) -> None:
        with self._transaction() as db:
            commentsql.finish(db, item, message, now)

    def retry_outbox(self, item: OutboxItem, due: int) -> None:
        with self._transaction() as db:
            commentsql.retry(db, item, due)

    def next_due(self) -> int | None:
        return self._read(commentsql.next_due)

    # --- upkeep

    def ping(self) -> None:
        self._read(lambda db: db.execute("SELECT count(*) FROM counts WHERE 0").fetchone())

    def close(self) -> None:
        for db in self.opened:
            with suppress(sqlite3.Error):
                db.close()
        self.opened.clear()
        self.local = threading.local()
        if self.lock_file is not None:
            self.lock_file.close()
            self.lock_file = None
