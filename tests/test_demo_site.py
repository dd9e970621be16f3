"""The demo newsroom in the repository root: complete, valid, and exercising every field."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import pytest

from generator import yamlfile
from generator.errors import Collector
from generator.frontmatter import KEYS, split
from tests.conftest import NOW, ROOT, Run, Seed

CONTENT = ROOT / "content"


def front_matters(lang: str) -> dict[Path, dict[str, object]]:
    result = {}
    for path in sorted((CONTENT / lang).rglob("*.md")):
        header, _, _ = split(path.read_text(encoding="utf-8"), str(path), Collector())
        result[path] = dict(yamlfile.load(header))
    return result


@pytest.fixture(scope="module")
def built(demo_site: Path) -> Path:
    return demo_site


def test_demo_passes_check(run: Run, tmp_path: Path) -> None:
    code, _, err = run("check", "--now", NOW, "--cache", str(tmp_path / "cache"))
    assert code == 0, err
    assert "warning" not in err, err  # every cover of the demo is wide enough and described


def test_enough_articles_mostly_paired() -> None:
    ru, tt = front_matters("ru"), front_matters("tt")
    assert len(ru) >= 12 and len(tt) >= 10
    ru_keys = {fm.get("translation_key") for fm in ru.values()}
    paired = [fm for fm in tt.values() if fm.get("translation_key") in ru_keys]
    assert len(paired) >= 0.7 * len(tt)


def test_every_front_matter_field_is_used() -> None:
    used = {
        key
        for fms in (front_matters("ru"), front_matters("tt"))
        for fm in fms.values()
        for key in fm
    }
    assert used == set(KEYS)


def test_one_scheduled_and_one_draft() -> None:
    all_fms = list(front_matters("ru").values()) + list(front_matters("tt").values())
    assert any(fm.get("draft") is True for fm in all_fms)
    assert any(str(fm["date"]) > "2026-11-28T12" for fm in all_fms if not fm.get("draft"))


def test_scheduled_and_draft_stay_out(built: Path) -> None:
    assert not (built / "news/local/novogodnyaya-yarmarka/index.html").exists()
    assert not (built / "news/topic/itogi-goda-chernovik/index.html").exists()
    assert (built / "news/education/novaya-shkola/index.html").exists()
    assert (built / "tt/news/society/in-matur-ishegaldy/index.html").exists()  # a Tatar file name


def test_scheduled_article_goes_live_on_time(tmp_path: Path, run: Run, seed_photos: Seed) -> None:
    out, cache = tmp_path / "public", seed_photos(tmp_path / "cache")
    later = "2026-12-01T09:00"
    assert run("build", "--out", str(out), "--cache", str(cache), "--now", later)[0] == 0
    assert (out / "news/local/novogodnyaya-yarmarka/index.html").exists()
    assert (out / "tt/news/local/yana-el-yarminkasy/index.html").exists()


@pytest.mark.parametrize("feed", ["rss.xml", "tt/rss.xml"])
def test_feeds_parse_cleanly(built: Path, feed: str) -> None:
    parsed = feedparser.parse((built / feed).read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    # Dzen takes only the last days' items: those of the three days before NOW.
    oldest = datetime.fromisoformat(NOW) - timedelta(days=3)
    assert all(parsedate_to_datetime(e.published) > oldest for e in parsed.entries)
    for entry in parsed.entries:
        assert entry.link.startswith("https://chistopol-inform.example.org/")
        assert entry.id.startswith("tag:chistopol-inform.example.org,2026:")
    assert len(feedparser.parse((built / "rss.xml").read_bytes()).entries) >= 1


def test_feeds_carry_the_covers(tmp_path: Path, run: Run) -> None:
    out = tmp_path / "public"
    cache = str(tmp_path / "cache")
    assert run("build", "--out", str(out), "--cache", cache, "--now", "2026-12-01T10:00")[0] == 0
    for feed in ("rss.xml", "tt/rss.xml"):
        parsed = feedparser.parse((out / feed).read_bytes())
        with_cover = [e for e in parsed.entries if e.get("enclosures")]
        assert with_cover and all(int(e.enclosures[0].length) > 0 for e in with_cover)
        assert all(e.enclosures[0].type == "image/jpeg" for e in with_cover)
