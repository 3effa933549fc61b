"""The build, demo and root-script command lines: exit codes and one-line errors, never tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cat_breeds_vlm.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def assert_one_line_error(result, *words: str) -> None:
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    message = result.output.strip()
    assert message.startswith("Error:") and "\n" not in message, message
    for word in words:
        assert word in message, message


def assert_usage_error(result, *words: str) -> None:
    """A bad option or value: click's usage line, then one ``Error:`` line; exit code 2."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    error = result.output.strip().splitlines()[-1]
    assert error.startswith("Error:") and result.output.startswith("Usage:"), result.output
    for word in words:
        assert word in error, error


def test_build_writes_a_folder_and_prints_the_table(small_tree, tmp_path):
    out = tmp_path / "ds"
    result = run("build", small_tree[0], "-o", out, "--seed", "3", "--priority", "Burmilla", "--num-proc", "1")
    assert result.exit_code == 0, result.output
    report = json.loads((out / "build.json").read_text())
    assert report["settings"]["seed"] == 3 and report["settings"]["priority_breeds"] == ["Burmilla"]
    assert "--priority Burmilla" in report["command"]
    assert f"{'train':<10}{report['splits']['train']['rows']:>8}" in result.output


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda p: p / "missing", ["not found"]),
        (lambda p: p, ["no breed folders"]),
        (lambda p: (p / "Bengal").mkdir() or p, ["no images"]),
        (lambda p: (p / "file.jpg").write_bytes(b"x") and p / "file.jpg", ["not a folder"]),
    ],
)
def test_bad_image_folders(tmp_path, make, words):
    images = tmp_path / "images"
    images.mkdir()
    assert_one_line_error(run("build", make(images), "-o", tmp_path / "out"), *words)
    assert not (tmp_path / "out").exists()


def test_refuses_a_foreign_folder_and_an_unwritable_one(small_tree, tmp_path):
    foreign = tmp_path / "cat_breeds_vlm"
    (foreign / "sub").mkdir(parents=True)
    assert_one_line_error(run("build", small_tree[0], "-o", foreign, "--overwrite"), "not a cat_breeds_vlm build")
    assert [p.name for p in foreign.iterdir()] == ["sub"]
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert_one_line_error(run("build", small_tree[0], "-o", blocker / "out"), "is a file, not a folder")
    assert_one_line_error(run("build", small_tree[0], "-o", "/proc/cat_breeds_vlm_out"), "cannot write")


@pytest.mark.parametrize(
    "args, words",
    [
        (["--val-ratio", "1.5"], ["'--val-ratio'", "1.5"]),
        (["--val-ratio", "0.6", "--test-ratio", "0.5"], ["--val-ratio + --test-ratio must be below 1"]),
        (["--priority-oversample", "0"], ["'--priority-oversample'"]),
        (["--num-proc", "0"], ["'--num-proc'", "0 is not in the range x>=1"]),
        (["--max-per-class", "0"], ["'--max-per-class'"]),
        (["--style", "chatty"], ["'--style'", "'chatty' is not one of 'single', 'detailed'"]),
    ],
)
def test_bad_settings_are_usage_errors_naming_the_option(small_tree, tmp_path, args, words):
    assert_usage_error(run("build", small_tree[0], "-o", tmp_path / "out", *args), *words)
    assert not (tmp_path / "out").exists()


def test_a_priority_breed_that_is_no_folder_is_a_usage_error(small_tree, tmp_path):
    result = run("build", small_tree[0], "-o", tmp_path / "out", "--priority", "Burmila")
    assert_usage_error(
        result, "Invalid value for '--priority': 'Burmila' is not a breed folder", "did you mean 'Burmilla'"
    )


def test_root_script_delegates_to_the_cli(small_tree, tmp_path):
    done = subprocess.run(
        [sys.executable, "cat_breeds_vlm.py", "build", str(small_tree[0]), "-o", str(tmp_path / "ds")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "ds" / "build.json").read_text())["generator"] == "cat_breeds_vlm"
    refused = subprocess.run(
        [sys.executable, "cat_breeds_vlm.py", "build", str(small_tree[0])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )  # default -o is ./cat_breeds_vlm: here, the package itself
    assert refused.returncode != 0
    assert "Traceback" not in refused.stderr and refused.stderr.count("\n") == 1
    assert "cat_breeds_vlm is a Python package's source folder, not a dataset (you are in the" in refused.stderr
    assert f"`cat-breeds-vlm build {small_tree[0]} -o build/cat_breeds_vlm`" in refused.stderr


def test_demo_runs_twice_and_prints_next_steps(tmp_path):
    first = run("demo", "-o", tmp_path / "demo", "--photos", "150", "--num-proc", "1")
    assert first.exit_code == 0, first.output
    assert "cat-breeds-vlm stats" in first.output
    images = sorted(p.relative_to(tmp_path) for p in (tmp_path / "demo" / "images").rglob("*.jpg"))
    assert len({p.parts[2] for p in images}) == 67
    _check_the_demo_shows_the_priority_metrics(tmp_path / "demo", first.output)
    second = run("demo", "-o", tmp_path / "demo", "--photos", "150", "--num-proc", "1")
    assert second.exit_code == 0, second.output
    assert sorted(p.relative_to(tmp_path) for p in (tmp_path / "demo" / "images").rglob("*.jpg")) == images


def _check_the_demo_shows_the_priority_metrics(demo: Path, output: str) -> None:
    """Every priority breed has photos in val and test, and the demo's closing lines score its
    made-up predictions (marked as made up on every line) with the priority block, as ``score`` does."""
    report = json.loads((demo / "cat_breeds_vlm" / "build.json").read_text())
    priority = report["settings"]["priority_breeds"]
    assert len(priority) == 7 and not report["absent_priority"]
    for split in ("val", "test"):
        assert all(report["photos"][split].get(breed, 0) >= 1 for breed in priority), (split, report["photos"][split])
    predictions = demo / "made_up_predictions.jsonl"
    lines = [json.loads(line) for line in predictions.read_text().splitlines()]
    assert len(lines) == report["splits"]["test"]["rows"]
    assert all("made up" in line["note"] and "no model answered" in line["note"] for line in lines)
    assert "Score of MADE-UP predictions on the test split" in output
    assert "Priority breeds: macro-F1" in output and "(7 of 7 with rows in this split)" in output
    assert "no rows of them in this split" not in output and "Per breed:" not in output
    headline = output.split("Score of MADE-UP predictions", 1)[1].split("\nNext, try:", 1)[0]
    scored = run("score", demo / "cat_breeds_vlm", predictions)
    assert scored.exit_code == 0, scored.output
    for line in headline.strip().splitlines()[1:]:  # the figures are the score command's own
        assert line in scored.output, line
    rows = len(lines)
    right = rows - rows // 4
    assert f"Overall: accuracy {right / rows:.1%} ({right}/{rows})" in output


def test_dry_run_plans_like_a_build_and_writes_nothing(small_tree, small_build, tmp_path):
    result = run("build", small_tree[0], "-o", tmp_path / "ds", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Dry run: nothing written")
    assert list(tmp_path.iterdir()) == []
    built = json.loads((small_build / "build.json").read_text())
    for split, info in built["splits"].items():
        assert f"{split:<10}{info['rows']:>8}{info['photos']:>8}{0:>8}" in result.output


def test_an_out_of_range_seed_is_a_usage_error(small_tree, tmp_path):
    for seed in ("-1", str(2**32)):
        assert_usage_error(run("build", small_tree[0], "-o", tmp_path / "out", "--seed", seed), "'--seed'", seed)
