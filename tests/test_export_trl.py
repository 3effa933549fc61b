"""TRL export: prompt/completion JSONL with typed content that load_dataset reads, and to_trl."""

from __future__ import annotations

from pathlib import Path

import datasets
import pytest
from export_fixtures import assert_validates
from PIL import Image

from cat_breeds_vlm.export import export_trl, to_trl, validate
from cat_breeds_vlm.features import IMAGE_TOKEN


@pytest.fixture(scope="module")
def exported(train: datasets.Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("trl") / "train.jsonl"
    export_trl(train, path, system="You name cat breeds.", progress=False)
    return path


def test_export_passes_validate(exported: Path, train: datasets.Dataset) -> None:
    assert_validates("trl", exported, len(train))


def test_load_dataset_json_reads_it_and_the_images_decode(
    exported: Path,
    train: datasets.Dataset,
    export_tree: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loaded = datasets.load_dataset("json", data_files=str(exported), split="train")
    assert loaded.column_names == ["images", "prompt", "completion"]
    monkeypatch.chdir(exported.parent)  # image paths are relative to the image folder
    loaded = loaded.cast_column("images", datasets.Sequence(datasets.Image()))
    for row, source in zip(loaded, train["source"]):
        (image,) = row["images"]
        image.load()
        with Image.open(export_tree / source) as original:
            assert image.size == original.size


def test_prompt_holds_system_image_and_question_completion_the_answer(
    exported: Path,
    train: datasets.Dataset,
) -> None:
    row = datasets.load_dataset("json", data_files=str(exported), split="train")[0]
    system, user = row["prompt"]
    assert system["role"] == "system" and system["content"][0]["text"] == "You name cat breeds."
    assert user["role"] == "user"
    assert [part["type"] for part in user["content"]] == ["image", "text"]
    question = train[0]["conversations"][0]["value"].removeprefix(IMAGE_TOKEN + "\n")
    assert user["content"][1]["text"] == question
    (answer,) = row["completion"]
    assert answer["role"] == "assistant"
    assert answer["content"][0]["text"] == train[0]["conversations"][1]["value"]


def test_multi_turn_rows_put_earlier_turns_in_the_prompt(detailed_train: datasets.Dataset, tmp_path: Path) -> None:
    export_trl(detailed_train, tmp_path / "d.jsonl", system="Be brief.", progress=False)
    assert validate("trl", tmp_path / "d.jsonl").ok
    loaded = datasets.load_dataset("json", data_files=str(tmp_path / "d.jsonl"), split="train")
    for row, original in zip(loaded, detailed_train):
        assert [m["role"] for m in row["prompt"]] == ["system", "user", "assistant", "user"]
        (answer,) = row["completion"]
        assert answer["content"][0]["text"] == original["conversations"][3]["value"]
        images = sum(part["type"] == "image" for m in row["prompt"] + row["completion"] for part in m["content"])
        assert images == len(row["images"]) == 1


def test_to_trl_in_dataset_map_needs_no_file(train: datasets.Dataset) -> None:
    mapped = train.map(to_trl, remove_columns=train.column_names)
    assert mapped.column_names == ["images", "prompt", "completion"]
    assert isinstance(mapped.features["images"].feature, datasets.Image)
    first = mapped[0]
    assert first["images"][0].size == train[0]["image"].size
    assert first["prompt"][0]["content"][0]["type"] == "image"
    assert first["completion"][0]["content"][0]["text"] == train[0]["conversations"][1]["value"]
