"""The pure part of photos: which variants an original gives, their names, what templates get."""

from __future__ import annotations

from datetime import datetime

from generator import photos
from generator.model import Document
from generator.photos import Original, Recipe

RECIPE = Recipe()


def original(width: int = 4000, height: int = 3000, digest: str = "a" * 32) -> Original:
    return Original("images/school.jpg", digest, width, height)


def test_widths_never_exceed_the_original() -> None:
    assert photos.widths(RECIPE, 4000) == (1600, 1200, 800, 480)
    assert photos.widths(RECIPE, 1000) == (1000, 800, 480)
    assert photos.widths(RECIPE, 300) == (300,)
    assert photos.widths(RECIPE, 1600) == (1600, 1200, 800, 480)


def test_plan_names_every_format_and_width_with_a_hash() -> None:
    plan = photos.plan(original(), RECIPE, "code")
    assert {(v.kind, v.width, v.height) for v in plan.variants} == {
        (kind, w, w * 3 // 4) for kind in ("avif", "webp", "jpeg") for w in (480, 800, 1200, 1600)
    }
    names = {v.rel for v in plan.variants}
    assert "images/school-800." + plan.variants[0].rel.split(".")[1] + ".webp" in names
    assert all(v.rel.startswith("images/school-") for v in plan.variants)


def test_new_bytes_or_a_new_recipe_give_new_names_new_code_only_a_new_key() -> None:
    first = photos.plan(original(), RECIPE, "code")
    replaced = photos.plan(original(digest="b" * 32), RECIPE, "code")
    other_recipe = photos.plan(original(), Recipe(widths=(400, 900)), "code")
    new_code = photos.plan(original(), RECIPE, "code v2")
    names = {v.rel for v in first.variants}
    assert names.isdisjoint({v.rel for v in replaced.variants})
    assert names.isdisjoint({v.rel for v in other_recipe.variants})
    assert names == {v.rel for v in new_code.variants}  # readers' URLs stay...
    assert new_code.key != first.key  # ...but the cache is made anew


def test_image_gives_sources_best_first_and_the_jpegs_for_img_og_and_feeds() -> None:
    image = photos.image(photos.plan(original(), RECIPE, "code"), RECIPE, alt="Школа")
    assert [kind for kind, _ in image.formats] == ["image/avif", "image/webp", "image/jpeg"]
    assert [r.width for r in image.formats[0][1]] == [480, 800, 1200, 1600]
    assert image.fallback and image.fallback.width == 800
    assert image.fallback.url.endswith(".jpg")
    assert image.share and image.share.width == 1200 and image.share.url.endswith(".jpg")
    assert (image.width, image.height) == (1600, 1200)
    small = photos.image(photos.plan(original(700, 500), RECIPE, "code"), RECIPE)
    assert small.share and small.share.width == 700  # the largest there is


def test_used_photos_come_from_covers_and_bodies_but_not_gifs_or_urls() -> None:
    docs = [
        doc(image="images/a.jpg", images=(("images/b.png", 9), ("images/c.gif", 10))),
        doc(image="https://example.org/x.jpg", source="content/ru/b.md"),
    ]
    assert photos.used(docs) == {
        "images/a.jpg": "content/ru/a.md",
        "images/b.png": "content/ru/a.md",
    }


def test_warnings_for_a_narrow_cover_and_a_missing_alt() -> None:
    docs = [doc(image="images/school.jpg", image_alt=None)]
    found = photos.warnings(docs, {"images/school.jpg": original(640, 480)})
    assert [str(p) for p in found] == [
        "content/ru/a.md:7: warning: the cover has no image_alt: describe the photo",
        "content/ru/a.md:7: warning: the cover static/images/school.jpg is 640 px wide; "
        "Dzen and social networks need at least 700 px",
    ]
    described = [doc(image="images/school.jpg", image_alt="Школа")]
    assert photos.warnings(described, {"images/school.jpg": original(700, 480)}) == []


def doc(source: str = "content/ru/a.md", **fields: object) -> Document:
    base: dict[str, object] = {
        "source": source,
        "lang": "ru",
        "rel": "a",
        "title": "Т",
        "date": datetime(2026, 3, 8),
        "category": "society",
        "slug": "a",
        "translation_key": "a",
        "lines": {"image": 7},
    }
    base.update(fields)
    return Document(**base)  # type: ignore[arg-type]
