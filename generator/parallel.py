"""Work spread over processes. Forked workers inherit the parent's objects (the site, the
renderer), so only small task lists and the results cross process boundaries."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
MIN_PARALLEL = 64  # below this, starting processes costs more than it saves


# The one job a pool of forked workers runs: set just before the fork, read in the workers.
_work: Callable[[Sequence[Any]], list[Any]] | None = None


def _run(chunk: Sequence[Any]) -> list[Any]:
    assert _work is not None, "a worker runs only inside map_chunks"
    return _work(chunk)


def map_chunks(
    work: Callable[[Sequence[T]], list[R]], items: Sequence[T], jobs: int, chunk: int = 0
) -> Iterator[R]:
    """work(chunk) for chunks of items, in order; in `jobs` forked processes when it pays.
    `work` may be a closure or a bound method: it is inherited by the fork, never pickled.
    `chunk` fixes the items per task for costly items (a photo is worth a process)."""
    few = len(items) <= chunk if chunk else len(items) < MIN_PARALLEL
    if jobs <= 1 or few or not _can_fork():
        yield from work(items)
        return
    size = chunk or max(16, len(items) // (jobs * 8))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    context = multiprocessing.get_context("fork")
    global _work
    _work = work
    # Frozen objects are never visited by the workers' garbage collector, so the pages
    # they share with the parent stay shared instead of being copied (peak memory). The
    # workers collect their own garbage (a build pauses the collector: see pipeline).
    gc.freeze()
    try:
        with context.Pool(jobs, initializer=gc.enable) as pool:
            results: list[R]
            for results in pool.imap(_run, chunks):
                yield from results
    finally:
        gc.unfreeze()
        _work = None


def _can_fork() -> bool:
    return hasattr(os, "fork") and "fork" in multiprocessing.get_all_start_methods()
