"""Worker processes: how many to start, how they start, and an in-order map over them.

Every parallel step (verifying, writing shards, making demo photos, exporting) starts its
processes the same way: forked where the platform can fork, so a worker inherits the loaded
libraries instead of importing ``datasets`` again, else spawned.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import os
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def default_num_proc() -> int:
    """One worker per core the process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def process_context() -> multiprocessing.context.BaseContext:
    """Fork where there is fork (no re-import of datasets in every worker), else spawn."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def parallel_map(
    func: Callable[[T], R], items: Sequence[T], num_proc: int, chunksize: int = 1
) -> Iterator[R]:
    """``map(func, items)``: here when ``num_proc <= 1``, else in that many processes, in order.

    Items go to the workers ``chunksize`` at a time; results come back as they are ready.
    """
    if num_proc <= 1:
        yield from map(func, items)
        return
    with process_context().Pool(num_proc) as pool:
        yield from pool.imap(func, items, chunksize=chunksize)
