"""The ``cat-breeds-vlm`` command line: a thin click layer over the package's functions.

Every command turns a user error (:class:`cat_breeds_vlm.errors.UserError`) into one line on
stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import click

from . import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cat-breeds-vlm")
def main() -> None:
    """Build, inspect, export, push and score cat-breed vision-language datasets."""


# Commands are registered below, one module per concern.
