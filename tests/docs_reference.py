"""``docs/reference.md``: every command's ``--help``, generated from the click commands themselves.

    python tests/docs_reference.py      # rewrite docs/reference.md after changing a command

``tests/test_docs.py`` fails while the file differs from what the commands say, so the
reference never drifts from the options.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click

from cat_breeds_vlm.cli import main

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "reference.md"
#: Help is laid out for this width whatever the terminal, so the file is the same everywhere.
WIDTH = 100


def walk(command: click.Command, ctx: click.Context) -> Iterator[tuple[click.Context, click.Command]]:
    """Each command and subcommand with its context, the group before its commands, in sorted order."""
    yield ctx, command
    if isinstance(command, click.Group):
        for name in sorted(command.list_commands(ctx)):
            sub = command.get_command(ctx, name)
            yield from walk(sub, click.Context(sub, info_name=name, parent=ctx, max_content_width=WIDTH))


def render() -> str:
    """The whole reference page."""
    # The group's context settings (``-h`` beside ``--help``), as the real command line applies
    # them: click caches each command's help option, so a context without them would render
    # differently after an earlier real run in the same process.
    settings = {"max_content_width": WIDTH, "terminal_width": WIDTH, **main.context_settings}
    root = click.Context(main, info_name="cat-breeds-vlm", **settings)
    parts = [
        "# Every command and option\n",
        "Generated from the commands' own `--help` (`python tests/docs_reference.py`); a test keeps it",
        "in step with them.\n",
    ]
    for ctx, command in walk(main, root):
        parts += [f"## `{ctx.command_path}`\n", "```text", command.get_help(ctx).rstrip(), "```\n"]
    return "\n".join(parts)


if __name__ == "__main__":
    REFERENCE.write_text(render(), encoding="utf-8")
    print(f"wrote {REFERENCE}")
