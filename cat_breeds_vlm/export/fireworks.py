"""Fireworks AI fine-tuning JSONL for vision models: one ``{"messages": [...]}`` a line.

The format (docs.fireworks.ai, "Supervised Fine Tuning - Vision"): OpenAI-style chat
messages with roles ``system`` (optional, first), ``user`` and ``assistant``, the user first
and the assistant last. An image is a content part ``{"type": "image_url", "image_url":
{"url": "data:image/jpeg;base64,..."}}``: base64 data URIs only (``file://`` and http URLs are
rejected), PNG or JPEG only, the MIME type matching the bytes. A dataset needs at least 3
examples; the API upload takes files up to 150 MB.

Each row becomes the messages of :func:`.chat.chat_messages` (the one definition ``predict``
sends too): the optional system prompt; the first user message with the image part first, then
the question (the ``<image>`` token taken out); then every further turn as text, so a
multi-turn row keeps all its turns and its image once.

This module writes the format (:func:`export_fireworks`) and states its rules for the
validator (:func:`record_problems`, :func:`file_problems`).
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pybase64

from ..errors import UserError
from ..features import IMAGE_TOKEN, columns_without
from .chat import chat_messages, data_uri
from .images import ACCEPTED_MIME, ImageError, decode_strict
from .rules import check_conversation, conversation_problems
from .segments import run_in_segments
from .source import AnyDataset, ParquetSplit, image_fields
from .stream import ExportSummary, check_positive, encode_row_image, run_export
from .writer import RecordWriter, dump_record

#: Fireworks rejects a dataset with fewer examples than this.
MIN_EXAMPLES = 3
#: Largest file the API upload takes (bigger files go through firectl or signed URLs).
UPLOAD_LIMIT_BYTES = 150 * 1000**2
#: The chat roles Fireworks knows.
ROLES: tuple[str, ...] = ("system", "user", "assistant")

#: The columns a record is made of.
COLUMNS: tuple[str, ...] = columns_without("breed", "source")
#: Conversations whose checked record tail is remembered: the build words them from a few
#: templates per label, so a few thousand cover a split, and a hit costs a tenth of a miss.
TAIL_MEMO = 8192

_DATA_URI = re.compile(r"data:([^;,]*);base64,(.*)", re.DOTALL)

# A record is written exactly as dump_record writes it (json.dumps, compact), but in three
# pieces: the bytes before its base64 payload (they hold only the system prompt and the MIME
# type), the payload itself, and the bytes after it (the conversation's texts). The pieces are
# cut from the dumped record of chat.chat_messages with a marker in the payload's place, once
# per system prompt and per conversation (memoized): dumping every record whole would scan its
# whole base64 text for characters to escape (it has none) and copy it twice.
_MARK = "\x00payload\x00"
_DUMPED_MARK = dump_record(_MARK)[1:-1]  # as it appears inside a dumped string
#: A conversation of the question alone: enough to cut a record's head.
_QUESTION_ONLY = ({"from": "human", "value": IMAGE_TOKEN},)


def record_parts(turns: Sequence[Mapping[str, str]], mime: str, system: str | None = None) -> tuple[bytes, bytes]:
    """A record's bytes before and after its base64 payload (see :func:`.chat.chat_messages`)."""
    messages = chat_messages(turns, data_uri(mime, _MARK), system)
    head, _, tail = dump_record({"messages": messages}).partition(_DUMPED_MARK)
    return head, tail


def record_heads(system: str | None = None) -> dict[str, bytes]:
    """Per MIME type, a record's bytes up to its base64 payload (system prompt, data URI start)."""
    if system and "\x00" in system:  # it could hold the marker (and no model wants one)
        raise UserError("the system prompt holds a NUL character")
    return {mime: record_parts(_QUESTION_ONLY, mime, system)[0] for mime in ACCEPTED_MIME}


def record_tail(turns: Sequence[Mapping[str, str]]) -> bytes:
    """A record's bytes after its base64 payload: the question, then every further turn."""
    return record_parts(turns, ACCEPTED_MIME[0])[1]


