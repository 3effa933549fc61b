"""The exception types for bad input, and the wrapper that turns them into one line and an exit code.

Two kinds of mistake, each with one exit code across every command:

- a bad option or value (:class:`OptionError`): exit 2, worded as click words its own usage
  errors (``Error: --val-ratio + --test-ratio must be below 1 ...`` after the usage line);
- a bad dataset, file or server (:class:`UserError`): exit 1, ``Error: ...`` on one line.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


class UserError(Exception):
    """A problem with what the user gave us (a path, a file, a server): never a bug. Exit 1."""


class OptionError(UserError):
    """A bad command-line option or value, named as the user typed it. Exit 2, like click's own."""


def one_line(err: BaseException) -> str:
    """An exception as one line: its message with whitespace collapsed, else its type's name."""
    return " ".join(str(err).split()) or type(err).__name__


class SettingsError(UserError, ValueError):
    """A bad setting. Given the settings' names and flags, the message names both and the value
    (``val_ratio (--val-ratio) must be in [0, 1), got 1.2``); :meth:`on_command_line` words it
    with the flags only, as click words its own errors.

    ``problem`` reads after the names (``must be ...``), or, as a ``clause``, says itself what
    is wrong (``'cc-by' is not a licence identifier ...``).
    """

    def __init__(
        self, problem: str, *, names: tuple[str, ...] = (), flags: tuple[str, ...] = (), clause: bool = False
    ) -> None:
        self.problem, self.names, self.flags, self.clause = problem, names, flags, clause
        who = " + ".join(names) + (f" ({' + '.join(flags)})" if flags else "")
        super().__init__(self._worded(who) if names else problem)

    def _worded(self, who: str) -> str:
        return f"{who}: {self.problem}" if self.clause else f"{who} {self.problem}"

    def on_command_line(self) -> str:
        """The message naming the flags typed: ``--val-ratio + --test-ratio must be below 1, ...``,
        ``Invalid value for '--license': ...``."""
        if not self.flags:
            return str(self)
        if self.clause and len(self.flags) == 1:
            return f"Invalid value for '{self.flags[0]}': {self.problem}"
        return self._worded(" + ".join(self.flags))


def friendly_errors(func: F) -> F:
    """Wrap a click command so a :class:`UserError` (or ``OSError``) becomes one clean line."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OptionError as err:
            raise click.UsageError(str(err)) from None
        except UserError as err:
            raise click.ClickException(str(err)) from None
        except KeyboardInterrupt:  # Ctrl-C: every writer removes what it had not finished
            click.echo("\nInterrupted: nothing half-written was left behind.", err=True)
            raise SystemExit(130) from None
        except BrokenPipeError:  # output piped into `head` and closed: not an error
            sys.stderr.close()
            raise SystemExit(0) from None
        except OSError as err:
            where = f": {err.filename}" if getattr(err, "filename", None) else ""
            raise click.ClickException(f"{err.strerror or err}{where}") from None

    return wrapper  # type: ignore[return-value]
