"""The builder's constructor against a whole cold build of the same tree, for two checkouts.

    python benchmarks/bench_builder.py /tmp/images-6330 /work/wt/base /work/wt/new --repeat 3
    python benchmarks/bench_builder.py /tmp/images-6330 --make 6330   # make the tree first

Each run is a fresh process with an empty Hugging Face home (so an empty verification cache and
builder cache) that imports the builder, then times ``CatBreedsVLM(data_dir=...)`` and the
whole cold build (the constructor and ``download_and_prepare()``);
the checkouts take turns, run by run. Prints the median of each, and the constructor's share of
the whole. Run by hand; not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

RUN = """
import json, sys, time
from cat_breeds_vlm import CatBreedsVLM
start = time.perf_counter()
builder = CatBreedsVLM(data_dir=sys.argv[1], cache_dir=sys.argv[2])
constructed = time.perf_counter()
builder.download_and_prepare()
done = time.perf_counter()
print(json.dumps({"constructor": constructed - start, "build": done - start}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("images", type=Path)
    parser.add_argument("checkouts", type=Path, nargs="*")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--make", type=int, help="Make a synthetic tree of this many photos at IMAGES first.")
    args = parser.parse_args()
    if args.make:
        from cat_breeds_vlm.demo import make_tree, scaled_counts

        make_tree(args.images, scaled_counts(args.make))
    found: dict[Path, dict[str, list[float]]] = {c: {"constructor": [], "build": []} for c in args.checkouts}
    for _ in range(args.repeat):
        for checkout in args.checkouts:
            with tempfile.TemporaryDirectory() as home:
                env = {**os.environ, "HF_HOME": home, "PYTHONPATH": str(checkout), "TQDM_DISABLE": "1"}
                cache = str(Path(home) / "datasets")
                done = subprocess.run(
                    [sys.executable, "-c", RUN, str(args.images), cache],
                    env=env,
                    cwd=home,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                times = json.loads(done.stdout.strip().splitlines()[-1])
                for key in found[checkout]:
                    found[checkout][key].append(times[key])
    print("| checkout | constructor (s) | constructor + cold build (s) | constructor share |")
    print("|---|---:|---:|---:|")
    for checkout, times in found.items():
        constructor, build = statistics.median(times["constructor"]), statistics.median(times["build"])
        print(f"| {checkout} | {constructor:.2f} | {build:.2f} | {constructor / build:.0%} |")


if __name__ == "__main__":
    main()
