"""The ledger: what was announced where, written to disk the moment each post is made.

A rerun, a second run or a run after a crash reads it and never posts an article twice on
one channel. It is JSON, replaced atomically (a temporary file, fsync, rename), so a crash
leaves either the old ledger or the new one, never half of one. A ledger that cannot be
read stops everything: posting from a broken record would post everything again.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from generator.errors import Problem, SiteError

FORMAT = 1
KEEP = timedelta(days=30)  # far beyond crosspost's window: older records can never matter

Key = tuple[str, str, str]  # (network, channel, article key)


@dataclass
class Ledger:
    path: Path
    shown: str  # the path as the user gave it, for messages
    posts: dict[Key, dict[str, Any]] = field(default_factory=dict)
    failed: dict[Key, dict[str, Any]] = field(default_factory=dict)
    last_run: dict[str, Any] = field(default_factory=dict)

    def has(self, key: Key) -> bool:
        return key in self.posts

    def record(self, key: Key, post_id: str, date: datetime, now: datetime) -> None:
        """A post was made: on disk before anything else is posted."""
        self.posts[key] = _entry(key, date, now, id=post_id)
        self.failed.pop(key, None)
        self.save(now)

    def fail(self, key: Key, error: str, date: datetime, now: datetime) -> None:
        """A post failed: the next run retries it (the scheduled run looks here)."""
        self.failed[key] = _entry(key, date, now, error=error)
        self.save(now)

    def start(self, now: datetime) -> None:
        """Marks a run as under way: a run that dies leaves the mark for the next one."""
        self.last_run = {"started": now.isoformat(), "finished": None}
        self.save(now)

    def finish(self, now: datetime) -> None:
        self.last_run["finished"] = now.isoformat()
        self.save(now)

    def unfinished(self, since: datetime) -> bool:
        """Posts failed or a run died, for articles still dated after `since`."""
        if self.last_run.get("started") and not self.last_run.get("finished"):
            return True
        return any(_moment(e["date"]) > since for e in self.failed.values())

    def save(self, now: datetime) -> None:
        old = now - KEEP
        data = {
            "format": FORMAT,
            "last_run": self.last_run,
            "posts": _recent(self.posts, old),
            "failed": _recent(self.failed, old),
        }
        write_atomically(self.path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def _entry(key: Key, date: datetime, now: datetime, **more: str) -> dict[str, Any]:
    network, channel, article = key
    entry = {"network": network, "channel": channel, "article": article}
    return {**entry, "date": date.isoformat(), "at": now.isoformat(), **more}


def _recent(entries: dict[Key, dict[str, Any]], after: datetime) -> list[dict[str, Any]]:
    return sorted((e for e in entries.values() if _moment(e["date"]) > after), key=_order)


def _order(entry: dict[str, Any]) -> tuple[str, str, str, str]:
    return (entry["date"], entry["article"], entry["network"], entry["channel"])


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def load(path: Path, shown: str) -> Ledger:
    """The ledger at `path`; none yet is an empty one, a broken one a SiteError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Ledger(path, shown)
    except (OSError, UnicodeDecodeError) as exc:
        raise _broken(shown, 1, f"cannot be read ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _broken(shown, exc.lineno, f"is not valid JSON ({exc.msg})") from None
    try:
        return _ledger(path, shown, data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _broken(shown, 1, f"is not a ledger of khabar ({exc!r})") from None


def _ledger(path: Path, shown: str, data: Any) -> Ledger:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"format must be {FORMAT}")
    ledger = Ledger(path, shown, last_run=dict(data.get("last_run") or {}))
    for name, into in (("posts", ledger.posts), ("failed", ledger.failed)):
        for entry in data[name]:
            _moment(entry["date"])  # every date must read, or the record is not trusted
            into[(str(entry["network"]), str(entry["channel"]), str(entry["article"]))] = entry
    return ledger


def _broken(shown: str, line: int, what: str) -> SiteError:
    message = f"the ledger {what}; nothing was posted (restore it from the 'state' branch)"
    return SiteError([Problem(shown, line, message)])


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a power cut
    finally:
        os.close(folder)
