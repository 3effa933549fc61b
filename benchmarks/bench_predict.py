"""Benchmark ``predict`` against a loopback server that answers every request after 200 ms.

    python benchmarks/bench_predict.py /work/bench/build                 # 1,000 rows, the split
    python benchmarks/bench_predict.py /work/bench/build --rounds 3 --concurrency 64

What is measured (issue 10): the server (tests/chat_server.py, asyncio, in its own process so
it is not the bottleneck) answers each chat request after ``--delay`` seconds, so the ideal
throughput is ``concurrency / delay`` (64 / 0.2 s = 320 requests/s). ``predict`` of the
split's first ``--small`` rows and of the whole split (default: test, 12,667 rows in the
full-scale build) runs in a fresh process each, the two sizes alternating for ``--rounds``
rounds, so the machine's drift hits both alike. For each run: rows/s over the run's own wall
time (the probe, reading the ids and asking every row; not the interpreter's start), the
share of the ideal, and the process's peak RSS (its VmHWM). Targets: throughput at least 90%
of the ideal; peak RSS under 500 MiB and flat from the small run to the whole split. The load
average is printed beside each run, and how long the event loop's thread waited for a CPU
while it had work (the 2 cores are shared: another agent's build shows there).

Answers go to a temporary folder under ``--work`` (default: the system's), removed at once.
Run by hand; not part of the test suite.
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

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "tests" / "chat_server.py"

# Run in a child process: predict N rows (0 = all) and print a JSON summary, with the
# process's peak RSS from its own VmHWM (ru_maxrss would survive fork+exec from the parent),
# and how long its main thread (the event loop) waited for a CPU while runnable
# (/proc/self/schedstat, second field, ns): time the shared machine took from it.
CHILD = """
import json, resource, sys
sys.path.insert(0, sys.argv[1])
from cat_breeds_vlm.evaluate.predict import predict
from cat_breeds_vlm.evaluate.predict_settings import PredictSettings
def waited():
    with open("/proc/self/schedstat") as stat:
        return int(stat.read().split()[1]) / 1e9
dataset, out, url, split, rows, concurrency = sys.argv[2:8]
before = waited()
summary = predict(dataset, out, PredictSettings(url, "bench", concurrency=int(concurrency)), split=split,
                  limit=int(rows) or None, progress=False)
wait = waited() - before
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"rows": summary.answered, "failed": summary.failed, "seconds": summary.seconds,
                  "peak_kib": peak, "cpu": usage.ru_utime + usage.ru_stime, "wait": wait}))
"""


def start_server(delay: float) -> tuple[subprocess.Popen, str]:
    """The loopback server in its own process, and its base URL."""
    server = subprocess.Popen([sys.executable, str(SERVER), "--delay", str(delay)], stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    return server, f"http://127.0.0.1:{int(server.stdout.readline())}/v1"


def run_child(args: argparse.Namespace, url: str, rows: int, work: str) -> dict:
    """One ``predict`` run in a fresh process, into a new file; its summary and load."""
    with tempfile.TemporaryDirectory(dir=work) as folder:
        out = str(Path(folder) / "predictions.jsonl")
        command = [sys.executable, "-c", CHILD, str(ROOT), args.dataset, out, url, args.split,
                   str(rows), str(args.concurrency)]  # fmt: skip
        result = json.loads(subprocess.run(command, check=True, capture_output=True).stdout)
    result["load"] = os.getloadavg()[0]
    return result


def describe(run: dict, ideal: float) -> str:
    """One run in one line: rows, time, rate and its share of the ideal, memory, CPU, load."""
    rate, cpu = run["rows"] / run["seconds"], run["cpu"] / run["rows"] * 1000
    return (
        f"{run['rows']:6,} rows in {run['seconds']:6.1f} s = {rate:6.1f} rows/s "
        f"({rate / ideal:4.0%} of {ideal:.0f}), peak RSS {run['peak_kib'] / 1024:5.0f} MiB, "
        f"CPU {cpu:.2f} ms/row (start-up included), waited for a CPU {run['wait']:.1f} s, "
        f"failed {run['failed']}, load {run['load']:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dataset", help="a built folder")
    parser.add_argument("--split", default="test")
    parser.add_argument("--small", type=int, default=1000, help="rows of the small run")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--delay", type=float, default=0.2, help="the server's answer time (s)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--work", default=None, help="folder for the temporary answers")
    args = parser.parse_args()
    ideal = args.concurrency / args.delay
    server, url = start_server(args.delay)
    results: dict[str, list[dict]] = {"small": [], "whole": []}
    try:
        for round_ in range(args.rounds):
            for size, rows in (("small", args.small), ("whole", 0)):
                run = run_child(args, url, rows, args.work or tempfile.gettempdir())
                results[size].append(run)
                print(f"round {round_ + 1} {size:5}: {describe(run, ideal)}", flush=True)
    finally:
        server.kill()
    print(f"\n| run | rows | rows/s (median) | % of ideal {ideal:.0f}/s | peak RSS MiB (max) |")
    print("|---|---|---|---|---|")
    for size, runs in results.items():
        rate = statistics.median(r["rows"] / r["seconds"] for r in runs)
        peak = max(r["peak_kib"] for r in runs) / 1024
        print(f"| {size} | {runs[0]['rows']:,} | {rate:.1f} | {rate / ideal:.0%} | {peak:.0f} |")


if __name__ == "__main__":
    main()
