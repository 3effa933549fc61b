"""Builds of several checkouts in rounds: each round runs every checkout once, in a rotated order.

    python benchmarks/bench_rounds.py TREE BASE NEW [MORE ...] --rounds 7 [--cold] [--work DIR]

Each checkout builds TREE into a folder of its own under ``--work`` with ``--overwrite``, with a
Hugging Face home of its own: a rebuild by default (a first, untimed build fills the cache and
the folder), or a cold build with ``--cold`` (the home emptied before each). The order rotates
each round, so no checkout always follows the same one, and the disk is synced before each
build. Prints each round's seconds, then per checkout the median and the median of its
round-by-round ratio to the first checkout, which cancels the machine's drift between rounds.
Run by hand; two rebuilds of this tree differ by 10-15 % on this machine.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def build(checkout: Path, tree: Path, out: Path, home: Path) -> float:
    """Seconds one ``build --overwrite`` of ``checkout`` takes (it must succeed)."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "HF_HOME": str(home), "HF_HUB_OFFLINE": "1", "TQDM_DISABLE": "1"}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "cat_breeds_vlm", "build", str(tree), "-o", str(out), "--overwrite"],
        cwd=checkout, env=env, capture_output=True, check=True,
    )  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", type=Path)
    parser.add_argument("checkouts", type=Path, nargs="+", help="the first is the one compared against")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--cold", action="store_true", help="cold builds (an empty cache each time)")
    parser.add_argument("--work", type=Path, default=Path("benchmarks/work/rounds"))
    args = parser.parse_args()
    checkouts = [c.resolve() for c in args.checkouts]
    places = {c: (args.work / f"out-{i}", args.work / f"hf-{i}") for i, c in enumerate(checkouts)}
    for checkout, (out, home) in places.items():
        compileall.compile_dir(checkout / "cat_breeds_vlm", quiet=1)
        if not args.cold:
            build(checkout, args.tree, out, home)
    times: dict[Path, list[float]] = {c: [] for c in checkouts}
    for r in range(args.rounds):
        for checkout in checkouts[r % len(checkouts) :] + checkouts[: r % len(checkouts)]:
            out, home = places[checkout]
            if args.cold:
                shutil.rmtree(home, ignore_errors=True)
            subprocess.run(["sync"], check=True)
            times[checkout].append(build(checkout, args.tree, out, home))
        print(f"round {r}: " + "  ".join(f"{times[c][-1]:.2f}" for c in checkouts), flush=True)
    first = times[checkouts[0]]
    for checkout in checkouts:
        ratio = statistics.median(t / b for t, b in zip(times[checkout], first))
        print(f"{checkout}: median {statistics.median(times[checkout]):.2f} s, round by round {ratio:.3f}")


if __name__ == "__main__":
    main()
