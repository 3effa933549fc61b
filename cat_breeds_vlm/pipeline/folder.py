"""The built folder: a self-contained, Hub-ready dataset written atomically.

Layout (the Hub's own, read by ``load_dataset(folder)`` with none of our code installed)::

    OUT/README.md                  dataset card (YAML configs + dataset_info)
    OUT/build.json                 build report
    OUT/class_distribution.png     chart shown in the card
    OUT/labels.csv                 the label catalogue entries of the build's labels (``score`` reads it)
    OUT/domain.toml                the domain file: the subject's words and the parser's filler words
    OUT/split_manifest.parquet     every photo's split, and earlier versions' (see ``manifest``)
    OUT/data/{split}-00000-of-0000N.parquet

Everything is written into a hidden sibling folder, then renamed into place: an interrupted
build leaves the old dataset intact and no half-written one. Only an earlier build (a folder
with our ``build.json``) is ever replaced, and only with ``overwrite``.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from ..errors import UserError
from ..features import SPLITS, make_features, shard_name
from ..hints import closest_name
from ..labels.domain import DOMAIN_FILE, write_domain_file
from ..labels.labelfile import LABEL_FILE, write_label_file
from ..report.card import CHART_NAME, write_card
from ..report.chart import write_chart
from ..report.record import REPORT_NAME, BuildReport, UnmatchedLabel, make_report
from .keep import Earlier
from .manifest import MANIFEST_NAME, write_manifest
from .output import check_destination
from .settings import BuildSettings
from .shards import ShardSettings, ShardTask, deal_shards, write_all
from .stages import Prepared, prepare

PARTIAL_TAG = ".partial-"


def _remove_stale_partials(out: Path) -> None:
    """Remove staging folders left by interrupted builds: those whose process is gone."""
    for stale in out.parent.glob(f".{out.name}{PARTIAL_TAG}*"):
        pid = stale.name[len(f".{out.name}{PARTIAL_TAG}") :].split("-", 1)[0]
        if not (pid.isdigit() and _alive(int(pid))):
            shutil.rmtree(stale, ignore_errors=True)


def _alive(pid: int) -> bool:
    """True when a process with that id runs (another build into the same folder, say)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _make_staging(out: Path) -> Path:
    """A fresh hidden sibling of ``out`` to build in (stale ones of interrupted builds removed)."""
    _remove_stale_partials(out)
    staging = out.with_name(f".{out.name}{PARTIAL_TAG}{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        (staging / "data").mkdir(parents=True)
    except OSError as err:
        raise UserError(f"cannot write {out}: {err.strerror or err}") from None
    return staging


def _swap_into_place(staging: Path, out: Path) -> None:
    """Rename the finished folder into place; the old build goes only once the new one is there."""
    if out.exists():
        retired = out.with_name(f".{out.name}.old-{uuid.uuid4().hex[:8]}")
        os.rename(out, retired)
        try:
            os.rename(staging, out)
        except BaseException:  # never leave no dataset at all
            os.rename(retired, out)
            raise
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.rename(staging, out)


def dry_run(
    image_dir: Path,
    config: BuildSettings,
    *,
    num_proc: int = 1,
    progress: bool = True,
    command: str = "",
    earlier: Earlier | None = None,
) -> BuildReport:
    """Scan, verify and plan as a build would, and return its report: nothing is written.

    The splits' ``shards`` and ``bytes`` are 0. Useful to preview a split, and to time the
    pipeline without disk writes. ``earlier`` is as for :func:`build_folder`.
    """
    prepared = prepare(Path(image_dir), config, num_proc=num_proc, progress=progress, earlier=earlier)
    return make_report(prepared, config.recorded(), {s: [] for s in SPLITS}, command, _labels(config, prepared))


def _load_writer() -> None:
    """Load ``datasets`` (slow: mostly pandas), which writing needs and verifying does not: done
    while the workers verify, it costs the build half that, and nothing before the first photo."""
    import datasets  # noqa: F401


def _labels(config: BuildSettings, prepared: Prepared) -> dict:
    """What the report says of the labels: the label and domain files the build carries, the
    uncatalogued ones, and the rows of ``--labels`` that are no breed folder (with the folder
    meant, if close)."""
    folders = prepared.scanned.breeds
    unmatched = [
        UnmatchedLabel(name, closest_name(name, folders)) for name in config.file_labels if name not in folders
    ]
    return {
        "label_file": LABEL_FILE,
        "domain_file": DOMAIN_FILE,
        "uncatalogued": config.catalog.uncatalogued(prepared.breeds),
        "unmatched_labels": unmatched,
    }


def build_folder(
    image_dir: Path,
    out: Path,
    config: BuildSettings,
    *,
    num_proc: int = 1,
    overwrite: bool = False,
    progress: bool = True,
    command: str = "",
    earlier: Earlier | None = None,
) -> BuildReport:
    """Build the dataset folder ``out`` from ``image_dir``; returns the build report.

    ``earlier`` is an earlier build's split to keep, or to compare a fresh one with
    (:mod:`~cat_breeds_vlm.pipeline.keep`)."""
    out = Path(out).absolute()
    check_destination(out, overwrite, image_dir)
    staging = _make_staging(out)  # before the long scan: an unwritable output fails at once
    try:
        prepared = prepare(
            Path(image_dir), config, num_proc=num_proc, progress=progress, meanwhile=_load_writer, earlier=earlier
        )
        # The manifest written, and its 100,000s of entries freed, before the shard writers fork.
        manifest = write_manifest(staging / MANIFEST_NAME, prepared.plan.manifest)
        prepared.plan.manifest = []
        tasks: list[ShardTask] = []
        for split in prepared.plan.written_splits:
            runs = deal_shards(prepared.plan.rows[split])
            tasks += [
                ShardTask(split, staging / "data" / shard_name(split, i, len(runs)), rows)
                for i, rows in enumerate(runs)
            ]
        shared = ShardSettings(prepared.image_dir, config.style, prepared.breeds, config.catalog, config.loaded_domain)
        sizes = iter(write_all(tasks, shared, num_proc=num_proc, progress=progress))
        shards: dict[str, list[int]] = {s: [] for s in SPLITS}
        for task in tasks:
            shards[task.split].append(next(sizes))
        report = make_report(prepared, config.recorded(), shards, command, _labels(config, prepared), manifest)
        write_label_file(config.catalog.only(prepared.breeds).values(), staging / LABEL_FILE)
        write_domain_file(config.loaded_domain, staging / DOMAIN_FILE)
        (staging / REPORT_NAME).write_text(report.dumps(), encoding="utf-8")
        write_chart(staging / CHART_NAME, report)
        write_card(staging, report, make_features(prepared.breeds), config.loaded_domain)
        _swap_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return report
