"""Fireworks JSONL export: message shape, images as data URIs, --max-side, rotation, workers."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import datasets
import pytest
from export_fixtures import export_folder, kinds, train  # noqa: F401  (pytest fixtures)
from PIL import Image

from cat_breeds_vlm.export import export_fireworks, validate
from cat_breeds_vlm.export.images import decode_strict
from cat_breeds_vlm.loading import open_split

#: source -> MIME the exported image must have (the bytes decide, not the name).
EXPORTED_MIME = {
    "Abyssinian/100_1.jpg": "image/jpeg",
    "Bengal/200_1.jpg": "image/jpeg",  # CMYK JPEG, converted
    "Bengal/300_1.webp": "image/jpeg",  # WebP, converted
    "Sphynx - Hairless Cat/400_1.png": "image/png",  # RGBA PNG, kept
    "Sphynx - Hairless Cat/500_1.jpg": "image/jpeg",  # grayscale, kept
    "Abyssinian/600_1.jpg": "image/jpeg",
    "Bengal/700_1.jpg": "image/png",  # a PNG named .jpg
}


def records(files: list[Path]) -> list[dict]:
    return [json.loads(line) for file in files for line in file.read_text().splitlines()]


def image_of(record: dict) -> tuple[str, bytes]:
    """(MIME, bytes) of the image part of a record's first user message."""
    part = next(m for m in record["messages"] if m["role"] == "user")["content"][0]
    assert part["type"] == "image_url"
    header, payload = part["image_url"]["url"].split(",", 1)
    return header.removeprefix("data:").removesuffix(";base64"), base64.b64decode(
        payload, validate=True
    )


@pytest.fixture(scope="module")
def exported(train: datasets.Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fireworks") / "train.jsonl"
    export_fireworks(train, path, progress=False)
    return path


def test_export_passes_validate(exported: Path) -> None:
    report = validate("fireworks", exported)
    assert report.ok, report.render()
    assert report.rows == 8


def test_every_row_is_image_first_then_question_then_answer(
    exported: Path, train: datasets.Dataset
) -> None:
    rows = records([exported])
    assert len(rows) == len(train)
    for record, row in zip(rows, train):
        user, *rest = record["messages"]
        assert user["role"] == "user"
        assert [part["type"] for part in user["content"]] == ["image_url", "text"]
        assert user["content"][1]["text"] == "What breed is this cat?"  # <image> taken out
        assert rest[-1] == {"role": "assistant", "content": row["conversations"][-1]["value"]}
        assert "<image>" not in json.dumps(record)


def test_images_decode_with_the_mime_of_their_bytes(
    exported: Path, train: datasets.Dataset
) -> None:
    sources = train["source"]
    for record, source in zip(records([exported]), sources):
        mime, data = image_of(record)
        assert mime == EXPORTED_MIME[source]
        assert decode_strict(data) == mime


def test_original_bytes_are_kept_unless_converted(exported: Path, train: datasets.Dataset) -> None:
    originals = dict(kinds().values())
    converted = {"Bengal/200_1.jpg", "Bengal/300_1.webp"}  # CMYK JPEG, WebP
    for record, source in zip(records([exported]), train["source"]):
        assert (image_of(record)[1] == originals[source]) is (source not in converted)


def test_multi_turn_rows_keep_every_turn_and_the_image_once(
    exported: Path, train: datasets.Dataset
) -> None:
    index = train["source"].index("Sphynx - Hairless Cat/500_1.jpg")
    record = records([exported])[index]
    assert [m["role"] for m in record["messages"]] == ["user", "assistant", "user", "assistant"]
    assert json.dumps(record).count("data:image/") == 1
    assert record["messages"][2]["content"] == train[index]["conversations"][2]["value"]


def test_system_prompt_comes_first(train: datasets.Dataset, tmp_path: Path) -> None:
    export_fireworks(train, tmp_path / "s.jsonl", system="You name cat breeds.", progress=False)
    for record in records([tmp_path / "s.jsonl"]):
        assert record["messages"][0] == {"role": "system", "content": "You name cat breeds."}
        assert record["messages"][1]["role"] == "user"
    assert validate("fireworks", tmp_path / "s.jsonl").ok


def test_max_side_holds_and_keeps_the_aspect(train: datasets.Dataset, tmp_path: Path) -> None:
    export_fireworks(train, tmp_path / "small.jsonl", max_side=160, progress=False)
    sizes = [
        Image.open(io.BytesIO(image_of(r)[1])).size for r in records([tmp_path / "small.jsonl"])
    ]
    assert all(max(size) <= 160 for size in sizes)
    assert sizes[6] == (160, 120)  # the 2000x1500 photo
    assert validate("fireworks", tmp_path / "small.jsonl").ok


def test_rotation_keeps_files_under_the_limit_and_loses_no_row(
    train: datasets.Dataset, tmp_path: Path
) -> None:
    summary = export_fireworks(train, tmp_path / "train.jsonl", max_file_mb=0.2, progress=False)
    assert len(summary.files) > 1
    assert all(f.stat().st_size <= 200_000 for f in summary.files)
    assert not (tmp_path / "train.jsonl").exists()
    rows = records(summary.files)
    assert len(rows) == summary.rows == len(train)
    whole = tmp_path / "whole.jsonl"
    export_fireworks(train, whole, progress=False)
    assert rows == records([whole])  # same rows, same order


def test_workers_give_byte_identical_output(train: datasets.Dataset, tmp_path: Path) -> None:
    export_fireworks(train, tmp_path / "one.jsonl", max_side=300, progress=False)
    export_fireworks(train, tmp_path / "two.jsonl", max_side=300, num_proc=2, progress=False)
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()


def test_a_streamed_split_exports_the_same_bytes(
    export_folder: Path,
    exported: Path,
    tmp_path: Path,
) -> None:
    streamed = open_split(str(export_folder), "train", streaming=True)
    assert isinstance(streamed, datasets.IterableDataset)
    summary = export_fireworks(streamed, tmp_path / "streamed.jsonl", progress=False)
    assert summary.rows == 8
    assert (tmp_path / "streamed.jsonl").read_bytes() == exported.read_bytes()
