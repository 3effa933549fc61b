"""A small but real built folder, made without the builder: for the card, chart, stats and push tests.

It has what ``cat-breeds-vlm build`` writes: ``data/{split}-XXXXX-of-YYYYY.parquet`` with the
contract features and embedded JPEG bytes, ``build.json`` per the schema in the shared brief, the
card (README.md) and the chart. Three breeds: one ordinary, one priority breed oversampled x2, and
one priority breed with a single photo (train only, reported as too small).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import datasets
from PIL import Image

from cat_breeds_vlm.features import SPLITS, make_features
from cat_breeds_vlm.report.card import CHART_NAME, write_card
from cat_breeds_vlm.report.chart import write_chart
from cat_breeds_vlm.report.record import BuildReport

BREEDS = ["Abyssinian", "Burmilla", "York Chocolate"]
PRIORITY = ["Burmilla", "York Chocolate"]
OVERSAMPLE = 2
TRAIN_SHARDS = 2  # train is written in two shards, to check shard counting

# Distinct photos per breed and split (before oversampling).
PHOTOS: dict[str, dict[str, int]] = {
    "train": {"Abyssinian": 4, "Burmilla": 2, "York Chocolate": 1},
    "val": {"Abyssinian": 1, "Burmilla": 1},
    "test": {"Abyssinian": 1, "Burmilla": 1},
}


def _jpeg(index: int) -> bytes:
    """A tiny JPEG with its own colour, so every photo has distinct bytes."""
    buffer = io.BytesIO()
    colour = (index * 37 % 256, index * 91 % 256, index * 53 % 256)
    Image.new("RGB", (8, 8), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def _row(row_id: str, source: str, breed: str, image: bytes) -> dict[str, Any]:
    article = "an" if breed[0] in "AEIOU" else "a"
    return {
        "id": row_id,
        "image": {"bytes": image, "path": None},
        "conversations": [
            {"from": "human", "value": "<image>\nWhat breed is this cat?"},
            {"from": "gpt", "value": f"This is {article} {breed}."},
        ],
        "breed": BREEDS.index(breed),
        "source": source,
    }


def _split_rows() -> dict[str, list[dict[str, Any]]]:
    """The rows of every split, oversampling and the priority split included."""
    rows: dict[str, list[dict[str, Any]]] = {}
    index = 0
    for split, per_breed in PHOTOS.items():
        rows[split] = []
        for breed, count in per_breed.items():
            for _ in range(count):
                index += 1
                source = f"{breed}/{1000 + index}_1.jpg"
                image = _jpeg(index)
                copies = OVERSAMPLE if split == "train" and breed in PRIORITY else 1
                for copy in range(1, copies + 1):
                    row_id = source if copy == 1 else f"{source}#{copy}"
                    rows[split].append(_row(row_id, source, breed, image))
    rows["priority"] = [r for r in rows["train"] if BREEDS[r["breed"]] in PRIORITY]
    return rows


def _write_split(folder: Path, split: str, rows: list[dict[str, Any]], shards: int) -> int:
    """Write one split as Parquet shards; return the bytes written."""
    dataset = datasets.Dataset.from_list(rows, features=make_features(BREEDS))
    total = 0
    for index in range(shards):
        path = folder / "data" / f"{split}-{index:05d}-of-{shards:05d}.parquet"
        dataset.shard(shards, index, contiguous=True).to_parquet(str(path))
        total += path.stat().st_size
    return total


def make_build(folder: Path) -> dict[str, Any]:
    """Write a complete built folder at ``folder``; return its build report as written (an older
    format: no ``format`` key, no near-duplicate search, reasons of an earlier version)."""
    (folder / "data").mkdir(parents=True)
    rows = _split_rows()
    splits: dict[str, Any] = {}
    counts: dict[str, dict[str, int]] = {}
    for split in SPLITS:
        shards = TRAIN_SHARDS if split == "train" else 1
        size = _write_split(folder, split, rows[split], shards)
        photos = len({r["source"] for r in rows[split]})
        splits[split] = {"rows": len(rows[split]), "photos": photos, "shards": shards, "bytes": size}
        counts[split] = {b: sum(BREEDS[r["breed"]] == b for r in rows[split]) for b in BREEDS}
        counts[split] = {b: n for b, n in counts[split].items() if n}
    report = {
        "generator": "cat_breeds_vlm",
        "package_version": "0.1.0",
        "command": "cat-breeds-vlm build images -o out --seed 42",
        "image_dir": "/tmp/images",
        "created_from_files": 12,
        "settings": {
            "seed": 42,
            "val_ratio": 0.1,
            "test_ratio": 0.1,
            "max_per_class": None,
            "priority_breeds": PRIORITY,
            "priority_oversample": OVERSAMPLE,
            "style": "single",
        },
        "breeds": BREEDS,
        "splits": splits,
        "counts": counts,
        "photos": {s: dict(PHOTOS[s]) for s in ("train", "val", "test")},
        "too_small": ["York Chocolate"],
        "skipped": [
            {"source": "Abyssinian/broken.jpg", "reason": "truncated image: image file is truncated"},
            {"source": "Burmilla/empty.jpg", "reason": "empty file: 0 bytes"},
            {"source": "Burmilla/page.jpg", "reason": "not an image: cannot identify image file"},
        ],
        "duplicates": [{"breed": "Abyssinian", "kept": "Abyssinian/1001_1.jpg", "dropped": ["Abyssinian/1001_2.jpg"]}],
        "conflicts": [{"sources": ["Abyssinian/9_1.jpg", "Burmilla/9_1.jpg"], "breeds": ["Abyssinian", "Burmilla"]}],
        "capped": {},
    }
    (folder / "build.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    typed = BuildReport.from_json(report, folder / "build.json")
    write_card(folder, typed, make_features(BREEDS))
    write_chart(folder / CHART_NAME, typed)
    return report
