"""The persistent build cache (--cache, default SITE/.cache/): parsed documents by key, and
what each output page was made of. Deleting it is always safe: the next build is cold.
"""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.model import Document

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS documents (key TEXT PRIMARY KEY, value BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS outputs (out TEXT NOT NULL, path TEXT NOT NULL,"
    " fingerprint TEXT NOT NULL, size INTEGER NOT NULL, mtime INTEGER NOT NULL,"
    " inode INTEGER NOT NULL, PRIMARY KEY (out, path))",
)


@dataclass(frozen=True)
class Made:
    """An output file as the last build left it, and what it was made of."""

    fingerprint: str
    size: int
    mtime: int
    inode: int


class Cache:
    """A memory layer over an optional SQLite file. A cache it cannot read is a cold one."""

    def __init__(self, folder: Path | None, read_only: bool = False) -> None:
        self.last: Any = None  # the last build's renderer, kept in memory by serve
        self.docs: dict[str, Document] = {}
        self.made: dict[str, dict[str, Made]] = {}
        self.db: sqlite3.Connection | None = None
        self.read_only = read_only  # `check` reads the cache but writes nothing, not even it
        path = folder / "khabar.sqlite3" if folder is not None else None
        if path is not None and read_only and path.exists():
            with suppress(sqlite3.Error):
                # immutable: no lock files touched; a WAL left by a crash is ignored (misses).
                self.db = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
        elif path is not None and not read_only:
            with suppress(sqlite3.Error, OSError):
                path.parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(path, isolation_level=None)
                self.db.execute("PRAGMA journal_mode = WAL")
                for statement in SCHEMA:
                    self.db.execute(statement)

    def documents(self, keys: Iterable[str]) -> dict[str, Document]:
        wanted = [k for k in keys if k not in self.docs]
        if wanted and self.db is not None:
            with suppress(sqlite3.Error):
                rows = self._rows(wanted)
                for key, value in rows:
                    with suppress(Exception):  # an unreadable entry is simply a miss
                        self.docs[key] = pickle.loads(value)  # noqa: S301 - our own file
        return self.docs

    def _rows(self, wanted: list[str]) -> Iterable[tuple[str, bytes]]:
        assert self.db is not None
        if self.read_only:  # no temporary table on a read-only connection: ask in batches
            for i in range(0, len(wanted), 500):
                batch = wanted[i : i + 500]
                marks = ",".join("?" * len(batch))
                query = f"SELECT key, value FROM documents WHERE key IN ({marks})"  # noqa: S608
                yield from self.db.execute(query, batch)
            return
        self.db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (key TEXT PRIMARY KEY)")
        self.db.execute("DELETE FROM wanted")
        self.db.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", ((k,) for k in wanted))
        yield from self.db.execute(
            "SELECT d.key, d.value FROM documents d JOIN wanted w ON w.key = d.key"
        )

    def keep_documents(self, found: dict[str, Document]) -> None:
        """Remember this build's documents; forget the ones no source gives any more."""
        new = {k: v for k, v in found.items() if k not in self.docs}
        self.docs = dict(found)
        if self.db is None or self.read_only:
            return
        with suppress(sqlite3.Error):
            self.db.execute("BEGIN")
            self.db.executemany(
                "INSERT OR REPLACE INTO documents VALUES (?, ?)",
                ((k, pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL)) for k, v in new.items()),
            )
            self.db.execute("CREATE TEMP TABLE IF NOT EXISTS current (key TEXT PRIMARY KEY)")
            self.db.execute("DELETE FROM current")
            self.db.executemany("INSERT OR IGNORE INTO current VALUES (?)", ((k,) for k in found))
            self.db.execute("DELETE FROM documents WHERE key NOT IN (SELECT key FROM current)")
            self.db.execute("COMMIT")

    def outputs(self, out: Path) -> dict[str, Made]:
        key = str(out)
        if key not in self.made:
            self.made[key] = {}
            if self.db is not None:
                with suppress(sqlite3.Error):
                    rows = self.db.execute(
                        "SELECT path, fingerprint, size, mtime, inode FROM outputs WHERE out = ?",
                        (key,),
                    )
                    self.made[key] = {row[0]: Made(*row[1:]) for row in rows}
        return self.made[key]

    def keep_outputs(self, out: Path, made: dict[str, Made]) -> None:
        key = str(out)
        self.made[key] = made
        if self.db is None or self.read_only:
            return
        with suppress(sqlite3.Error):
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM outputs WHERE out = ?", (key,))
            self.db.executemany(
                "INSERT INTO outputs VALUES (?, ?, ?, ?, ?, ?)",
                ((key, p, m.fingerprint, m.size, m.mtime, m.inode) for p, m in made.items()),
            )
            self.db.execute("COMMIT")

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
