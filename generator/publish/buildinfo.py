"""build.json: the moment the deployed site was built for, a digest of what it was built
from, and the articles `crosspost` may announce.

The scheduled run reads it back from the deployed site to decide whether to build, and
`crosspost` reads it to know what to announce. It stays small however large the site: it
lists only the articles dated within the announcement window before the build's moment.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from generator import __version__, fingerprint
from generator.config import SiteConfig
from generator.errors import Problem, SiteError
from generator.model import Article, Document, OutputFile, Site
from generator.render import Theme

PATH = "build.json"
FORMAT = 1
WINDOW = timedelta(hours=48)  # crosspost announces only articles this recent


@dataclass(frozen=True)
class Recent:
    """A published article dated within the window: what an announcement is made of."""

    key: str  # "lang:translation_key": stays when the slug or rubric is edited
    lang: str
    url: str  # absolute
    title: str
    date: datetime
    lead: str | None = None
    image: str | None = None  # absolute URL of the shared picture (Article.share_image)
    expires: datetime | None = None


@dataclass(frozen=True)
class BuildInfo:
    built_for: datetime
    inputs: str
    articles: tuple[Recent, ...]


def output(
    config: SiteConfig,
    site: Site,
    now: datetime,
    theme: Theme,
    documents: Iterable[Document],
    static: Mapping[str, Path],
) -> OutputFile:
    """build.json of a build at `now`; written by the one writer like the feeds."""
    inputs = inputs_digest(config, theme, ((d.source, d.digest) for d in documents), static)
    items = [a for items in site.articles.values() for a in items if now - WINDOW < a.doc.date]
    items.sort(key=lambda a: (a.doc.date, a.url))
    data = {
        "format": FORMAT,
        "generator": f"khabar {__version__}",
        "built_for": now.isoformat(),
        "inputs": inputs,
        "articles": [_recent(config, a) for a in items],
    }
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    return OutputFile(PATH, text.encode("utf-8"))


def _recent(config: SiteConfig, article: Article) -> dict[str, Any]:
    doc = article.doc
    return {
        "key": f"{doc.lang}:{doc.translation_key}",
        "lang": doc.lang,
        "url": config.base_url.rstrip("/") + article.url,
        "title": doc.title,
        "lead": doc.lead,
        "image": article.share_image,
        "date": doc.date.isoformat(),
        "expires": doc.expires.isoformat() if doc.expires else None,
    }


def inputs_digest(
    config: SiteConfig,
    theme: Theme,
    sources: Iterable[tuple[str, str]],
    static: Mapping[str, Path],
) -> str:
    """What a build is made of besides the moment: site.yaml, every article (path and hash),
    the static files (names and sizes), the theme and the generator's code. Paths are
    relative, so that two checkouts in different folders agree."""
    h = hashlib.blake2b(config.digest.encode(), digest_size=16)
    for path, digest in sorted(sources):
        h.update(f"a\0{path}\0{digest}\0".encode())
    for rel, file in sorted(static.items()):
        h.update(f"s\0{rel}\0{file.stat().st_size}\0".encode())
    h.update(f"c\0{fingerprint.code_digest()}\0t\0{theme.digest}".encode())
    return h.hexdigest()


def read(path: Path, shown: str) -> BuildInfo:
    """build.json from a built or downloaded site; a broken one is a SiteError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SiteError([Problem(shown, 1, "no build.json here: build the site first")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SiteError([Problem(shown, 1, f"cannot read build.json: {exc}")]) from None
    return parse(text, shown)


def parse(text: str, shown: str) -> BuildInfo:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SiteError([Problem(shown, exc.lineno, f"not valid JSON: {exc.msg}")]) from None
    try:
        if data["format"] != FORMAT:
            raise ValueError(f"format {data['format']!r}, this generator reads {FORMAT}")
        articles = tuple(_item(item) for item in data["articles"])
        return BuildInfo(_moment(data["built_for"]), str(data["inputs"]), articles)
    except (KeyError, TypeError, ValueError) as exc:
        message = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise SiteError([Problem(shown, 1, f"not a build.json of khabar: {message}")]) from None


def _item(item: dict[str, Any]) -> Recent:
    expires = item.get("expires")
    return Recent(
        key=str(item["key"]),
        lang=str(item["lang"]),
        url=str(item["url"]),
        title=str(item["title"]),
        date=_moment(item["date"]),
        lead=item.get("lead") or None,
        image=item.get("image") or None,
        expires=_moment(expires) if expires else None,
    )


def _moment(text: object) -> datetime:
    if not isinstance(text, str):
        raise TypeError(f"a moment must be an ISO 8601 string, not {text!r}")
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"the moment {text!r} has no UTC offset")
    return moment
