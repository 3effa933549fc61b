"""Near-duplicate search: recall on planted copies, precision on distinct photos, and speed.

    python benchmarks/bench_neardup.py /work/bench/images [--originals 100] [--threshold 6]

- recall: every kind of copy of ``tests/variant_fixtures.py`` (re-encodes at JPEG quality
  50-95, resizes to 50-100 %, PNG re-saves, brightness within 10 %, border crops of 1-5 %) of
  ``--originals`` synthetic photos and of the photographs bundled with scikit-image and
  scikit-learn, each searched among all the others: the share found with its original;
- precision: the pairs found among distinct photos (the demo tree's 3,000, 6,000 photos of the
  full-scale tree, all of it, the bundled photographs), with the smallest distance seen;
- the quality gate: how many photos of the full-scale tree and of the demo tree it skips;
- speed: the search (index and check) over the tree's thumbnails on 2 cores, then over 4x as
  many: the tree's, plus its mirrored, flipped and rotated copies (new pictures with the same
  statistics), and again with copies a few levels of noise off (near-duplicates of their
  sources, so the answer is 3 pairs a photo); and each 4x set against a set of the same
  make-up and the tree's size (a quarter of the tree, plus the same copies of it).

The thumbnails come from verification's own measurement of each file. Run by hand.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from bundled_photos import bundled_photos  # noqa: E402
from variant_fixtures import all_copies, encode  # noqa: E402

from cat_breeds_vlm.demo import demo_counts, photo_paths, render_photo  # noqa: E402
from cat_breeds_vlm.pipeline.measure import (  # noqa: E402
    THUMB_SIDE,
    judge,  # noqa: E402
    measure,
)
from cat_breeds_vlm.pipeline.neardup import DETAIL_MIN, candidates, check, find_near_duplicates, signatures  # noqa: E402
from cat_breeds_vlm.pipeline.settings import GateSettings  # noqa: E402
from cat_breeds_vlm.workers import parallel_map  # noqa: E402


def thumb_of_file(path: str) -> tuple[bytes, str | None]:
    """The thumbnail verification keeps of one file, and why the quality gate skips it (if it does)."""
    found = measure(Path(path).read_bytes())
    return found.thumb, judge(found, GateSettings())


def thumb_of_demo(path: str) -> tuple[bytes, str | None]:
    """The same for one demo-tree photo, rendered and encoded as ``make_tree`` does."""
    found = measure(encode(render_photo(path, seed=0), quality=85))
    return found.thumb, judge(found, GateSettings())


def copies_of(item: tuple[str, Image.Image]) -> list[tuple[str, bytes]]:
    """(name, thumbnail) of an original and of each of its copies."""
    name, image = item
    found = [(name, measure(encode(image, quality=85)).thumb)]
    found += [(f"{name}~{kind}", measure(data).thumb) for kind, data in all_copies(image).items()]
    return found


def recall(originals: int, threshold: float) -> str:
    """The share of each kind of copy found with its original, and any pair of two originals."""
    pictures = [(f"synthetic{i}", render_photo(f"recall/{i}_1.jpg")) for i in range(originals)]
    for name, pixels in bundled_photos().items():
        image = Image.fromarray(pixels)
        pictures.append((name, image.resize((300, max(1, round(300 * image.height / image.width))))))
    named = [pair for found in parallel_map(copies_of, pictures, 2) for pair in found]
    pairs = find_near_duplicates([n for n, _ in named], [t for _, t in named], threshold, workers=2)
    linked = {(p.a, p.b) for p in pairs}
    hits: dict[str, list[bool]] = defaultdict(list)
    for name, _ in named:
        if "~" in name:
            original = name.split("~")[0]
            hits[name.split("~")[1].split("-")[0]].append(tuple(sorted((original, name))) in linked)
    wrong = [p for p in pairs if p.a.split("~")[0] != p.b.split("~")[0]]
    lines = [
        f"Recall at threshold {threshold:g} ({len(pictures)} originals: {originals} synthetic, "
        f"{len(pictures) - originals} bundled photographs):",
        "",
        "| copy | found | copies |",
        "|---|---:|---:|",
    ]
    lines += [f"| {kind} | {100 * sum(h) / len(h):.1f} % | {len(h)} |" for kind, h in hits.items()]
    lines += ["", f"Pairs between two different originals (or their copies): {len(wrong)} {wrong[:5]}"]
    return "\n".join(lines)


def precision(name: str, sources: list[str], thumbs: list[bytes], threshold: float) -> str:
    """Pairs found among distinct photos at ``threshold``, and the closest distinct pair at 2x."""
    start = time.perf_counter()
    pairs = find_near_duplicates(sources, thumbs, threshold, workers=2)
    seconds = time.perf_counter() - start
    closest = closest_distinct(thumbs, 2 * threshold) if len(sources) <= 10_000 else None
    return f"| {name} | {len(sources):,} | {len(pairs)} | {closest} | {seconds:.2f} | {os.getloadavg()[0]:.1f} |"


def closest_distinct(thumbs: list[bytes], reach: float) -> float | None:
    """The smallest distance between any two views of two photos, up to ``reach``, with alike
    detail: every pair within ``reach`` is a candidate at this radius, since the index's
    projection never makes two signatures farther apart."""
    pixels = np.frombuffer(b"".join(thumbs), np.uint8).reshape(len(thumbs), THUMB_SIDE, THUMB_SIDE, 3)
    views = signatures(pixels, side=2)
    found = candidates(views, [reach * THUMB_SIDE * math.sqrt(3)] * len(views), workers=2)
    distance, alike = check(pixels, found)
    near = distance[(alike >= DETAIL_MIN) & (distance <= reach)]
    return round(float(near.min()), 2) if len(near) else None


def scaled(thumbs: list[bytes], mode: str) -> list[bytes]:
    """Four times the thumbnails: the originals and three transformed copies of each."""
    pixels = np.frombuffer(b"".join(thumbs), np.uint8).reshape(len(thumbs), 16, 16, 3)
    if mode == "mirrored":
        extra = [pixels[:, :, ::-1], pixels[:, ::-1], pixels[:, ::-1, ::-1]]
    else:
        rng = np.random.default_rng(0)
        extra = [
            np.clip(pixels.astype(np.int16) + rng.integers(-2, 3, pixels.shape), 0, 255).astype(np.uint8)
            for _ in range(3)
        ]
    every = np.ascontiguousarray(np.concatenate([pixels, *extra]))
    return [row.tobytes() for row in every]


def main() -> None:
    """Measure and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("images", type=Path)
    parser.add_argument("--originals", type=int, default=100)
    parser.add_argument("--threshold", type=float, default=6.0)
    args = parser.parse_args()
    print(recall(args.originals, args.threshold), flush=True)
    files = sorted(str(p) for p in args.images.rglob("*.jpg"))
    sources = [str(Path(f).relative_to(args.images)) for f in files]
    thumbs, reasons = zip(*parallel_map(thumb_of_file, files, 2, chunksize=256))
    demo = photo_paths(demo_counts(3000), seed=0)
    demo_thumbs, demo_reasons = zip(*parallel_map(thumb_of_demo, demo, 2, chunksize=64))
    print(
        f"\nQuality gate (defaults): {sum(r is not None for r in reasons)} of {len(files):,} photos of the"
        f" full-scale tree skipped, {sum(r is not None for r in demo_reasons)} of {len(demo):,} of the demo tree"
        f" {[r for r in reasons + demo_reasons if r][:3]}"
    )
    spread = np.linspace(0, len(sources) - 1, 6000).astype(int)
    bundled = {name: Image.fromarray(p) for name, p in bundled_photos().items()}
    bundled_thumbs = [
        measure(encode(im.resize((300, max(1, round(300 * im.height / im.width)))), quality=85)).thumb
        for im in bundled.values()
    ]
    print("\nPrecision (distinct photos), and the search's time on 2 cores:\n")
    print(
        "| set | photos | pairs found | closest distinct pair (any views, up to 2x; sets up to 10,000)"
        " | search s | load |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    print(precision("bundled photographs", list(bundled), bundled_thumbs, args.threshold), flush=True)
    print(precision("demo tree", demo, demo_thumbs, args.threshold), flush=True)
    print(
        precision(
            "full-scale tree, 6,000 spread", [sources[i] for i in spread], [thumbs[i] for i in spread], args.threshold
        ),
        flush=True,
    )
    print(precision("full-scale tree", sources, thumbs, args.threshold), flush=True)
    print("\nScaling (search only, index + check, 2 cores; median of 3 interleaved runs, after a warm-up):\n")
    print("| hashes | pairs | seconds | runs |", "|---|---:|---:|---|", sep="\n")
    quarter = list(thumbs[::4])
    sets = {
        "1x: the tree": list(thumbs),
        "4x: + mirrored/flipped copies": scaled(thumbs, "mirrored"),
        "4x: + copies 2 levels of noise off": scaled(thumbs, "noise"),
        "1x of the same make-up: a quarter of the tree + mirrored/flipped copies": scaled(quarter, "mirrored"),
        "1x of the same make-up: a quarter of the tree + noisy copies": scaled(quarter, "noise"),
    }
    find_near_duplicates(sources[:5000], list(thumbs[:5000]), args.threshold, workers=2)  # warm-up
    runs: dict[str, list[float]] = defaultdict(list)
    found: dict[str, int] = {}
    for _ in range(3):
        for label, every in sets.items():
            names = [f"{i:07d}" for i in range(len(every))]
            start = time.perf_counter()
            found[label] = len(find_near_duplicates(names, every, args.threshold, workers=2))
            runs[label].append(time.perf_counter() - start)
    for label, seconds in runs.items():
        print(
            f"| {label} ({len(sets[label]):,}) | {found[label]:,} | {sorted(seconds)[1]:.2f} | "
            f"{', '.join(f'{x:.2f}' for x in seconds)} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
