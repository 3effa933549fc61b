"""Export the questions of a split, without their answers, for running a model on them.

One JSON object a line, in split order::

    {"id": "Bengal/123_1.jpg", "question": "What breed is this cat?", "image": "Bengal/123_1.jpg"}

- ``id`` is the row id; the scorer matches answers to rows by it.
- ``question`` is the first human turn without its ``<image>`` token: the text the exports put
  after the image (:func:`cat_breeds_vlm.export.rules.chat_turns`).
- ``image`` is the row's ``source``: the photo's path relative to the image folder the dataset
  was built from (join it to that folder, as LLaVA's ``--image_folder`` does). Whoever has the
  dataset but not that folder (a Hub download) writes the images beside the prompts
  (:func:`write_prompts_with_images`): ``image`` is then ``images/{source}``, relative to the
  prompts file's folder. The same photo's bytes are in the dataset row with this ``id``, and
  ``predict`` sends them from there.

The expected answer is left out on purpose. Add an ``"answer"`` key to each line and the file is
a predictions file for :func:`cat_breeds_vlm.evaluate.score.score` (extra keys are ignored there).
Rows are streamed (without images written, no image is read or decoded): memory stays flat on any
split size.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import datasets

from ..errors import UserError
from ..export.imagefiles import export_with_image_files
from ..export.rules import chat_turns
from ..export.source import AnyDataset
from ..export.stream import ExportSummary
from ..export.writer import RecordWriter, dump_record
from ..features import columns_without

#: The columns a prompt is made of; the image column is never read.
PROMPT_COLUMNS: tuple[str, ...] = columns_without("image", "breed")


def question_of(conversations: list[Mapping[str, str]]) -> str:
    """The first human turn's text without the image token: the question put to the model.

    The same text as the exports' first user message after its image (one definition).
    """
    if not conversations or conversations[0].get("from") != "human":
        raise UserError(f"row does not start with a human turn: {conversations[:1]!r}")
    (_, question), *_ = chat_turns(conversations[:1])
    return question


def prompt_records(
    split: datasets.Dataset | datasets.IterableDataset,
) -> Iterator[dict[str, str]]:
    """Yield ``{"id", "question", "image"}`` for each row of ``split``, in order."""
    for row in split.select_columns(list(PROMPT_COLUMNS)):
        question = question_of(row["conversations"])
        yield {"id": row["id"], "question": question, "image": row["source"]}


def write_prompts(split: datasets.Dataset | datasets.IterableDataset, path: str | os.PathLike[str]) -> int:
    """Write the prompts of ``split`` to ``path`` as JSONL; return the number of rows written."""
    with RecordWriter(Path(path)) as writer:
        for record in prompt_records(split):
            writer.write(dump_record(record))
    return writer.rows


def write_prompts_with_images(
    dataset: AnyDataset, path: str | os.PathLike[str], *, progress: bool = False
) -> ExportSummary:
    """Write the prompts of ``dataset`` to ``path``, and each row's photo beside it.

    Photos go to ``images/{source}`` in the folder of ``path`` (each distinct photo once, its
    suffix fitting its bytes), and each line's ``image`` names that file, relative to that
    folder. Written atomically: a failure leaves no partial file or image behind.
    """

    def record(row: dict[str, Any], image_path: str) -> dict[str, str]:
        return {"id": row["id"], "question": question_of(row["conversations"]), "image": image_path}

    return export_with_image_files(dataset, RecordWriter(Path(path)), record, progress=progress)
