"""How a row is put to a chat model: OpenAI-style messages, one definition for every user.

The Fireworks fine-tuning export writes these messages (with the answers) and ``predict``
sends them (the question only) to any OpenAI-compatible endpoint, so the model is asked at
evaluation time exactly as it was taught. The image goes first in the first user message as
a base64 data URI; the question follows as text, its ``<image>`` token taken out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .rules import chat_turns


def data_uri(mime: str, payload: str) -> str:
    """A ``data:`` URI of base64 ``payload`` with MIME type ``mime``."""
    return f"data:{mime};base64,{payload}"


def chat_messages(
    turns: Sequence[Mapping[str, str]], image_url: str, system: str | None = None
) -> list[dict[str, Any]]:
    """The chat messages of a conversation (``{"from", "value"}`` turns) with its image.

    The optional system prompt; the first user message: the image part, then the question;
    then every further turn as text (roles ``user`` / ``assistant``).
    """
    (role, question), *later = chat_turns(turns)
    image = {"type": "image_url", "image_url": {"url": image_url}}
    first = {"role": role, "content": [image, {"type": "text", "text": question}]}
    opening = [{"role": "system", "content": system}] if system else []
    return [*opening, first, *({"role": r, "content": text} for r, text in later)]
