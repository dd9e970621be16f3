"""What the stores take and give back: plain frozen records, no I/O."""

from __future__ import annotations

from dataclasses import dataclass

STATUSES = ("pending", "approved", "rejected")
ACTIONS = {"approve": "approved", "reject": "rejected", "delete": "deleted"}
PURGE_AFTER = 30 * 24 * 3600  # seconds: pending and rejected comments older than this go


@dataclass(frozen=True)
class Vote:
    page: str
    reader: bytes  # keyed hash of the reader id (identity.reader_key)
    kind: str
    client: bytes  # keyed hash of the client IP, for the rate limit
    limit: int  # POSTs per client per minute; 0: none


@dataclass(frozen=True)
class NewComment:
    page: str
    name: str
    text: str
    created: int  # Unix seconds
    fingerprint: bytes  # keyed hash of the normalised text, to refuse duplicates
    client: bytes  # keyed hash of the client IP: the rate limit and duplicates
    reader: bytes | None  # keyed hash of the widget's reader id; none from a plain form
    limit: int  # POSTs per client per minute (shared with reactions); 0: none
    anywhere: bool  # a duplicate anywhere on the site counts, not only on this page
    announce: bool  # queue a Telegram announcement in the same transaction


@dataclass(frozen=True)
class Comment:
    id: int
    page: str
    name: str
    text: str
    created: int
    status: str
    decided_by: str | None = None


@dataclass(frozen=True)
class Decision:
    ids: tuple[int, ...]
    action: str  # approve, reject or delete
    moderator: str
    via: str  # web or telegram
    at: int  # Unix seconds
    announce: bool  # Telegram is on: update the chat's messages


@dataclass(frozen=True)
class LogEntry:
    at: int
    moderator: str
    comment: int
    action: str
    via: str


@dataclass(frozen=True)
class OutboxItem:
    """A message for the moderators' chat, claimed for sending."""

    id: int
    comment: int
    kind: str  # announce (a new comment) or decided (edit the announcement)
    message: int | None  # the chat message to edit
    action: str | None  # what was decided
    moderator: str | None
    tries: int
    found: Comment | None  # the comment, unless it was deleted
