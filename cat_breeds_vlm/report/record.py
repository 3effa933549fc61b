"""The build report (``build.json``) as typed records: written and read here, and nowhere else.

:class:`BuildReport` holds what a build says about itself: settings, counts per split and
breed, what was left out (:class:`SkippedFile`, :class:`Duplicate`, :class:`Conflict`,
:class:`NearGroup`, :class:`EmptyFolder`, capped breeds) and where its split came from
(:class:`SplitOrigin`: made afresh, or kept from an earlier build). A skipped file's kind is a
:class:`SkipKind` value; its reason text is written from it and read back into it.

``generator`` marks a folder as ours and ``format`` says which keys it has. A report written
before a key existed is still read: that field is None, and readers show it as not recorded.
A report that lacks a key its format has, or holds a value of the wrong type, is refused with
one line naming the key (:func:`read_report`).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..errors import UserError
from ..features import PHOTO_SPLITS, SPLITS

if TYPE_CHECKING:  # only for the type: keeps ``read_report`` light to import
    from ..pipeline.stages import Prepared

#: The value of ``generator`` in every build report: how we know a folder is an earlier build.
GENERATOR = "cat_breeds_vlm"
REPORT_NAME = "build.json"
#: The report's layout version. Reports without ``format`` were written before it existed:
#: only ``breeds``, ``splits`` and ``counts`` are sure to be there. Format 2 builds carry their
#: domain file (``domain_file``): a reader that knows no domains would read their answers with
#: cat words.
FORMAT_VERSION = 2


class SkipKind(str, Enum):
    """Why a file was skipped, as a kind: the same for every file skipped for the same cause.

    The value is the kind's words, which start the reason text (``"too small: 3x3 px ..."``).
    The two format kinds are followed by the format's name (``"unsupported format GIF"``).
    """

    FOLDER_NAME = "folder name is not valid UTF-8"
    FILE_NAME = "file name is not valid UTF-8"
    UNREADABLE_FOLDER = "folder cannot be read"
    EMPTY = "empty file"
    NOT_AN_IMAGE = "not an image (unidentified content)"
    CONVERTIBLE = "unsupported format"  # a still image a user can convert (GIF, HEIC, ...)
    UNSUPPORTED = "unsupported image format"  # another format Pillow knows
    BOMB = "decompression bomb"
    UNDECODABLE = "cannot decode"
    CORRUPT_JPEG = "corrupt JPEG data"
    TOO_SMALL = "too small"
    EXTREME_ASPECT = "extreme aspect ratio"
    NEAR_BLANK = "near-blank"
    #: A reason this version does not write (from an older ``build.json``): kept as written.
    OTHER = "other"


_FORMAT_KINDS = (SkipKind.CONVERTIBLE, SkipKind.UNSUPPORTED)


@dataclass(frozen=True)
class SkipReason:
    """Why one file was skipped: its kind, the format a format kind names, and the details."""

    kind: SkipKind
    detail: str = ""  # for OTHER: the whole reason as written
    format: str = ""  # for the format kinds: "GIF", "HEIC", ...

    @property
    def name(self) -> str:
        """What skipped files are counted by: the kind's words (with the format, for a format kind)."""
        if self.kind is SkipKind.OTHER:  # older reports counted by the text before the first colon
            return self.detail.split(":", 1)[0].strip() or "unknown"
        return f"{self.kind.value} {self.format}" if self.format else self.kind.value

    @property
    def text(self) -> str:
        """The reason as the report, the card and the summary write it."""
        if self.kind is SkipKind.OTHER:
            return self.detail
        return f"{self.name}: {self.detail}" if self.detail else self.name

    @classmethod
    def parse(cls, text: str) -> SkipReason:
        """The reason a :attr:`text` was written from; OTHER when no kind writes exactly that text."""
        name, _, detail = text.partition(": ")
        for kind in SkipKind:
            if name == kind.value:
                found = cls(kind, detail)
            elif kind in _FORMAT_KINDS and name.startswith(kind.value + " "):
                found = cls(kind, detail, name.removeprefix(kind.value + " "))
            else:
                continue
            if found.text == text:
                return found
        return cls(SkipKind.OTHER, text)


