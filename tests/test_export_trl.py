"""TRL export: prompt/completion JSONL with typed content that load_dataset reads, and to_trl."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest
from export_fixtures import assert_validates
from PIL import Image

from cat_breeds_vlm.export import export_trl, to_trl, validate
from cat_breeds_vlm.features import IMAGE_TOKEN
from cat_breeds_vlm.labels.conversations import STYLES


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


def test_detailed_rows_make_one_record_per_answer_the_breed_answer_first(
    detailed_train: datasets.Dataset, tmp_path: Path
) -> None:
    summary = export_trl(detailed_train, tmp_path / "d.jsonl", system="Be brief.", progress=False)
    assert summary.source_rows == len(detailed_train) and summary.rows == 2 * len(detailed_train)
    assert_validates("trl", tmp_path / "d.jsonl", 2 * len(detailed_train))
    loaded = datasets.load_dataset("json", data_files=str(tmp_path / "d.jsonl"), split="train")
    for k, original in enumerate(detailed_train):
        turns = original["conversations"]
        first, second = loaded[2 * k], loaded[2 * k + 1]
        assert [m["role"] for m in first["prompt"]] == ["system", "user"]
        assert first["completion"][0]["content"][0]["text"] == turns[1]["value"]  # the breed answer
        assert [m["role"] for m in second["prompt"]] == ["system", "user", "assistant", "user"]
        assert second["prompt"][:2] == first["prompt"] and second["prompt"][2] == first["completion"][0]
        assert second["completion"][0]["content"][0]["text"] == turns[3]["value"]  # the description
        assert first["images"] == second["images"]
        for row in (first, second):
            images = sum(part["type"] == "image" for m in row["prompt"] + row["completion"] for part in m["content"])
            assert images == len(row["images"]) == 1


def _texts(messages: list[dict]) -> list[tuple[str, str]]:
    return [(m["role"], "".join(p["text"] or "" for p in m["content"] if p["type"] == "text")) for m in messages]


@pytest.mark.parametrize("style", STYLES)
def test_every_answer_of_every_row_is_a_completion_and_no_question_is(
    style: str, request: pytest.FixtureRequest, export_tree: Path, tmp_path: Path
) -> None:
    split: datasets.Dataset = request.getfixturevalue("train" if style == "single" else "detailed_train")
    assert {len(turns) for turns in split["conversations"]} == {2 if style == "single" else 4}
    export_trl(split, tmp_path / "t.jsonl", link_source=export_tree, progress=False)  # images: the sources
    assert validate("trl", tmp_path / "t.jsonl", image_folder=export_tree).ok
    records = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    trained = {(tuple(r["images"]), tuple(_texts(r["prompt"] + r["completion"]))) for r in records}
    questions = {turn["value"].removeprefix(IMAGE_TOKEN + "\n") for row in split["conversations"] for turn in row[::2]}
    answers = 0
    for row_id, source, turns in zip(split["id"], split["source"], split["conversations"]):
        image = (source,)
        chat = [("user" if t["from"] == "human" else "assistant", t["value"]) for t in turns]
        chat[0] = ("user", chat[0][1].removeprefix(IMAGE_TOKEN + "\n"))
        for end, (role, _) in enumerate(chat, start=1):
            if role == "assistant":
                assert (image, tuple(chat[:end])) in trained, (row_id, end)  # trained, with all before it
                answers += 1
    assert answers == sum(len(turns) // 2 for turns in split["conversations"]) == len(records)
    completions = [text for r in records for role, text in _texts(r["completion"]) if role == "assistant"]
    assert all(role == "assistant" for r in records for role, _ in _texts(r["completion"]))
    assert not questions & set(completions)  # no user text is ever a completion


def test_validate_finds_an_answer_that_only_a_prompt_holds(detailed_train: datasets.Dataset, tmp_path: Path) -> None:
    export_trl(detailed_train, tmp_path / "d.jsonl", progress=False)
    lines = (tmp_path / "d.jsonl").read_text().splitlines()
    (tmp_path / "last_only.jsonl").write_text("\n".join(lines[1::2]) + "\n")  # the shape of earlier exports
    report = validate("trl", tmp_path / "last_only.jsonl")
    assert not report.ok and report.errors == len(detailed_train)
    assert "prompt message 1 is an assistant turn that no record has as its completion" in report.render()
    assert report.problems[0].where == "line 1"
    swapped = [json.loads(line) for line in lines[:2]]
    swapped[0]["completion"] = [swapped[1]["prompt"][-1]]  # a question as the completion
    (tmp_path / "user.jsonl").write_text("\n".join(json.dumps(r) for r in swapped) + "\n")
    rendered = validate("trl", tmp_path / "user.jsonl").render()
    assert "completion message 0: role 'user' is not one of assistant" in rendered


def test_to_trl_in_a_batched_map_needs_no_file(detailed_train: datasets.Dataset) -> None:
    mapped = detailed_train.map(
        to_trl, batched=True, remove_columns=detailed_train.column_names, fn_kwargs={"system": "Be brief."}
    )
    assert mapped.column_names == ["images", "prompt", "completion"]
    assert len(mapped) == 2 * len(detailed_train)
    assert isinstance(mapped.features["images"].feature, datasets.Image)
    first, second = mapped[0], mapped[1]
    assert first["images"][0].size == detailed_train[0]["image"].size
    assert first["prompt"][1]["content"][0]["type"] == "image"
    turns = detailed_train[0]["conversations"]
    assert first["completion"][0]["content"][0]["text"] == turns[1]["value"]
    assert second["completion"][0]["content"][0]["text"] == turns[3]["value"]


def test_to_trl_on_single_rows_says_to_batch(train: datasets.Dataset) -> None:
    with pytest.raises(TypeError, match="batched=True"):
        to_trl(train[0])
