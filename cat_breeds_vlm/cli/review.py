"""The ``review`` command: a thin click layer over :func:`cat_breeds_vlm.review.write_review`."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import friendly_errors


@click.command("review", short_help="Write a self-contained HTML page to look at DATASET.")
@click.argument("dataset")
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default="review.html",
    show_default=True,
    help="The HTML file to write.",
)
@click.option(
    "--per-breed",
    type=click.IntRange(min=1),
    default=12,
    show_default=True,
    help="Sample thumbnails per breed and split (a seeded sample).",
)
@click.option(
    "--images",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="The photo folder the build read: pictures of conflicts and skipped files.",
)
@click.option("--seed", type=int, default=None, help="Seed of the sample (default: the build's seed).")
@click.option(
    "--max-listed",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="Entries shown of each long list (groups, skipped files); the rest are counted.",
)
@click.option(
    "--num-proc", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes making thumbnails."
)
@click.option("--token", default=None, help="Hub token for a private repo (default: HF_TOKEN, else the saved login).")
@friendly_errors
def review_command(
    dataset: str,
    out: Path,
    per_breed: int,
    images: Path | None,
    seed: int | None,
    max_listed: int,
    num_proc: int,
    token: str | None,
) -> None:
    """Write a self-contained HTML page to look at DATASET (a built folder or a Hub repo id).

    It opens from disk with no server and no network: the split table, the class chart,
    sample thumbnails of every breed and split with their conversations, the breeds missing
    from val or test, duplicate groups, conflicts and skipped files, and a filter by breed.
    """
    from ..dataset.locate import locate

    source = locate(dataset, token)  # first: a wrong DATASET is answered before anything heavy loads
    from ..review import ReviewOptions, write_review

    options = ReviewOptions(per_breed=per_breed, seed=seed, images=images, max_listed=max_listed)
    result = write_review(source, out, options, token=token, num_proc=num_proc)
    click.echo(
        f"Wrote {result.path} ({result.bytes / 1e6:.1f} MB, {result.thumbnails:,} thumbnails):"
        " open it in a browser, no server needed."
    )
