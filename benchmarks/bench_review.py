"""Benchmark ``cat-breeds-vlm review`` on a built folder; print a Markdown table.

    python benchmarks/bench_review.py /work/bench/build --runs 3 --screenshot /tmp/review.png

Targets (issue 13), for the full-scale build (126,607 photos, a local folder): the page under
about 30 MB, written in under 20 s on 2 cores with memory under 1 GiB, and Chromium showing
its first screen within 2 s.

Each run, in turn (interleaved, so drift on the shared machine hits both alike):

- write: a fresh Python process writes the page (``write_review``, one process, as the CLI's
  default ``--num-proc 1``); its wall time counts from the process start (imports included),
  and its peak memory is its ``VmHWM`` (a child's ``ru_maxrss`` would report this process's).
- open: Debian's Chromium, driven by Playwright through its path, opens the page from disk in
  a fresh browser; the first contentful paint and the load event, from the page's own
  ``performance`` entries, and the wall time of ``goto`` until the load event.

The 1-minute load average before each run is printed too: other jobs share the cores. Every
run's page must be byte-identical to the first. Run by hand; not part of the test suite.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Run in a fresh process: write the page, print its size in bytes and the peak RSS in KiB.
WRITE_CHILD = """
import sys
from pathlib import Path
from cat_breeds_vlm.review import ReviewOptions, write_review
result = write_review(sys.argv[1], Path(sys.argv[2]), ReviewOptions(per_breed=int(sys.argv[3])),
                      num_proc=int(sys.argv[4]), progress=False)
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(result.bytes, result.thumbnails, peak)
"""


def write_page(build: str, out: Path, per_breed: int, num_proc: int) -> dict[str, float]:
    """Write the page in a fresh process: wall seconds, MB, thumbnails, peak RSS MiB."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", WRITE_CHILD, build, str(out), str(per_breed), str(num_proc)],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    size, thumbs, peak = map(int, done.stdout.split())
    return {"write_s": wall, "page_mb": size / 1e6, "thumbnails": thumbs, "rss_mib": peak / 1024}


def open_page(page: Path, chromium: str, screenshot: Path | None) -> dict[str, float]:
    """Open the page in a fresh Chromium: first contentful paint, load event, goto wall (s)."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            profile, executable_path=chromium, headless=True, args=FLAGS, viewport={"width": 1400, "height": 900}
        )
        try:
            tab = browser.new_page()
            start = time.perf_counter()
            tab.goto(page.resolve().as_uri(), wait_until="load")
            wall = time.perf_counter() - start
            paint = tab.evaluate("performance.getEntriesByName('first-contentful-paint')[0].startTime / 1000")
            load = tab.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd / 1000")
            if screenshot is not None:
                tab.screenshot(path=str(screenshot))
        finally:
            browser.close()
    return {"first_paint_s": paint, "load_s": load, "goto_s": wall}


def load_average() -> float:
    """The 1-minute load average (other agents share the cores)."""
    return os.getloadavg()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("build", help="a built folder (or a Hub repo id)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--per-breed", type=int, default=12)
    parser.add_argument("--num-proc", type=int, default=1)
    parser.add_argument("--chromium", default=CHROMIUM)
    parser.add_argument("--work", default=None, help="folder for the pages (default: a temporary one)")
    parser.add_argument("--screenshot", type=Path, default=None, help="save the first screen of the last run")
    args = parser.parse_args()

    runs: list[dict[str, float]] = []
    digests = set()
    with tempfile.TemporaryDirectory(dir=args.work) as work:
        for number in range(args.runs):
            out = Path(work) / f"review-{number}.html"
            run = {"load_avg": load_average()}
            run |= write_page(args.build, out, args.per_breed, args.num_proc)
            digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
            last = number == args.runs - 1
            run |= open_page(out, args.chromium, args.screenshot if last else None)
            runs.append(run)
            print(f"run {number + 1}: " + ", ".join(f"{k} {v:.2f}" for k, v in run.items()), file=sys.stderr)
    keys = list(runs[0])
    print("| run | " + " | ".join(keys) + " |")
    print("|---" * (len(keys) + 1) + "|")
    for number, run in enumerate(runs, 1):
        print(f"| {number} | " + " | ".join(f"{run[k]:.2f}" for k in keys) + " |")
    print("| median | " + " | ".join(f"{statistics.median(r[k] for r in runs):.2f}" for k in keys) + " |")
    print(f"\nsame page every run: {len(digests) == 1}")


if __name__ == "__main__":
    main()