@dataclass(frozen=True)
class SkippedFile:
    """A file (or folder, ending in ``/``) the build did not use, and why."""

    source: str  # relative to the image folder
    reason: SkipReason

    @property
    def kind(self) -> SkipKind:
        return self.reason.kind

    @property
    def folder(self) -> str:
        """The breed folder it is in."""
        return self.source.split("/", 1)[0]

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "reason": self.reason.text}

    @classmethod
    def from_json(cls, data: dict[str, Any], key: str, where: str | Path) -> SkippedFile:
        return cls(_get(data, "source", str, key, where), SkipReason.parse(_get(data, "reason", str, key, where)))


@dataclass(frozen=True)
class SplitInfo:
    """One written split: its rows, and (when recorded) distinct photos, shards and bytes."""

    rows: int
    photos: int | None = None
    shards: int | None = None
    bytes: int | None = None

    def to_json(self) -> dict[str, Any]:
        values = {"rows": self.rows, "photos": self.photos, "shards": self.shards, "bytes": self.bytes}
        return {k: v for k, v in values.items() if v is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any], key: str, where: str | Path) -> SplitInfo:
        return cls(
            _get(data, "rows", int, key, where),
            *(_get(data, name, int, key, where, required=False) for name in ("photos", "shards", "bytes")),
        )


@dataclass(frozen=True)
class Duplicate:
    """Byte-identical files of one breed, counted as one photo: the one kept and the copies dropped."""

    breed: str
    kept: str
    dropped: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"breed": self.breed, "kept": self.kept, "dropped": self.dropped}

    @classmethod
    def from_json(cls, data: dict[str, Any], key: str, where: str | Path) -> Duplicate:
        return cls(
            _get(data, "breed", str, key, where),
            _get(data, "kept", str, key, where),
            _get(data, "dropped", list, key, where),
        )


@dataclass(frozen=True)
class Conflict:
    """One picture under two or more labels, left out: the same bytes, or near-duplicates (with
    their distance)."""

    sources: list[str]
    breeds: list[str]
    distance: float | None = None  # set for near-duplicates

    def to_json(self) -> dict[str, Any]:
        near = {} if self.distance is None else {"distance": self.distance}
        return {"sources": self.sources, "breeds": self.breeds, **near}

    @classmethod
    def from_json(cls, data: dict[str, Any], key: str, where: str | Path) -> Conflict:
        return cls(
            _get(data, "sources", list, key, where),
            _get(data, "breeds", list, key, where),
            _get(data, "distance", float, key, where, required=False),
        )


@dataclass(frozen=True)
class NearGroup:
    """Near-duplicate photos of one picture, kept in one split, with the pairs that link them."""

    photos: list[str]
    size: int
    suspicious: bool  # more photos than one picture's copies usually make: worth a look
    max_distance: float
    pairs: list[tuple[str, str, float]]

    def to_json(self) -> dict[str, Any]:
        return {
            "photos": self.photos,
            "size": self.size,
            "suspicious": self.suspicious,
            "max_distance": self.max_distance,
            "pairs": [list(pair) for pair in self.pairs],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], key: str, where: str | Path) -> NearGroup:
        return cls(
            _get(data, "photos", list, key, where),
            _get(data, "size", int, key, where),
            _get(data, "suspicious", bool, key, where),
            _get(data, "max_distance", float, key, where),
            [tuple(pair) for pair in _get(data, "pairs", list, key, where)],
        )


@dataclass(frozen=True)
class CappedBreed:
    """A breed with more photos than ``max_per_class``: how many it had and how many were kept."""

    photos: int
    kept: int

    def to_json(self) -> dict[str, Any]:
        return {"photos": self.photos, "kept": self.kept}

    @classmethod
    def from_json(cls, data: dict[str, Any], key: str, where: str | Path) -> CappedBreed:
        return cls(_get(data, "photos", int, key, where), _get(data, "kept", int, key, where))


