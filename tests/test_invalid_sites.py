"""Broken sites, one per mistake: each must print exactly its expected.txt and exit 1.

A case folder holds only what differs from _base/ (a whole site that builds) plus
expected.txt. The previous output must stay as it was.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import NOW, Run

CASES = Path(__file__).parent / "sites_invalid"
NAMES = sorted(p.name for p in CASES.iterdir() if p.is_dir() and not p.name.startswith("_"))


def make_site(name: str, root: Path) -> Path:
    shutil.copytree(CASES / "_base", root)
    shutil.copytree(
        CASES / name, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns("expected.txt")
    )
    return root


def test_there_are_enough_cases() -> None:
    assert len(NAMES) >= 20


def test_the_base_site_builds(tmp_path: Path, run: Run) -> None:
    shutil.copytree(CASES / "_base", tmp_path / "site")
    code, _, err = run("build", "--site", str(tmp_path / "site"), "--now", NOW)
    assert code == 0, err


@pytest.mark.parametrize("name", NAMES)
def test_broken_site_reports_exactly(name: str, tmp_path: Path, run: Run) -> None:
    root = make_site(name, tmp_path / "site")
    out = root / "public"
    out.mkdir()
    (out / "index.html").write_text("previous build")
    for verb in ("check", "build"):
        code, stdout, stderr = run(verb, "--site", str(root), "--now", NOW)
        assert (code, stdout) == (1, "")
        assert "Traceback" not in stderr
        assert stderr == (CASES / name / "expected.txt").read_text(encoding="utf-8")
    assert [p.name for p in out.iterdir()] == ["index.html"]
    assert (out / "index.html").read_text() == "previous build"
