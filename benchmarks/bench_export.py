"""Benchmark the Fireworks export on a built folder against its floors; print a Markdown table.

    python benchmarks/bench_export.py /work/bench/run/a --work /work/bench            # train
    python benchmarks/bench_export.py /work/bench/run/a --limit 5000 --rss-rows 2000  # a quick look

What is measured (issue 3, "Benchmarks"), on the split opened as the CLI opens it (a local
folder streamed from its Parquet shards; ``--no-streaming`` loads it into the Arrow cache
first, as ``load_dataset`` does). Before the timed jobs the image column is read once, untimed:
that counts the image megabytes and puts the shards in the page cache, so the export, like
the floor (which holds its bytes in memory), is not timed against a cold disk.

- base64 floor: the standard library's ``base64.b64encode`` over the image bytes of the first
  ``--floor-rows`` rows, held in memory, in a tight loop (best of 3); measured before and
  after the full export, and the faster of the two is the reference (the machine is shared:
  speeds drift). Also, for comparison, the same loop with ``pybase64.b64encode``, the SIMD
  encoder the export uses.
- pass-through: ``export_fireworks`` of the split (or ``--limit`` rows), no resizing (one
  process: the export ignores ``num_proc`` there). Target: at least 50% of the floor's
  throughput. Next to it, the write floor: as many bytes as it wrote, written to a new
  file. Also ``--rounds`` short rounds of floor and export on the first ``--floor-rows``
  rows, alternating, whose median ratio is less sensitive to that drift.
- ``--max-side 448`` and ``224`` on the first ``--sample`` rows, next to a plain Pillow loop
  over the same bytes: open -> convert RGB -> resize (aspect kept, only when bigger) -> save
  JPEG quality 90 (best of 2 each), with one process and with ``--num-proc`` workers.
  Target: the export at least 1.5x the plain loop.
- peak RSS of a pass-through export of ``--rss-rows`` rows and of the whole split, each in a
  fresh process. Target: under 1 GiB and the same for both.

Exports write to a temporary folder under ``--work`` (default: the system's), removed at once.
Run by hand; not part of the test suite.
"""

from __future__ import annotations

import argparse
import base64
import io
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pybase64
from PIL import Image

from cat_breeds_vlm.export import export_fireworks
from cat_breeds_vlm.export.source import iter_batches, iter_rows, open_source

