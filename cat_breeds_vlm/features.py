"""The data contract: column names, split names and the ``datasets.Features`` of every row.

See DESIGN.md, "Data contract". One place defines it; the builder, the folder writer, the
card and the exporters all import it from here.
"""

from __future__ import annotations

from collections.abc import Iterable

import datasets

#: Split names in the order they are built, reported and written.
SPLITS: tuple[str, ...] = ("train", "val", "test", "priority")
#: The splits a photo may be in exactly one of (``priority`` is a subset of ``train``).
EVAL_SPLITS: tuple[str, ...] = ("val", "test")

#: The image token that opens the first human turn, exactly once per row.
IMAGE_TOKEN = "<image>"


def make_features(breeds: Iterable[str]) -> datasets.Features:
    """The features of every split, with ``breed`` a ClassLabel over the sorted breed names."""
    return datasets.Features(
        {
            "id": datasets.Value("string"),
            "image": datasets.Image(),
            "conversations": datasets.List(
                {"from": datasets.Value("string"), "value": datasets.Value("string")}
            ),
            "breed": datasets.ClassLabel(names=sorted(set(breeds))),
            "source": datasets.Value("string"),
        }
    )
