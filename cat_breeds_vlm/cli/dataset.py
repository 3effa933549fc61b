"""The ``stats`` and ``push`` commands: a thin click layer over :mod:`cat_breeds_vlm.dataset`."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import friendly_errors


@click.command("stats", short_help="Rows and photos per split and breed of DATASET.")
@click.argument("dataset")
@friendly_errors
def stats_command(dataset: str) -> None:
    """Print rows per split and per breed of DATASET (a built folder or a Hub repo id).

    A private Hub repo is read with HF_TOKEN or the saved login.
    """
    from ..dataset.locate import locate

    source = locate(dataset)  # first: a wrong DATASET is answered before anything heavy loads
    from ..dataset.stats import format_stats, load_report

    click.echo(format_stats(load_report(source)))


@click.command("push", short_help="Upload a built folder to a Hub dataset repo (private).")
@click.argument("dataset_dir", type=click.Path(file_okay=False, path_type=Path))
@click.argument("repo_id")
@click.option("--public", is_flag=True, help="Create the repo public (default: private).")
@click.option("--token", default=None, help="Hub token (default: HF_TOKEN, else the saved login).")
@click.option("--revision", default=None, metavar="BRANCH", help="Push to this branch (created when missing).")
@click.option("--message", "-m", default=None, help="Commit message.")
@click.option("--create-pr", is_flag=True, help="Open a pull request instead of committing to the branch.")
@friendly_errors
def push_command(
    dataset_dir: Path,
    repo_id: str,
    public: bool,
    token: str | None,
    revision: str | None,
    message: str | None,
    create_pr: bool,
) -> None:
    """Upload the built folder DATASET_DIR to the Hub dataset repo REPO_ID, in one commit."""
    from ..dataset.hub import push

    result = push(
        dataset_dir,
        repo_id,
        private=not public,
        token=token,
        revision=revision,
        message=message,
        create_pr=create_pr,
    )
    visibility = "private" if result.private else "public"
    click.echo(f"Pushed {len(result.uploaded)} files to {result.repo_url} ({visibility}) in one commit")
    click.echo(f"Commit: {result.commit_url}")
    if result.pr_url:
        click.echo(f"Opened pull request {result.pr_url}")
    if result.deleted:
        click.echo(f"Removed stale files of an earlier push: {', '.join(result.deleted)}")
    if result.left_out:
        click.echo(f"Not uploaded (not part of the build): {', '.join(result.left_out)}")
    click.echo("Load it with:")
    click.echo("    from datasets import load_dataset")
    click.echo(f"    ds = {result.load_line()}")
