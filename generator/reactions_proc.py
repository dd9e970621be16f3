"""The reactions endpoint for serve: `python -m reactions` in its own process, on an SQLite
file in the cache folder. The generator runs it; it never imports it."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from generator.render import PROJECT_ROOT


@dataclass
class Endpoint:
    base: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start(site: Path, cache: Path, origin: str) -> Endpoint | None:
    cache.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = {
        **os.environ,
        "REACTIONS_DATABASE_URL": f"sqlite:///{cache / 'reactions.sqlite3'}",
        "REACTIONS_SECRET": _secret(cache),
        "REACTIONS_ALLOWED_ORIGINS": origin,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])
        ),
    }
    command = [sys.executable, "-m", "reactions", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, env=env, cwd=site, stderr=subprocess.DEVNULL)
    endpoint = Endpoint(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and process.poll() is None:
        try:
            urllib.request.urlopen(endpoint.base + "/api/health", timeout=1).close()  # noqa: S310
            return endpoint
        except OSError:
            time.sleep(0.05)
    endpoint.stop()
    print("reactions: the endpoint did not start; /api/ answers 503", file=sys.stderr)
    return None


def _secret(cache: Path) -> str:
    """Kept between runs, so that a reader's reactions stay theirs after a restart."""
    path = cache / "reactions-secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
