"""Worker processes: how many to start, how they start, and an in-order map over them.

Every parallel step (verifying, writing shards, making demo photos, exporting) starts its
processes the same way: forked where the platform can fork, so a worker inherits the loaded
libraries instead of importing ``datasets`` again, else spawned.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import multiprocessing
import multiprocessing.context
import multiprocessing.pool
import os
import signal
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


def ignore_interrupts() -> None:
    """Run in every worker at start: Ctrl-C is the parent's to handle.

    A worker that took the SIGINT too would print its own traceback and could die holding the
    pool's queue lock, and the parent's clean-up would then wait for it forever.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C back while processes are forked; it arrives as soon as they are started.

    A SIGINT that lands inside ``fork``'s clean-up hooks is printed as "Exception ignored"
    and lost, and the command would run on as if nobody had pressed Ctrl-C.
    """
    if not hasattr(signal, "pthread_sigmask"):  # no fork there either
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _start_worker() -> None:
    """Run in every pool worker at start: Ctrl-C left to the parent, the cycle collector on
    (the parent may have paused its own while it makes many objects; a worker runs for long)."""
    ignore_interrupts()
    gc.enable()


def start_pool(num_proc: int) -> multiprocessing.pool.Pool:
    """A pool of ``num_proc`` workers that leave Ctrl-C to this process."""
    with interrupts_held():
        return process_context().Pool(num_proc, initializer=_start_worker)


def parallel_map(func: Callable[[T], R], items: Iterable[T], num_proc: int, chunksize: int = 1) -> Iterator[R]:
    """``map(func, items)``: here when ``num_proc <= 1``, else in that many processes, in order.

    Items go to the workers ``chunksize`` at a time. Unlike ``Pool.imap``, which reads its
    whole input ahead, this hands out one window of items while the workers work on the
    previous one, so memory is bounded by two windows whatever the input's length. Read it to
    the end (``zip(..., strict=True)``), so the workers stop in the caller's frame and a Ctrl-C
    there is raised, not lost in a garbage-collected generator.
    """
    if num_proc <= 1:
        yield from map(func, items)
        return
    window = num_proc * chunksize * WINDOW_CHUNKS_PER_PROC
    item_iter = iter(items)
    pool = start_pool(num_proc)
    try:
        pending: deque[AsyncResult[list[R]]] = deque()
        while chunk := list(itertools.islice(item_iter, window)):
            pending.append(pool.map_async(func, chunk, chunksize=chunksize))
            if len(pending) > 1:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()
    finally:
        with interrupts_held():  # a Ctrl-C now would leave the workers half stopped
            pool.terminate()
            pool.join()
