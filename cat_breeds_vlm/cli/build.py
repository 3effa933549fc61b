"""The ``build`` and ``demo`` commands: a thin click layer over :mod:`cat_breeds_vlm.pipeline`."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import OptionError, SettingsError, UserError, friendly_errors
from ..pipeline.output import DEFAULT_OUT
from ..pipeline.settings import BuildSettings, GateSettings, NearDupSettings, PlanSettings, TextSettings
from .options import declared_options, with_options

if TYPE_CHECKING:
    from ..report.record import BuildReport

DEMO_PHOTOS = 3000
#: The demo's source note: its photos are made up, and its card says so.
DEMO_SOURCE = "Synthetic pictures made by `cat-breeds-vlm demo`, not photos of real {plural}."


def _num_proc_default() -> int:
    from ..workers import default_num_proc

    return default_num_proc()


def build_options(func):
    """The options shared by ``build`` and ``demo``: one per build setting, plus workers."""
    workers = click.option(
        "--num-proc", type=click.IntRange(min=1), default=None, help="Worker processes (default: one per core)."
    )
    options = [
        *declared_options(PlanSettings),
        *declared_options(TextSettings),
        workers,
        *declared_options(GateSettings),
        *declared_options(NearDupSettings),
    ]
    return with_options(func, options)


def _settings(**values) -> BuildSettings:
    """The build settings of the options; a bad value or combination named by its options (exit 2)."""
    try:
        return BuildSettings(**values)
    except SettingsError as err:
        raise OptionError(err.on_command_line()) from None


def _command_line(
    image_dir: Path, out: Path, config: BuildSettings, keep_split_of: str | None = None, fresh_split: bool = False
) -> str:
    """The exact build command, every setting spelled out, and the options that chose the split
    (``--keep-split-of``, ``--fresh-split``), for the card and the report."""
    words = ["cat-breeds-vlm", "build", str(image_dir), "-o", str(out), *config.command_words()]
    if keep_split_of:
        words += ["--keep-split-of", keep_split_of]
    if fresh_split:
        words.append("--fresh-split")
    return shlex.join(words)


def run_build(
    image_dir: Path,
    out: Path,
    overwrite: bool,
    num_proc: int | None,
    dry_run: bool = False,
    keep_split_of: str | None = None,
    fresh_split: bool = False,
    **settings,
) -> BuildReport:
    """Validate, build the folder (or only plan it), print the summary; for ``build`` and ``demo``.

    The cheap checks come first (the settings, then the destination and the image folder, as the
    build starts), before the build's heavy modules load: a mistake is answered at once. The
    split of the earlier build in ``out`` (or of ``keep_split_of``) is kept unless ``fresh_split``.
    """
    config = _settings(**settings)
    num_proc = num_proc or _num_proc_default()
    options = {"num_proc": num_proc, "command": _command_line(image_dir, out, config, keep_split_of, fresh_split)}
    try:
        from ..pipeline.output import check_destination

        # What a build would refuse, before the earlier build in ``out`` is read (only its manifest).
        check_destination(Path(out).absolute(), overwrite, image_dir)
        if num_proc > 1:
            from ..workers import start_server

            start_server()  # the worker server loads its modules while this process loads its own
        from ..dataset.earlier import earlier_for_build
        from ..pipeline import folder

        options["earlier"] = earlier_for_build(out, keep_split_of, fresh_split)
        if dry_run:
            report = folder.dry_run(image_dir, config, **options)
            click.echo(format_summary(report, out, written=False))
        else:
            report = folder.build_folder(image_dir, out, config, overwrite=overwrite, **options)
            click.echo(format_summary(report, out))
    except SettingsError as err:  # a setting that does not fit the image folder (a priority breed)
        raise OptionError(err.on_command_line()) from None
    return report


def _counts_line(report: BuildReport) -> list[str]:
    """The summary's counts, each worded for its number (``1 duplicate group``, ``2 ...``)."""
    from ..report.explain import count, num

    parts = [
        count(len(report.breeds), "breed", "breeds"),
        f"{num(len(report.too_small or []))} missing from val and/or test (too few photos or pets)",
        count(len(report.skipped or []), "file skipped", "files skipped"),
        count(len(report.duplicates or []), "duplicate group", "duplicate groups"),
        count(len(report.conflicts or []), "conflicting duplicate", "conflicting duplicates") + " left out",
    ]
    if report.near_duplicates:
        groups = len(report.near_duplicates)
        parts.append(count(groups, "near-duplicate group", "near-duplicate groups") + " kept together")
    return parts


