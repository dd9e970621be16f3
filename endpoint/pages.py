"""The build's list of articles (KHABAR_PAGES): which page ids exist, their titles for the
moderators, the site's address for links back, and whether comments are open.

The build rewrites the file on every publish; a running endpoint notices (the file is
looked at at most once a second) and keeps the last good version if a new one is broken.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

CHECK_EVERY = 1.0  # seconds between looks at the file


class PagesError(ValueError):
    """The file is not a page list the endpoint understands."""


@dataclass(frozen=True)
class Pages:
    ids: frozenset[str] | None = None  # None: any well-formed page id
    titles: Mapping[str, str] = field(default_factory=dict)
    base_url: str | None = None  # the site's base_url, for links back to articles
    comments: bool = True

    def allows(self, page: str) -> bool:
        return self.ids is None or page in self.ids


def parse(data: object) -> Pages:
    """The first release's JSON list of ids, or the build's object:
    {"base_url": URL, "comments": BOOL, "pages": {ID: TITLE}}."""
    if isinstance(data, list) and all(isinstance(i, str) for i in data):
        return Pages(frozenset(data))
    if not isinstance(data, dict) or not isinstance(data.get("pages"), dict):
        raise PagesError('must hold a JSON list of page ids or {"pages": {ID: TITLE}}')
    titles = data["pages"]
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in titles.items()):
        raise PagesError('"pages" must map page ids to titles')
    base, comments = data.get("base_url"), data.get("comments", True)
    if base is not None and not isinstance(base, str):
        raise PagesError('"base_url" must be a string')
    if not isinstance(comments, bool):
        raise PagesError('"comments" must be true or false')
    return Pages(frozenset(titles), dict(titles), base, comments)


def load(path: Path) -> Pages:
    try:
        return parse(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:  # PagesError and JSON errors are ValueErrors
        raise PagesError(f"cannot read a page list from {path}: {exc}") from None


class PageIndex:
    def __init__(self, path: Path | None, first: Pages) -> None:
        self.path = path
        self.pages = first
        self.seen = self._stamp()
        self.checked = time.monotonic()
        self.lock = threading.Lock()

    def _stamp(self) -> tuple[int, int] | None:
        if self.path is None:
            return None
        try:
            found = self.path.stat()
        except OSError:
            return None
        return found.st_mtime_ns, found.st_size

    def current(self) -> Pages:
        if self.path is None or time.monotonic() - self.checked < CHECK_EVERY:
            return self.pages
        with self.lock:
            self.checked = time.monotonic()
            stamp = self._stamp()
            if stamp is not None and stamp != self.seen:
                self.seen = stamp
                try:
                    self.pages = load(self.path)
                except PagesError as exc:  # a half-written or broken file: keep the last
                    print(f"endpoint: warning: {exc}; keeping the previous list", file=sys.stderr)
        return self.pages
