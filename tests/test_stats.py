"""`cat-breeds-vlm stats`: the per-split, per-breed table of a local build or a Hub repo id."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from card_fixtures import make_build
from click.testing import CliRunner
from hub_fixtures import cache_snapshot
from huggingface_hub import constants

from cat_breeds_vlm.cli import main
from cat_breeds_vlm.dataset.stats import count_report, format_stats, load_report


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("built") / "cat_breeds_vlm"
    make_build(folder)
    return folder


def _cells(output: str) -> dict[str, list[str]]:
    """The table rows of ``stats`` output: row name (marks stripped) -> its numbers."""
    table: dict[str, list[str]] = {}
    for line in output.splitlines():
        name, *numbers = re.split(r" {2,}", line.strip())
        if numbers and all(n.replace(",", "").isdigit() for n in numbers):
            table[name.rstrip(" *†")] = numbers
    return table


def test_stats_of_a_local_build_prints_rows_per_split_and_breed(build):
    result = CliRunner().invoke(main, ["stats", str(build)])
    assert result.exit_code == 0, result.output
    cells = _cells(result.output)
    assert cells["train"] == ["10", "7"]  # rows, distinct photos
    assert cells["priority"] == ["6", "3"]
    assert cells["Burmilla"] == ["2", "4", "1", "1", "4"]  # train photos; train, val, test, priority rows
    assert cells["York Chocolate"] == ["1", "2", "0", "0", "2"]
    assert cells["total"] == ["7", "10", "2", "2", "6"]
    assert "Burmilla *" in result.output and "York Chocolate * †" in result.output
    assert "† no photo in val and/or test" in result.output
    assert "fewer than 3 distinct photos: York Chocolate (1)" in result.output


def test_without_build_json_the_rows_are_counted_to_the_same_numbers(build, tmp_path):
    bare = tmp_path / "bare"
    shutil.copytree(build, bare)
    (bare / "build.json").unlink()
    counted = count_report(str(bare))
    assert counted.counted is True
    full = load_report(str(build))
    assert counted.breeds == full.breeds
    assert counted.counts == {s: {b: n for b, n in c.items() if n} for s, c in full.counts.items()}
    assert {s: v.rows for s, v in counted.splits.items()} == {s: v.rows for s, v in full.splits.items()}
    assert "counted from the rows" in format_stats(counted)


def test_a_hub_repo_id_reads_its_build_json(build):
    # Offline, from the local Hub cache; online against a loopback Hub: test_wrong_turns.
    cache_snapshot(constants.HF_HUB_CACHE, "stats/cats", build, files=["build.json"])
    result = CliRunner().invoke(main, ["stats", "stats/cats"])
    assert result.exit_code == 0, result.output
    assert result.output == CliRunner().invoke(main, ["stats", str(build)]).output


def test_an_unreachable_hub_repo_is_one_clear_line():
    result = CliRunner().invoke(main, ["stats", "team/cats"])  # the suite runs offline
    assert result.exit_code == 1
    assert result.output.startswith("Error: no such dataset folder: team/cats, and team/cats is not in the local")
    assert result.output.strip().count("\n") == 0


def test_a_missing_folder_is_one_clear_line(tmp_path):
    result = CliRunner().invoke(main, ["stats", str(tmp_path / "nope")])
    assert result.exit_code != 0
    assert result.output.strip() == f"Error: no such dataset folder: {tmp_path / 'nope'}"
