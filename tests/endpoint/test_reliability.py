"""No count lost or doubled under concurrency; 503 with Retry-After while the store is down."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from endpoint.app import open_store
from endpoint.settings import Settings
from endpoint.store import AlreadyReacted, Vote
from tests.endpoint.conftest import Api, Cluster, settings_for, wait_until

PAGE = "/news/society/stress/"


def test_64_readers_at_once(api: Api) -> None:
    kinds = ["like", "love", "laugh", "wow", "sad"]

    def one(i: int) -> int:
        return api.react(PAGE, kinds[i % 5], str(uuid.uuid4())).status

    with ThreadPoolExecutor(64) as pool:
        statuses = list(pool.map(one, range(256)))
    assert all(s < 500 for s in statuses), sorted(set(statuses))
    created = statuses.count(201)
    assert created == 256
    counts = api.counts(PAGE)[PAGE]
    assert sum(counts.values()) == created
    assert counts == {k: 256 // 5 + (1 if i < 256 % 5 else 0) for i, k in enumerate(kinds)}


def test_one_reader_racing_100_posts_counts_once(api: Api) -> None:
    me = str(uuid.uuid4())
    with ThreadPoolExecutor(100) as pool:
        statuses = list(
            pool.map(lambda i: api.react(PAGE, ["like", "love"][i % 2], me).status, range(100))
        )
    assert statuses.count(201) == 1
    assert statuses.count(409) == 99
    assert sum(api.counts(PAGE)[PAGE].values()) == 1


class VotesMachine(RuleBasedStateMachine):
    """Whatever readers do, the sum of counts equals the number of accepted votes."""

    url = ""

    @initialize()
    def open(self) -> None:
        _truncate(self.url)  # every example starts from an empty store
        self.store = open_store(self.url)
        self.accepted: dict[tuple[str, bytes], str] = {}

    @rule(
        page=st.sampled_from(["/a/", "/b/", "/tt/җ/"]),
        reader=st.integers(0, 6),
        kind=st.sampled_from(["like", "sad", "wow"]),
    )
    def vote(self, page: str, reader: int, kind: str) -> None:
        key = f"reader-{reader}".encode().ljust(16, b".")
        try:
            self.store.vote(Vote(page, key, kind, b"c" * 16, 0))
            assert (page, key) not in self.accepted
            self.accepted[(page, key)] = kind
        except AlreadyReacted as done:
            assert self.accepted[(page, key)] == done.mine

    @invariant()
    def sums_match(self) -> None:
        if not hasattr(self, "store"):
            return
        counts = self.store.counts(["/a/", "/b/", "/tt/җ/"])
        for page, per_kind in counts.items():
            expected = [k for (p, _), k in self.accepted.items() if p == page]
            assert sum(per_kind.values()) == len(expected)
            assert all(per_kind.get(k, 0) == expected.count(k) for k in ("like", "sad", "wow"))

    def teardown(self) -> None:
        if hasattr(self, "store"):
            self.store.close()


def test_state_machine_sum_of_counts_is_votes(database_url: str) -> None:
    store = open_store(database_url)
    store.ping()  # creates the tables
    store.close()
    machine = type("Machine", (VotesMachine,), {"url": database_url})
    runner = machine.TestCase
    runner.settings = hypothesis_settings(max_examples=25, stateful_step_count=30, deadline=None)
    runner().runTest()


def _truncate(url: str) -> None:
    if url.startswith("sqlite:///"):
        import sqlite3

        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        db.executescript("DELETE FROM votes; DELETE FROM counts; DELETE FROM rate;")
        db.close()
    else:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("TRUNCATE votes, counts, rate")


def _timed_react(api: Api) -> tuple[int, float, dict[str, str]]:
    started = time.monotonic()
    reply = api.react(PAGE, "like", str(uuid.uuid4()))
    return reply.status, time.monotonic() - started, reply.headers


def test_postgresql_down_gives_503_then_recovers(
    pg_cluster: Cluster, serve_app: Callable[[Settings], Api]
) -> None:
    pg_cluster.sql("DROP DATABASE IF EXISTS downtime")
    pg_cluster.sql("CREATE DATABASE downtime")
    api = serve_app(settings_for(pg_cluster.url("downtime")))
    assert api.react(PAGE, "like", str(uuid.uuid4())).status == 201
    pg_cluster.stop()
    try:
        for _ in range(3):
            status, seconds, headers = _timed_react(api)
            assert status == 503 and seconds <= 2.0, (status, seconds)
            assert headers["retry-after"].isdigit()
        assert api.request("GET", "/api/health").status == 503
        assert api.request("GET", "/api/reactions?page=/a/").status == 503
    finally:
        pg_cluster.start()
    assert wait_until(lambda: api.react(PAGE, "love", str(uuid.uuid4())).status == 201, 20)
    assert sum(api.counts(PAGE)[PAGE].values()) == 2


def test_sqlite_read_only_gives_503_then_recovers(
    tmp_path: Path, serve_app: Callable[[Settings], Api]
) -> None:
    path = tmp_path / "reactions.sqlite3"
    api = serve_app(settings_for(f"sqlite:///{path}"))
    assert api.react(PAGE, "like", str(uuid.uuid4())).status == 201
    # Root ignores permission bits; the immutable attribute stops even root from writing.
    # Only the database file: SQLite's shared-memory index must stay mappable to read.
    files = [path]
    if subprocess.run(
        ["chattr", "+i", *map(str, files)], capture_output=True, check=False
    ).returncode:
        pytest.skip("chattr +i is not possible on this file system")
    try:
        status, seconds, headers = _timed_react(api)
        assert status == 503 and seconds <= 2.0, (status, seconds)
        assert headers["retry-after"].isdigit()
        assert api.counts(PAGE)[PAGE]["like"] == 1  # reading still works
    finally:
        subprocess.run(["chattr", "-i", *map(str, files)], check=True)
    assert api.react(PAGE, "love", str(uuid.uuid4())).status == 201
    assert sum(api.counts(PAGE)[PAGE].values()) == 2
