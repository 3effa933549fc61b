"""Plan: from verified files to the rows of every split (dedupe, cap, group, split, oversample).

Pure functions over plain records, no disk and no decoding, so every split guarantee of
the README is testable in memory:

- byte-identical files of one breed are one photo; the same bytes under two breeds are left out,
  and so are near-duplicates under two breeds (:mod:`cat_breeds_vlm.pipeline.links`);
- independent units share one split: a photo, its byte-identical copies, every photo of the
  same pet id and its near-duplicates (union-find);
- each breed with at least 3 photos gets at least one photo in val and one in test, the rest is
  stratified per breed at the ratios; smaller breeds go to train only;
- the optional cap samples photos with the seed; oversampling happens after splitting, in train
  only; ``priority`` is the priority breeds' rows of train.

Units are dealt in the order of a seeded hash of each unit's key (:func:`deal_order`), so
adding photos moves only units near a split's boundary; the cap's sampling comes from one
generator per breed, seeded from (seed, breed name), so adding or removing one breed never
reshuffles another.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from operator import attrgetter
from typing import TYPE_CHECKING

import numpy as np

from ..features import SPLITS
from ..report.record import CappedBreed, Conflict, Duplicate, NearGroup, SplitOrigin
from .links import NearPair, UnionFind, drop_near_conflicts, near_groups, photo_links
from .manifest import Entry
from .settings import PlanSettings

if TYPE_CHECKING:
    from .keep import Earlier

# np.random.RandomState(seed) is what sklearn's check_random_state returns for an int seed:
# the same numbers, without importing sklearn (slow to import) to plan a split or check a setting.
check_random_state = np.random.RandomState

#: A Petfinder file name is "{pet_id}_{n}" with a numeric pet id; photos of one pet share it.
#: Only numeric ids count, so camera names like "IMG_0001" never fuse a whole folder into one pet.
PET_ID = re.compile(r"^(?P<pet>\d+)_\d+$")
#: Distinct photos a breed needs to have one in train, one in val and one in test.
MIN_PHOTOS_TO_SPLIT = 3


@dataclass(frozen=True, slots=True)  # slots: made once per file, 100,000s of times
class ImageFile:
    """A verified, decodable image file: what the planner needs to know of it."""

    source: str
    breed: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class Photo:
    """One distinct picture of one breed: the file kept, and its byte-identical twins."""

    source: str
    breed: str
    sha256: str
    size: int
    twins: tuple[str, ...] = ()

    @property
    def pet_ids(self) -> set[str]:
        """The pet ids in the names of this photo's files (the kept one and its twins)."""
        return {pet for pet in map(pet_id, (self.source, *self.twins)) if pet is not None}


def pet_id(source: str) -> str | None:
    """The Petfinder pet id of a file name (``"Bengal/12345_2.jpg"`` -> ``"12345"``), or None."""
    stem = source.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    match = PET_ID.match(stem)
    return match.group("pet") if match else None


@dataclass(frozen=True)  # no slots: rows are pickled to the shard writers, 3x slower slotted
class Row:
    """One row of one split: its id, the photo it shows, and which copy of it this is."""

    id: str
    source: str
    breed: str
    size: int
    sha256: str  # the verified content: the writer checks the file still holds it


@dataclass
class Plan:
    """The rows of every split and what the build report says about how they came to be."""

    rows: dict[str, list[Row]]
    photos: dict[str, Counter]  # split -> breed -> distinct photos (before oversampling)
    too_small: list[str]
    duplicates: list[Duplicate]
    conflicts: list[Conflict]
    capped: dict[str, CappedBreed] = field(default_factory=dict)
    near_duplicates: list[NearGroup] = field(default_factory=list)  # see links.near_groups
    manifest: list[Entry] = field(default_factory=list)  # every file's line (see manifest.py)
    split_origin: SplitOrigin | None = None  # where the split came from (see keep.py)

    @property
    def written_splits(self) -> list[str]:
        """The splits with rows, in build order: the ones written (datasets can't load an empty one)."""
        return [s for s in SPLITS if self.rows[s]]


def breed_rng(seed: int, breed: str, purpose: str) -> np.random.RandomState:
    """A generator for one breed and one purpose, independent of every other breed."""
    digest = hashlib.sha256(f"{seed}\0{breed}\0{purpose}".encode()).digest()
    return check_random_state(int.from_bytes(digest[:4], "little"))