@dataclass(frozen=True)
class EmptyFolder:
    """A breed folder with no photo left, so no label, and why."""

    folder: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"folder": self.folder, "reason": self.reason}

    @classmethod
    def from_json(cls, data: dict[str, Any], key: str, where: str | Path) -> EmptyFolder:
        return cls(_get(data, "folder", str, key, where), _get(data, "reason", str, key, where))


@dataclass(frozen=True)
class UnmatchedLabel:
    """A label-file row whose name is no breed folder, so not used; with the folder it most
    likely meant (:func:`cat_breeds_vlm.hints.closest_name`), if any."""

    name: str
    did_you_mean: str | None = None

    def to_json(self) -> dict[str, Any]:
        close = {} if self.did_you_mean is None else {"did_you_mean": self.did_you_mean}
        return {"name": self.name, **close}

    @classmethod
    def from_json(cls, data: dict[str, Any], key: str, where: str | Path) -> UnmatchedLabel:
        return cls(_get(data, "name", str, key, where), _get(data, "did_you_mean", str, key, where, required=False))


@dataclass(frozen=True)
class SplitTarget:
    """One split's photos (before oversampling) against its target at the ratios."""

    photos: int
    target: int

    def to_json(self) -> dict[str, Any]:
        return {"photos": self.photos, "target": self.target}

    @classmethod
    def from_json(cls, data: dict[str, Any], key: str, where: str | Path) -> SplitTarget:
        return cls(_get(data, "photos", int, key, where), _get(data, "target", int, key, where))


@dataclass(frozen=True)
class KeptCounts:
    """Files of a kept split: old ones in their earlier split, new ones dealt, old ones gone
    from the tree, and old or new ones left out to keep the earlier split leak-free."""

    kept: int
    new: int
    gone: int
    left_out: int

    def to_json(self) -> dict[str, Any]:
        return {"kept": self.kept, "new": self.new, "gone": self.gone, "left_out": self.left_out}

    @classmethod
    def from_json(cls, data: dict[str, Any], key: str, where: str | Path) -> KeptCounts:
        return cls(*(_get(data, name, int, key, where) for name in ("kept", "new", "gone", "left_out")))


@dataclass(frozen=True)
class LeftOutPhoto:
    """A photo a kept split left out, and why; ``split`` is its earlier split, for an old photo."""

    source: str
    reason: str
    split: str | None = None

    def to_json(self) -> dict[str, Any]:
        earlier = {} if self.split is None else {"split": self.split}
        return {"source": self.source, "reason": self.reason, **earlier}

    @classmethod
    def from_json(cls, data: dict[str, Any], key: str, where: str | Path) -> LeftOutPhoto:
        return cls(
            _get(data, "source", str, key, where),
            _get(data, "reason", str, key, where),
            _get(data, "split", str, key, where, required=False),
        )


@dataclass(frozen=True)
class RenamedPhoto:
    """An earlier photo found (by its bytes) under another name: it kept its split."""

    old: str  # ``from`` in build.json
    new: str  # ``to``

    def to_json(self) -> dict[str, Any]:
        return {"from": self.old, "to": self.new}

    @classmethod
    def from_json(cls, data: dict[str, Any], key: str, where: str | Path) -> RenamedPhoto:
        return cls(_get(data, "from", str, key, where), _get(data, "to", str, key, where))


@dataclass(frozen=True)
class RelabelledPhoto:
    """An earlier photo found (by its bytes) in another breed folder: it kept its split."""

    source: str
    old_breed: str  # ``from`` in build.json
    new_breed: str  # ``to``
    split: str

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "from": self.old_breed, "to": self.new_breed, "split": self.split}

    @classmethod
    def from_json(cls, data: dict[str, Any], key: str, where: str | Path) -> RelabelledPhoto:
        return cls(*(_get(data, name, str, key, where) for name in ("source", "from", "to", "split")))


