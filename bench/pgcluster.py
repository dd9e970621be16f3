"""A throwaway PostgreSQL cluster on loopback (initdb refuses root, so it runs as `postgres`).

Shared by the test suite and the reactions benchmark.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path(os.environ.get("KHABAR_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    folder: Path
    port: int

    @classmethod
    def create(cls) -> Cluster:
        folder = Path(tempfile.mkdtemp(prefix="khabar-pg-"))
        shutil.chown(folder, "postgres")
        _as_postgres(
            "initdb", "-D", str(folder / "data"), "-A", "trust", "-U", "postgres", "--no-sync",
            "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        cluster = cls(folder, free_port())
        cluster.start()
        return cluster

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = f"-k {self.folder} -h 127.0.0.1 -p {self.port} -F -c max_connections=200"
        self._ctl("-o", options, "-l", str(self.folder / "log"), "-w", "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def sql(self, statement: str, database: str = "postgres") -> str:
        return _as_postgres(
            "psql", "-h", "127.0.0.1", "-p", str(self.port), "-d", database, "-At", "-c", statement
        )

    def dump(self, database: str) -> bytes:
        result = subprocess.run(
            ["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_dump"), "-h", "127.0.0.1",
             "-p", str(self.port), "-d", database],
            capture_output=True, check=True, timeout=60,
        )  # fmt: skip
        return result.stdout

    def _ctl(self, *args: str) -> None:
        _as_postgres("pg_ctl", "-D", str(self.folder / "data"), *args)


def available() -> bool:
    return (PG_BIN / "initdb").exists() and shutil.which("runuser") is not None


def _as_postgres(tool: str, *args: str) -> str:
    result = subprocess.run(
        ["runuser", "-u", "postgres", "--", str(PG_BIN / tool), *args],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return result.stdout
