"""Comments, moderation and the Telegram outbox in SQL that SQLite and PostgreSQL share.

Each function runs inside the caller's transaction on a connection whose `execute` takes
`?` placeholders (the PostgreSQL store translates them). The invariants live here, in
single statements: a claim of an outbox row is one conditional UPDATE, a rate count one
upsert; nothing is read in Python and written back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from endpoint.records import (
    ACTIONS,
    PURGE_AFTER,
    Comment,
    Decision,
    LogEntry,
    NewComment,
    OutboxItem,
)

# SQLite's spelling; store_pg.pg_schema() rewrites the types for PostgreSQL.
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS comments ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, page TEXT NOT NULL, name TEXT NOT NULL,"
    " text TEXT NOT NULL, created INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'pending'"
    " CHECK (status IN ('pending', 'approved', 'rejected')), fingerprint BLOB NOT NULL,"
    " client BLOB NOT NULL, reader BLOB, decided_by TEXT, decided_at INTEGER, message INTEGER)",
    "CREATE INDEX IF NOT EXISTS comments_by_page ON comments (page, status, id)",
    "CREATE INDEX IF NOT EXISTS comments_by_status ON comments (status, id)",
    "CREATE INDEX IF NOT EXISTS comments_by_text ON comments (fingerprint)",
    "CREATE TABLE IF NOT EXISTS moderation_log (at INTEGER NOT NULL, moderator TEXT NOT NULL,"
    " comment INTEGER NOT NULL, action TEXT NOT NULL, via TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " comment INTEGER NOT NULL, kind TEXT NOT NULL, message INTEGER, action TEXT,"
    " moderator TEXT, tries INTEGER NOT NULL DEFAULT 0, due INTEGER NOT NULL)",
    # A counter bumped with every decision: a cached list of approved comments is good
    # exactly as long as the counter has not moved.
    "CREATE TABLE IF NOT EXISTS versions (name TEXT PRIMARY KEY, n INTEGER NOT NULL)",
)
COLUMNS = "id, page, name, text, created, status, decided_by"
MAX_APPROVED = 1000  # comments one article shows; a district article never gets near


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Cursor: ...


class Duplicate(Exception):
    """The same text was sent already: refused."""


def _comment(row: Sequence[Any]) -> Comment:
    return Comment(
        int(row[0]), str(row[1]), str(row[2]), str(row[3]), int(row[4]), str(row[5]), row[6]
    )


def _marks(items: Sequence[object]) -> str:
    return ",".join("?" * len(items))


def insert(db: Connection, comment: NewComment) -> int:
    if _is_duplicate(db, comment):
        raise Duplicate
    row = db.execute(
        "INSERT INTO comments (page, name, text, created, fingerprint, client, reader)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (comment.page, comment.name, comment.text, comment.created, comment.fingerprint,
         comment.client, comment.reader),
    ).fetchone()  # fmt: skip
    new_id = int(row[0])
    if comment.announce:
        db.execute(
            "INSERT INTO outbox (comment, kind, due) VALUES (?, 'announce', ?)",
            (new_id, comment.created),
        )
    return new_id


def _is_duplicate(db: Connection, comment: NewComment) -> bool:
    """The same text within the purge window: anywhere on the site for a long text (a spam
    flood), or on this page from the same address or reader for a short one («Спасибо!»
    from two readers is no duplicate)."""
    since = comment.created - PURGE_AFTER
    if comment.anywhere:
        sql = "SELECT 1 FROM comments WHERE fingerprint = ? AND created >= ? LIMIT 1"
        return db.execute(sql, (comment.fingerprint, since)).fetchone() is not None
    sql = (
        "SELECT 1 FROM comments WHERE fingerprint = ? AND created >= ? AND page = ?"
        " AND (client = ? OR reader = ?) LIMIT 1"
    )
    params = (comment.fingerprint, since, comment.page, comment.client, comment.reader)
    return db.execute(sql, params).fetchone() is not None


def purge(db: Connection, now: int) -> None:
    """Pending and rejected comments go after 30 days, with their stale chat messages."""
    db.execute(
        "DELETE FROM comments WHERE status IN ('pending', 'rejected') AND created < ?",
        (now - PURGE_AFTER,),
    )
    db.execute("DELETE FROM outbox WHERE due < ?", (now - PURGE_AFTER,))


def approved(db: Connection, page: str) -> list[Comment]:
    # Only what readers are shown: this is the busiest query of all.
    rows = db.execute(
        "SELECT id, name, text, created FROM comments WHERE page = ? AND status = 'approved'"
        " ORDER BY id LIMIT ?",
        (page, MAX_APPROVED),
    ).fetchall()
    return [Comment(row[0], page, row[1], row[2], row[3], "approved") for row in rows]


def approved_counts(db: Connection, pages: Sequence[str]) -> dict[str, int]:
    rows = db.execute(
        f"SELECT page, count(*) FROM comments WHERE status = 'approved'"  # noqa: S608
        f" AND page IN ({_marks(pages)}) GROUP BY page",
        list(pages),
    ).fetchall()
    found = {str(page): int(n) for page, n in rows}
    return {page: found.get(page, 0) for page in pages}


def listing(db: Connection, status: str, limit: int, before: int | None) -> list[Comment]:
    """Newest first: what came in last is what a moderator looks at first."""
    rows = db.execute(
        f"SELECT {COLUMNS} FROM comments WHERE status = ? AND id < ?"  # noqa: S608
        " ORDER BY id DESC LIMIT ?",
        (status, before if before is not None else 2**62, limit),
    ).fetchall()
    return [_comment(row) for row in rows]


def totals(db: Connection) -> dict[str, int]:
    rows = db.execute("SELECT status, count(*) FROM comments GROUP BY status").fetchall()
    return {str(status): int(n) for status, n in rows}


def decide(db: Connection, decision: Decision) -> dict[int, str]:
    """Apply one action to many comments; every change is logged with the moderator."""
    done: dict[int, str] = {}
    for comment_id in dict.fromkeys(decision.ids):
        row = db.execute("SELECT message FROM comments WHERE id = ?", (comment_id,)).fetchone()
        if row is None:
            continue
        status = ACTIONS[decision.action]
        if status == "deleted":
            db.execute("DELETE FROM comments WHERE id = ?", (comment_id,))
        else:
            db.execute(
                "UPDATE comments SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?",
                (status, decision.moderator, decision.at, comment_id),
            )
        db.execute(
            "INSERT INTO moderation_log (at, moderator, comment, action, via)"
            " VALUES (?, ?, ?, ?, ?)",
            (decision.at, decision.moderator, comment_id, decision.action, decision.via),
        )
        if decision.announce:
            _follow_in_chat(db, comment_id, row[0], decision)
        done[comment_id] = status
    if done:
        db.execute(
            "INSERT INTO versions (name, n) VALUES ('approved', 1)"
            " ON CONFLICT (name) DO UPDATE SET n = versions.n + 1"
        )
    return done


def approved_version(db: Connection) -> int:
    row = db.execute("SELECT n FROM versions WHERE name = 'approved'").fetchone()
    return 0 if row is None else int(row[0])


def _follow_in_chat(db: Connection, comment_id: int, message: int | None, d: Decision) -> None:
    """Edit the chat's announcement; one not sent yet is no longer worth sending."""
    if message is None:
        db.execute("DELETE FROM outbox WHERE comment = ? AND kind = 'announce'", (comment_id,))
        return
    db.execute(
        "INSERT INTO outbox (comment, kind, message, action, moderator, due)"
        " VALUES (?, 'decided', ?, ?, ?, ?)",
        (comment_id, message, d.action, d.moderator, d.at),
    )


