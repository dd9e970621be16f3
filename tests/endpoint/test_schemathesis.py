"""Property-based fuzzing of the live API from its own OpenAPI document."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from endpoint.settings import Settings
from tests.endpoint.conftest import Api, settings_for


def test_schemathesis_finds_no_5xx_and_no_schema_violation(
    database_url: str, serve_app: Callable[[Settings], Api]
) -> None:
    cli = Path(sys.executable).parent / "schemathesis"
    if not cli.exists():
        pytest.skip("schemathesis is not installed: run `make test`")
    api = serve_app(settings_for(database_url, rate_limit=0))
    result = subprocess.run(
        [str(cli), "--config-file", str(Path(__file__).with_name("schemathesis.toml")), "run", f"{api.base}/api/openapi.json", "--checks", "all", "--max-examples", "60",
         "--seed", "2026", "--request-timeout", "10", "--no-color"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:]
    assert "4 passed" in result.stdout
