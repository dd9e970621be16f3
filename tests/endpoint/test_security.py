"""Stuffing is not cheap and nothing identifying is kept."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from endpoint.settings import Settings
from tests.endpoint.conftest import Api, settings_for

PAGE = "/news/society/secure/"
READER = "5b0c7a1e-3d2f-4a9b-8c7d-6e5f4a3b2c1d"
USER_AGENT = "Mozilla/5.0 (KhabarTest) UniqueAgent/4242"


def test_rate_limit_per_client_ip(database_url: str, serve_app: Callable[[Settings], Api]) -> None:
    api = serve_app(settings_for(database_url, rate_limit=5))
    statuses = [api.react(PAGE, "like", str(uuid.uuid4())).status for _ in range(7)]
    assert statuses == [201] * 5 + [429] * 2
    limited = api.react(PAGE, "like", str(uuid.uuid4()))
    assert limited.status == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.json()["error"] == "too_many_requests"
    assert sum(api.counts(PAGE)[PAGE].values()) == 5


def test_a_forged_forwarded_for_does_not_dodge_the_limit(
    database_url: str, serve_app: Callable[[Settings], Api]
) -> None:
    api = serve_app(settings_for(database_url, rate_limit=3))
    statuses = [
        api.react(PAGE, "like", str(uuid.uuid4()), **{"X-Forwarded-For": f"203.0.113.{i}"}).status
        for i in range(6)
    ]
    assert statuses == [201] * 3 + [429] * 3


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(
    database_url: str, serve_app: Callable[[Settings], Api]
) -> None:
    api = serve_app(settings_for(database_url, rate_limit=2, trust_proxy=1))
    # The proxy appends the address it saw; what the client put before it is not believed.
    for client in ("198.51.100.1", "198.51.100.2"):
        statuses = [
            api.react(
                PAGE, "like", str(uuid.uuid4()), **{"X-Forwarded-For": f"10.9.9.{i}, {client}"}
            ).status
            for i in range(3)
        ]
        assert statuses == [201, 201, 429], client


def test_rate_limit_zero_turns_it_off(
    database_url: str, serve_app: Callable[[Settings], Api]
) -> None:
    api = serve_app(settings_for(database_url, rate_limit=0))
    assert all(api.react(PAGE, "like", str(uuid.uuid4())).status == 201 for _ in range(40))


def test_the_store_holds_no_ip_user_agent_or_reader_id(
    database_url: str, serve_app: Callable[[Settings], Api], request
) -> None:  # type: ignore[no-untyped-def]
    api = serve_app(settings_for(database_url, rate_limit=30, trust_proxy=1))
    assert (
        api.react(
            PAGE, "like", READER, **{"User-Agent": USER_AGENT, "X-Forwarded-For": "198.51.100.77"}
        ).status
        == 201
    )
    assert api.react(PAGE, "love", READER.upper(), **{"User-Agent": USER_AGENT}).status == 409
    api.app.store.close()
    raw = _all_bytes(database_url, request)
    assert raw, "nothing was read from the store"
    assert PAGE.encode() in raw  # the search does see the data
    for secret in (
        READER,
        READER.upper(),
        READER.replace("-", ""),
        "198.51.100.77",
        "127.0.0.1",
        "UniqueAgent",
        USER_AGENT,
    ):
        assert secret.encode() not in raw, secret
    assert bytes.fromhex(READER.replace("-", "")) not in raw


def _all_bytes(database_url: str, request) -> bytes:  # type: ignore[no-untyped-def]
    """Every byte of the database: the SQLite files, or a PostgreSQL dump."""
    if database_url.startswith("sqlite:///"):
        from pathlib import Path

        path = Path(database_url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    cluster = request.getfixturevalue("pg_cluster")
    return cluster.dump(database_url.rsplit("/", 1)[1])  # type: ignore[no-any-return]
