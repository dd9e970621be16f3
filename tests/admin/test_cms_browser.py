"""The editors' CMS in Chromium against the local repository (`serve`), end to end: write in
Russian with a cover photo, translate into Tatar, publish; the files land where Khabar
expects, `check` passes, `build` publishes both, paired by the language switch."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from generator import admin, yamlfile
from generator.config import load_config
from generator.render import load_theme
from tests.admin.conftest import Served, sign_in
from tests.conftest import ROOT

pytestmark = pytest.mark.slow
LATER = "2027-01-15T12:00:00+03:00"  # a --now after everything written here


def field(page: Any, name: str, locale: int = 0) -> Any:
    """A field of the editor by its front matter key: locale 0 is Russian, 1 Tatar."""
    # Not the fields of a photo inside the body's editor (it has a "title" too).
    own = f'[id^="{name}-field-"]'
    return page.locator(f"{own}:not([data-slate-editor] {own})").nth(locale)


def front_matter(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n"), text
    data = yamlfile.load(text.split("---\n")[1])  # Khabar's reading: dates stay text
    assert isinstance(data, dict)
    return dict(data)


def khabar(verb: str, site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(ROOT / "build.py"), verb, "--site", str(site), *args]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)


def publish(page: Any) -> None:
    page.get_by_role("button", name="Опубликовать").first.click()
    page.get_by_role("menuitem", name="Опубликовать сейчас").click()


def choose_photo(page: Any, photo: Path) -> None:
    page.get_by_role("button", name="Выберите изображение").first.click()
    page.set_input_files("input[type=file]", str(photo))
    page.get_by_role("button", name="Выбрать помеченные").click()


def open_preview(page: Any, served: Served, title: str | None = None) -> Any:
    """Signs in and opens an article by its title (a new one without), with the preview
    pane shown; returns the pane's frame."""
    sign_in(page, served, "#/collections/articles" if title else "#/collections/articles/new")
    if title:
        page.get_by_text(title).click()
    page.get_by_title("Переключиться на предварительный просмотр").click()
    return page.frame_locator("#preview-pane")


def test_write_translate_and_publish(cms_page: Any, served: Served, tmp_path: Path) -> None:
    page = cms_page
    sign_in(page, served, "#/collections/articles/new")
    field(page, "title").fill("Чистополь готовится к зиме")
    field(page, "title", 1).fill("Чистай кышка әзерләнә")
    # The URL slugs follow the titles, each by Khabar's rules (Tatar letters too).
    assert field(page, "slug").input_value() == "chistopol-gotovitsya-k-zime"
    assert field(page, "slug", 1).input_value() == "chistay-kyshka-azerlana"
    field(page, "date").fill("2026-11-20T10:30")
    field(page, "category").click()
    page.keyboard.type("Общество")
    page.keyboard.press("Enter")
    field(page, "lead").fill("Коммунальщики проверили технику.")
    field(page, "tags").fill("зима, город")
    photo = tmp_path / "sneg-na-ulitse.jpg"
    shutil.copy(ROOT / "static/images/winter.jpg", photo)
    choose_photo(page, photo)
    field(page, "image_alt").fill("Заснеженная улица")
    field(page, "image_credit").fill("Айгуль Гарипова")
    field(page, "image_alt", 1).fill("Карлы урам")
    page.locator("[data-slate-editor]").nth(0).click()
    page.keyboard.type("Снегоуборочная техника готова к работе.")
    page.locator("[data-slate-editor]").nth(1).click()
    page.keyboard.type("Кар чистарту техникасы эшкә әзер.")
    publish(page)

    ru = front_matter(served.wait_for_file("content/ru/2026/chistopol-gotovitsya-k-zime.md"))
    tt = front_matter(served.wait_for_file("content/tt/2026/chistopol-gotovitsya-k-zime.md"))
    assert ru["title"] == "Чистополь готовится к зиме"
    assert ru["slug"] == "chistopol-gotovitsya-k-zime"
    assert ru["date"] == tt["date"] == "2026-11-20T10:30:00+03:00"
    assert ru["category"] == tt["category"] == "society"
    assert ru["tags"] == ["зима", "город"]
    assert ru["image"] == tt["image"] == "/images/sneg-na-ulitse.jpg"
    assert (ru["image_alt"], tt["image_alt"]) == ("Заснеженная улица", "Карлы урам")
    assert tt["title"] == "Чистай кышка әзерләнә" and tt["slug"] == "chistay-kyshka-azerlana"
    assert served.file("static/images/sneg-na-ulitse.jpg").read_bytes() == photo.read_bytes()
    body = served.file("content/tt/2026/chistopol-gotovitsya-k-zime.md").read_text("utf-8")
    assert "Кар чистарту техникасы эшкә әзер." in body

    checked = khabar("check", served.site, "--now", LATER, "--cache", str(tmp_path / "c1"))
    assert checked.returncode == 0, checked.stderr
    out = tmp_path / "public"
    built = khabar("build", served.site, "--now", LATER, "--out", str(out),
                   "--cache", str(tmp_path / "c2"))  # fmt: skip
    assert built.returncode == 0, built.stderr
    ru_page = out / "news/society/chistopol-gotovitsya-k-zime/index.html"
    tt_page = out / "tt/news/society/chistay-kyshka-azerlana/index.html"
    assert 'href="/tt/news/society/chistay-kyshka-azerlana/"' in ru_page.read_text("utf-8")
    assert 'href="/news/society/chistopol-gotovitsya-k-zime/"' in tt_page.read_text("utf-8")


