"""Markdown for the dataset card: tables, safe cells and code spans, capped lists."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .explain import num

#: How many entries of a long list (skipped files, duplicate groups) the card shows.
MAX_LISTED = 10


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table; columns of counts are right-aligned."""
    align = ["---:" if h.endswith(("rows", "photos", "shards")) else "---" for h in header]
    lines = [f"| {' | '.join(header)} |", f"| {' | '.join(align)} |"]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    return "\n".join(lines)


def more(total: int) -> list[str]:
    return [f"- ... and {num(total - MAX_LISTED)} more"] if total > MAX_LISTED else []


def join(names: Iterable[str]) -> str:
    return ", ".join(cell(n) for n in names)


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, one line."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def code(text: str) -> str:
    """Text safe inside backticks."""
    return cell(text).replace("`", "'")
