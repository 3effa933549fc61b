"""Groups of click options shared by several commands, applied as one decorator, and the one
``--split`` option every command that reads a dataset takes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
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
    """The ``--labels FILE`` option: a label file, read and checked as the command starts,
    against the domain's kinds: the command's ``--domain`` (processed first), or the domain a
    local build given as its ``DATASET`` carries. A command reading a Hub dataset checks it once
    it knows the domain.

    A bad file is a bad option value (exit 2), its one-line message naming the file, line and column.
    """
    return click.option(
        "--labels", type=click.Path(exists=True, dir_okay=False), default=None, metavar="FILE",
        callback=_check_label_file, help=help_text,
    )  # fmt: skip


def _check_label_file(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return value
    from ..errors import UserError
    from ..labels.catalog import load_catalog

    domain = ctx.params.get("domain")
    folder = Path(ctx.params.get("dataset") or ".").expanduser()
    if domain is None and ctx.params.get("dataset") is not None and not folder.is_dir():
        return value  # a Hub dataset: its domain is known only once it is read
    try:
        if domain is None and ctx.params.get("dataset") is not None:
            domain = _carried_domain(folder)
        load_catalog(value, domain=domain)
    except UserError as err:
        raise click.BadParameter(str(err), ctx, param) from None
    return value


def _carried_domain(folder: Path) -> Any:
    """The domain a local build carries, or None (the default) for a folder that carries none."""
    from ..labels.domain import read_carried_domain
    from ..report.record import read_report

    carried = (read_report(folder) or {}).get("domain_file")
    path = folder / carried if isinstance(carried, str) else None
    return read_carried_domain(path) if path is not None and path.is_file() else None


def domain_option() -> Callable[[F], F]:
    """The ``--domain NAME|FILE`` option: a shipped domain's name or a domain file, read and
    checked first (eager), so ``--labels`` is checked against its kinds.

    A bad file is a bad option value (exit 2), its one-line message naming the file, line and field.
    """
    return click.option(
        "--domain", default=None, metavar="NAME|FILE", is_eager=True, callback=_check_domain,
        help="The subject of the photos: its words, questions, answers and label kinds (a TOML file, or a"
        " shipped domain by name: cats, dogs). Default: cats.",
    )  # fmt: skip


def _check_domain(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        from ..errors import UserError
        from ..labels.catalog import domain_catalog
        from ..labels.domain import load_domain

        try:
            domain_catalog(load_domain(value))  # its catalogue too: its kinds must be the domain's
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
