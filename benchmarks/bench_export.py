"""Benchmark the Fireworks export on a built folder against its floors; print a Markdown table.

    python benchmarks/bench_export.py /work/bench/cat_breeds_vlm            # full train split
    python benchmarks/bench_export.py /work/bench/cat_breeds_vlm --limit 5000   # a quick look

What is measured (issue 3, "Benchmarks"), on the split opened as the CLI opens it (streamed;
``--no-streaming`` loads it into the Arrow cache first, as ``load_dataset`` does):

- base64 floor: ``base64.b64encode`` over the image bytes of the first ``--floor-rows`` rows,
  held in memory, in a tight loop; MB/s and rows/s. Target: pass-through export at least 50%.
- pass-through: ``export_fireworks`` of the split (or ``--limit`` rows), no resizing.
- ``--max-side 448`` (and 224, where every photo shrinks) on the first ``--sample`` rows, next to
  a plain Pillow loop over the same bytes: open -> convert RGB -> resize (aspect kept, only when
  bigger) -> save JPEG. Target: the export at least 1.5x the plain loop.
- peak RSS of a pass-through export of ``--rss-rows`` rows and of the whole split, each in a
  fresh process. Target: under 1 GiB and the same for both.

Exports write to a temporary folder (``--work``, default the system's), removed at the end.
Run by hand; not part of the test suite.
"""

from __future__ import annotations

import argparse
import base64
import io
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from cat_breeds_vlm.export import export_fireworks
from cat_breeds_vlm.export.pipeline import iter_rows
from cat_breeds_vlm.loading import open_split

# Run in a child process: export N rows (0 = all) and print the rows and peak RSS in KiB.
RSS_CHILD = """
import resource, sys, tempfile
sys.path.insert(0, sys.argv[1])
from bench_export import Source, export_fireworks
source = Source(sys.argv[2], sys.argv[3], sys.argv[4] == "1", sys.argv[5])
with tempfile.TemporaryDirectory(dir=source.work) as out:
    summary = export_fireworks(source.rows(int(sys.argv[6])), out + "/rss.jsonl", progress=False)
print(summary.rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


@dataclass(frozen=True)
class Source:
    """The split to export, opened as the CLI opens it (streamed) or loaded; a work folder."""

    folder: str
    split: str
    streaming: bool
    work: str

    def rows(self, count: int = 0) -> Any:
        """The split cut to its first ``count`` rows (0: all)."""
        data = open_split(self.folder, self.split, streaming=self.streaming)
        if not count:
            return data
        return data.take(count) if self.streaming else data.select(range(min(count, len(data))))

    def image_bytes(self, count: int) -> list[bytes]:
        """The image bytes of the first ``count`` rows (in memory: for the floors only)."""
        return [row["image"]["bytes"] for row in iter_rows(self.rows(count))]


def timed(func: Callable[[], object]) -> tuple[float, object]:
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def base64_floor(images: list[bytes], repeat: int = 3) -> float:
    """Seconds to base64-encode every image once (the best of ``repeat`` rounds)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for data in images:
            base64.b64encode(data)
        best = min(best, time.perf_counter() - start)
    return best


def pillow_loop(images: list[bytes], max_side: int) -> float:
    """Seconds for the plain Pillow loop: open, RGB, resize when bigger, save as JPEG."""
    start = time.perf_counter()
    for data in images:
        image = Image.open(io.BytesIO(data)).convert("RGB")
        scale = max_side / max(image.size)
        if scale < 1:
            size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
            image = image.resize(size, Image.Resampling.BICUBIC)
        image.save(io.BytesIO(), "JPEG", quality=90)
    return time.perf_counter() - start


def export_seconds(source: Source, count: int, **options: object) -> tuple[float, int]:
    """(seconds, rows) of ``export_fireworks`` on the first ``count`` rows (0: all)."""
    data = source.rows(count)
    with tempfile.TemporaryDirectory(dir=source.work) as out:
        seconds, summary = timed(
            lambda: export_fireworks(data, Path(out) / "bench.jsonl", progress=False, **options)
        )
    return seconds, summary.rows  # type: ignore[attr-defined]


