"""The ``build`` and ``demo`` commands: a thin click layer over :mod:`cat_breeds_vlm.pipeline`."""

from __future__ import annotations

import dataclasses
import re
import shlex
import shutil
from pathlib import Path

import click

from ..errors import OptionError, SettingsError, friendly_errors
from ..labels.conversations import STYLES
from ..pipeline.output import DEFAULT_OUT
from ..pipeline.settings import BuildSettings, GateSettings, NearDupSettings, PlanSettings
from ..report.licence import DEFAULT_LICENSE, license_problem
from .options import labels_option, with_options

DEMO_PHOTOS = 3000
#: Every build setting's default, from its one home.
DEFAULTS = PlanSettings()
#: The demo's source note: its photos are made up, and its card says so.
DEMO_SOURCE = "Synthetic pictures made by `cat-breeds-vlm demo`, not photos of real cats."
#: A share of photos: from 0 (none) up to, not including, 1.
_RATIO = click.FloatRange(0, 1, max_open=True)
GATE = GateSettings()
NEAR = NearDupSettings()


def _num_proc_default() -> int:
    from ..workers import default_num_proc

    return default_num_proc()


def build_options(func):
    """The options shared by ``build`` and ``demo``: one per config field, plus workers."""
    options = [
        click.option(
            "--seed",
            type=click.IntRange(0, 2**32 - 1),
            default=DEFAULTS.seed,
            show_default=True,
            help="Seed of the split, the cap and the shuffle.",
        ),
        click.option(
            "--val-ratio",
            type=_RATIO,
            default=DEFAULTS.val_ratio,
            show_default=True,
            help="Share of each breed's photos in val.",
        ),
        click.option(
            "--test-ratio",
            type=_RATIO,
            default=DEFAULTS.test_ratio,
            show_default=True,
            help="Share of each breed's photos in test.",
        ),
        click.option(
            "--max-per-class",
            type=click.IntRange(min=1),
            default=DEFAULTS.max_per_class,
            help="Keep at most N photos per breed (sampled with the seed).",
        ),
        click.option(
            "--priority",
            "priority_breeds",
            multiple=True,
            metavar="BREED",
            help="A priority breed (repeat for several). Default: " + ", ".join(DEFAULTS.priority_breeds) + ".",
        ),
        click.option(
            "--priority-oversample",
            type=click.IntRange(min=1),
            default=DEFAULTS.priority_oversample,
            show_default=True,
            help="Copies of each priority-breed train photo.",
        ),
        click.option(
            "--style", type=click.Choice(STYLES), default=STYLES[0], show_default=True, help="Conversation style."
        ),
        labels_option("Label file (CSV, the built-in catalogue's format) adding labels or replacing built-in ones."),
        click.option(
            "--license",
            default=DEFAULT_LICENSE,
            show_default=True,
            callback=_check_license,
            help="The dataset card's licence: an identifier the Hugging Face Hub accepts (cc-by-4.0, mit, ...).",
        ),
        click.option("--source", default="", help="The dataset card's note on where the photos come from."),
        click.option(
            "--num-proc", type=click.IntRange(min=1), default=None, help="Worker processes (default: one per core)."
        ),
    ]
    return with_options(func, options + photo_options())


def photo_options() -> list:
    """The options that decide which files become photos: the quality gate, the near-duplicate search."""
    return [
        click.option(
            "--strict-jpeg/--no-strict-jpeg",
            default=GATE.strict_jpeg,
            show_default=True,
            help="Skip JPEGs whose data libjpeg reports as corrupt (the picture is broken below the damage).",
        ),
        click.option(
            "--min-side",
            type=click.IntRange(min=0),
            default=GATE.min_side,
            show_default=True,
            help="Skip images whose shorter side is below this many pixels (0: no minimum).",
        ),
        click.option(
            "--max-aspect",
            type=click.FloatRange(min=0),
            default=GATE.max_aspect,
            show_default=True,
            help="Skip images longer than this many times their width or height, e.g. banners (0: no limit).",
        ),
        click.option(
            "--min-spread",
            type=click.FloatRange(0, 256, max_open=True),
            default=GATE.min_spread,
            show_default=True,
            help="Skip near-blank images: largest colour-channel standard deviation (0-255) below this (0: keep them).",
        ),
        click.option(
            "--near-dups/--no-near-dups",
            default=NEAR.near_dups,
            show_default=True,
            help="Find near-duplicate photos (re-encoded, resized, re-saved, trimmed) and keep each"
            " picture's copies in one split; copies under two labels are left out.",
        ),
        click.option(
            "--near-dup-threshold",
            type=click.FloatRange(0, 50),
            default=NEAR.near_dup_threshold,
            show_default=True,
            help="Largest thumbnail difference (RMS, percent of brightness) of two copies of one picture.",
        ),
    ]


