"""The settings of a ``predict`` run, each declared once (:mod:`cat_breeds_vlm.declare`): its
default, kind and range, its help text.

:class:`PredictSettings` is what :func:`~cat_breeds_vlm.evaluate.predict.predict` takes, and the
command line's options are made from its declarations
(:func:`~cat_breeds_vlm.cli.options.declared_options`), so the two cannot drift apart.
:data:`ANSWER_SETTINGS` are the ones that change the prompt or the answer: the run record
beside the answers holds them, and a rerun that differs in one is refused. Light on purpose
(no heavy imports): the command line imports it at start, before ``datasets`` or ``openai``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..declare import INT, NUMBER, TEXT, Settings, declarations, setting


@dataclass(frozen=True)
class PredictSettings(Settings):
    """Where a run asks, what every request carries besides its row, and how the client talks.

    Checked at construction: a value out of range raises
    :class:`~cat_breeds_vlm.errors.SettingsError` naming it.
    """

    base_url: str = setting(
        None, "The OpenAI-compatible endpoint, e.g. https://api.fireworks.ai/inference/v1 or "
        "http://127.0.0.1:8000/v1 (vLLM).", TEXT, required=True, metavar="URL",
    )  # fmt: skip
    model: str = setting(None, "The model to ask, as the server names it.", TEXT, required=True, metavar="NAME")
    system: str | None = setting(
        None, "A system prompt to put first (the one used for fine-tuning).", TEXT, optional=True
    )
    #: As the exports do.
    max_side: int | None = setting(
        None, "Shrink photos whose longer side is over PX pixels, as the export did.", INT, low=1,
        optional=True, metavar="PX",
    )  # fmt: skip
    #: An answer is a short sentence.
    max_tokens: int = setting(64, "Longest answer, in tokens.", INT, low=1)
    #: The most likely answer, every time.
    temperature: float = setting(0.0, "Sampling temperature (0: the most likely answer).", NUMBER, low=0)
    #: The ``openai`` client's 600 s is wrong for thousands of short questions: a slow model
    #: gets a minute.
    timeout: float = setting(
        60.0, "Seconds to wait for the server on one attempt (then it is retried).", NUMBER, low=0,
        low_open=True, metavar="SECONDS",
    )  # fmt: skip
    #: The client's backoff grows to 8 s, so a server's bad patch of about half a minute is
    #: ridden out.
    max_retries: int = setting(
        5, "Retries of a row after a connection error, timeout, 429 or 5xx (with backoff; a "
        "server's Retry-After is honoured).", INT, low=0,
    )  # fmt: skip
    concurrency: int = setting(8, "Requests in flight at once.", INT, low=1)
    api_key_env: str = setting(
        "OPENAI_API_KEY", "Environment variable holding the API key (a local server needs none).", TEXT,
        metavar="VAR",
    )  # fmt: skip

    def answer_settings(self) -> dict[str, Any]:
        """The settings that change the prompt or the answer (:data:`ANSWER_SETTINGS`)."""
        return {name: getattr(self, name) for name in ANSWER_SETTINGS}


#: The settings that change the prompt or the answer, with their defaults: a run record
#: missing one (an older version wrote it) is read with the default.
ANSWER_SETTINGS: dict[str, Any] = {
    declared.name: declared.default
    for declared in declarations(PredictSettings)
    if declared.name in ("system", "max_side", "max_tokens", "temperature")
}
