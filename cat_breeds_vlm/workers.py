"""Worker processes: how many to start, how they start, and an in-order map over them.

Every parallel step (verifying, writing shards, making demo photos, exporting) starts its
processes the same way: forked where the platform can fork, so a worker inherits the loaded
libraries instead of importing ``datasets`` again, else spawned.
"""

from __future__ import annotations

import itertools
import multiprocessing
import multiprocessing.context
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.pool import AsyncResult
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Chunks per worker in one window of items handed out at a time (see :func:`parallel_map`).
WINDOW_CHUNKS_PER_PROC = 4


def default_num_proc() -> int:
    """One worker per core the process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def process_context() -> multiprocessing.context.BaseContext:
    """Fork where there is fork (no re-import of datasets in every worker), else spawn."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def parallel_map(
    func: Callable[[T], R], items: Iterable[T], num_proc: int, chunksize: int = 1
) -> Iterator[R]:
    """``map(func, items)``: here when ``num_proc <= 1``, else in that many processes, in order.

    Items go to the workers ``chunksize`` at a time. Unlike ``Pool.imap``, which reads its
    whole input ahead, this hands out one window of items while the workers work on the
    previous one, so memory is bounded by two windows whatever the input's length.
    """
    if num_proc <= 1:
        yield from map(func, items)
        return
    window = num_proc * chunksize * WINDOW_CHUNKS_PER_PROC
    item_iter = iter(items)
    with process_context().Pool(num_proc) as pool:
        pending: deque[AsyncResult[list[R]]] = deque()
        while chunk := list(itertools.islice(item_iter, window)):
            pending.append(pool.map_async(func, chunk, chunksize=chunksize))
            if len(pending) > 1:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()
