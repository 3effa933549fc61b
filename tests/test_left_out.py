"""Nothing a user gives a build is dropped without a word: label-file rows that are no breed
folder, image files in no breed folder, priority breeds not in the data (real builds, via the CLI)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cat_breeds_vlm.cli import main
from cat_breeds_vlm.demo import make_tree
from cat_breeds_vlm.hints import closest_name
from cat_breeds_vlm.report.record import BuildReport, UnmatchedLabel, read_report

LABELS = "name,display,kind,description,aliases\nUral Rexx,,breed,,\nbeagle,,breed,,\nZzyzx,,breed,,\n"


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three breeds none of the default priority breeds, a label file with rows for no folder,
    and two photos lying directly in the image folder."""
    root = tmp_path_factory.mktemp("leftout")
    images = root / "images"
    make_tree(images, {"Ural Rex": 6, "Beagle": 6, "Abyssinian": 6}, seed=1)
    first = sorted((images / "Beagle").iterdir())[0]
    shutil.copy(first, images / "stray.jpg")
    shutil.copy(first, images / "Also Stray.PNG")
    (images / "notes.txt").write_text("not a photo")
    (root / "labels.csv").write_text(LABELS, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def built(tree: Path) -> tuple[Path, str]:
    out = tree / "out"
    result = run("build", tree / "images", "-o", out, "--labels", tree / "labels.csv", "--num-proc", "1")
    assert result.exit_code == 0, result.output
    return out, result.output


def test_closest_name_finds_other_case_then_close_spelling() -> None:
    folders = ["Abyssinian", "Beagle", "Ural Rex"]
    assert closest_name("beagle", folders) == "Beagle"
    assert closest_name("BEAGLE", folders) == "Beagle"
    assert closest_name("Ural Rexx", folders) == "Ural Rex"
    assert closest_name("Zzyzx", folders) is None


def test_label_rows_matching_no_folder_are_listed_with_the_folder_meant(built) -> None:
    out, summary = built
    line = next(line for line in summary.splitlines() if "label-file rows" in line)
    assert line.startswith("3 label-file rows matching no breed folder, not used:")
    assert "'Ural Rexx' (did you mean 'Ural Rex'?)" in line and "'beagle' (did you mean 'Beagle'?)" in line
    assert "'Zzyzx'" in line and "'Zzyzx' (did you mean" not in line
    report = read_report(out)
    assert report.unmatched_labels == [
        UnmatchedLabel("Ural Rexx", "Ural Rex"),
        UnmatchedLabel("Zzyzx", None),
        UnmatchedLabel("beagle", "Beagle"),
    ]
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "3 rows of the label file match no breed folder (not used):" in card
    assert "`Ural Rexx` (did you mean `Ural Rex`?)" in card


def test_with_labels_given_the_summary_does_not_suggest_labels(built) -> None:
    summary = built[1]
    uncatalogued = next(line for line in summary.splitlines() if line.startswith("In no label catalogue"))
    assert "--labels" not in uncatalogued and "add rows for them to labels.csv" in uncatalogued
    assert "Beagle" in uncatalogued and "Ural Rex" in uncatalogued


def test_image_files_at_the_top_level_are_listed(built) -> None:
    out, summary = built
    assert "2 image files directly in images, in no breed folder, left out: Also Stray.PNG, stray.jpg" in summary
    report = read_report(out)
    assert report.top_level_files == ["Also Stray.PNG", "stray.jpg"]  # a text file is no photo
    assert report.created_from_files == 18
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "2 image files lie directly in the image folder, in no breed folder" in card
    assert "`stray.jpg`" in card


def test_priority_breeds_absent_from_the_tree_are_never_claimed(built) -> None:
    out, summary = built
    assert "None of the priority breeds is in the data (American Wirehair, Burmilla," in summary
    assert "nothing is oversampled" in summary
    report = read_report(out)
    assert len(report.absent_priority) == 7 and "York Chocolate" in report.absent_priority
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "appears 5 times" not in card and "priority-breed photos repeated" not in card
    assert "no priority breed is in the data" in card
    assert "None of the priority breeds is in the data (American Wirehair" in card


def test_some_priority_breeds_absent_are_named(tmp_path: Path) -> None:
    make_tree(tmp_path / "images", {"Burmilla": 6, "Abyssinian": 6}, seed=2)
    out = tmp_path / "out"
    result = run("build", tmp_path / "images", "-o", out, "--num-proc", "1")
    assert result.exit_code == 0, result.output
    assert (
        "Priority breeds not in the data (no rows, nothing oversampled for them): American Wirehair," in result.output
    )
    assert "Burmilla" not in result.output.split("Priority breeds not in the data")[1].splitlines()[0]
    report = read_report(out)
    assert "Burmilla" not in report.absent_priority and len(report.absent_priority) == 6
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "each priority-breed photo appears 5 times" in card and "priority-breed photos repeated" in card
    assert "Set as priority but not in the data: American Wirehair" in card
    for absent in ("top_level_files", "unmatched_labels"):
        assert json.loads((out / "build.json").read_text())[absent] == []
    assert "label-file" not in result.output and "directly in" not in result.output


def test_an_older_report_without_the_new_keys_still_reads(built, tmp_path: Path) -> None:
    data = json.loads((built[0] / "build.json").read_text())
    for key in ("unmatched_labels", "top_level_files", "absent_priority"):
        del data[key]
    report = BuildReport.from_json(data, tmp_path / "build.json")
    assert report.unmatched_labels is None and report.top_level_files is None and report.absent_priority is None


def test_the_demo_without_a_test_split_builds_and_scores_nothing(tmp_path: Path) -> None:
    result = run("demo", "-o", tmp_path / "demo", "--photos", "100", "--test-ratio", "0", "--num-proc", "1")
    assert result.exit_code == 0, result.output
    assert "MADE-UP" not in result.output and not (tmp_path / "demo" / "made_up_predictions.jsonl").exists()
