"""The readers' endpoint's throughput and latency against a hello-world WSGI app, in one run.

Both run under gunicorn (2 workers, gthread) on loopback; wrk drives 64 connections.
Targets (issue 4): on SQLite, GET >= 50% and POST >= 25% of hello-world's requests/s,
p99 <= 25 ms. Issue 9: GET /api/comments (one article with five approved comments) within
1.5x of GET /api/reactions. PostgreSQL runs in a throwaway cluster.

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
from endpoint.records import Decision, NewComment

ROOT = Path(__file__).resolve().parent.parent
WRK_THREADS = [1]  # set from --wrk-threads
MODERATOR_TOKEN = "bench-moderator-token-0123456789"  # noqa: S105 - a throwaway local server
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
    cpu_us: float = 0.0  # the gunicorn workers' CPU time per request: holds on a busy machine


@contextmanager
def gunicorn(app: str, env: dict[str, str], threads: int) -> Iterator[tuple[str, int]]:
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
        yield base, process.pid
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
    with gunicorn(app, env, args.threads) as (base, master):
        get_url = base + "/api/reactions?page=/news/society/bench-1/"
        comments_url = base + "/api/comments?page=/news/society/bench-1/"
        if target != "hello":
            seed_comments(base)
        wrk(get_url, 2, args.connections)  # warm up
        for method, url, script in (
            ("GET", get_url, None),
            ("POST", base + "/api/reactions", lua),
            ("GET comments", comments_url, None),
        ):
            before = workers_cpu(master)
            rps, p50, p99, failures, requests = wrk(url, args.seconds, args.connections, script)
            cpu = (workers_cpu(master) - before) / requests * 1e6
            results.append(Result(target, method, rps, p50, p99, failures, requests, cpu))
            print(f"{target:10} {method:12} {rps:9.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  "
                  f"{cpu:5.0f} us CPU/req  non-2xx/errors {failures}", file=sys.stderr)  # fmt: skip
    return results


def workers_cpu(master: int) -> float:
    """CPU seconds (user + system) the master's worker processes have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # a process that ended while we looked
            continue
        if int(fields[1]) == master:  # the parent pid
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def seed_comments(base: str, count: int = 5) -> None:
    """An article with a few approved comments: what GET /api/comments usually returns."""
    ids = []
    for i in range(count):
        body = {"page": "/news/society/bench-1/", "name": f"Читатель {i}",
                "text": f"Комментарий номер {i}: спасибо за новость!\nВторая строка.",
                "reader": f"3f1c2b3a-1234-4abc-8def-01234567890{i}"}  # fmt: skip
        ids.append(
            _post(base + "/api/comments", body, {"X-Forwarded-For": f"198.51.100.{i + 1}"})["id"]
        )
    _post(base + "/api/moderation/comments", {"action": "approve", "ids": ids},
          {"Authorization": f"Bearer {MODERATOR_TOKEN}"})  # fmt: skip


def cpu_per_request(work: Path, rounds: int = 3, calls: int = 4000) -> dict[str, float]:
    """CPU microseconds per request of the WSGI app itself, in this process, on SQLite: no
    network, no other process. On a shared machine, CPU time holds where wall time swings;
    the rounds alternate the two routes so that both see the same conditions."""
    from endpoint.app import create_app
    from endpoint.serverless import Request, call
    from endpoint.settings import Settings

    settings = Settings(database_url=f"sqlite:///{work / 'cpu.sqlite3'}", secret=b"b" * 20,
                        moderators=(("bench", MODERATOR_TOKEN),), rate_limit=0)  # fmt: skip
    app = create_app(settings)
    page = "/news/society/bench-1/"
    ids = [app.store.add_comment(_new_comment(page, i)) for i in range(5)]
    app.store.decide(_decision(ids))
    routes = {"GET /api/reactions": "/api/reactions", "GET /api/comments": "/api/comments"}
    spent: dict[str, list[float]] = {name: [] for name in routes}
    for _ in range(rounds):
        for name, path in routes.items():
            request = Request("GET", path, [("page", page)], {}, b"", "127.0.0.1")
            started = time.process_time()
            for _ in range(calls):
                assert call(app, request).status == 200
            spent[name].append((time.process_time() - started) / calls * 1e6)
    app.close()
    return {name: sorted(values)[len(values) // 2] for name, values in spent.items()}


def _new_comment(page: str, i: int) -> NewComment:
    text = f"Комментарий номер {i}: спасибо за новость!\nВторая строка."
    return NewComment(page, f"Читатель {i}", text, int(time.time()), bytes([i]) * 16,
                      b"c" * 16, None, 0, False, False)  # fmt: skip


def _decision(ids: list[int]) -> Decision:
    return Decision(tuple(ids), "approve", "bench", "web", int(time.time()), False)


def _post(url: str, body: object, headers: dict[str, str]) -> dict[str, object]:
    request = urllib.request.Request(  # noqa: S310 - loopback http only
        url, json.dumps(body).encode(), {"Content-Type": "application/json", **headers}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        data: dict[str, object] = json.load(answer)
    return data


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
    common = {"KHABAR_SECRET": "bench-secret-0123456789", "KHABAR_TRUST_PROXY": "1",
              "KHABAR_MODERATORS": f"bench:{MODERATOR_TOKEN}"}  # fmt: skip
    cluster = pgcluster.Cluster.create() if pgcluster.available() else None
    cpu = cpu_per_request(work)
    print(" ".join(f"{k}: {v:.0f} us CPU" for k, v in cpu.items()), file=sys.stderr)
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
    cpu_ratio = cpu["GET /api/comments"] / cpu["GET /api/reactions"]
    print(f"in-process CPU per request on SQLite (median of 3 alternating rounds of 4,000): "
          f"reactions {cpu['GET /api/reactions']:.0f} us, comments {cpu['GET /api/comments']:.0f} us "
          f"= {cpu_ratio:.2f}x (target <= 1.5x)")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=2))
    return 0


def report(results: list[Result], args: argparse.Namespace) -> str:
    hello = {r.method: r.rps for r in results if r.target == "hello"}
    lines = [
        f"wrk -t{args.wrk_threads} -c{args.connections} -d{args.seconds}s, gunicorn -w 2 -k gthread --threads {args.threads}, loopback",
        "",
        "| target | method | req/s | vs hello | p50 ms | p99 ms | worker CPU µs/req | non-2xx or errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        ratio = r.rps / hello[r.method] if hello.get(r.method) else 0
        lines.append(
            f"| {r.target} | {r.method} | {r.rps:,.0f} | {ratio:.0%} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | {r.cpu_us:.0f} | {r.errors} of {r.requests:,} |"
        )
    # Issue 9: GET /api/comments within 1.5x of GET /api/reactions (ratio of throughputs).
    by = {(r.target, r.method): r for r in results}
    lines.append("")
    for target in ("sqlite", "postgresql"):
        if (target, "GET comments") in by:
            get, comments = by[(target, "GET")], by[(target, "GET comments")]
            lines.append(
                f"{target}: GET /api/reactions is {get.rps / comments.rps:.2f}x GET /api/comments"
                f" in req/s; comments cost {comments.cpu_us / get.cpu_us:.2f}x its worker CPU"
                " (target <= 1.5x)"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
