"""Benchmark the build on a full-scale tree against the read floor and the stock `datasets` way.

    python benchmarks/make_tree.py /work/bench/images            # 126,607 synthetic photos, ~2 GB
    python benchmarks/bench_build.py /work/bench/images --work /work/bench/run

Each job runs in its own process; its wall time and peak memory are measured from outside,
sampled every 50 ms from /proc: PSS summed over the process and its workers (forked workers
share pages, which a plain RSS sum would count twice) and the largest single RSS. Before each
job the tree is read once, untimed, so every job starts with the files in the page cache (a
cold disk here reads these small files at ~9 MB/s, which would make every job disk-bound).
Measured jobs:

- read floor: read every image file once (one process);
- cold dry run: ``build --dry-run`` (scan, verify, plan; writes nothing) with an empty cache;
- cold build: ``cat-breeds-vlm build`` with an empty verification cache (a fresh HF_HOME);
- rebuild: the same tree, another seed, another output folder, the cache kept;
- stock: ``load_dataset("imagefolder")``, two stratified ``train_test_split``s, ``map`` to add
  conversations, embed the image bytes, ``to_parquet`` (no image verification at all).

Prints a Markdown table. Run by hand; not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

READ_FLOOR = """
import os, sys
total = 0
for dirpath, _, names in os.walk(sys.argv[1]):
    for name in names:
        with open(os.path.join(dirpath, name), "rb") as f:
            total += len(f.read())
print(total)
"""

# The stock pipeline. Breeds with fewer than 10 photos are dropped first: stratified
# train_test_split raises on a class of one photo (York Chocolate), as the issue reports.
STOCK = """
import sys, collections
from datasets import load_dataset, ClassLabel
from datasets.table import embed_table_storage
data_dir, out = sys.argv[1], sys.argv[2]
ds = load_dataset("imagefolder", data_dir=data_dir, split="train")
counts = collections.Counter(ds["label"])
ds = ds.filter(lambda labels: [counts[l] >= 10 for l in labels], input_columns="label", batched=True)
names = ds.features["label"].names
first = ds.train_test_split(test_size=0.2, stratify_by_column="label", seed=42)
second = first["test"].train_test_split(test_size=0.5, stratify_by_column="label", seed=42)
splits = {"train": first["train"], "val": second["train"], "test": second["test"]}
def add_conversations(batch):
    return {"conversations": [[{"from": "human", "value": "<image>\\nWhat breed is this cat?"},
                               {"from": "gpt", "value": f"This is a {names[l]}."}] for l in batch["label"]]}
for name, split in splits.items():
    split = split.map(add_conversations, batched=True)
    split = split.with_format("arrow").map(embed_table_storage, batched=True).with_format(None)
    split.to_parquet(f"{out}/{name}.parquet")
print("ok")
"""


def _field_kb(path: str, name: str) -> int:
    with open(path) as f:
        return next((int(line.split()[1]) for line in f if line.startswith(name)), 0)


def _tree_memory_kb(pid: int) -> tuple[int, int]:
    """(PSS summed, largest RSS) over a process and all its descendants, in KiB."""
    pss, rss, todo = 0, 0, [pid]
    while todo:
        current = todo.pop()
        try:
            pss += _field_kb(f"/proc/{current}/smaps_rollup", "Pss:")
            rss = max(rss, _field_kb(f"/proc/{current}/status", "VmRSS:"))
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return pss, rss


def warm(images: Path) -> None:
    """Read the whole tree once, untimed, so the next job finds it in the page cache."""
    subprocess.run([sys.executable, "-c", READ_FLOOR, str(images)], check=True, capture_output=True)


def measure(name: str, argv: list[str], env: dict | None = None, cwd: Path | None = None, sample: bool = True) -> dict:
    """Run one job (in ``cwd``, if given); return its wall time and the peak memory (MiB) of
    its process tree, sampled every 50 ms (0 when ``sample`` is false).

    Sampling is not free: reading ``/proc/PID/smaps_rollup`` walks a process's page tables and
    holds its memory-map lock, so a build with ~700 MB mapped in three processes ran 3-4 s
    (15 %) slower while sampled. Time with ``sample=False`` and take memory from another run.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_pss = peak_rss = 0
    done = threading.Event()

    def sample_memory() -> None:
        nonlocal peak_pss, peak_rss
        while not done.is_set():
            pss, rss = _tree_memory_kb(proc.pid)
            peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample_memory, daemon=True)
    if sample:
        sampler.start()
    out, err = proc.communicate()
    done.set()
    if sample:
        sampler.join()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{name} failed:\n{err[-3000:]}")
    memory = f", peak PSS {peak_pss / 1024:.0f} MiB" if sample else ""
    print(f"{name}: {seconds:.1f} s{memory}", file=sys.stderr)
    return {"job": name, "seconds": seconds, "pss_mib": peak_pss / 1024, "rss_mib": peak_rss / 1024}


def main() -> None:
    """Run every job and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("images", type=Path)
    parser.add_argument("--work", type=Path, default=Path("benchmarks/work"))
    parser.add_argument("--num-proc", type=int, default=2)
    parser.add_argument("--skip-stock", action="store_true")
    args = parser.parse_args()
    work = args.work.resolve()
    shutil.rmtree(work, ignore_errors=True)
    (work / "stock").mkdir(parents=True)
    env = dict(os.environ, HF_HOME=str(work / "hf_home"), HF_HUB_OFFLINE="1", TQDM_DISABLE="1")
    cli = [sys.executable, "-m", "cat_breeds_vlm"]
    build = cli + ["build", str(args.images), "--num-proc", str(args.num_proc)]
    dry_env = dict(env, HF_HOME=str(work / "hf_home_dry_run"))
    jobs = [
        ("read floor", [sys.executable, "-c", READ_FLOOR, str(args.images)], env),
        ("cold dry run (writes nothing)", build + ["-o", str(work / "dry"), "--dry-run"], dry_env),
        ("cold build", build + ["-o", str(work / "a")], env),
        ("rebuild, another seed", build + ["-o", str(work / "b"), "--seed", "7"], env),
    ]
    if not args.skip_stock:
        jobs.append(
            ("stock datasets pipeline", [sys.executable, "-c", STOCK, str(args.images), str(work / "stock")], env)
        )
    rows = []
    for name, argv, job_env in jobs:
        warm(args.images)
        rows.append(measure(name, argv, job_env))
    size = sum(p.stat().st_size for p in args.images.rglob("*") if p.is_file())
    table = [
        f"Tree: {args.images} ({size / 2**30:.2f} GiB), {os.cpu_count()} cores, num_proc={args.num_proc}",
        "",
        "| job | seconds | peak PSS, all processes (MiB) | largest RSS (MiB) |",
        "|---|---:|---:|---:|",
    ]
    table += [f"| {r['job']} | {r['seconds']:.1f} | {r['pss_mib']:.0f} | {r['rss_mib']:.0f} |" for r in rows]
    by = {r["job"]: r["seconds"] for r in rows}
    table.append("")
    table.append(f"cold build / read floor = {by['cold build'] / by['read floor']:.2f}x (target <= 5x)")
    table.append(f"rebuild / cold build = {by['rebuild, another seed'] / by['cold build']:.2f}x (target <= 0.5x)")
    if "stock datasets pipeline" in by:
        table.append(f"cold build / stock = {by['cold build'] / by['stock datasets pipeline']:.2f}x (target <= 0.3x)")
    print(textwrap.dedent("\n".join(table)))


if __name__ == "__main__":
    main()
