"""Rows per split and per breed of a built dataset, from a local folder or a Hub repo id.

The numbers come from the build report (``build.json``) when there is one: locally, or
downloaded from the Hub repo. Without it, they are counted from the ``breed`` column of each
split, which works on any dataset with the data contract's features.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..build.card import missing_eval
from ..build.card import split_names as report_split_names
from ..build.report import REPORT_NAME
from .loading import dataset_report, open_split, split_names

PRIORITY_MARK = "*"
MISSING_MARK = "†"


def load_report(dataset: str) -> dict[str, Any]:
    """The build report of ``dataset`` (folder or Hub repo id), or one counted from its rows."""
    report = dataset_report(dataset)
    return report if report is not None else count_report(dataset)


def count_report(dataset: str) -> dict[str, Any]:
    """A report with ``breeds``, ``splits`` (rows) and ``counts``, counted from the data.

    Splits are streamed and only ``breed`` is read: no image is downloaded or decoded.
    """
    breeds: list[str] = []
    splits: dict[str, dict[str, int]] = {}
    counts: dict[str, dict[str, int]] = {}
    for split in split_names(dataset):
        rows = open_split(dataset, split, streaming=True).select_columns(["breed"])
        breeds = rows.features["breed"].names
        tally = Counter(row["breed"] for row in rows)
        splits[split] = {"rows": sum(tally.values())}
        counts[split] = {breeds[label]: n for label, n in sorted(tally.items())}
    return {"breeds": breeds, "splits": splits, "counts": counts, "settings": {}, "counted": True}


def format_stats(report: dict[str, Any]) -> str:
    """The split table and the per-breed table of a report, as aligned plain text."""
    splits = report_split_names(report)
    notes = _notes(report)
    return "\n\n".join([_split_table(report, splits), _breed_table(report, splits)] + notes)


def _split_table(report: dict[str, Any], splits: list[str]) -> str:
    """Rows (and distinct photos, when the report has them) per split."""
    columns = ["rows", "photos"] if all("photos" in report["splits"][s] for s in splits) else ["rows"]
    rows = [[s] + [f"{report['splits'][s][c]:,}" for c in columns] for s in splits]
    return _align(["split", *columns], rows)


def _breed_table(report: dict[str, Any], splits: list[str]) -> str:
    """Rows per breed and split, breeds marked, with a total line."""
    priority = set(report.get("settings", {}).get("priority_breeds") or [])
    missing = missing_eval(report)
    counts = report["counts"]
    rows = []
    for breed in report["breeds"]:
        name = breed + (f" {PRIORITY_MARK}" if breed in priority else "")
        name += f" {MISSING_MARK}" if breed in missing else ""
        rows.append([name] + [f"{counts.get(s, {}).get(breed, 0):,}" for s in splits])
    rows.append(["total"] + [f"{sum(counts.get(s, {}).values()):,}" for s in splits])
    return _align(["breed", *splits], rows)


def _notes(report: dict[str, Any]) -> list[str]:
    """What the marks mean, and where the numbers came from (as one block, or nothing)."""
    notes = []
    if report.get("settings", {}).get("priority_breeds"):
        notes.append(f"{PRIORITY_MARK} priority breed (oversampled in train, gathered in priority)")
    if missing_eval(report):
        notes.append(f"{MISSING_MARK} no photo in val and/or test (too few distinct photos to split)")
    if report.get("counted"):
        notes.append(f"(counted from the rows: no {REPORT_NAME} found)")
    return ["\n".join(notes)] if notes else []


def _align(header: list[str], rows: list[list[str]]) -> str:
    """A plain-text table: first column left-aligned, the others right-aligned."""
    table = [header] + rows
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
        for row in table
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)