def test_edit_an_article_in_a_year_folder(cms_page: Any, served: Served) -> None:
    """An article written by hand opens with its body (the listing held only front matter)
    and its Tatar twin; saving changes what was edited and keeps every other key."""
    page = cms_page
    rel = "content/ru/2026/novaya-shkola.md"
    before = served.file(rel).read_text(encoding="utf-8")
    sign_in(page, served, "#/collections/articles")
    page.get_by_text("В Чистополе открыли новую школу на 1100 мест").click()
    assert "Подрядчик закончил" in page.locator("[data-slate-editor]").nth(0).inner_text()
    assert field(page, "title", 1).input_value() == "Чистайда 1100 урынлы яңа мәктәп ачылды"
    assert field(page, "slug", 1).input_value() == "yana-maktap"  # kept, not re-derived
    assert field(page, "date").input_value() == "2026-09-01T10:30"  # the site's clock
    field(page, "lead").fill("Новая школа открыта.")
    publish(page)
    deadline = time.monotonic() + 20
    while "Новая школа открыта." not in served.file(rel).read_text(encoding="utf-8"):
        assert time.monotonic() < deadline, "the edit was never saved"
        time.sleep(0.1)
    after = front_matter(served.file(rel))
    assert after["lead"] == "Новая школа открыта."
    old = _keys(before)
    assert old <= set(after), old - set(after)
    tt = front_matter(served.file("content/tt/2026/novaya-shkola.md"))
    assert tt["slug"] == "yana-maktap" and tt["translation_key"] == "new-school-2026"
    checked = khabar("check", served.site, "--now", LATER)
    assert checked.returncode == 0, checked.stderr


def _keys(text: str) -> set[str]:
    return set(yamlfile.load(text.split("---\n")[1]))


def test_an_article_only_in_tatar_named_in_tatar_opens(cms_page: Any, served: Served) -> None:
    page = cms_page
    sign_in(page, served, "#/collections/articles")
    page.get_by_text("Авылларда «Иң матур ишегалды» бәйгесенә йомгак ясалды").click()
    assert field(page, "title", 1).input_value().startswith("Авылларда")
    assert field(page, "title").input_value() == ""  # no Russian version yet


def test_an_article_named_in_cyrillic_opens_with_its_translation(
    cms_page: Any, served: Served
) -> None:
    page = cms_page
    sign_in(page, served, "#/collections/articles")
    page.get_by_text("Книжная ярмарка в библиотеке").click()
    expect(field(page, "title", 1)).to_have_value("Китапханәдә китап ярминкәсе")
    assert (
        "Книжная ярмарка в библиотеке." in page.locator("[data-slate-editor]").nth(0).inner_text()
    )


def test_a_draft_stays_unpublished(cms_page: Any, served: Served, tmp_path: Path) -> None:
    page = cms_page
    sign_in(page, served, "#/collections/articles/new")
    field(page, "title").fill("Черновик о ремонте моста")
    field(page, "date").fill("2026-11-21T09:00")
    page.locator('[id^="draft-field-"]').nth(0).click()
    page.locator("[data-slate-editor]").nth(0).click()
    page.keyboard.type("Пока не готово.")
    publish(page)
    rel = "content/ru/2026/chernovik-o-remonte-mosta.md"
    assert front_matter(served.wait_for_file(rel))["draft"] is True
    out = tmp_path / "public"
    built = khabar("build", served.site, "--now", LATER, "--out", str(out),
                   "--cache", str(tmp_path / "c"))  # fmt: skip
    assert built.returncode == 0, built.stderr
    assert not list(out.rglob("chernovik-o-remonte-mosta"))
    assert (out / "news").is_dir()


AXE = ROOT / "node_modules/axe-core/axe.min.js"


