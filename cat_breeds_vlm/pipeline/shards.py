"""Shards: write the planned rows of each split as Parquet files with the image bytes embedded.

Rows are dealt into shards of about equal size before anything is written (the fewest that keep
each within ``max_shard_bytes``), so shard boundaries, and so every file's bytes, depend only on
the plan, never on ``num_proc``. Shards are then written in parallel, one task per shard; what
they share (the settings, the Arrow schema, the label ids) goes to each writing process once.
Files are written the way ``datasets``' own Parquet writer writes them for the Hub: image bytes
stored plain and uncompressed, content-defined chunking (so re-uploads deduplicate on the Hub's
Xet storage), a page index, and small row groups of image rows for the dataset viewer.
:func:`make_record` turns a planned row into its stored record, for this writer and the
``datasets`` builder alike, so the two never disagree about what a row holds.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import multiprocessing.sharedctypes
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from .._compat import cdc_options, parquet_column_options
from ..errors import UserError
from ..features import label_ids, make_features
from ..labels.catalog import Catalog
from ..labels.conversations import render
from ..labels.domain import Domain
from ..workers import process_context, worker_pool
from .plan import Row
from .verify import read_whole

if TYPE_CHECKING:  # the parent's, which makes the schema and the options
    import datasets

#: Bytes of image data per shard at most (the Hub's own ``push_to_hub`` default is 500 MB).
MAX_SHARD_BYTES = 500 * 1024 * 1024
#: Rows written here rather than by workers when there are no more: a writing worker's start
#: (pyarrow loads pandas in it) costs about what writing that many rows does.
MIN_ROWS_FOR_WORKERS = 4096
#: The ``pq.ParquetWriter`` option of content-defined chunking (also recorded in each file).
CDC = "use_content_defined_chunking"
#: Rows per Parquet row group for image data: 100, the figure ``datasets`` uses for image
#: datasets (``PARQUET_ROW_GROUP_SIZE_FOR_IMAGE_DATASETS`` in 2.x-4.x, the image record-batch
#: size in 5.x), small enough for the Hub's dataset viewer to read one row group quickly.
ROW_GROUP_SIZE = 100


@dataclass(frozen=True)
class ShardTask:
    """One Parquet file to write: which rows of which split, and where."""

    split: str
    path: Path
    rows: list[Row]


@dataclass(frozen=True)
class ShardSettings:
    """What every shard of a build shares: where the photos are, how rows are rendered, the labels."""

    image_dir: Path
    style: str
    breeds: list[str]
    catalog: Catalog | None = None  # what is known of the labels; None: the built-in catalogue
    domain: Domain | None = None  # the words of the conversations; None: the default (cats)
    domain: Domain | None = None  # the words of the conversations; None: the default (cats)


def deal_shards(rows: list[Row], max_shard_bytes: int = MAX_SHARD_BYTES) -> list[list[Row]]:
    """Cut rows, in order, into runs of about equal image bytes: as many runs as ``max_shard_bytes``
    needs, a new one when the next row would pass it or starts past an equal share of the bytes.

    Even runs, rather than full ones and a small rest, keep the writers busy alike to the end:
    1.59 GB of train photos make four shards of 397 MB, not three of 527 MB and one of 6 MB.
    """
    total = sum(row.size for row in rows)
    share = max(1.0, total / max(1, -(-total // max_shard_bytes)))  # at least a byte: empty rows stay together
    shards: list[list[Row]] = [[]]
    start = size = 0
    for row in rows:
        if shards[-1] and (size + row.size > max_shard_bytes or start >= len(shards) * share):
            shards.append([])
            size = 0
        shards[-1].append(row)
        start += row.size
        size += row.size
    return shards


@dataclass(frozen=True)
class _Writer:
    """What a shard writer needs for every shard: the settings, the Arrow schema, the label ids
    and the Parquet writer's options.

    Made once in the parent and sent once to each worker (the schema and the options made by the
    parent, which has ``datasets`` loaded: a worker never imports it)."""

    settings: ShardSettings
    schema: pa.Schema
    labels: dict[str, int]
    options: dict  # pq.ParquetWriter's keyword arguments (:func:`parquet_options`)

    @classmethod
    def of(cls, settings: ShardSettings) -> _Writer:
        features = make_features(settings.breeds)
        return cls(settings, features.arrow_schema, label_ids(settings.breeds), parquet_options(features))

    def batches(self, task: ShardTask) -> Iterator[list[dict]]:
        image_dir, style, catalog = self.settings.image_dir, self.settings.style, self.settings.catalog
        domain = self.settings.domain
        for start in range(0, len(task.rows), ROW_GROUP_SIZE):
            chunk = task.rows[start : start + ROW_GROUP_SIZE]
            yield [make_record(row, image_dir, style, self.labels, catalog, domain) for row in chunk]


#: In a writing process: what every shard shares, and the rows written by all (a shared counter).
_writer: _Writer | None = None
_progress: multiprocessing.sharedctypes.Synchronized | None = None


def _start_writer(writer: _Writer | None, counter: multiprocessing.sharedctypes.Synchronized | None) -> None:
    global _writer, _progress
    _writer, _progress = writer, counter


def parquet_options(features: datasets.Features) -> dict:
    """``pq.ParquetWriter`` options, the ones ``datasets`` writes with for the Hub: image leaves
    plain and uncompressed, the rest snappy with dictionaries, a page index, and content-defined
    chunking (so re-uploads deduplicate)."""
    return {
        **parquet_column_options(features, features.arrow_schema),
        "write_page_index": True,
        CDC: cdc_options(),
    }


def write_shard(task: ShardTask) -> int:
    """Write one shard, in a process set up by :func:`_start_writer`; returns its size in bytes.
    Counts rows into the shared progress counter."""
    assert _writer is not None, "a shard is written in a process set up to write shards"
    schema = _writer.schema
    with pq.ParquetWriter(task.path, schema, **_writer.options) as writer:
        # recorded as ``datasets`` records it, so the Hub knows how the file was chunked
        writer.add_key_value_metadata({"content_defined_chunking": json.dumps(_writer.options[CDC])})
        for batch in _writer.batches(task):
            writer.write_table(pa.Table.from_pylist(batch, schema=schema), row_group_size=ROW_GROUP_SIZE)
            if _progress is not None:
                with _progress.get_lock():
                    _progress.value += len(batch)
    return task.path.stat().st_size


_size = attrgetter("size")


def largest_first(tasks: list[ShardTask]) -> list[int]:
    """The task indexes, the most image bytes first (ties in task order).

    Queued in that order, a big shard never starts last and leaves the other workers idle
    while it runs alone; the sizes are still returned in task order.
    """
    image_bytes = [sum(map(_size, task.rows)) for task in tasks]
    return sorted(range(len(tasks)), key=lambda i: -image_bytes[i])


def write_all(
    tasks: list[ShardTask], settings: ShardSettings, *, num_proc: int = 1, progress: bool = True
) -> list[int]:
    """Write every shard, in parallel when ``num_proc > 1`` and there are several shards and at
    least :data:`MIN_ROWS_FOR_WORKERS` rows; returns each shard's size, in order.

    A failed shard, or Ctrl-C, stops every writer at once: no other shard is finished.
    """
    writer = _Writer.of(settings)
    total = sum(len(t.rows) for t in tasks)
    with tqdm(total=total, desc="Write Parquet", unit="row", disable=None if progress else True) as bar:
        if num_proc <= 1 or len(tasks) == 1 or total < MIN_ROWS_FOR_WORKERS:
            counter = multiprocessing.Value("q", 0)
            _start_writer(writer, counter)
            try:
                sizes = []
                for task in tasks:
                    sizes.append(write_shard(task))
                    bar.update(counter.value - bar.n)
                return sizes
            finally:
                _start_writer(None, None)
        counter = process_context().Value("q", 0)
        with worker_pool(min(num_proc, len(tasks)), _start_writer, (writer, counter)) as pool:
            queued = {i: pool.apply_async(write_shard, (tasks[i],)) for i in largest_first(tasks)}
            pending = list(queued.values())
            while pending:
                pending[0].wait(0.5)
                bar.update(counter.value - bar.n)
                for done in [result for result in pending if result.ready()]:
                    done.get()  # a failed shard raises here; leaving the pool stops the rest
                pending = [result for result in pending if not result.ready()]
            return [queued[i].get() for i in range(len(tasks))]


def make_record(
    row: Row,
    image_dir: Path,
    style: str,
    labels: Mapping[str, int],
    catalog: Catalog | None = None,
    domain: Domain | None = None,
) -> dict:
    """The stored record of one row: id, embedded image bytes, conversations, breed, source.

    ``labels`` is each breed's ClassLabel index (:func:`~cat_breeds_vlm.features.label_ids`);
    ``catalog`` says what is known of the labels (default: the built-in catalogue), ``domain``
    gives the conversations' words (default: the cat domain).

    ``breed`` is the ClassLabel index, ready for Arrow; the image ``path`` is the file name only,
    as ``datasets`` itself stores embedded images. A file whose bytes are no longer the ones
    verified (changed during the build) is an error, never written unchecked.
    """
    data = read_whole(os.path.join(image_dir, row.source), row.size)  # no Path per row
    if hashlib.sha256(data).hexdigest() != row.sha256:
        raise UserError(f"{row.source} changed during the build (not the verified bytes): build again")
    return {
        "id": row.id,
        "image": {
            "bytes": data,
            "path": row.source.rsplit("/", 1)[-1],
        },
        "conversations": render(row.breed, style, key=row.id, catalog=catalog, domain=domain),
        "breed": labels[row.breed],
        "source": row.source,
    }
