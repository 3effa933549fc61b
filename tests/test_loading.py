"""DATASET arguments: which splits a build has and its report, for folders with or without
build.json and for Hub repo ids (read offline from a snapshot in the local Hub cache)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hub_fixtures import cache_snapshot
from huggingface_hub import constants

from cat_breeds_vlm.cli import main
from cat_breeds_vlm.dataset.loading import dataset_report, resolve_splits, split_names
from cat_breeds_vlm.demo import make_tree
from cat_breeds_vlm.errors import UserError
from cat_breeds_vlm.evaluate.score import priority_breeds_for
from cat_breeds_vlm.pipeline.builder import CatBreedsVLMConfig
from cat_breeds_vlm.pipeline.folder import build_folder


@pytest.fixture(scope="module")
def no_priority_build(tmp_path_factory) -> Path:
    """A build with no priority breed, so no priority split, and a copy without build.json."""
    root = tmp_path_factory.mktemp("np")
    make_tree(root / "images", {"Bengal": 6, "Persian": 6})
    build_folder(root / "images", root / "ds", CatBreedsVLMConfig(priority_breeds=("Bengal",)), progress=False)
    shutil.copytree(root / "ds", root / "bare")
    (root / "bare" / "build.json").unlink()
    return root


def test_split_names_come_from_the_report_else_from_the_card(no_priority_build):
    empty = no_priority_build / "empty"
    build_folder(no_priority_build / "images", empty, CatBreedsVLMConfig(), progress=False)
    assert split_names(str(empty)) == ["train", "val", "test"]
    assert split_names(str(no_priority_build / "ds")) == ["train", "val", "test", "priority"]
    (empty / "build.json").unlink()
    assert split_names(str(empty)) == ["train", "val", "test"]
    assert resolve_splits(["all"], str(empty)) == ["train", "val", "test"]


def test_stats_counts_a_folder_without_report_split_by_split(no_priority_build):
    bare = CliRunner().invoke(main, ["stats", str(no_priority_build / "bare")])
    full = CliRunner().invoke(main, ["stats", str(no_priority_build / "ds")])
    assert bare.exit_code == 0, bare.output
    assert "counted from the rows" in bare.output
    table = lambda out: out.split("\n\n")[0].splitlines()  # noqa: E731
    assert [line.split()[:2] for line in table(bare.output)] == [line.split()[:2] for line in table(full.output)]


def test_a_hub_repo_id_gives_its_report_and_priority_breeds(no_priority_build):
    # The suite runs offline: a repo id is read from the local Hub cache (online: test_wrong_turns).
    cache_snapshot(constants.HF_HUB_CACHE, "loading/cats", no_priority_build / "ds", files=["build.json"])
    assert dataset_report("loading/cats").priority_breeds == ["Bengal"]
    assert priority_breeds_for("loading/cats") == ("Bengal",)
    assert split_names("loading/cats") == ["train", "val", "test", "priority"]


def test_an_uncached_repo_offline_or_a_missing_folder_is_one_line(tmp_path):
    with pytest.raises(UserError, match="no such dataset folder"):
        split_names(str(tmp_path / "nope"))
    with pytest.raises(UserError, match="team/cats is not in the local Hub cache"):
        split_names("team/cats")  # the suite runs offline


def test_the_columns_are_declared_once_in_the_order_of_the_features():
    from cat_breeds_vlm.features import COLUMNS, columns_without, make_features

    assert tuple(make_features(["A", "B"])) == COLUMNS
    assert columns_without("breed") == ("id", "image", "conversations", "source")
