"""The editors' CMS at scale: the local repository's listing with N articles per language.

`python -m bench.cms --articles 5000` builds a corpus (bench/corpus.py), then measures
(1) the listing request itself, front matter only as `serve` answers it, against the same
files with their bodies (what decap-server sends), and (2) in Chromium under `serve`: time
until the collection shows its entries, and until a search shows its results.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import generate
from generator import cms_local

ROOT = Path(__file__).resolve().parent.parent
LISTING = {"action": "entriesByFolder",
           "params": {"folder": "content", "extension": "md", "depth": 3}}  # fmt: skip


def protocol(site: Path) -> dict[str, float]:
    repo = cms_local.LocalRepo(site)
    body = json.dumps(LISTING).encode()
    started, cpu = time.perf_counter(), time.process_time()
    _, heads = repo.handle(body)
    head_s, head_cpu = time.perf_counter() - started, time.process_time() - cpu
    files = [{"path": e["file"]["path"]} for e in heads]
    started, cpu = time.perf_counter(), time.process_time()
    _, full = repo.handle(
        json.dumps({"action": "entriesByFiles", "params": {"files": files}}).encode()
    )
    full_s, full_cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "files": len(heads),
        "heads_mb": len(json.dumps(heads, ensure_ascii=False).encode()) / 1e6,
        "full_mb": len(json.dumps(full, ensure_ascii=False).encode()) / 1e6,
        "heads_s": head_s, "heads_cpu_s": head_cpu, "full_s": full_s, "full_cpu_s": full_cpu,
    }  # fmt: skip


def browser(site: Path, port: int, word: str) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    cache = Path(tempfile.mkdtemp())
    command = [sys.executable, str(ROOT / "build.py"), "serve", "--site", str(site),
               "--cache", str(cache), "--port", str(port), "--jobs", "2"]  # fmt: skip
    log = open(cache / "serve.log", "w+")  # noqa: SIM115
    process = subprocess.Popen(command, stderr=log, start_new_session=True)
    try:
        while "editors' UI at" not in (cache / "serve.log").read_text():
            time.sleep(0.5)
        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                         args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
            page = chromium.new_page()
            page.set_default_timeout(600_000)
            page.goto(f"http://localhost:{port}/admin/#/collections/articles")
            started = time.perf_counter()
            page.get_by_role("button", name="Войти").click()
            page.locator("a[href*='/collections/articles/entries/']").first.wait_for()
            listed = time.perf_counter() - started
            started = time.perf_counter()
            box = page.get_by_placeholder("Искать повсюду")
            box.fill(word)
            box.press("Enter")
            page.locator("a[href*='/collections/articles/entries/']").first.wait_for()
            searched = time.perf_counter() - started
            chromium.close()
        return {"list_s": listed, "search_s": searched}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=5000, help="articles per language")
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    site = generate(Path(tempfile.mkdtemp()) / "site", args.articles)
    with open(site / "site.yaml", "a", encoding="utf-8") as handle:
        handle.write("repository: bench/corpus\n")
    result: dict[str, float] = {"articles_per_language": args.articles, **protocol(site)}
    if not args.no_browser:
        result |= browser(site, args.port, str(args.articles - 1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
