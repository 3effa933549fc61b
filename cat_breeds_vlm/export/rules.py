"""The conversation rules all three formats rest on, in one place for exporters and validator.

A row's ``conversations`` (the data contract, and LLaVA's own shape) is a list of
``{"from", "value"}`` turns: ``human`` and ``gpt`` alternate, ``human`` first, ``gpt`` last
(LLaVA's ``preprocess`` asserts the alternation and crashes on other roles), and the image
token appears exactly once, at the start of the first human turn (without it LLaVA silently
trains on text only; the exports turn it into the image that opens the first message).
Exporters refuse a row that breaks a rule; the validator reports it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import UserError
from ..features import IMAGE_TOKEN

HUMAN, GPT = "human", "gpt"
#: Chat roles for the LLaVA roles, as Fireworks (OpenAI style) and TRL name them.
CHAT_ROLE: dict[str, str] = {HUMAN: "user", GPT: "assistant"}


def conversation_problems(turns: Any) -> list[str]:
    """Every rule a LLaVA-style conversation breaks (an empty list when it is valid)."""
    if not isinstance(turns, list) or not turns:
        return ["'conversations' must be a non-empty list of turns"]
    problems = []
    for index, turn in enumerate(turns):
        expected = HUMAN if index % 2 == 0 else GPT
        if not isinstance(turn, dict) or not isinstance(turn.get("value"), str):
            problems.append(f"turn {index} is not a {{'from', 'value'}} record with text")
        elif turn.get("from") != expected:
            problems.append(
                f"turn {index} is from {turn.get('from')!r}, expected {expected!r} "
                "(human and gpt alternate, human first)"
            )
    if problems:
        return problems
    if turns[-1]["from"] != GPT:
        problems.append("the last turn must be from 'gpt' (the answer to learn)")
    first = turns[0]["value"].count(IMAGE_TOKEN)
    if first != 1:
        problems.append(f"the first human turn holds {IMAGE_TOKEN!r} {first} times, not once")
    elif not turns[0]["value"].startswith(IMAGE_TOKEN):
        problems.append(f"the first human turn must start with {IMAGE_TOKEN!r}")
    later = [i for i, turn in enumerate(turns[1:], start=1) if IMAGE_TOKEN in turn["value"]]
    if later:
        problems.append(f"turn {later[0]} holds {IMAGE_TOKEN!r}; only the first human turn may")
    return problems


def check_conversation(row_id: str, turns: Any) -> None:
    """Raise :class:`UserError` naming the row when its conversation breaks a rule."""
    problems = conversation_problems(turns)
    if problems:
        raise UserError(f"row {row_id!r}: {problems[0]}")


def chat_turns(turns: Sequence[Mapping[str, str]]) -> list[tuple[str, str]]:
    """``(role, text)`` pairs in chat roles, the image token taken out of the first turn.

    The image itself goes in as a typed part of the first user message, so its text is the
    question alone.
    """
    pairs = [(CHAT_ROLE[turn["from"]], turn["value"]) for turn in turns]
    pairs[0] = (pairs[0][0], pairs[0][1].replace(IMAGE_TOKEN, "", 1).strip())
    return pairs