def dedupe(files: Iterable[ImageFile]) -> tuple[list[Photo], list[Duplicate], list[Conflict]]:
    """Fold byte-identical files into photos; drop bytes that carry two labels.

    Returns the photos (sorted by source), the duplicate groups kept as one photo, and the
    conflicts (the same bytes under several breed folders), all of whose files are left out.
    """
    by_hash: dict[str, list[ImageFile]] = {}
    for f in sorted(files, key=_source):
        group = by_hash.get(f.sha256)
        if group is None:
            by_hash[f.sha256] = [f]
        else:
            group.append(f)
    # Groups come in the order of their first (kept) file, so every list below is already
    # sorted by source: no sorting again.
    photos, duplicates, conflicts = [], [], []
    for group in by_hash.values():
        kept = group[0]
        if len(group) == 1:  # most files: no set, no twins
            photos.append(Photo(kept.source, kept.breed, kept.sha256, kept.size))
            continue
        breeds = sorted({f.breed for f in group})
        if len(breeds) > 1:
            conflicts.append(Conflict([f.source for f in group], breeds))
            continue
        twins = tuple(f.source for f in group[1:])
        photos.append(Photo(kept.source, kept.breed, kept.sha256, kept.size, twins))
        duplicates.append(Duplicate(kept.breed, kept.source, list(twins)))
    return photos, duplicates, conflicts


_source = attrgetter("source")
_breed = attrgetter("breed")


def cap_photos(photos: list[Photo], max_per_class: int | None, seed: int) -> tuple[list[Photo], dict[str, CappedBreed]]:
    """Keep at most ``max_per_class`` photos per breed, sampled with the seed (never file order)."""
    if max_per_class is None:
        return photos, {}
    by_breed = _by_breed(photos)
    kept: list[Photo] = []
    capped: dict[str, CappedBreed] = {}
    for breed, group in by_breed.items():
        if len(group) > max_per_class:
            rng = breed_rng(seed, breed, "cap")
            chosen = sorted(rng.choice(len(group), size=max_per_class, replace=False))
            capped[breed] = CappedBreed(len(group), max_per_class)
            group = [group[i] for i in chosen]
        kept.extend(group)
    kept.sort(key=lambda p: p.source)
    return kept, capped


def _by_breed(photos: Iterable[Photo]) -> dict[str, list[Photo]]:
    grouped: dict[str, list[Photo]] = defaultdict(list)
    for p in photos:
        grouped[p.breed].append(p)
    return dict(sorted(grouped.items()))


def group_by_pet(photos: list[Photo], links: Iterable[NearPair] = ()) -> list[list[Photo]]:
    """Independent units, each of which must stay in one split: photos linked by a pet id
    (across breed folders), or by a near-duplicate link (``links``, between kept sources).

    A photo carries the pet ids of all its files (twins included), so two pets whose photos
    share bytes become one unit (union-find over the ids and the links).
    """
    return [unit for _, unit in keyed_units(photos, links)]


def keyed_units(photos: list[Photo], links: Iterable[NearPair] = ()) -> list[tuple[str, list[Photo]]]:
    """:func:`group_by_pet`'s units, each with its :func:`unit_key` (read from the names once)."""
    sets = UnionFind()
    keys = []  # each photo's key in the sets: its (first) pet id, else its own source
    for p in photos:
        pet = pet_id(p.source)
        if p.twins:  # rare: the twins' names may carry other pet ids, which join this one
            pets = sorted(p.pet_ids)
            for other in pets[1:]:
                sets.union(f"pet:{pets[0]}", f"pet:{other}")
            pet = pets[0] if pets else None
        keys.append(p.source if pet is None else f"pet:{pet}")
    if links:
        key_of = dict(zip(map(_source, photos), keys))
        for link in links:
            sets.union(key_of.get(link.a, link.a), key_of.get(link.b, link.b))
    units: dict[str, list[Photo]] = {}
    names: dict[str, str] = {}  # root -> the unit's key: its smallest pet key, else smallest source
    for p, key in zip(photos, keys):
        root = sets.find(key)
        unit = units.get(root)
        if unit is None:
            units[root] = [p]
            names[root] = key
        else:
            unit.append(p)
            names[root] = _better_key(names[root], key)
    return sorted(((names[root], unit) for root, unit in units.items()), key=_first_source)


