"""`python build.py VERB [options]`: build, check, new, serve, crosspost, due
(../shared/contract.md)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from generator import __version__
from generator.errors import SiteError
from generator.pipeline import Options, build

VERBS = ("build", "check", "new", "serve", "crosspost", "due")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or (args[0].startswith("-") and args[0] not in ("-h", "--help", "--version")):
        args.insert(0, "build")  # build is the default verb
    parsed = _parser().parse_args(args)
    try:
        return int(parsed.run(parsed))
    except SiteError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        noun = "error" if len(exc.problems) == 1 else "errors"
        print(f"{len(exc.problems)} {noun}; nothing was written", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def options(parsed: argparse.Namespace) -> Options:
    site = Path(parsed.site).resolve()
    out = Path(parsed.out).resolve() if parsed.out else site / "public"
    if out == site or out in site.parents:
        raise SystemExit(f"build.py: error: --out {out} would replace the site itself")
    return Options(
        site=site,
        out=out,
        now=parsed.now or datetime.now().astimezone(),
        drafts=parsed.drafts,
        cache=Path(parsed.cache).resolve() if parsed.cache else site / ".cache",
        jobs=parsed.jobs or os.cpu_count() or 1,
    )


def _warn(warnings: Sequence[str]) -> None:
    """Warnings (PATH:LINE: warning: ...) never fail a run; build and check print them alike."""
    for line in warnings:
        print(line, file=sys.stderr)


def _build(parsed: argparse.Namespace) -> int:
    opts = options(parsed)
    report = build(opts).report
    _warn(report.warnings)
    counts = ", ".join(f"{lang} {n}" for lang, n in report.articles.items())
    print(
        f"built {report.files} files ({report.pages} pages; articles: {counts}) into {opts.out} "
        f"in {report.seconds:.2f} s (search index {report.search_seconds:.2f} s): "
        f"{report.written} written, {report.unchanged} unchanged, {report.removed} removed",
        file=sys.stderr,
    )
    return 0


def _check(parsed: argparse.Namespace) -> int:
    report = build(options(parsed), write_out=False).report
    _warn(report.warnings)
    counts = ", ".join(f"{lang} {n}" for lang, n in report.articles.items())
    print(f"ok: {report.pages} pages; published articles: {counts}", file=sys.stderr)
    return 0


def _new(parsed: argparse.Namespace) -> int:
    from generator.newpost import create

    path = create(options(parsed), parsed.lang, parsed.category, " ".join(parsed.title))
    shown = os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)
    print(shown)
    return 0


def _serve(parsed: argparse.Namespace) -> int:
    from generator.serve import serve

    return serve(options(parsed), parsed.host, parsed.port)


def _crosspost(parsed: argparse.Namespace) -> int:
    from generator.publish.crosspost import crosspost

    return crosspost(options(parsed), Path(parsed.ledger), parsed.dry_run)


def _due(parsed: argparse.Namespace) -> int:
    from generator.pipeline import load_site_config
    from generator.publish import due
    from generator.sources import read_sources

    opts = options(parsed)
    config = load_site_config(opts.site)
    since, now = (m if m.tzinfo else m.replace(tzinfo=config.tz) for m in (parsed.since, opts.now))
    if since > now:
        print(f"build.py due: error: --since {since.isoformat()} is after --now", file=sys.stderr)
        return 2
    docs = due.read_headers(config, read_sources(config))
    found = due.events(config, docs, since, now, opts.drafts)
    return due.report(config, found, since, now)


def _now(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 moment: {text!r}") from None


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError("must be a whole number of at least 1")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--site", default=str(PROJECT_ROOT), help="the site's root folder")
    common.add_argument("--out", help="output folder (default: SITE/public)")
    common.add_argument("--drafts", action="store_true", help="include drafts")
    common.add_argument("--now", type=_now, help="the moment that decides what is published")
    common.add_argument("--cache", help="the build cache folder (default: SITE/.cache)")
    common.add_argument("--jobs", type=_jobs, help="worker processes (default: all cores)")
    parser = argparse.ArgumentParser(prog="build.py", description=__doc__)
    parser.add_argument("--version", action="version", version=f"khabar {__version__}")
    verbs = parser.add_subparsers(dest="verb", required=True)
    verbs.add_parser("build", parents=[common], help="build the site").set_defaults(run=_build)
    verbs.add_parser("check", parents=[common], help="validate only").set_defaults(run=_check)
    new = verbs.add_parser("new", parents=[common], help="start a new article")
    new.add_argument("--lang", required=True, help="ru or tt")
    new.add_argument("--category", help="a rubric key (default: the first of site.yaml)")
    new.add_argument("title", nargs="+", help="the article's title")
    new.set_defaults(run=_new)
    serve = verbs.add_parser("serve", parents=[common], help="build, serve, rebuild on change")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(run=_serve)
    _publish_verbs(verbs, common)
    return parser


def _publish_verbs(verbs: Any, common: argparse.ArgumentParser) -> None:
    post = verbs.add_parser("crosspost", parents=[common], help="announce new articles")
    post.add_argument("--ledger", required=True, help="the JSON record of what was posted")
    post.add_argument("--dry-run", action="store_true", help="show what would be posted")
    post.set_defaults(run=_crosspost)
    due = verbs.add_parser("due", parents=[common], help="what became published or expired")
    due.add_argument("--since", required=True, type=_now, help="the earlier moment")
    due.set_defaults(run=_due)
