"""The workflow's own logic, run as the workflow runs it: the `run:` steps of its jobs, in
order, with their `env:`, against a deployed site over real HTTP, a git remote holding the
`state` branch, and the fake Telegram and VK APIs."""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import MINIMAL_SITE, ROOT, SiteDir
from tests.publish.conftest import CROSSPOST, TELEGRAM_TOKEN, VK_TOKEN, FakeAPI

WORKFLOW = ROOT / ".github/workflows/site.yml"
EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


def workflow() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return data


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class Job:
    def __init__(self) -> None:
        self.outputs: dict[str, str] = {}
        self.outcomes: dict[str, str] = {}
        self.failed: list[str] = []


def _condition(expression: str, job: Job) -> bool:
    """The `if:` of a step: the conjunctions of always() and steps.ID.outcome this
    workflow uses; no `if:` means success() so far."""
    terms = [t.strip() for t in EXPRESSION.sub(r"\1", expression).split("&&") if t.strip()]
    if "always()" not in terms and job.failed:
        return False
    for term in terms:
        found = re.fullmatch(r"steps\.([\w-]+)\.outcome == '(\w+)'", term)
        if term != "always()":
            assert found, f"the test cannot evaluate {term!r}"
            if job.outcomes.get(found.group(1)) != found.group(2):
                return False
    return True


class Runner:
    """Runs a job's `run:` steps in a site folder, as GitHub's runner would."""

    def __init__(self, site: Path, temp: Path, remote: Path) -> None:
        self.site, self.temps, self.remote = site, temp, remote
        self.temp = temp
        # The checkout has build.py and `make install`'s venv beside site.yaml.
        (site / ".venv").symlink_to(Path(sys.executable).parent.parent)
        (site / "build.py").symlink_to(ROOT / "build.py")

    def job(self, name: str, values: Mapping[str, str]) -> Job:
        """Each step in order; after a failure only the steps whose `if:` says always()."""
        result = Job()
        self.temp = self.temps / f"job-{len(list(self.temps.glob('job-*')))}"
        self.temp.mkdir()  # every job gets a fresh machine
        for step in workflow()["jobs"][name]["steps"]:
            if "run" not in step or step["run"].startswith("make "):
                continue  # `uses:` actions, and installing (the test's venv has it all)
            if not _condition(step.get("if", ""), result):
                continue
            output = self.temp / f"output-{step.get('id', 'step')}"
            output.write_text("")
            done = self.step(step, values, output)
            failed = done.returncode != 0 and not step.get("continue-on-error")
            result.outcomes[step.get("id", step["name"])] = "failure" if failed else "success"
            if failed:
                result.failed.append(f"{step['name']}: {done.stderr}")
            for line in output.read_text().splitlines():
                key, _, value = line.partition("=")
                result.outputs[f"{step.get('id')}.{key}"] = value
        return result

    def step(
        self, step: dict[str, Any], values: Mapping[str, str], output: Path
    ) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GH_"))}
        env.update(
            RUNNER_TEMP=str(self.temp),
            GITHUB_OUTPUT=str(output),
            GITHUB_RUN_ID="4242",
            GITHUB_SERVER_URL=f"file://{self.remote.parent}",  # the remote: a bare repository
            GITHUB_REPOSITORY=f"{self.remote.name.removesuffix('.git')}",
        )
        for key, value in (step.get("env") or {}).items():
            env[key] = EXPRESSION.sub(lambda m: values[m.group(1)], str(value))
        return subprocess.run(
            ["bash", "-e", "-c", step["run"]], cwd=self.site, env=env, capture_output=True,
            text=True, check=False, timeout=120,
        )  # fmt: skip


@pytest.fixture
def deployed(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A folder served over HTTP: where the 'deployed' site lives."""
    folder = tmp_path / "deployed"
    folder.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", folder
    server.shutdown()
    server.server_close()


@pytest.fixture
def runner(tmp_path: Path, deployed: tuple[str, Path]) -> Runner:
    url, _ = deployed
    site = SiteDir(tmp_path / "site")
    site.write("site.yaml", MINIMAL_SITE.replace("https://example.org/", url) + CROSSPOST)
    remote = tmp_path / "remotes" / "newsroom.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(remote)], check=True)
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    return Runner(site.root, temp, remote)


def moment(delta: timedelta = timedelta()) -> str:
    """A moment near the real now: the workflow's steps use the real clock."""
    return (datetime.now(UTC).replace(microsecond=0) + delta).isoformat()


def article(runner: Runner, name: str, date: str, **more: str) -> None:
    SiteDir(runner.site).article(
        f"content/ru/2026/{name}.md", title=name.title(), date=date, **more
    )


def deploy(runner: Runner, folder: Path, now: str) -> None:
    command = [sys.executable, str(ROOT / "build.py"), "build", "--site", str(runner.site),
               "--out", str(folder), "--now", now, "--cache", str(runner.temp / "cache")]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)


