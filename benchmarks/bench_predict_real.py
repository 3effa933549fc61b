"""``predict`` against a real server nobody here wrote: ``transformers serve`` with a tiny LLaVA.

    /tmp/tsvenv/bin/python benchmarks/bench_predict_real.py [--work benchmarks/work/real] [--rows 20]

Run with a Python that has ``transformers[serving]`` (and a CPU ``torch``) and this project
installed, e.g. a venv made with ``python3.11 -m venv /tmp/tsvenv``, then ``pip install
torch==2.13.0`` (first: a plain ``torch`` pulls a CUDA build), ``pip install
"transformers[serving]"`` and ``pip install -e .``. Nothing is downloaded: the model is a tiny
LLaVA with random weights (a 2-layer CLIP vision tower on 56 px images, 16 image tokens, a
2-layer Llama, a byte-level BPE tokenizer trained here with ChatML-style special tokens), built
from configs and saved to ``WORK/tiny-vlm``; the server runs with ``HF_HUB_OFFLINE=1`` on
127.0.0.1. The dataset is a small synthetic build made with ``cat-breeds-vlm demo``.

What it checks and measures, each ``predict`` a fresh ``cat-breeds-vlm`` process:

1. the happy path (server pinned to the model): ``--rows`` rows answered; a rerun asks nothing;
   ``score`` reads the answers;
2. a wrong model name, on the pinned server (it answers 400) and on a server loading models on
   demand (it answers 500), and on the loopback stand-in of the tests (tests/chat_server.py,
   400 in FastAPI's shape): the seconds until the one-line error and the chat requests the
   server received (the probe alone: at most one);
3. a base URL without ``/v1``: the seconds, the requests, the error line;
4. ``kill -9`` of the server after a few answers, and a restart on the same port 2 s later: the
   client's retries carry the run (a rerun asks what they did not); every row answered once,
   no duplicate.

The chat requests a real server received are counted from its access log (uvicorn's lines).
Prints one line per check and the figures; exits non-zero when a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHAT = '/chat/completions HTTP/1.1"'
#: Text the tiny model's tokenizer is trained on.
TOKENIZER_TEXT = ["What breed is this cat? It appears to be a Bengal. This is a Maine Coon, not a Siamese."] * 50


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``transformers serve`` in its own process on 127.0.0.1 (pinned to ``model``, or loading
    models on demand when None), its access log in ``log``."""

    def __init__(self, model: Path | None, port: int, log: Path) -> None:
        self.model, self.port, self.log = model, port, log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> float:
        """Start it and wait until it answers ``/health``; the seconds that took."""
        command = [str(Path(sys.executable).with_name("transformers")), "serve"]
        command += [str(self.model)] if self.model is not None else []
        command += ["--device", "cpu", "--host", "127.0.0.1", "--port", str(self.port)]
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error"}
        started = time.monotonic()
        with self.log.open("a") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        while time.monotonic() - started < 300:
            try:
                urllib.request.urlopen(f"{self.url}/health", timeout=2).read()
                return time.monotonic() - started
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit(f"transformers serve exited: see {self.log}") from None
                time.sleep(0.2)
        raise SystemExit("transformers serve did not start in 300 s")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def chats(self) -> int:
        """Chat requests answered so far (uvicorn's access log lines)."""
        return self.log.read_text(errors="replace").count(CHAT)


# A command in a child whose clock starts after the imports a run needs: on a loaded machine
# importing datasets and openai alone takes seconds, which says nothing of predict.
TIMED = """
import json, sys, time
import cat_breeds_vlm.evaluate.predict, cat_breeds_vlm.export.source
from cat_breeds_vlm.cli import main
started, code = time.monotonic(), 0
try:
    main(sys.argv[2:], prog_name="cat-breeds-vlm")
except SystemExit as exit:
    code = exit.code
with open(sys.argv[1], "w") as timing:
    json.dump({"seconds": time.monotonic() - started, "code": code}, timing)
sys.exit(code)
"""


