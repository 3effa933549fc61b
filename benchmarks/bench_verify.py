"""Cold builds of a full-scale tree: this code against the previous commit and the decode floor.

    git worktree add --detach /tmp/base <previous commit>
    python benchmarks/bench_verify.py /work/bench/images --base /tmp/base --work /tmp/bench --rounds 3

Jobs, each run ``--rounds`` times, interleaved (one of each, then again), since other work on a
shared machine makes any one run 10-15 % slower or faster; each round starts one job further
on, so no job always follows the same one (a build leaves 2 GB to write back, the floor none),
and the disk is synced before each job; the table gives every run, the
1-minute load average just before it, the median, and the peak memory (PSS summed over the
process and its workers, sampled every 50 ms in one more, untimed, run of each job: sampling
slows a build by 15 %; see ``bench_build.py``):

- decode floor: one process per core doing only what the data contract demands of each file:
  read it, SHA-256 it, draft-decode it with Pillow (the previous verification's decode);
- previous commit: ``cat-breeds-vlm build`` of the ``--base`` checkout, empty cache;
- this commit: the same command with this checkout, empty cache;
- any ``--variant NAME=ARGS`` more: this commit with extra build options (say
  ``--variant "gate off=--no-strict-jpeg --min-side 0 --max-aspect 0 --min-spread 0"``).

Before each job the tree is read once, untimed, so every job starts from the page cache.
Then a breakdown of one cold build of this commit by stage (``--phases``). Run by hand.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_build import measure, warm  # noqa: E402

DECODE_FLOOR = """
import hashlib, io, os, sys
from multiprocessing import Pool
from PIL import Image