@dataclass(frozen=True)
class Crossed:
    """For a fresh split where an earlier build is known: files that crossed, each way."""

    train_to_eval: int  # from the earlier train to val or test
    eval_to_train: int  # from the earlier val or test to train

    def to_json(self) -> dict[str, Any]:
        return {"train_to_eval": self.train_to_eval, "eval_to_train": self.eval_to_train}

    @classmethod
    def from_json(cls, data: dict[str, Any], key: str, where: str | Path) -> Crossed:
        return cls(_get(data, "train_to_eval", int, key, where), _get(data, "eval_to_train", int, key, where))


#: :attr:`SplitOrigin.kind`: dealt afresh, or kept from an earlier build.
FRESH, KEPT = "fresh", "kept"


@dataclass(frozen=True)
class SplitOrigin:
    """Where a build's split came from (``split_origin`` in ``build.json``). No dates: the same
    inputs give the same report.

    ``manifest_fingerprint`` names this build's manifest (None in a dry run: nothing written).
    A kept split (:data:`KEPT`) names the build it came from (``kept_from``, ``from`` in
    build.json) and its manifest's fingerprint (``from_manifest``; None when it was read from
    that build's shards), with its :class:`KeptCounts` and what it listed; a fresh split made
    where an earlier build was known names it (``compared_with``) and what :class:`Crossed`.
    """

    kind: str  # FRESH or KEPT
    targets: dict[str, SplitTarget]  # train, val, test
    manifest_fingerprint: str | None = None
    kept_from: str | None = None
    from_manifest: str | None = None
    photos: KeptCounts | None = None
    left_out: list[LeftOutPhoto] | None = None
    renamed: list[RenamedPhoto] | None = None
    relabelled: list[RelabelledPhoto] | None = None
    changed: list[str] | None = None  # same name, other bytes: kept the name's split
    compared_with: str | None = None
    crossed: Crossed | None = None

    @property
    def kept(self) -> bool:
        """True when the split was kept from an earlier build."""
        return self.kind == KEPT

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "from": self.kept_from,
            "from_manifest": self.from_manifest,
            "photos": None if self.photos is None else self.photos.to_json(),
            "left_out": _listed(self.left_out),
            "renamed": _listed(self.renamed),
            "relabelled": _listed(self.relabelled),
            "changed": self.changed,
            "compared_with": self.compared_with,
            "crossed": None if self.crossed is None else self.crossed.to_json(),
            "targets": {split: target.to_json() for split, target in self.targets.items()},
            "manifest_fingerprint": self.manifest_fingerprint,
        }
        return {name: value for name, value in data.items() if value is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any], key: str, where: str | Path) -> SplitOrigin:
        def get(name: str, kind: type, required: bool = False) -> Any:
            return _get(data, name, kind, key, where, required)

        def one(name: str, record: Any) -> Any:
            value = get(name, dict)
            return None if value is None else _part(record, value, f"{key}.{name}", where)

        def items(name: str, record: Any) -> list | None:
            value = get(name, list)
            return (
                None if value is None else [_part(record, v, f"{key}.{name}[{i}]", where) for i, v in enumerate(value)]
            )

        targets = get("targets", dict, True)
        return cls(
            kind=get("kind", str, True),
            targets={split: _part(SplitTarget, v, f"{key}.targets.{split}", where) for split, v in targets.items()},
            manifest_fingerprint=get("manifest_fingerprint", str),
            kept_from=get("from", str),
            from_manifest=get("from_manifest", str),
            photos=one("photos", KeptCounts),
            left_out=items("left_out", LeftOutPhoto),
            renamed=items("renamed", RenamedPhoto),
            relabelled=items("relabelled", RelabelledPhoto),
            changed=get("changed", list),
            compared_with=get("compared_with", str),
            crossed=one("crossed", Crossed),
        )


