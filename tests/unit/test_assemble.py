from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from generator.assemble import assemble, is_live
from generator.config import load_config
from generator.errors import SiteError
from generator.model import Document, Page, Site
from tests.conftest import MINIMAL_SITE

MSK = timezone(timedelta(hours=3))
NOW = datetime(2026, 11, 28, 12, tzinfo=MSK)


@pytest.fixture
def config(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "site.yaml").write_text(MINIMAL_SITE + "per_page: 2\n", encoding="utf-8")
    return load_config(tmp_path)


def doc(name: str, lang: str = "ru", day: int = 1, **fields: object) -> Document:
    base = Document(
        source=f"content/{lang}/{name}.md",
        lang=lang,
        rel=name,
        title=name.title(),
        date=datetime(2026, 11, day, 10, tzinfo=MSK),
        category="society",
        slug=name,
        translation_key=name,
        key=f"k-{lang}-{name}",
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def pages(site: Site, kind: str, lang: str = "ru") -> list[Page]:
    return [p for p in site.pages if p.kind == kind and p.lang == lang]


def test_drafts_scheduled_and_expired(config) -> None:  # type: ignore[no-untyped-def]
    docs = [
        doc("live"),
        doc("draft", draft=True),
        doc("future", date=NOW + timedelta(minutes=1)),
        doc("expired", expires=NOW),
        doc("expiring", expires=NOW + timedelta(days=1)),
    ]
    site = assemble(config, docs, NOW)
    assert [a.doc.slug for a in site.articles["ru"]] == ["expiring", "live"]
    assert "draft" in [a.doc.slug for a in assemble(config, docs, NOW, drafts=True).articles["ru"]]
    assert is_live(docs[2], NOW + timedelta(minutes=1))


def test_translations_pair_by_key_and_switch(config) -> None:  # type: ignore[no-untyped-def]
    docs = [
        doc("shkola", translation_key="school"),
        doc("maktap", "tt", translation_key="school"),
        doc("only-ru"),
    ]
    site = assemble(config, docs, NOW)
    by_slug = {p.article.doc.slug: p for p in site.pages if p.article}
    assert by_slug["shkola"].switch == (("tt", "/tt/news/society/maktap/"),)
    assert by_slug["shkola"].alternates == (
        ("ru", "/news/society/shkola/"),
        ("tt", "/tt/news/society/maktap/"),
    )
    assert by_slug["maktap"].switch == (("ru", "/news/society/shkola/"),)
    # An untranslated article leads to the other language's home page.
    assert by_slug["only-ru"].switch == (("tt", "/tt/"),)
    assert by_slug["only-ru"].alternates == (("ru", "/news/society/only-ru/"),)


def test_a_scheduled_translation_is_not_linked(config) -> None:  # type: ignore[no-untyped-def]
    docs = [
        doc("a", translation_key="k"),
        doc("b", "tt", translation_key="k", date=NOW + timedelta(hours=1)),
    ]
    page = next(p for p in assemble(config, docs, NOW).pages if p.article)
    assert page.switch == (("tt", "/tt/"),)


def test_pagination_and_listing_switch(config) -> None:  # type: ignore[no-untyped-def]
    docs = [doc(f"n{i}", day=i + 1) for i in range(5)] + [doc("t", "tt", category="sport")]
    site = assemble(config, docs, NOW)
    home = pages(site, "home")
    assert [p.url for p in home] == ["/", "/page/2/", "/page/3/"]
    assert [a.doc.slug for a in home[0].articles] == ["n4", "n3"]
    assert (home[1].prev_url, home[1].next_url) == ("/", "/page/3/")
    assert home[2].switch == (("tt", "/tt/"),)
    rubric = pages(site, "category")[0]
    assert rubric.url == "/news/society/" and rubric.switch == (("tt", "/tt/news/society/"),)
    # Every rubric has a page in every language, empty or not.
    assert [p.url for p in pages(site, "category", "tt")] == [
        "/tt/news/society/",
        "/tt/news/sport/",
    ]


def test_month_archives_switch_to_the_same_month_or_home(config) -> None:  # type: ignore[no-untyped-def]
    docs = [doc("a"), doc("b", "tt"), doc("c", date=datetime(2026, 10, 5, tzinfo=MSK))]
    site = assemble(config, docs, NOW)
    months = {p.url: p for p in site.pages if p.kind == "archive"}
    assert months["/archive/2026/11/"].switch == (("tt", "/tt/archive/2026/11/"),)
    assert months["/archive/2026/10/"].switch == (("tt", "/tt/"),)
    assert pages(site, "archives")[0].months == (("2026/11", 1), ("2026/10", 1))


def test_tags_merge_spellings_per_language(config) -> None:  # type: ignore[no-untyped-def]
    docs = [
        doc("a", tags=("Школа",)),
        doc("b", tags=("школа", "спорт")),
        doc("c", tags=("школа",)),
        doc("d", "tt", tags=("мәктәп",)),
    ]
    site = assemble(config, docs, NOW)
    assert [(t.slug, t.label, t.url) for t in site.tags["ru"]] == [
        ("shkola", "школа", "/tags/shkola/"),
        ("sport", "спорт", "/tags/sport/"),
    ]
    tag_pages = [p for p in pages(site, "tag") if p.key == "shkola"]
    assert [p.url for p in tag_pages] == ["/tags/shkola/", "/tags/shkola/page/2/"]
    assert sum(len(p.articles) for p in tag_pages) == 3
    assert tag_pages[0].switch == (("tt", "/tt/"),)
    assert site.tags["tt"][0].url == "/tt/tags/maktap/"


def test_related_are_rubric_neighbours(config) -> None:  # type: ignore[no-untyped-def]
    docs = [doc(f"n{i}", day=i + 1) for i in range(7)]
    related = {
        p.article.doc.slug: [a.doc.slug for a in p.related]
        for p in assemble(config, docs, NOW).pages
        if p.article
    }
    assert related["n6"] == ["n5", "n4", "n3", "n2"]
    assert related["n1"] == ["n0", "n2", "n3", "n4"]


def test_clashes_name_both_files(config) -> None:  # type: ignore[no-untyped-def]
    docs = [
        doc("a", slug="same", lines={"slug": 4}),
        doc("b", slug="same"),
        doc("c", translation_key="k", lines={"translation_key": 6}),
        doc("d", translation_key="k"),
        doc("e", "tt", slug="same"),  # another language: another URL
    ]
    with pytest.raises(SiteError) as caught:
        assemble(config, docs, NOW)
    assert [str(p) for p in caught.value.problems] == [
        "content/ru/a.md:4: error: two articles have the URL /news/society/same/: also content/ru/b.md",
        "content/ru/b.md:1: error: two articles have the URL /news/society/same/: also content/ru/a.md",
        "content/ru/c.md:6: error: translation key 'k' is used twice: also content/ru/d.md",
        "content/ru/d.md:1: error: translation key 'k' is used twice: also content/ru/c.md",
    ]


def test_links_and_images_are_checked(config) -> None:  # type: ignore[no-untyped-def]
    from generator.model import Link

    docs = [
        doc(
            "a",
            links=(Link("content/ru/b.md", 7), Link("content/ru/nowhere.md", 9)),
            images=(("images/x.jpg", 8),),
        ),
        doc("b", image="images/cover.jpg", lines={"image": 5}),
        doc("c", links=(Link("content/ru/d.md", 3),)),
        doc("d", draft=True),
    ]
    with pytest.raises(SiteError) as caught:
        assemble(config, docs, NOW, static_files=frozenset({"images/x.jpg"}))
    assert [str(p) for p in caught.value.problems] == [
        "content/ru/a.md:9: error: link to content/ru/nowhere.md: no such article",
        "content/ru/b.md:5: error: no such image: static/images/cover.jpg",
        "content/ru/c.md:3: error: link to content/ru/d.md, which is a draft",
    ]
