"""Assemble the review page's content: sample grids, groups, skipped files, and their pictures.

:func:`collect` decides everything the page shows (a seeded sample of each breed and split,
the first ``max_listed`` entries of each long list), reads exactly the photos for those, and
thumbnails them; :mod:`.html` then only formats.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from ..build.chart import render_chart
from .gather import PHOTO_SPLITS, Build, fetch_rows, locate, sample_rows
from .groups import Group, Missing, conflict_groups, duplicate_groups, folder_of, missing_breeds, near_duplicate_groups
from .pictures import Pictures, Slot
from .thumbnails import Thumbnail, read_photo

T = TypeVar("T")


@dataclass(frozen=True)
class ReviewOptions:
    """What the page shows: how many photos per breed and split, with which seed, and more."""

    per_breed: int = 12
    seed: int | None = None  # None: the build's own seed
    images: Path | None = None  # the photo folder, for pictures of files not in the build
    max_listed: int = 50  # entries shown of each long list (groups, skipped files)


@dataclass(frozen=True)
class Listing(Generic[T]):
    """The first entries of a long list, and how long the whole list is."""

    shown: list[T]
    total: int


@dataclass(frozen=True)
class Skipped:
    """A skipped file: its source, the build's reason, and its picture slot."""

    source: str
    reason: str
    slot: Slot


@dataclass
class Page:
    """Everything the review page shows, ready to format."""

    name: str
    report: dict[str, Any]
    options: ReviewOptions
    samples: dict[str, dict[str, list[Slot]]]  # breed -> split -> slots
    missing: list[Missing]
    duplicates: Listing[tuple[Group, list[Slot]]]
    near_duplicates: Listing[tuple[Group, list[Slot]]] | None
    conflicts: Listing[tuple[Group, list[Slot]]]
    skipped: Listing[Skipped]
    chart: bytes | None
    thumbs: list[Thumbnail | str]
    details: list[dict]


def collect(build: Build, options: ReviewOptions, *, num_proc: int = 1, progress: bool = True) -> Page:
    """Choose what the page shows, read those photos (and only those) and thumbnail them."""
    report, cap = build.report, options.max_listed
    seed = options.seed if options.seed is not None else int((report.get("settings") or {}).get("seed", 42))
    sampled = {s: sample_rows(index, build.breeds, options.per_breed, seed) for s, index in build.splits.items()}
    lists = {
        "duplicates": duplicate_groups(report),
        "near": near_duplicate_groups(report),
        "conflicts": conflict_groups(report),
    }
    shown_groups = [g for groups in lists.values() for g in (groups or [])[:cap]]
    located = locate(build, (m.source for g in shown_groups for m in g.members))
    wanted: dict[str, set[int]] = {s: {r for rows in by_breed.values() for r in rows} for s, by_breed in sampled.items()}
    for split, row in located.values():
        wanted[split].add(row)
    rows = {s: fetch_rows(build.splits[s], wanted[s], progress=progress) for s in wanted}

    pictures = Pictures()
    samples: dict[str, dict[str, list[Slot]]] = {}
    for split, by_breed in sampled.items():
        for breed, chosen in by_breed.items():
            samples.setdefault(breed, {})[split] = [
                _row_slot(pictures, build, split, row, rows[split][row]) for row in chosen
            ]

    def group_slots(group: Group) -> list[Slot]:
        # Identical bytes: the copy in the build shows every file of the group.
        in_build = [m.source for m in group.members if m.source in located]
        shared = _build_photo(located[in_build[0]], rows) if group.identical and in_build else None
        slots = []
        for member in group.members:
            data, note = shared or _group_photo(member.source, located, rows, options.images)
            fields = [("source", member.source), ("label", folder_of(member.source))]
            slots.append(pictures.add(data, member.caption or member.source, fields, note=note))
        return slots

    def listing(groups: list[Group] | None) -> Listing[tuple[Group, list[Slot]]] | None:
        if groups is None:
            return None
        return Listing([(g, group_slots(g)) for g in groups[:cap]], len(groups))

    skipped_all = report.get("skipped") or []
    skipped = Listing([_skipped(pictures, item, options.images) for item in skipped_all[:cap]], len(skipped_all))
    duplicates, near, conflicts = listing(lists["duplicates"]), listing(lists["near"]), listing(lists["conflicts"])
    photo_sources = (src for s in PHOTO_SPLITS if s in build.splits for src in build.splits[s].sources)
    return Page(
        name=build.name,
        report=report,
        options=options,
        samples=dict(sorted(samples.items())),
        missing=missing_breeds(report, photo_sources),
        duplicates=duplicates,  # type: ignore[arg-type]
        near_duplicates=near,
        conflicts=conflicts,  # type: ignore[arg-type]
        skipped=skipped,
        chart=render_chart(report) if "photos" in report else None,
        thumbs=pictures.finish(num_proc=num_proc, progress=progress),
        details=pictures.details,
    )


def _row_slot(pictures: Pictures, build: Build, split: str, row: int, data: dict[str, Any]) -> Slot:
    """The slot of one row of the build: its picture, id, source and conversation."""
    index = build.splits[split]
    row_id, source = index.ids[row], index.sources[row]
    breed = build.breeds[int(index.labels[row])]
    fields = [("id", row_id), ("split", split), ("breed", breed), ("source", source)]
    turns = [(turn["from"], turn["value"]) for turn in data["conversations"] or []]
    image = data["image"] or {}
    caption = row_id.removeprefix(f"{breed}/")  # the grid is the breed's already
    return pictures.add(image.get("bytes"), caption, fields, conversation=turns, note="no image bytes in this row")


def _group_photo(
    source: str, located: dict[str, tuple[str, int]], rows: dict[str, dict[int, Any]], images: Path | None
) -> tuple[bytes | None, str]:
    """A group member's bytes: from the build when it is there, else from ``--images``."""
    return _build_photo(located[source], rows) if source in located else _file(source, images)


def _build_photo(where: tuple[str, int], rows: dict[str, dict[int, Any]]) -> tuple[bytes | None, str]:
    """The image bytes of a fetched row of the build, or (None, why not)."""
    split, row = where
    return (rows[split][row]["image"] or {}).get("bytes"), "no image bytes in this row"


def _file(source: str, images: Path | None) -> tuple[bytes | None, str]:
    """A file's bytes from the photo folder, or (None, why not)."""
    if images is None:
        return None, "not in the build: pass --images to see it"
    data = read_photo(images, source)
    return (None, data) if isinstance(data, str) else (data, "")


def _skipped(pictures: Pictures, item: dict[str, str], images: Path | None) -> Skipped:
    """A skipped file with its picture, when the photo folder is given and it decodes."""
    data, note = _file(item["source"], images)
    fields = [("source", item["source"]), ("label", folder_of(item["source"])), ("reason", item["reason"])]
    return Skipped(item["source"], item["reason"], pictures.add(data, item["source"], fields, note=note))
