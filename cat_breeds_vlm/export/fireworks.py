"""Fireworks AI fine-tuning JSONL for vision models: one ``{"messages": [...]}`` a line.

The format (docs.fireworks.ai, "Supervised Fine Tuning - Vision"): OpenAI-style chat
messages with roles ``system`` (optional, first), ``user`` and ``assistant``, the user first
and the assistant last. An image is a content part ``{"type": "image_url", "image_url":
{"url": "data:image/jpeg;base64,..."}}``: base64 data URIs only (``file://`` and http URLs are
rejected), PNG or JPEG only, the MIME type matching the bytes. A dataset needs at least 3
examples; the API upload takes files up to 150 MB.

Each row becomes: the optional system prompt; the first user message with the image part
first, then the question (the ``<image>`` token taken out); then every further turn as text,
so a multi-turn row keeps all its turns and its image once.

This module writes the format (:func:`export_fireworks`) and states its rules for the
validator (:func:`record_problems`, :func:`file_problems`).
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .conversation import chat_turns
from .images import ACCEPTED_MIME, ImageError, decode_strict
from .pipeline import AnyDataset, ExportSummary, check_positive, prepare_row, run_export
from .writer import RecordWriter

#: Fireworks rejects a dataset with fewer examples than this.
MIN_EXAMPLES = 3
#: Largest file the API upload takes (bigger files go through firectl or signed URLs).
UPLOAD_LIMIT_BYTES = 150 * 1000**2
#: The chat roles Fireworks knows.
ROLES: tuple[str, ...] = ("system", "user", "assistant")

# json.dumps would scan the whole base64 text for characters to escape (about 2 us a KB, more
# than base64 itself); base64 has none, so the record is dumped with an empty URL and the
# data URI is spliced into this slot. Only the image part has a "url" key.
_URL_SLOT = '"url":""'
_DATA_URI = re.compile(r"data:([^;,]*);base64,(.*)", re.DOTALL)


def fireworks_messages(
    turns: list[dict[str, str]], system: str | None = None, url: str = ""
) -> list[dict[str, Any]]:
    """The ``messages`` of one row: system prompt, image and question, then every turn."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
    for index, (role, text) in enumerate(chat_turns(turns)):
        if index == 0:
            image_part = {"type": "image_url", "image_url": {"url": url}}
            messages.append({"role": role, "content": [image_part, {"type": "text", "text": text}]})
        else:
            messages.append({"role": role, "content": text})
    return messages


def fireworks_line(
    row: dict[str, Any], *, system: str | None = None, max_side: int | None = None
) -> bytes:
    """One JSONL record (without its newline) for a dataset row with undecoded image bytes."""
    row = prepare_row(row, max_side=max_side)
    image = row["image"]
    text = json.dumps(
        {"messages": fireworks_messages(row["conversations"], system)},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    head, _, tail = text.partition(_URL_SLOT)
    uri = b"data:" + image.mime.encode() + b";base64," + base64.b64encode(image.data)
    return b"".join((head.encode(), b'"url":"', uri, b'"', tail.encode()))


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
    (default: one file). ``num_proc`` worker processes encode images, output order kept.
    """
    check_positive("max_side", max_side)
    check_positive("max_file_mb", max_file_mb)
    max_bytes = int(max_file_mb * 1000**2) if max_file_mb is not None else None
    writer = RecordWriter(Path(path), max_bytes=max_bytes)
    convert = functools.partial(fireworks_line, system=system, max_side=max_side)
    return run_export(dataset, writer, convert, _identity, num_proc=num_proc, progress=progress)


def _identity(line: bytes) -> bytes:
    return line


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
            yield from _content_problems(
                f"message {index}", message.get("role"), message.get("content")
            )


def _content_problems(where: str, role: Any, content: Any) -> Iterator[str]:
    """Content is text, or a list of text and (in user messages) image_url parts."""
    if isinstance(content, str):
        return
    if not isinstance(content, list) or not content:
        yield f"{where}: content must be text or a non-empty list of parts"
        return
    for part in content:
        if (
            isinstance(part, dict)
            and part.get("type") == "text"
            and isinstance(part.get("text"), str)
        ):
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
