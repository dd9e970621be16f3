"""`due`: the articles that became published or expired between two moments.

The scheduled run asks this before it builds: when nothing became due since the deployed
site was built, that site is still exactly what a build would make (its other inputs being
the same), and the run stops. Only front matter is read, checked as the build checks it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime

from generator import urls
from generator.config import SiteConfig
from generator.errors import Collector, SiteError
from generator.frontmatter import parse_header
from generator.model import Document, SourceFile

NONE_DUE = 3  # the exit code when nothing became due


@dataclass(frozen=True)
class Event:
    moment: datetime
    kind: str  # "published" or "expired"
    doc: Document
    url: str


def read_headers(config: SiteConfig, sources: list[SourceFile]) -> list[Document]:
    """Every article's front matter; every file's mistakes listed together."""
    errors = Collector()
    docs = []
    for source in sources:
        try:
            docs.append(parse_header(source, config))
        except SiteError as exc:
            errors.extend(exc.problems)
    errors.raise_if_any()
    return docs


def events(
    config: SiteConfig,
    docs: list[Document],
    since: datetime,
    now: datetime,
    drafts: bool = False,
) -> list[Event]:
    """Each publication (`date`) and expiry (`expires`) in the interval (since, now]: the
    moments at which a build at `now` differs from a build at `since`."""
    found = []
    for doc in docs:
        if doc.draft and not drafts:
            continue
        for kind, moment in (("published", doc.date), ("expired", doc.expires)):
            if moment is not None and since < moment <= now:
                found.append(Event(moment, kind, doc, urls.article(config, doc)))
    return sorted(found, key=lambda e: (e.moment, e.doc.source, e.kind))


def report(config: SiteConfig, found: list[Event], since: datetime, now: datetime) -> int:
    """Print one line per event; the exit code of `due`."""
    tz = config.tz
    for event in found:
        moment = event.moment.astimezone(tz).isoformat()
        print(f"{moment} {event.kind} {event.url} {event.doc.source}")
    if found:
        return 0
    shown = f"{since.astimezone(tz).isoformat()} and {now.astimezone(tz).isoformat()}"
    print(f"nothing became published or expired between {shown}", file=sys.stderr)
    return NONE_DUE
