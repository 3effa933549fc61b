"""Where export rows come from: a built folder's Parquet shards read directly, zero-copy images."""

from __future__ import annotations

from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cat_breeds_vlm.errors import UserError
from cat_breeds_vlm.export.source import (
    COLUMNS,
    ParquetSplit,
    batch_rows,
    binary_views,
    iter_batches,
    iter_rows,
    open_source,
)


def test_a_local_folder_streams_from_its_shards(export_folder: Path, train: datasets.Dataset) -> None:
    source = open_source(str(export_folder), "train", streaming=True)
    assert isinstance(source, ParquetSplit)
    assert [f.name for f in source.files] == ["train-00000-of-00001.parquet"]
    assert source.num_rows == len(train)
    assert set(COLUMNS) <= set(source.column_names)
    assert list(iter_rows(source)) == list(iter_rows(train))  # same rows, order and bytes
    loaded = open_source(str(export_folder), "train", streaming=False)
    assert isinstance(loaded, datasets.Dataset) and len(loaded) == len(train)


def test_shards_are_read_in_order_and_take_stops_anywhere(
    export_folder: Path, train: datasets.Dataset, tmp_path: Path
) -> None:
    table = pq.read_table(ParquetSplit.open(export_folder, "train").files[0])
    first, second = tmp_path / "train-0.parquet", tmp_path / "train-1.parquet"
    pq.write_table(table.slice(0, 7), first, row_group_size=3)
    pq.write_table(table.slice(7), second, row_group_size=5)
    shards = ParquetSplit("train", (first, second))
    expected = list(iter_rows(train))
    assert shards.num_rows == len(train)
    assert list(iter_rows(shards)) == expected
    for count in (0, 5, 7, 12, len(train) + 3):
        cut = shards.take(count)
        assert cut.num_rows == min(count, len(train))
        assert list(iter_rows(cut)) == expected[:count]
    assert shards.take(12).take(5).num_rows == 5


def test_an_unknown_split_or_a_folder_without_data_is_a_user_error(export_folder: Path, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no split 'dev'"):
        ParquetSplit.open(export_folder, "dev")
    with pytest.raises(UserError, match="cannot load"):
        ParquetSplit.open(tmp_path, "train")  # empty
    (tmp_path / "notes.txt").write_text("no data here\n")
    with pytest.raises(UserError, match="not stored as Parquet"):
        ParquetSplit.open(tmp_path, "train")  # datasets reads it as a text dataset
    with pytest.raises(UserError, match="is not a built dataset"):
        open_source(str(tmp_path), "train", streaming=True)  # refused before datasets reads it


def test_binary_views_are_the_values_without_a_copy() -> None:
    values = [b"\xff\xd8\xff\xe0", b"", b"\x89PNG\r\n", b"abc"]
    for kind in (pa.binary(), pa.large_binary()):
        array = pa.array(values, kind)
        for start in range(len(values)):
            views = binary_views(array.slice(start))
            assert [bytes(v) for v in views] == values[start:]
            assert all(v.format == "B" for v in views)  # unsigned: v[0] == 0xFF, not -1
        assert binary_views(array)[0][0] == 0xFF and binary_views(array)[0][:2] == b"\xff\xd8"
    with_null = binary_views(pa.array([b"a", None, b"c"]).slice(1))
    assert with_null[0] is None and bytes(with_null[1]) == b"c"


def test_rows_of_a_sliced_batch_with_views_equal_the_copied_rows(train: datasets.Dataset) -> None:
    (batch, *_) = list(iter_batches(train))
    part = batch.slice(3, 9)
    viewed, copied = list(batch_rows(part, views=True)), list(batch_rows(part))
    assert [r["id"] for r in copied] == train["id"][3:12]
    for view_row, copy_row in zip(viewed, copied, strict=True):
        assert isinstance(view_row["image"]["bytes"], memoryview)
        assert bytes(view_row["image"]["bytes"]) == copy_row["image"]["bytes"]
        assert {**view_row, "image": None} == {**copy_row, "image": None}


def test_pieces_read_every_row_once_in_order_from_row_group_starts(
    export_folder: Path, train: datasets.Dataset, tmp_path: Path
) -> None:
    table = pq.read_table(ParquetSplit.open(export_folder, "train").files[0])
    first, second = tmp_path / "train-0.parquet", tmp_path / "train-1.parquet"
    pq.write_table(table.slice(0, 7), first, row_group_size=3)  # groups start at 0, 3, 6
    pq.write_table(table.slice(7), second, row_group_size=5)  # 7, 12, 17, ...
    shards = ParquetSplit("train", (first, second))
    expected = list(iter_rows(train))
    for split, rows in ((shards, expected), (shards.take(13), expected[:13])):
        pieces = split.divide(3)
        assert len(pieces) == 3
        assert {piece.start for piece in pieces} <= {g.first for g in shards.row_groups()}
        assert [row for piece in pieces for row in iter_rows(piece)] == rows
        assert sum(piece.num_rows for piece in pieces) == len(rows)
    one_group = ParquetSplit.open(export_folder, "train")  # fewer groups than pieces
    pieces = one_group.divide(4)
    sizes = [piece.num_rows for piece in pieces]
    assert len(sizes) == 4 and max(sizes) - min(sizes) <= 1  # cut inside the group, evenly
    assert [row for piece in pieces for row in iter_rows(piece)] == expected
    assert [len(p.divide(2)) for p in shards.take(1).divide(3)] == [1]  # never empty pieces
