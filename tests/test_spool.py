"""The spool: a cold build writes the bytes its verification read and hashed, from a temporary
folder it removes; a warm rebuild reads and re-checks the photos; both write the same bytes."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from tree_fixtures import garble

from cat_breeds_vlm.build.config import CatBreedsVLMConfig
from cat_breeds_vlm.build.folder import build_folder
from cat_breeds_vlm.build.shards import ShardTask, write_shard
from cat_breeds_vlm.build.spool import SpoolReader, keep
from cat_breeds_vlm.build.stages import prepare


@pytest.fixture
def own_tree(small_tree, tmp_path) -> Path:
    """A private copy of the small tree: paths no earlier build cached, so verification runs."""
    return Path(shutil.copytree(small_tree[0], tmp_path / "images"))


def _shard_digests(out: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((out / "data").glob("*.parquet"))}


def test_a_cold_build_and_a_warm_rebuild_write_the_same_bytes_and_leave_no_spool(own_tree, tmp_path):
    cold = build_folder(own_tree, tmp_path / "cold", CatBreedsVLMConfig(), num_proc=2, progress=False)
    warm = build_folder(own_tree, tmp_path / "warm", CatBreedsVLMConfig(), num_proc=2, progress=False)
    assert cold["splits"] == warm["splits"]
    assert _shard_digests(tmp_path / "cold") == _shard_digests(tmp_path / "warm")
    assert not list(tmp_path.rglob("spool*"))  # neither in the datasets nor beside them
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cold", "images", "warm"]


def test_verification_keeps_exactly_the_bytes_it_read(own_tree, tmp_path):
    spool = tmp_path / "spool"
    spool.mkdir()
    prepared = prepare(own_tree, CatBreedsVLMConfig().plan_settings, num_proc=2, progress=False, spool=spool)
    rows = [row for split in prepared.plan.written_splits for row in prepared.plan.rows[split]]
    assert rows and all(row.source in prepared.kept for row in rows)
    reader = SpoolReader(spool)
    try:
        for row in rows:
            assert reader.read(prepared.kept[row.source]) == (own_tree / row.source).read_bytes()
    finally:
        reader.close()
    assert 1 <= len(list(spool.iterdir())) <= 2  # a spool file per verifying worker at most


def test_a_photo_changed_after_verification_is_written_as_verified(own_tree, tmp_path):
    spool = tmp_path / "spool"
    spool.mkdir()
    config = CatBreedsVLMConfig()
    prepared = prepare(own_tree, config.plan_settings, progress=False, spool=spool)
    rows = prepared.plan.rows["train"][:5]
    verified = {row.source: (own_tree / row.source).read_bytes() for row in rows}
    for row in rows:
        garble(own_tree / row.source)
    kept = [prepared.kept[row.source] for row in rows]
    task = ShardTask("train", tmp_path / "train.parquet", rows, prepared.image_dir, config.style,
                     prepared.breeds, config.catalog, kept, spool)
    write_shard(task)
    written = pq.read_table(tmp_path / "train.parquet").to_pylist()
    assert {r["source"]: r["image"]["bytes"] for r in written} == verified


def test_kept_bytes_are_appended_to_one_file_per_process(tmp_path):
    first, second = keep(str(tmp_path), b"abc"), keep(str(tmp_path), b"defgh")
    assert first.name == second.name and (first.offset, second.offset) == (0, 3)
    reader = SpoolReader(tmp_path)
    try:
        assert reader.read(second) == b"defgh" and reader.read(first) == b"abc"
    finally:
        reader.close()
