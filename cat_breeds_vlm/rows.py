"""Rows: turn a planned :class:`~cat_breeds_vlm.plan.Row` into the record stored in a split.

One function serves both writers, the ``datasets`` builder and the Parquet folder writer, so
the two can never disagree about what a row holds.
"""

from __future__ import annotations

from pathlib import Path

from .conversations import render
from .plan import Row


def make_record(row: Row, image_dir: Path, style: str, label_ids: dict[str, int]) -> dict:
    """The stored record of one row: id, embedded image bytes, conversations, breed, source.

    ``breed`` is the ClassLabel index, ready for Arrow; the image ``path`` is the file name only,
    as ``datasets`` itself stores embedded images.
    """
    return {
        "id": row.id,
        "image": {
            "bytes": (Path(image_dir) / row.source).read_bytes(),
            "path": row.source.rsplit("/", 1)[-1],
        },
        "conversations": render(row.breed, style, key=row.id),
        "breed": label_ids[row.breed],
        "source": row.source,
    }
