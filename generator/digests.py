"""Content hashes of the site's files, without reading every file on every build.

A hash is reused while the file's size, mtime, ctime and inode are those seen when it was
hashed, and only if the file had not been modified in the two seconds before that: a write
in the same clock tick as the hashing could otherwise go unseen (git's "racy clean" rule).
Any write changes ctime, which no editor or tool can set back, so a reused hash is the hash
of the bytes on disk.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

RACY_NS = 2_000_000_000
CHUNK = 1 << 20


@dataclass(frozen=True)
class Seen:
    size: int
    mtime: int
    ctime: int
    inode: int
    digest: str
    at: int  # when the file was hashed (ns)


def hash_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Digests:
    def __init__(self, known: dict[str, Seen]) -> None:
        self.known = known
        self.seen: dict[str, Seen] = {}  # this build's, to be kept for the next

    def of(self, path: Path | str) -> str:
        key = str(path)
        stat = os.stat(path)
        last = self.known.get(key)
        if last is not None and _same(last, stat) and last.mtime < last.at - RACY_NS:
            self.seen[key] = last
            return last.digest
        h = hashlib.sha256()
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                h.update(chunk)
        self.remember(path, stat, h.hexdigest())
        return h.hexdigest()

    def remember(self, path: Path | str, stat: os.stat_result, digest: str) -> None:
        self.seen[str(path)] = Seen(
            stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, digest, time.time_ns()
        )


def _same(last: Seen, stat: os.stat_result) -> bool:
    now = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
    return now == (last.size, last.mtime, last.ctime, last.inode)
