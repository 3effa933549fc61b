"""The ``export`` command group (fireworks, llava, trl) and ``validate``: a thin click layer.

Output naming, the same for every format: ``-o`` ending in the format's suffix (``.jsonl``;
``.json`` or ``.jsonl`` for LLaVA, a ``.jsonl`` one written as JSON Lines) is the file to
write, for one split; any other ``-o`` is a folder that gets one ``{split}.jsonl`` (or
``.json``) per split. The output is always the name typed: ``-o`` ending in another record
file's suffix (``train.json`` for a JSON Lines format), or naming an existing folder as a
file, is refused in one line. ``validate`` given a name that ``--max-file-mb`` split into
numbered pieces validates the pieces.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import OptionError, UserError, friendly_errors
from ..export.validator import KINDS
from .options import split_option, with_options

if TYPE_CHECKING:  # the exporters import datasets: loaded when a command runs, not for --help
    from ..export.source import AnyDataset
    from ..export.stream import ExportSummary

#: Suffixes that name a file of records, never a folder: ``-o`` ending in one the format does
#: not write is a mistake (a folder ``train.json/`` would be made), refused in one line.
_FILE_SUFFIXES = (".json", ".jsonl", ".csv", ".txt", ".parquet", ".arrow")

_OUTPUT_HELP = (
    "The file to write when it ends in the format's suffix (.jsonl; .json or .jsonl for LLaVA) "
    "and one split is exported; anything else is a folder that gets {split}.jsonl (.json) for "
    "each split."
)


def _source_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """DATASET, --split, -o and the options every export takes."""
    options = [
        click.argument("dataset"),
        split_option(default="train", multiple=True),
        click.option("-o", "--output", "out", type=click.Path(path_type=Path), required=True,
                     help=_OUTPUT_HELP),
        click.option("--streaming/--no-streaming", default=True, show_default=True,
                     help="Read the split as a stream (a local folder's Parquet shards directly): "
                     "nothing is copied into the datasets cache."),
        click.option("--max-side", type=click.IntRange(min=1), metavar="PX",
                     help="Shrink photos whose longer side is over PX pixels (aspect kept)."),
        click.option("--num-proc", type=click.IntRange(min=1),
                     help="Worker processes decoding and resizing images with --max-side "
                     "[default: one per CPU with --max-side, else 1]."),
    ]  # fmt: skip
    return with_options(func, options)


def _image_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Where LLaVA and TRL images go: --image-folder, or --link-source to write none."""
    options = [
        click.option("--image-folder", type=click.Path(file_okay=False, path_type=Path),
                     help="Folder the image paths are relative to; photos are written in its "
                     "images/{breed}/ (default: the output file's folder)."),
        click.option("--link-source", type=click.Path(exists=True, file_okay=False, path_type=Path),
                     metavar="DIR", help="Write no images: point at the original files, relative "
                     "to DIR (the image folder the dataset was built from)."),
    ]  # fmt: skip
    return with_options(func, options)


@click.group("export", short_help="Write DATASET for Fireworks, LLaVA or TRL (or its prompts).")
def export() -> None:
    """Write a built dataset (folder or Hub repo id) in a training service's format.

    -o ending in the format's suffix names the file, for one split (-o out/train.jsonl); any
    other -o is a folder that gets one file per split (-o out -s train -s val: out/train.jsonl,
    out/val.jsonl).
    Files are written under temporary names and renamed into place at the end.
    """


@export.command("fireworks")
@_source_options
@click.option("--system", help="A system prompt to put first in every example.")
@click.option("--max-file-mb", type=click.FloatRange(min=0, min_open=True), metavar="MB",
              help="Rotate into NAME-00000.jsonl, NAME-00001.jsonl, ... each under MB "
              "(the API upload takes 150). Default: one file.")  # fmt: skip
@friendly_errors
def fireworks_command(system: str | None, max_file_mb: float | None, **source: Any) -> None:
    """Fireworks AI fine-tuning JSONL: messages with the image as a base64 data URI.

    Without --max-side the photos are copied as they are, fastest in one process (--num-proc
    is then not used).
    """

    def run(dataset: AnyDataset, path: Path, **common: Any) -> ExportSummary:
        from ..export.fireworks import (
            export_fireworks,  # here: DATASET is checked before this loads
        )

        return export_fireworks(dataset, path, system=system, max_file_mb=max_file_mb, **common)

    summaries = _export_splits(run, (".jsonl",), ".jsonl", **source)
    from ..export.fireworks import file_problems

    for summary in summaries:
        for file, rows in zip(summary.files, summary.file_rows, strict=True):
            for _, message in file_problems(rows, file.stat().st_size):
                click.echo(f"warning: {file}: {message}", err=True)


@export.command("llava")
@_source_options
@_image_options
@click.option("--jsonl", is_flag=True, help="One record a line instead of one JSON array "
              "(LLaVA-NeXT, Qwen-VL; LLaVA's own train.py needs the array). Implied by an "
              "-o file ending in .jsonl.")  # fmt: skip
@friendly_errors
def llava_command(image_folder: Path | None, link_source: Path | None, jsonl: bool, **source: Any) -> None:
    """LLaVA JSON: one array of {id, image, conversations}, with the images beside it."""

    def run(dataset: AnyDataset, path: Path, **common: Any) -> ExportSummary:
        from ..export.llava import (
            export_llava,  # here: DATASET is checked before this loads
        )

        return export_llava(
            dataset, path, image_folder=image_folder, link_source=link_source,
            jsonl=json_lines(path, jsonl), **common,
        )  # fmt: skip

    _export_splits(run, (".json", ".jsonl"), ".jsonl" if jsonl else ".json", **source)


