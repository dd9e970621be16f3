"""The editors' preview: what it costs an editor that the preview runs the build's own
Markdown and typography (generator/preview.py in Pyodide).

`python -m bench.preview` measures, on a copy of the demo newsroom under `serve`:
(1) in Chromium, the time from opening an article's preview until its text is the site's,
with an empty browser cache and again with the cache the first visit left, the bytes the
first visit fetched for it and its longest main-thread task (the page cannot answer a
keystroke meanwhile); (2) under Node's Pyodide, the time to load it and to render
one article body as the editor types (the demo's longest article and one of 3,000 words),
against CPython running the same function.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from generator import admin, preview, vendor

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = "В Чистополе открыли новую школу на 1100 мест"
NODE = """
const fs = require("fs");
const { pathToFileURL } = require("url");
(async () => {
  const { loadPyodide } = await import(pathToFileURL(process.argv[2]).href);
  let started = performance.now();
  const py = await loadPyodide({ indexURL: process.argv[3] });
  py.unpackArchive(new Uint8Array(fs.readFileSync(process.argv[4])), "zip", { extractDir: "/k" });
  py.runPython("import sys; sys.path.insert(0, '/k')");
  const preview = py.pyimport("generator.preview");
  const load = performance.now() - started;
  const out = { load_ms: load };
  for (const [name, text] of Object.entries(JSON.parse(fs.readFileSync(process.argv[5], "utf8")))) {
    preview.body(text, "ru", "content/ru/x.md");  // the first call imports the extensions
    const times = [];
    for (let i = 0; i < 20; i++) {
      started = performance.now();
      preview.body(text + " " + i, "ru", "content/ru/x.md");
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    out[name + "_ms"] = times[10];
  }
  process.stdout.write(JSON.stringify(out));
})();
"""


def texts() -> dict[str, str]:
    longest = max((ROOT / "content").rglob("*.md"), key=lambda p: p.stat().st_size)
    body = longest.read_text("utf-8").split("\n---\n", 1)[1]
    paragraph = ('Глава района сказал: "Работы закончат в 2027 г." - и добавил, что в школе '
                 "будет 44 кабинета, бассейн и два спортивных зала. ")  # fmt: skip
    words = len(paragraph.split())
    long = "\n\n".join(["## Раздел", *[paragraph * 5] * (3000 // (words * 5))])
    return {"demo_longest": body, "words_3000": long}


def in_node(folder: Path) -> dict[str, float]:
    files = vendor.package_files(vendor.PYODIDE, folder / "cache")
    (folder / "bundle.zip").write_bytes(admin.preview_bundle())
    (folder / "run.cjs").write_text(NODE, "utf-8")
    (folder / "texts.json").write_text(json.dumps(texts()), "utf-8")
    answer = subprocess.run(
        ["node", str(folder / "run.cjs"), str(files["pyodide.mjs"]), f"{files['pyodide.mjs'].parent}/",
         str(folder / "bundle.zip"), str(folder / "texts.json")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    result: dict[str, float] = json.loads(answer.stdout)
    for name, text in texts().items():
        times = []
        for i in range(20):
            started = time.perf_counter()
            preview.body(f"{text} {i}", "ru", "content/ru/x.md")
            times.append((time.perf_counter() - started) * 1000)
        result[f"{name}_cpython_ms"] = statistics.median(times)
    sizes = {name: path.stat().st_size for name, path in files.items()}
    result["pyodide_mb"] = sum(sizes.values()) / 1e6
    result["pyodide_gzip_mb"] = (
        sum(len(gzip.compress(p.read_bytes(), 6)) for p in files.values()) / 1e6
    )
    result["bundle_kb"] = len(admin.preview_bundle()) / 1e3
    return result


def in_chromium(folder: Path, port: int, baseline: bool = False) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    site = folder / "site"
    for part in ("content", "static"):
        shutil.copytree(ROOT / part, site / part)
    shutil.copy(ROOT / "site.yaml", site / "site.yaml")
    command = [sys.executable, str(ROOT / "build.py"), "serve", "--site", str(site),
               "--cache", str(folder / "serve-cache"), "--port", str(port)]  # fmt: skip
    log = folder / "serve.log"
    with open(log, "w", encoding="utf-8") as handle:
        process = subprocess.Popen(command, stderr=handle, start_new_session=True)
    try:
        while "editors' UI at" not in log.read_text("utf-8"):
            time.sleep(0.2)
        with sync_playwright() as p:
            # A profile on disk, as an editor's browser has: an incognito context's cache is
            # in memory and too small for Pyodide's 9.6 MB WebAssembly file.
            context = p.chromium.launch_persistent_context(
                folder / "profile", executable_path="/usr/bin/chromium", headless=True,
                args=["--no-sandbox", "--disable-gpu"], viewport={"width": 1400, "height": 1000},
            )  # fmt: skip
            fetched: list[int] = []
            context.on("response", lambda r: _count(r, fetched))
            # How long the editor's page cannot answer a keystroke while Pyodide starts.
            context.add_init_script(LONG_TASKS)
            shown = "site"
            if baseline:  # the same visit with Decap's rendering only: what Pyodide adds
                context.route("**/admin/pyodide-*/**", lambda route: route.abort())
                shown = "decap"
            page = context.new_page()
            page.set_default_timeout(120_000)
            result = {
                "cold_s": _open(page, port, first=True, shown=shown),
                "cold_mb": sum(fetched) / 1e6,
            }
            result["cold_longest_task_s"] = page.evaluate("Math.max(0, ...window.khabarLong)")
            fetched.clear()
            result |= {
                "warm_s": _open(page, port, first=False, shown=shown),
                "warm_mb": sum(fetched) / 1e6,
            }
            result["warm_longest_task_s"] = page.evaluate("Math.max(0, ...window.khabarLong)")
            context.close()
        return result
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


LONG_TASKS = """
window.khabarLong = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.khabarLong.push(entry.duration / 1000);
}).observe({ type: "longtask", buffered: true });
"""


def _count(response: Any, fetched: list[int]) -> None:
    """Bytes that came over the wire (an answer from the browser's cache brings none)."""
    if "/admin/pyodide-" in response.url or f"/admin/{admin.PREVIEW}" in response.url:
        fetched.append(max(0, response.request.sizes()["responseBodySize"]))


def _open(page: Any, port: int, first: bool, shown: str) -> float:
    """Seconds from opening the article until its preview shows the site's text (Decap
    remembers whether the preview pane was open; the first visit opens it)."""
    page.goto("about:blank")  # a new page load, not a change of the address's #fragment
    page.goto(f"http://localhost:{port}/admin/#/collections/articles")
    if first:
        page.get_by_role("button", name="Войти").click()
    started = time.perf_counter()
    page.get_by_text(ARTICLE).click()
    if first:
        page.get_by_title("Переключиться на предварительный просмотр").click()
    frame = page.frame_locator("#preview-pane")
    frame.locator(f"article .body[data-khabar-preview={shown}]").wait_for()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--baseline", action="store_true", help="Chromium only, without Pyodide")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    if args.baseline:
        result = in_chromium(folder, args.port, baseline=True)
    else:
        result = {**in_node(folder), **in_chromium(folder, args.port)}
    print(json.dumps({k: round(v, 3) for k, v in result.items()}, indent=1))
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
