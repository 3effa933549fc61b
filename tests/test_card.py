"""The dataset card (read back with huggingface_hub's DatasetCard) and the class-distribution chart."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import datasets
import pytest
from card_fixtures import BREEDS, make_build
from huggingface_hub import DatasetCard
from PIL import Image

from cat_breeds_vlm.features import SPLITS, make_features
from cat_breeds_vlm.labels.catalog import REAL_IMAGE_COUNTS
from cat_breeds_vlm.labels.domain import default_domain
from cat_breeds_vlm.report.card import render_card, size_category
from cat_breeds_vlm.report.chart import (
    AFTER,
    BEFORE,
    BOTTOM,
    ROW_HEIGHT,
    TOP,
    WIDTH,
    chart_rows,
    render_chart,
)
from cat_breeds_vlm.report.record import BuildReport, SkipKind, SkippedFile, SkipReason, SplitInfo, read_report


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("built") / "cat_breeds_vlm"
    make_build(folder)
    return folder


@pytest.fixture(scope="module")
def report(build: Path) -> BuildReport:
    return read_report(build)


def test_card_metadata_reads_back_with_huggingface_hub(build, report):
    card = DatasetCard.load(build / "README.md")
    data = card.data.to_dict()
    assert data["license"] == "unknown"
    assert data["language"] == ["en"]
    assert data["size_categories"] == ["n<1K"]
    assert "image-text-to-text" in data["task_categories"]
    assert data["configs"] == [
        {
            "config_name": "default",
            "data_files": [{"split": s, "path": f"data/{s}-*.parquet"} for s in SPLITS],
        }
    ]
    info = data["dataset_info"]
    assert datasets.Features._from_yaml_list(info["features"]) == make_features(BREEDS)
    assert {s["name"]: s["num_examples"] for s in info["splits"]} == {
        name: split.rows for name, split in report.splits.items()
    }
    assert info["dataset_size"] == sum(split.bytes for split in report.splits.values())


def test_load_dataset_reads_the_folder_with_the_cards_features(build, report):
    loaded = datasets.load_dataset(str(build))
    assert list(loaded) == list(SPLITS)
    for split in SPLITS:
        assert loaded[split].features == make_features(BREEDS)
        assert loaded[split].num_rows == report.splits[split].rows


def test_card_body_says_what_a_reader_needs(build, report):
    body = DatasetCard.load(build / "README.md").text
    assert 'load_dataset("' in body
    assert "| `train` | 10 | 7 | 2 |" in body  # split table: rows, photos, shards
    assert "| Burmilla * | 2 | 4 | 1 | 1 | 4 |" in body  # priority breed marked, counts per split
    assert "| York Chocolate * † | 1 | 2 | 0 | 0 | 2 |" in body
    assert "York Chocolate: no val and no test photo (only 1 distinct photo)" in body
    assert "\\* priority breed (Burmilla, York Chocolate)" in body  # escaped: not a list item
    assert report.command in body
    assert "| `--seed` | 42 |" in body  # settings as typed on the command line
    assert "| `--max-per-class` | none |" in body and "| `--style` | single |" in body
    assert "| `--priority` | Burmilla, York Chocolate |" in body
    assert "None" not in body and "'single'" not in body
    assert "0.1.0" in body
    assert "3 files were skipped" in body
    assert "empty file: 1; not an image: 1; truncated image: 1" in body
    assert "`Abyssinian/broken.jpg`" in body
    assert "1 group of byte-identical files" in body
    assert "1 picture appears under two or more labels" in body
    assert "![Class distribution](class_distribution.png)" in body
    assert (build / "class_distribution.png").is_file()


def test_card_says_plainly_when_nothing_was_left_out(report):
    clean = dataclasses.replace(
        report, skipped=[], duplicates=[], conflicts=[], too_small=[], breeds=["Abyssinian", "Burmilla"]
    )  # both breeds in val and test
    text = render_card(clean, make_features(BREEDS))
    assert "No file was skipped" in text
    assert "No byte-identical duplicates" in text
    assert "Every breed has at least one photo in val and one in test." in text
    assert "†" not in text


def test_long_lists_are_cut_with_a_count_of_the_rest(report):
    many = dataclasses.replace(
        report, skipped=[SkippedFile(f"Abyssinian/{i}.jpg", SkipReason(SkipKind.EMPTY)) for i in range(25)]
    )
    text = render_card(many, make_features(BREEDS))
    assert "`Abyssinian/9.jpg`" in text and "`Abyssinian/10.jpg`" not in text
    assert "... and 15 more" in text


def test_card_and_chart_are_deterministic(build, tmp_path):
    again = tmp_path / "again"
    make_build(again)
    for name in ("README.md", "class_distribution.png"):
        assert (again / name).read_bytes() == (build / name).read_bytes()


@pytest.mark.parametrize(
    "rows, label",
    [(0, "n<1K"), (999, "n<1K"), (1_000, "1K<n<10K"), (126_607, "100K<n<1M"), (2_000_000_000, "n>1B")],
)
def test_size_category(rows, label):
    assert size_category(rows) == label


def _real_report() -> BuildReport:
    """A report shaped like a build of the real data: 80% of each breed's photos in train."""
    photos = {b: max(1, n * 8 // 10) for b, n in REAL_IMAGE_COUNTS.items()}
    rows = {b: n * 5 if b in default_domain().priority else n for b, n in photos.items()}
    return BuildReport(
        breeds=sorted(REAL_IMAGE_COUNTS),
        splits={"train": SplitInfo(rows=sum(rows.values()))},
        counts={"train": rows},
        settings={"priority_breeds": list(default_domain().priority)},
        photos={"train": photos},
    )


def test_chart_rows_run_from_most_photos_to_fewest_with_priority_marked():
    rows = chart_rows(_real_report())
    assert rows[0] == ("Domestic Short Hair", 42421, 42421)
    assert rows[-1] == ("York Chocolate *", 1, 5)
    assert [r[1] for r in rows] == sorted((r[1] for r in rows), reverse=True)


def test_chart_is_a_png_with_a_visible_bar_for_every_breed():
    image = Image.open(io.BytesIO(render_chart(_real_report())))
    image.load()
    assert image.format == "PNG"
    assert image.size == (WIDTH, TOP + ROW_HEIGHT * len(REAL_IMAGE_COUNTS) + BOTTOM)
    pixels = image.convert("RGB")
    last = TOP + ROW_HEIGHT * (len(REAL_IMAGE_COUNTS) - 1)  # York Chocolate: 1 photo, 5 rows
    row_colours = {pixels.getpixel((x, last + ROW_HEIGHT // 2)) for x in range(WIDTH)}
    assert BEFORE in row_colours  # its single photo still draws a bar on the log axis
    assert AFTER in row_colours  # and its oversampled rows a longer one
    first = {pixels.getpixel((x, TOP + ROW_HEIGHT // 2)) for x in range(WIDTH)}
    assert BEFORE in first


def test_the_card_of_a_real_build_matches_its_report(small_build):
    report = json.loads((small_build / "build.json").read_text())
    card = DatasetCard.load(small_build / "README.md")
    info = card.data.to_dict()["dataset_info"]
    assert {s["name"]: s["num_examples"] for s in info["splits"]} == {
        name: split["rows"] for name, split in report["splits"].items()
    }
    assert datasets.Features._from_yaml_list(info["features"]) == make_features(report["breeds"])
    for breed in report["breeds"]:
        missing = [s for s in ("val", "test") if not report["counts"][s].get(breed)]
        marked = f"| {breed} †" in card.text or f"| {breed} * †" in card.text
        assert marked == bool(missing), breed
        if missing:
            assert f"{breed}: no {' and no '.join(missing)} photo" in card.text