#: A split's counts per breed: ``split -> breed -> n``.
Counts = dict[str, dict[str, int]]


@dataclass
class BuildReport:
    """What one build says about itself (``build.json``).

    ``breeds``, ``splits`` and ``counts`` are in every report; any other field is None when the
    report does not record it (it was written before the key existed). ``counted`` marks a
    report counted from the rows of a dataset that has none (never written).
    """

    breeds: list[str]
    splits: dict[str, SplitInfo]  # the written splits, in build order
    counts: Counts  # rows per split and breed
    generator: str = GENERATOR
    format: int = 0
    package_version: str | None = None
    command: str | None = None
    image_dir: str | None = None  # the folder's name (a path in reports before 0.2.0)
    created_from_files: int | None = None
    ignored_files: int | None = None
    settings: dict[str, Any] | None = None  # setting name -> value, as the user gave them
    label_file: str | None = None  # the label file the build carries
    domain_file: str | None = None  # the domain file the build carries (from format 2)
    uncatalogued: list[str] | None = None  # labels in no catalogue
    unmatched_labels: list[UnmatchedLabel] | None = None  # label-file rows that are no breed folder
    top_level_files: list[str] | None = None  # image files directly in the image folder: no breed
    absent_priority: list[str] | None = None  # priority breeds with no photo in the data
    empty_splits: list[str] | None = None  # splits with no rows (not written)
    photos: Counts | None = None  # distinct photos per split and breed (train, val, test)
    too_small: list[str] | None = None  # breeds missing from val and/or test
    skipped: list[SkippedFile] | None = None
    duplicates: list[Duplicate] | None = None
    conflicts: list[Conflict] | None = None
    near_duplicates: list[NearGroup] | None = None  # None: built before the near-duplicate search
    capped: dict[str, CappedBreed] | None = None
    empty_folders: list[EmptyFolder] | None = None
    split_manifest: str | None = None  # the file listing every photo's split (builds before it: None)
    split_origin: SplitOrigin | None = None  # where the split came from (builds before it: None)
    counted: bool = field(default=False, compare=False)

    @property
    def priority_breeds(self) -> list[str]:
        """The priority breeds the build was given ([] when none, or not recorded)."""
        return list((self.settings or {}).get("priority_breeds") or [])

    @property
    def skipped_by_reason(self) -> dict[str, int]:
        """Skipped files counted by :attr:`SkipReason.name`, most common first (ties by name)."""
        return count_reasons(self.skipped or [])

    def to_json(self) -> dict[str, Any]:
        """The report as JSON data, keys in the order ``build.json`` has always had them."""
        data: dict[str, Any] = {
            "generator": self.generator,
            "format": self.format,
            "package_version": self.package_version,
            "command": self.command,
            "image_dir": self.image_dir,
            "created_from_files": self.created_from_files,
            "ignored_files": self.ignored_files,
            "settings": self.settings,
            "breeds": self.breeds,
            "label_file": self.label_file,
            "domain_file": self.domain_file,
            "uncatalogued": self.uncatalogued,
            "unmatched_labels": _listed(self.unmatched_labels),
            "top_level_files": self.top_level_files,
            "absent_priority": self.absent_priority,
            "splits": {name: info.to_json() for name, info in self.splits.items()},
            "empty_splits": self.empty_splits,
            "counts": self.counts,
            "photos": self.photos,
            "too_small": self.too_small,
            "skipped": _listed(self.skipped),
            "skipped_by_reason": None if self.skipped is None else self.skipped_by_reason,
            "duplicates": _listed(self.duplicates),
            "conflicts": _listed(self.conflicts),
            "near_duplicates": _listed(self.near_duplicates),
            "capped": None if self.capped is None else {b: c.to_json() for b, c in self.capped.items()},
            "empty_folders": _listed(self.empty_folders),
            "split_manifest": self.split_manifest,
            "split_origin": None if self.split_origin is None else self.split_origin.to_json(),
        }
        return {key: value for key, value in data.items() if value is not None}

    def dumps(self) -> str:
        """The report as stable, readable JSON text: the bytes of ``build.json``."""
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, data: dict[str, Any], where: str | Path) -> BuildReport:
        """The report in ``data`` (read from ``where``), or one line naming the key that is wrong.

        The core keys must be there in any format; the current format's other keys must be there
        in a report of that format, and may be missing from an older one (None: not recorded).
        """
        version = data.get("format", 0)
        if not isinstance(version, int) or isinstance(version, bool):
            raise UserError(f"{where}: key 'format' should be a number, got {version!r}")
        if version > FORMAT_VERSION:
            raise UserError(
                f"{where} has format {version}, newer than this cat_breeds_vlm reads"
                f" ({FORMAT_VERSION}): upgrade the package (pip install -U cat_breeds_vlm)"
            )
        needed = version >= 1

        def get(key: str, kind: type, required: bool = needed) -> Any:
            return _get(data, key, kind, "", where, required)

        def items(key: str, record: Any, required: bool = needed) -> list | None:
            value = get(key, list, required)
            return None if value is None else [_part(record, v, f"{key}[{i}]", where) for i, v in enumerate(value)]

        def one(key: str, record: Any, required: bool = needed) -> Any:
            value = get(key, dict, required)
            return None if value is None else _part(record, value, key, where)

        def by_name(key: str, record: Any, required: bool = needed) -> dict | None:
            value = get(key, dict, required)
            return None if value is None else {k: _part(record, v, f"{key}.{k}", where) for k, v in value.items()}

        return cls(
            breeds=get("breeds", list, True),
            splits=by_name("splits", SplitInfo, True),
            counts=get("counts", dict, True),
            generator=get("generator", str, False) or GENERATOR,
            format=version,
            package_version=get("package_version", str, False),
            command=get("command", str, False),
            image_dir=get("image_dir", str, False),
            created_from_files=get("created_from_files", int, False),
            ignored_files=get("ignored_files", int, False),
            settings=get("settings", dict),
            label_file=get("label_file", str, False),
            domain_file=get("domain_file", str, version >= 2),
            uncatalogued=get("uncatalogued", list, False),
            # came within format 1: missing from the reports of older builds
            unmatched_labels=items("unmatched_labels", UnmatchedLabel, False),
            top_level_files=get("top_level_files", list, False),
            absent_priority=get("absent_priority", list, False),
            empty_splits=get("empty_splits", list),
            photos=get("photos", dict),
            too_small=get("too_small", list),
            skipped=items("skipped", SkippedFile),
            duplicates=items("duplicates", Duplicate),
            conflicts=items("conflicts", Conflict),
            near_duplicates=items("near_duplicates", NearGroup, False),  # came within format 1
            capped=by_name("capped", CappedBreed),
            empty_folders=items("empty_folders", EmptyFolder),
            # came within format 1: missing from the reports of older builds
            split_manifest=get("split_manifest", str, False),
            split_origin=one("split_origin", SplitOrigin, False),
        )


