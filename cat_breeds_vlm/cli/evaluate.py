"""The ``score`` and ``export prompts`` commands: a thin click layer over prompts.py and score.py.

Both read the split as a stream: nothing is copied into the ``datasets`` cache and no image is
decoded, so they start at once even on the full dataset or a Hub repo.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import UserError, friendly_errors
from .options import labels_option, split_option

_SPLIT = split_option(default="test")


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
    from ..dataset.locate import locate

    source = locate(dataset)  # first: a wrong DATASET is answered before anything heavy loads
    from ..dataset.loading import open_split
    from ..evaluate.prompts import write_prompts

    count = write_prompts(open_split(source, split, streaming=True), output)
    click.echo(f"Wrote {count} prompts of split {split!r} to {output}")


@click.command("score")
@click.argument("dataset")
@click.argument("predictions", type=click.Path(dir_okay=False, path_type=Path))
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
@click.option("--top", type=click.IntRange(min=0), default=10, show_default=True, help="How many confusions to list.")
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
    from ..dataset.locate import locate

    if not predictions.is_file():  # a local check, before the dataset (maybe on the Hub) is read
        raise UserError(f"no such file: {predictions}")
    source = locate(dataset)  # first: a wrong DATASET is answered before anything heavy loads
    from ..dataset.loading import open_split
    from ..evaluate.score import catalog_for, format_report, priority_breeds_for, score, write_json_report

    report = score(
        open_split(source, split, streaming=True),
        predictions,
        priority_breeds=priority or priority_breeds_for(source),
        top_confusions=top,
        catalog=catalog_for(source, labels),
    )
    click.echo(format_report(report))
    if json_path is not None:
        write_json_report(report, json_path)
        click.echo(f"\nWrote the JSON report to {json_path}")
