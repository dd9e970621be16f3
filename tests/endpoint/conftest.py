"""Fixtures for the reactions endpoint: real SQLite files, a real PostgreSQL cluster started
for the test run (../shared/toolbox.md), and the app behind a real HTTP server."""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from bench import pgcluster
from bench.pgcluster import PG_BIN, Cluster
from endpoint.__main__ import QuietHandler, ThreadingServer
from endpoint.app import EndpointApp, create_app
from endpoint.settings import Settings

SECRET = b"test-secret-0123456789"
ORIGIN = "https://chistopol-inform.example.org"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """A throwaway PostgreSQL cluster for the whole run (../shared/toolbox.md)."""
    if not pgcluster.available():
        pytest.skip(f"PostgreSQL is not installed ({PG_BIN}); .ci/run installs it")
    cluster = Cluster.create()
    yield cluster
    cluster.destroy()


_databases = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database per test, of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'reactions.sqlite3'}"
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    name = f"test_{os.getpid()}_{next(_databases)}"
    cluster.sql(f"CREATE DATABASE {name}")
    return cluster.url(name)


def settings_for(database_url: str, **changes: Any) -> Settings:
    base = Settings(
        database_url=database_url, allowed_origins=frozenset({ORIGIN}), secret=SECRET, rate_limit=0
    )
    return replace(base, **changes)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Api:
    """A client speaking real HTTP to a running app."""

    def __init__(self, base: str, app: EndpointApp, server: ThreadingServer | None = None) -> None:
        self.base = base
        self.app = app
        self.server = server

    def stop(self) -> None:
        """Stop serving: the next request is refused, as when the endpoint is down."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        request = urllib.request.Request(
            self.base + path, data=body, method=method, headers=headers or {}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return Reply(
                    answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
                )
        except urllib.error.HTTPError as error:
            with error:
                return Reply(
                    error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()
                )

    def react(self, page: str, reaction: str, reader: str, **headers: str) -> Reply:
        body = json.dumps({"page": page, "reaction": reaction, "reader": reader}).encode()
        sent = {"Content-Type": "application/json", "Origin": ORIGIN, **headers}
        return self.request("POST", "/api/reactions", body, sent)

    def counts(self, *pages: str) -> dict[str, dict[str, int]]:
        from urllib.parse import urlencode

        reply = self.request("GET", "/api/reactions?" + urlencode([("page", p) for p in pages]))
        assert reply.status == 200, reply.body
        return reply.json()["pages"]  # type: ignore[no-any-return]


@pytest.fixture
def serve_app() -> Iterator[Callable[[Settings], Api]]:
    """Start the app built from the given settings behind a threaded HTTP server."""
    started: list[Api] = []

    def start(settings: Settings) -> Api:
        app = create_app(settings)
        server = ThreadingServer(("127.0.0.1", 0), QuietHandler)
        server.set_app(app)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        api = Api(f"http://127.0.0.1:{server.server_port}", app, server)
        started.append(api)
        return api

    yield start
    for api in started:
        api.stop()
        api.app.store.close()


@pytest.fixture
def api(database_url: str, serve_app: Callable[[Settings], Api]) -> Api:
    return serve_app(settings_for(database_url))


def wait_until(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()
