"""The habits, checked in the test run: lint, format, types, layering, workflow lint."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

BIN = Path(sys.executable).parent


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]], cwd=ROOT, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    "command",
    [
        ("ruff", "check", "."),
        ("ruff", "format", "--check", "."),
        ("mypy",),
        ("lint-imports",),
        ("zizmor", "--offline", ".github/workflows/"),
        (
            "check-jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            *sorted(str(p) for p in (ROOT / ".github/workflows").glob("*.yml")),
        ),
    ],
    ids=["ruff", "ruff-format", "mypy", "import-linter", "zizmor", "workflow-schema"],
)
def test_tool_passes(command: tuple[str, ...]) -> None:
    result = run_tool(*command)
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_keeps_least_privilege() -> None:
    import yaml

    workflow = yaml.safe_load((ROOT / ".github/workflows/site.yml").read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert {"push", "schedule", "workflow_dispatch"} <= set(triggers)
    assert workflow["permissions"] == {"contents": "read"}
    deploy = workflow["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    # The ledger's job pushes to the `state` branch and may do nothing else.
    assert workflow["jobs"]["crosspost"]["permissions"] == {"contents": "write"}
    for name, job in workflow["jobs"].items():
        if name not in ("deploy", "crosspost"):
            assert "permissions" not in job
        for step in job["steps"]:
            uses = step.get("uses", "")
            major = {
                "actions/checkout": "v7",
                "actions/setup-python": "v7",
                "actions/upload-pages-artifact": "v5",
                "actions/deploy-pages": "v5",
                "actions/cache": "v6",
            }
            if uses:
                action, version = uses.split("@")
                assert major[action] == version, uses


def test_ci_script_runs_the_readme_command() -> None:
    script = (ROOT / ".ci/run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make test" in script and "KHABAR_REQUIRE_ALL=1" in script
    head = readme.split("\n## ", 1)[0]
    assert "make serve" in head and "make test" in head
