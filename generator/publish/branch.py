"""The ledger's home: a branch of its own (default `state`) in the site's repository.

    python -m generator.publish.branch fetch --dir DIR [--remote URL] [--branch state]
    python -m generator.publish.branch push --dir DIR [--remote URL] [--branch state]

`fetch` makes DIR a copy of the branch, or an empty repository when the branch does not
exist yet (the first run); a remote that cannot be asked is an error, because crosspost
must never run without its ledger. `push` commits what changed in DIR and pushes it.

In GitHub Actions the remote defaults to the workflow's repository, reached with the token
in GH_TOKEN, which is handed to git through its environment, never on a command line.
"""

from __future__ import annotations

import argparse
import base64
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

MISSING = 2  # `git ls-remote --exit-code` when no ref matched
BOT = ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")


class GitFailed(Exception):
    pass


def git(*args: str, cwd: Path | None = None, ok: tuple[int, ...] = (0,)) -> int:
    """Run git quietly; its exit code when it is one of `ok`, else GitFailed with its output."""
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=_environment(), capture_output=True, text=True, check=False
    )
    if done.returncode not in ok:
        raise GitFailed(f"git {args[0]} failed ({done.returncode}): {done.stderr.strip()}")
    return done.returncode


def _environment() -> dict[str, str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    token = os.environ.get("GH_TOKEN", "")
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
    if token:
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        env.update(
            GIT_CONFIG_COUNT="1",
            GIT_CONFIG_KEY_0=f"http.{server}/.extraheader",
            GIT_CONFIG_VALUE_0=f"AUTHORIZATION: basic {basic}",
        )
    return env


def fetch(remote: str, branch: str, folder: Path) -> bool:
    """True when the branch existed and is now in `folder`; False when it is new."""
    if folder.exists() and any(folder.iterdir()):
        raise GitFailed(f"{folder} is not empty")
    found = git("ls-remote", "--exit-code", "--heads", remote, branch, ok=(0, MISSING))
    if found == MISSING:
        git("init", "--quiet", f"--initial-branch={branch}", str(folder))
        return False
    options = ("--quiet", "--depth=1", f"--branch={branch}", "--single-branch")
    git("clone", *options, remote, str(folder))
    return True


def push(remote: str, branch: str, folder: Path, message: str, attempts: int = 3) -> bool:
    """True when something was committed and pushed; False when nothing had changed."""
    git("add", "--all", cwd=folder)
    if git("diff", "--cached", "--quiet", cwd=folder, ok=(0, 1)) == 0:
        return False
    name, email = BOT
    author = ("-c", f"user.name={name}", "-c", f"user.email={email}")
    git(*author, "commit", "--quiet", "-m", message, cwd=folder)
    for attempt in range(attempts):
        try:
            git("push", "--quiet", remote, f"HEAD:refs/heads/{branch}", cwd=folder)
            return True
        except GitFailed:
            if attempt == attempts - 1:
                raise
            time.sleep(5 * (attempt + 1))
    return True


def default_remote() -> str | None:
    repository = os.environ.get("GITHUB_REPOSITORY")
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
    return f"{server}/{repository}.git" if repository else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator.publish.branch", description=__doc__)
    parser.add_argument("action", choices=["fetch", "push"])
    parser.add_argument("--dir", required=True, help="the working copy of the branch")
    parser.add_argument("--remote", default=default_remote(), help="default: this repository")
    parser.add_argument("--branch", default="state")
    parser.add_argument("--message", default="Ledger of the announcements")
    args = parser.parse_args(argv)
    if not args.remote:
        parser.error("--remote is needed outside GitHub Actions")
    folder = Path(args.dir)
    try:
        if args.action == "fetch":
            found = fetch(args.remote, args.branch, folder)
            print(f"branch {args.branch}: " + ("fetched" if found else "new"), file=sys.stderr)
        else:
            pushed = push(args.remote, args.branch, folder, args.message)
            done = "pushed" if pushed else "unchanged"
            print(f"branch {args.branch}: {done}", file=sys.stderr)
    except GitFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