def format_summary(report: BuildReport, out: Path, written: bool = True) -> str:
    """A short split table with what was left out, for the end of a build (or a dry run)."""
    from ..report.explain import count
    from ..report.split import summary_lines

    head = f"Built {out}" if written else f"Dry run: nothing written (a build would write {out})"
    lines = [head, f"{'split':<10}{'rows':>8}{'photos':>8}{'shards':>8}"]
    for split, info in report.splits.items():
        lines.append(f"{split:<10}{info.rows:>8}{info.photos:>8}{info.shards:>8}")
    for split in report.empty_splits or []:
        lines.append(f"{split:<10}{0:>8}  (no rows: not written, so load_dataset has no {split!r} split)")
    lines.append("; ".join(_counts_line(report)))
    lines += summary_lines(report)
    by_reason = report.skipped_by_reason
    if by_reason:
        lines.append("Skipped files by reason (the list is in build.json):")
        lines += [f"  {count:>7}  {kind}" for kind, count in by_reason.items()]
    lines += _left_out_lines(report)
    empty = report.empty_folders or []
    if empty:
        listed = "; ".join(f"{e.folder} ({e.reason})" for e in empty[:5]) + ("; ..." if len(empty) > 5 else "")
        lines.append(f"{count(len(empty), 'breed folder', 'breed folders')} with no photo left, not labels: {listed}")
    if written:  # the page beside the build, as the demo suggests it
        look = f"cat-breeds-vlm review {shlex.quote(str(out))} -o {shlex.quote(str(out.parent / 'review.html'))}"
        lines.append(f"Look at the photos, groups and skipped files (an HTML page): {look}")
    return "\n".join(lines)


def _left_out_lines(report: BuildReport) -> list[str]:
    """The summary's lines on what the build did not use: uncatalogued labels, label-file rows
    that are no breed folder, photos in no breed folder, priority breeds not in the data."""
    from ..report.explain import count
    from ..report.leftout import absent_priority_text, listed, unmatched_text

    settings = report.settings or {}
    lines = []
    if report.uncatalogued:
        label_file = settings.get("labels")
        where = f"add rows for them to {label_file}" if label_file else "describe them with --labels"
        lines.append(
            f"In no label catalogue (answers name them, state no fact; {where}): " + ", ".join(report.uncatalogued)
        )
    if report.unmatched_labels:
        rows = count(len(report.unmatched_labels), "label-file row", "label-file rows")
        lines.append(f"{rows} matching no breed folder, not used: {unmatched_text(report.unmatched_labels)}")
    if report.top_level_files:
        files = count(len(report.top_level_files), "image file", "image files")
        lines.append(
            f"{files} directly in {report.image_dir}, in no breed folder, left out: {listed(report.top_level_files)}"
        )
    absent = absent_priority_text(report)
    if absent:
        lines.append(absent)
    return lines


def _show_made_up_score(dataset: Path, predictions: Path) -> None:
    """Write a made-up model's answers on the test split, score them and print the headline
    figures (priority breeds, overall): what ``score`` shows of a real model's answers."""
    from ..dataset.loading import open_split
    from ..demo import MADE_UP_NOTE, write_made_up_predictions
    from ..evaluate.score import catalog_for, domain_for, format_report, priority_breeds_for, score

    write_made_up_predictions(dataset, predictions, "test")
    test, where = open_split(str(dataset), "test", streaming=True), str(dataset)
    report = score(
        test,
        predictions,
        priority_breeds=priority_breeds_for(where),
        catalog=catalog_for(where),
        domain=domain_for(where),
    )
    headline = format_report(report).split("\nPer breed:", 1)[0].rstrip()
    click.echo(
        f"\nScore of MADE-UP predictions on the test split ({predictions}, {MADE_UP_NOTE}),"
        f" as `score` shows a real model's:\n{headline}"
    )


