"""The ``compare`` command: two builds side by side, exit 1 on a leak between them."""

from __future__ import annotations

import click

from ..errors import friendly_errors


@click.command("compare", short_help="Photos added, gone, relabelled and moved between two builds.")
@click.argument("old")
@click.argument("new")
@friendly_errors
def compare_command(old: str, new: str) -> None:
    """Compare the builds OLD and NEW (folders, or Hub repo ids with an optional @revision).

    Prints the photos added, gone, relabelled and moved between splits, and the two leaks:
    new test photos that were in the old train, old test photos now in the new train. Exits 1
    when either is above zero, so a dataset release can be guarded in CI. Only the builds'
    split manifests are read (a private Hub repo with HF_TOKEN or the saved login).
    """
    from ..dataset.compare import compare, format_comparison

    result = compare(old, new)
    click.echo(format_comparison(result))
    if result.leaks:
        raise SystemExit(1)