@export.command("trl")
@_source_options
@_image_options
@click.option("--system", help="A system prompt to put first in every prompt.")
@friendly_errors
def trl_command(image_folder: Path | None, link_source: Path | None, system: str | None, **source: Any) -> None:
    """TRL JSONL: prompt/completion with typed content and an images column of paths.

    One record per answer: its prompt is the conversation up to it, so with --style detailed
    builds both the breed answer and the description are trained.
    """

    def run(dataset: AnyDataset, path: Path, **common: Any) -> ExportSummary:
        from ..export.trl import (
            export_trl,  # here: DATASET is checked before this loads
        )

        return export_trl(
            dataset,
            path,
            image_folder=image_folder,
            link_source=link_source,
            system=system,
            **common,
        )

    _export_splits(run, (".jsonl",), ".jsonl", **source)


def _export_splits(
    run: Callable[..., ExportSummary],
    file_suffixes: tuple[str, ...],
    suffix: str,
    *,
    dataset: str,
    splits: tuple[str, ...],
    out: Path,
    streaming: bool,
    max_side: int | None,
    num_proc: int | None,
) -> list[ExportSummary]:
    """Export each split to its path, echoing a summary line each; returns the summaries."""
    from ..dataset.locate import locate

    source = locate(dataset)  # first: a wrong DATASET is answered before anything heavy loads
    from ..dataset.loading import resolve_splits
    from ..export.source import open_source
    from ..workers import default_num_proc

    if num_proc is None:  # resizing is CPU-bound: use every core; anything else: one process
        num_proc = default_num_proc() if max_side is not None else 1
    summaries = []
    for split, path in output_paths(out, resolve_splits(splits, source), file_suffixes, suffix):
        data = open_source(source, split, streaming=streaming)
        summary = run(data, path, max_side=max_side, num_proc=num_proc, progress=True)
        images = f", {summary.images} image files written" if summary.images else ""
        files = ", ".join(str(f) for f in summary.files)
        rows = f"{summary.rows} rows"
        if summary.source_rows != summary.rows:  # TRL: one record per answer
            rows = f"{summary.rows} records from {summary.source_rows} rows (one per answer)"
        click.echo(f"{split}: {rows}, {summary.bytes / 1e6:.1f} MB -> {files}{images}")
        summaries.append(summary)
    return summaries


def output_paths(out: Path, splits: list[str], file_suffixes: tuple[str, ...], suffix: str) -> list[tuple[str, Path]]:
    """``(split, path)`` pairs: ``out`` when it names a file, else ``out/{split}{suffix}``.

    A name that reads as a file of another kind (``train.json`` for a JSON Lines format), or an
    existing folder named as a file, is refused in one line: the output is always the name typed.
    """
    kind = out.suffix.lower()
    if kind in file_suffixes and out.is_dir():
        raise OptionError(f"-o {out} is an existing folder, not a file: remove it, or choose another file name")
    if kind in _FILE_SUFFIXES and kind not in file_suffixes:
        accepted = " or ".join(file_suffixes)
        raise OptionError(
            f"-o {out}: this format writes {accepted} files: name it {out.with_suffix(file_suffixes[0])}"
            f", or give a folder (it gets {{split}}{suffix})"
        )
    if kind in file_suffixes:
        if len(splits) > 1:
            raise OptionError(
                f"-o {out} names one file but {len(splits)} splits were asked "
                f"({', '.join(splits)}): give a folder instead"
            )
        return [(splits[0], out)]
    return [(split, out / f"{split}{suffix}") for split in splits]


def json_lines(path: Path, jsonl: bool) -> bool:
    """Whether a LLaVA file is JSON Lines: asked for, or named ``.jsonl`` (never an array there)."""
    return jsonl or path.suffix.lower() == ".jsonl"


@click.command("validate", short_help="Check exported files against their format's rules.")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--image-folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder LLaVA/TRL image paths are relative to (default: each file's folder).",
)
@click.option("--jsonl", is_flag=True, help="Read a LLaVA file as JSON Lines, not one array "
              "(implied by a file ending in .jsonl).")  # fmt: skip
@click.option("--show", type=click.IntRange(min=0), default=20, show_default=True, help="Problems to print per file.")
@friendly_errors
def validate(kind: str, paths: tuple[Path, ...], image_folder: Path | None, jsonl: bool, show: int) -> None:
    """Check exported files (KIND: fireworks, llava or trl) against the format's rules.

    Prints a summary per file and its first problems with their line numbers; exits with
    status 1 when any file has an error (warnings, like a file over Fireworks' 150 MB upload
    limit, do not fail). A name that --max-file-mb split into NAME-00000.jsonl, ... stands
    for its pieces.
    """
    from ..export.validator import validate as validate_file

    failed = False
    for path in _files_to_validate(kind, paths):
        report = validate_file(
            kind, path, image_folder=image_folder, jsonl=json_lines(path, jsonl), keep=show, progress=True
        )
        click.echo(report.render())
        failed = failed or not report.ok
    if failed:
        raise click.exceptions.Exit(1)


def _files_to_validate(kind: str, paths: tuple[Path, ...]) -> list[Path]:
    """Each path as typed, or the numbered pieces an export wrote for it; a folder is refused
    in one line that names the export files in it."""
    from ..export.validator import export_files

    files = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in (".json", ".jsonl"))
            named = " ".join(map(str, inside))
            hint = f": validate its files: `cat-breeds-vlm validate {kind} {named}`" if inside else ""
            raise UserError(f"{path} is a folder, not an exported file{hint}")
        pieces = export_files(path)
        files += pieces or [path]  # no file and no pieces: validate() says so
    return files
