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

from endpoint.settings import DEFAULT_KINDS, ConfigError, Settings
from tests.conftest import ROOT

SECRET = "s" * 32


def test_defaults() -> None:
    settings = Settings.from_env({"KHABAR_SECRET": SECRET}, site=ROOT)
    assert settings.database_url == "sqlite:///khabar.sqlite3"
    assert settings.kinds == DEFAULT_KINDS
    assert settings.rate_limit == 30 and settings.trust_proxy == 0 and settings.pages is None
    # The allowed origin defaults to the origin of the site's base_url.
    assert settings.allowed_origins == {"https://chistopol-inform.example.org"}


def test_everything_from_the_environment(tmp_path: Path) -> None:
    pages = tmp_path / "pages.json"
    pages.write_text(json.dumps(["/news/a/", "/tt/news/b/"]))
    settings = Settings.from_env({
        "KHABAR_SECRET": SECRET,
        "KHABAR_DATABASE_URL": "postgresql://u@db/khabar",
        "KHABAR_ALLOWED_ORIGINS": "https://a.example, https://B.example:8443/",
        "KHABAR_REACTIONS": "up,down",
        "KHABAR_PAGES": str(pages),
        "KHABAR_TRUST_PROXY": "2",
        "KHABAR_RATE_LIMIT": "0",
    })  # fmt: skip
    assert settings.allowed_origins == {"https://a.example", "https://b.example:8443"}
    assert settings.kinds == ("up", "down")
    assert settings.pages == {"/news/a/", "/tt/news/b/"}
    assert (settings.trust_proxy, settings.rate_limit) == (2, 0)


def test_the_first_release_names_still_work(tmp_path: Path) -> None:
    """Deployed endpoints set REACTIONS_*: those names stay fallbacks of the KHABAR_ ones."""
    old = {
        "REACTIONS_SECRET": SECRET,
        "REACTIONS_DATABASE_URL": "postgresql://u@db/old",
        "REACTIONS_ALLOWED_ORIGINS": "https://old.example",
        "REACTIONS_KINDS": "up,down",
        "REACTIONS_TRUST_PROXY": "1",
        "REACTIONS_RATE_LIMIT": "7",
    }
    settings = Settings.from_env(old)
    assert settings.database_url == "postgresql://u@db/old"
    assert settings.allowed_origins == {"https://old.example"}
    assert (settings.kinds, settings.trust_proxy, settings.rate_limit) == (("up", "down"), 1, 7)
    newer = Settings.from_env({**old, "KHABAR_DATABASE_URL": "sqlite:///new.sqlite3"})
    assert newer.database_url == "sqlite:///new.sqlite3"  # the new name wins


def test_an_existing_first_release_database_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert Settings.from_env({"KHABAR_SECRET": SECRET}).database_url == "sqlite:///khabar.sqlite3"
    (tmp_path / "reactions.sqlite3").write_bytes(b"")
    assert Settings.from_env({"KHABAR_SECRET": SECRET}).database_url == (
        "sqlite:///reactions.sqlite3"
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "KHABAR_SECRET must be set"),
        ({"KHABAR_SECRET": "short"}, "KHABAR_SECRET must be set"),
        ({"KHABAR_SECRET": SECRET, "KHABAR_ALLOWED_ORIGINS": "example.org"}, "not an origin"),
        ({"KHABAR_SECRET": SECRET, "KHABAR_REACTIONS": "like,like"}, "KHABAR_REACTIONS"),
        ({"KHABAR_SECRET": SECRET, "KHABAR_RATE_LIMIT": "-1"}, "KHABAR_RATE_LIMIT"),
        ({"KHABAR_SECRET": SECRET, "KHABAR_PAGES": "/nonexistent.json"}, "KHABAR_PAGES"),
    ],
)
def test_bad_settings_refuse_to_start(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env, site=ROOT)


def test_the_build_writes_the_page_list(demo_site: Path) -> None:
    ids = json.loads((demo_site / "reactions-pages.json").read_text())
    settings = Settings.from_env(
        {"KHABAR_SECRET": SECRET, "KHABAR_PAGES": str(demo_site / "reactions-pages.json")}
    )
    assert settings.pages == set(ids) and "/tt/news/education/yana-maktap/" in ids


def test_python_m_endpoint_serves(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "KHABAR_SECRET": SECRET,
        "KHABAR_DATABASE_URL": f"sqlite:///{tmp_path / 'r.sqlite3'}",
    }
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "endpoint", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "khabar endpoint on http://127.0.0.1" in (
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


def test_python_m_endpoint_without_secret_says_why(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KHABAR_", "REACTIONS_"))}
    result = subprocess.run(
        [sys.executable, "-m", "endpoint", "--port", "0"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("endpoint: error: KHABAR_SECRET must be set")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
