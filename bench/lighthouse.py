"""Lighthouse (mobile: a mid-range phone on slow 4G, as PageSpeed Insights runs it) on the demo
newsroom: the article whose cover is a 12 MP phone photo, the home page and the search page.

Lighthouse is a test-time tool from npm, installed on first use into bench/work/lighthouse
(12.2.3: version 13 needs Node 22); it drives the system Chromium. The site is served from
this machine with gzip, as GitHub Pages serves it.

    .venv/bin/python -m bench.lighthouse
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import os
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work" / "lighthouse"
VERSION = "12.2.3"
NOW = "2026-11-28T12:00:00+03:00"
PAGES = {
    "article, 12 MP cover": "/news/education/novaya-shkola/",
    "home": "/",
    "article, Tatar": "/tt/news/education/yana-maktap/",
    "search, with results": "/search/?q=школа",
}
TEXT = (".html", ".css", ".js", ".json", ".xml", ".svg", "/")


class Gzipped(SimpleHTTPRequestHandler):
    """Text compressed on the way out, like a production host; everything else as it is."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "public, max-age=600")
        super().end_headers()

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        wanted = "gzip" in self.headers.get("Accept-Encoding", "")
        if not wanted or not path.is_file() or not str(path).endswith(TEXT):
            super().do_GET()
            return
        body = gzip.compress(path.read_bytes(), 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def lighthouse() -> Path:
    binary = WORK / "node_modules/.bin/lighthouse"
    if not binary.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        (WORK / "package.json").write_text('{"private": true}\n')
        subprocess.run(
            ["npm", "i", "-E", f"lighthouse@{VERSION}", "--no-audit", "--no-fund"],
            cwd=WORK,
            check=True,
        )
    return binary


def build_demo(out: Path) -> None:
    cache = WORK / "cache"
    command = [sys.executable, str(ROOT / "build.py"), "build", "--out", str(out)]
    subprocess.run([*command, "--cache", str(cache), "--now", NOW], check=True)


def audit(binary: Path, url: str, report: Path) -> dict[str, object]:
    subprocess.run(
        [str(binary), url, "--only-categories=performance,accessibility", "--output=json",
         f"--output-path={report}", "--quiet",
         "--chrome-flags=--headless=new --no-sandbox --disable-gpu"],
        check=True,
        env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"},
    )  # fmt: skip
    data = json.loads(report.read_text(encoding="utf-8"))
    requests = data["audits"]["network-requests"]["details"]["items"]
    images = [r for r in requests if r.get("resourceType") == "Image"]
    metrics = data["audits"]
    return {
        "performance": round(data["categories"]["performance"]["score"] * 100),
        "accessibility": round(data["categories"]["accessibility"]["score"] * 100),
        "lcp_ms": round(metrics["largest-contentful-paint"]["numericValue"]),
        "cls": round(metrics["cumulative-layout-shift"]["numericValue"], 3),
        "image_kb": round(sum(r.get("transferSize", 0) for r in images) / 1000, 1),
        "images": [r["url"].rsplit("/", 1)[-1] for r in images],
        "total_kb": round(sum(r.get("transferSize", 0) for r in requests) / 1000, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1, help="runs per page (the median is kept)")
    args = parser.parse_args()
    binary = lighthouse()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "public"
        build_demo(out)
        handler = functools.partial(Gzipped, directory=str(out))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        results = {}
        for name, path in PAGES.items():
            runs = [
                audit(binary, base + path, Path(folder) / "report.json") for _ in range(args.runs)
            ]
            runs.sort(key=lambda r: int(str(r["performance"])))
            results[name] = {"path": path, **runs[len(runs) // 2]}
            print(name, json.dumps(results[name], ensure_ascii=False), file=sys.stderr, flush=True)
        server.shutdown()
    target = ROOT / "bench" / "lighthouse-last-run.json"
    target.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
