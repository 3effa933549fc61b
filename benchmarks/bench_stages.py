"""The build's pure-Python main-process stages, each timed alone: scan, plan, and the tail
(report, label file, chart, card), with no decode and no Parquet written.

    HF_HOME=WARM_CACHE python benchmarks/bench_stages.py /work/bench/images [--repeat 3]

``HF_HOME`` should hold a warm verification cache of the tree (a build of it made one): the
script runs the pipeline once through verification (nothing decoded when the cache is warm)
to get the plan's inputs, then times each stage ``--repeat`` times and prints every run and
the median. The plan is timed as the build runs it, inside ``paused_gc`` when the code has
it. To compare two versions of the code, run the script under each (for example with
``PYTHONPATH=OTHER_CHECKOUT``) in turns, and compare medians: the machine drifts.
Run by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
from pathlib import Path

from cat_breeds_vlm.features import SPLITS, make_features
from cat_breeds_vlm.pipeline import stages
from cat_breeds_vlm.pipeline.builder import CatBreedsVLMConfig
from cat_breeds_vlm.pipeline.scan import scan
from cat_breeds_vlm.report.card import CHART_NAME, write_card
from cat_breeds_vlm.report.chart import write_chart
from cat_breeds_vlm.report.record import make_report

try:
    from cat_breeds_vlm.pipeline.stages import paused_gc
except ImportError:  # code from before the collector was paused
    paused_gc = contextlib.nullcontext


def _timed(label: str, func, repeat: int) -> None:
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        seconds.append(time.perf_counter() - start)
    runs = " ".join(f"{s:.3f}" for s in seconds)
    print(f"{label:<6} median {statistics.median(seconds):.3f} s   runs: {runs}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("images", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--num-proc", type=int, default=2)
    args = parser.parse_args()
    config = CatBreedsVLMConfig()

    def scan_paused() -> None:
        with paused_gc():
            scan(args.images)

    _timed("scan", scan_paused, args.repeat)

    captured = {}
    planner = stages.plan

    def capture(*call, **options):  # the plan's inputs, as the pipeline passes them
        captured.update(call=call, options=options)
        return planner(*call, **options)

    stages.plan = capture
    try:
        prepared = stages.prepare(args.images, config, num_proc=args.num_proc, progress=False)
    finally:
        stages.plan = planner

    def plan_paused() -> None:
        with paused_gc():
            planner(*captured["call"], **captured["options"])

    _timed("plan", plan_paused, args.repeat)

    shards = {s: [1] if prepared.plan.rows[s] else [] for s in SPLITS}

    def tail() -> None:
        with tempfile.TemporaryDirectory() as out:
            report = make_report(prepared, config.recorded(), shards, "bench")
            write_chart(Path(out) / CHART_NAME, report)
            write_card(Path(out), report, make_features(prepared.breeds))

    _timed("tail", tail, args.repeat)


if __name__ == "__main__":
    main()
