"""Random sequences of ordinary changes: after every one, the build that reuses its cache and
its output folder gives exactly what a clean build gives, byte for byte, or the very same
errors with the previous output left whole.

Hypothesis drives a small bilingual site through what newsrooms do: articles added, deleted,
renamed; slugs, titles, dates, tags, rubrics, drafts, translation keys and links changed;
site.yaml labels and settings; static files added, replaced by images of other pixel sizes,
deleted; theme templates and strings edited; and `--now` moving past scheduled dates and
expiries. KHABAR_PROPERTY_EXAMPLES sets the number of examples (200 by default, as in CI).

The examples are split over one pytest process per core (KHABAR_PROPERTY_SHARDS), each with
its own random seed: on two cores the test takes half the time and explores as much.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from generator.errors import SiteError
from generator.pipeline import Options, build
from tests.conftest import ROOT

EXAMPLES = int(os.environ.get("KHABAR_PROPERTY_EXAMPLES", "200"))
SHARDS = max(1, int(os.environ.get("KHABAR_PROPERTY_SHARDS", str(os.cpu_count() or 1))))
SHARD = os.environ.get("KHABAR_PROPERTY_SHARD")  # set in the processes the test starts
START = datetime.fromisoformat("2026-11-28T12:00:00+03:00")
NAMES = ("alpha", "beta", "gamma", "delta", "epsilon")
LANGS = ("ru", "tt")
RUBRICS = ("society", "sport", "culture")
TAGS = ("школа", "спорт", "авыл", "Школа")  # two spellings of one tag on purpose
SITE = """\
title: {{ru: Чистополь-информ, tt: Чистай-информ}}
base_url: https://example.org/
default_language: ru
languages:
  ru: {{label: Рус}}
  tt: {{label: Тат}}
per_page: {per_page}
feed_items: {feed_items}
categories:
  society: {{ru: {society}, tt: Җәмгыять}}
  sport: {{ru: Спорт, tt: Спорт}}
  culture: {{ru: Культура, tt: Мәдәният}}
"""


def png(width: int, height: int) -> bytes:
    """A real (grey) PNG of the given pixel size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + bytes([128]) * width for _ in range(height))
    image = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + image


