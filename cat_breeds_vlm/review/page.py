"""Assemble the review page's content: sample grids, groups, skipped files, and their pictures.

:func:`collect` decides everything the page shows (a seeded sample of each breed and split,
the first ``max_listed`` entries of each long list), reads exactly the photos for those, and
thumbnails them; :mod:`.html` then only formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from ..errors import UserError
from ..report.chart import render_chart
from ..report.record import BuildReport, SkippedFile
from .gather import Build, fetch_rows, locate, sample_rows
from .groups import (
    Group,
    Missing,
    conflict_groups,
    duplicate_groups,
    folder_of,
    missing_breeds,
    near_duplicate_groups,
)
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

    def __post_init__(self) -> None:
        for name in ("per_breed", "max_listed"):
            if getattr(self, name) < 1:
                raise UserError(f"{name} must be at least 1, not {getattr(self, name)}")


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
    report: BuildReport
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
    seed = options.seed if options.seed is not None else int((report.settings or {}).get("seed", 42))
    sampled = {s: sample_rows(index, build.breeds, options.per_breed, seed) for s, index in build.splits.items()}
    duplicates, near, conflicts = duplicate_groups(report), near_duplicate_groups(report), conflict_groups(report)
    shown = [g for groups in (duplicates, near or [], conflicts) for g in groups[:cap]]
    located = locate(build, (m.source for g in shown for m in g.members))
    wanted = {s: {r for rows in by_breed.values() for r in rows} for s, by_breed in sampled.items()}
    for split, row in located.values():
        wanted[split].add(row)
    rows = {s: fetch_rows(build.splits[s], wanted[s], progress=progress) for s in wanted}
    slots = _Slots(build, located, rows, options.images)
    samples: dict[str, dict[str, list[Slot]]] = {}
    for split, by_breed in sampled.items():
        for breed, chosen in by_breed.items():
            samples.setdefault(breed, {})[split] = [slots.row(split, row) for row in chosen]
    skipped_all = report.skipped or []
    return Page(
        name=build.name,
        report=report,
        options=options,
        samples=dict(sorted(samples.items())),
        missing=missing_breeds(report),
        duplicates=slots.listing(duplicates, cap),
        near_duplicates=slots.listing(near, cap) if near is not None else None,
        conflicts=slots.listing(conflicts, cap),
        skipped=Listing([slots.skipped(item) for item in skipped_all[:cap]], len(skipped_all)),
        chart=render_chart(report) if report.photos is not None else None,
        thumbs=slots.pictures.finish(num_proc=num_proc, progress=progress),
        details=slots.pictures.details,
    )


@dataclass
class _Slots:
    """Makes the page's picture slots from the rows read and the photo folder."""

    build: Build
    located: dict[str, tuple[str, int]]  # source -> (split, row) of the group members in the build
    rows: dict[str, dict[int, dict[str, Any]]]  # split -> row -> its image and conversations
    images: Path | None
    pictures: Pictures = field(default_factory=Pictures)

    def row(self, split: str, row: int) -> Slot:
        """The slot of one row of the build: its picture, id, source and conversation."""
        index = self.build.splits[split]
        row_id, source = index.ids[row], index.sources[row]
        breed = self.build.breeds[int(index.labels[row])]
        fields = [("id", row_id), ("split", split), ("breed", breed), ("source", source)]
        turns = [(turn["from"], turn["value"]) for turn in self.rows[split][row]["conversations"] or []]
        data, note = self._build_photo((split, row))
        caption = row_id.removeprefix(f"{breed}/")  # the grid is the breed's already
        return self.pictures.add(data, caption, fields, conversation=turns, note=note)

    def listing(self, groups: list[Group], cap: int) -> Listing[tuple[Group, list[Slot]]]:
        """The first ``cap`` groups with their slots, and how many there are."""
        return Listing([(group, self.group(group)) for group in groups[:cap]], len(groups))

    def group(self, group: Group) -> list[Slot]:
        """A slot for each file of a group."""
        # Identical bytes: the copy in the build shows every file of the group.
        in_build = [m.source for m in group.members if m.source in self.located]
        shared = self._build_photo(self.located[in_build[0]]) if group.identical and in_build else None
        slots = []
        for member in group.members:
            data, note = shared or self._photo(member.source)
            fields = [("source", member.source), ("label", folder_of(member.source))]
            caption = member.source if member.caption in ("", member.source) else f"{member.caption}\n{member.source}"
            slots.append(self.pictures.add(data, caption, fields, note=note))
        return slots

    def skipped(self, item: SkippedFile) -> Skipped:
        """A skipped file with its picture, when the photo folder is given and it decodes."""
        source, reason = item.source, item.reason.text
        data, note = self._file(source)
        fields = [("source", source), ("label", folder_of(source)), ("reason", reason)]
        return Skipped(source, reason, self.pictures.add(data, "", fields, note=note))

    def _photo(self, source: str) -> tuple[bytes | None, str]:
        """A file's bytes: from the build when it is there, else from the photo folder."""
        return self._build_photo(self.located[source]) if source in self.located else self._file(source)

    def _build_photo(self, where: tuple[str, int]) -> tuple[bytes | None, str]:
        split, row = where
        return (self.rows[split][row]["image"] or {}).get("bytes"), "no image bytes in this row"

    def _file(self, source: str) -> tuple[bytes | None, str]:
        """A file's bytes from the photo folder, or (None, why not)."""
        if self.images is None:
            return None, "not in the build: pass --images to see it"
        data = read_photo(self.images, source)
        return (None, data) if isinstance(data, str) else (data, "")
