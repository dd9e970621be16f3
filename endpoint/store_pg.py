"""PostgreSQL, for when one machine is not enough: psycopg 3 with a connection pool."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from endpoint.store import (
    SCHEMA,
    AlreadyReacted,
    Counts,
    RateLimited,
    StoreUnavailable,
    Vote,
    minute_now,
)

PG_SCHEMA = tuple(s.replace("BLOB", "BYTEA").replace("INTEGER", "BIGINT") for s in SCHEMA)
WAIT = 1.5  # seconds to wait for a connection before answering 503


class PostgresStore:
    kind = "postgresql"

    def __init__(self, url: str, max_size: int = 10) -> None:
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_size,
            timeout=WAIT,
            open=False,
            # A connection broken by a restart is found and replaced before use.
            check=ConnectionPool.check_connection,
            kwargs={"connect_timeout": 2, "application_name": "khabar-endpoint"},
        )
        self.swept = 0
        self.ready = False

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
        try:
            if not self.ready:
                self.pool.open(wait=False)
            with self.pool.connection(timeout=WAIT) as conn:
                if not self.ready:
                    self._create(conn)
                yield conn
        except (psycopg.OperationalError, PoolTimeout, psycopg.InterfaceError) as exc:
            raise StoreUnavailable(str(exc).strip() or type(exc).__name__) from exc

    def _create(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        with conn.transaction():
            # Two processes starting together must not both create the tables.
            conn.execute("SELECT pg_advisory_xact_lock(704215)")
            for statement in PG_SCHEMA:
                conn.execute(statement)
        self.ready = True

    def counts(self, pages: Sequence[str]) -> dict[str, Counts]:
        result: dict[str, Counts] = {page: {} for page in pages}
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT page, kind, n FROM counts WHERE page = ANY(%s)", (list(pages),)
            ).fetchall()
        for page, kind, n in rows:
            result[str(page)][str(kind)] = int(n)  # type: ignore[call-overload]
        return result

    def vote(self, vote: Vote) -> Counts:
        minute, retry_after = minute_now()
        with self._connection() as conn, conn.transaction():
            if vote.limit:
                self._sweep(conn, minute)
                row = conn.execute(
                    "INSERT INTO rate (client, minute, n) VALUES (%s, %s, 1)"
                    " ON CONFLICT (client, minute) DO UPDATE SET n = rate.n + 1 RETURNING n",
                    (vote.client, minute),
                ).fetchone()
                if row is not None and int(row[0]) > vote.limit:  # type: ignore[call-overload]
                    raise RateLimited(retry_after)
            inserted = conn.execute(
                "INSERT INTO votes (page, reader, kind) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                (vote.page, vote.reader, vote.kind),
            ).rowcount
            if inserted == 1:
                conn.execute(
                    "INSERT INTO counts (page, kind, n) VALUES (%s, %s, 1)"
                    " ON CONFLICT (page, kind) DO UPDATE SET n = counts.n + 1",
                    (vote.page, vote.kind),
                )
            rows = conn.execute(
                "SELECT kind, n FROM counts WHERE page = %s", (vote.page,)
            ).fetchall()
            counts = {str(kind): int(n) for kind, n in rows}  # type: ignore[call-overload]
            if inserted != 1:
                mine = conn.execute(
                    "SELECT kind FROM votes WHERE page = %s AND reader = %s",
                    (vote.page, vote.reader),
                ).fetchone()
        if inserted != 1:
            raise AlreadyReacted(str(mine[0]) if mine else "", counts)
        return counts

    def _sweep(self, conn: psycopg.Connection[tuple[object, ...]], minute: int) -> None:
        if self.swept != minute:
            conn.execute("DELETE FROM rate WHERE minute < %s", (minute - 1,))
            self.swept = minute

    def ping(self) -> None:
        with self._connection() as conn:
            conn.execute("SELECT 1")

    def close(self) -> None:
        self.pool.close()
