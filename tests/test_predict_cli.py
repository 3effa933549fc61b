"""The ``predict`` command: one-line errors before any row is sent, the key kept out of every
output, refusals to mix runs, resuming after a kill, ``--dry-run``; ``export prompts``' images.

Against a real OpenAI-compatible server on 127.0.0.1 (tests/chat_server.py) and the real
``openai`` client; the kill is a real ``python -m cat_breeds_vlm predict`` process.
"""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import datasets
import pytest
from chat_server import Action, ChatRequest, ChatServer, ask
from cli_checks import one_line_error
from click.testing import CliRunner, Result
from conftest import interruptible

from cat_breeds_vlm.cli import main
from cat_breeds_vlm.declare import declarations
from cat_breeds_vlm.errors import SettingsError
from cat_breeds_vlm.evaluate.answers import errors_path
from cat_breeds_vlm.evaluate.predict_settings import PredictSettings
from cat_breeds_vlm.evaluate.run_record import run_record_path

MODEL = "test-model"
SECRET = "sk-test-5ecret-never-shown"
FAST = {"timeout": 2.0, "max_retries": 1}


def run_cli(build: Path, out: Path, base_url: str, *extra: str, env: dict | None = None) -> Result:
    """``cat-breeds-vlm predict`` in this process, its stdout and stderr apart."""
    args = ["predict", str(build), "--base-url", base_url, "--model", MODEL, "-o", str(out),
            "--timeout", "2", "--max-retries", "1", *extra]  # fmt: skip
    return CliRunner().invoke(main, args, env=env)