def checked_tail(row_id: str, turns: Any) -> bytes:
    """:func:`record_tail` of a row's conversation once it passed the rules (memoized).

    Raises :class:`UserError` naming the row when a rule is broken.
    """
    key = _conversation_key(turns)
    if key is None:  # not a list of {"from", "value"} turns: the rules say what is wrong
        check_conversation(row_id, turns)
        return record_tail(turns)
    outcome = _memo_tail(key)
    if isinstance(outcome, str):
        raise UserError(f"row {row_id!r}: {outcome}")
    return outcome


def _conversation_key(turns: Any) -> tuple[tuple[Any, Any], ...] | None:
    """A conversation as hashable ``(from, value)`` pairs; None when it has another shape."""
    try:
        return tuple([(turn["from"], turn["value"]) for turn in turns])
    except (TypeError, KeyError):
        return None


@functools.lru_cache(maxsize=TAIL_MEMO)
def _memo_tail(key: tuple[tuple[Any, Any], ...]) -> bytes | str:
    """The record tail of a conversation given as pairs, or the first rule it breaks."""
    turns = [{"from": role, "value": text} for role, text in key]
    problems = conversation_problems(turns)
    return problems[0] if problems else record_tail(turns)


def fireworks_records(
    batch: pa.RecordBatch, *, system: str | None = None, max_side: int | None = None
) -> Iterator[tuple[bytes, ...]]:
    """Each row of a batch as one record's parts ``(head, base64 payload, tail)``, lazily.

    The system prompt, then the first user message: its image as a data URI (the original
    bytes when they are a plain JPEG or PNG within ``max_side``, else re-encoded; the MIME
    type read from them), then its question with the ``<image>`` token taken out; then every
    further turn as text, so the image is there once. A ``convert`` step of :func:`run_export`.
    """
    heads = record_heads(system)
    ids = batch.column("id").to_pylist()
    conversations = batch.column("conversations").to_pylist()
    payloads, paths = image_fields(batch.column("image"), views=True)  # photos not copied
    for row_id, turns, data, path in zip(ids, conversations, payloads, paths, strict=True):
        tail = checked_tail(row_id, turns)
        image = encode_row_image(row_id, data, path, max_side)
        payload = pybase64.b64encode(image.data)
        yield heads[image.mime], payload, tail


def export_fireworks(
    dataset: AnyDataset,
    path: str | Path,
    *,
    system: str | None = None,
    max_side: int | None = None,
    max_file_mb: float | None = None,
    num_proc: int = 1,
    progress: bool = True,
) -> ExportSummary:
    """Write a split as Fireworks JSONL at ``path``, streaming; returns what was written.

    ``max_side`` shrinks photos whose longer side is bigger; ``max_file_mb`` (decimal MB)
    rotates output into ``name-00000.jsonl``, ``name-00001.jsonl``, ... each under the limit
    (default: one file). With ``max_side``, ``num_proc`` worker processes decode and resize,
    output order kept: for a :class:`ParquetSplit` each reads and writes its own piece of the
    split (:func:`.segments.run_in_segments`), the same bytes as one process. Without it
    nothing is decoded and one process is faster than any workers (``pybase64`` encodes
    ~10x faster than the standard library; workers would only add copying), so ``num_proc``
    is not used.
    """
    check_positive("max_side", max_side)
    check_positive("max_file_mb", max_file_mb)
    check_positive("num_proc", num_proc)
    max_bytes = int(max_file_mb * 1000**2) if max_file_mb is not None else None
    writer = RecordWriter(Path(path), max_bytes=max_bytes)
    convert = functools.partial(fireworks_records, system=system, max_side=max_side)
    if max_side is None:  # pass-through: nothing CPU-bound for workers to share
        num_proc = 1
    # Workers that read the shards themselves and write segments beat sending them records.
    segmented = num_proc > 1 and isinstance(dataset, ParquetSplit)
    run = run_in_segments if segmented else run_export
    return run(dataset, writer, convert, _parts, columns=COLUMNS, num_proc=num_proc, progress=progress)