def timed_cli(timing: Path, *args: str) -> tuple[subprocess.CompletedProcess, float, float]:
    """``cli`` in a child timing the command itself: its result, its seconds after the
    imports, and the process's wall time."""
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", TIMED, str(timing), *args], capture_output=True, text=True,
                            env={**os.environ, "TQDM_DISABLE": "1"})  # fmt: skip
    return result, json.loads(timing.read_text())["seconds"], time.monotonic() - started


def cli(*args: str) -> tuple[subprocess.CompletedProcess, float]:
    """``cat-breeds-vlm ARGS`` in a fresh process (no progress bar); its result and seconds."""
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "cat_breeds_vlm", *args], capture_output=True, text=True,
                            env={**os.environ, "TQDM_DISABLE": "1"})  # fmt: skip
    return result, time.monotonic() - started


def predict_args(dataset: Path, url: str, model: str, out: Path, *extra: str) -> list[str]:
    return ["predict", str(dataset), "--base-url", url, "--model", model, "-o", str(out), *extra]


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def check(ok: bool, what: str, failures: list[str]) -> None:
    print(f"{'ok  ' if ok else 'FAIL'} {what}", flush=True)
    if not ok:
        failures.append(what)


def wrong_model(dataset: Path, url: str, out: Path, chats: Callable[[], int], failures: list[str], where: str) -> None:
    """A wrong model name: one line, under 5 s, at most one chat request."""
    before = chats()
    timing = out.with_name(f"{out.stem}.timing.json")
    result, seconds, wall = timed_cli(timing, *predict_args(dataset, url, "no-such-model", out))
    sent = chats() - before
    error = result.stderr.strip().splitlines()
    print(f"     wrong model, {where}: exit {result.returncode} in {seconds:.2f} s ({wall:.1f} s with the "
          f"imports, load {os.getloadavg()[0]:.1f}), {sent} chat request(s): {error[-1] if error else ''}")  # fmt: skip
    check(result.returncode == 1 and len(error) == 1 and seconds < 5 and sent <= 1,
          f"wrong model ({where}) ends in one line, in under 5 s, after at most one row", failures)  # fmt: skip