def test_the_admin_shell_passes_axe(cms_page: Any, served: Served) -> None:
    """The page we ship and the sign-in screen the CMS draws into it (WCAG 2 A and AA)."""
    if not AXE.exists():
        pytest.skip("node_modules/axe-core is missing: run `make test` (npm ci)")
    page = cms_page
    page.goto(f"{served.url}/admin/")
    page.get_by_role("button", name="Войти").wait_for()
    assert page.evaluate("document.documentElement.lang") == "ru"
    assert page.title().startswith("Редакция · ")
    page.add_script_tag(path=str(AXE))
    tags = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}}
    violations = page.evaluate(
        "tags => axe.run(document, tags).then(r => r.violations.map("
        "v => [v.id, v.nodes.map(n => n.html)]))",
        tags,
    )
    assert violations == []


def test_the_preview_is_the_sites_own(cms_page: Any, served: Served) -> None:
    """The preview pane lays the article out as the theme does, in the theme's stylesheet,
    with the text the build makes: its Markdown and typography, run in the browser."""
    page = cms_page
    frame = open_preview(page, served, "В Чистополе открыли новую школу на 1100 мест")
    heading = frame.locator("article.article h1")
    assert frame.locator("link[rel=stylesheet][href='/assets/css/site.css']").count() == 1
    assert frame.locator("figure.cover figcaption").inner_text() == "Фото: Айгуль Гарипова"
    assert frame.locator("main").get_attribute("lang") == "ru"
    body = frame.locator("article .body[data-khabar-preview=site]")
    body.wait_for(timeout=60000)  # Pyodide: 13 MB from this site the first time
    # Character for character what the published page shows: «ёлочки» for straight quotes,
    # dashes, non-breaking spaces, the table, the link to another article.
    site_page = page.context.new_page()
    site_page.goto(f"{served.url}/news/education/novaya-shkola/")
    site_body = site_page.locator("article .body").inner_text()
    site_heading = site_page.locator("h1").inner_text()
    site_lead = site_page.locator("article .lead").inner_text()
    site_font = site_page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    site_page.close()
    assert "«Мы ждали эту школу" in site_body and "\u00a0— рассказала" in site_body
    assert body.inner_text() == site_body
    assert (
        heading.inner_text()
        == site_heading
        == "В\u00a0Чистополе открыли новую школу на\u00a01100 мест"
    )
    assert frame.locator("article .lead").inner_text() == site_lead
    assert body.locator("table td").first.inner_text() == "1–4"
    assert body.locator("a[data-khabar-article]").get_attribute("href") == "#"
    # The site's stylesheet is applied: the heading has the site's font, not the CMS's.
    assert heading.evaluate("h => getComputedStyle(h).fontFamily") == site_font


def test_the_preview_sets_what_the_editor_types_as_the_site_will(
    cms_page: Any, served: Served
) -> None:
    page = cms_page
    frame = open_preview(page, served)
    field(page, "title").fill('Школа "Радуга" - открыта')
    page.locator("[data-slate-editor]").nth(0).click()
    page.keyboard.type('Директор сказал: "Ждём всех" - и открыл двери.')
    body = frame.locator("article .body[data-khabar-preview=site]")
    body.wait_for(timeout=60000)
    expected = "Директор сказал: «Ждём всех»\u00a0— и\u00a0открыл двери."
    # Decap hands the preview each change a moment later: wait for the last keystroke.
    paragraph = body.locator("p", has_text="Директор сказал")
    expect(paragraph).to_have_text(expected)
    assert paragraph.inner_text() == expected  # to_have_text takes U+00A0 for a space
    assert frame.locator("article h1").inner_text() == "Школа «Радуга»\u00a0— открыта"


def test_without_pyodide_the_preview_says_its_text_is_simplified(
    cms_page: Any, served: Served
) -> None:
    """If the preview's Python cannot load (an old browser, a proxy), the editor still sees
    her article, in Decap's rendering, and a line saying the site's rules are missing."""
    page = cms_page
    page.route("**/admin/pyodide-*/**", lambda route: route.fulfill(status=404, body="no"))
    frame = open_preview(page, served, "В Чистополе открыли новую школу на 1100 мест")
    note = frame.locator("main > p[role=status]")
    note.filter(has_text="Не удалось загрузить правила вёрстки сайта").wait_for()
    body = frame.locator("article .body[data-khabar-preview=decap]")
    assert "Подрядчик закончил" in body.inner_text()
    assert '"Мы ждали эту школу' in body.inner_text()  # Decap's rendering: straight quotes


