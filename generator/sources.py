"""Find the articles: content/<lang>/**.md for every language of the site."""

from __future__ import annotations

import hashlib
from pathlib import Path

from generator.config import SiteConfig
from generator.errors import Collector
from generator.model import SourceFile

CONTENT = "content"


def read_sources(config: SiteConfig) -> list[SourceFile]:
    errors = Collector()
    content = config.root / CONTENT
    _reject_unknown_languages(content, config, errors)
    errors.raise_if_any()
    sources = []
    for lang in config.lang_codes:
        base = content / lang
        for path in sorted(base.rglob("*.md")) if base.is_dir() else ():
            if any(part.startswith((".", "_")) for part in path.relative_to(base).parts):
                continue  # editor swap files, drafts folders kept out on purpose
            sources.append(read_source(config.root, path, lang))
    return sources


def read_source(root: Path, path: Path, lang: str) -> SourceFile:
    data = path.read_bytes()
    rel = path.relative_to(root / CONTENT / lang).with_suffix("").as_posix()
    return SourceFile(
        path=path.relative_to(root).as_posix(),
        lang=lang,
        rel=rel,
        data=data,
        digest=hashlib.sha256(data).hexdigest(),
    )


def _reject_unknown_languages(content: Path, config: SiteConfig, errors: Collector) -> None:
    if not content.is_dir():
        return
    for child in sorted(content.iterdir()):
        if child.is_dir() and child.name not in config.lang_codes and child.name[0] not in "._":
            errors.add(
                f"{CONTENT}/{child.name}",
                1,
                f"'{child.name}' is not a language of site.yaml ({', '.join(config.lang_codes)})",
            )
