"""Worker processes: Ctrl-C is the parent's, raised in the caller, and never hangs the pool;
workers are never forked from a process that runs other threads."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from conftest import interruptible

from cat_breeds_vlm.workers import parallel_map

SLOW_MAP = textwrap.dedent(
    """
    import os, sys, time
    from cat_breeds_vlm.workers import parallel_map

    def slow(x):
        end = time.monotonic() + 0.05
        while time.monotonic() < end:  # busy, as real work is: a signal lands at once
            pass
        return os.getpid()

    if __name__ == "__main__":
        done, workers = 0, set()
        try:
            for pid in parallel_map(slow, range(10_000), num_proc=2):
                done += 1
                workers.add(pid)
                if done == 1:
                    print("started", flush=True)
        except KeyboardInterrupt:
            print("interrupted", done, *sorted(workers), flush=True)
            sys.exit(130)
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_ctrl_c_stops_a_parallel_map_at_once_without_worker_tracebacks(tmp_path: Path) -> None:
    script = tmp_path / "slow_map.py"
    script.write_text(SLOW_MAP)
    child = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=interruptible,
    )
    assert child.stdout is not None and child.stdout.readline() == "started\n"
    os.killpg(child.pid, signal.SIGINT)  # as a terminal's Ctrl-C: to every process of the group
    out, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    word, done, *workers = out.split()
    assert word == "interrupted" and int(done) < 10_000 and workers
    assert not [pid for pid in map(int, workers) if _alive(pid)]  # stopped, not left running the rest
    assert "Traceback" not in err and "KeyboardInterrupt" not in err  # the workers ignored it


def parent_of_worker(_: int) -> tuple[int, int]:
    """In a worker: the process that forked it, and how many threads that process runs."""
    parent = os.getppid()
    status = Path(f"/proc/{parent}/status").read_text()
    threads = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("Threads:"))
    return parent, threads


def test_workers_are_forked_by_a_single_threaded_server_not_by_a_threaded_caller() -> None:
    stop = threading.Event()
    busy = threading.Thread(target=stop.wait)  # the caller runs another thread, as many do
    busy.start()
    try:
        parents = set(parallel_map(parent_of_worker, range(8), num_proc=2))
    finally:
        stop.set()
        busy.join()
    ((server, threads),) = parents  # every worker forked by one process
    assert server != os.getpid() and threads == 1


def pid_of(_: int) -> int:
    return os.getpid()


def test_one_chunk_of_items_is_mapped_here_without_starting_workers() -> None:
    assert set(parallel_map(pid_of, range(4), num_proc=2, chunksize=4)) == {os.getpid()}
    assert os.getpid() not in set(parallel_map(pid_of, range(5), num_proc=2, chunksize=4))