def make_report(
    prepared: Prepared,
    settings: dict,
    shards: dict[str, list[int]],
    command: str,
    labels: dict | None = None,
    manifest: str | None = None,
) -> BuildReport:
    """The build report of one build; ``shards`` maps each written split to its shard sizes.

    ``splits`` lists only the splits that have rows (and so files); ``empty_splits`` the others.
    ``labels`` gives ``label_file`` and ``domain_file`` (the label and domain files the build
    carries), ``uncatalogued`` (labels in no catalogue, worded neutrally) and
    ``unmatched_labels`` (label-file rows that are no breed folder). ``manifest`` is the
    fingerprint of the split manifest the build wrote (None: none written, as in a dry run).
    """
    from ..pipeline.manifest import MANIFEST_NAME

    plan = prepared.plan
    origin = plan.split_origin
    written = plan.written_splits
    breeds = prepared.breeds
    return BuildReport(
        generator=GENERATOR,
        format=FORMAT_VERSION,
        package_version=__version__,
        command=command,
        # The folder's name, not its path: a pushed build shows no local path, and the same
        # photos built from another place give the same report.
        image_dir=prepared.image_dir.name,
        created_from_files=len(prepared.scanned.candidates),
        ignored_files=len(prepared.scanned.ignored),
        settings=settings,
        breeds=breeds,
        **(labels or {}),
        top_level_files=prepared.scanned.top_level,
        absent_priority=[b for b in settings.get("priority_breeds") or [] if b not in breeds],
        splits={
            s: SplitInfo(
                rows=len(plan.rows[s]),
                photos=len({r.source for r in plan.rows[s]}),
                shards=len(shards[s]),
                bytes=sum(shards[s]),
            )
            for s in written
        },
        # A split with no rows is not written: load_dataset refuses a split with no data.
        empty_splits=[s for s in SPLITS if s not in written],
        counts={s: dict(sorted(Counter(r.breed for r in plan.rows[s]).items())) for s in SPLITS},
        photos={s: dict(sorted(plan.photos[s].items())) for s in PHOTO_SPLITS},
        too_small=plan.too_small,
        skipped=prepared.skipped,
        duplicates=plan.duplicates,
        conflicts=plan.conflicts,
        near_duplicates=plan.near_duplicates,
        capped=plan.capped,
        # Breed folders with no photo left (none to begin with, or every file skipped): not labels.
        empty_folders=prepared.empty_folders,
        split_manifest=MANIFEST_NAME if manifest else None,
        split_origin=None if origin is None else replace(origin, manifest_fingerprint=manifest),
    )


