"""TRL supervised fine-tuning data for vision-language models, prompt/completion form.

The format (huggingface/trl, ``docs/source/dataset_formats.md``, vision datasets): an
``images`` column (a list per row) and conversational ``prompt`` / ``completion`` columns whose
messages hold typed content, ``{"type": "image"}`` where an image goes and ``{"type": "text",
"text": ...}``; one image placeholder per image. In prompt/completion form ``SFTTrainer`` (and
its collator for vision models, ``DataCollatorForVisionLanguageModeling``) computes the loss on
the completion only, so every answer must be the completion of some record: a row makes **one
record per assistant turn**, its prompt the conversation up to that turn (the optional system
prompt, the image and question, and any earlier turns), its completion that turn alone. A
one-exchange row makes one record; a detailed row (breed answer, then a description) makes two,
the first training the breed answer, the second the description. No user text is ever a
completion. This works with every TRL version that reads prompt/completion data, with no chat
template markers needed (unlike ``assistant_only_loss`` on conversational data).

:func:`to_trl` converts loaded rows in memory (``dataset.map(to_trl, batched=True, ...)``,
no file at all); :func:`export_trl` writes JSONL whose ``images`` are paths relative to the
image folder (see :mod:`.imagefiles`; by default the JSONL's own folder), so::

    ds = load_dataset("json", data_files="out/train.jsonl", split="train")
    ds = ds.cast_column("images", Sequence(Image()))   # run from out/, or join the paths

:func:`record_problems` checks one record; :class:`AnswerCheck` checks a whole file: every
assistant message of a prompt is the completion of a record with the same image and the
conversation before it as prompt.
"""

from __future__ import annotations

import hashlib
import json
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

Message = dict[str, Any]


def trl_messages(turns: list[dict[str, str]], system: str | None = None) -> list[Message]:
    """A conversation's messages in typed content: the image placeholder opens the first turn."""
    messages = [{"role": "system", "content": [_text(system)]}] if system else []
    for index, (role, text) in enumerate(chat_turns(turns)):
        content = [{"type": "image"}, _text(text)] if index == 0 else [_text(text)]
        messages.append({"role": role, "content": content})
    return messages


def trl_examples(turns: list[dict[str, str]], system: str | None = None) -> list[tuple[list[Message], list[Message]]]:
    """``(prompt, completion)`` for each assistant turn: the conversation up to it, and it."""
    messages = trl_messages(turns, system)
    return [(messages[:i], [m]) for i, m in enumerate(messages) if m["role"] == "assistant"]


def _text(text: str) -> dict[str, str]:
    return {"type": "text", "text": text}


def trl_records(row: dict[str, Any], image: Any, system: str | None = None) -> list[dict[str, Any]]:
    """A row's TRL records, one per assistant turn, each with ``images`` = ``[image]``."""
    return [
        {"images": [image], "prompt": prompt, "completion": completion}
        for prompt, completion in trl_examples(row["conversations"], system)
    ]


def to_trl(batch: dict[str, list[Any]], *, system: str | None = None) -> dict[str, list[Any]]:
    """Rows as TRL's vision prompt/completion columns, one record per answer, images kept as
    they are.

    For ``dataset.map(to_trl, batched=True, remove_columns=dataset.column_names)`` (a row
    makes as many records as it has answers, so the map must be batched; ``fn_kwargs={"system":
    ...}`` adds a system prompt): ``images`` is a list of the row's one image, decoded or not
    as the dataset gives it. A single row (an unbatched map) is refused with that advice.
    """
    conversations = batch["conversations"]
    if conversations and isinstance(conversations[0], dict):
        raise TypeError(
            "to_trl makes one record per answer, so it needs a batch of rows: "
            "dataset.map(to_trl, batched=True, remove_columns=dataset.column_names)"
        )
    columns: dict[str, list[Any]] = {key: [] for key in KEYS}
    for turns, image in zip(conversations, batch["image"], strict=True):
        for record in trl_records({"conversations": turns}, image, system):
            for key in KEYS:
                columns[key].append(record[key])
    return columns


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
    """Write a split as TRL JSONL at ``path``, streaming, with images as for LLaVA: one record
    per assistant turn of each row (see the module docstring).

    ``images`` holds paths relative to ``image_folder`` (default: the folder of ``path``),
    where the photos are written as ``images/{breed}/{file}``; with ``link_source`` none are
    written and the paths are the rows' ``source``, relative to that folder.
    """

    def make_records(row: dict[str, Any], image_path: str) -> list[dict[str, Any]]:
        return trl_records(row, image_path, system)

    writer = RecordWriter(Path(path))
    options: dict[str, Any] = {"max_side": max_side, "num_proc": num_proc, "progress": progress}
    return export_with_image_files(
        dataset, writer, make_records, image_folder=image_folder, link_source=link_source, several=True, **options
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
    prompt = record["prompt"]
    last = prompt[-1] if isinstance(prompt, list) and prompt else None
    if isinstance(last, dict) and last.get("role") != "user":
        yield f"the prompt ends with a {last.get('role')!r} message, not the user's (the completion answers it)"
    for image_path in images:
        yield from image_file_problems(image_folder, image_path)


def _is_part(part: Any) -> bool:
    """``{"type": "image"}`` or ``{"type": "text", "text": str}`` (None-valued keys allowed)."""
    if not isinstance(part, dict):
        return False
    if part.get("type") == "image":
        return True
    return part.get("type") == "text" and isinstance(part.get("text"), str)


class AnswerCheck:
    """The file-wide rule: every assistant message in a prompt is also trained, as a completion.

    A record trains the conversation ``prompt + completion`` (and each shorter one ending in a
    completion message). An assistant message at position ``i`` of a prompt is trained when
    some record with the same ``images`` trains ``prompt[:i + 1]``. Records are remembered by
    a 16-byte digest each, so memory stays small; the order of the records does not matter.
    Feed it only records that :func:`record_problems` passed.
    """

    def __init__(self) -> None:
        self._trained: set[bytes] = set()
        #: digest of a conversation a prompt needs trained -> (where, message index), first seen.
        self._needed: dict[bytes, tuple[str, int]] = {}

    def add(self, where: str, record: dict[str, Any]) -> None:
        """Count one record (found at ``where``, e.g. ``line 12``)."""
        images, prompt, completion = (record[key] for key in KEYS)
        for end in range(1, len(completion) + 1):
            self._trained.add(_digest(images, prompt + completion[:end]))
        for index, message in enumerate(prompt):
            if message.get("role") == "assistant":
                self._needed.setdefault(_digest(images, prompt[: index + 1]), (where, index))

    def problems(self) -> Iterator[tuple[str, str]]:
        """``(where, message)`` for each assistant message of a prompt that no record trains."""
        for digest, (where, index) in self._needed.items():
            if digest not in self._trained:
                yield (
                    where,
                    f"prompt message {index} is an assistant turn that no record has as its completion"
                    " (with the conversation before it as prompt): TRL never trains it",
                )


def _digest(images: list[Any], messages: list[Any]) -> bytes:
    text = json.dumps([images, messages], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).digest()
