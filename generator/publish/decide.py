"""The scheduled run's decision: build and deploy only when the deployed site is out of date.

    python -m generator.publish.decide [--site DIR] [--ledger FILE] [--now MOMENT]

writes `build=true|false` and `crosspost=true|false` to $GITHUB_OUTPUT (or stdout) and says
why on stderr. It builds when the deployed build.json cannot be read, when the site was
built from other files than this checkout's (a push whose deploy failed, say), or when an
article became published or expired since the moment the deployed site was built for; so
a scheduled article is never missed, however late GitHub runs the schedule. When nothing
is to be built, `crosspost` still runs if the ledger shows failed posts or a run that died.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from generator import render
from generator.errors import SiteError
from generator.pipeline import load_site_config
from generator.publish import buildinfo, due, ledger, remote
from generator.publish.buildinfo import WINDOW
from generator.sources import read_sources, static_files


@dataclass
class Decision:
    build: bool
    crosspost: bool = False
    reasons: list[str] = field(default_factory=list)


def decide(root: Path, now: datetime, ledger_path: Path | None) -> Decision:
    try:
        return _decide(root, now, ledger_path)
    except SiteError as error:
        problems = [str(p) for p in error.problems]
        return Decision(True, False, ["the site has mistakes: the build reports them", *problems])


def _decide(root: Path, now: datetime, ledger_path: Path | None) -> Decision:
    config = load_site_config(root)
    now = now if now.tzinfo else now.replace(tzinfo=config.tz)
    retry = _posts_pending(ledger_path, now)
    try:
        info, _ = remote.fetch(config)
    except remote.Unreadable as error:
        return Decision(True, retry, [f"the deployed site cannot be read ({error})"])
    if info.built_for > now:
        later = info.built_for.isoformat()
        return Decision(True, retry, [f"the deployed site was built for a later moment, {later}"])
    sources = read_sources(config)
    theme = render.load_theme(config)
    pairs = ((s.path, s.digest) for s in sources)
    static = static_files(config.root, theme.static_folders)
    inputs = buildinfo.inputs_digest(config, theme, pairs, static)
    if inputs != info.inputs:
        return Decision(True, retry, ["the deployed site was built from other files"])
    since = info.built_for
    found = due.events(config, due.read_headers(config, sources), since, now)
    if found:
        lines = [f"{e.moment.isoformat()} {e.kind} {e.url}" for e in found]
        return Decision(True, retry, [f"due since {since.isoformat()}:", *lines])
    reasons = [f"nothing became published or expired since {since.isoformat()}"]
    if retry:
        reasons.append("the ledger shows posts to retry")
    return Decision(False, retry, reasons)


def _posts_pending(path: Path | None, now: datetime) -> bool:
    """Failed posts of the last 48 hours, or a crosspost run that did not finish."""
    if path is None:
        return False
    try:
        return ledger.load(path, str(path)).unfinished(now - WINDOW)
    except SiteError as error:
        # crosspost itself reports this at its next run; a scheduled run every 15 minutes
        # failing for it would only bury the message.
        print(f"warning: {error}", file=sys.stderr)
        return False


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator.publish.decide", description=__doc__)
    parser.add_argument("--site", default=".", help="the site's root (default: .)")
    parser.add_argument("--ledger", help="crosspost's ledger, when there is one")
    parser.add_argument("--now", type=datetime.fromisoformat, help="default: the real now")
    parser.add_argument("--output", help="the file to append to (default: $GITHUB_OUTPUT)")
    args = parser.parse_args(argv)
    now = args.now or datetime.now().astimezone()
    ledger_path = Path(args.ledger) if args.ledger else None
    decision = decide(Path(args.site).resolve(), now, ledger_path)
    verdict = "build and deploy" if decision.build else "nothing to build"
    print(f"{verdict}: " + "\n  ".join(decision.reasons), file=sys.stderr)
    lines = f"build={str(decision.build).lower()}\ncrosspost={str(decision.crosspost).lower()}\n"
    output = args.output or os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as handle:
            handle.write(lines)
    else:
        sys.stdout.write(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
