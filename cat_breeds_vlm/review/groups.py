"""What the build left out or merged, as the review page lists it: plain records from the report.

Duplicate groups, near-duplicate groups, conflicts and skipped files come from the build report's
records (:mod:`cat_breeds_vlm.report.record`); the breeds missing from val or test and why come
from :mod:`cat_breeds_vlm.report.explain`. Builds made before the near-duplicate search have no
``near_duplicates`` record (None).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..report.explain import missing_eval, missing_reasons, why_text
from ..report.record import BuildReport


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


def duplicate_groups(report: BuildReport) -> list[Group]:
    """Byte-identical files within one breed: the one kept, then the copies dropped."""
    return [
        Group(
            (group.breed,),
            (Member(group.kept, "kept"), *(Member(s, "dropped") for s in group.dropped)),
            "0 (identical bytes)",
            identical=True,
        )
        for group in report.duplicates or []
    ]


def conflict_groups(report: BuildReport) -> list[Group]:
    """One picture under two or more labels: each file with the label its folder gives it.

    Identical bytes, unless the record carries the distance of a near-duplicate pair.
    """
    groups = []
    for record in report.conflicts or []:
        distance = record.distance
        groups.append(
            Group(
                tuple(record.breeds),
                tuple(Member(source, f"label: {folder_of(source)}") for source in record.sources),
                "0 (identical bytes)" if distance is None else str(distance),
                identical=distance is None,
            )
        )
    return groups


def near_duplicate_groups(report: BuildReport) -> list[Group] | None:
    """Near-duplicate groups (similar, not identical, pictures) with their largest distance,
    or None when the build recorded none (made before the search existed)."""
    if report.near_duplicates is None:
        return None
    return [
        Group(
            tuple(sorted({folder_of(source) for source in record.photos})),
            tuple(Member(source, source) for source in record.photos),
            str(record.max_distance),
        )
        for record in report.near_duplicates
    ]


def missing_breeds(report: BuildReport) -> list[Missing]:
    """The breeds missing from val or test, each with the reason, as the card and ``stats`` say it."""
    missing = missing_eval(report)
    return [
        Missing(breed, tuple(missing[breed]), why_text(reason, photos))
        for breed, (reason, photos) in missing_reasons(report).items()
    ]
