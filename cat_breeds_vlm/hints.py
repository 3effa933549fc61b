"""Did-you-mean hints: the known name a name that matches nothing most likely meant."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest_name(name: str, names: Iterable[str]) -> str | None:
    """The name of ``names`` that ``name`` most likely meant, or None.

    The same name in other letter case first (``beagle`` for ``Beagle``), else the closest
    spelling :func:`difflib.get_close_matches` finds (``Ural Rexx`` for ``Ural Rex``).
    """
    names = list(names)
    folded = name.casefold()
    for known in names:
        if known.casefold() == folded:
            return known
    close = difflib.get_close_matches(name, names, n=1)
    return close[0] if close else None


def did_you_mean(name: str, names: Iterable[str]) -> str:
    """`` (did you mean 'Beagle'?)`` for :func:`closest_name`, or "" when nothing is close."""
    close = closest_name(name, names)
    return f" (did you mean {close!r}?)" if close is not None else ""
