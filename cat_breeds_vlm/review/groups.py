"""What the build left out or merged, as the review page lists it: plain records from the report.

Duplicate groups, near-duplicate groups, conflicts and skipped files come from ``build.json``;
the breeds missing from val or test come from its counts, with the reason worked out from the
photos and pets the build has. Near-duplicate groups are read from whichever of
:data:`NEAR_DUPLICATE_KEYS` the report has, and their records may name members as plain
sources or as ``{"source", "distance"}`` records: builds that predate them have none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..build.card import missing_eval
from ..build.plan import MIN_PHOTOS_TO_SPLIT, pet_id

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


def missing_breeds(report: dict[str, Any], sources: Iterable[str]) -> list[Missing]:
    """The breeds missing from val or test, each with the reason in numbers.

    ``sources`` are the build's photo sources (train, val and test): their pet ids tell how
    many separable units a breed had, since all photos of one pet stay in one split.
    """
    missing = missing_eval(report)
    photos: dict[str, set[str]] = {breed: set() for breed in missing}
    for source in sources:
        breed = folder_of(source)
        if breed in photos:
            photos[breed].add(source)
    settings = report.get("settings") or {}
    found = []
    for breed, splits in missing.items():
        found.append(Missing(breed, tuple(splits), _why(photos[breed], splits, settings)))
    return found


def _why(sources: set[str], splits: list[str], settings: dict[str, Any]) -> str:
    """Why a breed has no photo in ``splits``, from its photos and their pets."""
    if all(settings.get(f"{s}_ratio") == 0 for s in splits):
        return "the build asked for no such split (ratio 0)"
    n = len(sources)
    units = len({pet_id(s) or s for s in sources})
    if n < MIN_PHOTOS_TO_SPLIT:
        return (
            f"only {n} distinct photo{'s' if n != 1 else ''}: a breed needs {MIN_PHOTOS_TO_SPLIT}"
            " to have one in each of train, val and test"
        )
    if units < MIN_PHOTOS_TO_SPLIT:
        return (
            f"{n} photos but of only {units} pet{'s' if units != 1 else ''}: all photos of one pet"
            " stay in one split"
        )
    return f"{n} photos of {units} pets: too few to fill every split at these ratios"
