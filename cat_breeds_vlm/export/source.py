"""Where an export's rows come from: Arrow record batches, read without decoding anything.

An exporter takes a loaded split (``datasets.Dataset``), a streamed one
(``datasets.IterableDataset``), or a :class:`ParquetSplit`: one split of a local built folder,
read straight from its Parquet shards with pyarrow (``ParquetFile.iter_batches``). That is
still streaming (one batch in memory at a time, nothing copied into the datasets cache) but
skips the per-batch work of ``datasets``' streaming; the CLI uses it for local folders
(:func:`open_source`). Its files are read with ``pre_buffer=False``: pyarrow's default
pre-buffering keeps what it read of a file until the file is closed, so memory grew with the
rows read.

:func:`iter_batches` yields record batches of a few hundred rows; :func:`batch_rows` turns one
into row dicts with the image undecoded (``{"bytes", "path"}``, :func:`image_cells`), its
bytes optionally as ``memoryview`` slices of Arrow's own buffer (:func:`binary_views`):
copying a batch's 15 KB photos into ``bytes`` costs half as much as base64-encoding them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

import datasets
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..dataset.loading import check_split, open_split
from ..dataset.locate import Located, locate
from ..errors import UserError
from ..features import columns_without, shard_name

#: Rows read from Arrow at a time: about 1 MB of the real 15 KB photos, which the exporting
#: thread still finds in the CPU cache (``benchmarks/RESULTS.md``).
BATCH_ROWS = 64
#: The columns every exporter reads: the label is in the conversation, its id is not needed.
COLUMNS: tuple[str, ...] = columns_without("breed")


class RowGroup(NamedTuple):
    """One row group of a split's shards: its file, its index there, its first row in the split."""

    file: Path
    index: int
    first: int
    rows: int


