"""The data contract: column names, split names, shard names and the ``datasets.Features``.

One place defines it; the builder, the folder writer, the
card and the exporters all import it from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import datasets

#: Split names in the order they are built, reported and written.
SPLITS: tuple[str, ...] = ("train", "val", "test", "priority")
#: The splits a photo may be in exactly one of (``priority`` is a subset of ``train``).
EVAL_SPLITS: tuple[str, ...] = ("val", "test")
#: The splits that hold every distinct photo once (``priority`` repeats train's).
PHOTO_SPLITS: tuple[str, ...] = ("train", *EVAL_SPLITS)

#: The columns of every split, in order; :func:`make_features` gives their types.
COLUMNS: tuple[str, ...] = ("id", "image", "conversations", "breed", "source")


def columns_without(*names: str) -> tuple[str, ...]:
    """:data:`COLUMNS` less ``names``, in order: the columns a reader needs, never the rest."""
    unknown = set(names) - set(COLUMNS)
    assert not unknown, f"not columns of the data contract: {sorted(unknown)}"
    return tuple(column for column in COLUMNS if column not in names)


#: The image token that opens the first human turn, exactly once per row.
IMAGE_TOKEN = "<image>"


def in_build_order(names: Iterable[str]) -> list[str]:
    """Split names in build order (train, val, test, priority), then any others sorted."""
    found = set(names)
    return [s for s in SPLITS if s in found] + sorted(found - set(SPLITS))


def shard_name(split: str, index: int, count: int) -> str:
    """The Hub's shard naming: ``train-00000-of-00003.parquet``."""
    return f"{split}-{index:05d}-of-{count:05d}.parquet"


def label_ids(breeds: Iterable[str]) -> dict[str, int]:
    """The ``breed`` ClassLabel's index of each breed name: the names sorted, numbered from 0."""
    return {name: index for index, name in enumerate(sorted(set(breeds)))}


def make_features(breeds: Iterable[str]) -> datasets.Features:
    """The features of every split, with ``breed`` a ClassLabel over the sorted breed names.

    (``datasets`` is imported here, not at the top, so the command line starts fast.)
    """
    import datasets

    return datasets.Features(
        {
            "id": datasets.Value("string"),
            "image": datasets.Image(),
            "conversations": datasets.List({"from": datasets.Value("string"), "value": datasets.Value("string")}),
            "breed": datasets.ClassLabel(names=list(label_ids(breeds))),
            "source": datasets.Value("string"),
        }
    )
