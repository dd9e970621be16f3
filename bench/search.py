"""Search at scale: Pagefind's index of the benchmark corpus (bench/corpus.py) at 2,000 and
10,000 articles, its size and indexing time, then what one search costs a reader in Chromium
(bytes transferred, milliseconds until the results are shown).

    .venv/bin/python -m bench.search --sizes 1000,5000   # articles per language
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import shutil
import sys
import threading
import time
from datetime import datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.corpus import generate
from generator import search
from generator.cli import main as khabar

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work" / "search"
NOW = "2026-11-28T12:00:00+03:00"
QUERIES = {"ru": ("/search/", "школа"), "tt": ("/tt/search/", "мәктәп")}


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def index_figures(site: Path, out: Path) -> dict[str, object]:
    """Build the site, then index its records once more, alone, to time Pagefind."""
    cache = WORK / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    assert khabar(["build", "--site", str(site), "--out", str(out), "--cache", str(cache),
                   "--now", NOW]) == 0  # fmt: skip
    from generator.assemble import assemble
    from generator.cache import Cache
    from generator.digests import Digests
    from generator.pipeline import load_site_config, parse_all
    from generator.render import load_theme
    from generator.sources import list_sources, static_files

    config = load_site_config(site)
    store = Cache(cache, read_only=True)
    documents, _ = parse_all(list_sources(config, Digests({})), config, store, 1)
    static = frozenset(static_files(config.root, load_theme(config).static_folders))
    built = assemble(config, documents, datetime.fromisoformat(NOW), static_files=static)
    started = time.perf_counter()
    articles = [a for items in built.articles.values() for a in items]
    found = list(search.records(config, articles, store.body))
    records_s = time.perf_counter() - started
    # As the build does it: each language's index made at the same time, from a cold store.
    shutil.rmtree(WORK / "index-alone", ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    search.Store(WORK / "index-alone").files(config, built, store.body)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    files = [p for p in (out / "pagefind").rglob("*") if p.is_file()]
    shutil.rmtree(WORK / "index-alone", ignore_errors=True)
    return {
        "records": len(found),
        "records_s": round(records_s, 2),
        "index_s": round(seconds, 2),
        "pagefind_cpu_s": round(
            after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 2
        ),
        "pagefind_peak_mb": round(after.ru_maxrss / 1024),
        "index_mb": round(sum(p.stat().st_size for p in files) / 1e6, 1),
        "index_files": len(files),
    }


def browser_figures(out: Path) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    figures: dict[str, object] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        for lang, (path, query) in QUERIES.items():
            page = browser.new_context(viewport={"width": 360, "height": 800}).new_page()
            responses: list[Any] = []
            page.on("response", lambda r, found=responses: found.append(r))
            page.goto(base + path, wait_until="load")
            figures[f"{lang}_first"] = _search(page, query, responses)
            figures[f"{lang}_second"] = _search(
                page, query[:-1] + "ы" if lang == "ru" else query + "ләр", responses
            )
            page.context.close()
        browser.close()
    server.shutdown()
    return figures


def _search(page: Any, query: str, responses: list[Any]) -> dict[str, object]:
    before = len(responses)
    page.fill("#search-input", "")
    started = time.perf_counter()
    page.fill("#search-input", query)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => { const s = document.getElementById('search-status');"
        " return s.textContent && !s.textContent.endsWith('…'); }",
        timeout=60_000,
    )
    elapsed = time.perf_counter() - started
    spent = sum(len(r.body()) for r in responses[before:] if r.ok)
    status = page.inner_text("#search-status")
    return {
        "query": query,
        "ms": round(elapsed * 1000),
        "kb": round(spent / 1000, 1),
        "status": status,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,5000", help="articles per language")
    args = parser.parse_args()
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        site = generate(WORK / f"corpus-{size}", size)
        out = WORK / f"out-{size}"
        row: dict[str, object] = {"articles": size, **index_figures(site, out)}
        row.update(browser_figures(out))
        print(json.dumps(row, ensure_ascii=False), file=sys.stderr, flush=True)
        rows.append(row)
    (ROOT / "bench" / "search-last-run.json").write_text(
        json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
