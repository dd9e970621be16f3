"""Photos made with Pillow and kept in the build cache (--cache, under photos/).

Each original's variants live in a folder named by the hash of its bytes, the recipe and this
code, so a warm build encodes nothing, a new photo costs only itself, and the writer links
the files into the output. Decoding is cheap where it can be: JPEG's draft mode decodes at
the smallest scale that still covers the largest variant, and each smaller variant is resized
from the previous one. EXIF orientation is applied, colours are converted to sRGB, and no
EXIF (so no GPS position) is ever written.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from PIL import Image as Pil
from PIL import ImageCms, UnidentifiedImageError

from generator import parallel, photos
from generator.errors import Problem
from generator.model import CachedFile
from generator.photos import Original, Plan, Recipe, Variant

ORIENTATION = 0x0112
UPRIGHT = {
    2: Pil.Transpose.FLIP_LEFT_RIGHT,
    3: Pil.Transpose.ROTATE_180,
    4: Pil.Transpose.FLIP_TOP_BOTTOM,
    5: Pil.Transpose.TRANSPOSE,
    6: Pil.Transpose.ROTATE_270,
    7: Pil.Transpose.TRANSVERSE,
    8: Pil.Transpose.ROTATE_90,
}
SAVE = {"jpeg": "JPEG", "webp": "WEBP", "avif": "AVIF"}
KEEP_UNUSED = 30 * 86400  # seconds an unused entry stays (a draft's photo, a replaced one)
# Phones make 50 and 108 MP photos; Pillow's guard against decompression bombs stops at 89.
Pil.MAX_IMAGE_PIXELS = 250_000_000
UNREADABLE = (UnidentifiedImageError, OSError, ValueError, SyntaxError, Pil.DecompressionBombError)
SRGB = ImageCms.createProfile("sRGB")
# What encodes the variants: this code and Pillow's (its codecs). Not the whole generator's
# digest: an unrelated change must not make every photo be encoded again.
CODE = hashlib.blake2b(
    Path(__file__).read_bytes()
    + Path(photos.__file__).read_bytes()
    + metadata.version("pillow").encode(),
    digest_size=16,
).hexdigest()


@dataclass
class Catalog:
    """The photos articles use: what each original is and which variants it gives."""

    plans: dict[str, Plan]  # rel under static/ -> plan
    problems: list[Problem]


class Store:
    """The photos part of the build cache; `read_only` for check, which writes nothing."""

    def __init__(self, folder: Path, recipe: Recipe, read_only: bool = False) -> None:
        self.root = folder / "photos"
        self.recipe = recipe
        self.read_only = read_only
        self.memo_path = self.root / "originals.json"
        self.memo: dict[str, list[object]] = _load_memo(self.memo_path)
        self.memo_changed = False

    def catalog(self, used: Iterable[str], static: Mapping[str, Path]) -> Catalog:
        """Plans for the photos that exist (a missing one is assemble's error to report)."""
        plans, problems = {}, []
        for rel in sorted(used):
            path = static.get(rel)
            if path is None:
                continue
            found = self.original(rel, path)
            if isinstance(found, Problem):
                problems.append(found)
            else:
                plans[rel] = photos.plan(found, self.recipe, CODE)
        self._save_memo()
        return Catalog(plans, problems)

    def original(self, rel: str, path: Path) -> Original | Problem:
        """Size and hash of a photo, remembered by the file's size, mtime and inode."""
        stat = path.stat()
        stamp = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
        known = self.memo.get(rel)
        if known and known[:3] == stamp:
            digest, width, height = known[3:]
            return Original(rel, str(digest), int(str(width)), int(str(height)))
        try:
            width, height = upright_size(path)
        except UNREADABLE as exc:
            return unreadable(rel, exc)
        digest = _file_digest(path)
        self.memo[rel] = [*stamp, digest, width, height]
        self.memo_changed = True
        return Original(rel, digest, width, height)

    def folder(self, made: Plan) -> Path:
        return self.root / made.key

    def missing(self, plans: Iterable[Plan]) -> list[Plan]:
        return [p for p in plans if not self.folder(p).is_dir()]

    def make(self, todo: Sequence[Plan], static: Mapping[str, Path], jobs: int) -> list[Problem]:
        """Encode what the cache lacks, one original per task, on the build's workers."""
        tasks = [(static[p.original.rel], p) for p in todo]

        def work(chunk: Sequence[tuple[Path, Plan]]) -> list[Problem | None]:
            return [self._make_one(path, made) for path, made in chunk]

        return [r for r in parallel.map_chunks(work, tasks, jobs, chunk=1) if r is not None]

    def _make_one(self, path: Path, made: Plan) -> Problem | None:
        try:
            encode(path, made, self.recipe, self.folder(made))
        except UNREADABLE as exc:
            return unreadable(made.original.rel, exc)
        return None

    def files(self, plans: Iterable[Plan]) -> list[CachedFile]:
        """The variants as output files, linked from the cache by the writer."""
        found = {}
        for made in plans:
            folder = self.folder(made)
            for v in made.variants:
                found[v.rel] = CachedFile(v.rel, folder / cached_name(v))
        return [found[rel] for rel in sorted(found)]

    def prune(self, keep: Iterable[Plan]) -> None:
        """Forget entries no build has used for a month (a replaced photo's variants)."""
        if self.read_only or not self.root.is_dir():
            return
        kept = {p.key for p in keep}
        limit = time.time() - KEEP_UNUSED
        for entry in self.root.iterdir():
            if entry.is_dir() and entry.name not in kept and entry.stat().st_mtime < limit:
                shutil.rmtree(entry, ignore_errors=True)

    def _save_memo(self) -> None:
        if self.read_only or not self.memo_changed:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = self.memo_path.with_name(f".originals.{os.getpid()}.json")
        temporary.write_text(json.dumps(self.memo, sort_keys=True), encoding="utf-8")
        os.replace(temporary, self.memo_path)
        self.memo_changed = False


def cached_name(variant: Variant) -> str:
    """In the cache a variant is named by what it is: equal bytes under two names share it."""
    return f"{variant.width}.{photos.EXTENSION[variant.kind]}"


def _load_memo(path: Path) -> dict[str, list[object]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # no memo or a broken one: every photo is looked at again
    return data if isinstance(data, dict) else {}


def _file_digest(path: Path) -> str:
    h = hashlib.blake2b(digest_size=16)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def unreadable(rel: str, exc: Exception) -> Problem:
    if isinstance(exc, UnidentifiedImageError):  # its message holds the absolute path
        message = "not a JPEG, PNG or WebP photo that Pillow can read"
    else:
        message = f"this photo cannot be read: {exc}"
    return Problem(f"static/{rel}", 1, message)


def upright_size(path: Path) -> tuple[int, int]:
    """Width and height as the photo is seen: an EXIF rotation by 90 degrees swaps them."""
    with Pil.open(path) as picture:
        width, height = picture.size
        turned = picture.getexif().get(ORIENTATION, 1) in (5, 6, 7, 8)
    return (height, width) if turned else (width, height)


def encode(path: Path, made: Plan, recipe: Recipe, folder: Path) -> None:
    """Every variant of one original into `folder`, which appears whole or not at all."""
    stage = folder.with_name(f".{folder.name}.{os.getpid()}")
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    largest = max(made.variants, key=lambda v: v.width)
    current = load(path, (largest.width, largest.height))
    for width in sorted({v.width for v in made.variants}, reverse=True):
        same = [v for v in made.variants if v.width == width]
        current = _resized(current, (width, same[0].height))
        for variant in same:
            save(
                current,
                variant.kind,
                recipe.quality_of(variant.kind),
                stage / cached_name(variant),
            )
    try:
        os.rename(stage, folder)
    except OSError:  # another build made it meanwhile: the same bytes
        shutil.rmtree(stage, ignore_errors=True)


def load(path: Path, size: tuple[int, int]) -> Pil.Image:
    """The photo upright in sRGB, decoded at the smallest scale that still covers `size`."""
    with Pil.open(path) as picture:
        orientation = picture.getexif().get(ORIENTATION, 1)
        raw = (size[1], size[0]) if orientation in (5, 6, 7, 8) else size
        if picture.format == "JPEG":
            picture.draft(picture.mode, raw)
        profile = picture.info.get("icc_profile")
        result = _srgb(_normal(picture), profile)
    turn = UPRIGHT.get(orientation)
    return result.transpose(turn) if turn is not None else result


def _normal(picture: Pil.Image) -> Pil.Image:
    if picture.mode in ("RGB", "RGBA", "CMYK"):
        picture.load()  # the pixels stay in memory when the file closes
        return picture
    if picture.mode in ("P", "PA", "LA") or "transparency" in picture.info:
        return picture.convert("RGBA")
    return picture.convert("RGB")


def _srgb(picture: Pil.Image, profile: bytes | None) -> Pil.Image:
    """Colours in sRGB, the web's default: a wide-gamut or CMYK photo looks right without a
    profile in the published file."""
    mode = "RGBA" if picture.mode == "RGBA" else "RGB"
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            if "srgb" not in ImageCms.getProfileDescription(source).lower():
                converted = ImageCms.profileToProfile(picture, source, SRGB, outputMode=mode)
                if converted is not None:
                    return converted
        except ImageCms.PyCMSError:
            pass  # a broken profile: the pixels as they are
    return picture if picture.mode == mode else picture.convert(mode)


def _resized(picture: Pil.Image, size: tuple[int, int]) -> Pil.Image:
    if picture.size == size:
        return picture
    return picture.resize(size, Pil.Resampling.LANCZOS, reducing_gap=3.0)


def save(picture: Pil.Image, kind: str, quality: int, target: Path) -> None:
    """One variant, with nothing of the original's metadata (EXIF, GPS, XMP, profile)."""
    if kind == "jpeg" and picture.mode != "RGB":
        flat = Pil.new("RGB", picture.size, (255, 255, 255))
        flat.paste(picture, mask=picture.getchannel("A") if picture.mode == "RGBA" else None)
        picture = flat
    picture.info = {}
    options: dict[str, object] = {"quality": quality}
    if kind == "jpeg":
        options.update(optimize=True, progressive=True)
    elif kind == "webp":
        options.update(method=4)
    elif kind == "avif":
        options.update(speed=8)
    picture.save(target, SAVE[kind], **options)