def peak_rss(source: Source, count: int) -> tuple[int, float]:
    """(rows exported, peak RSS in MiB) of a pass-through export in a fresh process."""
    fields = [source.folder, source.split, str(int(source.streaming)), source.work]
    argv = [sys.executable, "-c", RSS_CHILD, str(Path(__file__).parent), *fields, str(count)]
    result = subprocess.run(argv, check=True, capture_output=True, text=True)
    exported, kib = result.stdout.split()[-2:]
    return int(exported), int(kib) / 1024


def main() -> None:
    """Parse arguments, run every measurement, print the table and the verdicts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="a built dataset folder")
    parser.add_argument("--split", default="train")
    parser.add_argument(
        "--limit", type=int, default=0, help="rows of the pass-through run (0: all)"
    )
    parser.add_argument("--floor-rows", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=2_000, help="rows of the resize runs")
    parser.add_argument("--rss-rows", type=int, default=10_000)
    parser.add_argument("--num-proc", type=int, default=1, help="workers of the resize runs")
    parser.add_argument("--work", default=tempfile.gettempdir())
    parser.add_argument("--no-streaming", action="store_true", help="load the split (Arrow cache)")
    args = parser.parse_args()
    source = Source(args.folder, args.split, not args.no_streaming, args.work)
    table: list[tuple[str, int, float, float, str]] = []  # name, rows, s, MB/s, note

    floor_images = source.image_bytes(args.floor_rows)
    floor_mb = sum(map(len, floor_images)) / 1e6
    floor_s = base64_floor(floor_images)
    floor_rate = floor_mb / floor_s
    table.append(("base64 floor", len(floor_images), floor_s, floor_rate, "reference"))
    mean_mb = floor_mb / len(floor_images)
    del floor_images

    seconds, rows = export_seconds(source, args.limit)
    rate = rows * mean_mb / seconds
    verdict = f"{rate / floor_rate:.0%} of the floor (target >= 50%)"
    table.append(("fireworks pass-through", rows, seconds, rate, verdict))

    sample = source.image_bytes(args.sample)
    sample_mb = sum(map(len, sample)) / 1e6
    for max_side in (448, 224):
        plain = pillow_loop(sample, max_side)
        ours, rows = export_seconds(source, len(sample), max_side=max_side, num_proc=args.num_proc)
        verdict = f"{plain / ours:.2f}x the plain loop (target >= 1.5x)"
        table.append((f"plain Pillow loop {max_side}", rows, plain, sample_mb / plain, "reference"))
        table.append((f"fireworks --max-side {max_side}", rows, ours, sample_mb / ours, verdict))

    (few, few_mib), (every, every_mib) = peak_rss(source, args.rss_rows), peak_rss(source, 0)

    how = "streamed" if source.streaming else "loaded"
    print(f"\n{source.folder} [{source.split}, {how}], mean image {mean_mb * 1000:.1f} KB\n")
    print("| measurement | rows | seconds | rows/s | image MB/s | note |")
    print("|---|---:|---:|---:|---:|---|")
    for name, rows, seconds, mb_rate, note in table:
        per_second = rows / seconds
        print(
            f"| {name} | {rows:,} | {seconds:.2f} | {per_second:,.0f} | {mb_rate:,.1f} | {note} |"
        )
    for exported, mib in ((few, few_mib), (every, every_mib)):
        print(f"| peak RSS, pass-through | {exported:,} | | | | {mib:,.0f} MiB |")
    print(
        f"\npeak RSS {few_mib:.0f} MiB at {few:,} rows, {every_mib:.0f} MiB at {every:,} rows "
        f"(target: under 1024 MiB and about the same; ratio {every_mib / few_mib:.2f})"
    )


if __name__ == "__main__":
    main()