def tree(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


Fields = dict[str, object]


def _link(fields: Fields, choice: int, others: list[str], now: datetime) -> None:
    if others:
        fields["body"] = f"См. [соседнюю новость]({others[choice % len(others)]}.md)."


def _root_link(fields: Fields, choice: int, others: list[str], now: datetime) -> None:
    target = ("/files/doc.pdf", "/news/sport/", "/files/new.pdf", "/tags/shkola/")[choice]
    fields["body"] = f"Документ: [решение]({target})."


def _draft(fields: Fields, choice: int, others: list[str], now: datetime) -> None:
    fields["draft"] = "true" if fields.get("draft") != "true" else "false"


def _set(key: str, values: Callable[[int, datetime], object]) -> Change:
    def change(fields: Fields, choice: int, others: list[str], now: datetime) -> None:
        fields[key] = values(choice, now)

    return change


Change = Callable[[Fields, int, list[str], datetime], None]
CHANGES: dict[str, Change] = {
    "title": _set("title", lambda c, now: f"Новость номер {c}"),
    "slug": _set("slug", lambda c, now: ("novoe-imya", "drugoe", "tretye", "alpha")[c]),
    "date": _set("date", lambda c, now: now + timedelta(hours=(-50, -2, 1, 30)[c])),
    "expires": _set("expires", lambda c, now: now + timedelta(hours=(1, 5, 48, -1)[c])),
    "tags": _set("tags", lambda c, now: [TAGS[c], TAGS[(c + 1) % 4]][: 1 + c % 2]),
    "category": _set("category", lambda c, now: RUBRICS[c % 3]),
    "key": _set("translation_key", lambda c, now: ("alpha", "pair-one", "pair-two", "beta")[c]),
    "image": _set("image", lambda c, now: ("images/a.png", "images/b.png", "/images/a.png")[c % 3]),
    "lead": _set("lead", lambda c, now: ("Коротко.", "Очень коротко.", "Лид", "Ещё лид")[c]),
    "body": _set(
        "body", lambda c, now: ("Текст.", "Новый текст.", "С «кавычками».", "- а\n- б")[c]
    ),
    "draft": _draft,
    "link": _link,
    "root-link": _root_link,
}


class Newsroom(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="khabar-property-"))
        self.site = self.tmp / "site"
        self.now = START
        self.settings = {"per_page": 2, "feed_items": 3, "society": "Общество"}
        self.articles: dict[tuple[str, str], dict[str, object]] = {}
        self.write_settings()
        self.put_static("images/a.png", png(40, 30))
        self.put_static("files/doc.pdf", b"%PDF-1.4 first\n")
        for name in NAMES[:3]:
            self.articles[("ru", name)] = self.fresh(name, "ru")
            self.write_article("ru", name)
        self.articles[("tt", "alpha")] = self.fresh("alpha", "tt")
        self.write_article("tt", "alpha")
        self.last: dict[str, bytes] = {}
        self.steps = 0

    def teardown(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- the site on disk -----------------------------------------------------------------

    def fresh(self, name: str, lang: str) -> dict[str, object]:
        return {
            "title": f"Новость {name}" if lang == "ru" else f"Яңалык {name}",
            "date": START - timedelta(days=NAMES.index(name) + 1),
            "category": RUBRICS[NAMES.index(name) % 3],
            "tags": [TAGS[NAMES.index(name) % 3]],
            "body": "Текст.",
        }

    def write_settings(self) -> None:
        (self.site).mkdir(parents=True, exist_ok=True)
        (self.site / "site.yaml").write_text(SITE.format(**self.settings), encoding="utf-8")

    def put_static(self, rel: str, data: bytes) -> None:
        path = self.site / "static" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def write_article(self, lang: str, name: str) -> None:
        fields = self.articles[(lang, name)]
        lines = [f"title: {fields['title']}", f"date: {fields['date'].isoformat()}"]  # type: ignore[attr-defined]
        lines.append(f"category: {fields['category']}")
        lines.append(f"tags: [{', '.join(fields['tags'])}]")  # type: ignore[arg-type]
        for key in ("slug", "translation_key", "draft", "expires", "image", "lead"):
            if key in fields:
                value = fields[key]
                lines.append(
                    f"{key}: {value.isoformat() if isinstance(value, datetime) else value}"
                )
        text = "---\n" + "\n".join(lines) + "\n---\n\n" + str(fields["body"]) + "\n"
        path = self.site / "content" / lang / f"{name}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def theme(self) -> Path:
        theme = self.site / "themes" / "default"
        if not theme.exists():
            shutil.copytree(ROOT / "themes" / "default", theme)
        return theme

    # -- rules: what newsrooms change -------------------------------------------------------

    @rule(lang=st.sampled_from(LANGS), name=st.sampled_from(NAMES))
    def add_article(self, lang: str, name: str) -> None:
        self.articles[(lang, name)] = self.fresh(name, lang)
        self.write_article(lang, name)

    @rule(data=st.data())
    def delete_article(self, data: st.DataObject) -> None:
        if self.articles:
            lang, name = data.draw(st.sampled_from(sorted(self.articles)))
            del self.articles[(lang, name)]
            (self.site / "content" / lang / f"{name}.md").unlink()

    @rule(data=st.data(), new=st.sampled_from(NAMES))
    def rename_article(self, data: st.DataObject, new: str) -> None:
        if not self.articles:
            return
        lang, name = data.draw(st.sampled_from(sorted(self.articles)))
        if (lang, new) in self.articles:
            return
        self.articles[(lang, new)] = self.articles.pop((lang, name))
        (self.site / "content" / lang / f"{name}.md").rename(
            self.site / "content" / lang / f"{new}.md"
        )

    @rule(data=st.data(), field=st.sampled_from(sorted(CHANGES)), choice=st.integers(0, 3))
    def change_article(self, data: st.DataObject, field: str, choice: int) -> None:
        if not self.articles:
            return
        lang, name = data.draw(st.sampled_from(sorted(self.articles)))
        fields = self.articles[(lang, name)]
        others = sorted(n for (code, n) in self.articles if code == lang and n != name)
        CHANGES[field](fields, choice, others, self.now)
        self.write_article(lang, name)

    @rule(key=st.sampled_from(["per_page", "feed_items", "society"]), choice=st.integers(0, 2))
    def change_settings(self, key: str, choice: int) -> None:
        values: dict[str, tuple[object, ...]] = {
            "per_page": (1, 2, 3), "feed_items": (1, 3, 10),
            "society": ("Общество", "Жизнь района", "Общество и люди"),
        }  # fmt: skip
        self.settings[key] = values[key][choice]
        self.write_settings()

    @rule(
        rel=st.sampled_from(["images/a.png", "images/b.png", "files/doc.pdf", "files/new.pdf"]),
        size=st.integers(1, 4),
    )
    def put_static_file(self, rel: str, size: int) -> None:
        data = png(10 * size, 7 * size) if rel.endswith(".png") else f"%PDF {size}\n".encode()
        self.put_static(rel, data)

    @rule(rel=st.sampled_from(["images/a.png", "images/b.png", "files/doc.pdf", "files/new.pdf"]))
    def delete_static_file(self, rel: str) -> None:
        (self.site / "static" / rel).unlink(missing_ok=True)

    @rule(what=st.sampled_from(["template", "strings", "css"]))
    def edit_theme(self, what: str) -> None:
        theme = self.theme()
        if what == "template":
            card = theme / "templates" / "_card.html"
            card.write_text(
                card.read_text(encoding="utf-8") + "<!-- edited -->\n", encoding="utf-8"
            )
        elif what == "strings":
            strings = theme / "i18n" / "tt.yaml"
            text = strings.read_text(encoding="utf-8")
            strings.write_text(text.replace("Шулай ук укыгыз", "Тагын укыгыз"), encoding="utf-8")
            if "Тагын укыгыз" not in text:
                strings.write_text(
                    text.replace("Тагын укыгыз", "Шулай ук укыгыз"), encoding="utf-8"
                )
        else:
            css = next((theme / "static").rglob("*.css"))
            css.write_text(css.read_text(encoding="utf-8") + "\n/* edited */\n", encoding="utf-8")

    @rule(hours=st.sampled_from([1, 3, 26]))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    # -- the property -----------------------------------------------------------------------

    def build_into(self, out: Path, cache: Path) -> list[str]:
        options = Options(self.site, out, self.now, cache=cache, jobs=1)
        try:
            build(options)
        except SiteError as exc:
            return [str(problem) for problem in exc.problems]
        return []

    @invariant()
    def incremental_equals_clean(self) -> None:
        out = self.tmp / "incremental"
        errors = self.build_into(out, self.tmp / "cache")
        clean = self.tmp / f"clean-{self.steps}"
        expected = self.build_into(clean, self.tmp / f"clean-cache-{self.steps}")
        self.steps += 1
        assert errors == expected
        after = tree(out)
        if errors:
            assert after == self.last, "a failed build changed the output"
        else:
            assert after == tree(clean)
            self.last = after
        shutil.rmtree(clean, ignore_errors=True)
        shutil.rmtree(self.tmp / f"clean-cache-{self.steps - 1}", ignore_errors=True)


Newsroom.TestCase.settings = settings(
    max_examples=EXAMPLES if SHARD is None else -(-EXAMPLES // SHARDS),
    stateful_step_count=4,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the repository
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

if SHARD is not None or SHARDS == 1:
    test_incremental_build_equals_clean_build = Newsroom.TestCase
else:

    def test_incremental_build_equals_clean_build_on_every_core() -> None:
        """The state machine in SHARDS processes at once; each reports its own examples."""
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__]
        shards = [
            subprocess.Popen(
                command,
                env={**os.environ, "KHABAR_PROPERTY_SHARD": str(n)},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                cwd=ROOT,
            )
            for n in range(SHARDS)
        ]
        said = [shard.communicate()[0] for shard in shards]
        failed = [(n, text) for n, (shard, text) in enumerate(zip(shards, said, strict=True))
                  if shard.returncode != 0]  # fmt: skip
        assert not failed, "\n".join(f"shard {n}:\n{text}" for n, text in failed)
        for text in said:
            assert re.search(r"^1 passed", text, re.M), text  # it ran the machine, not nothing
