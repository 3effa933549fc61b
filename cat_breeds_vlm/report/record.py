"""The build report (``build.json``): settings, counts per split and breed, what was left out.

Its schema is what the card, ``stats`` and ``push`` read; ``generator`` marks a folder as ours
and ``format`` says which keys it has: a report written before a key existed is still read
(:func:`check_report`), and readers show what it lacks as not recorded.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..errors import UserError
from ..features import PHOTO_SPLITS, SPLITS

if TYPE_CHECKING:  # only for the type: keeps ``read_report`` light to import
    from ..pipeline.stages import Prepared

#: The value of ``generator`` in every build report: how we know a folder is an earlier build.
GENERATOR = "cat_breeds_vlm"
REPORT_NAME = "build.json"
#: The report's layout version. Reports without ``format`` were written before it existed:
#: only :data:`CORE_KEYS` are sure to be there. Format 2 builds carry their domain file
#: (``domain_file``): a reader that knows no domains would read their answers with cat words.
FORMAT_VERSION = 2
#: Keys every report has had, with their JSON type: without one a report cannot be read.
CORE_KEYS: dict[str, type] = {"breeds": list, "splits": dict, "counts": dict}
#: Keys a report of the current format has; an older report may lack them (not recorded).
RECORDED_KEYS: dict[str, type] = {
    "settings": dict,
    "photos": dict,
    "too_small": list,
    "skipped": list,
    "duplicates": list,
    "conflicts": list,
    "empty_splits": list,
    "capped": dict,
    "empty_folders": list,
}
#: Keys a report has from format 2 on (an older one was built with the cat domain).
DOMAIN_KEYS: dict[str, type] = {"domain_file": str}
_JSON_NAMES = {
    dict: "an object",
    list: "a list",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "true/false",
}


def make_report(
    prepared: Prepared,
    settings: dict,
    shards: dict[str, list[int]],
    command: str,
    labels: dict | None = None,
) -> dict:
    """The build report of one build; ``shards`` maps each written split to its shard sizes.

    ``splits`` lists only the splits that have rows (and so files); ``empty_splits`` the others.
    ``labels`` adds ``label_file`` and ``domain_file`` (the label and domain files the build
    carries) and ``uncatalogued`` (labels in no catalogue, worded neutrally).
    """
    plan = prepared.plan
    written = plan.written_splits
    counts = {s: dict(sorted(Counter(r.breed for r in plan.rows[s]).items())) for s in SPLITS}
    photos = {s: dict(sorted(plan.photos[s].items())) for s in PHOTO_SPLITS}
    return {
        "generator": GENERATOR,
        "format": FORMAT_VERSION,
        "package_version": __version__,
        "command": command,
        # The folder's name, not its path: a pushed build shows no local path, and the same
        # photos built from another place give the same report.
        "image_dir": prepared.image_dir.name,
        "created_from_files": len(prepared.scanned.candidates),
        "ignored_files": len(prepared.scanned.ignored),
        "settings": settings,
        "breeds": prepared.breeds,
        **(labels or {}),
        "splits": {
            s: {
                "rows": len(plan.rows[s]),
                "photos": len({r.source for r in plan.rows[s]}),
                "shards": len(shards[s]),
                "bytes": sum(shards[s]),
            }
            for s in written
        },
        # A split with no rows is not written: load_dataset refuses a split with no data.
        "empty_splits": [s for s in SPLITS if s not in written],
        "counts": counts,
        "photos": photos,
        "too_small": plan.too_small,
        "skipped": prepared.skipped,
        "skipped_by_reason": count_reasons(prepared.skipped),
        "duplicates": plan.duplicates,
        "conflicts": plan.conflicts,
        # groups of near-duplicate photos (one picture's copies), each kept in one split
        "near_duplicates": plan.near_duplicates,
        "capped": plan.capped,
        # Breed folders with no photo left (none to begin with, or every file skipped): not labels.
        "empty_folders": prepared.empty_folders,
    }


def reason_kind(reason: str) -> str:
    """The kind of a skip reason: its text before the first colon ("too small: 1x1 px" -> "too small")."""
    return reason.split(":", 1)[0].strip() or "unknown"


def count_reasons(skipped: list[dict]) -> dict[str, int]:
    """Skipped files counted by reason kind, most common first (ties by name)."""
    counts = Counter(reason_kind(item["reason"]) for item in skipped)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def dump_report(report: dict) -> str:
    """The report as stable, readable JSON text."""
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def read_report(folder: Path) -> dict | None:
    """The build report of a folder, or None when it has no readable report of ours."""
    try:
        report = json.loads((Path(folder) / REPORT_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return report if isinstance(report, dict) and report.get("generator") == GENERATOR else None


def check_report(report: dict, where: str | Path) -> dict:
    """``report`` (read from ``where``) when readers can use it; else one line naming the key.

    Core keys must be there in any format; the current format's other keys must be there in a
    report of the current format, and may be missing from an older one (shown as not recorded).
    """
    version = report.get("format", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        raise UserError(f"{where}: key 'format' should be a number, got {version!r}")
    if version > FORMAT_VERSION:
        raise UserError(
            f"{where} has format {version}, newer than this cat_breeds_vlm reads"
            f" ({FORMAT_VERSION}): upgrade the package (pip install -U cat_breeds_vlm)"
        )
    required = {**CORE_KEYS, **(RECORDED_KEYS if version >= 1 else {}), **(DOMAIN_KEYS if version >= 2 else {})}
    for key, kind in {**CORE_KEYS, **RECORDED_KEYS, **DOMAIN_KEYS}.items():
        if key not in report:
            if key in required:
                raise UserError(f"{where}: key {key!r} is missing")
            continue
        _check_type(report[key], kind, key, where)
    for split, info in report["splits"].items():
        _check_type(info, dict, f"splits.{split}", where)
        if "rows" not in info:
            raise UserError(f"{where}: key 'splits.{split}.rows' is missing")
        _check_type(info["rows"], int, f"splits.{split}.rows", where)
    return report


def _check_type(value: object, kind: type, key: str, where: str | Path) -> None:
    if not isinstance(value, kind) or isinstance(value, bool):
        found = _JSON_NAMES.get(type(value), "null")
        raise UserError(f"{where}: key {key!r} should be {_JSON_NAMES[kind]}, not {found}")
