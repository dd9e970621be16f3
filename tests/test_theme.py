"""The default theme on the whole demo site, in both languages: strings, links, weight, origins."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from generator import i18n
from generator.i18n import long_date, plural_form
from tests.conftest import ROOT
from tests.htmlscan import Scan, pages, scan

THEME = ROOT / "themes" / "default"
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
RESOURCE_ATTRS = {
    "img": "src",
    "script": "src",
    "iframe": "src",
    "source": "src",
    "video": "src",
    "audio": "src",
}


def strings(lang: str) -> dict[str, object]:
    from generator.errors import Collector

    return i18n.load_strings(THEME / "i18n", lang, Collector(), "i18n").table


def test_templates_hold_no_ui_text() -> None:
    """Every word a reader sees comes from i18n/<lang>.yaml, never from a template."""
    for template in sorted((THEME / "templates").rglob("*")):
        if template.is_file():
            for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
                assert not CYRILLIC.search(line), f"{template.name}:{number}: {line.strip()}"


def test_both_languages_have_every_string_and_plural_form() -> None:
    ru, tt = strings("ru"), strings("tt")
    assert set(ru) == set(tt)
    for lang, table in (("ru", ru), ("tt", tt)):
        for key, value in table.items():
            if isinstance(value, dict):
                needed = {plural_form(lang, n) for n in range(0, 200)}
                assert needed <= set(value), (lang, key, needed - set(value))


def test_cldr_plurals_and_dates() -> None:
    from datetime import datetime

    count = i18n.Strings("ru", strings("ru"))
    assert [count("articles", n=n) for n in (1, 2, 5, 11, 21, 22)] == [
        "1 материал",
        "2 материала",
        "5 материалов",
        "11 материалов",
        "21 материал",
        "22 материала",
    ]
    assert i18n.Strings("tt", strings("tt"))("articles", n=5) == "5 язма"
    moment = datetime(2024, 3, 8, 15, 12)
    assert long_date(moment, "ru") == "8 марта 2024"
    assert long_date(moment, "tt") == "8 март 2024"
    assert i18n.month_title("2024/03", "ru") == "Март 2024"
    assert i18n.month_title("2024/03", "tt") == "Март 2024"


# UI strings that are rightly the same word in Russian and Tatar.
SAME_IN_BOTH = {
    "author", "photo", "imprint.phone", "nav.archive", "archive_title",
    "admin.title", "admin.field.author", "admin.field.body", "admin.field.category",
}  # fmt: skip


def test_tatar_strings_are_translated() -> None:
    ru, tt = strings("ru"), strings("tt")
    same = sorted(key for key in ru if ru[key] == tt[key] and key not in SAME_IN_BOTH)
    assert not same, f"Tatar strings identical to Russian: {same}"


def test_no_tatar_page_shows_a_russian_ui_string(demo_site: Path) -> None:
    russian = {
        fragment.strip()
        for key, value in strings("ru").items()
        if key not in SAME_IN_BOTH
        for item in (value.values() if isinstance(value, dict) else [value])
        for fragment in re.split(r"\{[a-z]+\}", str(item))
        if len(fragment.strip()) >= 4 and CYRILLIC.search(fragment)
    }
    assert len(russian) > 30
    tatar_pages = [p for p in pages(demo_site) if scan(p).lang == "tt"]
    assert len(tatar_pages) > 30
    for page in tatar_pages:
        text = " ".join(scan(page).text)
        found = sorted(f for f in russian if f in text)
        assert not found, f"{page.relative_to(demo_site)} shows Russian UI text: {found}"


def _leaves(table: dict[str, object]) -> list[object]:
    return [x for v in table.values() for x in (v.values() if isinstance(v, dict) else [v])]


def test_every_page_has_lang_canonical_and_switch(demo_site: Path) -> None:
    for page in pages(demo_site):
        found = scan(page)
        assert found.lang in ("ru", "tt"), page
        canonical = [a for a in found.attrs("link") if a.get("rel") == "canonical"]
        assert len(canonical) == 1 and canonical[0]["href"].startswith(
            "https://chistopol-inform.example.org/"
        )
        switch = [a for a in found.attrs("a") if a.get("hreflang")]
        assert len(switch) == 1 and switch[0]["hreflang"] != found.lang, page
        og = {a.get("property"): a.get("content") for a in found.attrs("meta") if a.get("property")}
        assert og["og:locale"] == {"ru": "ru_RU", "tt": "tt_RU"}[found.lang]


def test_articles_have_news_article_json_ld(demo_site: Path) -> None:
    article = demo_site / "tt/news/education/yana-maktap/index.html"
    html = article.read_text(encoding="utf-8")
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    )
    assert data["@type"] == "NewsArticle" and data["inLanguage"] == "tt"
    assert data["headline"].startswith("Чистайда 1100")
    # The 1200 px JPEG of the cover, never the original.
    assert re.fullmatch(
        r"https://chistopol-inform\.example\.org/images/school-1200\.[0-9a-f]{10}\.jpg",
        data["image"][0],
    )
    assert '<meta property="og:locale:alternate" content="ru_RU">' in html


def _internal_targets(found: Scan) -> list[str]:
    targets = [a.get("href", "") for a in found.attrs("a")] + [
        a.get("href", "") for a in found.attrs("link")
    ]
    targets += [a.get(attr, "") for tag, attr in RESOURCE_ATTRS.items() for a in found.attrs(tag)]
    return [t for t in targets if t and not urlsplit(t).scheme and not t.startswith("//")]


def _resolve(root: Path, page: Path, target: str) -> tuple[Path, str]:
    parts = urlsplit(target)
    if not parts.path:
        return page, parts.fragment
    base = "/" + page.relative_to(root).parent.as_posix() + "/"
    path = unquote(parts.path if parts.path.startswith("/") else base + parts.path)
    file = root / path.lstrip("/")
    return (file / "index.html" if path.endswith("/") else file), parts.fragment


def test_no_broken_internal_link_or_missing_asset(demo_site: Path) -> None:
    broken = []
    scans = {page: scan(page) for page in pages(demo_site)}
    for page, found in scans.items():
        for target in _internal_targets(found):
            file, fragment = _resolve(demo_site, page, target)
            if not file.is_file():
                broken.append(f"{page.relative_to(demo_site)} -> {target}")
            elif fragment and file in scans and fragment not in scans[file].ids:
                broken.append(f"{page.relative_to(demo_site)} -> {target} (no such anchor)")
    assert not broken, broken


def test_nothing_loads_from_another_origin(demo_site: Path) -> None:
    for page in pages(demo_site):
        found = scan(page)
        loaded = [a.get(attr, "") for tag, attr in RESOURCE_ATTRS.items() for a in found.attrs(tag)]
        loaded += [
            a["href"]
            for a in found.attrs("link")
            if a.get("rel") in ("stylesheet", "icon", "preload", "modulepreload")
        ]
        foreign = [u for u in loaded if urlsplit(u).scheme or u.startswith("//")]
        assert not foreign, (page, foreign)
    for css in demo_site.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert "@font-face" not in text and "@import" not in text and "http" not in text


def test_article_pages_weigh_at_most_40_kb(demo_site: Path) -> None:
    heaviest = 0
    for page in (demo_site / "news").rglob("index.html"):
        found = scan(page)
        if not any(
            a.get("property") == "og:type" and a.get("content") == "article"
            for a in found.attrs("meta")
        ):
            continue
        total = page.stat().st_size
        for target in [a["href"] for a in found.attrs("link") if a.get("rel") == "stylesheet"] + [
            a["src"] for a in found.attrs("script") if a.get("src")
        ]:
            total += _resolve(demo_site, page, target)[0].stat().st_size
        heaviest = max(heaviest, total)
    assert 0 < heaviest <= 40 * 1024, heaviest


def test_no_javascript_framework(demo_site: Path) -> None:
    """Every reader's page loads under 10 KiB of our own scripts. The editors' CMS under
    admin/ is React and loads only there; Pagefind's scripts load on the search page only
    (tests/test_search.py measures them)."""
    scripts = [
        p
        for p in demo_site.rglob("*.js")
        if p.relative_to(demo_site).parts[0] not in ("admin", "pagefind")
    ]
    for page in demo_site.rglob("*.html"):
        if page.relative_to(demo_site).parts[0] == "admin":
            continue
        loaded = re.findall(r'<script src="/assets/js/([^"]+)"', page.read_text(encoding="utf-8"))
        size = sum((demo_site / "assets/js" / name).stat().st_size for name in loaded)
        assert size < 10 * 1024, (page, loaded, size)
    for script in scripts:
        text = script.read_text(encoding="utf-8")
        assert not re.search(r"\b(React|Vue|angular|jQuery|preact|svelte)\b", text)


def test_sitemap_valid_against_the_sitemaps_org_schema(demo_site: Path) -> None:
    xsd = ROOT / "node_modules/sitemap/schema/sitemap.xsd"
    if not xsd.exists():
        pytest.skip("node_modules/sitemap is missing: run `make test` (npm ci)")
    import xmlschema

    schema = xmlschema.XMLSchema(str(xsd))
    schema.validate(str(demo_site / "sitemap.xml"))
    text = (demo_site / "sitemap.xml").read_text(encoding="utf-8")
    assert (
        'hreflang="tt" href="https://chistopol-inform.example.org/tt/news/education/yana-maktap/"'
        in text
    )
    searches = 2  # /search/ and /tt/search/ are no content for search engines
    assert text.count("<url>") + searches == sum(
        1 for p in pages(demo_site) if p.name == "index.html"
    )


def test_robots_txt_points_at_the_sitemap(demo_site: Path) -> None:
    assert (demo_site / "robots.txt").read_text() == (
        "User-agent: *\nAllow: /\n\nSitemap: https://chistopol-inform.example.org/sitemap.xml\n"
    )


def test_typography_reaches_the_pages(demo_site: Path) -> None:
    html = (demo_site / "news/education/novaya-shkola/index.html").read_text(encoding="utf-8")
    assert "«Мы ждали эту школу шесть лет." in html
    assert "\u00a0— рассказала мама" in html
    tt = (demo_site / "tt/news/culture/chistay-monnary/index.html").read_text(encoding="utf-8")
    assert "<h1>«Чистай моңнары» татар җыры" in tt


def test_html_is_valid(demo_site: Path) -> None:
    """The Nu Html Checker reports no error on any page of either language."""
    import subprocess

    java = _java()
    jar = ROOT / "node_modules/vnu-jar/build/dist/vnu.jar"
    if not jar.exists():
        pytest.skip("node_modules/vnu-jar is missing: run `make test` (npm ci)")
    result = subprocess.run(
        [
            java,
            "-jar",
            str(jar),
            "--format",
            "json",
            "--stdout",
            "--errors-only",
            "--skip-non-html",
            str(demo_site),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    messages = json.loads(result.stdout or '{"messages": []}')["messages"]
    assert not messages, [
        f"{m.get('url')}:{m.get('lastLine')}: {m['message']}" for m in messages[:20]
    ]
    assert result.returncode == 0, result.stderr


def _java() -> str:
    from tests.conftest import require

    return require("java")


def test_article_blocks_in_the_outlets_order(demo_site: Path) -> None:
    html = (demo_site / "news/education/novaya-shkola/index.html").read_text(encoding="utf-8")
    html = html.split('<main id="main">', 1)[1]
    markers = [
        'class="rubric"', "<time", "<h1>", 'class="lead"', 'class="cover"', "<figcaption>Фото: ",
        'class="body"', 'class="author"', 'class="tags"', 'class="promo"', 'class="reactions"',
        'class="comments"', "Нет комментариев", 'class="related"',
    ]  # fmt: skip
    positions = [html.find(marker) for marker in markers]
    assert -1 not in positions, [m for m, p in zip(markers, positions, strict=True) if p < 0]
    assert positions == sorted(positions)


def test_home_shows_pinned_main_news_then_the_latest(demo_site: Path) -> None:
    for home, heading in (
        (demo_site / "index.html", "Главное"),
        (demo_site / "tt/index.html", "Төп яңалыклар"),
    ):
        html = home.read_text(encoding="utf-8")
        main_news = html.index(f'<h2 id="main-news">{heading}</h2>')
        assert html.index('<h2 id="listing">') > main_news
        pinned = html[main_news : html.index('<h2 id="listing">')]
        assert pinned.count('class="card"') == 1
