"""The ``export prompts``, ``predict`` and ``score`` commands: a thin click layer over evaluate/.

All three read the split as a stream: nothing is copied into the ``datasets`` cache, so they
start at once even on the full dataset or a Hub repo. Each checks DATASET first
(:func:`~cat_breeds_vlm.dataset.locate.locate`), before anything heavy is imported.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import UserError, friendly_errors
from ..evaluate.predict_settings import PredictSettings
from .options import declared_options, labels_option, split_option, with_options

if TYPE_CHECKING:  # predict imports datasets and openai: loaded when a command runs
    from ..evaluate.predict import PredictSummary

_SPLIT = split_option(default="test")


@click.command("prompts", short_help="Write the questions of a split, without answers.")
@click.argument("dataset")
@_SPLIT
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="JSONL file to write: one {id, question, image} a line, without the answer.",
)
@click.option(
    "--write-images", is_flag=True,
    help="Also write each row's photo beside the output, as images/{breed}/{file}; \"image\" "
    "is then that file's path relative to the output's folder.",
)  # fmt: skip
@friendly_errors
def prompts(dataset: str, split: str, output: Path, write_images: bool) -> None:
    """Write the questions of a split of DATASET (built folder or Hub repo id), for inference.

    Each line holds the row id, the question and "image": the photo's path relative to the
    image folder the dataset was built from (data/images/ of whoever built it), or with
    --write-images relative to the output file's folder, where the photos are then written.
    Add an "answer" to each line to make a predictions file (or let `predict` do it all).
    """
    from ..dataset.locate import locate

    source = locate(dataset)  # first: a wrong DATASET is answered before anything heavy loads
    from ..dataset.loading import open_split
    from ..evaluate.prompts import write_prompts, write_prompts_with_images
    from ..export.source import open_source

    if write_images:
        summary = write_prompts_with_images(open_source(source, split, streaming=True), output)
        images = f" and {summary.images} photos under {output.parent / 'images'}"
        count, extra = summary.rows, images
    else:
        count, extra = write_prompts(open_split(source, split, streaming=True), output), ""
    click.echo(f"Wrote {count} prompts of split {split!r} to {output}{extra}")


_PREDICT_OPTIONS = [
    click.argument("dataset"),
    _SPLIT,
    click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
                 help="JSONL of {id, answer} to append to (what `score` reads); an earlier "
                 "run's file is resumed."),
    *declared_options(PredictSettings),
    click.option("--limit", type=click.IntRange(min=1), metavar="N",
                 help="Ask the first N rows only."),
    click.option("--restart", is_flag=True,
                 help="Discard the answers already in -o (they are replaced when the first new "
                 "answer arrives) and ask every row again: for a changed prompt or dataset."),
    click.option("--dry-run", is_flag=True,
                 help="Print the first request (image data shortened) and send nothing."),
]  # fmt: skip


@click.command("predict", short_help="Ask a model (OpenAI-compatible endpoint) every question.")
@functools.partial(with_options, options=_PREDICT_OPTIONS)
@friendly_errors
def predict_command(
    dataset: str, split: str, output: Path, limit: int | None, restart: bool, dry_run: bool, **options: Any
) -> None:
    """Ask a model each question of a split of DATASET; append its answers to -o.

    Any OpenAI-compatible chat-completions endpoint: Fireworks, OpenAI, vLLM, TGI, Ollama,
    `transformers serve`. Each request is the row's first user message exactly as the
    Fireworks export writes it: the row's own image from the dataset as a data URI, then
    the question. Answers are appended as they arrive, so an interrupted run loses nothing:
    run the same command again to ask only the rows still missing. Rows that fail after the
    retries go to NAME.errors.jsonl; a rerun asks them again. The first row is sent alone: a
    server that refuses it (a wrong model name, most likely) ends the run there.
    """
    from ..dataset.locate import locate

    source = locate(dataset)  # first: a wrong DATASET is answered before anything heavy loads
    from ..evaluate.predict import predict

    settings = PredictSettings(**options)
    if dry_run:
        _dry_run(source, split, output, settings, limit, restart)
        return
    try:
        summary = predict(source, output, settings, split=split, limit=limit, restart=restart)
    except KeyboardInterrupt:
        click.echo(
            f"\nInterrupted: every answer received is in {output}; run the same command again to ask the rest.",
            err=True,
        )
        raise SystemExit(130) from None
    click.echo(_summary_line(summary))
    if summary.failed:
        raise UserError(
            f"{summary.failed} rows failed after the retries, the last with {summary.last_error} "
            f"(all in {summary.errors}); run the same command again to retry them"
        )


def _dry_run(
    source: Any, split: str, output: Path, settings: PredictSettings, limit: int | None, restart: bool
) -> None:
    """Print the first request as it would be sent (image data shortened), and how many."""
    from ..evaluate.predict import answered_among, endpoint_for, first_request, open_log, open_rows
    from ..evaluate.requests import shortened
    from ..export.source import row_count

    request = first_request(source, split, settings, limit)
    if request is None:
        click.echo(f"Split {split!r} has no rows: nothing would be sent.")
        return
    with open_log(source, split, output, settings, restart) as log:  # refused as the run would be
        earlier = log.earlier
    endpoint = endpoint_for(settings)
    click.echo(f"POST {endpoint.base_url}/chat/completions")
    click.echo(json.dumps(shortened(request), indent=2, ensure_ascii=False))
    key = "set" if endpoint.has_key else "not set: a placeholder key would be sent"
    rows = open_rows(source, split, limit)
    count, answered = row_count(rows), answered_among(rows, earlier)
    scope = f"{count:,} rows" if count is not None else "the rows"
    before = "discarded (--restart)" if restart else f"{answered:,} of them answered before"
    click.echo(
        f"Dry run: nothing was sent. {scope} of split {split!r}, {before} in {output}; "
        f"{settings.concurrency} at a time; API key from ${endpoint.api_key_env} ({key})."
    )


def _summary_line(summary: PredictSummary) -> str:
    """Answered, failed, skipped, tokens, wall time, in one line."""
    parts = [f"answered {summary.answered}", f"failed {summary.failed}", f"skipped {summary.skipped} (answered before)"]
    if summary.tokens_in is not None:
        parts.append(f"tokens in/out {summary.tokens_in:,}/{summary.tokens_out:,}")
    return f"{', '.join(parts).capitalize()}; {summary.seconds:.1f} s. Answers: {summary.output}"


@click.command("score", short_help="Score a model's answers against a split.")
@click.argument("dataset")
@click.argument("predictions", type=click.Path(path_type=Path))
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

    _check_score_arguments(dataset, predictions)  # local checks, before the dataset (maybe on the Hub) is read
    source = locate(dataset)  # first: a wrong DATASET is answered before anything heavy loads
    from ..dataset.loading import open_split
    from ..evaluate.score import (
        catalog_for,
        format_report,
        priority_breeds_for,
        score,
        write_json_report,
    )

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


def _check_score_arguments(dataset: str, predictions: Path) -> None:
    """One line when PREDICTIONS is no file: the two arguments swapped (DATASET a file), a
    folder, or nothing there."""
    if not predictions.is_file() and Path(dataset).is_file():
        raise UserError(
            f"the arguments are the wrong way round ({dataset} is a file, so it must be PREDICTIONS; DATASET comes"
            f" first): `cat-breeds-vlm score {predictions} {dataset}`"
        )
    if predictions.is_dir():
        raise UserError(f"{predictions} is a folder: PREDICTIONS is the JSONL file `predict` wrote")
    if not predictions.is_file():
        raise UserError(f"no such file: {predictions}")
