"""JSON Lines exports in worker processes, each writing its own piece of a split to a file.

With ``num_proc > 1`` and a :class:`ParquetSplit`, :func:`run_in_segments` cuts the split into
contiguous pieces (:meth:`ParquetSplit.divide`, at row-group starts); each worker reads its
piece from the shards itself, runs the same ``convert`` and ``emit`` steps as
:func:`.stream.run_export`, writes the records as lines to a segment file next to the output,
and returns only their lengths. Nothing big crosses between processes (pickling whole records
both ways made the old worker path slower than one process). The parent appends the
segments in order with :meth:`RecordWriter.copy_lines`: the kernel copies the bytes, and the
line lengths decide the rotation boundaries exactly as writing the records would, so the
output is byte for byte that of one process. Segment files are removed as soon as they are
copied, and on any error (the workers stopped first), with the writer's temporary files.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..workers import parallel_map
from .images import ImageData
from .source import ParquetSplit, iter_batches
from .stream import ExportSummary, progress_bar, read_ahead
from .writer import RecordWriter

#: Most pieces per worker: enough to balance the workers and keep the segments on disk few.
PIECES_PER_PROC = 4
#: Fewest rows worth a piece of their own: each piece costs a start (it reads the shard
#: footers, then waits for its first batch), so a short export gets one per worker.
MIN_PIECE_ROWS = 5_000
#: Buffer of a segment file (records are ~27 KB; as the writer's, see :mod:`.writer`).
SEGMENT_BUFFER = 1 << 20
#: What ends a record in a segment file: a JSON Lines newline.
LINE_END = b"\n"


@dataclass(frozen=True)
class Segment:
    """A worker's task: export ``source`` with ``convert`` and ``emit`` as lines to ``path``."""

    source: ParquetSplit
    path: Path
    convert: Callable[[pa.RecordBatch], Iterable[Any]]
    emit: Callable[[Any], Iterable[Sequence[ImageData]]]
    columns: tuple[str, ...]


def write_segment(segment: Segment) -> array:
    """Write the segment's records as lines to its file; returns their lengths, newline included."""
    lengths = array("q")
    with open(segment.path, "wb", buffering=SEGMENT_BUFFER) as out:
        for batch in read_ahead(iter_batches(segment.source, segment.columns)):
            for item in segment.convert(batch):
                for parts in segment.emit(item):
                    out.writelines((*parts, LINE_END))
                    lengths.append(sum(map(len, parts)) + len(LINE_END))
    return lengths


def piece_count(rows: int, num_proc: int) -> int:
    """How many pieces to cut ``rows`` into: one per worker at least, then one per
    :data:`MIN_PIECE_ROWS`, at most :data:`PIECES_PER_PROC` per worker."""
    return max(num_proc, min(num_proc * PIECES_PER_PROC, rows // MIN_PIECE_ROWS))


def run_in_segments(
    source: ParquetSplit,
    writer: RecordWriter,
    convert: Callable[[pa.RecordBatch], Iterable[Any]],
    emit: Callable[[Any], Iterable[Sequence[ImageData]]],
    *,
    columns: tuple[str, ...],
    num_proc: int,
    progress: bool = True,
) -> ExportSummary:
    """:func:`.stream.run_export` into a JSON Lines ``writer``, ``num_proc`` workers writing.

    Same output, byte for byte; the writer commits only when every segment was appended. Each
    row makes one record here (the Fireworks export's rows do).
    """
    pieces = source.divide(piece_count(source.num_rows, num_proc))
    writer.path.parent.mkdir(parents=True, exist_ok=True)
    segments = [
        Segment(piece, writer.path.with_name(f".{writer.path.name}.{os.getpid()}.{k:05d}.segment"),
                convert, emit, columns)
        for k, piece in enumerate(pieces)
    ]  # fmt: skip
    bar = progress_bar(source.num_rows, writer.path.name, progress)
    try:
        with bar, writer:
            lengths_of = parallel_map(write_segment, segments, min(num_proc, len(pieces)))
            for segment, lengths in zip(segments, lengths_of, strict=True):
                with open(segment.path, "rb") as lines:
                    writer.copy_lines(lines.fileno(), lengths)
                segment.path.unlink()
                bar.update(len(lengths))
    finally:  # the pool is stopped: no worker writes any more
        for segment in segments:
            segment.path.unlink(missing_ok=True)
    return ExportSummary.of(writer)
