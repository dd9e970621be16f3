"""The readers' endpoint's throughput and latency against a hello-world WSGI app, in one run.

Both run under gunicorn (2 workers, gthread) on loopback; wrk drives 64 connections.
Targets (issue 4): on SQLite, GET >= 50% and POST >= 25% of hello-world's requests/s,
p99 <= 25 ms. PostgreSQL runs in a throwaway cluster.

    .venv/bin/python -m bench.reactions [--seconds 10] [--connections 64]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import pgcluster

ROOT = Path(__file__).resolve().parent.parent
WRK_THREADS = [1]  # set from --wrk-threads
POST_LUA = r"""
local counter = 0
math.randomseed(os.time() + tonumber(string.sub(tostring({}), 8), 16))
local function hex(n) local s = "" for i = 1, n do s = s .. string.format("%x", math.random(0, 15)) end return s end
request = function()
  counter = counter + 1
  local reader = hex(8) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-8" .. hex(3) .. "-" .. hex(12)
  local body = '{"page":"/news/society/bench-' .. (counter % 100) .. '/","reaction":"like","reader":"' .. reader .. '"}'
  -- A new client address each time: the rate limit stays on and does its work.
  local ip = math.random(1, 223) .. "." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "." .. math.random(1, 254)
  return wrk.format("POST", "/api/reactions", {["Content-Type"] = "application/json", ["X-Forwarded-For"] = ip}, body)
end
"""


@dataclass
class Result:
    target: str
    method: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


@contextmanager
def gunicorn(app: str, env: dict[str, str], threads: int) -> Iterator[str]:
    port = pgcluster.free_port()
    binary = Path(sys.executable).parent / "gunicorn"
    command = [str(binary), "-w", "2", "-k", "gthread", "--threads", str(threads), "-b", f"127.0.0.1:{port}",
               "--backlog", "512", "--log-level", "warning", app]  # fmt: skip
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(base + "/api/health", timeout=1).close()  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(20)


def wrk(
    url: str, seconds: int, connections: int, script: Path | None = None
) -> tuple[float, float, float, int, int]:
    command = [
        "wrk",
        f"-t{WRK_THREADS[0]}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "5s",
    ]
    if script:
        command += ["-s", str(script)]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failures = (int(bad.group(1)) if bad else 0) + (sum(map(int, errors.groups())) if errors else 0)
    return rps, p50, p99, failures, requests


def _ms(text: str) -> float:
    value, unit = float(re.match(r"[\d.]+", text).group(0)), re.sub(r"[\d.]+", "", text)  # type: ignore[union-attr]
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def measure(
    target: str, app: str, env: dict[str, str], args: argparse.Namespace, lua: Path
) -> list[Result]:
    results = []
    with gunicorn(app, env, args.threads) as base:
        get_url = base + "/api/reactions?page=/news/society/bench-1/"
        wrk(get_url, 2, args.connections)  # warm up
        for method, url, script in (("GET", get_url, None), ("POST", base + "/api/reactions", lua)):
            rps, p50, p99, failures, requests = wrk(url, args.seconds, args.connections, script)
            results.append(Result(target, method, rps, p50, p99, failures, requests))
            print(f"{target:10} {method:4} {rps:9.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  "
                  f"non-2xx/errors {failures}", file=sys.stderr)  # fmt: skip
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="gunicorn threads per worker")
    parser.add_argument(
        "--wrk-threads", type=int, default=1, help="wrk threads: it shares the 2 cores"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    WRK_THREADS[0] = args.wrk_threads
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="khabar-bench-"))
    lua = work / "post.lua"
    lua.write_text(POST_LUA)
    # The rate limit stays on (its default, 30 a minute); each POST comes from its own address.
    common = {"KHABAR_SECRET": "bench-secret-0123456789", "KHABAR_TRUST_PROXY": "1"}
    cluster = pgcluster.Cluster.create() if pgcluster.available() else None
    try:
        results = measure("hello", "bench.hello:application", {}, args, lua)
        sqlite_env = {**common, "KHABAR_DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}"}
        results += measure("sqlite", "endpoint.wsgi:application", sqlite_env, args, lua)
        if cluster:
            cluster.sql("CREATE DATABASE bench")
            pg_env = {**common, "KHABAR_DATABASE_URL": cluster.url("bench")}
            results += measure("postgresql", "endpoint.wsgi:application", pg_env, args, lua)
    finally:
        if cluster:
            cluster.destroy()
        shutil.rmtree(work, ignore_errors=True)
    print(report(results, args))
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=2))
    return 0


def report(results: list[Result], args: argparse.Namespace) -> str:
    hello = {r.method: r.rps for r in results if r.target == "hello"}
    lines = [
        f"wrk -t{args.wrk_threads} -c{args.connections} -d{args.seconds}s, gunicorn -w 2 -k gthread --threads {args.threads}, loopback",
        "",
        "| target | method | req/s | vs hello | p50 ms | p99 ms | non-2xx or errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        ratio = r.rps / hello[r.method] if hello.get(r.method) else 0
        lines.append(
            f"| {r.target} | {r.method} | {r.rps:,.0f} | {ratio:.0%} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | {r.errors} of {r.requests:,} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
