"""The settings of a ``predict`` run and their defaults: one home for all of them.

The command line's option defaults and :func:`~cat_breeds_vlm.evaluate.predict.predict`'s
keywords both read these classes, so they cannot drift apart. Light on purpose (no heavy
imports): the command line imports it at start, before ``datasets`` or ``openai``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RequestSettings:
    """What every request of a run carries besides its row: model, prompt, sampling."""

    model: str
    system: str | None = None
    #: Shrink photos whose longer side is over this many pixels (as the exports do).
    max_side: int | None = None
    #: An answer is a short sentence.
    max_tokens: int = 64
    #: The most likely answer, every time.
    temperature: float = 0.0


@dataclass(frozen=True)
class ClientSettings:
    """How a run talks to the endpoint (the ``openai`` client's 600 s and 2 retries are wrong
    for asking thousands of short questions)."""

    #: Seconds to wait for the server on one attempt: a slow model gets a minute.
    timeout: float = 60.0
    #: Retries after a connection error, a timeout, 429 or 5xx: the client's backoff grows to
    #: 8 s, so a server's bad patch of about half a minute is ridden out.
    max_retries: int = 5
    #: Requests in flight at once.
    concurrency: int = 8
    #: The environment variable holding the API key.
    api_key_env: str = "OPENAI_API_KEY"
