"""What a server said when it refused a request, whatever the shape of its error body.

OpenAI-compatible servers agree on the happy path, not on errors: OpenAI, LiteLLM and
llama.cpp answer ``{"error": {"message": ...}}``, TGI and Ollama ``{"error": "..."}``, vLLM
``{"message": ...}`` (older versions), FastAPI servers (``transformers serve``)
``{"detail": "..."}`` or, for a request that fails validation, ``{"detail": [{"loc": [...],
"msg": ...}]}``, and proxies plain text. The ``openai`` client keeps the parsed body in
``err.body`` (the ``error`` member alone when there is one) and the response itself, but its
``err.message`` holds only the status code in recent versions: :func:`server_words` reads the
body instead. :func:`one_line` shortens words for the screen; the errors file keeps them whole.
"""

from __future__ import annotations

import json
from typing import Any

import openai

#: Characters of the server's words shown on screen (the errors file has them whole).
SHOWN_WORDS = 200
#: The keys that hold a server's words, in the order they are looked for.
_KEYS = ("message", "error", "detail", "msg")


def server_words(err: openai.APIError) -> str:
    """The server's own words for ``err``: from its error body in any of the shapes above, else
    the response's text, else the client's message (a connection error has no body)."""
    words = _words(err.body)
    response = getattr(err, "response", None)
    if not words and response is not None:
        try:
            text = response.text
        except Exception:  # a response never read (streamed) has no text to give
            text = ""
        words = _words(_parsed(text))
    return words or err.message


def one_line(text: str, limit: int = SHOWN_WORDS) -> str:
    """``text`` on one line (runs of white space made one space), cut to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _parsed(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _words(body: Any) -> str:
    """The words in one error body: a string as it is, a dict's first word-holding key, a
    list's items joined (FastAPI's validation errors: "where: what" each)."""
    if isinstance(body, str):
        return body.strip()
    if isinstance(body, list):
        return "; ".join(filter(None, (_words(item) for item in body)))
    if isinstance(body, dict):
        for key in _KEYS:
            words = _words(body.get(key))
            if words:
                where = body.get("loc")
                if key == "msg" and isinstance(where, list):
                    return f"{'.'.join(map(str, where))}: {words}"
                return words
    return ""