def _check_license(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if problem := license_problem(value):
        raise click.BadParameter(problem, ctx, param)
    return value


def _settings(
    seed,
    val_ratio,
    test_ratio,
    max_per_class,
    priority_breeds,
    priority_oversample,
    style,
    labels,
    license,
    source,
    **gate,
):
    """The build settings of the options; a bad combination named by its options (exit 2)."""
    from ..report.explain import setting_option

    try:
        return BuildSettings(
            seed=seed,
            val_ratio=val_ratio,
            test_ratio=test_ratio,
            max_per_class=max_per_class,
            priority_breeds=tuple(priority_breeds) or DEFAULTS.priority_breeds,
            priority_oversample=priority_oversample,
            style=style,
            labels=labels,
            license=license,
            source=source,
            **gate,
        )
    except SettingsError as err:  # worded with the Python names: say the options typed instead
        names = "|".join(field.name for field in dataclasses.fields(BuildSettings))
        message = re.sub(rf"\b({names})\b", lambda m: setting_option(m.group()), str(err))
        raise OptionError(message) from None


def _command_line(image_dir: Path, out: Path, config) -> str:
    """The exact build command, every setting spelled out, for the card and the report."""
    words = [
        "cat-breeds-vlm",
        "build",
        str(image_dir),
        "-o",
        str(out),
        "--seed",
        str(config.seed),
        "--val-ratio",
        str(config.val_ratio),
        "--test-ratio",
        str(config.test_ratio),
    ]
    if config.max_per_class is not None:
        words += ["--max-per-class", str(config.max_per_class)]
    for breed in config.priority_breeds:
        words += ["--priority", breed]
    words += ["--priority-oversample", str(config.priority_oversample), "--style", config.style]
    words += ["--labels", str(config.labels)] if config.labels else []
    words += ["--license", config.license] + (["--source", config.source] if config.source else [])
    words += [
        "--strict-jpeg" if config.strict_jpeg else "--no-strict-jpeg",
        "--min-side",
        str(config.min_side),
        "--max-aspect",
        f"{config.max_aspect:g}",
        "--min-spread",
        f"{config.min_spread:g}",
        "--near-dups" if config.near_dups else "--no-near-dups",
        "--near-dup-threshold",
        f"{config.near_dup_threshold:g}",
    ]
    return shlex.join(words)


def _check_priority(image_dir: Path, breeds: list[str], config, explicit: bool) -> None:
    """An explicitly named priority breed must be one of ``breeds`` (the folders of ``image_dir``):
    catch typos before the build."""
    if not explicit:
        return
    import difflib

    for name in config.priority_breeds:
        if name not in breeds:
            close = difflib.get_close_matches(name, breeds, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise OptionError(f"--priority {name!r} is not a breed folder of {image_dir}{hint}")


def run_build(
    image_dir: Path, out: Path, overwrite: bool, num_proc: int | None, dry_run: bool = False, **settings
) -> dict:
    """Validate, build the folder (or only plan it), print the summary; for ``build`` and ``demo``.

    The cheap checks come first (options, destination, image folder), before the build's
    heavy modules load: a mistake is answered at once.
    """
    from ..pipeline.output import check_destination
    from ..pipeline.scan import find_breeds
    from ..pipeline.settings import ratio_problem

    problem = ratio_problem(settings["val_ratio"], settings["test_ratio"], ("--val-ratio", "--test-ratio"))
    if problem:
        raise OptionError(problem)
    breeds = find_breeds(image_dir)
    check_destination(Path(out).absolute(), overwrite, image_dir)  # a dry run previews the same
    num_proc = num_proc or _num_proc_default()
    if num_proc > 1:
        from ..workers import start_server

        start_server()  # the worker server loads its modules while this process loads its own
    from ..pipeline import folder

    config = _settings(**settings)
    _check_priority(image_dir, breeds, config, explicit=bool(settings["priority_breeds"]))
    options = {"num_proc": num_proc, "command": _command_line(image_dir, out, config)}
    if dry_run:
        report = folder.dry_run(image_dir, config, **options)
        click.echo(format_summary(report, out, written=False))
    else:
        report = folder.build_folder(image_dir, out, config, overwrite=overwrite, **options)
        click.echo(format_summary(report, out))
    return report


def _counts_line(report: dict) -> list[str]:
    """The summary's counts, each worded for its number (``1 duplicate group``, ``2 ...``)."""
    from ..report.explain import count, num

    parts = [
        count(len(report["breeds"]), "breed", "breeds"),
        f"{num(len(report['too_small']))} missing from val and/or test (too few photos or pets)",
        count(len(report["skipped"]), "file skipped", "files skipped"),
        count(len(report["duplicates"]), "duplicate group", "duplicate groups"),
        count(len(report["conflicts"]), "conflicting duplicate", "conflicting duplicates") + " left out",
    ]
    if report.get("near_duplicates"):
        groups = len(report["near_duplicates"])
        parts.append(count(groups, "near-duplicate group", "near-duplicate groups") + " kept together")
    return parts


def format_summary(report: dict, out: Path, written: bool = True) -> str:
    """A short split table with what was left out, for the end of a build (or a dry run)."""
    from ..report.explain import count

    head = f"Built {out}" if written else f"Dry run: nothing written (a build would write {out})"
    lines = [head, f"{'split':<10}{'rows':>8}{'photos':>8}{'shards':>8}"]
    for split, info in report["splits"].items():
        lines.append(f"{split:<10}{info['rows']:>8}{info['photos']:>8}{info['shards']:>8}")
    for split in report.get("empty_splits", []):
        lines.append(f"{split:<10}{0:>8}  (no rows: not written, so load_dataset has no {split!r} split)")
    lines.append("; ".join(_counts_line(report)))
    by_reason = report.get("skipped_by_reason") or {}
    if by_reason:
        lines.append("Skipped files by reason (the list is in build.json):")
        lines += [f"  {count:>7}  {kind}" for kind, count in by_reason.items()]
    if report.get("uncatalogued"):
        lines.append(
            "In no label catalogue (answers name them, state no fact; describe them with --labels): "
            + ", ".join(report["uncatalogued"])
        )
    empty = report.get("empty_folders") or []
    if empty:
        listed = "; ".join(f"{e['folder']} ({e['reason']})" for e in empty[:5]) + ("; ..." if len(empty) > 5 else "")
        lines.append(f"{count(len(empty), 'breed folder', 'breed folders')} with no photo left, not labels: {listed}")
    if written:  # the page beside the build, as the demo suggests it
        look = f"cat-breeds-vlm review {shlex.quote(str(out))} -o {shlex.quote(str(out.parent / 'review.html'))}"
        lines.append(f"Look at the photos, groups and skipped files (an HTML page): {look}")
    return "\n".join(lines)


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
@build_options
@friendly_errors
def build(image_dir: Path, out: Path, overwrite: bool, dry_run: bool, num_proc: int | None, **settings) -> None:
    """Build a Hub-ready dataset folder from IMAGE_DIR/{breed}/*.jpg."""
    run_build(image_dir, out, overwrite, num_proc, dry_run, **settings)


@click.command(short_help="Make a synthetic 67-breed photo tree and build it.")
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
    """Make a synthetic 67-breed image tree with the real imbalance, build it, show the splits."""
    from ..demo import make_tree, scaled_counts
    from ..pipeline.output import check_demo_folder

    check_demo_folder(out)
    images, dataset = out / "images", out / DEFAULT_OUT
    if not images.exists():
        click.echo(f"Making about {photos} synthetic photos in {images} ...")
        partial = out / ".images.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        make_tree(partial, scaled_counts(photos), seed=0, workers=num_proc or _num_proc_default(), progress=True)
        partial.rename(images)
    run_build(images, dataset, True, num_proc, **{**settings, "source": settings["source"] or DEMO_SOURCE})
    click.echo(
        "\nNext, try:\n"
        f"  cat-breeds-vlm stats {dataset}\n"
        f"  cat-breeds-vlm review {dataset} -o {out}/review.html   (open it in a browser)\n"
        f"  python -c \"from datasets import load_dataset; print(load_dataset('{dataset}'))\"\n"
        f"  cat-breeds-vlm export fireworks {dataset} --split train -o {out}/fireworks\n"
        f"  cat-breeds-vlm export llava {dataset} --split train -o {out}/llava\n"
        f"  cat-breeds-vlm push {dataset} YOUR_NAME/cat-breeds-vlm   (private by default)"
    )
