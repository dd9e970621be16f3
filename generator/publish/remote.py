"""build.json as the deployed site serves it, read over HTTPS from the site's base_url.

`python -m generator.publish.remote --into DIR [--expect MOMENT]` saves it into DIR for
`crosspost --out DIR`. With --expect it waits until the site serves the build made for that
moment: then the deploy is live and every announced link works when readers tap it.
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from generator.config import SiteConfig, load_config
from generator.errors import SiteError
from generator.publish import buildinfo
from generator.publish.buildinfo import BuildInfo
from generator.publish.ledger import write_atomically

TIMEOUT = 15
LIMIT = 4 * 1024 * 1024  # build.json is small by design; anything larger is not ours


class Unreadable(Exception):
    """The deployed build.json could not be had or made no sense."""


def url_of(config: SiteConfig) -> str:
    return config.base_url + buildinfo.PATH


def fetch(config: SiteConfig) -> tuple[BuildInfo, str]:
    """The deployed build.json, parsed, and its text. The query defeats CDN caches (GitHub
    Pages keeps files for 10 minutes), so the answer is what was deployed last."""
    url = f"{url_of(config)}?at={time.time_ns()}"
    # base_url is http(s): config.py checks it.
    headers = {"Cache-Control": "no-cache", "Pragma": "no-cache"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            raw = response.read(LIMIT + 1)
    except urllib.error.HTTPError as error:
        error.close()
        raise Unreadable(f"{url_of(config)}: HTTP {error.code}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise Unreadable(f"{url_of(config)}: {getattr(error, 'reason', error)}") from None
    try:
        text = raw.decode("utf-8")
        return buildinfo.parse(text, url_of(config)), text
    except (UnicodeDecodeError, SiteError) as error:
        raise Unreadable(f"{url_of(config)}: {error}") from None


def wait_for(config: SiteConfig, expect: datetime | None, attempts: int, delay: float) -> str:
    """build.json's text once it is the one built for `expect` (any, without it)."""
    problem = ""
    for attempt in range(attempts):
        if attempt:
            time.sleep(delay)
        try:
            info, text = fetch(config)
        except Unreadable as error:
            problem = str(error)
            continue
        if expect is None or info.built_for == expect:
            return text
        problem = f"{url_of(config)} is the build for {info.built_for.isoformat()}, not {expect}"
    raise Unreadable(problem)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator.publish.remote", description=__doc__)
    parser.add_argument("--site", default=".", help="the site's root (default: .)")
    parser.add_argument("--into", required=True, help="the folder to save build.json into")
    parser.add_argument("--expect", type=datetime.fromisoformat, help="the build's --now")
    # Up to 12 minutes: longer than the 10 a CDN in front of Pages may keep the old file.
    parser.add_argument("--attempts", type=int, default=25)
    parser.add_argument("--delay", type=float, default=30.0, help="seconds between attempts")
    args = parser.parse_args(argv)
    try:
        config = load_config(Path(args.site))
        expect = args.expect
        if expect is not None and expect.tzinfo is None:
            expect = expect.replace(tzinfo=config.tz)
        text = wait_for(config, expect, args.attempts, args.delay)
    except SiteError as error:
        print(error, file=sys.stderr)
        return 1
    except Unreadable as error:
        print(f"error: the deployed site cannot be read: {error}", file=sys.stderr)
        return 1
    write_atomically(Path(args.into) / buildinfo.PATH, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
