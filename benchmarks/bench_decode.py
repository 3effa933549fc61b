"""Per-photo cost of verification's decode: the previous path (Pillow draft decode) against
this one (strict libjpeg-turbo decode, measurements, thumbnail), on photos held in memory.

    python benchmarks/bench_decode.py /work/bench/images [--photos 3000] [--rounds 5]

One process, no disk: the first ``--photos`` files in sorted order (a few of every breed) are
read once, then each path runs over all of them, the paths interleaved, ``--rounds`` times.
Prints the median microseconds a photo and the 1-minute load average beside each round.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import statistics
import time
import warnings
from pathlib import Path

import simplejpeg
from PIL import Image

from cat_breeds_vlm.pipeline.measure import DECODE_MIN_SIDE, measure


def previous_path(data: bytes) -> None:
    """What verification did per file before: SHA-256, then Pillow's identify and draft decode."""
    hashlib.sha256(data).hexdigest()
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as im:
            im.draft(im.mode, (max(1, im.width // 8), max(1, im.height // 8)))
            im.load()


def this_path(data: bytes) -> None:
    """What verification does per file now: SHA-256, then :func:`measure`."""
    hashlib.sha256(data).hexdigest()
    measure(data)


def strict_decode_only(data: bytes) -> None:
    """Only the strict scaled decode (what the measurements add is the rest of ``this_path``)."""
    simplejpeg.decode_jpeg(data, colorspace="RGB", min_width=DECODE_MIN_SIDE, min_height=DECODE_MIN_SIDE)


def main() -> None:
    """Time the paths and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("images", type=Path)
    parser.add_argument("--photos", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    per_breed = max(1, args.photos // len([d for d in args.images.iterdir() if d.is_dir()]))
    files = [f for d in sorted(args.images.iterdir()) if d.is_dir() for f in sorted(d.iterdir())[:per_breed]]
    datas = [f.read_bytes() for f in files[: args.photos]]
    paths = {
        "previous: SHA-256 + Pillow draft decode": previous_path,
        "this: SHA-256 + measure (strict decode, size, spread, thumbnail)": this_path,
        "this, strict scaled decode alone": strict_decode_only,
    }
    times: dict[str, list[float]] = {name: [] for name in paths}
    loads = []
    for _ in range(args.rounds):
        loads.append(os.getloadavg()[0])
        for name, func in paths.items():
            start = time.perf_counter()
            for data in datas:
                func(data)
            times[name].append((time.perf_counter() - start) / len(datas) * 1e6)
    print(
        f"{len(datas):,} photos, {args.rounds} interleaved rounds (1-min load before each: "
        f"{', '.join(f'{x:.1f}' for x in loads)})\n"
    )
    print("| path | median us a photo | rounds |", "|---|---:|---|", sep="\n")
    for name, values in times.items():
        print(f"| {name} | {statistics.median(values):.0f} | {', '.join(f'{v:.0f}' for v in values)} |")


if __name__ == "__main__":
    main()