def _parts(record: tuple[bytes, ...]) -> tuple[tuple[bytes, ...]]:
    return (record,)  # one record a row


def record_problems(record: Any) -> Iterator[str]:
    """Every Fireworks rule one parsed JSONL record breaks (roles, order, content, images)."""
    messages = record.get("messages") if isinstance(record, dict) else None
    if not isinstance(messages, list) or not messages:
        yield "the record needs a non-empty 'messages' list"
        return
    roles = [m.get("role") if isinstance(m, dict) else None for m in messages]
    for index, role in enumerate(roles):
        if role not in ROLES:
            yield f"message {index}: role {role!r} is not one of {', '.join(ROLES)}"
    if "system" in roles[1:]:
        yield f"message {roles.index('system', 1)}: a system message may only come first"
    chat = roles[1:] if roles[0] == "system" else roles
    if not chat or chat[0] != "user":
        yield "the first message (after an optional system message) must be from the user"
    if roles[-1] != "assistant":
        yield "the last message must be from the assistant"
    for index, message in enumerate(messages):
        if isinstance(message, dict):
            yield from _content_problems(f"message {index}", message.get("role"), message.get("content"))


def _content_problems(where: str, role: Any, content: Any) -> Iterator[str]:
    """Content is text, or a list of text and (in user messages) image_url parts."""
    if isinstance(content, str):
        return
    if not isinstance(content, list) or not content:
        yield f"{where}: content must be text or a non-empty list of parts"
        return
    for part in content:
        if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str):
            continue
        url = _image_url(part)
        if url is None:
            yield f"{where}: a part must be 'text' with text, or 'image_url' with a url"
        elif role != "user":
            yield f"{where}: images may only be in user messages, not {role!r}"
        else:
            yield from data_uri_problems(where, url)


def _image_url(part: Any) -> str | None:
    """The URL of an ``{"type": "image_url", "image_url": {"url": ...}}`` part, else None."""
    if not isinstance(part, dict) or part.get("type") != "image_url":
        return None
    inner = part.get("image_url")
    url = inner.get("url") if isinstance(inner, dict) else None
    return url if isinstance(url, str) else None


def data_uri_problems(where: str, url: str) -> Iterator[str]:
    """A data URI with strict base64 of a PNG or JPEG that decodes and matches its MIME type."""
    if not url.startswith("data:"):
        yield (
            f"{where}: the image URL must be a base64 data URI (Fireworks rejects file:// "
            f"and http URLs), got {url[:40]!r}"
        )
        return
    match = _DATA_URI.fullmatch(url)
    if match is None:
        yield f"{where}: malformed data URI {url[:40]!r}, expected data:image/jpeg;base64,..."
        return
    mime, payload = match.groups()
    if mime not in ACCEPTED_MIME:
        yield f"{where}: MIME type {mime!r} is not accepted (PNG or JPEG only)"
    try:
        data = base64.b64decode(payload, validate=True)
    except binascii.Error as err:
        yield f"{where}: the image is not strict single-line base64 ({err})"
        return
    try:
        actual = decode_strict(data)
    except ImageError as err:
        yield f"{where}: the image does not decode: {err}"
        return
    if actual != mime:
        yield f"{where}: the data URI says {mime} but the bytes are {actual}"


def file_problems(rows: int, size: int) -> Iterator[tuple[bool, str]]:
    """File-level rules as ``(is_error, message)``: enough rows; a warning past the upload limit."""
    if rows < MIN_EXAMPLES:
        yield True, f"{rows} rows: Fireworks needs at least {MIN_EXAMPLES} examples"
    if size > UPLOAD_LIMIT_BYTES:
        yield (
            False,
            (
                f"{size / 1000**2:.0f} MB: over the {UPLOAD_LIMIT_BYTES // 1000**2} MB API upload "
                "limit (export with --max-file-mb 150, or upload with firectl)"
            ),
        )
