"""Command start-up: ``--help`` and ``build --help`` of two checkouts, run in turn.

    python benchmarks/bench_startup.py /work/wt/base /work/wt/new --runs 25

Each run is ``python -m cat_breeds_vlm ...`` with the checkout as its working folder (so it
imports that checkout's package). Prints the median wall time and the median CPU time (user +
system) of the child, which a busy machine inflates less. Run by hand; not part of the suite.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = (("--help",), ("build", "--help"))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkouts", type=Path, nargs="+")
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()
    wall: dict[tuple[Path, str], list[float]] = {(c, " ".join(cmd)): [] for c in args.checkouts for cmd in COMMANDS}
    cpu: dict[tuple[Path, str], list[float]] = {key: [] for key in wall}
    for _ in range(args.runs):
        for command in COMMANDS:
            for checkout in args.checkouts:
                key = (checkout, " ".join(command))
                before, start = _cpu(), time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "cat_breeds_vlm", *command], cwd=checkout, check=True, capture_output=True
                )
                wall[key].append(time.perf_counter() - start)
                cpu[key].append(_cpu() - before)
    print("| checkout | command | wall (ms) | CPU (ms) |")
    print("|---|---|---:|---:|")
    for key in wall:
        checkout, command = key
        print(
            f"| {checkout} | `{command}` | {statistics.median(wall[key]) * 1000:.0f}"
            f" | {statistics.median(cpu[key]) * 1000:.0f} |"
        )


if __name__ == "__main__":
    main()
