"""Real-looking phone photos, made deterministically (nothing is downloaded).

A scene is a sky gradient with a sun and clouds, a horizon of buildings with lit windows,
trees, a road or a field, and sensor noise: enough texture that encoders work as hard as on
a real photo. Like a phone's, each file carries EXIF: camera, time, an orientation tag (the
pixels stored sideways, as a phone held upright stores them) and the GPS position.

    .venv/bin/python -m bench.photogen --demo static/images      # the demo newsroom's photos
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

# EXIF tags (TIFF numbering) a phone writes.
MAKE, MODEL, ORIENTATION, DATETIME, GPS_IFD, EXIF_IFD = (
    0x010F,
    0x0110,
    0x0112,
    0x0132,
    0x8825,
    0x8769,
)
DATETIME_ORIGINAL = 0x9003
CHISTOPOL = (55.3647, 50.6407)  # where the demo newsroom's reporters walk
# Orientation tag -> how to store an upright scene so that a viewer applying the tag shows it
# upright again (the inverse of the tag's rotation).
STORED = {
    1: None,
    3: Image.Transpose.ROTATE_180,
    6: Image.Transpose.ROTATE_90,
    8: Image.Transpose.ROTATE_270,
}


@dataclass(frozen=True)
class Shot:
    name: str
    width: int  # as seen upright
    height: int
    seed: int
    orientation: int = 1
    gps: bool = True
    quality: int = 90
    season: str = "summer"  # summer, autumn or winter: the palette


def scene(width: int, height: int, seed: int, season: str = "summer") -> Image.Image:
    """An upright outdoor scene: sky above, town and ground below."""
    rng = random.Random(seed)
    horizon = int(height * rng.uniform(0.45, 0.6))
    image = _sky(width, height, horizon, rng, season)
    draw = ImageDraw.Draw(image)
    _sun_and_clouds(image, draw, width, horizon, rng)
    _ground(draw, width, height, horizon, rng, season)
    _town(draw, width, horizon, rng)
    _trees(draw, width, horizon, height, rng, season)
    image = image.filter(ImageFilter.GaussianBlur(max(1, width // 2000)))
    return _noise(image, rng)


def _sky(width: int, height: int, horizon: int, rng: random.Random, season: str) -> Image.Image:
    top = {"summer": (58, 110, 190), "autumn": (96, 118, 150), "winter": (150, 170, 196)}[season]
    low = {"summer": (190, 215, 240), "autumn": (214, 200, 180), "winter": (226, 232, 240)}[season]
    ramp = Image.linear_gradient("L").resize((width, max(horizon, 1)))
    channels = [
        ramp.point(lambda v, a=a, b=b: a + (b - a) * v // 255)
        for a, b in zip(top, low, strict=True)
    ]
    sky = Image.merge("RGB", channels)
    image = Image.new("RGB", (width, height), low)
    image.paste(sky, (0, 0))
    return image


def _sun_and_clouds(
    image: Image.Image, draw: ImageDraw.ImageDraw, width: int, horizon: int, rng: random.Random
) -> None:
    r = width // 25
    x, y = rng.randrange(r, width - r), rng.randrange(r, max(r + 1, horizon // 2))
    draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 244, 214))
    for _ in range(rng.randrange(4, 9)):
        cx, cy = rng.randrange(width), rng.randrange(max(1, horizon * 2 // 3))
        for _ in range(6):
            w, h = rng.randrange(width // 30, width // 8), rng.randrange(width // 60, width // 20)
            dx, dy = rng.randrange(-w, w + 1), rng.randrange(-h // 2, h // 2 + 1)
            shade = rng.randrange(225, 250)
            draw.ellipse((cx + dx - w, cy + dy - h, cx + dx + w, cy + dy + h), fill=(shade,) * 3)


def _ground(
    draw: ImageDraw.ImageDraw,
    width: int,
    height: int,
    horizon: int,
    rng: random.Random,
    season: str,
) -> None:
    base = {"summer": (84, 128, 62), "autumn": (140, 110, 60), "winter": (236, 238, 242)}[season]
    for row in range(horizon, height, 4):
        k = (row - horizon) / max(1, height - horizon)
        colour = tuple(int(c * (0.75 + 0.35 * k)) for c in base)
        draw.rectangle((0, row, width, row + 4), fill=colour)
    # A road leading to the horizon.
    mid = rng.randrange(width // 3, 2 * width // 3)
    draw.polygon(
        [(mid - width // 60, horizon), (mid + width // 60, horizon), (mid + width // 3, height),
         (mid - width // 3, height)],
        fill=(92, 92, 96),
    )  # fmt: skip
    for k in range(12):
        y0 = horizon + (height - horizon) * k // 12
        y1 = y0 + (height - horizon) // 30
        draw.rectangle((mid - 3 - k, y0, mid + 3 + k, y1), fill=(235, 235, 225))


def _town(draw: ImageDraw.ImageDraw, width: int, horizon: int, rng: random.Random) -> None:
    x = 0
    while x < width:
        w = rng.randrange(width // 24, width // 9)
        h = rng.randrange(horizon // 8, horizon // 2)
        wall = tuple(rng.randrange(120, 220) for _ in range(3))
        draw.rectangle((x, horizon - h, x + w, horizon), fill=wall)
        if rng.random() < 0.4:  # a pitched roof
            draw.polygon([(x, horizon - h), (x + w // 2, horizon - h - h // 4), (x + w, horizon - h)],
                         fill=(130, 50, 40))  # fmt: skip
        step = max(6, w // 6)
        for wx in range(x + step // 2, x + w - step // 2, step):
            for wy in range(horizon - h + step // 2, horizon - step, step):
                lit = (250, 230, 150) if rng.random() < 0.3 else (60, 70, 90)
                draw.rectangle((wx, wy, wx + step // 2, wy + step // 2), fill=lit)
        x += w + rng.randrange(0, width // 40)


def _trees(
    draw: ImageDraw.ImageDraw,
    width: int,
    horizon: int,
    height: int,
    rng: random.Random,
    season: str,
) -> None:
    leaves = {"summer": (40, 100, 40), "autumn": (200, 120, 30), "winter": (230, 236, 240)}[season]
    for _ in range(rng.randrange(6, 14)):
        x = rng.randrange(width)
        y = rng.randrange(horizon, horizon + (height - horizon) // 3)
        r = rng.randrange(width // 60, width // 22)
        draw.rectangle((x - r // 6, y - r, x + r // 6, y + r), fill=(80, 55, 35))
        shade = tuple(max(0, min(255, c + rng.randrange(-25, 25))) for c in leaves)
        draw.ellipse((x - r, y - 3 * r, x + r, y - r // 2), fill=shade)


def _noise(image: Image.Image, rng: random.Random) -> Image.Image:
    """Uneven light, texture at several scales and sensor grain: what makes a photo real,
    and as hard to encode as a real one."""
    width, height = image.size
    for scale, strength in ((96, 0.22), (12, 0.12), (3, 0.10)):
        small = Image.effect_noise((max(2, width // scale), max(2, height // scale)), 60)
        layer = small.resize(image.size, Image.Resampling.BICUBIC)
        image = Image.blend(
            image, Image.merge("RGB", [layer] * 3), strength * rng.uniform(0.8, 1.2)
        )
    grain = Image.effect_noise(image.size, rng.uniform(30, 40))
    return Image.blend(image, Image.merge("RGB", [grain] * 3), 0.09)


def exif_for(shot: Shot) -> Image.Exif:
    exif = Image.Exif()
    exif[MAKE] = "Xiaomi"
    exif[MODEL] = "Redmi Note 12"
    exif[DATETIME] = "2026:09:01 10:30:00"
    exif[ORIENTATION] = shot.orientation
    exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = "2026:09:01 10:30:00"
    if shot.gps:
        rng = random.Random(shot.seed)
        lat = CHISTOPOL[0] + rng.uniform(-0.02, 0.02)
        lon = CHISTOPOL[1] + rng.uniform(-0.02, 0.02)
        exif.get_ifd(GPS_IFD).update(
            {1: "N", 2: _dms(lat), 3: "E", 4: _dms(lon), 5: b"\x00", 6: 68.0}
        )
    return exif


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return float(degrees), float(minutes), round(((value - degrees) * 60 - minutes) * 60, 2)


def make(shot: Shot, folder: Path) -> Path:
    """The photo as a phone stores it: pixels sideways when the tag says so, EXIF and GPS."""
    picture = scene(shot.width, shot.height, shot.seed, shot.season)
    turn = STORED[shot.orientation]
    stored = picture.transpose(turn) if turn is not None else picture
    path = folder / shot.name
    folder.mkdir(parents=True, exist_ok=True)
    stored.save(path, "JPEG", quality=shot.quality, exif=exif_for(shot).tobytes())
    return path


# The demo newsroom: one 12 MP phone photo stored sideways, the others as editors' exports.
DEMO = (
    Shot("school.jpg", 4000, 3000, 1, orientation=6, quality=80),
    Shot("road.jpg", 2400, 1600, 2, quality=85),
    Shot("clinic.jpg", 1600, 1200, 3, quality=86, season="winter"),
    Shot("fair.jpg", 2000, 1333, 4, quality=85, season="winter"),
    Shot("festival.jpg", 1920, 1280, 5, quality=85, season="autumn"),
    Shot("hockey.jpg", 1800, 1200, 6, quality=86, season="winter"),
    Shot("library.jpg", 2048, 1536, 7, quality=85, season="autumn"),
    Shot("winter.jpg", 2400, 1600, 8, quality=85, season="winter"),
)


def bench_shots(count: int) -> list[Shot]:
    """Phone photos of 12 MP: half of them stored sideways (tags 6 and 8)."""
    shots = []
    for i in range(count):
        orientation = (1, 6, 1, 8)[i % 4]
        season = ("summer", "autumn", "winter")[i % 3]
        shots.append(Shot(f"photo-{i:03}.jpg", 4000, 3000, 1000 + i, orientation, True, 88, season))
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--demo", type=Path, help="write the demo newsroom's photos here")
    parser.add_argument("--bench", type=Path, help="write the benchmark's 12 MP photos here")
    parser.add_argument("--count", type=int, default=50)
    args = parser.parse_args()
    for shot in DEMO if args.demo else ():
        print(make(shot, args.demo))
    for shot in bench_shots(args.count) if args.bench else ():
        print(make(shot, args.bench))


if __name__ == "__main__":
    main()