def work(path):
    with open(path, "rb") as f:
        data = f.read()
    hashlib.sha256(data).hexdigest()
    with Image.open(io.BytesIO(data)) as im:
        im.draft(im.mode, (max(1, im.width // 8), max(1, im.height // 8)))
        im.load()

paths = sorted(os.path.join(d, n) for d, _, names in os.walk(sys.argv[1]) for n in names)
with Pool(int(sys.argv[2])) as pool:
    for _ in pool.imap_unordered(work, paths, chunksize=256):
        pass
"""

PHASES = """
import sys, time
from pathlib import Path
from cat_breeds_vlm.pipeline import stages
from cat_breeds_vlm.pipeline.builder import CatBreedsVLMConfig
from cat_breeds_vlm.pipeline.folder import build_folder
images, out, num_proc = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
clock = {}
for name in ("verify_all", "_judge_all", "find_near_duplicates", "plan"):  # the walk feeds verify_all
    func = getattr(stages, name)
    def timed(*args, _func=func, _name=name, **kwargs):
        start = time.perf_counter()
        try:
            return _func(*args, **kwargs)
        finally:
            clock[_name] = clock.get(_name, 0.0) + time.perf_counter() - start
    setattr(stages, name, timed)
start = time.perf_counter()
report = build_folder(images, out, CatBreedsVLMConfig(), num_proc=num_proc, progress=False)
total = time.perf_counter() - start
report = report.to_json() if hasattr(report, "to_json") else report  # typed since 0.3.0
for name, seconds in clock.items():
    print(f"{name}\\t{seconds:.2f}")
print(f"write (rows, Parquet shards, report, card)\\t{total - sum(clock.values()):.2f}")
print(f"(skipped files: {len(report['skipped'])}, near-duplicate groups: {len(report.get('near_duplicates', []))})\\t")
print(f"total\\t{total:.2f}")
"""


def jobs(args: argparse.Namespace, work: Path) -> list[tuple[str, list[str], dict]]:
    """(name, argv, env) of every job of one round."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", TQDM_DISABLE="1")
    build = [sys.executable, "-m", "cat_breeds_vlm", "build", str(args.images), "--num-proc", str(args.num_proc)]
    found = [("decode floor", [sys.executable, "-c", DECODE_FLOOR, str(args.images), str(args.num_proc)], env)]
    if args.base:
        found.append(("previous commit", build, dict(env, PYTHONPATH=str(args.base.resolve()))))
    found.append(("this commit", build, env))
    for variant in args.variant:
        name, _, extra = variant.partition("=")
        found.append((name, build + shlex.split(extra), env))
    return found


def run_round(args: argparse.Namespace, work: Path, number: int, sample: bool = False) -> list[dict]:
    """One run of every job, each with an empty verification cache and a fresh output folder;
    timed unsampled, or sampled for memory only."""
    rows = []
    every = list(enumerate(jobs(args, work)))
    turn = number % len(every)
    for index, (name, argv, env) in every[turn:] + every[:turn]:
        home = work / f"hf-{number}-{index}"
        shutil.rmtree(home, ignore_errors=True)
        out = work / f"out-{number}-{index}"
        shutil.rmtree(out, ignore_errors=True)
        if name != "decode floor":
            argv = argv + ["-o", str(out)]
        warm(args.images)
        os.sync()  # the last job's writes are not written back during this one
        load = os.getloadavg()[0]
        # Run outside any checkout: ``python -m`` puts the working folder first on sys.path, so
        # from the repository the --base job would import this checkout, not its PYTHONPATH.
        label = "memory run" if sample else f"round {number}"
        row = measure(f"{name} ({label})", argv, dict(env, HF_HOME=str(home)), cwd=work, sample=sample)
        rows.append({"job": name, "index": index, "seconds": row["seconds"], "pss": row["pss_mib"], "load": load})
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
    return rows


def table(rows: list[dict], memory: list[dict]) -> str:
    """Every timed run with its load, the median, and the memory run's peak, one line per job."""
    names = list(dict.fromkeys(r["job"] for r in sorted(rows, key=lambda r: r["index"])))
    lines = ["| job | runs, s (1-min load before each) | median, s | peak PSS, MiB |", "|---|---|---:|---:|"]
    medians = {}
    for name in names:
        mine = [r for r in rows if r["job"] == name]
        medians[name] = statistics.median(r["seconds"] for r in mine)
        runs = ", ".join(f"{r['seconds']:.1f} ({r['load']:.1f})" for r in mine)
        peak = max((r["pss"] for r in memory if r["job"] == name), default=0)
        lines.append(f"| {name} | {runs} | {medians[name]:.1f} | {peak:.0f} |")
    lines.append("")
    references = [n for n in ("decode floor", "previous commit", "this commit") if n in medians]
    for name in names:
        ratios = [f"{medians[name] / medians[ref]:.2f}x {ref}" for ref in references if ref != name]
        lines.append(f"- {name}: " + "; ".join(ratios))
    return "\n".join(lines)


def phases(args: argparse.Namespace, work: Path) -> str:
    """Where one cold build of this commit spends its time, by stage."""
    home, out = work / "hf-phases", work / "out-phases"
    for path in (home, out):
        shutil.rmtree(path, ignore_errors=True)
    warm(args.images)
    env = dict(os.environ, HF_HOME=str(home), HF_HUB_OFFLINE="1", TQDM_DISABLE="1")
    done = subprocess.run(
        [sys.executable, "-c", PHASES, str(args.images), str(out), str(args.num_proc)],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    )
    for path in (home, out):
        shutil.rmtree(path, ignore_errors=True)
    lines = ["| stage | seconds |", "|---|---:|"]
    lines += [f"| {name} | {seconds} |" for name, seconds in (line.split("\t") for line in done.stdout.splitlines())]
    return "\n".join(lines)


def main() -> None:
    """Run the rounds, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("images", type=Path)
    parser.add_argument("--base", type=Path, help="a checkout of the previous commit (run with PYTHONPATH)")
    parser.add_argument("--work", type=Path, default=Path("benchmarks/work"))
    parser.add_argument("--num-proc", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variant", action="append", default=[], metavar="NAME=ARGS")
    parser.add_argument("--phases", action="store_true", help="also time one cold build by stage")
    args = parser.parse_args()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for number in range(1, args.rounds + 1):
        rows += run_round(args, work, number)
    memory = run_round(args, work, 0, sample=True)
    files = sum(len(names) for _, _, names in os.walk(args.images))
    print(
        f"Tree: {args.images} ({files:,} files), {os.cpu_count()} cores, num_proc={args.num_proc}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n"
    )
    print(table(rows, memory))
    if args.phases:
        print("\nOne cold build of this commit, by stage:\n")
        print(phases(args, work))


if __name__ == "__main__":
    main()
