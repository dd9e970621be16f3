"""Configuration by environment, per ../shared/contract.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from reactions.settings import DEFAULT_KINDS, ConfigError, Settings
from tests.conftest import ROOT

SECRET = "s" * 32


def test_defaults() -> None:
    settings = Settings.from_env({"REACTIONS_SECRET": SECRET}, site=ROOT)
    assert settings.database_url == "sqlite:///reactions.sqlite3"
    assert settings.kinds == DEFAULT_KINDS
    assert settings.rate_limit == 30 and settings.trust_proxy == 0 and settings.pages is None
    # The allowed origin defaults to the origin of the site's base_url.
    assert settings.allowed_origins == {"https://chistopol-inform.example.org"}


def test_everything_from_the_environment(tmp_path: Path) -> None:
    pages = tmp_path / "pages.json"
    pages.write_text(json.dumps(["/news/a/", "/tt/news/b/"]))
    settings = Settings.from_env({
        "REACTIONS_SECRET": SECRET,
        "REACTIONS_DATABASE_URL": "postgresql://u@db/reactions",
        "REACTIONS_ALLOWED_ORIGINS": "https://a.example, https://B.example:8443/",
        "REACTIONS_KINDS": "up,down",
        "REACTIONS_PAGES": str(pages),
        "REACTIONS_TRUST_PROXY": "2",
        "REACTIONS_RATE_LIMIT": "0",
    })  # fmt: skip
    assert settings.allowed_origins == {"https://a.example", "https://b.example:8443"}
    assert settings.kinds == ("up", "down")
    assert settings.pages == {"/news/a/", "/tt/news/b/"}
    assert (settings.trust_proxy, settings.rate_limit) == (2, 0)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "REACTIONS_SECRET must be set"),
        ({"REACTIONS_SECRET": "short"}, "REACTIONS_SECRET must be set"),
        ({"REACTIONS_SECRET": SECRET, "REACTIONS_ALLOWED_ORIGINS": "example.org"}, "not an origin"),
        ({"REACTIONS_SECRET": SECRET, "REACTIONS_KINDS": "like,like"}, "REACTIONS_KINDS"),
        ({"REACTIONS_SECRET": SECRET, "REACTIONS_RATE_LIMIT": "-1"}, "REACTIONS_RATE_LIMIT"),
        ({"REACTIONS_SECRET": SECRET, "REACTIONS_PAGES": "/nonexistent.json"}, "REACTIONS_PAGES"),
    ],
)
def test_bad_settings_refuse_to_start(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env, site=ROOT)


def test_the_build_writes_the_page_list(demo_site: Path) -> None:
    ids = json.loads((demo_site / "reactions-pages.json").read_text())
    settings = Settings.from_env(
        {"REACTIONS_SECRET": SECRET, "REACTIONS_PAGES": str(demo_site / "reactions-pages.json")}
    )
    assert settings.pages == set(ids) and "/tt/news/education/yana-maktap/" in ids


def test_python_m_reactions_serves(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "REACTIONS_SECRET": SECRET,
        "REACTIONS_DATABASE_URL": f"sqlite:///{tmp_path / 'r.sqlite3'}",
    }
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "reactions", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "reactions on http://127.0.0.1" in (
            process.stderr.readline() if process.stderr else ""
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/health", timeout=2
                ) as answer:
                    assert json.load(answer) == {"status": "ok", "store": "sqlite"}
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(10)
        if process.stderr:
            process.stderr.close()


def test_python_m_reactions_without_secret_says_why(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REACTIONS_")}
    result = subprocess.run(
        [sys.executable, "-m", "reactions", "--port", "0"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("reactions: error: REACTIONS_SECRET must be set")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