def count_reasons(skipped: list[SkippedFile]) -> dict[str, int]:
    """Skipped files counted by :attr:`SkipReason.name`, most common first (ties by name)."""
    counts = Counter(item.reason.name for item in skipped)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def is_report_folder(folder: Path) -> bool:
    """True when ``folder`` holds a ``build.json`` of ours (readable or not as a report)."""
    return _load(folder) is not None


def read_report(folder: Path, where: str | Path | None = None) -> BuildReport | None:
    """The build report of a folder; None when it has no ``build.json`` of ours.

    A report of ours that readers cannot use is refused with one line naming the key and
    ``where`` it came from (default: the file's path).
    """
    data = _load(folder)
    return None if data is None else BuildReport.from_json(data, where or Path(folder) / REPORT_NAME)


def _load(folder: Path) -> dict[str, Any] | None:
    """The JSON of ``folder/build.json`` when it is a report of ours, else None."""
    try:
        data = json.loads((Path(folder) / REPORT_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("generator") == GENERATOR else None


def _listed(records: list | None) -> list[dict[str, Any]] | None:
    return None if records is None else [record.to_json() for record in records]


_JSON_NAMES = {
    dict: "an object",
    list: "a list",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "true/false",
}


def _get(data: dict[str, Any], name: str, kind: type, key: str, where: str | Path, required: bool = True) -> Any:
    """``data[name]`` checked to be of ``kind`` (None when absent and not ``required``)."""
    path = f"{key}.{name}" if key else name
    if name not in data:
        if required:
            raise UserError(f"{where}: key {path!r} is missing")
        return None
    value = data[name]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        found = _JSON_NAMES.get(type(value), "null")
        raise UserError(f"{where}: key {path!r} should be {_JSON_NAMES[kind]}, not {found}")
    return value


def _part(record: Any, value: Any, key: str, where: str | Path) -> Any:
    """The ``record`` (a part of the report) read from ``value``, checked to be a JSON object."""
    if not isinstance(value, dict):
        raise UserError(f"{where}: key {key!r} should be an object, not {_JSON_NAMES.get(type(value), 'null')}")
    return record.from_json(value, key, where)