def _better_key(first: str, second: str) -> str:
    """The unit key of two members' keys: a pet key before any source, else the smaller."""
    first_pet, second_pet = first.startswith("pet:"), second.startswith("pet:")
    if first_pet != second_pet:
        return first if first_pet else second
    return min(first, second)


def _first_source(keyed: tuple[str, list[Photo]]) -> str:
    return keyed[1][0].source


def stratum(group: list[Photo]) -> str:
    """The breed a unit is stratified under: its most common breed (ties: the first by name)."""
    first = group[0].breed
    if len(group) == 1 or all(p.breed == first for p in group):  # nearly every unit
        return first
    counts = Counter(map(_breed, group))
    return min(counts, key=lambda b: (-counts[b], b))


def eval_targets(n_photos: int, val_ratio: float, test_ratio: float) -> tuple[int, int]:
    """How many photos of a breed go to val and to test (0, 0 when it is too small to split)."""
    if n_photos < MIN_PHOTOS_TO_SPLIT:
        return 0, 0

    def target(ratio: float) -> int:
        return 0 if ratio == 0 else max(1, math.floor(n_photos * ratio + 0.5))

    n_val, n_test = target(val_ratio), target(test_ratio)
    while n_val + n_test > n_photos - 1:  # train keeps at least one photo
        if n_val >= n_test:
            n_val -= 1
        else:
            n_test -= 1
    return n_val, n_test


def unit_key(unit: list[Photo]) -> str:
    """A unit's name, stable as photos arrive: its smallest pet id (``pet:123``), else its
    smallest source. A new photo of a known pet leaves its unit's name unchanged."""
    if len(unit) == 1 and not unit[0].twins:  # nearly every unit: one name to read
        pet = pet_id(unit[0].source)
        return unit[0].source if pet is None else f"pet:{pet}"
    pets = [pet for p in unit for pet in p.pet_ids]
    return f"pet:{min(pets)}" if pets else min(p.source for p in unit)


def deal_order(units: list[list[Photo]], seed: int, keys: list[str] | None = None) -> list[list[Photo]]:
    """The units in the order they are dealt: by a seeded hash of each unit's key (``keys``,
    the units' :func:`unit_key` in order, when the caller has them).

    Each unit's place depends only on the seed and its own key, so adding or removing a unit
    never reorders the others (a permutation of their count would reshuffle the whole breed).
    """
    salt = f"{seed}\0".encode()
    keys = [unit_key(unit) for unit in units] if keys is None else keys
    hashes = [hashlib.sha256(salt + key.encode()).digest() for key in keys]
    return [units[i] for i in sorted(range(len(units)), key=hashes.__getitem__)]


def allocate(
    units: list[list[Photo]], n_val: int, n_test: int, *, fill_empty: bool = True
) -> dict[str, list[list[Photo]]]:
    """Deal one breed's units, in the order given (:func:`deal_order`), to test, val and train.

    A unit goes to test, else val, while it fits the split's remaining target; everything else
    is train. With ``fill_empty``, an eval split with a target that no unit fitted takes the
    smallest train unit, as long as train keeps one.
    """
    targets = {"test": n_test, "val": n_val}
    dealt: dict[str, list[list[Photo]]] = {"train": [], "val": [], "test": []}
    filled = {"test": 0, "val": 0}
    for unit in units:
        size = len(unit)
        if targets["test"] - filled["test"] >= size:
            split = "test"
        elif targets["val"] - filled["val"] >= size:
            split = "val"
        else:
            split = "train"
        dealt[split].append(unit)
        if split != "train":
            filled[split] += size
    for split in targets if fill_empty else ():
        if targets[split] and not dealt[split] and len(dealt["train"]) > 1:
            smallest = min(dealt["train"], key=len)
            dealt["train"].remove(smallest)
            dealt[split].append(smallest)
    return dealt


def split_photos(photos: list[Photo], settings: PlanSettings, links: Iterable[NearPair] = ()) -> dict[str, list[Photo]]:
    """Assign every photo to train, val or test: grouped by pet, stratified by breed, seeded."""
    return split_units(photos, settings, links)[0]


