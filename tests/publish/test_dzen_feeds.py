"""The RSS feeds keep to Dzen's rules (dzen.ru/help/ru/website/rss-modify): the last days'
items only, a guid that survives edits, the full text in the tags Dzen takes, covers of at
least 700 px as enclosures."""

from __future__ import annotations

import re
from datetime import timedelta

import feedparser

from bench.photogen import Shot, make
from tests.conftest import Run
from tests.publish.conftest import NOW, NewsSite, at


def feed(run: Run, site: NewsSite, name: str = "rss.xml") -> feedparser.FeedParserDict:
    code, _, err = run("build", "--site", str(site.root), "--now", NOW.isoformat())
    assert code == 0, err
    parsed = feedparser.parse((site.out / name).read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def titles(parsed: feedparser.FeedParserDict) -> list[str]:
    return [e.title.replace("\xa0", " ") for e in parsed.entries]  # typography's no-break spaces


def test_only_the_last_days_items(news: NewsSite, run: Run) -> None:
    news.news("content/ru/2026/two-days.md", -50, title="Два дня")
    news.news("content/ru/2026/four-days.md", -98, title="Четыре дня")
    assert titles(feed(run, news)) == ["Без обложки", "Школа с обложкой", "Два дня"]
    news.write("site.yaml", (news.root / "site.yaml").read_text() + "feed_days: 5\n")
    assert titles(feed(run, news))[-2:] == ["Старая новость", "Четыре дня"]


def test_the_guid_stays_when_the_slug_and_rubric_change(news: NewsSite, run: Run) -> None:
    first = feed(run, news).entries[1]
    assert first.id == "tag:example.org,2026:ru/cover" and first.guidislink is False
    news.news("content/ru/2026/cover.md", -3, title="Школа с обложкой", image="images/cover.jpg",
              translation_key="cover", slug="novyy-adres", category="sport")  # fmt: skip
    again = feed(run, news).entries[1]
    assert again.id == first.id and again.link != first.link
    assert again.link == "https://example.org/news/sport/novyy-adres/"


def test_covers_narrower_than_700_px_are_left_out(news: NewsSite, run: Run) -> None:
    make(Shot("narrow.jpg", 640, 480, 8), news.root / "static/images")
    news.news("content/ru/2026/narrow.md", -2, title="Узкое фото", image="images/narrow.jpg")
    entries = {e.title.replace("\xa0", " "): e for e in feed(run, news).entries}
    # The cover's 1200 px JPEG (no EXIF, no GPS), never the original.
    [shared] = (news.out / "images").glob("cover-1200.*.jpg")
    enclosure = entries["Школа с обложкой"].enclosures[0]
    assert enclosure.href == f"https://example.org/images/{shared.name}"
    assert enclosure.length == str(shared.stat().st_size)
    assert not entries["Узкое фото"].get("enclosures")


def test_the_full_text_in_the_tags_dzen_takes(news: NewsSite, run: Run) -> None:
    body = """\
Текст с **жирным** и *курсивом*.

| Команда | Очки |
|---|---|
| «Буран» | 12 |

<iframe src="https://video.example.org/embed/1"></iframe>

## Подзаголовок

- пункт"""
    news.news("content/ru/2026/rich.md", -0.5, title="Богатый текст", body=body)
    entry = next(e for e in feed(run, news).entries if e.title.startswith("Богатый"))
    html = entry.content[0].value
    assert "<b>жирным</b>" in html and "<i>курсивом</i>" in html
    assert "<p>Команда — Очки</p>" in html and "<p>«Буран» — 12</p>" in html
    assert "<h2>Подзаголовок</h2>" in html and "<li>пункт</li>" in html
    tags = set(re.findall(r"<([a-z0-9]+)", html))
    assert tags <= {"p", "a", "b", "i", "h2", "ul", "li", "img", "figure", "figcaption", "br"}
    assert "iframe" not in html and "table" not in html


def test_the_items_are_the_newest_even_when_many(news: NewsSite, run: Run) -> None:
    for i in range(60):
        news.news(f"content/ru/2026/many-{i}.md", -i * 0.5, title=f"Новость {i}",
                  date=at(timedelta(minutes=-30 * i - 1)))  # fmt: skip
    entries = feed(run, news).entries
    assert len(entries) == 50  # feed_items still caps the feed
    assert entries[0].title.replace("\xa0", " ") == "Новость 0"
