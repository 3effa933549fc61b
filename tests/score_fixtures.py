"""A tiny built dataset for the scoring tests, made without the builder.

A Parquet folder in the built layout (``data/{split}-00000-of-00001.parquet`` with the
contract features and real JPEG bytes in the ``image`` column, plus a ``build.json`` with just
``generator``, ``settings``, ``breeds`` and the row counts) that ``datasets.load_dataset(folder)`` reads. Its
breeds are the tricky families of the scorer (Siamese / Applehead Siamese, Oriental Short /
Long Hair), a priority breed, and the Sphynx with its odd folder name. It stands in for the
output of ``cat-breeds-vlm build``, so it can be swapped for a real build later.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import datasets
from PIL import Image

from cat_breeds_vlm.features import make_features
from cat_breeds_vlm.labels.articles import with_article
from cat_breeds_vlm.labels.catalog import builtin_catalog

PRIORITY = ["Oriental Long Hair"]
#: Photos per breed in each split; train has the priority breed oversampled twice.
PHOTOS: dict[str, dict[str, int]] = {
    "train": {"Abyssinian": 2, "Oriental Long Hair": 1, "Siamese": 1},
    "test": {
        "Abyssinian": 2,
        "Applehead Siamese": 2,
        "Oriental Long Hair": 2,
        "Oriental Short Hair": 2,
        "Siamese": 3,
        "Sphynx - Hairless Cat": 1,
    },
}
BREEDS = sorted({breed for per_breed in PHOTOS.values() for breed in per_breed})
QUESTION = "What breed is this cat?"


def jpeg(seed: int) -> bytes:
    """A small JPEG whose colour depends on ``seed``, so photos have distinct bytes."""
    buffer = io.BytesIO()
    colour = (seed * 37 % 256, seed * 91 % 256, seed * 53 % 256)
    Image.new("RGB", (16, 12), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def split_rows(split: str) -> list[dict[str, Any]]:
    """The rows of ``split``: one per photo, and two for a priority photo in train."""
    rows = []
    for breed, count in PHOTOS[split].items():
        for n in range(1, count + 1):
            source = f"{breed}/{split}{n}_1.jpg"
            answer = f"This is {with_article(builtin_catalog().info(breed).display)}."
            copies = 2 if split == "train" and breed in PRIORITY else 1
            for copy in range(1, copies + 1):
                rows.append(
                    {
                        "id": source if copy == 1 else f"{source}#{copy}",
                        "image": {"bytes": jpeg(len(rows)), "path": None},
                        "conversations": [
                            {"from": "human", "value": f"<image>\n{QUESTION}"},
                            {"from": "gpt", "value": answer},
                        ],
                        "breed": BREEDS.index(breed),
                        "source": source,
                    }
                )
    return rows


def write_dataset(folder: Path) -> Path:
    """Write the tiny built folder at ``folder`` and return it."""
    (folder / "data").mkdir(parents=True)
    splits, counts = {}, {}
    for split in PHOTOS:
        rows = split_rows(split)
        dataset = datasets.Dataset.from_list(rows, features=make_features(BREEDS))
        dataset.to_parquet(str(folder / "data" / f"{split}-00000-of-00001.parquet"))
        splits[split] = {"rows": len(rows), "shards": 1}
        counts[split] = {b: sum(BREEDS[r["breed"]] == b for r in rows) for b in BREEDS}
    settings = {"seed": 42, "priority_breeds": PRIORITY, "priority_oversample": 2}
    report = {"generator": "cat_breeds_vlm", "settings": settings, "breeds": BREEDS, "splits": splits, "counts": counts}
    (folder / "build.json").write_text(json.dumps(report), encoding="utf-8")
    return folder
