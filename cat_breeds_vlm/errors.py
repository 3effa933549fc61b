"""The one exception type for bad input: the CLI prints its message as one line and exits 2."""

from __future__ import annotations

import functools
import sys
from typing import Any, Callable, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


class UserError(Exception):
    """A problem with what the user gave us (a path, a setting, a file): never a bug."""


class SettingsError(UserError, ValueError):
    """A setting out of its range; the message names the setting and the value."""


def friendly_errors(func: F) -> F:
    """Wrap a click command so a :class:`UserError` (or ``OSError``) becomes one clean line."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UserError as err:
            raise click.ClickException(str(err)) from None
        except BrokenPipeError:  # output piped into `head` and closed: not an error
            sys.stderr.close()
            raise SystemExit(0) from None
        except OSError as err:
            where = f": {err.filename}" if getattr(err, "filename", None) else ""
            raise click.ClickException(f"{err.strerror or err}{where}") from None

    return wrapper  # type: ignore[return-value]
