"""The record writer: one file or rotating files under a byte limit, atomic, no stale parts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cat_breeds_vlm.errors import UserError
from cat_breeds_vlm.export.writer import RecordWriter, dump_record

RECORDS = [dump_record({"n": n, "text": "x" * (n * 37 % 200)}) for n in range(100)]


def write_all(path: Path, **options: object) -> RecordWriter:
    with RecordWriter(path, **options) as writer:  # type: ignore[arg-type]
        for record in RECORDS:
            writer.write(record)
    return writer


def read_jsonl(files: list[Path]) -> list[dict]:
    return [json.loads(line) for file in files for line in file.read_text().splitlines()]


def test_one_file_by_default(tmp_path: Path) -> None:
    writer = write_all(tmp_path / "train.jsonl")
    assert writer.files == [tmp_path / "train.jsonl"]
    assert [r["n"] for r in read_jsonl(writer.files)] == list(range(100))
    assert writer.rows == 100 and writer.bytes == (tmp_path / "train.jsonl").stat().st_size
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.jsonl"]  # no temporary left


@pytest.mark.parametrize("array", [False, True], ids=["jsonl", "json-array"])
def test_rotation_keeps_every_file_under_the_limit_and_loses_no_record(tmp_path: Path, array: bool) -> None:
    limit = 2000
    writer = write_all(tmp_path / "train.jsonl", max_bytes=limit, array=array)
    assert len(writer.files) > 3
    assert [f.name for f in writer.files] == [f"train-{i:05d}.jsonl" for i in range(len(writer.files))]
    assert all(f.stat().st_size <= limit for f in writer.files)
    if array:
        rows = [item for f in writer.files for item in json.loads(f.read_text())]
    else:
        rows = read_jsonl(writer.files)
    assert [r["n"] for r in rows] == list(range(100))
    assert sum(f.stat().st_size for f in writer.files) == writer.bytes
    per_file = [json.loads(f.read_text()) if array else read_jsonl([f]) for f in writer.files]
    assert writer.file_rows == [len(records) for records in per_file]


@pytest.mark.parametrize("array", [False, True], ids=["jsonl", "json-array"])
def test_a_record_in_parts_is_written_as_the_joined_record(tmp_path: Path, array: bool) -> None:
    whole = write_all(tmp_path / "whole.jsonl", max_bytes=2000, array=array)
    with RecordWriter(tmp_path / "parts.jsonl", max_bytes=2000, array=array) as parts:
        for record in RECORDS:
            parts.write(record[:5], memoryview(record)[5:20], record[20:])
    assert [f.read_bytes() for f in parts.files] == [f.read_bytes() for f in whole.files]
    assert (parts.rows, parts.bytes) == (whole.rows, whole.bytes)


def test_empty_export_writes_a_valid_empty_file(tmp_path: Path) -> None:
    with RecordWriter(tmp_path / "a.json", array=True):
        pass
    assert json.loads((tmp_path / "a.json").read_text()) == []


def test_an_error_leaves_nothing_partial_and_the_old_file_untouched(tmp_path: Path) -> None:
    (tmp_path / "train.jsonl").write_text("old\n")
    with (
        pytest.raises(RuntimeError),
        RecordWriter(tmp_path / "train.jsonl", max_bytes=500) as writer,
    ):
        for record in RECORDS:
            writer.write(record)
        raise RuntimeError("conversion failed half-way")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.jsonl"]
    assert (tmp_path / "train.jsonl").read_text() == "old\n"


def test_parts_left_from_a_longer_earlier_export_are_removed(tmp_path: Path) -> None:
    for index in range(8):
        (tmp_path / f"train-{index:05d}.jsonl").write_text("stale\n")
    (tmp_path / "keep-00009.jsonl").write_text("another export\n")
    writer = write_all(tmp_path / "train.jsonl", max_bytes=5000)
    assert 1 < len(writer.files) < 8
    assert sorted(tmp_path.glob("train-*.jsonl")) == writer.files
    assert (tmp_path / "keep-00009.jsonl").exists()


def test_a_plain_export_removes_every_part_of_a_rotated_one_and_back(tmp_path: Path) -> None:
    (tmp_path / "keep-00000.jsonl").write_text("another export\n")
    (tmp_path / "train-0001.jsonl").write_text("not our pattern\n")
    rotated = write_all(tmp_path / "train.jsonl", max_bytes=5000)
    assert len(rotated.files) > 1
    plain = write_all(tmp_path / "train.jsonl")
    assert sorted(tmp_path.glob("train*.jsonl")) == sorted([*plain.files, tmp_path / "train-0001.jsonl"])
    rotated = write_all(tmp_path / "train.jsonl", max_bytes=5000)
    assert sorted(tmp_path.glob("train*.jsonl")) == sorted([*rotated.files, tmp_path / "train-0001.jsonl"])
    assert (tmp_path / "keep-00000.jsonl").exists()


def test_a_record_bigger_than_the_limit_is_refused(tmp_path: Path) -> None:
    with (
        pytest.raises(UserError, match="record 1 alone is"),
        RecordWriter(tmp_path / "x.jsonl", max_bytes=10) as w,
    ):
        w.write(dump_record({"text": "far too long for ten bytes"}))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("limit", [None, 900, 2_000])
def test_copied_lines_rotate_and_read_like_written_records(tmp_path: Path, limit: int | None) -> None:
    written = write_all(tmp_path / "w" / "train.jsonl", max_bytes=limit)
    lines = tmp_path / "lines.jsonl"
    lines.write_bytes(b"".join(record + b"\n" for record in RECORDS))
    lengths = [len(record) + 1 for record in RECORDS]
    with open(lines, "rb") as source, RecordWriter(tmp_path / "c" / "train.jsonl", max_bytes=limit) as copied:
        copied.copy_lines(source.fileno(), lengths[:37])  # in two calls: runs across them
        copied.copy_lines(source.fileno(), lengths[37:])
    assert [f.name for f in copied.files] == [f.name for f in written.files]
    assert len(written.files) == 1 if limit is None else len(written.files) > 2
    for ours, theirs in zip(copied.files, written.files, strict=True):
        assert ours.read_bytes() == theirs.read_bytes()
    assert (copied.rows, copied.bytes) == (written.rows, written.bytes)


def test_copy_lines_refuses_a_json_array(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="JSON Lines only"), RecordWriter(tmp_path / "a.json", array=True) as writer:
        writer.copy_lines(0, [10])
    assert list(tmp_path.iterdir()) == []
