"""Writing shards in parallel: the biggest queued first, the sizes returned in task order."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow.parquet as pq

from cat_breeds_vlm.build.plan import Row
from cat_breeds_vlm.build.shards import ShardTask, largest_first, write_all


def _rows(image_dir: Path, breed: str, name: str, sizes: list[int]) -> list[Row]:
    rows = []
    for i, size in enumerate(sizes):
        source = f"{breed}/{name}_{i}.jpg"
        data = bytes([i % 251]) * size  # the writer embeds the bytes; it decodes nothing
        (image_dir / breed).mkdir(parents=True, exist_ok=True)
        (image_dir / source).write_bytes(data)
        rows.append(Row(source, source, breed, size, hashlib.sha256(data).hexdigest()))
    return rows


def test_biggest_shard_is_queued_first_and_sizes_come_back_in_task_order(tmp_path: Path) -> None:
    images, out = tmp_path / "images", tmp_path / "data"
    out.mkdir()
    breeds = ["Bengal", "Persian"]
    row_sizes = {"small": [10], "big": [30_000, 30_000], "middle": [20_000, 10, 10]}
    tasks = [
        ShardTask("train", out / f"{name}.parquet", _rows(images, breeds[i % 2], name, sizes), images, "single", breeds)
        for i, (name, sizes) in enumerate(row_sizes.items())
    ]
    assert largest_first(tasks) == [1, 2, 0]
    sizes = write_all(tasks, num_proc=2, progress=False)
    assert sizes == [task.path.stat().st_size for task in tasks]
    assert [pq.read_metadata(task.path).num_rows for task in tasks] == [1, 2, 3]
