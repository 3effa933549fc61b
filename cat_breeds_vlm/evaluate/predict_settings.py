"""The settings of a ``predict`` run, each declared once: its default, its range, its help text.

:class:`PredictSettings` is what :func:`~cat_breeds_vlm.evaluate.predict.predict` takes and
what the command line's options are made from (one click option per field, its type, range,
default and help read from the field's :func:`setting` declaration), so the two cannot drift
apart. A field marked ``answer=True`` changes the prompt or the answer: it is written to the
run record beside the answers, and a rerun that differs in it is refused. Light on purpose (no
heavy imports): the command line imports it at start, before ``datasets`` or ``openai``.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from ..errors import SettingsError


def setting(
    default: Any = MISSING, *, help: str, low: float | None = None, low_open: bool = False,
    metavar: str | None = None, answer: bool = False,
) -> Any:  # fmt: skip
    """A field of :class:`PredictSettings`: ``default`` (none: required), the lowest value
    allowed (``low``, excluded with ``low_open``), the help text, and whether it changes the
    answers (``answer``)."""
    meta = {"help": help, "low": low, "low_open": low_open, "metavar": metavar, "answer": answer}
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class PredictSettings:
    """Where a run asks, what every request carries besides its row, and how the client talks.

    Validated at construction: a value out of range raises :class:`SettingsError` naming it.
    """

    base_url: str = setting(
        help="The OpenAI-compatible endpoint, e.g. https://api.fireworks.ai/inference/v1 or "
        "http://127.0.0.1:8000/v1 (vLLM).",
        metavar="URL",
    )
    model: str = setting(help="The model to ask, as the server names it.", metavar="NAME")
    system: str | None = setting(None, help="A system prompt to put first (the one used for fine-tuning).", answer=True)
    #: As the exports do.
    max_side: int | None = setting(
        None, low=1, metavar="PX", answer=True,
        help="Shrink photos whose longer side is over PX pixels, as the export did.",
    )  # fmt: skip
    #: An answer is a short sentence.
    max_tokens: int = setting(64, low=1, help="Longest answer, in tokens.", answer=True)
    #: The most likely answer, every time.
    temperature: float = setting(0.0, low=0, help="Sampling temperature (0: the most likely answer).", answer=True)
    #: The ``openai`` client's 600 s is wrong for thousands of short questions: a slow model
    #: gets a minute.
    timeout: float = setting(
        60.0, low=0, low_open=True, metavar="SECONDS",
        help="Seconds to wait for the server on one attempt (then it is retried).",
    )  # fmt: skip
    #: The client's backoff grows to 8 s, so a server's bad patch of about half a minute is
    #: ridden out.
    max_retries: int = setting(
        5, low=0,
        help="Retries of a row after a connection error, timeout, 429 or 5xx (with backoff; a "
        "server's Retry-After is honoured).",
    )  # fmt: skip
    concurrency: int = setting(8, low=1, help="Requests in flight at once.")
    api_key_env: str = setting(
        "OPENAI_API_KEY", metavar="VAR",
        help="Environment variable holding the API key (a local server needs none).",
    )  # fmt: skip

    def __post_init__(self) -> None:
        for spec in fields(self):
            value, low = getattr(self, spec.name), spec.metadata["low"]
            if low is None or value is None:
                continue
            if value < low or (spec.metadata["low_open"] and value == low):
                raise SettingsError(f"{spec.name} must be {range_words(spec.name)}, got {value}")

    def answer_settings(self) -> dict[str, Any]:
        """The settings that change the prompt or the answer (:data:`ANSWER_SETTINGS`)."""
        return {name: getattr(self, name) for name in ANSWER_SETTINGS}


def range_words(name: str) -> str:
    """The range of setting ``name`` in words ("at least 1", "above 0")."""
    meta = _field(name).metadata
    return f"above {meta['low']:g}" if meta["low_open"] else f"at least {meta['low']:g}"


def _field(name: str) -> Any:
    return next(spec for spec in fields(PredictSettings) if spec.name == name)


#: The settings that change the prompt or the answer, with their defaults: a run record
#: missing one (an older version wrote it) is read with the default.
ANSWER_SETTINGS: dict[str, Any] = {
    spec.name: spec.default for spec in fields(PredictSettings) if spec.metadata["answer"]
}
