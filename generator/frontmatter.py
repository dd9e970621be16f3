"""Front matter: split it from the body, validate every key, build the Document."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import PurePosixPath
from zoneinfo import ZoneInfo

from generator import markup, yamlfile
from generator.config import SiteConfig
from generator.errors import Collector, SiteError
from generator.fields import Fields
from generator.model import Document, Parsed, SourceFile
from generator.slugs import SLUG_RE, slugify
from generator.typography import typograph, typograph_html
from generator.yamlfile import LineMap

KEYS = (
    "title", "date", "category", "lead", "tags", "author", "image", "image_alt",
    "image_credit", "translation_key", "slug", "draft", "pinned", "expires",
)  # fmt: skip
FENCE = re.compile(r"^(?:---|\.\.\.)[ \t]*$")
DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}[-_]")


def parse_document(source: SourceFile, config: SiteConfig, key: str = "") -> Parsed:
    """Pure: the same source and config always give the same document and body (or the same
    errors). `key` is the cache key the caller knows the document by."""
    errors = Collector()
    doc, data, body, body_line = _header(source, config, errors)
    rendered = markup.render(body, source.path, body_line, errors)
    errors.raise_if_any()
    lang = source.lang
    html = typograph_html(rendered.html, lang)
    doc = replace(
        doc,
        title=typograph(doc.title, lang),
        lead=typograph(doc.lead, lang) if doc.lead else None,
        links=rendered.links,
        root_links=rendered.root_links,
        images=rendered.images,
        headings=rendered.headings,
        words=rendered.words,
        lines=dict(data.lines),
        digest=source.digest,
        key=key,
        body_digest=hashlib.blake2b(
            html.encode("utf-8", "surrogatepass"), digest_size=16
        ).hexdigest(),
    )
    return Parsed(doc, html)


def parse_header(source: SourceFile, config: SiteConfig) -> Document:
    """The front matter alone, checked as the build checks it, without the Markdown (30x
    faster): what `due` needs to know when an article goes live or expires."""
    errors = Collector()
    doc, data, _, _ = _header(source, config, errors)
    errors.raise_if_any()
    return replace(doc, lines=dict(data.lines), digest=source.digest)


def _header(
    source: SourceFile, config: SiteConfig, errors: Collector
) -> tuple[Document, LineMap, str, int]:
    """(document without its body, the front matter, the body, the body's first line)."""
    text = _decode(source, errors)
    header, body, body_line = split(text, source.path, errors)
    errors.raise_if_any()
    data = _load_header(header, source.path, errors)
    errors.raise_if_any()
    doc = _fields(Fields(data, source.path, errors, missing_line=1), source, config)
    return doc, data, body, body_line


def _decode(source: SourceFile, errors: Collector) -> str:
    try:
        text = source.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = source.data[: exc.start].count(b"\n") + 1
        errors.add(source.path, 1, f"the file is not UTF-8 text (first bad byte on line {line})")
        return ""
    if not text.strip():
        errors.add(source.path, 1, "the file is empty")
    return text.removeprefix("\ufeff")


def split(text: str, path: str, errors: Collector) -> tuple[str, str, int]:
    """(front matter, body, line where the body starts); a missing or open fence is an error."""
    lines = text.splitlines(keepends=True)
    if not text.strip():
        return "", "", 1
    if not lines or lines[0].rstrip() != "---":
        errors.add(path, 1, "no front matter: the file must start with a line '---'")
        return "", "", 1
    for number, line in enumerate(lines[1:], start=2):
        if FENCE.match(line.rstrip("\r\n")):
            return "".join(lines[1 : number - 1]), "".join(lines[number:]), number + 1
    errors.add(path, 1, "front matter is not closed: add a line '---' after it")
    return "", "", 1


def _load_header(header: str, path: str, errors: Collector) -> LineMap:
    try:
        data = yamlfile.load(header, first_line=2)
    except yamlfile.YamlError as exc:
        errors.add(path, exc.line, exc.message)
        return LineMap()
    if data is None:
        errors.add(path, 1, "the front matter is empty: title, date and category are required")
        return LineMap()
    if not isinstance(data, LineMap):
        errors.add(path, 2, "the front matter must be a mapping of keys to values")
        return LineMap()
    return data


def _fields(f: Fields, source: SourceFile, config: SiteConfig) -> Document:
    f.reject_unknown(KEYS)
    tz = config.tz
    return Document(
        source=source.path,
        lang=source.lang,
        rel=source.rel,
        title=f.string("title", required=True) or "",
        date=_date(f, "date", tz, required=True) or datetime.min.replace(tzinfo=tz),
        category=_category(f, config),
        slug=_slug(f, source),
        translation_key=f.string("translation_key") or source.rel,
        lead=f.string("lead") or None,
        tags=_unique(f.string_list("tags")),
        author=f.string("author") or None,
        image=f.string("image") or None,
        image_alt=f.string("image_alt") or None,
        image_credit=f.string("image_credit") or None,
        draft=f.boolean("draft"),
        pinned=f.boolean("pinned"),
        expires=_date(f, "expires", tz),
    )


def _date(f: Fields, key: str, tz: ZoneInfo, required: bool = False) -> datetime | None:
    raw = f.string(key, required=required)
    if raw is None:
        return None
    moment = parse_moment(raw, tz)
    if moment is None:
        f.error(key, f"'{key}' is not a date: '{raw}' (write 2024-03-08T10:30:00+03:00)")
    return moment


def parse_moment(raw: str, tz: ZoneInfo) -> datetime | None:
    """ISO 8601 date or date-time; without an offset it is the site's time zone."""
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        try:
            moment = datetime.combine(date.fromisoformat(raw.strip()), time())
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def _category(f: Fields, config: SiteConfig) -> str:
    key = f.string("category", required=True) or ""
    if key and key not in config.categories:
        known = ", ".join(config.categories)
        f.error("category", f"unknown rubric '{key}' (site.yaml categories: {known})")
    return key


def _slug(f: Fields, source: SourceFile) -> str:
    explicit = f.string("slug")
    if explicit is not None:
        if not SLUG_RE.match(explicit):
            hint = slugify(explicit)
            f.error("slug", f"slug '{explicit}' must be lowercase latin letters, digits and "
                    f"hyphens" + (f" (try '{hint}')" if hint else ""))  # fmt: skip
        return explicit
    stem = DATE_PREFIX.sub("", PurePosixPath(source.rel).name)
    slug = slugify(stem)
    if not slug:
        f.errors.add(source.path, 1, "the file name gives no slug: add 'slug:' to the front matter")
    return slug


def _unique(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


__all__ = ["SiteError", "parse_document", "parse_header", "parse_moment", "split"]
