"""What keeping an earlier split costs a rebuild, and what a rebuild with new photos decodes.

    HF_HOME=CACHE python benchmarks/bench_keepsplit.py TREE --work WORK [--new 12000] [--repeat 3]

1. ``--new`` photos of TREE (a seeded sample) are moved aside, the rest is built (WORK/v1; kept
   between runs of the script, so the tree must be put back whole if a run is cut short), and
   the photos are put back (same paths, same mtimes).
2. The verification cache is asked which photos it lacks (the build decodes exactly those),
   before and after one rebuild keeping v1's split (WORK/v2, ``--keep-split-of WORK/v1``).
3. Warm rebuilds keeping the split and making a fresh one (``--fresh-split`` into a new folder),
   alternating, ``--repeat`` each, timed end to end as a user runs them (``cat-breeds-vlm build``).
4. In this process, the planner alone on the same inputs: fresh, and keeping v1's split (the
   manifest opened, then parsed by the planner), so the cost of keeping is seen without the
   noise of a whole build.
5. The bytes ``--keep-split-of`` downloads from the Hub (build.json and the manifest), and
   ``compare`` of v1 with the kept and the fresh rebuild.

Run by hand; the machine drifts, so compare runs made side by side.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from cat_breeds_vlm.dataset.compare import compare, format_comparison
from cat_breeds_vlm.dataset.earlier import read_earlier
from cat_breeds_vlm.pipeline import stages
from cat_breeds_vlm.pipeline.builder import CatBreedsVLMConfig
from cat_breeds_vlm.pipeline.manifest import MANIFEST_NAME, dump_manifest
from cat_breeds_vlm.pipeline.scan import scan
from cat_breeds_vlm.pipeline.stages import paused_gc
from cat_breeds_vlm.pipeline.verify import VerdictCache


def build(*args: object) -> float:
    """Run ``cat-breeds-vlm build ARGS``; the seconds it took (its output is shown)."""
    start = time.perf_counter()
    command = [sys.executable, "-m", "cat_breeds_vlm", "build", *map(str, args)]
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        sys.exit(done.stderr + done.stdout)
    summary = [line for line in done.stdout.splitlines() if line.startswith(("Split", "Photos against"))]
    print(f"    {seconds:.1f} s  " + " | ".join(summary), flush=True)
    return seconds


def missing_from_cache(tree: Path) -> int:
    """How many candidates of the tree the verification cache lacks: what a build decodes."""
    candidates = scan(tree).candidates
    cache = VerdictCache()
    try:
        return len(candidates) - len(cache.lookup(candidates))
    finally:
        cache.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tree", type=Path)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--new", type=int, default=12_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--num-proc", type=int, default=2)
    args = parser.parse_args()
    tree, work = args.tree.resolve(), args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    common = ["--num-proc", args.num_proc]

    files = sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*.jpg"))
    new = random.Random(0).sample(files, args.new)
    v1 = work / "v1"
    print(f"tree: {len(files):,} photos; {len(new):,} of them new in version 2", flush=True)
    if not v1.exists():
        held = work / "held"
        for f in new:
            os.renames(tree / f, held / f)
        try:
            print("build version 1 (without the new photos):", flush=True)
            build(tree, "-o", v1, *common)
        finally:
            for f in new:
                os.renames(held / f, tree / f)
    print(f"photos the verification cache lacks: {missing_from_cache(tree):,} (a build decodes these)", flush=True)
    shutil.rmtree(work / "v2", ignore_errors=True)
    print("rebuild keeping version 1's split, the new photos decoded:", flush=True)
    build(tree, "-o", work / "v2", "--keep-split-of", v1, *common)
    print(f"photos the verification cache lacks now: {missing_from_cache(tree):,}", flush=True)

    times: dict[str, list[float]] = {"keep": [], "fresh": []}
    for round_ in range(args.repeat):
        for kind, extra in (("keep", ["--keep-split-of", v1]), ("fresh", ["--fresh-split"])):
            out = work / kind
            shutil.rmtree(out, ignore_errors=True)
            print(f"round {round_ + 1}, warm rebuild, {kind}:", flush=True)
            times[kind].append(build(tree, "-o", out, *extra, *common))
    for kind, runs in times.items():
        shown = " ".join(f"{s:.1f}" for s in runs)
        print(f"warm rebuild {kind:<5} median {statistics.median(runs):.1f} s   runs: {shown}")

    config = CatBreedsVLMConfig()
    captured = {}
    planner = stages.plan

    def capture(*call, **options):
        captured.update(call=call, options=options)
        return planner(*call, **options)

    stages.plan = capture
    try:
        stages.prepare(tree, config, num_proc=args.num_proc, progress=False)
    finally:
        stages.plan = planner
    files_, breeds, settings, pairs = captured["call"][:4]
    timings: dict[str, list[float]] = {"open manifest": [], "plan fresh": [], "plan keep": [], "write manifest": []}
    for _ in range(args.repeat):
        start = time.perf_counter()
        earlier = read_earlier(str(v1))  # read and checked; its entries are parsed by the plan
        timings["open manifest"].append(time.perf_counter() - start)
        with paused_gc():
            start = time.perf_counter()
            planner(files_, breeds, settings, pairs)
            timings["plan fresh"].append(time.perf_counter() - start)
            start = time.perf_counter()
            kept = planner(files_, breeds, settings, pairs, earlier)
            timings["plan keep"].append(time.perf_counter() - start)
        start = time.perf_counter()
        dump_manifest(kept.manifest)
        timings["write manifest"].append(time.perf_counter() - start)
    for label, runs in timings.items():
        print(f"{label:<15} median {statistics.median(runs):.3f} s   runs: {' '.join(f'{s:.3f}' for s in runs)}")
    extra = statistics.median(timings["open manifest"]) + statistics.median(timings["plan keep"])
    print(f"keeping the split costs the plan: {extra - statistics.median(timings['plan fresh']):.3f} s")

    fetched = (v1 / MANIFEST_NAME).stat().st_size + (v1 / "build.json").stat().st_size
    print(f"--keep-split-of a Hub repo downloads build.json + {MANIFEST_NAME}: {fetched:,} bytes")
    for other in ("v2", "fresh"):
        print(format_comparison(compare(str(v1), str(work / other))))


if __name__ == "__main__":
    main()
