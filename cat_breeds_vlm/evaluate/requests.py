"""The chat-completions requests ``predict`` sends: one a row, worded as the model was taught.

A request holds the row's first user message exactly as the Fireworks export writes it (the
same function builds both, :func:`cat_breeds_vlm.export.chat.chat_messages`): the optional
system prompt, the row's own image from the dataset as a base64 data URI (its MIME type read
from the bytes; re-encoded only when it is not a plain JPEG/PNG or is over ``max_side``), then
the question. The answer turns are left out: they are what the model is asked for.
"""

from __future__ import annotations

import copy
from collections.abc import Container, Iterator
from typing import Any

import pyarrow as pa
import pybase64

from ..export.chat import chat_messages, data_uri
from ..export.rules import check_conversation
from ..export.source import AnyDataset, image_fields, iter_batches
from ..export.stream import encode_row_image
from .predict_settings import PredictSettings

#: The columns a request is made of.
REQUEST_COLUMNS: tuple[str, ...] = ("id", "image", "conversations")
#: Characters of an image's base64 shown by :func:`shortened`.
SHOWN_BASE64 = 24


def row_request(
    row_id: str, turns: Any, image: bytes | memoryview | None, path: str | None,
    settings: PredictSettings,
) -> dict[str, Any]:  # fmt: skip
    """The chat-completions request body that asks row ``row_id``'s question.

    Raises :class:`~cat_breeds_vlm.errors.UserError` naming the row when its conversation
    breaks the rules or its image does not decode.
    """
    check_conversation(row_id, turns)
    encoded = encode_row_image(row_id, image, path, settings.max_side)
    url = data_uri(encoded.mime, pybase64.b64encode_as_string(encoded.data))
    return {
        "model": settings.model,
        "messages": chat_messages(turns[:1], url, settings.system),
        "max_tokens": settings.max_tokens,
        "temperature": settings.temperature,
    }


def batch_requests(
    batch: pa.RecordBatch, settings: PredictSettings, skip: Container[str] = ()
) -> list[tuple[str, dict[str, Any]]]:
    """``(row id, request)`` for each row of a batch whose id is not in ``skip``, in order."""
    ids = batch.column("id").to_pylist()
    conversations = batch.column("conversations").to_pylist()
    payloads, paths = image_fields(batch.column("image"), views=True)  # photos not copied
    return [
        (row_id, row_request(row_id, turns, data, path, settings))
        for row_id, turns, data, path in zip(ids, conversations, payloads, paths, strict=True)
        if row_id not in skip
    ]


def iter_requests(
    dataset: AnyDataset, settings: PredictSettings, skip: Container[str] = ()
) -> Iterator[tuple[list[tuple[str, dict[str, Any]]], int]]:
    """The requests of a split a batch of rows at a time, each with how many rows it skipped
    (none is built for an id in ``skip``)."""
    for batch in iter_batches(dataset, REQUEST_COLUMNS):
        requests = batch_requests(batch, settings, skip)
        yield requests, batch.num_rows - len(requests)


def shortened(request: dict[str, Any]) -> dict[str, Any]:
    """A copy of a request with each image's base64 cut short (for showing it to a person)."""
    shown = copy.deepcopy(request)
    for message in shown["messages"]:
        for part in message["content"] if isinstance(message["content"], list) else ():
            if part.get("type") == "image_url":
                head, _, payload = part["image_url"]["url"].partition(",")
                part["image_url"]["url"] = f"{head},{payload[:SHOWN_BASE64]}... ({len(payload):,} base64 characters)"
    return shown
