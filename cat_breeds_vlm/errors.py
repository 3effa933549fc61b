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
    """A setting out of its range; the message names the setting and the value."""


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