def loopback_wrong_model(dataset: Path, work: Path, failures: list[str]) -> None:
    """The same against the tests' stand-in server, answering 400 in FastAPI's shape."""
    sys.path.insert(0, str(ROOT / "tests"))
    from chat_server import Action, ChatServer

    refusal = Action("status", status=400, message="Server is pinned to 'tiny-vlm'", shape="fastapi")
    with ChatServer(models=("tiny-vlm",), wrong_model=refusal) as server:

        def chats() -> int:
            return sum(p.endswith("/chat/completions") for p in server.paths)

        wrong_model(dataset, server.base_url, work / "loopback-wrong.jsonl", chats, failures, "loopback")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work" / "real")
    parser.add_argument("--rows", type=int, default=20, help="rows of the happy path")
    parser.add_argument("--kill-rows", type=int, default=24, help="rows of the run whose server is killed")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a stopped benchmark stops its servers too
    work: Path = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    for old in [*work.glob("*.jsonl"), *work.glob("*.json"), *work.glob("*.log")]:
        old.unlink()
    model = work / "tiny-vlm"
    if not (model / "config.json").exists():
        from tiny_vlm import save_tiny_vlm  # needs torch and transformers: only when made

        save_tiny_vlm(model, TOKENIZER_TEXT)
    dataset = work / "demo" / "cat_breeds_vlm"
    if not dataset.exists():
        result, seconds = cli("demo", "-o", str(work / "demo"), "--photos", "400")
        assert result.returncode == 0, result.stderr
    failures: list[str] = []
    loopback_wrong_model(dataset, work, failures)

    pinned = Server(model, free_port(), work / "pinned.log")
    print(f"     pinned server up in {pinned.start():.1f} s", flush=True)
    try:
        url, name = f"{pinned.url}/v1", str(model)
        out = work / "happy.jsonl"
        result, seconds = cli(*predict_args(dataset, url, name, out, "--limit", str(args.rows)))
        answered = lines(out)
        print(f"     happy path: {len(answered)} rows in {seconds:.1f} s, {pinned.chats()} chat requests; "
              f"{result.stdout.strip()}")  # fmt: skip
        check(result.returncode == 0 and len({a["id"] for a in answered}) == args.rows,
              f"{args.rows} rows answered", failures)  # fmt: skip
        before = pinned.chats()
        again, seconds = cli(*predict_args(dataset, url, name, out, "--limit", str(args.rows)))
        check(again.returncode == 0 and pinned.chats() == before and "answered 0" in again.stdout.lower(),
              f"a rerun asks nothing ({seconds:.1f} s)", failures)  # fmt: skip
        scored, _ = cli("score", str(dataset), str(out))
        check(scored.returncode == 0 and "accuracy" in scored.stdout.lower(), "score reads the answers", failures)
        wrong_model(dataset, url, work / "wrong.jsonl", pinned.chats, failures, "transformers serve pinned")
        before = pinned.chats()
        result, seconds, wall = timed_cli(work / "nov1.timing.json",
                                          *predict_args(dataset, pinned.url, name, work / "nov1.jsonl"))  # fmt: skip
        error = result.stderr.strip()
        print(f"     no /v1: exit {result.returncode} in {seconds:.2f} s ({wall:.1f} s with the imports), "
              f"{pinned.chats() - before} chat request(s): {error}")  # fmt: skip
        check(result.returncode == 1 and "lacks /v1" in error, "a base URL without /v1 is named", failures)
        kill_and_restart(pinned, dataset, name, work, args.kill_rows, failures)
    finally:
        pinned.kill()

    on_demand = Server(None, free_port(), work / "on-demand.log")
    print(f"     on-demand server up in {on_demand.start():.1f} s", flush=True)
    try:
        wrong_model(dataset, f"{on_demand.url}/v1", work / "wrong-on-demand.jsonl", on_demand.chats, failures,
                    "transformers serve on demand")  # fmt: skip
    finally:
        on_demand.kill()
    print(f"\n{len(failures)} check(s) failed" if failures else "\nall checks passed")
    return 1 if failures else 0


def kill_and_restart(server: Server, dataset: Path, name: str, work: Path, rows: int, failures: list[str]) -> None:
    """``kill -9`` the server after a few answers, restart it 2 s later; the run carries on.

    The server takes tens of seconds to come back on a loaded machine (importing torch and
    transformers): the run gets 30 retries (its backoff tops out at 8 s, about 4 minutes in
    all). Were they spent anyway, a rerun asks the rows that failed: reported as such.
    """
    out = work / "killed.jsonl"
    args = predict_args(dataset, f"{server.url}/v1", name, out, "--limit", str(rows), "--concurrency", "2",
                        "--max-retries", "30")  # fmt: skip
    started = time.monotonic()
    run = subprocess.Popen([sys.executable, "-m", "cat_breeds_vlm", *args], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, env={**os.environ, "TQDM_DISABLE": "1"})  # fmt: skip
    while len(lines(out)) < 5 and run.poll() is None:
        time.sleep(0.05)
    killed_at = len(lines(out))
    server.kill()
    time.sleep(2)
    restart = server.start()
    stdout, stderr = run.communicate(timeout=900)
    print(f"     kill -9 after {killed_at} answers, server back {restart + 2:.1f} s later; run ended "
          f"{time.monotonic() - started:.1f} s after its start: exit {run.returncode}; {stdout.strip()} "
          f"{stderr.strip()}")  # fmt: skip
    carried = run.returncode == 0
    if not carried:
        again, seconds = cli(*args)
        print(f"     rerun: exit {again.returncode} in {seconds:.1f} s; {again.stdout.strip()}")
    ids = [a["id"] for a in lines(out)]
    check(len(ids) == len(set(ids)) == rows, f"a kill -9 of the server mid-run and a restart: every row answered "
          f"once, no duplicate ({'by the retries alone' if carried else 'with a rerun'})", failures)  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
