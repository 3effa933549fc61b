"""The settings that decide a build's split, and their defaults: one home for all of them.

The command line's option defaults, the builder config's fields and the planner all read
:class:`PlanSettings`, so they cannot drift apart. Light on purpose (no heavy imports): the
command line imports it at start.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..labels.catalog import DEFAULT_PRIORITY_BREEDS


@dataclass(frozen=True)
class PlanSettings:
    """The settings that decide the split (validated by the builder config)."""

    seed: int = 42
    val_ratio: float = 0.1
    test_ratio: float = 0.1
    max_per_class: int | None = None
    priority_breeds: tuple[str, ...] = DEFAULT_PRIORITY_BREEDS
    priority_oversample: int = 5


def ratio_problem(
    val_ratio: float, test_ratio: float, names: tuple[str, str] = ("val_ratio", "test_ratio")
) -> str | None:
    """What is wrong with the two ratios together (they must leave some photos for train), or None.

    ``names`` are how the caller's user spelled them (``--val-ratio`` on the command line).
    """
    if val_ratio + test_ratio >= 1:
        return f"{names[0]} + {names[1]} must be below 1, got {val_ratio} + {test_ratio}"
    return None
