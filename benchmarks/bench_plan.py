"""The planner on a full-scale tree, in this process: a fresh split against one kept from an
earlier build, by stage, and the split manifest's bytes.

    python benchmarks/bench_plan.py IMAGE_DIR EARLIER_BUILD [--repeat 3]

EARLIER_BUILD is a build of IMAGE_DIR (``cat-breeds-vlm build IMAGE_DIR -o EARLIER_BUILD``); its
verification cache must be warm (the same ``HF_HOME``), since the inputs of the plan are made
once by a real ``prepare``. Then ``plan`` runs ``--repeat`` times each way with the garbage
collector off (as a build runs it), and the median seconds of each stage are printed. Run by hand.
"""

from __future__ import annotations

import argparse
import functools
import gc
import statistics
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from cat_breeds_vlm.dataset.earlier import earlier_for_build
from cat_breeds_vlm.pipeline import keep, stages
from cat_breeds_vlm.pipeline import plan as planner
from cat_breeds_vlm.pipeline.manifest import dump_manifest
from cat_breeds_vlm.pipeline.settings import BuildSettings

#: The stages timed, by the module that calls them (a fresh split is keep's call of split_units).
STAGES = {
    planner: ("dedupe", "photo_links", "make_rows"),
    keep: ("split_units", "prefer_earlier_sources", "split_keeping", "_deal_new", "_carry"),
}


def timed(times: dict[str, list[float]], name: str, func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            times[name].append(time.perf_counter() - start)

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images", type=Path)
    parser.add_argument("earlier", type=Path, help="an earlier build of IMAGE_DIR")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = BuildSettings()
    earlier = earlier_for_build(args.earlier, None, False)
    inputs: list = []
    real_plan = stages.plan
    stages.plan = lambda *a: inputs.extend(a) or real_plan(*a)  # the plan's inputs, as a build makes them
    stages.prepare(args.images, settings, num_proc=2, progress=False, earlier=earlier)
    stages.plan = real_plan
    files, breeds, _, near, _ = inputs
    files = list(files)
    times: dict[str, list[float]] = defaultdict(list)
    for module, names in STAGES.items():
        for name in names:
            setattr(module, name, timed(times, name, getattr(module, name)))
    gc.disable()
    for _ in range(args.repeat):
        start = time.perf_counter()
        planner.plan(files, breeds, settings, near, None)
        times["plan, fresh split"].append(time.perf_counter() - start)
        start = time.perf_counter()
        kept = planner.plan(files, breeds, settings, near, replace(earlier))
        times["plan, split kept"].append(time.perf_counter() - start)
        start = time.perf_counter()
        dump_manifest(kept.manifest)
        times["manifest bytes"].append(time.perf_counter() - start)
    print(f"{len(files):,} photos; medians of {args.repeat} (stages: of every call)")
    for name, runs in times.items():
        print(f"  {name:<24} {statistics.median(runs):6.3f} s")


if __name__ == "__main__":
    main()
