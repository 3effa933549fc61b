"""Time the command line's answer to the common wrong turns; print a Markdown table.

    python benchmarks/bench_wrong_turns.py /work/bench/images demo/cat_breeds_vlm --runs 5

Targets (issue 12): a local mistake answers in under 2 s (the CLI loads its heavy modules only
after DATASET and the options are checked), an unreachable Hub in under 10 s (one request, no
retries). IMAGE_DIR is a folder of photos, BUILD a built folder.

Every case runs as a fresh ``cat-breeds-vlm`` process with its own empty Hugging Face cache,
its wall time from the process start to its exit. The cases run interleaved (run 1 of every
case, then run 2 ...), so drift on the shared machine hits them alike; the median is shown.
The Hub cases point ``HF_ENDPOINT`` at 127.0.0.1 only: a port that refuses, and a server that
accepts and never answers (with huggingface_hub's telemetry on, its once-a-day look-up of an
agent registry waits 3 s more there). Nothing reaches the real Hub. Run by hand; not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

LOCAL_TARGET_S = 2.0
HUB_TARGET_S = 10.0


def cases(images: Path, build: Path, scratch: Path) -> list[tuple[str, list[str], dict[str, str]]]:
    """(label, arguments, extra environment) of every wrong turn timed."""
    llava = scratch / "train.json"
    llava.write_text('[{"id": "a", "image": "a.jpg", "conversations": []}]\n')
    refused, stalled = _refused_port(), _stalling_port()
    return [
        ("stats IMAGE_DIR (photos, not a build)", ["stats", str(images)], {}),
        ("stats ./no-such-folder", ["stats", "./no-such-folder"], {}),
        ("export fireworks IMAGE_DIR", ["export", "fireworks", str(images), "-o", str(scratch / "x.jsonl")], {}),
        ("export prompts BUILD -s validation", ["export", "prompts", str(build), "-s", "validation", "-o", "x"], {}),
        ("score IMAGE_DIR missing.jsonl", ["score", str(images), str(scratch / "missing.jsonl")], {}),
        ("build IMAGE_DIR --num-proc 0", ["build", str(images), "--num-proc", "0"], {}),
        (
            "build IMAGE_DIR --val-ratio .5 --test-ratio .6",
            ["build", str(images), "--val-ratio", ".5", "--test-ratio", ".6"],
            {},
        ),
        ("validate fireworks LLAVA_FILE", ["validate", "fireworks", str(llava)], {}),
        ("stats owner/name, Hub port refuses", ["stats", "owner/name"], {"HF_ENDPOINT": refused}),
        ("stats owner/name, Hub never answers", ["stats", "owner/name"], {"HF_ENDPOINT": stalled}),
        ("  same, telemetry off", ["stats", "owner/name"], {"HF_ENDPOINT": stalled, "HF_HUB_DISABLE_TELEMETRY": "1"}),
    ]  # fmt: skip


def _refused_port() -> str:
    with socket.socket() as probe:  # bound, then released: nothing listens there
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def _stalling_port() -> str:
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []  # accepted and kept open, never answered
    threading.Thread(target=lambda: [held.append(server.accept()[0]) for _ in iter(int, 1)], daemon=True).start()
    return f"http://127.0.0.1:{server.getsockname()[1]}"


def run_once(cli: str, args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """(seconds, exit code, last line of output) of one fresh process."""
    with tempfile.TemporaryDirectory(prefix="bench-wrong-turns-") as home:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("HF_")} | env | {"HF_HOME": home}
        start = time.perf_counter()
        done = subprocess.run([cli, *args], env=environment, capture_output=True, text=True, timeout=120)
        seconds = time.perf_counter() - start
    lines = (done.stderr or done.stdout).strip().splitlines()
    return seconds, done.returncode, lines[-1] if lines else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("images", type=Path, help="a folder of photos ({breed}/*.jpg)")
    parser.add_argument("build", type=Path, help="a built dataset folder")
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    cli = shutil.which("cat-breeds-vlm") or str(Path(sys.executable).parent / "cat-breeds-vlm")
    with tempfile.TemporaryDirectory() as scratch:
        table = cases(options.images, options.build, Path(scratch))
        times: dict[str, list[float]] = {label: [] for label, _, _ in table}
        last: dict[str, tuple[int, str]] = {}
        for _ in range(options.runs):
            for label, args, env in table:
                seconds, code, line = run_once(cli, args, env)
                times[label].append(seconds)
                last[label] = (code, line)
    print(f"load average before: {os.getloadavg()[0]:.2f}; {options.runs} interleaved runs each\n")
    print("| wrong turn | median s | max s | target | exit | last line of output |")
    print("| --- | ---: | ---: | --- | ---: | --- |")
    for label, _, env in table:
        target = HUB_TARGET_S if "HF_ENDPOINT" in env else LOCAL_TARGET_S
        median, worst = statistics.median(times[label]), max(times[label])
        verdict = "ok" if worst < target else "MISSED"
        code, line = last[label]
        print(f"| {label} | {median:.2f} | {worst:.2f} | < {target:g} s {verdict} | {code} | {line[:110]} |")


if __name__ == "__main__":
    main()
