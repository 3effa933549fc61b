"""Two checkouts side by side: command start-up, a cold build and a rebuild, medians of interleaved runs.

For a change that must be no slower than the commit it starts from::

    git -C /work/main worktree add --detach /tmp/base main
    python benchmarks/bench_ab.py /tmp/base . IMAGE_DIR [--startups 21] [--builds 3]

Each command runs in a subprocess with ``PYTHONPATH`` = its checkout (whose bytecode is written
first, as an install has it), with the Hub offline and no progress bars. Start-up is ``--help``
and ``build --help``. A cold build has a Hugging Face cache of its own, emptied first (every
photo is decoded); the rebuild follows it into the same folder with ``--overwrite`` (nothing is
decoded again). Runs alternate between the checkouts, so a busy machine slows both alike;
besides the ratio of the medians, the median of each round's own ratio is printed.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(checkout: Path, args: list[str], **env: str) -> float:
    """Seconds one command of ``checkout`` takes (it must succeed)."""
    environment = {**os.environ, "PYTHONPATH": str(checkout), "HF_HUB_OFFLINE": "1", "TQDM_DISABLE": "1", **env}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "cat_breeds_vlm", *args], cwd=checkout, env=environment, capture_output=True, check=True
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path, help="the checkout to compare against")
    parser.add_argument("new", type=Path, help="the checkout with the change")
    parser.add_argument("images", type=Path, help="the image tree to build")
    parser.add_argument("--startups", type=int, default=21, help="start-up runs of each command and checkout")
    parser.add_argument("--builds", type=int, default=3, help="cold builds and rebuilds of each checkout")
    args = parser.parse_args()
    checkouts = {"base": args.base.resolve(), "new": args.new.resolve()}
    for checkout in checkouts.values():
        compileall.compile_dir(checkout / "cat_breeds_vlm", quiet=1)
    times: dict[tuple[str, str], list[float]] = {}
    for label, command in (("--help", ["--help"]), ("build --help", ["build", "--help"])):
        for _ in range(args.startups):
            for name, checkout in checkouts.items():
                times.setdefault((label, name), []).append(timed(checkout, command))
    with tempfile.TemporaryDirectory() as scratch:
        for _ in range(args.builds):
            for name, checkout in checkouts.items():
                cache = Path(scratch) / f"hf-{name}"
                shutil.rmtree(cache, ignore_errors=True)
                build = ["build", str(args.images.resolve()), "-o", f"{scratch}/out-{name}", "--overwrite"]
                for label in ("cold build", "rebuild"):
                    times.setdefault((label, name), []).append(timed(checkout, build, HF_HOME=str(cache)))
    for label in dict.fromkeys(label for label, _ in times):
        base, new = statistics.median(times[(label, "base")]), statistics.median(times[(label, "new")])
        runs = len(times[(label, "base")])
        # Runs of one round follow each other, so each round's own ratio cancels the machine's drift.
        paired = statistics.median(n / b for n, b in zip(times[(label, "new")], times[(label, "base")]))
        print(
            f"{label:<13} base {base:7.3f} s   new {new:7.3f} s   new/base {new / base:.3f}   "
            f"round by round {paired:.3f}   (median of {runs})"
        )


if __name__ == "__main__":
    main()
