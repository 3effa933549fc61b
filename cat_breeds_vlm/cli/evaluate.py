"""The ``score`` and ``export prompts`` commands: a thin click layer over prompts.py and score.py.

Both read the split as a stream: nothing is copied into the ``datasets`` cache and no image is
decoded, so they start at once even on the full dataset or a Hub repo.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..dataset.loading import open_split
from ..errors import friendly_errors
from ..evaluate.prompts import write_prompts
from ..evaluate.score import (
    catalog_for,
    format_report,
    priority_breeds_for,
    score,
    write_json_report,
)
from ..features import SPLITS
from .options import labels_option

_SPLIT = click.option(
    "-s", "--split", type=click.Choice(SPLITS), default="test", show_default=True, help="Split to use."
)


@click.command("prompts")
@click.argument("dataset")
@_SPLIT
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
    help="JSONL file to write: one {id, question, image} a line, without the answer.",
)  # fmt: skip
@friendly_errors
def prompts(dataset: str, split: str, output: Path) -> None:
    """Write the questions of a split of DATASET (built folder or Hub repo id), for inference.

    Each line holds the row id, the question, and the image path relative to the image folder
    the dataset was built from. Add an "answer" to each line to make a predictions file.
    """
    count = write_prompts(open_split(dataset, split, streaming=True), output)
    click.echo(f"Wrote {count} prompts of split {split!r} to {output}")


@click.command("score")
@click.argument("dataset")
@click.argument("predictions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_SPLIT
@click.option(
    "--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the full report as JSON here.",
)  # fmt: skip
@click.option(
    "--priority", "priority", multiple=True, metavar="BREED",
    help="A priority breed (repeat for more). Default: the dataset's build settings, else the "
    "catalogue's default priority breeds.",
)  # fmt: skip
@click.option("--top", default=10, show_default=True, help="How many confusions to list.")
@labels_option(
    "Label file adding names (aliases) or labels to the ones the build carries (its labels.csv; "
    "the built-in catalogue for older builds)."
)
@friendly_errors
def score_command(
    dataset: str,
    predictions: Path,
    split: str,
    json_path: Path | None,
    priority: tuple[str, ...],
    top: int,
    labels: str | None,
) -> None:
    """Score PREDICTIONS (JSONL of {"id", "answer"}) against a split of DATASET.

    Prints accuracy, balanced accuracy, macro-F1, the priority breeds first, every breed's
    precision / recall / F1, the most frequent confusions, unparseable answers and missing ids
    (both count as wrong).
    """
    report = score(
        open_split(dataset, split, streaming=True),
        predictions,
        priority_breeds=priority or priority_breeds_for(dataset),
        top_confusions=top,
        catalog=catalog_for(dataset, labels),
    )
    click.echo(format_report(report))
    if json_path is not None:
        write_json_report(report, json_path)
        click.echo(f"\nWrote the JSON report to {json_path}")
