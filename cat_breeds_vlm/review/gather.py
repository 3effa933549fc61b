"""Read a built dataset for the review: its report, a seeded sample of rows, chosen rows' data.

Only the cheap columns (``id``, ``source``, ``breed``) are read for every row (a few MB for the
full 126,607-photo set). Images and conversations are read only from the Parquet row groups
that hold a row the page shows, and nothing is decoded here.
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from ..dataset.locate import Located
from ..dataset.locate import (
    locate as locate_dataset,  # this module's locate finds photos
)
from ..dataset.stats import count_report
from ..errors import UserError
from ..export.source import ParquetSplit, RowGroup
from ..features import PHOTO_SPLITS
from ..pipeline.plan import breed_rng
from ..report.record import REPORT_NAME, BuildReport, read_report

#: The columns read for every row: enough to sample and to find a photo by its source.
INDEX_COLUMNS = ("id", "source", "breed")
#: The columns read for a row the page shows.
SHOWN_COLUMNS = ("image", "conversations")
#: The files of a Hub repo the review reads (not the chart, nor anything else pushed there).
HUB_PATTERNS = ("README.md", REPORT_NAME, "data/*")


@dataclass
class SplitIndex:
    """One split: where its row groups are, and the cheap columns of every row."""

    name: str
    groups: list[RowGroup]
    ids: list[str]
    sources: list[str]
    labels: np.ndarray  # the ``breed`` ClassLabel index of each row


@dataclass
class Build:
    """A built dataset opened for review: its folder, report and split indexes."""

    name: str
    folder: Path
    report: BuildReport
    splits: dict[str, SplitIndex]

    @property
    def breeds(self) -> list[str]:
        """The ClassLabel names, in label order."""
        return list(self.report.breeds)


def open_build(dataset: str | Located, *, token: str | None = None) -> Build:
    """Open a local built folder, or download a Hub repo's files, and index every split."""
    source = locate_dataset(dataset, token)  # a wrong DATASET: one line, before anything is downloaded
    folder = local_folder(source, token)
    report = read_report(folder)
    if report is None:  # not built by us, or an old copy: count what the rows say
        report = count_report(str(folder))
    splits = {s: index_split(folder, s) for s in report.splits}
    return Build(folder.resolve().name if source.local else source.name, folder, report, splits)


def local_folder(dataset: str | Located, token: str | None = None) -> Path:
    """The folder to read: DATASET itself, or the Hub repo's files in the Hugging Face cache."""
    source = locate_dataset(dataset, token)
    if source.local:
        return Path(source.path)
    import huggingface_hub

    from ..dataset.hub import hub_errors

    with hub_errors(f"cannot download {source.name}", token):  # no access, a network failure: one line
        path = huggingface_hub.snapshot_download(
            source.path, repo_type="dataset", allow_patterns=list(HUB_PATTERNS), token=token
        )
    return Path(path)


def index_split(folder: Path, split: str) -> SplitIndex:
    """The row groups of one split and its cheap columns, read from the Parquet shards."""
    parquet = ParquetSplit.open(folder, split)
    missing = [c for c in (*INDEX_COLUMNS, *SHOWN_COLUMNS) if c not in parquet.column_names]
    if missing:
        raise UserError(f"split {split!r} of {folder} has no {missing[0]!r} column")
    table = pa.concat_tables(pq.read_table(f, columns=list(INDEX_COLUMNS)) for f in parquet.files)
    return SplitIndex(
        split,
        parquet.row_groups(),
        table.column("id").to_pylist(),
        table.column("source").to_pylist(),
        table.column("breed").to_numpy(),
    )


def sample_rows(index: SplitIndex, breeds: list[str], per_breed: int, seed: int) -> dict[str, list[int]]:
    """Up to ``per_breed`` rows of each breed of a split, seeded per breed and split, by id.

    Each breed draws from its own generator (the build's ``breed_rng``), so another breed's
    rows never change which of this breed's rows are shown.
    """
    order = np.argsort(index.labels, kind="stable")
    labels = index.labels[order]
    bounds = np.flatnonzero(np.diff(labels)) + 1
    sample: dict[str, list[int]] = {}
    for rows in np.split(order, bounds) if len(order) else []:
        breed = breeds[int(index.labels[rows[0]])]
        rng = breed_rng(seed, breed, f"review {index.name}")
        picked = rows[rng.choice(len(rows), size=min(per_breed, len(rows)), replace=False)]
        sample[breed] = sorted(picked.tolist(), key=lambda row: index.ids[row])
    return dict(sorted(sample.items()))


def locate(build: Build, sources: Iterable[str]) -> dict[str, tuple[str, int]]:
    """Where each of ``sources`` is in the build: (split, row), for those that are in it."""
    wanted = set(sources)
    found: dict[str, tuple[str, int]] = {}
    for split in PHOTO_SPLITS:
        index = build.splits.get(split)
        for row, source in enumerate(index.sources if index else []):
            if source in wanted and source not in found:
                found[source] = (split, row)
    return found


def fetch_rows(index: SplitIndex, rows: Iterable[int], *, progress: bool = True) -> dict[int, dict[str, Any]]:
    """The image and conversations of each of ``rows`` (row numbers in the split).

    Reads only the row groups holding those rows, one at a time, each file opened once.
    """
    firsts = [group.first for group in index.groups]
    by_group: dict[int, list[int]] = defaultdict(list)
    for row in sorted(set(rows)):
        by_group[bisect.bisect_right(firsts, row) - 1].append(row)
    found: dict[int, dict[str, Any]] = {}
    bar = tqdm(total=len(by_group), desc=f"Read {index.name}", unit="group", disable=None if progress else True)
    with bar:
        for file, items in itertools.groupby(sorted(by_group.items()), key=lambda kv: index.groups[kv[0]].file):
            with pq.ParquetFile(file, pre_buffer=False) as parquet:
                for number, chosen in items:
                    group = index.groups[number]
                    table = parquet.read_row_group(group.index, columns=list(SHOWN_COLUMNS))
                    taken = table.take([row - group.first for row in chosen]).to_pylist()
                    found.update(zip(chosen, taken))
                    bar.update(1)
    return found
