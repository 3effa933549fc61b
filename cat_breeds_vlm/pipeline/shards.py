"""Shards: write the planned rows of each split as Parquet files with the image bytes embedded.

Rows are dealt into shards of about equal size before anything is written (the fewest that keep
each within ``max_shard_bytes``), so shard boundaries, and so every file's bytes, depend only on
the plan, never on ``num_proc``. Shards are then written in parallel, one task per shard.
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
import os
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from .._compat import cdc_options, parquet_column_options
from ..errors import UserError
from ..features import make_features
from ..labels.catalog import Catalog
from ..labels.conversations import render
from ..workers import ignore_interrupts, interrupts_held, process_context
from .plan import Row
from .verify import read_whole

if TYPE_CHECKING:  # loaded by the caller, which makes the labels
    import datasets

#: Bytes of image data per shard at most (the Hub's own ``push_to_hub`` default is 500 MB).
MAX_SHARD_BYTES = 500 * 1024 * 1024
#: Rows per Parquet row group for image data: 100, the figure ``datasets`` uses for image
#: datasets (``PARQUET_ROW_GROUP_SIZE_FOR_IMAGE_DATASETS`` in 2.x-4.x, the image record-batch
#: size in 5.x), small enough for the Hub's dataset viewer to read one row group quickly.
ROW_GROUP_SIZE = 100


@dataclass(frozen=True)
class ShardTask:
    """One Parquet file to write: which rows, where, and how to render them."""

    split: str
    path: Path
    rows: list[Row]
    image_dir: Path
    style: str
    breeds: list[str]
    catalog: Catalog | None = None  # what is known of the labels; None: the built-in catalogue


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


def _batches(task: ShardTask) -> Iterator[list[dict]]:
    labels = make_features(task.breeds)["breed"]
    for start in range(0, len(task.rows), ROW_GROUP_SIZE):
        chunk = task.rows[start : start + ROW_GROUP_SIZE]
        yield [make_record(row, task.image_dir, task.style, labels, task.catalog) for row in chunk]


_progress: multiprocessing.sharedctypes.Synchronized | None = None  # rows written, all workers


def _init_worker(counter) -> None:
    global _progress
    _progress = counter


def _start_worker(counter) -> None:
    ignore_interrupts()
    _init_worker(counter)


def parquet_options(features: datasets.Features) -> dict:
    """``pq.ParquetWriter`` options, the ones ``datasets`` writes with for the Hub: image leaves
    plain and uncompressed, the rest snappy with dictionaries, a page index, and content-defined
    chunking (so re-uploads deduplicate)."""
    return {
        **parquet_column_options(features, features.arrow_schema),
        "write_page_index": True,
        "use_content_defined_chunking": cdc_options(),
    }


def write_shard(task: ShardTask) -> int:
    """Write one shard; returns its size in bytes. Counts rows into the shared progress counter."""
    features = make_features(task.breeds)
    schema = features.arrow_schema
    with pq.ParquetWriter(task.path, schema, **parquet_options(features)) as writer:
        # recorded as ``datasets`` records it, so the Hub knows how the file was chunked
        writer.add_key_value_metadata({"content_defined_chunking": json.dumps(cdc_options())})
        for batch in _batches(task):
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


def write_all(tasks: list[ShardTask], *, num_proc: int = 1, progress: bool = True) -> list[int]:
    """Write every shard, in parallel when ``num_proc > 1``; returns each shard's size, in order."""
    context = process_context()
    counter = context.Value("q", 0)
    total = sum(len(t.rows) for t in tasks)
    with tqdm(total=total, desc="Write Parquet", unit="row", disable=None if progress else True) as bar:
        if num_proc <= 1 or len(tasks) == 1:
            _init_worker(counter)
            try:
                sizes = []
                for task in tasks:
                    sizes.append(write_shard(task))
                    bar.update(counter.value - bar.n)
                return sizes
            finally:
                _init_worker(None)
        with ProcessPoolExecutor(
            max_workers=num_proc,
            mp_context=context,
            initializer=_start_worker,
            initargs=(counter,),
        ) as pool:
            with interrupts_held():  # the workers are forked on the first submits
                submitted = {i: pool.submit(write_shard, tasks[i]) for i in largest_first(tasks)}
            futures = [submitted[i] for i in range(len(tasks))]  # results in task order
            pending = set(futures)
            try:
                while pending:
                    _, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                    bar.update(counter.value - bar.n)
                return [f.result() for f in futures]
            except BaseException:  # Ctrl-C or a failed shard: write no queued shard
                pool.shutdown(wait=True, cancel_futures=True)
                raise


def make_record(
    row: Row, image_dir: Path, style: str, labels: datasets.ClassLabel, catalog: Catalog | None = None
) -> dict:
    """The stored record of one row: id, embedded image bytes, conversations, breed, source.

    ``catalog`` says what is known of the labels (default: the built-in catalogue).

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
        "conversations": render(row.breed, style, key=row.id, catalog=catalog),
        "breed": labels.str2int(row.breed),
        "source": row.source,
    }
