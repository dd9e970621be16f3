"""build.json: small at any size, read back exactly, and a broken one is a clear error."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from generator import fingerprint
from generator.assemble import assemble
from generator.config import load_config
from generator.errors import SiteError
from generator.model import Document
from generator.publish import buildinfo
from generator.render import Theme
from tests.conftest import MINIMAL_SITE
from tests.publish.conftest import NOW


def test_ten_thousand_articles_make_a_small_build_json(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(MINIMAL_SITE, encoding="utf-8")
    config = load_config(tmp_path)
    docs = [
        Document(
            source=f"content/{lang}/{i}.md",
            lang=lang,
            rel=str(i),
            title=f"Новость номер {i}",
            date=NOW - timedelta(hours=i // 2),
            category="society",
            slug=f"n{i}",
            translation_key=str(i),
            lead="Лид " * 40,
            digest=str(i),
        )
        for i in range(5000)
        for lang in ("ru", "tt")
    ]
    site = assemble(config, docs, NOW)
    file = buildinfo.output(config, site, NOW, Theme((), {}, "none"), docs, {})
    info = buildinfo.parse(file.data.decode(), "build.json")
    # One article an hour per language: the 48 hours before NOW, two languages.
    assert len(info.articles) == 2 * 96
    assert all(NOW - buildinfo.WINDOW < a.date <= NOW for a in info.articles)
    assert len(file.data) < 120_000  # ~500 bytes an article of the last 48 hours, at any size
    assert info.built_for == NOW


def test_inputs_differ_when_an_article_or_the_theme_changes(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(MINIMAL_SITE, encoding="utf-8")
    folder = tmp_path / "theme"
    folder.mkdir()
    (folder / "a.html").write_text("one")
    config = load_config(tmp_path)

    def inputs(digest: str) -> str:
        theme = Theme((folder,), {}, fingerprint.files_digest([folder]))
        return buildinfo.inputs_digest(config, theme, [("content/ru/a.md", digest)], {})

    assert inputs("1") == inputs("1")
    assert inputs("1") != inputs("2")
    before = inputs("1")
    (folder / "a.html").write_text("two")
    assert before != inputs("1")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"format": 1,\n "built_for": }', "build.json:2: error: not valid JSON"),
        ('{"format": 2}', "build.json:1: error: not a build.json of khabar: format 2"),
        ('{"format": 1, "articles": []}', "build.json:1: error: not a build.json of khabar: missing 'built_for'"),
        (json.dumps({"format": 1, "articles": [], "inputs": "x", "built_for": "2026-11-28T12:00"}),
         "has no UTC offset"),
    ],
)  # fmt: skip
def test_a_broken_build_json_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(SiteError) as caught:
        buildinfo.parse(text, "build.json")
    assert message in str(caught.value.problems[0])
