"""Write a synthetic image tree (full scale by default) and report how long it took and its size.

    python benchmarks/make_tree.py OUT [--total N] [--workers 2] [--seed 0]

The full-scale tree (126,607 photos, ~2 GB) is the input of the other benchmarks. OUT must not
exist yet or be empty, so a tree is never a mix of two runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from cat_breeds_vlm.demo import REAL_TOTAL, make_tree, scaled_counts


def tree_size(root: Path) -> tuple[int, int]:
    """The number of files below ``root`` and their total size in bytes."""
    files = size = 0
    for folder, _, names in os.walk(root):
        for name in names:
            files += 1
            size += os.stat(os.path.join(folder, name)).st_size
    return files, size


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, write the tree, print the timing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write (must not exist, or be empty)")
    parser.add_argument("--total", type=int, default=None, help=f"photos (default {REAL_TOTAL:,})")
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    args = parser.parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()):
        parser.error(f"{args.out} is not empty")

    counts = scaled_counts(args.total)
    start = time.perf_counter()
    written = make_tree(args.out, counts, seed=args.seed, workers=args.workers, progress=True)
    seconds = time.perf_counter() - start
    files, size = tree_size(args.out)
    print(
        f"{written:,} photos in {len(counts)} breed folders, {files:,} files, "
        f"{size / 1e9:.2f} GB ({size / max(files, 1) / 1e3:.1f} KB a file), "
        f"in {seconds:.1f} s with {args.workers} worker(s): {written / seconds:,.0f} photos/s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
