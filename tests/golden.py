"""The golden site: its whole output is compared with tests/sites/golden/expected/.

After an intended change to the output, regenerate and review the diff:

    make golden        (or: .venv/bin/python -m tests.golden)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from generator.cli import main

GOLDEN = Path(__file__).parent / "sites" / "golden"
SITE = GOLDEN / "site"
EXPECTED = GOLDEN / "expected"
NOW = "2026-11-28T12:00:00+03:00"


def build(out: Path) -> int:
    """Always from a new, empty cache: the expected output is never made from stale parts."""
    with tempfile.TemporaryDirectory(prefix="khabar-golden-") as cache:
        args = ["--site", str(SITE), "--out", str(out), "--cache", cache, "--now", NOW]
        return main(["build", *args, "--jobs", "1"])


# Pagefind's index is Pagefind's output (its wasm, its chunk format): tests/test_search.py
# checks what it finds; the golden tree keeps only what Khabar itself writes.
UNCOMPARED = "pagefind/"


def regenerate() -> int:
    shutil.rmtree(EXPECTED, ignore_errors=True)
    code = build(EXPECTED)
    shutil.rmtree(EXPECTED / UNCOMPARED, ignore_errors=True)
    print(f"regenerated {EXPECTED}; review it with git diff", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(regenerate())
