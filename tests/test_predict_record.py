"""One prompt per answers file: the run record, reruns refused on any difference, ``--restart``.

Real builds of the small tree, a real OpenAI-compatible server on 127.0.0.1
(tests/chat_server.py), the real command line.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from chat_server import Action, ChatServer, ask
from cli_checks import one_line_error
from click.testing import CliRunner, Result

from cat_breeds_vlm.cli import main
from cat_breeds_vlm.evaluate.answers import errors_path
from cat_breeds_vlm.evaluate.predict_settings import ANSWER_SETTINGS
from cat_breeds_vlm.evaluate.run_record import run_record_path

MODEL = "test-model"
FAST = {"timeout": 2.0, "max_retries": 1}


def run_cli(build: Path | str, out: Path, base_url: str, *extra: str) -> Result:
    args = ["predict", str(build), "--base-url", base_url, "--model", MODEL, "-o", str(out),
            "--timeout", "2", "--max-retries", "1", *extra]  # fmt: skip
    return CliRunner().invoke(main, args)


def answers_in(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_run_record_holds_every_setting_of_the_answers_and_the_datasets_version(
    small_build: Path, tmp_path: Path
) -> None:
    out = tmp_path / "p.jsonl"
    with ChatServer() as server:
        assert run_cli(small_build, out, server.base_url, "--limit", "2", "--system", "Be brief.",
                       "--max-side", "64", "--max-tokens", "9", "--temperature", "0.5").exit_code == 0  # fmt: skip
    record = json.loads(run_record_path(out).read_text())
    assert {k: record[k] for k in ANSWER_SETTINGS} == {
        "system": "Be brief.", "max_side": 64, "max_tokens": 9, "temperature": 0.5,
    }  # fmt: skip
    assert record["dataset"] == str(small_build) and record["dataset_version"].startswith("sha256 ")


@pytest.mark.parametrize(
    ("option", "value", "difference"),
    [("--system", "Name the breed.", "system None, not 'Name the breed.'"),
     ("--max-side", "48", "max_side None, not 48"),
     ("--max-tokens", "32", "max_tokens 64, not 32"),
     ("--temperature", "0.7", "temperature 0.0, not 0.7")],
)  # fmt: skip
def test_a_rerun_with_another_prompt_setting_is_refused_until_restart(
    small_build: Path, tmp_path: Path, option: str, value: str, difference: str
) -> None:
    out = tmp_path / "p.jsonl"
    with ChatServer(lambda _: Action(text="first")) as server:
        assert run_cli(small_build, out, server.base_url, "--limit", "3").exit_code == 0
        before, sent = out.read_bytes(), len(server.paths)
        line = one_line_error(run_cli(small_build, out, server.base_url, "--limit", "3", option, value))
        assert line == (
            f"Error: {out} holds answers asked with {difference}; use another -o, or --restart to "
            "discard them and ask every row again"
        )
        assert out.read_bytes() == before and len(server.paths) == sent  # nothing sent, nothing changed
        server.behave = lambda _: Action(text="second")
        restarted = run_cli(small_build, out, server.base_url, "--limit", "2", option, value, "--restart")
    assert restarted.exit_code == 0, restarted.output
    assert [a["answer"] for a in answers_in(out)] == ["second"] * 2  # the old answers discarded
    record = json.loads(run_record_path(out).read_text())
    assert str(record[option[2:].replace("-", "_")]) == value


def test_a_rerun_on_the_dataset_rebuilt_is_refused(small_tree: tuple, tmp_path: Path) -> None:
    from cat_breeds_vlm.pipeline.builder import CatBreedsVLMConfig
    from cat_breeds_vlm.pipeline.folder import build_folder

    build, out = tmp_path / "build", tmp_path / "p.jsonl"
    build_folder(small_tree[0], build, CatBreedsVLMConfig(seed=1), progress=False, command="test")
    with ChatServer() as server:
        assert run_cli(build, out, server.base_url, "--limit", "2").exit_code == 0
        version = json.loads(run_record_path(out).read_text())["dataset_version"]
        same = run_cli(build, out, server.base_url, "--limit", "3")  # same build: resumed
        assert same.exit_code == 0 and "answered 1, failed 0, skipped 2" in same.output.lower()
        build_folder(small_tree[0], build, CatBreedsVLMConfig(seed=2), overwrite=True, progress=False,
                     command="test")  # fmt: skip
        sent = len(server.paths)
        line = one_line_error(run_cli(build, out, server.base_url, "--limit", "3"))
    assert line.startswith(f"Error: {out} holds answers asked with dataset_version {version!r}, not 'sha256 ")
    assert line.endswith("use another -o, or --restart to discard them and ask every row again")
    assert len(server.paths) == sent


def test_a_record_without_the_newer_keys_is_read_with_their_defaults(small_build: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    with ChatServer() as server:
        ask(small_build, out, server.base_url, limit=2, **FAST)
        record = json.loads(run_record_path(out).read_text())
        older = {k: v for k, v in record.items() if k not in ("dataset_version", "max_side", "temperature")}
        run_record_path(out).write_text(json.dumps(older))  # as an earlier version wrote it
        summary = ask(small_build, out, server.base_url, limit=4, **FAST)
        assert (summary.answered, summary.skipped) == (2, 2)
        run_record_path(out).write_text(json.dumps(older))
        refused = run_cli(small_build, out, server.base_url, "--limit", "4", "--temperature", "1")
    assert "temperature 0.0, not 1.0" in one_line_error(refused)  # a missing key is its default
    assert json.loads(run_record_path(out).read_text()) == older  # a refused run writes nothing


def test_restart_keeps_the_old_answers_when_the_new_run_fails_at_once(small_build: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    with ChatServer(models=(MODEL, "other-model")) as server:
        assert run_cli(small_build, out, server.base_url, "--limit", "2").exit_code == 0
        before, record = out.read_bytes(), run_record_path(out).read_bytes()
        server.behave = lambda _: Action("status", status=400, message="no such model", shape="fastapi")
        line = one_line_error(run_cli(small_build, out, server.base_url, "--restart", "--model", "other-model"))
    assert "refused the first row (400: no such model)" in line
    assert out.read_bytes() == before and run_record_path(out).read_bytes() == record


def test_dry_run_counts_only_the_answers_within_the_limit(small_build: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    with ChatServer() as server:
        assert run_cli(small_build, out, server.base_url, "--limit", "5").exit_code == 0
        dry = run_cli(small_build, out, server.base_url, "--limit", "2", "--dry-run")
        changed = run_cli(small_build, out, server.base_url, "--dry-run", "--max-tokens", "5")
    assert dry.exit_code == 0 and "2 rows of split 'test', 2 of them answered before" in dry.output
    assert "holds answers asked with max_tokens 64, not 5" in one_line_error(changed)  # as the run would be


def test_a_run_failing_at_its_first_request_leaves_nothing_behind(small_build: Path, tmp_path: Path) -> None:
    out = tmp_path / "sub" / "p.jsonl"
    with ChatServer(lambda _: Action("status", status=500, message="CUDA out of memory", shape="text")) as server:
        line = one_line_error(run_cli(small_build, out, server.base_url))
    assert "refused the first row (500: CUDA out of memory)" in line
    assert not out.exists() and not run_record_path(out).exists()
    assert [json.loads(x)["error"] for x in errors_path(out).read_text().splitlines()] == [
        "InternalServerError: CUDA out of memory"
    ]


def test_a_changed_build_report_is_another_version_of_the_dataset(small_build: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    copy = shutil.copytree(small_build, tmp_path / "copy")
    with ChatServer() as server:
        ask(copy, out, server.base_url, limit=1, **FAST)
        (copy / "build.json").write_text((copy / "build.json").read_text().replace('"seed": 42', '"seed": 43'))
        line = one_line_error(run_cli(copy, out, server.base_url, "--limit", "1"))
    assert "holds answers asked with dataset_version 'sha256 " in line


def test_a_hub_dataset_is_recorded_by_its_id_and_commit(small_build: Path, tmp_path: Path) -> None:
    from hub_fixtures import COMMIT, cache_snapshot
    from huggingface_hub import constants

    cache_snapshot(constants.HF_HUB_CACHE, "predict/cats", small_build)  # read offline from the cache
    out = tmp_path / "p.jsonl"
    with ChatServer() as server:
        assert run_cli("predict/cats", out, server.base_url, "--limit", "2").exit_code == 0
    record = json.loads(run_record_path(out).read_text())
    assert (record["dataset"], record["dataset_version"]) == ("predict/cats", f"commit {COMMIT}")