@dataclass(frozen=True)
class ParquetSplit:
    """One split of a local built folder, read from its Parquet shards in order."""

    split: str
    files: tuple[Path, ...]
    #: Read only this many rows (the first ones), like ``IterableDataset.take``.
    limit: int | None = None
    #: Skip this many rows of the split first (a piece of it, :meth:`divide`).
    start: int = 0

    @classmethod
    def open(cls, folder: str | Path, split: str) -> ParquetSplit:
        """The split's shards, as ``load_dataset(folder)`` resolves them from the card's configs."""
        files = split_files(folder, split)
        if not all(_is_parquet(f) for f in files):
            raise UserError(f"split {split!r} of {folder} is not stored as Parquet: {files[0]}")
        return cls(split, files)

    @property
    def column_names(self) -> list[str]:
        """The columns of the split (from the first shard's schema)."""
        return pq.read_schema(self.files[0]).names

    @property
    def num_rows(self) -> int:
        """The rows read (the shards' from their footers, after ``start``, at most ``limit``)."""
        rows = max(0, sum(pq.read_metadata(f).num_rows for f in self.files) - self.start)
        return rows if self.limit is None else min(rows, self.limit)

    def take(self, count: int) -> ParquetSplit:
        """The first ``count`` rows only."""
        return replace(self, limit=count if self.limit is None else min(count, self.limit))

    def divide(self, parts: int) -> list[ParquetSplit]:
        """About ``parts`` non-empty contiguous pieces that read this split's rows, in order.

        A piece starts at a row group's start when the split has enough row groups (nothing
        is read twice), else inside one.
        """
        first, end = self.start, self.start + self.num_rows
        bounds = {first + (end - first) * k // parts for k in range(1, parts)}
        starts = [group.first for group in self.row_groups() if first < group.first < end]
        if len(starts) >= parts - 1:
            bounds = {min(starts, key=lambda s, b=bound: abs(s - b)) for bound in bounds}
        edges = sorted({first, end, *bounds})
        return [replace(self, start=a, limit=b - a) for a, b in zip(edges, edges[1:])]

    def row_groups(self) -> list[RowGroup]:
        """Every row group of every shard, in order (from the Parquet footers)."""
        groups: list[RowGroup] = []
        first = 0
        for file in self.files:
            metadata = pq.read_metadata(file)
            for index in range(metadata.num_row_groups):
                rows = metadata.row_group(index).num_rows
                groups.append(RowGroup(file, index, first, rows))
                first += rows
        return groups

    def iter_batches(self, columns: list[str], batch_size: int) -> Iterator[pa.RecordBatch]:
        """Record batches of ``columns``: the rows from ``start``, up to ``limit`` of them.

        Only the row groups holding them are read, shard after shard.
        """
        end = None if self.limit is None else self.start + self.limit
        groups = [
            group
            for group in self.row_groups()
            if group.first + group.rows > self.start and (end is None or group.first < end)
        ]
        if not groups:
            return
        batches = itertools.chain.from_iterable(
            _read_row_groups(file, [group.index for group in same], columns, batch_size)
            for file, same in itertools.groupby(groups, key=lambda group: group.file)
        )
        yield from _window(batches, self.start - groups[0].first, self.limit)


def _read_row_groups(file: Path, indexes: list[int], columns: list[str], batch_size: int) -> Iterator[pa.RecordBatch]:
    """Record batches of some row groups of one Parquet file."""
    with pq.ParquetFile(file, pre_buffer=False) as parquet:
        yield from parquet.iter_batches(batch_size=batch_size, row_groups=indexes, columns=columns)


def _window(batches: Iterator[pa.RecordBatch], skip: int, limit: int | None) -> Iterator[pa.RecordBatch]:
    """The rows of ``batches`` after the first ``skip``, at most ``limit`` of them."""
    if limit == 0:
        return
    for batch in batches:
        if skip >= len(batch):
            skip -= len(batch)
            continue
        batch, skip = batch.slice(skip), 0
        if limit is not None:
            batch = batch.slice(0, limit)
            limit -= len(batch)
        yield batch
        if limit == 0:
            return


def split_files(folder: str | Path, split: str) -> tuple[Path, ...]:
    """The data files of a local dataset folder's split, as ``load_dataset`` resolves them."""
    try:
        builder = datasets.load_dataset_builder(str(folder))
    except (FileNotFoundError, ValueError) as err:
        raise UserError(f"cannot load {folder}: {err}") from None
    data_files = builder.config.data_files or {}
    files = tuple(Path(f) for f in data_files.get(split, []))
    if not files:
        raise UserError(f"{folder} has no split {split!r} (it has {', '.join(data_files)})")
    return files


def report_files(source: Located, split: str) -> tuple[Path, ...]:
    """The shards of a split as its build report lists them (none without a report).

    Read from the report, not resolved by ``datasets``: a cached Hub copy holding only some
    splits' files still exports the ones it has.
    """
    info = source.report.splits.get(split) if source.report is not None else None
    count = (info.shards if info is not None else None) or 0
    return tuple(Path(source.path, "data", shard_name(split, i, count)) for i in range(count))


def _is_parquet(path: Path) -> bool:
    return path.suffix == ".parquet"


#: Anything an exporter reads.
AnyDataset = datasets.Dataset | datasets.IterableDataset | ParquetSplit


def open_source(dataset: str | Located, split: str, *, streaming: bool) -> AnyDataset:
    """A split to export: a local folder streamed from its Parquet shards, else ``open_split``.

    (A local folder of other files is streamed by ``datasets``, as ``open_split`` does.)
    """
    source = locate(dataset)
    if streaming and source.local:
        check_split(source, split)  # with a build report: every shard it lists is there
        files = report_files(source, split) or split_files(Path(source.path), split)
        if all(_is_parquet(f) for f in files):
            return ParquetSplit(split, files)
    return open_split(source, split, streaming=streaming)


def iter_batches(dataset: AnyDataset, columns: tuple[str, ...] = COLUMNS) -> Iterator[pa.RecordBatch]:
    """Record batches of ``columns``, in row order, at most :data:`BATCH_ROWS` rows each.

    Raises :class:`UserError` when a column is missing.
    """
    present = dataset.column_names
    missing = [c for c in columns if present is not None and c not in present]
    if missing:
        raise UserError(f"the dataset has no {missing[0]!r} column (it has {', '.join(present)})")
    if isinstance(dataset, ParquetSplit):
        yield from dataset.iter_batches(list(columns), BATCH_ROWS)
        return
    tables = dataset.select_columns(list(columns)).with_format("arrow").iter(batch_size=BATCH_ROWS)
    for table in tables:
        yield from table.to_batches()  # one per chunk: no copy


def row_count(dataset: AnyDataset) -> int | None:
    """The number of rows when known without reading them (a streamed split may not say)."""
    if isinstance(dataset, (datasets.Dataset, ParquetSplit)):
        return dataset.num_rows
    splits = dataset.info.splits or {}
    split = splits.get(str(dataset.split)) if dataset.split is not None else None
    return split.num_examples if split is not None and split.num_examples else None


def iter_rows(dataset: AnyDataset, columns: tuple[str, ...] = COLUMNS) -> Iterator[dict[str, Any]]:
    """Every row of ``columns`` as a dict, in order, the image undecoded (bytes copied)."""
    for batch in iter_batches(dataset, columns):
        yield from batch_rows(batch)


def batch_rows(batch: pa.RecordBatch, *, views: bool = False) -> Iterator[dict[str, Any]]:
    """The rows of ``batch`` as dicts, an ``image`` as undecoded ``{"bytes", "path"}``.

    With ``views`` the image bytes are ``memoryview`` slices of the batch's buffer (no copy;
    they cannot be pickled), else ``bytes``.
    """
    names = batch.schema.names
    values = [
        image_cells(column, views) if name == "image" else column.to_pylist()
        for name, column in zip(names, batch.columns, strict=True)
    ]
    for row in zip(*values, strict=True):
        yield dict(zip(names, row, strict=True))


def image_cells(column: pa.StructArray, views: bool = False) -> list[dict[str, Any]]:
    """``{"bytes", "path"}`` for each value of an ``Image()`` column (both None for a null)."""
    payloads, paths = image_fields(column, views)
    return [{"bytes": b, "path": p} for b, p in zip(payloads, paths, strict=True)]


def image_fields(
    column: pa.StructArray, views: bool = False
) -> tuple[list[bytes | memoryview | None], list[str | None]]:
    """The ``bytes`` and the ``path`` of each value of an ``Image()`` column, as two lists.

    With ``views`` the bytes are ``memoryview`` slices of Arrow's buffer (see
    :func:`binary_views`), else ``bytes``.
    """
    data, paths = column.flatten()  # children with the struct's offset and nulls applied
    return (binary_views(data) if views else data.to_pylist()), paths.to_pylist()


def binary_views(array: pa.Array) -> list[memoryview | None]:
    """Each value of a binary array as a ``memoryview`` into Arrow's data buffer (no copy)."""
    if array.null_count:
        return [None if v is None else memoryview(v) for v in array.to_pylist()]
    offset_type = np.dtype(np.int64 if pa.types.is_large_binary(array.type) else np.int32)
    _, offsets_buffer, data_buffer = array.buffers()
    first = array.offset * offset_type.itemsize
    offsets = np.frombuffer(offsets_buffer, offset_type, len(array) + 1, first).tolist()
    data = memoryview(data_buffer if data_buffer is not None else b"").cast("B")
    return [data[start:end] for start, end in zip(offsets, offsets[1:])]
