"""What the build left out or merged, as the review page lists it: plain records from the report.

Duplicate groups, near-duplicate groups, conflicts and skipped files come from ``build.json``;
the breeds missing from val or test come from its counts, with the reason worked out from the
photos and pets the build has. Near-duplicate groups are read from whichever of
:data:`NEAR_DUPLICATE_KEYS` the report has, and their records may name members as plain
sources or as ``{"source", "distance"}`` records: builds that predate them have none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..build.explain import missing_eval, missing_reasons, why_text

#: Report keys that may hold near-duplicate groups (the first one present is read).
NEAR_DUPLICATE_KEYS = ("near_duplicates", "near_duplicate_groups")
#: Keys of a group record that may hold its members (the first one present is read).
MEMBER_KEYS = ("members", "sources", "photos", "files")
#: Keys of a group or member record that may hold a perceptual-hash distance.
DISTANCE_KEYS = ("distance", "max_distance", "hamming", "distances")


@dataclass(frozen=True)
class Member:
    """One file of a group: its source and what to say under its picture."""

    source: str
    caption: str


@dataclass(frozen=True)
class Group:
    """Files shown side by side: the breeds they carry, the files, and how alike they are."""

    breeds: tuple[str, ...]
    members: tuple[Member, ...]
    distance: str
    identical: bool = False  # every member holds the same bytes


@dataclass(frozen=True)
class Missing:
    """A breed with no photo in val and/or test, and why."""

    breed: str
    splits: tuple[str, ...]
    why: str


def folder_of(source: str) -> str:
    """The breed folder of a source path (its label)."""
    return source.split("/", 1)[0]


def duplicate_groups(report: dict[str, Any]) -> list[Group]:
    """Byte-identical files within one breed: the one kept, then the copies dropped."""
    return [
        Group(
            (group["breed"],),
            (Member(group["kept"], "kept"), *(Member(s, "dropped") for s in group["dropped"])),
            "0 (identical bytes)",
            identical=True,
        )
        for group in report.get("duplicates") or []
    ]


def conflict_groups(report: dict[str, Any]) -> list[Group]:
    """One picture under two or more labels: each file with the label its folder gives it."""
    groups = []
    for record in report.get("conflicts") or []:
        members, distances = _members(record)
        distance = _distance(record) or _span(distances)
        groups.append(
            Group(
                _breeds(record, members),
                tuple(Member(m.source, f"label: {folder_of(m.source)}") for m in members),
                distance if distance is not None else "0 (identical bytes)",
                identical=distance is None,
            )
        )
    return groups


def near_duplicate_groups(report: dict[str, Any]) -> list[Group] | None:
    """Near-duplicate groups (similar, not identical, pictures), or None when none are recorded."""
    key = next((k for k in NEAR_DUPLICATE_KEYS if k in report), None)
    if key is None:
        return None
    groups = []
    for record in report[key] or []:
        members, distances = _members(record)
        distance = _distance(record) or _span(distances)
        groups.append(
            Group(
                _breeds(record, members),
                tuple(members),
                distance if distance is not None else "not recorded",
            )
        )
    return groups


def _members(record: Any) -> tuple[list[Member], list[Any]]:
    """The members of a group record (a list of sources, or a record naming them), and the
    distances recorded for them."""
    if isinstance(record, list):
        items: list[Any] = record
    elif "kept" in record:
        items = [record["kept"], *(record.get("dropped") or [])]
    else:
        items = next((record[k] for k in MEMBER_KEYS if k in record), [])
    members, distances = [], []
    for item in items:
        if isinstance(item, dict):
            distance = next((item[k] for k in DISTANCE_KEYS if k in item), None)
            source = str(item.get("source") or item.get("path") or "")
            members.append(Member(source, f"distance {distance}" if distance is not None else source))
            distances += [distance] if distance is not None else []
        else:
            members.append(Member(str(item), str(item)))
    return members, distances


def _breeds(record: Any, members: list[Member]) -> tuple[str, ...]:
    """The breeds a group record names, else those of its members' folders."""
    named = record.get("breeds") or [record.get("breed")] if isinstance(record, dict) else []
    return tuple(b for b in named if b) or tuple(sorted({folder_of(m.source) for m in members}))


def _distance(record: Any) -> str | None:
    """A group record's own distance as text (a list of distances shows its range), or None."""
    if not isinstance(record, dict):
        return None
    value = next((record[k] for k in DISTANCE_KEYS if k in record), None)
    return _span(value) if isinstance(value, list) else None if value is None else str(value)


def _span(values: list[Any]) -> str | None:
    """``"3"`` or ``"0-6"``: the range of some distances, or None when there are none."""
    if not values:
        return None
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}-{high}"


def missing_breeds(report: dict[str, Any]) -> list[Missing]:
    """The breeds missing from val or test, each with the reason, as the card and ``stats`` say it."""
    missing = missing_eval(report)
    return [
        Missing(breed, tuple(missing[breed]), why_text(reason, photos))
        for breed, (reason, photos) in missing_reasons(report).items()
    ]