def split_units(
    photos: list[Photo], settings: PlanSettings, links: Iterable[NearPair] = ()
) -> tuple[dict[str, list[Photo]], dict[str, str]]:
    """:func:`split_photos`, and each photo's unit key (:func:`unit_key`), by source."""
    units_by_stratum: dict[str, list[list[Photo]]] = defaultdict(list)
    keys_by_stratum: dict[str, list[str]] = defaultdict(list)
    unit_of: dict[str, str] = {}
    for key, unit in keyed_units(photos, links):
        breed = stratum(unit)
        units_by_stratum[breed].append(unit)
        keys_by_stratum[breed].append(key)
        for p in unit:
            unit_of[p.source] = key
    split_of: dict[str, str] = {}  # source -> split
    for breed, units in units_by_stratum.items():
        n_val, n_test = eval_targets(sum(map(len, units)), settings.val_ratio, settings.test_ratio)
        dealt = allocate(deal_order(units, settings.seed, keys_by_stratum[breed]), n_val, n_test)
        for split, dealt_units in dealt.items():
            split_of.update((p.source, split) for unit in dealt_units for p in unit)
    # Each split in source order: one pass over the photos in that order, rather than a sort
    # of each split (sources are unique, so the order is the same).
    splits: dict[str, list[Photo]] = {"train": [], "val": [], "test": []}
    for p in sorted(photos, key=_source):
        splits[split_of[p.source]].append(p)
    return splits, unit_of


def copy_id(source: str, copy: int) -> str:
    """The row id of one copy of a photo: its source, with ``#k`` for the k-th copy (k >= 2)."""
    return source if copy == 1 else f"{source}#{copy}"


def make_rows(splits: Mapping[str, list[Photo]], settings: PlanSettings) -> dict[str, list[Row]]:
    """Rows of every split: train oversampled for the priority breeds and shuffled with the seed;
    val and test one row per photo in source order; priority = the priority rows of train."""
    priority = set(settings.priority_breeds)
    train = []
    for p in splits["train"]:
        train.append(Row(p.source, p.source, p.breed, p.size, p.sha256))  # copy 1: id = source
        if p.breed in priority:
            train += [
                Row(copy_id(p.source, k), p.source, p.breed, p.size, p.sha256)
                for k in range(2, settings.priority_oversample + 1)
            ]
    order = check_random_state(settings.seed).permutation(len(train))
    train = [train[i] for i in order.tolist()]  # Python ints index faster than numpy ones
    rows = {"train": train}
    for split in ("val", "test"):
        rows[split] = [Row(p.source, p.source, p.breed, p.size, p.sha256) for p in splits[split]]
    rows["priority"] = [r for r in train if r.breed in priority]
    return rows


def plan(
    files: Iterable[ImageFile],
    breeds: list[str],
    settings: PlanSettings,
    near_pairs: Iterable[NearPair] = (),
    earlier: Earlier | None = None,
) -> Plan:
    """The whole planning stage: dedupe, drop conflicts, cap, group, split, oversample; with
    what the report needs. ``near_pairs`` are near-duplicate files (see ``neardup``);
    ``earlier`` is an earlier build's split to keep (see :mod:`~cat_breeds_vlm.pipeline.keep`)."""
    near_pairs = list(near_pairs)
    photos, duplicates, conflicts = dedupe(files)
    photos, near_conflicts = drop_near_conflicts(photos, near_pairs)
    conflicts = sorted(conflicts + near_conflicts, key=lambda c: c.sources)
    photos, capped = cap_photos(photos, settings.max_per_class, settings.seed)
    from . import keep  # imported here: keep builds on this module

    if earlier is not None:
        earlier = replace(earlier)  # its entries are read here, and freed with this copy
    if earlier is not None and earlier.keep:
        photos = keep.prefer_earlier_sources(photos, earlier)
    links = photo_links(photos, near_pairs)
    splits, unit_of, origin, carried = keep.split(photos, settings, links, earlier)
    counts = {split: Counter(map(_breed, members)) for split, members in splits.items()}
    present = {p.breed for p in photos}
    too_small = sorted(
        b
        for b in breeds
        if b in present
        and ((settings.val_ratio and not counts["val"][b]) or (settings.test_ratio and not counts["test"][b]))
    )
    rows = make_rows(splits, settings)
    manifest = [
        Entry(f, p.sha256, split, unit_of[p.source])
        for split, members in splits.items()
        for p in members
        for f in (p.source, *p.twins)
    ] + carried
    return Plan(rows, counts, too_small, duplicates, conflicts, capped, near_groups(links), manifest, origin)