def ids_in(path: Path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_text().splitlines()]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_server_is_one_line_and_nothing_is_written(small_build: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    url = f"http://127.0.0.1:{free_port()}/v1"
    line = one_line_error(run_cli(small_build, out, url))
    assert line.startswith(f"Error: cannot reach the server at {url}")
    assert list(tmp_path.iterdir()) == []  # no empty answers file, no run record


def test_a_refused_key_is_one_line_before_any_row_and_the_key_is_never_shown(small_build: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    with ChatServer(api_key="the-right-key") as server:
        result = run_cli(small_build, out, server.base_url, env={"OPENAI_API_KEY": SECRET})
        unset = run_cli(small_build, out, server.base_url, "--api-key-env", "NO_SUCH_VAR")
    line = one_line_error(result)
    assert "refused the API key in $OPENAI_API_KEY (401" in line and SECRET not in result.output
    assert "wants an API key (401): set $NO_SUCH_VAR" in one_line_error(unset)
    assert server.paths == ["GET /v1/models"] * 2  # no row was sent


def test_the_key_is_sent_but_never_written_or_printed(small_build: Path, tmp_path: Path) -> None:
    def behave(request: ChatRequest) -> Action:  # a careless server echoing the key back
        echo = f"bad request from {request.headers['authorization']}"
        return Action() if request is server.requests[0] else Action("status", status=500, message=echo)

    out = tmp_path / "p.jsonl"
    with ChatServer(behave, api_key=SECRET) as server:
        result = run_cli(small_build, out, server.base_url, "--limit", "3",
                         env={"OPENAI_API_KEY": SECRET})  # fmt: skip
    assert result.exit_code == 1 and "2 rows failed after the retries, the last with" in result.stderr
    assert all(r.headers["authorization"] == f"Bearer {SECRET}" for r in server.requests)
    errors = errors_path(out).read_text()
    assert "bad request from Bearer ***" in errors
    for text in (result.output, errors, out.read_text(), run_record_path(out).read_text()):
        assert SECRET not in text


def test_a_file_of_another_run_is_refused(small_build: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    with ChatServer(models=(MODEL, "other-model")) as server:
        assert run_cli(small_build, out, server.base_url, "--limit", "2").exit_code == 0
        before = out.read_bytes()
        other = ["--model", "other-model"]
        line = one_line_error(run_cli(small_build, out, server.base_url, "--limit", "2", *other))
        assert "holds answers asked with model 'test-model', not 'other-model'; use another -o, or --restart" in line
        line = one_line_error(run_cli(small_build, out, server.base_url, "-s", "train"))
        assert "holds answers asked with split 'test', not 'train'" in line
        copy = shutil.copytree(small_build, tmp_path / "copy")
        line = one_line_error(run_cli(copy, out, server.base_url))
        assert f"holds answers asked with dataset '{small_build}', not '{copy}'" in line
        sent = len(server.paths)
    with ChatServer() as elsewhere:
        line = one_line_error(run_cli(small_build, out, elsewhere.base_url))
        assert "holds answers asked with base_url" in line and not elsewhere.paths
    assert len(server.paths) == sent and out.read_bytes() == before


def test_a_torn_last_line_is_dropped_and_its_row_asked_again(small_build: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    with ChatServer() as server:
        ask(small_build, out, server.base_url, limit=2, **FAST)
        first_two = ids_in(out)
        with out.open("a") as torn:  # what a kill in the middle of a write leaves
            torn.write('{"id": "Bengal/no_such_row.jp')
        summary = ask(small_build, out, server.base_url, limit=5, **FAST)
    assert (summary.answered, summary.skipped) == (3, 2)
    ids = ids_in(out)
    assert ids[:2] == first_two and len(ids) == len(set(ids)) == 5


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT], ids=["kill", "ctrl-c"])
def test_a_stopped_run_resumes_with_no_lost_and_no_repeated_id(
    small_build: Path, tmp_path: Path, stop: signal.Signals
) -> None:
    out = tmp_path / "p.jsonl"
    rows = datasets.load_dataset(str(small_build), split="test").num_rows
    with ChatServer(lambda _: Action(delay=0.15)) as server:
        args = [sys.executable, "-m", "cat_breeds_vlm", "predict", str(small_build),
                "--base-url", server.base_url, "--model", MODEL, "-o", str(out),
                "--concurrency", "2"]  # fmt: skip
        process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, preexec_fn=interruptible
        )
        deadline = time.monotonic() + 60
        while (not out.exists() or len(out.read_text().splitlines()) < 3) and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(stop)  # a kill, or Ctrl-C
        _, stderr = process.communicate(timeout=30)
        kept = ids_in(out)  # every line whole (a torn one would not parse)
        assert 3 <= len(kept) < rows  # stopped part-way
        if stop == signal.SIGINT:
            assert process.returncode == 130 and "Interrupted: every answer received" in stderr, stderr
            assert "Traceback" not in stderr
        sent = server.paths.count("POST /v1/chat/completions")
        summary = ask(small_build, out, server.base_url, **FAST)
    ids = ids_in(out)
    assert ids[: len(kept)] == kept and len(ids) == len(set(ids)) == rows
    assert summary.skipped == len(kept) and summary.answered == rows - len(kept)
    assert server.paths.count("POST /v1/chat/completions") - sent == rows - len(kept)


def test_dry_run_prints_the_first_request_and_sends_nothing(small_build: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    with ChatServer() as server:
        result = run_cli(small_build, out, server.base_url, "--dry-run", "--system", "Be brief.")
    assert result.exit_code == 0, result.output
    assert server.paths == [] and not out.exists() and not run_record_path(out).exists()
    body = json.loads(result.output[result.output.index("{") : result.output.rindex("}") + 1])
    url = body["messages"][1]["content"][0]["image_url"]["url"]
    assert url.startswith("data:image/") and url.endswith(" base64 characters)")
    assert len(url) < 100 and body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert "Dry run: nothing was sent" in result.output


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [("concurrency", 0, "an integer >= 1"), ("timeout", 0, "a number > 0"), ("max_retries", -1, "an integer >= 0"),
     ("max_tokens", 0, "an integer >= 1"), ("max_side", 0, "an integer >= 1 or None"),
     ("temperature", -0.5, "a number >= 0")],
)  # fmt: skip
def test_bad_values_are_refused_by_the_option_and_by_the_settings_alike(
    small_build: Path, tmp_path: Path, name: str, value: float, words: str
) -> None:
    option = f"--{name.replace('_', '-')}"
    result = run_cli(small_build, tmp_path / "p.jsonl", "http://127.0.0.1:9/v1", option, str(value))
    assert result.exit_code == 2 and option in result.output  # click's usage error, from the one declaration
    with pytest.raises(SettingsError) as refused:
        PredictSettings("http://x", MODEL, **{name: value})
    assert str(refused.value) == f"{name} ({option}) must be {words}, got {value!r}"


def test_every_setting_is_an_option_with_its_declared_default_and_help() -> None:
    command = main.get_command(None, "predict")
    options = {p.name: p for p in command.params}
    for declared in declarations(PredictSettings):
        option = options[declared.name]
        assert (option.help, option.required, option.opts) == (declared.help, declared.required, [declared.option])
        if not option.required:
            assert option.default == declared.default
    missing = CliRunner().invoke(main, ["predict", "some-build", "-o", "p.jsonl", "--model", MODEL])
    assert missing.exit_code == 2 and "Missing option '--base-url'" in missing.output


def test_export_prompts_can_write_the_images_beside_the_file(small_build: Path, tmp_path: Path) -> None:
    out = tmp_path / "prompts" / "test.jsonl"
    result = CliRunner().invoke(main, ["export", "prompts", str(small_build), "-o", str(out),
                                       "--write-images"])  # fmt: skip
    assert result.exit_code == 0, result.output
    split = datasets.load_dataset(str(small_build), split="test")
    split = split.cast_column("image", datasets.Image(decode=False))
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == split["id"]
    for record, row in zip(records, split, strict=True):
        assert set(record) == {"id", "question", "image"}
        assert record["image"] == f"images/{row['source']}"  # the test photos are plain JPEGs
        assert (out.parent / record["image"]).read_bytes() == row["image"]["bytes"]
    help_text = CliRunner().invoke(main, ["export", "prompts", "--help"]).output
    assert "relative to the" in help_text and "image folder the dataset was built from" in help_text


def test_help_and_a_wrong_dataset_load_neither_datasets_nor_openai(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from cat_breeds_vlm.cli import main\n"
        "help = CliRunner().invoke(main, ['predict', '--help'])\n"
        "wrong = CliRunner().invoke(main, ['predict', sys.argv[1], '--base-url', 'http://x/v1',\n"
        "                                  '--model', 'm', '-o', sys.argv[2]])\n"
        "heavy = [m for m in ('datasets', 'openai', 'pyarrow') if m in sys.modules]\n"
        "print(help.exit_code, wrong.exit_code, wrong.output.strip(), heavy, sep='|')\n"
    )
    missing, out = str(tmp_path / "no-such-build"), str(tmp_path / "p.jsonl")
    result = subprocess.run([sys.executable, "-c", probe, missing, out], capture_output=True,
                            text=True, check=True)  # fmt: skip
    assert result.stdout.strip() == f"0|1|Error: no such dataset folder: {missing}|[]"
