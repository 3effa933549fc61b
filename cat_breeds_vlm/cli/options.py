"""Groups of click options shared by several commands, applied as one decorator, and the one
``--split`` option every command that reads a dataset takes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from ..features import SPLITS

F = TypeVar("F", bound=Callable[..., Any])


def with_options(func: F, options: Sequence[Callable[[Any], Any]]) -> F:
    """``func`` decorated with each click option or argument, in the order given (top first)."""
    for option in reversed(options):
        func = option(func)
    return func


def labels_option(help_text: str) -> Callable[[F], F]:
    """The ``--labels FILE`` option: a label file, read and checked as the command starts.

    A bad file is a bad option value (exit 2), its one-line message naming the file, line and column.
    """
    return click.option(
        "--labels", type=click.Path(exists=True, dir_okay=False), default=None, metavar="FILE",
        callback=_check_label_file, help=help_text,
    )  # fmt: skip


def _check_label_file(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        from ..errors import UserError
        from ..labels.catalog import load_catalog

        try:
            load_catalog(value)
        except UserError as err:
            raise click.BadParameter(str(err), ctx, param) from None
    return value


def split_option(*, default: str, multiple: bool = False) -> Callable[[F], F]:
    """``-s/--split``: a click choice of the split names, so a wrong one gets click's own line
    and exit code 2 in every command; with ``multiple``, ``all`` is a choice too."""
    choices = [*SPLITS, "all"] if multiple else list(SPLITS)
    help_text = "Split to export; repeat for several, or 'all'." if multiple else "Split to use."
    return click.option(
        "-s", "--split", "splits" if multiple else "split", type=click.Choice(choices), multiple=multiple,
        default=(default,) if multiple else default, show_default=True, help=help_text,
    )  # fmt: skip
