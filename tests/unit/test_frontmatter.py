from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from generator.config import load_config
from generator.errors import Collector, SiteError
from generator.frontmatter import parse_document, parse_moment, split
from generator.model import Document
from generator.sources import read_source
from tests.conftest import SiteDir

MSK = timezone(timedelta(hours=3))


def parse(site: SiteDir, text: str | bytes, rel: str = "content/ru/2026/a.md") -> Document:
    return parse_with_body(site, text, rel)[0]


def parse_with_body(
    site: SiteDir, text: str | bytes, rel: str = "content/ru/2026/a.md"
) -> tuple[Document, str]:
    path = site.write(rel, text)
    source = read_source(site.root, path, rel.split("/")[1])
    result = parse_document(source, load_config(site.root), "key")
    return result.doc, result.body


def errors(site: SiteDir, text: str | bytes) -> list[str]:
    with pytest.raises(SiteError) as caught:
        parse(site, text)
    return [str(p) for p in caught.value.problems]


def test_full_front_matter(site: SiteDir) -> None:
    doc, body = parse_with_body(
        site,
        """
        ---
        title: В Чистополе открыли школу
        date: 2024-03-08T10:30:00+03:00
        category: society
        lead: Коротко.
        tags: [школа, образование, школа]
        author: Иван Петров
        image: images/school.jpg
        image_alt: Здание школы
        image_credit: Иван Петров
        translation_key: new-school
        slug: novaya-shkola
        draft: true
        pinned: true
        expires: 2025-03-08
        ---
        Текст.
        """,
    )
    assert doc.title == "В\u00a0Чистополе открыли школу"  # typography: no break after «В»
    assert doc.date == datetime(2024, 3, 8, 10, 30, tzinfo=MSK)
    assert doc.tags == ("школа", "образование")
    assert (doc.slug, doc.translation_key, doc.draft, doc.pinned) == (
        "novaya-shkola",
        "new-school",
        True,
        True,
    )
    assert doc.expires is not None and doc.expires.isoformat() == "2025-03-08T00:00:00+03:00"
    assert body == "<p>Текст.</p>"
    assert doc.key == "key"
    assert doc.lines["expires"] == 15


def test_defaults_come_from_the_path(site: SiteDir) -> None:
    doc = parse(
        site,
        "---\ntitle: Т\ndate: 2024-03-08 10:30\ncategory: sport\n---\n",
        "content/tt/2024/2024-03-08-Мәктәп ачылды.md",
    )
    assert doc.slug == "maktap-achyldy"
    assert doc.translation_key == "2024/2024-03-08-Мәктәп ачылды"
    assert doc.lang == "tt"
    # No offset: the site's time zone, Europe/Moscow.
    assert doc.date.utcoffset() == timedelta(hours=3)


def test_every_key_error_at_its_line(site: SiteDir) -> None:
    assert errors(
        site,
        """
        ---
        title: [a, b]
        date: 8 марта
        category: weather
        tags: школа
        draft: "yes"
        autor: Иван
        slug: Новая школа
        ---
        """,
    ) == [
        "content/ru/2026/a.md:2: error: 'title' must be a string",
        "content/ru/2026/a.md:3: error: 'date' is not a date: '8 марта' (write 2024-03-08T10:30:00+03:00)",
        "content/ru/2026/a.md:4: error: unknown rubric 'weather' (site.yaml categories: society, sport)",
        "content/ru/2026/a.md:5: error: 'tags' must be a list, e.g. [one, two]",
        "content/ru/2026/a.md:6: error: 'draft' must be true or false, not 'yes'",
        "content/ru/2026/a.md:7: error: unknown key 'autor' (did you mean 'author'?)",
        "content/ru/2026/a.md:8: error: slug 'Новая школа' must be lowercase latin letters, digits and hyphens (try 'novaya-shkola')",
    ]


def test_missing_keys_are_reported_at_line_one(site: SiteDir) -> None:
    assert errors(site, "---\nlead: x\n---\n") == [
        "content/ru/2026/a.md:1: error: missing required key 'category'",
        "content/ru/2026/a.md:1: error: missing required key 'date'",
        "content/ru/2026/a.md:1: error: missing required key 'title'",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("  \n\n", "the file is empty"),
        ("title: x\n", "no front matter: the file must start with a line '---'"),
        ("---\ntitle: x\n", "front matter is not closed: add a line '---' after it"),
        ("---\n---\nТекст", "the front matter is empty: title, date and category are required"),
        ("---\n- a\n---\n", "the front matter must be a mapping of keys to values"),
    ],
)
def test_whole_file_problems(site: SiteDir, text: str, message: str) -> None:
    line = 2 if "mapping" in message else 1
    assert errors(site, text) == [f"content/ru/2026/a.md:{line}: error: {message}"]


def test_not_utf8(site: SiteDir) -> None:
    text = "---\ntitle: Школа\n".encode("cp1251") + b"---\n"
    assert errors(site, text) == [
        "content/ru/2026/a.md:1: error: the file is not UTF-8 text (first bad byte on line 2)"
    ]


def test_yaml_error_line_is_the_files_line(site: SiteDir) -> None:
    assert errors(site, "---\ntitle: x\ndate: [2024\n---\n") == [
        "content/ru/2026/a.md:4: error: invalid YAML: did not find expected ',' or ']'"
    ]


def test_split_keeps_body_line() -> None:
    header, body, line = split("---\na: 1\n---\nbody\n", "x.md", Collector())
    assert (header, body, line) == ("a: 1\n", "body\n", 4)


def test_bom_and_crlf_are_accepted(site: SiteDir) -> None:
    doc = parse(
        site,
        "\ufeff---\r\ntitle: Т\r\ndate: 2024-03-08\r\ncategory: sport\r\n---\r\nТекст\r\n".encode(),
    )
    assert doc.title == "Т"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-08T10:30:00+03:00", "2024-03-08T10:30:00+03:00"),
        ("2024-03-08T07:30:00Z", "2024-03-08T07:30:00+00:00"),
        ("2024-03-08 10:30", "2024-03-08T10:30:00+03:00"),
        ("2024-03-08", "2024-03-08T00:00:00+03:00"),
    ],
)
def test_moments(raw: str, expected: str) -> None:
    moment = parse_moment(raw, load_config(Path(__file__).parents[2]).tz)
    assert moment is not None and moment.isoformat() == expected


def test_impossible_date() -> None:
    assert parse_moment("2024-13-45", load_config(Path(__file__).parents[2]).tz) is None