@click.command(short_help="Build a dataset folder from IMAGE_DIR/{breed}/*.jpg.")
@click.argument("image_dir", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(path_type=Path),
    default=DEFAULT_OUT,
    show_default=True,
    help="The dataset folder to write.",
)
@click.option("--overwrite", is_flag=True, help="Replace an earlier build in OUTPUT (never any other folder).")
@click.option("--dry-run", is_flag=True, help="Scan, verify and plan, print the split table, write nothing.")
@click.option(
    "--keep-split-of",
    metavar="DATASET",
    default=None,
    help="Keep the split of this earlier build (a folder, or a Hub repo id[@revision]); read: its"
    " split manifest only. Default: the earlier build in OUTPUT, which --overwrite replaces.",
)
@click.option(
    "--fresh-split",
    is_flag=True,
    help="Deal every photo afresh, ignoring the earlier build's split (says how many photos cross).",
)
@build_options
@friendly_errors
def build(
    image_dir: Path,
    out: Path,
    overwrite: bool,
    dry_run: bool,
    keep_split_of: str | None,
    fresh_split: bool,
    num_proc: int | None,
    **settings,
) -> None:
    """Build a Hub-ready dataset folder from IMAGE_DIR/{breed}/*.jpg.

    Over an earlier build (--overwrite), every earlier photo keeps its split; new photos are
    dealt around them. --fresh-split deals every photo afresh.
    """
    run_build(image_dir, out, overwrite, num_proc, dry_run, keep_split_of, fresh_split, **settings)


@click.command(short_help="Make a synthetic photo tree and build it.")
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(path_type=Path),
    default="demo",
    show_default=True,
    help="Folder for the synthetic images (OUTPUT/images) and the dataset (OUTPUT/cat_breeds_vlm).",
)
@click.option(
    "--photos",
    type=click.IntRange(min=1),
    default=DEMO_PHOTOS,
    show_default=True,
    help="About how many photos to make.",
)
@build_options
@friendly_errors
def demo(out: Path, photos: int, num_proc: int | None, **settings) -> None:
    """Make a synthetic image tree, build it, show the splits and the score of a made-up model
    (written as OUTPUT/made_up_predictions.jsonl).

    The tree has the 67 cat breeds with the real imbalance, or with --domain the labels of that
    domain's catalogue (--domain dogs: the 25 dog breeds of Oxford-IIIT Pet, evenly).
    """
    from ..demo import demo_counts, make_tree
    from ..labels.domain import DEFAULT_DOMAIN

    domain = _settings(**settings).loaded_domain  # a bad setting or domain file: exit 2, nothing made
    counts = demo_counts(photos, domain)
    from ..pipeline.output import DEMO_PREDICTIONS, check_demo_folder

    check_demo_folder(out)
    images, dataset = out / "images", out / DEFAULT_OUT
    if images.is_dir() and {p.name for p in images.iterdir() if p.is_dir()} != set(counts):
        raise UserError(f"{images} holds an earlier demo's tree of other labels: choose another --output")
    if not images.exists():
        click.echo(f"Making about {photos} synthetic photos in {images} ...")
        partial = out / ".images.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        make_tree(partial, counts, seed=0, workers=num_proc or _num_proc_default(), progress=True)
        partial.rename(images)
    settings = {**settings, "source": settings["source"] or DEMO_SOURCE.format(plural=domain.plural)}
    report = run_build(images, dataset, True, num_proc, fresh_split=True, **settings)  # a fresh tree: a fresh split
    repo = "cat-breeds-vlm" if domain.name == DEFAULT_DOMAIN else f"{domain.name}-vlm"
    predictions = out / DEMO_PREDICTIONS
    if "test" in report.splits:  # not with --test-ratio 0
        _show_made_up_score(dataset, predictions)
    click.echo(
        "\nNext, try:\n"
        f"  cat-breeds-vlm score {dataset} {predictions}   (the whole report)\n"
        f"  cat-breeds-vlm stats {dataset}\n"
        f"  cat-breeds-vlm review {dataset} -o {out}/review.html   (open it in a browser)\n"
        f"  python -c \"from datasets import load_dataset; print(load_dataset('{dataset}'))\"\n"
        f"  cat-breeds-vlm export fireworks {dataset} --split train -o {out}/fireworks\n"
        f"  cat-breeds-vlm export llava {dataset} --split train -o {out}/llava\n"
        f"  cat-breeds-vlm push {dataset} YOUR_NAME/{repo}   (private by default)"
    )