# Run in a child process: export N rows (0 = all) and print the rows and the peak RSS in KiB.
# The peak is the child's VmHWM: ru_maxrss survives fork and exec on Linux, so in a child of
# this benchmark (which holds the floors' photos) it would report the parent's peak instead.
RSS_CHILD = """
import resource, sys, tempfile
sys.path.insert(0, sys.argv[1])
from bench_export import Source, export_fireworks
source = Source(sys.argv[2], sys.argv[3], sys.argv[4] == "1", sys.argv[5])
with tempfile.TemporaryDirectory(dir=source.work) as out:
    summary = export_fireworks(source.rows(int(sys.argv[6])), out + "/rss.jsonl", progress=False)
try:
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except OSError:  # not Linux
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(summary.rows, peak)
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
        data = open_source(self.folder, self.split, streaming=self.streaming)
        if not count:
            return data
        return data.take(count) if self.streaming else data.select(range(min(count, len(data))))

    def image_bytes(self, count: int) -> list[bytes]:
        """The image bytes of the first ``count`` rows (in memory: for the floors only)."""
        return [row["image"]["bytes"] for row in iter_rows(self.rows(count), ("image",))]

    def image_megabytes(self, count: int = 0) -> float:
        """Decimal MB of image bytes in the first ``count`` rows (0: all); reads them all."""
        batches = iter_batches(self.rows(count), ("image",))
        total = sum(pc.sum(pc.binary_length(b.column(0).field("bytes"))).as_py() for b in batches)
        return total / 1e6


@dataclass
class Timing:
    """Wall and CPU seconds of one job (CPU of this process: every thread)."""

    seconds: float
    cpu: float
    rows: int


def timed(func: Callable[[], int]) -> Timing:
    """Time ``func``, which returns the rows it handled."""
    start, cpu = time.perf_counter(), time.process_time()
    rows = func()
    return Timing(time.perf_counter() - start, time.process_time() - cpu, rows)


def base64_floor(images: list[bytes], repeat: int = 3, encode: Callable[[bytes], bytes] = base64.b64encode) -> Timing:
    """Base64-encode every image once, in a tight loop; the best of ``repeat`` rounds."""

    def encode_all() -> int:
        for data in images:
            encode(data)
        return len(images)

    return min((timed(encode_all) for _ in range(repeat)), key=lambda t: t.seconds)


def pillow_loop(images: list[bytes], max_side: int) -> int:
    """The plain Pillow loop: open, RGB, resize when bigger, save as JPEG; returns the count."""
    for data in images:
        image = Image.open(io.BytesIO(data)).convert("RGB")
        scale = max_side / max(image.size)
        if scale < 1:
            size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
            image = image.resize(size, Image.Resampling.BICUBIC)
        image.save(io.BytesIO(), "JPEG", quality=90)
    return len(images)


def export_job(source: Source, count: int, sizes: list[int] | None = None, **options: Any) -> Callable[[], int]:
    """A job exporting the first ``count`` rows (0: all) to a temporary file (opened now);
    the bytes it wrote are appended to ``sizes`` when given."""
    data = source.rows(count)

    def run() -> int:
        with tempfile.TemporaryDirectory(dir=source.work) as out:
            summary = export_fireworks(data, Path(out) / "bench.jsonl", progress=False, **options)
        if sizes is not None:
            sizes.append(summary.bytes)
        return summary.rows

    return run


def write_floor(work: str, size: int, rows: int) -> Timing:
    """Write ``size`` bytes to a new file under ``work`` in 1 MiB writes (``rows``: for rows/s)."""
    chunk = bytes(1 << 20)

    def write_all() -> int:
        with tempfile.TemporaryDirectory(dir=work) as out:
            with open(Path(out) / "floor", "wb", buffering=0) as file:
                for _ in range(size // len(chunk)):
                    file.write(chunk)
                file.write(chunk[: size % len(chunk)])
        return rows

    return timed(write_all)


def best_of(job: Callable[[], int], repeat: int) -> Timing:
    """The fastest of ``repeat`` timed runs of ``job``."""
    return min((timed(job) for _ in range(repeat)), key=lambda t: t.seconds)


def peak_rss(source: Source, count: int) -> tuple[int, float]:
    """(rows exported, peak RSS in MiB) of a pass-through export in a fresh process."""
    fields = [source.folder, source.split, str(int(source.streaming)), source.work]
    argv = [sys.executable, "-c", RSS_CHILD, str(Path(__file__).parent), *fields]
    argv.append(str(count))
    result = subprocess.run(argv, check=True, capture_output=True, text=True)
    exported, kib = result.stdout.split()[-2:]
    return int(exported), int(kib) / 1024


def main() -> None:
    """Parse arguments, run every measurement, print the table and the verdicts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="a built dataset folder")
    parser.add_argument("--split", default="train")
    parser.add_argument("--limit", type=int, default=0, help="pass-through rows (0: all)")
    parser.add_argument("--floor-rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5, help="alternating floor/export rounds")
    parser.add_argument("--sample", type=int, default=2_000, help="rows of the resize runs")
    parser.add_argument("--rss-rows", type=int, default=10_000)
    parser.add_argument("--num-proc", type=int, default=1, help="also run the resizes with this many workers")
    parser.add_argument("--work", default=tempfile.gettempdir())
    parser.add_argument("--no-streaming", action="store_true", help="load the split (Arrow cache)")
    args = parser.parse_args()
    source = Source(args.folder, args.split, not args.no_streaming, args.work)
    table: list[tuple[str, Timing, float, str]] = []  # name, timing, image MB, note
    procs = sorted({1, args.num_proc})

    total_mb = source.image_megabytes(args.limit)  # untimed: also warms the page cache
    floor_images = source.image_bytes(args.floor_rows)
    floor_mb = sum(map(len, floor_images)) / 1e6
    before = base64_floor(floor_images)
    written: list[int] = []
    passing = timed(export_job(source, args.limit, written))
    after = base64_floor(floor_images)
    simd = base64_floor(floor_images, encode=pybase64.b64encode)
    floor = min(before, after, key=lambda t: t.seconds)
    for name, timing in (("base64 floor, before", before), ("base64 floor, after", after)):
        table.append((name, timing, floor_mb, "reference" if timing is floor else ""))
    table.append(("pybase64 floor (the export's encoder)", simd, floor_mb, "for comparison"))
    ratio = (total_mb / passing.seconds) / (floor_mb / floor.seconds)
    simd_ratio = (total_mb / passing.seconds) / (floor_mb / simd.seconds)
    note = f"{ratio:.0%} of the floor, {simd_ratio:.0%} of pybase64's"
    table.append(("fireworks pass-through", passing, total_mb, note))
    output = write_floor(source.work, written[0], passing.rows)
    share = output.seconds / passing.seconds
    note = f"{written[0] / 1e6:,.0f} MB, as the pass-through wrote: {share:.0%} of its time"
    table.append(("write floor (1 MiB writes to a new file)", output, total_mb, note))

    ratios: list[float] = []
    for _ in range(args.rounds):
        round_floor = base64_floor(floor_images, repeat=1)
        round_export = timed(export_job(source, args.floor_rows))
        ratios.append(round_floor.seconds / round_export.seconds)
    del floor_images

    sample = source.image_bytes(args.sample)
    sample_mb = sum(map(len, sample)) / 1e6
    for max_side in (448, 224):
        plain = best_of(lambda side=max_side: pillow_loop(sample, side), 2)
        table.append((f"plain Pillow loop {max_side}", plain, sample_mb, "reference"))
        for num_proc in procs:
            job = export_job(source, len(sample), max_side=max_side, num_proc=num_proc)
            ours = best_of(job, 2)
            name = f"fireworks --max-side {max_side} --num-proc {num_proc}"
            table.append((name, ours, sample_mb, f"{plain.seconds / ours.seconds:.2f}x the loop"))

    rss = (peak_rss(source, args.rss_rows), peak_rss(source, 0))

    how = "streamed from its Parquet shards" if source.streaming else "loaded (Arrow cache)"
    print(f"\n{source.folder} [{source.split}, {how}], work folder {source.work}\n")
    print("| measurement | rows | seconds | CPU s | rows/s | image MB/s | note |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, t, megabytes, note in table:
        print(
            f"| {name} | {t.rows:,} | {t.seconds:.2f} | {t.cpu:.2f} | {t.rows / t.seconds:,.0f} "
            f"| {megabytes / t.seconds:,.1f} | {note} |"
        )
    for exported, mib in rss:
        print(f"| peak RSS, pass-through | {exported:,} | | | | | {mib:,.0f} MiB |")
    print()
    print(
        f"pass-through / floor: {ratio:.0%} on the whole run (target >= 50%); alternating "
        f"rounds of {args.floor_rows:,} rows: median {statistics.median(ratios):.0%} "
        f"({', '.join(f'{r:.0%}' for r in ratios)})"
    )
    (few, few_mib), (every, every_mib) = rss
    print(
        f"peak RSS {few_mib:.0f} MiB at {few:,} rows, {every_mib:.0f} MiB at {every:,} rows "
        f"(target: under 1024 MiB and about the same; ratio {every_mib / few_mib:.2f})"
    )


if __name__ == "__main__":
    main()
