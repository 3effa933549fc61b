"""Checks of what a command printed, shared by the test modules of several commands."""

from __future__ import annotations

from click.testing import Result


def one_line_error(result: Result, code: int = 1) -> str:
    """The one line on stderr of a command that failed with ``code``, no traceback; returns it."""
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]
