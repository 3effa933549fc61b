"""Groups of click options shared by several commands, applied as one decorator, the one
``--split`` option every command that reads a dataset takes, and the options of declared settings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from ..declare import CHOICE, FILE, FLAG, INT, NAMES, NUMBER, Setting, declarations
from ..features import SPLITS

F = TypeVar("F", bound=Callable[..., Any])


def with_options(func: F, options: Sequence[Callable[[Any], Any]]) -> F:
    """``func`` decorated with each click option or argument, in the order given (top first)."""
    for option in reversed(options):
        func = option(func)
    return func


def labels_option(help_text: str) -> Callable[[F], F]:
    """The ``--labels FILE`` option of a command reading a build (``score``): a label file, read
    and checked as the command starts, against the kinds of the domain that a local build given
    as its ``DATASET`` carries. A Hub dataset's label file is checked once its domain is read.

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

    domain = None
    folder = Path(ctx.params.get("dataset") or ".").expanduser()
    if ctx.params.get("dataset") is not None and not folder.is_dir():
        return value  # a Hub dataset: its domain is known only once it is read
    try:
        if ctx.params.get("dataset") is not None:
            domain = _carried_domain(folder)
        load_catalog(value, domain=domain)
    except UserError as err:
        raise click.BadParameter(str(err), ctx, param) from None
    return value


def _carried_domain(folder: Path) -> Any:
    """The domain a local build carries, or None (the default) for a folder that carries none."""
    from ..labels.domain import read_carried_domain
    from ..report.record import read_report

    report = read_report(folder)
    path = folder / report.domain_file if report is not None and report.domain_file else None
    return read_carried_domain(path) if path is not None and path.is_file() else None


def split_option(*, default: str, multiple: bool = False) -> Callable[[F], F]:
    """``-s/--split``: a click choice of the split names, so a wrong one gets click's own line
    and exit code 2 in every command; with ``multiple``, ``all`` is a choice too."""
    choices = [*SPLITS, "all"] if multiple else list(SPLITS)
    help_text = "Split to export; repeat for several, or 'all'." if multiple else "Split to use."
    return click.option(
        "-s", "--split", "splits" if multiple else "split", type=click.Choice(choices), multiple=multiple,
        default=(default,) if multiple else default, show_default=True, help=help_text,
    )  # fmt: skip


def declared_options(settings: type) -> list[Callable[[F], F]]:
    """The click options of a :class:`~cat_breeds_vlm.declare.Settings` dataclass, one per declared
    setting, in order: flag, type, range, default and help all from the declaration."""
    return [_declared_option(declared) for declared in declarations(settings)]


def _declared_option(declared: Setting) -> Callable[[F], F]:
    flag = declared.option
    extra: dict[str, Any] = {}
    if declared.kind == FLAG:
        flag = f"{flag}/--no-{flag[2:]}"
    elif declared.kind == INT:
        extra["type"] = click.IntRange(declared.low, declared.high, min_open=declared.low_open)
    elif declared.kind == NUMBER:
        extra["type"] = click.FloatRange(
            declared.low, declared.high, min_open=declared.low_open, max_open=declared.high_open
        )
    elif declared.kind == CHOICE:
        extra["type"] = click.Choice(declared.choices)
    elif declared.kind == FILE:
        extra["type"] = click.Path(exists=True, dir_okay=False)
    elif declared.kind == NAMES:
        extra["multiple"] = True
        if declared.optional and declared.default is None:  # none given: None (the setting's own default)
            extra["callback"] = _none_when_empty
    if declared.metavar:
        extra["metavar"] = declared.metavar
    if declared.required:
        return click.option(flag, declared.name, required=True, help=declared.help, **extra)
    shown = declared.default not in (None, "") and declared.kind != NAMES
    return click.option(flag, declared.name, default=declared.default, show_default=shown, help=declared.help, **extra)


def _none_when_empty(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...] | None:
    return value or None
