"""Work spread over processes. Forked workers inherit the parent's state (the site, the
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
_STATE: dict[str, Any] = {}  # what forked workers read: set just before the pool starts


def state() -> dict[str, Any]:
    return _STATE


def map_chunks(
    work: Callable[[Sequence[T]], list[R]],
    items: Sequence[T],
    jobs: int,
    chunk: int = 0,
    **shared: Any,
) -> Iterator[R]:
    """work(chunk) for chunks of items, in order; in `jobs` forked processes when it pays.
    `chunk` fixes the items per task for costly items (a photo is worth a process)."""
    _STATE.clear()
    _STATE.update(shared)
    few = len(items) <= chunk if chunk else len(items) < MIN_PARALLEL
    if jobs <= 1 or few or not _can_fork():
        yield from work(items)
        return
    size = chunk or max(16, len(items) // (jobs * 8))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    context = multiprocessing.get_context("fork")
    # Frozen objects are never visited by the workers' garbage collector, so the pages
    # they share with the parent stay shared instead of being copied (peak memory).
    gc.freeze()
    try:
        with context.Pool(jobs) as pool:
            for results in pool.imap(work, chunks):
                yield from results
    finally:
        gc.unfreeze()


def _can_fork() -> bool:
    return hasattr(os, "fork") and "fork" in multiprocessing.get_all_start_methods()
