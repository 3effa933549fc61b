"""Worker processes: how many to start, how they start, and an in-order map over them.

Every parallel step (verifying, writing shards, making demo photos, exporting) starts its
processes through :func:`worker_pool`. Workers are never forked from this process, which may
run other threads (pyarrow's, OpenBLAS's, tqdm's, a caller's): a lock one of them holds at
the fork would stay held forever in the child. Where the platform has it, one server
process (``multiprocessing``'s forkserver) started for the purpose, single-threaded and with
the workers' modules already loaded (:data:`SERVER_PRELOAD`), forks each worker, so workers
start in a fraction of a second; elsewhere workers are spawned.
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


#: What the worker server loads before it forks any worker: the main script (``multiprocessing``
#: loads it first, so that workers need not each import it again: the command line's script
#: imports no library that starts threads), its single-thread settings, then the modules of the
#: work that starts the most workers (verifying, writing shards), and pandas, which pyarrow
#: loads in every worker at its first Arrow array from Python lists. Not ``datasets``: the
#: server serves only once all are loaded, and the verification's workers would wait for it.
SERVER_PRELOAD = (
    "__main__",
    "cat_breeds_vlm.workerserver",
    "cat_breeds_vlm.pipeline.verify",
    "cat_breeds_vlm.pipeline.shards",
    "pandas",
)


def process_context() -> multiprocessing.context.BaseContext:
    """How workers start: forked by the worker server where there is one, else spawned."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    start_server()
    return multiprocessing.get_context("forkserver")


def start_server() -> None:
    """Start the worker server now, if it is not running (it loads its modules meanwhile).

    A command that will need workers calls this early, so the server's imports overlap the
    command's own work; otherwise the first pool starts it. It serves this process until it
    exits, and stops with it.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    from multiprocessing import forkserver  # not on Windows

    multiprocessing.get_context("forkserver").set_forkserver_preload(list(SERVER_PRELOAD))
    with interrupts_held():  # the server and the resource tracker are started here
        forkserver.ensure_running()


def ignore_interrupts() -> None:
    """Run in every worker at start: Ctrl-C is the parent's to handle.

    A worker that took the SIGINT too would print its own traceback and could die holding the
    pool's queue lock, and the parent's clean-up would then wait for it forever.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C back while processes are started or stopped; it arrives as soon as they are.

    A SIGINT that lands inside ``multiprocessing``'s start-up or clean-up hooks is printed as
    "Exception ignored" and lost, and the command would run on as if nobody had pressed Ctrl-C.
    """
    if not hasattr(signal, "pthread_sigmask"):  # not on Windows
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _start_worker(initializer: Callable[..., object] | None, initargs: tuple) -> None:
    """Run in every pool worker at start: Ctrl-C left to the parent, the cycle collector on
    (a worker runs for long), then the pool's own ``initializer``."""
    ignore_interrupts()
    gc.enable()
    if initializer is not None:
        initializer(*initargs)


@contextlib.contextmanager
def worker_pool(
    num_proc: int, initializer: Callable[..., object] | None = None, initargs: tuple = ()
) -> Iterator[multiprocessing.pool.Pool]:
    """A pool of ``num_proc`` workers that leave Ctrl-C to this process, stopped at the end.

    Each worker runs ``initializer(*initargs)`` once as it starts (state every task of the
    pool shares). Leaving the block, however it is left (Ctrl-C included), stops the workers
    at once, even in the middle of a task: whatever they were doing is dropped.
    """
    with interrupts_held():
        pool = process_context().Pool(num_proc, initializer=_start_worker, initargs=(initializer, initargs))
    try:
        yield pool
    finally:
        with interrupts_held():  # a Ctrl-C now would leave the workers half stopped
            pool.terminate()
            pool.join()


def parallel_map(func: Callable[[T], R], items: Iterable[T], num_proc: int, chunksize: int = 1) -> Iterator[R]:
    """``map(func, items)``: here when ``num_proc <= 1`` or the items make one chunk at most
    (no faster in a worker, and no workers to start), else in ``num_proc`` processes, in order.

    Items go to the workers ``chunksize`` at a time. Unlike ``Pool.imap``, which reads its
    whole input ahead, this hands out one window of items while the workers work on the
    previous one, so memory is bounded by two windows whatever the input's length. Read it to
    the end (``zip(..., strict=True)``), so the workers stop in the caller's frame and a Ctrl-C
    there is raised, not lost in a garbage-collected generator.
    """
    item_iter = iter(items)
    first = list(itertools.islice(item_iter, chunksize + 1 if num_proc > 1 else 0))
    if len(first) <= chunksize:
        yield from map(func, itertools.chain(first, item_iter))
        return
    window = num_proc * chunksize * WINDOW_CHUNKS_PER_PROC
    item_iter = itertools.chain(first, item_iter)
    with worker_pool(num_proc) as pool:
        pending: deque[AsyncResult[list[R]]] = deque()
        while chunk := list(itertools.islice(item_iter, window)):
            pending.append(pool.map_async(func, chunk, chunksize=chunksize))
            if len(pending) > 1:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()
