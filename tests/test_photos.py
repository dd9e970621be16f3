"""Photos for real: phone photos (generated, with EXIF rotation and GPS) through Pillow, read
back with Pillow; the markup of every page type that shows one; the cache; check's warnings."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import Image

from bench.photogen import GPS_IFD, Shot, make
from generator.pipeline import Options, build
from tests.conftest import NOW, Run, Seed, SiteDir
from tests.htmlscan import pages, scan

PUBLISHED = ("*.jpg", "*.jpeg", "*.webp", "*.avif", "*.png")
WIDTHS = {480, 800, 1200, 1600}
SRCSET = re.compile(r"(\S+) (\d+)w")


def published_images(root: Path) -> list[Path]:
    return sorted(p for pattern in PUBLISHED for p in root.rglob(pattern))


def sky_above_ground(picture: Image.Image) -> bool:
    """The generated scenes have blue sky on top and green or grey ground at the bottom."""
    rgb = picture.convert("RGB")
    width, height = rgb.size
    top = rgb.crop((0, 0, width, height // 6)).resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    low = rgb.crop((0, height * 5 // 6, width, height)).resize((1, 1), Image.Resampling.BOX)
    bottom = low.getpixel((0, 0))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    return top[2] - top[0] > bottom[2] - bottom[0] + 20


# The demo newsroom: its 12 MP cover is stored sideways with GPS, like a phone's.


def test_the_demo_cover_is_a_rotated_12_mp_phone_photo_with_gps() -> None:
    from tests.conftest import ROOT

    with Image.open(ROOT / "static/images/school.jpg") as original:
        assert original.size == (3000, 4000)  # stored sideways...
        exif = original.getexif()
        assert exif[0x0112] == 6  # ...with the tag that turns it upright
        assert exif.get_ifd(GPS_IFD)  # and where it was taken
    assert all(p.stat().st_size < 2 * 1024 * 1024 for p in (ROOT / "static/images").iterdir())


def test_variants_have_the_planned_sizes_and_formats_and_no_metadata(demo_site: Path) -> None:
    found = sorted((demo_site / "images").glob("school-*"))
    kinds = {p.suffix for p in found}
    assert kinds == {".avif", ".webp", ".jpg"}
    assert len(found) == 12
    for path in found:
        with Image.open(path) as variant:
            width = int(path.name.split("-")[1].split(".")[0])
            assert variant.size == (width, width * 3 // 4), path.name
            assert variant.format == {".avif": "AVIF", ".webp": "WEBP", ".jpg": "JPEG"}[path.suffix]
            assert not variant.getexif(), path.name
            assert not {"exif", "xmp", "icc_profile"} & set(variant.info), path.name
            assert sky_above_ground(variant), f"{path.name} is not upright"


def test_no_published_file_carries_exif_or_gps_and_originals_stay_out(demo_site: Path) -> None:
    images = published_images(demo_site)
    assert len(images) == 7 * 12
    for path in images:
        with Image.open(path) as published:
            assert not published.getexif().get_ifd(GPS_IFD), path
            assert not published.getexif(), path
            assert published.width <= 1600, path
    assert not (demo_site / "images/school.jpg").exists()
    assert not any(p.name in ("road.jpg", "festival.jpg") for p in images)


def test_markup_on_every_page_type_that_shows_a_photo(demo_site: Path) -> None:
    article = (demo_site / "news/education/novaya-shkola/index.html").read_text(encoding="utf-8")
    cover = article.split('<figure class="cover">')[1].split("</figure>")[0]
    assert cover.count("<source ") == 2
    assert 'type="image/avif"' in cover and 'type="image/webp"' in cover
    assert 'sizes="(min-width: 46rem) 44rem, calc(100vw - 2rem)"' in cover
    assert 'width="1600" height="1200"' in cover
    assert 'fetchpriority="high"' in cover and 'loading="lazy"' not in cover
    og = re.search(r'<meta property="og:image" content="([^"]+)"', article)
    assert og and re.search(r"/images/school-1200\.[0-9a-f]{10}\.jpg$", og.group(1))
    assert '<meta property="og:image:width" content="1200">' in article
    # A photo in the body, written as raw HTML by the editor, becomes a <picture> too.
    festival = (demo_site / "news/culture/chistay-monnary-2026/index.html").read_text("utf-8")
    related = festival.split('class="related"')[1]
    assert "<picture>" in related and 'loading="lazy"' in related
    body = festival.split('<div class="body">')[1].split("</div>")[0]
    assert body.count("<picture>") == 1 and 'loading="lazy"' in body
    assert 'alt="Зрители в зале Дворца культуры аплодируют артистам"' in body
    assert 'width="600"' not in body  # the editor's size gave way to the photo's own
    for listing in ("index.html", "news/education/index.html", "tags/shkola/index.html",
                    "archive/2026/09/index.html", "tt/index.html"):  # fmt: skip
        html = (demo_site / listing).read_text(encoding="utf-8")
        cards = re.findall(r"<picture>.*?</picture>", html)
        assert cards, listing
        assert 'fetchpriority="high"' in cards[0], listing  # the first photo: likely the LCP
        assert all('loading="lazy"' in card for card in cards[1:]), listing
        assert all("sizes=" in card and "width=" in card and "height=" in card for card in cards)


def test_every_srcset_entry_exists_with_its_declared_width(demo_site: Path) -> None:
    checked: dict[str, int] = {}
    for page in pages(demo_site):
        for tag in ("img", "source"):
            for attrs in scan(page).attrs(tag):
                for url, width in SRCSET.findall(attrs.get("srcset", "")):
                    checked[url] = int(width)
    assert len(checked) == 7 * 12  # fair.jpg belongs to an article not yet published
    for url, width in checked.items():
        with Image.open(demo_site / url.lstrip("/")) as variant:
            assert variant.width == width, url


def test_feeds_enclose_the_1200_px_jpeg(tmp_path: Path, run: Run, seed_photos: Seed) -> None:
    out, cache = tmp_path / "public", seed_photos(tmp_path / "cache")
    # The feeds hold the last days only: the day the school opened, two covers in them.
    assert run("build", "--out", str(out), "--cache", str(cache), "--now", "2026-09-02")[0] == 0
    rss = (out / "rss.xml").read_text(encoding="utf-8")
    enclosures = re.findall(r'<enclosure url="([^"]+)" length="(\d+)" type="image/jpeg"/>', rss)
    assert any("/images/school-1200." in url for url, _ in enclosures), rss
    for url, length in enclosures:
        path = out / url.split(".org/", 1)[1]
        assert path.stat().st_size == int(length)
        with Image.open(path) as shared:
            assert shared.width == 1200 and shared.format == "JPEG"


# A small site of its own: rotations, transparency, the cache, check's warnings.

SHOTS = (
    Shot("images/left.jpg", 1000, 700, 11, orientation=6),
    Shot("images/right.jpg", 1000, 700, 12, orientation=8),
    Shot("images/upside.jpg", 1000, 700, 13, orientation=3),
)


def photo_site(site: SiteDir) -> SiteDir:
    for number, shot in enumerate(SHOTS):
        make(
            Shot(Path(shot.name).name, shot.width, shot.height, shot.seed, shot.orientation),
            site.root / "static/images",
        )
        site.article(
            f"content/ru/a{number}.md",
            title=f"Статья {number}",
            image=shot.name,
            image_alt="Улица",
        )
    return site


def options(site: SiteDir, cache: Path) -> Options:
    now = datetime.fromisoformat(NOW)
    return Options(site=site.root, out=site.out, now=now, cache=cache, jobs=2)


def test_every_rotation_comes_out_upright(site: SiteDir, tmp_path: Path) -> None:
    photo_site(site)
    report = build(options(site, tmp_path / "cache")).report
    assert report.photos == 3
    for shot in SHOTS:
        stem = Path(shot.name).stem
        variants = sorted((site.out / "images").glob(f"{stem}-*"))
        assert len(variants) == 3 * 3  # 480, 800 and its own 1000 px
        for path in variants:
            with Image.open(path) as variant:
                assert variant.width > variant.height, path.name
                assert sky_above_ground(variant), f"{path.name} is not upright"


def test_a_warm_build_encodes_nothing_and_a_new_photo_costs_only_itself(
    site: SiteDir, tmp_path: Path
) -> None:
    photo_site(site)
    cache = tmp_path / "cache"
    assert build(options(site, cache)).report.photos == 3
    inodes = {p.name: p.stat().st_ino for p in (site.out / "images").iterdir()}
    again = build(options(site, cache)).report
    assert again.photos == 0 and again.written == 0
    assert inodes == {p.name: p.stat().st_ino for p in (site.out / "images").iterdir()}
    make(Shot("new.jpg", 900, 600, 21), site.root / "static/images")
    site.article("content/ru/new.md", title="Новая", image="images/new.jpg", image_alt="Дом")
    assert build(options(site, cache)).report.photos == 1
    # The deleted cache is a cold one, and gives the same bytes.
    now = datetime.fromisoformat(NOW)
    cold = build(Options(site.root, tmp_path / "cold", now, cache=tmp_path / "c2", jobs=1)).report
    assert cold.photos == 4
    for path in (site.out / "images").iterdir():
        assert path.read_bytes() == (tmp_path / "cold/images" / path.name).read_bytes()


def test_a_replaced_photo_gets_new_addresses_on_every_page(site: SiteDir, tmp_path: Path) -> None:
    photo_site(site)
    cache = tmp_path / "cache"
    build(options(site, cache))
    old = sorted(p.name for p in (site.out / "images").glob("left-*"))
    make(Shot("left.jpg", 1000, 700, 99, orientation=6), site.root / "static/images")
    build(options(site, cache))
    new = sorted(p.name for p in (site.out / "images").glob("left-*"))
    assert len(new) == len(old) and set(new).isdisjoint(old)  # the old ones are gone
    for page in ("news/society/a0/index.html", "index.html", "news/society/index.html"):
        html = (site.out / page).read_text(encoding="utf-8")
        assert new[0] in html and old[0] not in html, page


def test_transparency_is_kept_in_webp_and_flattened_on_white_in_jpeg(
    site: SiteDir, tmp_path: Path
) -> None:
    logo = Image.new("RGBA", (900, 600), (0, 0, 0, 0))
    logo.paste((200, 30, 30, 255), (300, 200, 600, 400))
    (site.root / "static/images").mkdir(parents=True)
    logo.save(site.root / "static/images/logo.png")
    site.article("content/ru/logo.md", image="images/logo.png", image_alt="Логотип")
    build(options(site, tmp_path / "cache"))
    [jpeg] = (site.out / "images").glob("logo-800.*.jpg")
    [webp] = (site.out / "images").glob("logo-800.*.webp")
    with Image.open(jpeg) as flat, Image.open(webp) as clear:
        assert flat.mode == "RGB" and flat.getpixel((5, 5)) == (255, 255, 255)
        assert clear.mode == "RGBA" and clear.getpixel((5, 5))[3] == 0


def test_check_warns_about_covers_and_never_encodes(
    site: SiteDir, run: Run, tmp_path: Path
) -> None:
    make(Shot("narrow.jpg", 640, 480, 31), site.root / "static/images")
    make(Shot("wide.jpg", 1200, 800, 32), site.root / "static/images")
    site.article("content/ru/narrow.md", image="images/narrow.jpg", image_alt="Узко")
    site.article("content/ru/blind.md", title="Без подписи", image="images/wide.jpg")
    cache = tmp_path / "cache"
    code, _, err = run("check", "--site", str(site.root), "--cache", str(cache), "--now", NOW)
    assert code == 0, err
    warnings = [line for line in err.splitlines() if ": warning: " in line]
    assert warnings == [
        "content/ru/blind.md:5: warning: the cover has no image_alt: describe the photo",
        "content/ru/narrow.md:5: warning: the cover static/images/narrow.jpg is 640 px wide; "
        "Dzen and social networks need at least 700 px",
    ]
    assert not cache.exists() or not any(cache.rglob("*.avif"))  # nothing was encoded
    code, _, err = run("build", "--site", str(site.root), "--cache", str(cache), "--now", NOW)
    assert code == 0 and [line for line in err.splitlines() if ": warning: " in line] == warnings


def test_a_missing_or_unreadable_photo_is_an_error(site: SiteDir, run: Run) -> None:
    (site.root / "static/images").mkdir(parents=True)
    (site.root / "static/images/broken.jpg").write_bytes(b"\xff\xd8 not really a JPEG")
    site.article("content/ru/a.md", image="images/broken.jpg", image_alt="Сломано")
    site.article("content/ru/b.md", title="Б", image="images/missing.jpg", image_alt="Нет")
    code, _, err = run("check", "--site", str(site.root), "--now", NOW)
    assert code == 1
    assert err.startswith(
        "static/images/broken.jpg:1: error: not a JPEG, PNG or WebP photo that Pillow can read\n"
    )
    assert "Traceback" not in err
    (site.root / "static/images/broken.jpg").unlink()
    make(Shot("broken.jpg", 800, 600, 41), site.root / "static/images")
    code, _, err = run("check", "--site", str(site.root), "--now", NOW)
    assert code == 1
    assert (
        err.splitlines()[0] == "content/ru/b.md:5: error: no such image: static/images/missing.jpg"
    )


def test_a_gif_is_published_as_it_is(site: SiteDir, tmp_path: Path) -> None:
    name = "clip.gif"  # perhaps animated: never re-encoded
    (site.root / "static/images").mkdir(parents=True)
    Image.new("P", (800, 600)).save(site.root / "static/images" / name)
    site.article("content/ru/a.md", body=f"![Кадр](/images/{name})")
    build(options(site, tmp_path / "cache"))
    assert (site.out / "images" / name).exists()
    html = (site.out / "news/society/a/index.html").read_text(encoding="utf-8")
    assert f'src="/images/{name}"' in html


# In Chromium: a phone and a desktop screen take the variants that fit them.


@pytest.mark.parametrize(
    ("width", "scale", "cover"),
    [(360, 1, 480), (360, 2, 800), (412, 1.75, 800), (1280, 1, 800)],
)
def test_the_browser_loads_the_variant_that_fits_the_screen(
    browser: Any, demo_server: str, width: int, scale: float, cover: int
) -> None:
    context = browser.new_context(
        viewport={"width": width, "height": 800}, device_scale_factor=scale
    )
    page = context.new_page()
    images: list[Any] = []
    page.on("response", lambda r: images.append(r) if r.request.resource_type == "image" else None)
    page.goto(demo_server + "/news/education/novaya-shkola/", wait_until="load")
    chosen = page.evaluate("document.querySelector('.cover img').currentSrc")
    assert re.search(rf"/images/school-{cover}\.[0-9a-f]{{10}}\.avif$", chosen), chosen
    loaded = [urlsplit(r.url).path for r in images]
    assert not any(re.search(r"-(1200|1600)\.", path) for path in loaded), loaded
    assert "/images/school.jpg" not in loaded
    spent = sum(len(r.body()) for r in images)
    assert spent <= 250_000, (spent, loaded)  # the budget for a phone
    if width < 1000:  # on a phone, photos far down ("read also") wait for the reader
        page.goto(demo_server + "/news/culture/chistay-monnary-2026/", wait_until="load")
        script = "[...document.querySelectorAll('.related img')].map(i => i.naturalWidth)"
        lazy = page.evaluate(script)
        assert lazy and not any(lazy), lazy
    context.close()