def decide(runner: Runner) -> tuple[dict[str, str], float]:
    started = time.perf_counter()
    job = runner.job("decide", {"github.token": ""})
    assert not job.failed, job.failed
    return job.outputs, time.perf_counter() - started


def announce(runner: Runner, built_for: str) -> Job:
    values = {
        "github.token": "",
        "needs.build.outputs.now": built_for,
        "secrets.TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "secrets.VK_TOKEN": VK_TOKEN,
    }
    return runner.job("crosspost", values)


def state_ledger(runner: Runner) -> dict[str, Any]:
    shown = subprocess.run(
        ["git", "--git-dir", str(runner.remote), "show", "state:ledger.json"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    data: dict[str, Any] = json.loads(shown.stdout)
    return data


def commits(runner: Runner) -> int:
    count = subprocess.run(
        ["git", "--git-dir", str(runner.remote), "rev-list", "--count", "state"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return int(count.stdout)


def test_a_scheduled_run_with_nothing_due_does_not_build(
    runner: Runner, deployed: tuple[str, Path]
) -> None:
    article(runner, "published", moment(-timedelta(hours=2)))
    article(runner, "tomorrow", moment(timedelta(days=1)))
    deploy(runner, deployed[1], moment(-timedelta(minutes=15)))
    outputs, seconds = decide(runner)
    assert outputs == {"decide.build": "false", "decide.crosspost": "false"}
    assert seconds < 30  # the whole job, checkout and install included, stays under a minute


def test_an_article_that_became_due_is_built(runner: Runner, deployed: tuple[str, Path]) -> None:
    article(runner, "due", moment(-timedelta(minutes=5)))
    deploy(runner, deployed[1], moment(-timedelta(minutes=15)))
    assert decide(runner)[0]["decide.build"] == "true"


def test_an_expiry_that_came_is_built(runner: Runner, deployed: tuple[str, Path]) -> None:
    article(runner, "old", moment(-timedelta(days=3)), expires=moment(-timedelta(minutes=1)))
    deploy(runner, deployed[1], moment(-timedelta(minutes=15)))
    assert decide(runner)[0]["decide.build"] == "true"


def test_a_run_delayed_by_hours_still_builds(runner: Runner, deployed: tuple[str, Path]) -> None:
    # GitHub skipped the runs between: the deployed build is from 5 hours ago.
    article(runner, "missed", moment(-timedelta(hours=4)))
    deploy(runner, deployed[1], moment(-timedelta(hours=5)))
    assert decide(runner)[0]["decide.build"] == "true"


def test_an_unreadable_deployed_site_is_built(runner: Runner, deployed: tuple[str, Path]) -> None:
    article(runner, "a", moment(-timedelta(days=1)))
    assert decide(runner)[0]["decide.build"] == "true"  # nothing deployed yet: 404
    deploy(runner, deployed[1], moment(-timedelta(minutes=15)))
    (deployed[1] / "build.json").write_text("<html>a proxy's error page</html>")
    assert decide(runner)[0]["decide.build"] == "true"


def test_a_site_that_cannot_be_reached_is_built(tmp_path: Path) -> None:
    site = SiteDir(tmp_path / "site")
    site.write("site.yaml", MINIMAL_SITE.replace("https://example.org/", "http://127.0.0.1:9/"))
    runner = Runner(site.root, tmp_path, tmp_path / "none.git")
    assert decide(runner)[0]["decide.build"] == "true"


def test_a_deploy_that_failed_after_a_push_is_built(
    runner: Runner, deployed: tuple[str, Path]
) -> None:
    article(runner, "a", moment(-timedelta(days=1)))
    deploy(runner, deployed[1], moment(-timedelta(minutes=15)))
    # A push changed an article, but its run never deployed: the inputs differ.
    article(runner, "a", moment(-timedelta(days=1)), lead="Исправлено.")
    assert decide(runner)[0]["decide.build"] == "true"


@pytest.mark.slow
def test_the_crosspost_job_announces_once_and_keeps_the_ledger_on_the_state_branch(
    runner: Runner, deployed: tuple[str, Path], api: FakeAPI
) -> None:
    article(runner, "fresh", moment(-timedelta(hours=1)))
    article(runner, "older", moment(-timedelta(days=3)))
    built_for = moment(-timedelta(minutes=1))
    deploy(runner, deployed[1], built_for)
    job = announce(runner, built_for)
    assert not job.failed, job.failed
    assert [(c.network, c.method) for c in api.posted()] == [
        ("telegram", "sendMessage"),
        ("vk", "wall.post"),
    ]
    assert [p["article"] for p in state_ledger(runner)["posts"]] == ["ru:2026/fresh"] * 2
    assert commits(runner) == 1
    # The next run (a rerun, or the next deploy): nothing twice, no empty commit.
    job = announce(runner, built_for)
    assert not job.failed and len(api.calls) == 2 and commits(runner) == 1


def test_crosspost_waits_for_the_deploy_it_follows(
    runner: Runner, deployed: tuple[str, Path], api: FakeAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    article(runner, "fresh", moment(-timedelta(hours=1)))
    deploy(runner, deployed[1], moment(-timedelta(minutes=30)))
    monkeypatch.setattr(Runner, "step", _quick(Runner.step))
    job = announce(runner, moment(-timedelta(minutes=1)))  # the site still serves the old one
    assert job.failed and "Read the deployed build.json" in job.failed[0]
    assert "is the build for" in job.failed[0]
    assert api.calls == []  # no announcement of a site that is not live
    with pytest.raises(subprocess.CalledProcessError):
        commits(runner)  # and the ledger was never fetched, so nothing was pushed


def _quick(step: Any) -> Any:
    """The remote step with a short wait, so that the test does not wait 3 minutes."""

    def run(self: Runner, item: dict[str, Any], values: Mapping[str, str], out: Path) -> Any:
        if "generator.publish.remote" in item.get("run", ""):
            item = {**item, "run": item["run"] + " --attempts 2 --delay 0.1"}
        return step(self, item, values, out)

    return run


@pytest.mark.slow
def test_failed_posts_bring_a_crosspost_run_without_a_build(
    runner: Runner, deployed: tuple[str, Path], api: FakeAPI
) -> None:
    article(runner, "fresh", moment(-timedelta(hours=1)))
    built_for = moment(-timedelta(minutes=1))
    deploy(runner, deployed[1], built_for)
    api.script("vk", (500, {}))
    job = announce(runner, built_for)
    assert len(job.failed) == 1 and job.failed[0].startswith("Announce in Telegram and VK")
    # The ledger step ran all the same (always()): the post made and the failure are kept.
    ledger = state_ledger(runner)
    assert [p["network"] for p in ledger["posts"]] == ["telegram"]
    assert [f["network"] for f in ledger["failed"]] == ["vk"]
    # The next scheduled run: nothing to build, but a crosspost run to retry.
    assert decide(runner)[0] == {"decide.build": "false", "decide.crosspost": "true"}
    job = announce(runner, built_for)
    assert not job.failed and [c.network for c in api.posted()] == ["telegram", "vk"]
    assert decide(runner)[0] == {"decide.build": "false", "decide.crosspost": "false"}


def test_the_jobs_are_wired_as_the_decision_says() -> None:
    jobs = workflow()["jobs"]
    assert jobs["decide"]["if"] == "github.event_name == 'schedule'"
    assert "needs.decide.outputs.build == 'true'" in jobs["build"]["if"]
    assert "needs.decide.result != 'success'" in jobs["build"]["if"]  # a failed decision builds
    assert jobs["deploy"]["needs"] == "build"
    crosspost = jobs["crosspost"]
    assert "needs.deploy.result == 'success'" in crosspost["if"]
    assert "needs.decide.outputs.crosspost == 'true'" in crosspost["if"]
    assert crosspost["concurrency"] == {"group": "crosspost", "cancel-in-progress": False}
    assert crosspost["permissions"] == {"contents": "write"}
    secrets = [s for s in crosspost["steps"] if "secrets" in str(s.get("env"))]
    assert [s["name"] for s in secrets] == ["Announce in Telegram and VK"]  # tokens: one step


def test_no_post_without_the_ledger(
    runner: Runner, deployed: tuple[str, Path], api: FakeAPI
) -> None:
    article(runner, "fresh", moment(-timedelta(hours=1)))
    built_for = moment(-timedelta(minutes=1))
    deploy(runner, deployed[1], built_for)
    runner.remote = runner.remote.with_name("gone.git")  # the remote cannot be asked
    job = announce(runner, built_for)
    assert len(job.failed) == 1 and job.failed[0].startswith("Fetch the ledger")
    assert api.calls == []  # a lost ledger is never taken for an empty one
