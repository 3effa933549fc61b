"""Shards: rows dealt into even shards; written in parallel, the biggest queued first, the sizes
returned in task order."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cat_breeds_vlm.errors import UserError
from cat_breeds_vlm.pipeline import shards
from cat_breeds_vlm.pipeline.plan import Row
from cat_breeds_vlm.pipeline.shards import ShardSettings, ShardTask, deal_shards, largest_first, write_all


def _rows(image_dir: Path, breed: str, name: str, sizes: list[int]) -> list[Row]:
    rows = []
    for i, size in enumerate(sizes):
        source = f"{breed}/{name}_{i}.jpg"
        data = bytes([i % 251]) * size  # the writer embeds the bytes; it decodes nothing
        (image_dir / breed).mkdir(parents=True, exist_ok=True)
        (image_dir / source).write_bytes(data)
        rows.append(Row(source, source, breed, size, hashlib.sha256(data).hexdigest()))
    return rows


def test_biggest_shard_is_queued_first_and_sizes_come_back_in_task_order(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(shards, "MIN_ROWS_FOR_WORKERS", 0)  # a few rows, written by workers all the same
    images, out = tmp_path / "images", tmp_path / "data"
    out.mkdir()
    breeds = ["Bengal", "Persian"]
    row_sizes = {"small": [10], "big": [30_000, 30_000], "middle": [20_000, 10, 10]}
    tasks = [
        ShardTask("train", out / f"{name}.parquet", _rows(images, breeds[i % 2], name, sizes))
        for i, (name, sizes) in enumerate(row_sizes.items())
    ]
    assert largest_first(tasks) == [1, 2, 0]
    sizes = write_all(tasks, ShardSettings(images, "single", breeds), num_proc=2, progress=False)
    assert sizes == [task.path.stat().st_size for task in tasks]
    assert [pq.read_metadata(task.path).num_rows for task in tasks] == [1, 2, 3]


def _sized(sizes: list[int]) -> list[Row]:
    return [Row(f"a/{i}.jpg", f"a/{i}.jpg", "a", size, "") for i, size in enumerate(sizes)]


def test_rows_are_dealt_into_even_shards_in_order_each_within_the_limit() -> None:
    rows = _sized([10] * 159)  # 1,590 bytes at most 500 a shard: four of about 400, not 3 x 500 + 90
    shards = deal_shards(rows, max_shard_bytes=500)
    assert [sum(row.size for row in shard) for shard in shards] == [400, 400, 400, 390]
    assert [row for shard in shards for row in shard] == rows


def test_dealing_never_passes_the_limit_except_with_one_row_too_large_alone() -> None:
    rows = _sized([300, 0, 5, 900, 200, 200, 0, 0, 150, 60, 499, 1])
    shards = deal_shards(rows, max_shard_bytes=500)
    assert [row for shard in shards for row in shard] == rows
    assert all(shard for shard in shards)
    assert all(len(shard) == 1 or sum(row.size for row in shard) <= 500 for shard in shards)
    assert [row.size for row in shards[1]] == [900]
    assert deal_shards([], max_shard_bytes=500) == [[]]
    empty = _sized([0, 0, 0])
    assert deal_shards(empty, max_shard_bytes=500) == [empty]


def test_a_shard_failing_in_a_worker_is_raised_here(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(shards, "MIN_ROWS_FOR_WORKERS", 0)
    images, out = tmp_path / "images", tmp_path / "data"
    out.mkdir()
    tasks = [ShardTask("train", out / f"{n}.parquet", _rows(images, "Bengal", n, [100, 100])) for n in "ab"]
    (images / tasks[1].rows[0].source).write_bytes(b"changed")
    with pytest.raises(UserError, match="changed during the build"):
        write_all(tasks, ShardSettings(images, "single", ["Bengal"]), num_proc=2, progress=False)
