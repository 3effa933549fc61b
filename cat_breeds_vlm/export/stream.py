"""The streaming loop every exporter shares: record batches in, records into a writer.

Batches of rows come from :mod:`.source` as Arrow, nothing decoded, read a little ahead in
a background thread (:func:`read_ahead`: pyarrow reads and decodes Parquet without the GIL,
so that costs the exporting thread nothing); a pure ``convert`` function turns one batch into
converted items (in this process, lazily, or in worker processes with ``num_proc > 1``, a
bounded window of batches at a time, order kept); ``emit`` turns each item (a row) into its
records (one for most formats, one per answer for TRL), each as the parts the calling process
writes back to back. Memory stays flat in the number of rows: no
list of rows, records or results beyond a window is built.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
from tqdm.auto import tqdm

from ..errors import UserError
from ..workers import parallel_map
from .images import EncodedImage, ImageData, ImageError, encode_image
from .rules import check_conversation
from .source import COLUMNS, AnyDataset, batch_rows, iter_batches, row_count
from .writer import RecordWriter

T = TypeVar("T")
R = TypeVar("R")

#: Items (batches) :func:`read_ahead` fetches ahead of their consumer.
READ_AHEAD = 2

_END = object()


@dataclass
class ExportSummary:
    """What an export wrote: records (the files' rows), bytes of record files, the record files,
    image files, and the dataset rows they came from."""

    rows: int
    bytes: int
    files: list[Path] = field(default_factory=list)
    #: Image files written next to the records (LLaVA and TRL; 0 for Fireworks or links).
    images: int = 0
    #: Records in each of ``files``, in the same order.
    file_rows: list[int] = field(default_factory=list)
    #: Dataset rows read (``rows`` is more when a row makes several records, as TRL's do).
    source_rows: int | None = None

    def __post_init__(self) -> None:
        if self.source_rows is None:
            self.source_rows = self.rows

    @classmethod
    def of(cls, writer: RecordWriter, source_rows: int | None = None) -> ExportSummary:
        """What a committed ``writer`` wrote from ``source_rows`` rows (no image files counted)."""
        return cls(writer.rows, writer.bytes, writer.files, file_rows=writer.file_rows, source_rows=source_rows)


def check_positive(name: str, value: float | None) -> None:
    """Raise :class:`UserError` when an optional numeric setting is given but not positive."""
    if value is not None and value <= 0:
        raise UserError(f"{name} must be positive, got {value}")


def prepare_row(row: dict[str, Any], *, max_side: int | None = None) -> dict[str, Any]:
    """Check the row's conversation and swap its raw image (if any) for export-ready bytes.

    Raises :class:`UserError` naming the row when a rule is broken or the image won't decode.
    """
    check_conversation(row["id"], row["conversations"])
    if "image" in row:
        image = row["image"]
        row["image"] = encode_row_image(row["id"], image["bytes"], image["path"], max_side)
    return row


def prepared_rows(batch: pa.RecordBatch, *, max_side: int | None = None) -> list[dict[str, Any]]:
    """:func:`prepare_row` over a batch, image bytes copied (picklable): a ``convert`` step."""
    return [prepare_row(row, max_side=max_side) for row in batch_rows(batch)]


def encode_row_image(row_id: str, data: ImageData | None, path: str | None, max_side: int | None) -> EncodedImage:
    """The export-ready image of row ``row_id``: its bytes, or else the file at its path."""
    if data is None:
        if path is None:
            raise UserError(f"row {row_id!r} has no image")
        data = Path(path).read_bytes()
    try:
        return encode_image(data, max_side)
    except ImageError as err:
        raise UserError(f"row {row_id!r}: the image does not decode: {err}") from None


def read_ahead(items: Iterable[T], depth: int = READ_AHEAD) -> Iterator[T]:
    """Yield ``items`` in order while a background thread fetches up to ``depth`` ahead.

    An exception raised while fetching is raised here, in order. Closing this generator
    early waits for the (at most ``depth``) fetches in flight, then stops.
    """
    iterator = iter(items)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead") as thread:
        pending = deque(thread.submit(next, iterator, _END) for _ in range(depth))
        while (item := pending.popleft().result()) is not _END:
            pending.append(thread.submit(next, iterator, _END))
            yield item  # type: ignore[misc]


def _listed(func: Callable[[T], Iterable[R]], item: T) -> list[R]:
    """``list(func(item))``: what a worker sends back for a lazy ``func``."""
    return list(func(item))


def progress_bar(total: int | None, name: str, progress: bool = True) -> tqdm:
    """A bar counting the rows exported to the file ``name`` (none with ``progress`` off)."""
    return tqdm(total=total, unit=" rows", desc=name, disable=None if progress else True)


def run_export(
    dataset: AnyDataset,
    writer: RecordWriter,
    convert: Callable[[pa.RecordBatch], Iterable[T]],
    emit: Callable[[T], Iterable[Sequence[ImageData]]],
    *,
    columns: tuple[str, ...] = COLUMNS,
    num_proc: int = 1,
    progress: bool = True,
) -> ExportSummary:
    """Stream every batch through ``convert`` (maybe in workers), each item through ``emit``.

    ``emit`` gives an item's records, each as its parts, written back to back. The writer
    commits (renames its files into place) only when every row was written.
    """
    if num_proc < 1:
        raise UserError(f"num_proc must be at least 1, got {num_proc}")
    # In this process a batch's items stay lazy; workers send them back as a list.
    per_batch = convert if num_proc == 1 else functools.partial(_listed, convert)
    converted = parallel_map(per_batch, read_ahead(iter_batches(dataset, columns)), num_proc)
    rows = 0
    with progress_bar(row_count(dataset), writer.path.name, progress) as bar, writer:
        for items in converted:
            for item in items:
                rows += 1
                for parts in emit(item):
                    writer.write(*parts)
            bar.update(rows - bar.n)
    return ExportSummary.of(writer, rows)
