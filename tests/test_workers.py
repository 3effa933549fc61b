"""Worker processes: Ctrl-C is the parent's, raised in the caller, and never hangs the pool."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from conftest import interruptible

SLOW_MAP = textwrap.dedent(
    """
    import sys, time
    from cat_breeds_vlm.workers import parallel_map

    def slow(x):
        end = time.monotonic() + 0.05
        while time.monotonic() < end:  # busy, as real work is: a signal lands at once
            pass
        return x

    try:
        for n in parallel_map(slow, range(10_000), num_proc=2):
            if n == 0:
                print("started", flush=True)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(130)
    """
)


def test_ctrl_c_stops_a_parallel_map_at_once_without_worker_tracebacks() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", SLOW_MAP],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=interruptible,
    )
    assert child.stdout is not None and child.stdout.readline() == "started\n"
    time.sleep(0.2)  # the workers are busy with their windows
    os.killpg(child.pid, signal.SIGINT)  # as a terminal's Ctrl-C: to every process of the group
    started = time.monotonic()
    out, err = child.communicate(timeout=30)
    assert child.returncode == 130, err
    assert time.monotonic() - started < 10  # 10,000 items would take minutes: it stopped
    assert out == "interrupted\n"
    assert "Traceback" not in err and "KeyboardInterrupt" not in err  # the workers ignored it
