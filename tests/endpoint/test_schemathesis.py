"""Property-based fuzzing of the live API from its own OpenAPI document: reactions,
comments (JSON and form posts), moderation (with a moderator's token, and without) and the
Telegram webhook."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from endpoint.settings import Settings
from tests.endpoint.conftest import TOKEN, Api, settings_for


@pytest.mark.slow
def test_schemathesis_finds_no_5xx_and_no_schema_violation(
    database_url: str, serve_app: Callable[[Settings], Api], tmp_path: Path
) -> None:
    cli = Path(sys.executable).parent / "schemathesis"
    if not cli.exists():
        pytest.skip("schemathesis is not installed: run `make test`")
    api = serve_app(settings_for(database_url, rate_limit=0))
    # Fewer on PostgreSQL: the same app, only the store differs (the suite stays fast).
    examples = "40" if database_url.startswith("sqlite") else "20"
    config = Path(__file__).with_name("schemathesis.toml")
    result = subprocess.run(
        [str(cli), "--config-file", str(config), "run", f"{api.base}/api/openapi.json",
         "--checks", "all", "--max-examples", examples, "--seed", "2026", "--request-timeout", "10",
         "--no-color", "--header", f"Authorization: Bearer {TOKEN}"],
        capture_output=True, text=True, timeout=600, check=False,
        cwd=tmp_path,  # its cache of crashes goes there, not into the repository
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:]
    operations = len(api.request("GET", "/api/openapi.json").json()["paths"])
    assert operations == 11 and "Tested: 15" in result.stdout, result.stdout[-2000:]