def log(db: Connection, limit: int) -> list[LogEntry]:
    rows = db.execute(
        "SELECT at, moderator, comment, action, via FROM moderation_log ORDER BY at DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [LogEntry(int(r[0]), str(r[1]), int(r[2]), str(r[3]), str(r[4])) for r in rows]


def claim(db: Connection, now: int, lease: int, limit: int) -> list[OutboxItem]:
    """Outbox rows that are due, each leased to this caller by one conditional UPDATE, so
    that two processes never send the same message."""
    rows = db.execute(
        "SELECT id, comment, kind, message, action, moderator, tries FROM outbox"
        " WHERE due <= ? ORDER BY id LIMIT ?",
        (now, limit),
    ).fetchall()
    items = []
    for row in rows:
        taken = db.execute(
            "UPDATE outbox SET due = ?, tries = tries + 1 WHERE id = ? AND due <= ?",
            (now + lease, row[0], now),
        ).rowcount
        if taken == 1:
            found = db.execute(
                f"SELECT {COLUMNS} FROM comments WHERE id = ?",  # noqa: S608
                (row[1],),
            ).fetchone()
            items.append(
                OutboxItem(int(row[0]), int(row[1]), str(row[2]), row[3], row[4], row[5],
                           int(row[6]), _comment(found) if found else None)
            )  # fmt: skip
    return items


def finish(db: Connection, item: OutboxItem, message: int | None, now: int) -> None:
    """A message went out (or will never go). An announcement decided on meanwhile gets
    its edit queued at once, so that nobody presses its buttons in vain."""
    db.execute("DELETE FROM outbox WHERE id = ?", (item.id,))
    if message is None or item.kind != "announce":
        return
    db.execute("UPDATE comments SET message = ? WHERE id = ?", (message, item.comment))
    row = db.execute(
        "SELECT status, decided_by FROM comments WHERE id = ?", (item.comment,)
    ).fetchone()
    if row is None or row[0] != "pending":
        action = {"approved": "approve", "rejected": "reject"}.get(row[0] if row else "", "delete")
        moderator = row[1] if row else None
        db.execute(
            "INSERT INTO outbox (comment, kind, message, action, moderator, due)"
            " VALUES (?, 'decided', ?, ?, ?, ?)",
            (item.comment, message, action, moderator or "", now),
        )


def retry(db: Connection, item: OutboxItem, due: int) -> None:
    db.execute("UPDATE outbox SET due = ? WHERE id = ?", (due, item.id))


def next_due(db: Connection) -> int | None:
    row = db.execute("SELECT min(due) FROM outbox").fetchone()
    return None if row is None or row[0] is None else int(row[0])


def count_rate(db: Connection, client: bytes, minute: int) -> int:
    """This minute's POSTs from one client address, this one included (reactions and
    comments share the count)."""
    row = db.execute(
        "INSERT INTO rate (client, minute, n) VALUES (?, ?, 1)"
        " ON CONFLICT (client, minute) DO UPDATE SET n = rate.n + 1 RETURNING n",
        (client, minute),
    ).fetchone()
    return int(row[0])


def sweep_rate(db: Connection, minute: int) -> None:
    """Rate rows of past minutes are useless."""
    db.execute("DELETE FROM rate WHERE minute < ?", (minute - 1,))
