"""What each output is made of, as a short hash: the keys of the build cache.

A document is its source file (path and bytes) read under one site.yaml by one version of
the generator. A page is its template, the theme, the settings and every field and article
it shows. Equal fingerprints mean equal bytes; when unsure, a fingerprint includes more.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from generator import __version__
from generator.model import Article, Page, SourceFile


def digest(*parts: str) -> str:
    joined = "\x00".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(joined, digest_size=16).hexdigest()


def document_key(source: SourceFile, config_digest: str) -> str:
    return digest(__version__, config_digest, source.path, source.digest)


def files_digest(folders: Iterable[Path]) -> str:
    """Every file under the folders, by name and content (the theme, say)."""
    h = hashlib.blake2b(digest_size=16)
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            h.update(str(path).encode() + b"\x00" + path.read_bytes() + b"\x00")
    return h.hexdigest()


def article(item: Article, cache: dict[str, str]) -> str:
    found = cache.get(item.url)
    if found is None:
        doc = item.doc
        shown = (item.tags, item.translations, item.cover, item.photos)
        found = digest(doc.source, doc.digest, item.url, repr(shown))
        cache[item.url] = found
    return found


def page(item: Page, salt: str, cache: dict[str, str]) -> str:
    listed = [item.article] if item.article else []
    shown = (*listed, *item.articles, *item.pinned, *item.related)
    fields = (
        item.kind, item.lang, item.url, item.title, item.template, item.key, item.number,
        item.total, item.prev_url, item.next_url, item.alternates, item.switch, item.months,
        len(item.articles), len(item.pinned),
    )  # fmt: skip
    return digest(salt, repr(fields), *(article(a, cache) for a in shown))
