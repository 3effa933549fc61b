"""Rows: turn a planned :class:`~cat_breeds_vlm.pipeline.plan.Row` into the record stored in a split.

One function serves both writers, the ``datasets`` builder and the Parquet folder writer, so
the two can never disagree about what a row holds.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UserError
from ..labels.catalog import Catalog
from ..labels.conversations import render
from .plan import Row
from .scan import read_whole

if TYPE_CHECKING:  # loaded by the caller, which makes the labels
    import datasets


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
