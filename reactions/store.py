"""Where reactions live. The database enforces the invariants: one vote per reader and page is
a primary key, and a vote and its count change in one transaction, never read-then-write.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

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

    A connection per request: forked or threaded servers share nothing, and a file moved
    or restored from a backup is seen at once. One idle connection stays open so that
    the WAL is not checkpointed away after every request (that costs 8x per write).
    """

    kind = "sqlite"

    def __init__(self, path: str | Path, busy_timeout_ms: int = 1500) -> None:
        self.path = str(path)
        self.busy_timeout_ms = busy_timeout_ms
        self.swept = 0
        self.anchor: sqlite3.Connection | None = None
        try:
            with self._transaction() as db:
                for statement in SCHEMA:
                    db.execute(statement)
            self.anchor = self._connect()
        except StoreUnavailable:
            pass  # reported on the first request; the service still starts and answers 503

    def _connect(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(
                self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None
            )
            db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            raise StoreUnavailable(str(exc)) from exc
        return db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        # SQLite may write through a descriptor opened before the file became read-only
        # (chmod, a read-only remount, chattr +i): refuse at once rather than write blind.
        if os.path.exists(self.path) and not os.access(self.path, os.W_OK):
            raise StoreUnavailable(f"{self.path} is read-only")
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            yield db
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreUnavailable(str(exc)) from exc
        finally:
            if db.in_transaction:
                with suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
            db.close()

    def counts(self, pages: Sequence[str]) -> dict[str, Counts]:
        result: dict[str, Counts] = {page: {} for page in pages}
        marks = ",".join("?" * len(pages))
        query = f"SELECT page, kind, n FROM counts WHERE page IN ({marks})"  # noqa: S608
        db = self._connect()
        try:
            rows = db.execute(query, list(pages)).fetchall()
        except sqlite3.Error as exc:
            raise StoreUnavailable(str(exc)) from exc
        finally:
            db.close()
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
            inserted = db.execute(
                "INSERT INTO votes (page, reader, kind) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (vote.page, vote.reader, vote.kind),
            ).rowcount
            if inserted == 1:
                db.execute(
                    "INSERT INTO counts (page, kind, n) VALUES (?, ?, 1) ON CONFLICT (page, kind)"
                    " DO UPDATE SET n = n + 1",
                    (vote.page, vote.kind),
                )
            counts = dict(
                db.execute("SELECT kind, n FROM counts WHERE page = ?", (vote.page,)).fetchall()
            )
            if inserted != 1:
                (mine,) = db.execute(
                    "SELECT kind FROM votes WHERE page = ? AND reader = ?", (vote.page, vote.reader)
                ).fetchone()
        if inserted != 1:
            raise AlreadyReacted(mine, counts)
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
            raise StoreUnavailable(str(exc)) from exc
        finally:
            db.close()

    def close(self) -> None:
        if self.anchor is not None:
            self.anchor.close()
            self.anchor = None


def open_store(url: str) -> Store:
    """`sqlite:///relative/path`, `sqlite:////absolute/path` or `postgresql://…`."""
    if url.startswith("sqlite:///"):
        return SQLiteStore(url.removeprefix("sqlite:///"))
    if url.startswith(("postgresql://", "postgres://")):
        from reactions.store_pg import PostgresStore

        return PostgresStore(url)
    raise ValueError(f"REACTIONS_DATABASE_URL: unknown kind of database in {url!r}")
