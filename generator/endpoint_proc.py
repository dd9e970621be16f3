"""The readers' endpoint for serve: `python -m endpoint` in its own process, on an SQLite
file in the cache folder. The generator runs it; it never imports it."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
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
        **_without_settings(os.environ),
        "KHABAR_DATABASE_URL": f"sqlite:///{_kept(cache, 'endpoint.sqlite3', 'reactions.sqlite3')}",
        "KHABAR_SECRET": _secret(_kept(cache, "endpoint-secret", "reactions-secret")),
        "KHABAR_ALLOWED_ORIGINS": origin,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])
        ),
    }
    command = [sys.executable, "-m", "endpoint", "--host", "127.0.0.1", "--port", str(port)]
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
    print("endpoint: the endpoint did not start; /api/ answers 503", file=sys.stderr)
    return None


def _without_settings(env: Mapping[str, str]) -> dict[str, str]:
    """The local endpoint is serve's own: a production setting in the shell must not leak in."""
    return {k: v for k, v in env.items() if not k.startswith(("KHABAR_", "REACTIONS_"))}


def _kept(cache: Path, name: str, older: str) -> Path:
    """A file of the cache under its name, or under the first release's name if only that
    one exists: the local reactions and their secret survive the rename."""
    if not (cache / name).exists() and (cache / older).exists():
        return cache / older
    return cache / name


def _secret(path: Path) -> str:
    """Kept between runs, so that a reader's reactions stay theirs after a restart."""
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