def test_the_preview_shows_the_bodys_photos_and_the_tatar_side(
    cms_page: Any, served: Served
) -> None:
    """The cover and the body's photos come from the CMS (the site publishes only resized
    variants), whatever their names and however their paths are written; the Tatar side is
    typeset by the Tatar rules."""
    page = cms_page
    frame = open_preview(page, served, "Книжная ярмарка в библиотеке")
    body = frame.locator("article .body[data-khabar-preview=site]")
    body.wait_for(timeout=60000)
    photos = frame.locator("figure.cover img, article .body img")
    expect(photos).to_have_count(3)
    # The CMS fetches each photo, then the preview is drawn again with its address.
    loaded = "imgs => imgs.map(i => i.complete && i.naturalWidth > 0 && i.src.startsWith('blob:'))"
    deadline = time.monotonic() + 20
    while photos.evaluate_all(loaded) != [True, True, True]:
        assert time.monotonic() < deadline, photos.evaluate_all("imgs => imgs.map(i => i.src)")
        time.sleep(0.1)
    assert photos.nth(2).get_attribute("alt") == "Полки"
    page.get_by_role("button", name="Пишем на RU").click()
    page.get_by_text("tt", exact=True).click()  # shown in capitals by the CMS's CSS
    tatar = frame.locator("main[lang=tt] article .body[data-khabar-preview=site]")
    # "Бу" is a short word in Tatar, not in Russian: the Tatar rules were applied.
    paragraph = tatar.locator("p", has_text="дусларына")
    expect(paragraph).to_have_count(1)
    assert paragraph.inner_text() == "Бу\u00a0ярминкә\u00a0— «Китап» дусларына."


def test_while_the_sites_rules_load_the_preview_says_so(cms_page: Any, served: Served) -> None:
    page = cms_page
    page.route("**/admin/pyodide-*/**", lambda route: None)  # never answered: still loading
    frame = open_preview(page, served, "В Чистополе открыли новую школу на 1100 мест")
    expect(frame.locator("main > p[role=status]")).to_have_text(
        "Предпросмотр загружает правила вёрстки сайта; пока текст показан упрощённо."
    )
    assert (
        "Подрядчик закончил"
        in frame.locator("article .body[data-khabar-preview=decap]").inner_text()
    )


def test_a_text_the_sites_rules_fail_on_is_shown_simplified(cms_page: Any, served: Served) -> None:
    """A Python exception on one text: that text falls back to Decap's rendering with a
    line saying so; the next text is the site's again."""
    page = cms_page
    source = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(admin.preview_bundle())) as original,
        zipfile.ZipFile(source, "w") as changed,
    ):
        for name in original.namelist():
            data = original.read(name)
            if name == "generator/preview.py":
                data = data.replace(
                    b"    rendered = markup.render(",
                    b'    if "FAIL" in markdown:\n        raise ValueError("FAIL")\n'
                    b"    rendered = markup.render(",
                )
            changed.writestr(name, data)
    bundle = source.getvalue()
    page.route(
        f"**/admin/{admin.PREVIEW}*",
        lambda route: route.fulfill(body=bundle, content_type="application/zip"),
    )
    frame = open_preview(page, served)
    field(page, "title").fill("Проверка")
    page.locator("[data-slate-editor]").nth(0).click()
    page.keyboard.type("Текст FAIL")
    expect(frame.locator("main > p[role=status]")).to_contain_text(
        "Правила вёрстки сайта не справились с этим текстом"
    )
    expect(frame.locator("article .body[data-khabar-preview=decap]")).to_contain_text("Текст FAIL")
    for _ in range(4):
        page.keyboard.press("Backspace")
    page.keyboard.type('"ok"')
    expect(frame.locator("article .body[data-khabar-preview=site]")).to_contain_text("Текст «ok»")


def test_serve_lets_the_browser_keep_the_versioned_files(served: Served) -> None:
    """Pyodide's folder is named by its version and the bundle is asked for by its digest:
    the editor's browser keeps them; anything else is asked for again."""
    import urllib.request

    def cache_control(path: str) -> str:
        with urllib.request.urlopen(served.url + path, timeout=30) as answer:
            return str(answer.headers.get("Cache-Control"))

    settings = admin.settings(
        load_config(served.site), load_theme(load_config(served.site)).strings
    )
    kept = "public, max-age=31536000, immutable"
    assert cache_control(f"{settings['pyodide']}pyodide.mjs") == kept
    assert cache_control(settings["preview"]) == kept
    assert cache_control(settings["worker"]) == kept
    assert cache_control("/admin/khabar-preview.zip") == "None"  # no digest: not kept
    assert cache_control("/admin/") == "no-store"
