"""`build.py new`: start an article with its front matter filled in, ready to pass `check`."""

from __future__ import annotations

import json
from pathlib import Path

from generator.config import load_config
from generator.errors import Problem, SiteError
from generator.pipeline import Options
from generator.render import load_theme
from generator.slugs import slugify


def create(options: Options, lang: str, category: str | None, title: str) -> Path:
    config = load_config(options.site)
    if lang not in config.lang_codes:
        raise SiteError([Problem("site.yaml", 1, f"'{lang}' is not a language of this site")])
    category = category or next(iter(config.categories))
    if category not in config.categories:
        known = ", ".join(config.categories)
        raise SiteError([Problem("site.yaml", 1, f"unknown rubric '{category}' ({known})")])
    slug = slugify(title)
    if not slug or not title.strip():
        raise SiteError([Problem("site.yaml", 1, "the title gives no slug: write some words")])
    now = options.now if options.now.tzinfo else options.now.replace(tzinfo=config.tz)
    moment = now.astimezone(config.tz).replace(second=0, microsecond=0)
    path = _free_path(options.site / "content" / lang / f"{moment:%Y}", slug)
    body = load_theme(config).strings[lang]("new.body")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_text(title.strip(), moment.isoformat(), category, body), encoding="utf-8")
    return path


def _free_path(folder: Path, slug: str) -> Path:
    path, number = folder / f"{slug}.md", 2
    while path.exists():
        path, number = folder / f"{slug}-{number}.md", number + 1
    return path


def _text(title: str, date: str, category: str, body: str) -> str:
    # JSON strings are valid YAML double-quoted scalars: any title stays one string.
    quoted = json.dumps(title, ensure_ascii=False)
    return (
        f"---\ntitle: {quoted}\ndate: {date}\ncategory: {category}\n"
        f'lead: ""\ntags: []\n---\n\n{body}\n'
    )
