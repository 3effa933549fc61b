"""TRL supervised fine-tuning data for vision-language models, prompt/completion form.

The format (huggingface/trl, ``docs/source/dataset_formats.md``, vision datasets): an
``images`` column (a list per row) and conversational ``prompt`` / ``completion`` columns whose
messages hold typed content, ``{"type": "image"}`` where an image goes and ``{"type": "text",
"text": ...}``; one image placeholder per image. In prompt/completion form ``SFTTrainer``
computes the loss on the completion only: here the last answer, while the prompt holds the
optional system prompt, the image and question, and any earlier turns.

:func:`to_trl` converts a loaded row in memory (``dataset.map(to_trl)``, no file at all);
:func:`export_trl` writes JSONL whose ``images`` are paths relative to the image folder
(see :mod:`.imagefiles`; by default the JSONL's own folder), so::

    ds = load_dataset("json", data_files="out/train.jsonl", split="train")
    ds = ds.cast_column("images", Sequence(Image()))   # run from out/, or join the paths
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .imagefiles import export_with_image_files, image_file_problems
from .rules import chat_turns
from .source import AnyDataset
from .stream import ExportSummary
from .writer import RecordWriter

#: The columns of a TRL vision prompt/completion record.
KEYS: tuple[str, ...] = ("images", "prompt", "completion")
_PROMPT_ROLES = ("system", "user", "assistant")


def trl_messages(
    turns: list[dict[str, str]], system: str | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(prompt, completion)`` in typed content: the image placeholder opens the first turn."""
    messages = [{"role": "system", "content": [_text(system)]}] if system else []
    for index, (role, text) in enumerate(chat_turns(turns)):
        content = [{"type": "image"}, _text(text)] if index == 0 else [_text(text)]
        messages.append({"role": role, "content": content})
    return messages[:-1], messages[-1:]


def _text(text: str) -> dict[str, str]:
    return {"type": "text", "text": text}


def to_trl(example: dict[str, Any], *, system: str | None = None) -> dict[str, Any]:
    """A row as TRL's vision prompt/completion columns, its image kept as it is.

    For ``dataset.map(to_trl, remove_columns=dataset.column_names)``: ``images`` is a list
    of the row's one image, decoded or not as the dataset gives it.
    """
    prompt, completion = trl_messages(example["conversations"], system)
    return {"images": [example["image"]], "prompt": prompt, "completion": completion}


def export_trl(
    dataset: AnyDataset,
    path: str | Path,
    *,
    image_folder: str | Path | None = None,
    link_source: str | Path | None = None,
    system: str | None = None,
    max_side: int | None = None,
    num_proc: int = 1,
    progress: bool = True,
) -> ExportSummary:
    """Write a split as TRL JSONL at ``path``, streaming, with images as for LLaVA.

    ``images`` holds paths relative to ``image_folder`` (default: the folder of ``path``),
    where the photos are written as ``images/{breed}/{file}``; with ``link_source`` none are
    written and the paths are the rows' ``source``, relative to that folder.
    """

    def make_record(row: dict[str, Any], image_path: str) -> dict[str, Any]:
        return to_trl({**row, "image": image_path}, system=system)

    writer = RecordWriter(Path(path))
    options: dict[str, Any] = {"max_side": max_side, "num_proc": num_proc, "progress": progress}
    return export_with_image_files(
        dataset, writer, make_record, image_folder=image_folder, link_source=link_source, **options
    )


def record_problems(record: Any, image_folder: Path) -> Iterator[str]:
    """Every TRL rule one record breaks: columns, roles, one placeholder per image, files."""
    if not isinstance(record, dict) or any(key not in record for key in KEYS):
        yield f"a record must be an object with keys {', '.join(KEYS)}"
        return
    images = record["images"]
    if not isinstance(images, list) or not all(isinstance(p, str) for p in images):
        yield "'images' must be a list of image paths"
        images = []
    placeholders = 0
    for column, roles in (("prompt", _PROMPT_ROLES), ("completion", ("assistant",))):
        messages = record[column]
        if not isinstance(messages, list) or not messages:
            yield f"{column!r} must be a non-empty list of messages"
            continue
        for index, message in enumerate(messages):
            where = f"{column} message {index}"
            role = message.get("role") if isinstance(message, dict) else None
            if role not in roles:
                yield f"{where}: role {role!r} is not one of {', '.join(roles)}"
            content = message.get("content") if isinstance(message, dict) else None
            parts = content if isinstance(content, list) else []
            if not parts or not all(_is_part(part) for part in parts):
                yield f"{where}: content must be a list of image and text parts"
            placeholders += sum(1 for part in parts if _is_part(part) and part["type"] == "image")
    if placeholders != len(images):
        yield f"{placeholders} image placeholders for {len(images)} images"
    for image_path in images:
        yield from image_file_problems(image_folder, image_path)


def _is_part(part: Any) -> bool:
    """``{"type": "image"}`` or ``{"type": "text", "text": str}`` (None-valued keys allowed)."""
    if not isinstance(part, dict):
        return False
    if part.get("type") == "image":
        return True
    return part.get("type") == "text" and isinstance(part.get("text"), str)
