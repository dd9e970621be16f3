"""Photos: Khabar against Hugo 0.168 on the same 12 MP phone photos (`make bench-photos`).

50 photos (bench/photogen.py: deterministic, textured, EXIF rotation and GPS) are processed to
480, 800, 1200 and 1600 px wide, in WebP and JPEG, upright, by
- Hugo: one page whose template resizes every photo (`images.AutoOrient`, then `Resize` per
  width and format); cold = no resources/_gen, warm = the same build again (its image cache);
- Khabar: a site of 50 articles, each with one photo as its cover (`build.py build`, all
  cores); cold = an empty --cache, warm = the same build again. Twice: with Hugo's formats
  (WebP + JPEG) and with Khabar's default recipe (AVIF + WebP + JPEG).
Wall seconds and CPU seconds (the process and its children) of each, medians of --runs.

    .venv/bin/python -m bench.photos --count 50 --runs 1
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.photogen import bench_shots, make

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work" / "photos"
BENCH_VENV = ROOT / "bench" / ".venv"
NOW = "2026-11-28T12:00:00+03:00"
HUGO_TEMPLATE = """<!doctype html><html><body>
{{ range resources.Match "photos/*.jpg" }}
  {{ $img := .Filter images.AutoOrient }}
  {{ range slice 480 800 1200 1600 }}
    {{ if le . $img.Width }}
      {{ with $img.Resize (printf "%dx webp q78" .) }}<img src="{{ .RelPermalink }}">{{ end }}
      {{ with $img.Resize (printf "%dx jpg q80" .) }}<img src="{{ .RelPermalink }}">{{ end }}
    {{ end }}
  {{ end }}
{{ end }}
</body></html>
"""
# Runs Khabar's CLI with another recipe's formats: the product has one recipe, the bench two.
KHABAR_WITH_FORMATS = """
import sys, dataclasses
from generator import photos
formats = tuple(sys.argv[1].split(","))
photos.Recipe = dataclasses.make_dataclass(
    "Recipe", [("formats", tuple, dataclasses.field(default=formats))], bases=(photos.Recipe,),
    frozen=True)
from generator.cli import main
sys.exit(main(sys.argv[2:]))
"""


def photos(count: int) -> list[Path]:
    folder = WORK / f"originals-{count}"
    shots = bench_shots(count)
    if not all((folder / s.name).exists() for s in shots):
        for shot in shots:
            make(shot, folder)
    return [folder / s.name for s in shots]


def timed(command: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the command and everything it started)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def hugo_site(originals: list[Path]) -> Path:
    site = WORK / "hugo"
    shutil.rmtree(site, ignore_errors=True)
    (site / "assets/photos").mkdir(parents=True)
    (site / "layouts").mkdir()
    for path in originals:
        os.link(path, site / "assets/photos" / path.name)
    (site / "hugo.toml").write_text('baseURL = "https://example.org/"\ntitle = "Photos"\n')
    (site / "layouts/index.html").write_text(HUGO_TEMPLATE)
    return site


def hugo(site: Path) -> list[Path]:
    found = list((BENCH_VENV / "lib").glob("python3*/site-packages/hugo/binaries/hugo"))
    if not found:
        raise SystemExit("Hugo is missing: make bench/.venv/.installed")
    return [found[0], "--quiet", "--source", str(site)]  # type: ignore[list-item]


def khabar_site(originals: list[Path]) -> Path:
    site = WORK / "khabar"
    shutil.rmtree(site, ignore_errors=True)
    (site / "static/images").mkdir(parents=True)
    (site / "content/ru").mkdir(parents=True)
    (site / "content/tt").mkdir(parents=True)
    (site / "site.yaml").write_text(
        "title: {ru: Фото, tt: Фото}\nbase_url: https://example.org/\ndefault_language: ru\n"
        "languages:\n  ru: {label: Рус}\n  tt: {label: Тат}\n"
        "categories:\n  society: {ru: Общество, tt: Җәмгыять}\n",
        encoding="utf-8",
    )
    for number, path in enumerate(originals):
        os.link(path, site / "static/images" / path.name)
        (site / f"content/ru/a{number:03}.md").write_text(
            f"---\ntitle: Фото {number}\ndate: 2026-03-08T10:30:00+03:00\ncategory: society\n"
            f"image: images/{path.name}\nimage_alt: Улица\n---\n\nТекст.\n",
            encoding="utf-8",
        )
    return site


def khabar(site: Path, cache: Path, formats: str | None) -> list[str]:
    args = ["build", "--site", str(site), "--out", str(WORK / "khabar-out"), "--cache", str(cache)]
    args += ["--now", NOW]
    if formats is None:
        return [sys.executable, str(ROOT / "build.py"), *args]
    return [sys.executable, "-c", KHABAR_WITH_FORMATS, formats, *args]


def measure(
    name: str, cold: list[str], warm: list[str], reset: list[Path], runs: int
) -> dict[str, object]:
    colds, warms = [], []
    for _ in range(runs):
        for folder in reset:
            shutil.rmtree(folder, ignore_errors=True)
        colds.append(timed(cold))
        warms.append(timed(warm))
    med = statistics.median
    row = {
        "tool": name,
        "cold_s": round(med(w for w, _ in colds), 2),
        "cold_cpu_s": round(med(c for _, c in colds), 2),
        "warm_s": round(med(w for w, _ in warms), 2),
        "warm_cpu_s": round(med(c for _, c in warms), 2),
    }
    print(json.dumps(row, ensure_ascii=False), file=sys.stderr, flush=True)
    return row


def output_bytes(folder: Path, suffixes: tuple[str, ...]) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.suffix in suffixes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    originals = photos(args.count)
    megabytes = sum(p.stat().st_size for p in originals) / 1e6
    print(f"{len(originals)} photos, {megabytes:.0f} MB", file=sys.stderr)
    rows = []
    site = hugo_site(originals)
    command = hugo(site)
    rows.append(
        measure(
            "hugo 0.168 (WebP + JPEG)",
            command,
            command,
            [site / "resources", site / "public"],
            args.runs,
        )
    )
    rows[-1]["bytes"] = output_bytes(site / "public", (".webp", ".jpg"))
    site = khabar_site(originals)
    cache = WORK / "khabar-cache"
    for label, formats, kinds in (
        ("khabar (WebP + JPEG, as Hugo)", "webp,jpeg", (".webp", ".jpg")),
        ("khabar (AVIF + WebP + JPEG, default)", None, (".avif", ".webp", ".jpg")),
    ):
        command = khabar(site, cache, formats)
        rows.append(measure(label, command, command, [cache, WORK / "khabar-out"], args.runs))
        rows[-1]["bytes"] = output_bytes(WORK / "khabar-out/images", kinds)
    hugo_cold = float(str(rows[0]["cold_s"]))
    for row in rows:
        row["cold_x_hugo"] = round(float(str(row["cold_s"])) / hugo_cold, 3)
    (ROOT / "bench" / "photos-last-run.json").write_text(
        json.dumps(rows, indent=1, ensure_ascii=False) + "\n"
    )
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
