"""Groups of click options shared by several commands, applied as one decorator."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def with_options(func: F, options: Sequence[Callable[[Any], Any]]) -> F:
    """``func`` decorated with each click option or argument, in the order given (top first)."""
    for option in reversed(options):
        func = option(func)
    return func
