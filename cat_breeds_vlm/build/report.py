"""The build report (``build.json``): settings, counts per split and breed, what was left out.

Its schema is what the card, ``stats`` and ``push`` read; ``generator`` marks a folder as ours.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..features import SPLITS

if TYPE_CHECKING:  # only for the type: keeps ``read_report`` light to import
    from .stages import Prepared

#: The value of ``generator`` in every build report: how we know a folder is an earlier build.
GENERATOR = "cat_breeds_vlm"
REPORT_NAME = "build.json"


def make_report(
    prepared: Prepared,
    settings: dict,
    shards: dict[str, list[int]],
    command: str,
    labels: dict | None = None,
) -> dict:
    """The build report of one build; ``shards`` maps each written split to its shard sizes.

    ``splits`` lists only the splits that have rows (and so files); ``empty_splits`` the others.
    ``labels`` adds ``label_file`` (the label file the build carries) and ``uncatalogued``
    (labels in no catalogue, worded neutrally).
    """
    plan = prepared.plan
    written = plan.written_splits
    counts = {s: dict(sorted(Counter(r.breed for r in plan.rows[s]).items())) for s in SPLITS}
    photos = {s: dict(sorted(plan.photos[s].items())) for s in ("train", "val", "test")}
    return {
        "generator": GENERATOR,
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
        "duplicates": plan.duplicates,
        "conflicts": plan.conflicts,
        "capped": plan.capped,
    }


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
