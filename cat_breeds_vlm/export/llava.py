"""LLaVA training data: one JSON array of ``{"id", "image", "conversations"}`` records.

The format (haotian-liu/LLaVA, ``llava/train/train.py``): ``LazySupervisedDataset`` calls
``json.load`` on ``--data_path``, so the file must be ONE JSON array (a JSONL file fails);
``image`` is joined to ``--image_folder``; ``conversations`` turns are ``{"from": "human" |
"gpt", "value"}`` and any other role crashes its ``preprocess``; a record whose first human
turn lacks ``<image>`` trains on text only, silently. LLaVA-NeXT and Qwen-VL fine-tuning code
read the same records, also as JSONL (``jsonl=True``).

The rows' conversations already have this shape (the data contract), so a record is the row's
id, its image path (see :mod:`.imagefiles`) and its turns, unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .imagefiles import export_with_image_files, image_file_problems
from .rules import conversation_problems
from .source import AnyDataset
from .stream import ExportSummary
from .writer import RecordWriter

#: The keys of a LLaVA record.
KEYS: tuple[str, ...] = ("id", "image", "conversations")


def llava_record(row: dict[str, Any], image_path: str) -> dict[str, Any]:
    """The LLaVA record of a row whose image lives at ``image_path`` in the image folder."""
    turns = [{"from": turn["from"], "value": turn["value"]} for turn in row["conversations"]]
    return {"id": row["id"], "image": image_path, "conversations": turns}


def export_llava(
    dataset: AnyDataset,
    path: str | Path,
    *,
    image_folder: str | Path | None = None,
    link_source: str | Path | None = None,
    jsonl: bool = False,
    max_side: int | None = None,
    num_proc: int = 1,
    progress: bool = True,
) -> ExportSummary:
    """Write a split as a LLaVA JSON array (or JSONL) at ``path``, streaming.

    Images are written to ``image_folder`` (default: the folder of ``path``) as
    ``images/{breed}/{file}``, each distinct photo once; train LLaVA with
    ``--image_folder`` set to that folder. With ``link_source`` (the image folder the dataset
    was built from) no image is written and ``image`` is the row's ``source`` path.
    """
    writer = RecordWriter(Path(path), array=not jsonl)
    options: dict[str, Any] = {"max_side": max_side, "num_proc": num_proc, "progress": progress}
    return export_with_image_files(
        dataset, writer, llava_record, image_folder=image_folder, link_source=link_source, **options
    )


def record_problems(record: Any, image_folder: Path) -> Iterator[str]:
    """Every LLaVA rule one record breaks: keys, roles, ``<image>`` placement, the image file."""
    if not isinstance(record, dict):
        yield f"a record must be an object with keys {', '.join(KEYS)}"
        return
    for key in KEYS:
        if key not in record:
            yield f"missing key {key!r}"
    if "conversations" in record:
        yield from conversation_problems(record["conversations"])
    if "image" in record:
        yield from image_file_problems(image_folder, record["image"])
