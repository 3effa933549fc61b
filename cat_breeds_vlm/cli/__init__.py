"""The ``cat-breeds-vlm`` command line: a thin click layer over the package's functions.

One module per group of commands. Every command turns a user error
(:class:`cat_breeds_vlm.errors.UserError`) into one line on stderr and a non-zero exit code,
never a traceback.
"""

from __future__ import annotations

import atexit
import gc

import click

from .. import __version__
from .build import build, demo
from .compare import compare_command
from .dataset import push_command, stats_command
from .evaluate import predict_command, prompts, score_command
from .export import export, validate
from .review import review_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cat-breeds-vlm")
def main() -> None:
    """Build, inspect, export, push and score cat-breed vision-language datasets."""
    # When the command is done the process ends: its last cycle collection would walk every
    # object the command made (a noticeable wait after a full-scale build) only for the memory to be freed.
    atexit.register(gc.freeze)


for command in (
    build,
    demo,
    stats_command,
    push_command,
    compare_command,
    export,
    validate,
    predict_command,
    score_command,
    review_command,
):
    main.add_command(command)
export.add_command(prompts)
