"""Rows per split and per breed of a built dataset, from a local folder or a Hub repo id.

The numbers come from the build report (``build.json``) when there is one: locally, or
downloaded from the Hub repo. Without it, they are counted from the ``breed`` column of each
split, which works on any dataset with the data contract's features.
"""

from __future__ import annotations

import textwrap
from collections import Counter

from ..report.explain import MISSING_MARK, PRIORITY_MARK, missing_eval, missing_reasons
from ..report.explain import split_names as report_split_names
from ..report.leftout import near_dup_lines
from ..report.record import REPORT_NAME, BuildReport, SplitInfo
from .loading import open_split, split_names
from .locate import Located, locate

NOT_RECORDED = "not recorded"


def load_report(dataset: str | Located) -> BuildReport:
    """The build report of ``dataset`` (folder or Hub repo id), or one counted from its rows."""
    source = locate(dataset)
    return source.report if source.report is not None else count_report(source)


def count_report(dataset: str | Located) -> BuildReport:
    """A report with ``breeds``, ``splits`` (rows) and ``counts``, counted from the data (``counted``).

    Splits are streamed and only ``breed`` is read: no image is downloaded or decoded.
    """
    dataset = locate(dataset)
    breeds: list[str] = []
    splits: dict[str, SplitInfo] = {}
    counts: dict[str, dict[str, int]] = {}
    for split in split_names(dataset):
        rows = open_split(dataset, split, streaming=True).select_columns(["breed"])
        breeds = rows.features["breed"].names
        tally = Counter(row["breed"] for row in rows)
        splits[split] = SplitInfo(rows=sum(tally.values()))
        counts[split] = {breeds[label]: n for label, n in sorted(tally.items())}
    return BuildReport(breeds, splits, counts, settings={}, counted=True)


def format_stats(report: BuildReport) -> str:
    """The split table and the per-breed table of a report, as aligned plain text."""
    splits = report_split_names(report)
    notes = _notes(report)
    near = near_dup_lines(report)
    return "\n\n".join(
        [_split_table(report, splits), _breed_table(report, splits)] + notes + (["\n".join(near)] if near else [])
    )


def _split_table(report: BuildReport, splits: list[str]) -> str:
    """Rows (and distinct photos, when the report has them) per split."""
    columns = ["rows", "photos"] if all(report.splits[s].photos is not None for s in splits) else ["rows"]
    rows = [[s] + [f"{getattr(report.splits[s], c):,}" for c in columns] for s in splits]
    return _align(["split", *columns], rows)


def _breed_table(report: BuildReport, splits: list[str]) -> str:
    """Distinct train photos (when recorded) and rows per breed and split, marked, with totals.

    Headers say rows or photos: train rows count each oversampled copy.
    """
    priority = set(report.priority_breeds)
    missing = missing_eval(report)
    counts = report.counts
    photos = report.photos.get("train") if report.photos is not None else None
    rows = []
    for breed in [*report.breeds, "total"]:
        name = breed + (f" {PRIORITY_MARK}" if breed in priority else "")
        name += f" {MISSING_MARK}" if breed in missing else ""
        cells = [
            sum(counts.get(s, {}).values()) if breed == "total" else counts.get(s, {}).get(breed, 0) for s in splits
        ]
        if photos is not None:
            cells.insert(0, sum(photos.values()) if breed == "total" else photos.get(breed, 0))
        rows.append([name] + [f"{n:,}" for n in cells])
    header = ["breed"] + (["train photos"] if photos is not None else []) + [f"{s} rows" for s in splits]
    return _align(header, rows)


def _notes(report: BuildReport) -> list[str]:
    """What the marks mean, and where the numbers came from (as one block, or nothing)."""
    notes = []
    if report.priority_breeds:
        notes.append(f"{PRIORITY_MARK} priority breed (each train photo repeated in train rows, gathered in priority)")
    elif report.settings is None and not report.counted:
        notes.append(f"priority breeds: {NOT_RECORDED} in {REPORT_NAME}")
    groups: dict[str, list[str]] = {}
    for breed, (reason, photos) in missing_reasons(report).items():
        groups.setdefault(reason, []).append(breed + (f" ({photos})" if photos is not None else ""))
    if groups:
        notes.append(f"{MISSING_MARK} no photo in val and/or test, so no score there; distinct photos in brackets:")
        notes += [
            textwrap.fill(f"{reason}: {', '.join(breeds)}", 100, initial_indent="    ", subsequent_indent="      ")
            for reason, breeds in groups.items()
        ]
    if report.photos is None and not report.counted:
        notes.append(f"distinct photos per breed: {NOT_RECORDED} in this older {REPORT_NAME}")
    if report.counted:
        notes.append(f"(counted from the rows: no {REPORT_NAME} found)")
    return ["\n".join(notes)] if notes else []


def _align(header: list[str], rows: list[list[str]]) -> str:
    """A plain-text table: first column left-aligned, the others right-aligned."""
    table = [header] + rows
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))) for row in table
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)
