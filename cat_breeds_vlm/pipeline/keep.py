"""Keep an earlier build's split: old photos stay where they were, new ones are dealt around them.

Pure functions over plain records, like :mod:`cat_breeds_vlm.pipeline.plan`, which calls
:func:`split_keeping` instead of dealing afresh when a build is given an earlier split
(:class:`Earlier`, read from a manifest: :mod:`cat_breeds_vlm.pipeline.manifest`).

- **Identity.** A photo is the earlier one with the same content hash (so a renamed or moved
  file keeps its split), else the one with the same source (a file whose bytes changed keeps its
  name's split, and is reported). A photo whose hash is known under another breed folder is
  relabelled: it keeps its split, and is reported. Photos of earlier versions that are gone
  stay in the manifest as tombstones, and return to their split if they come back.
- **Leak-freedom first.** Old photos that are now linked across splits (a pet id, bytes, a
  near-duplicate: after a threshold change, say) keep the train one; the val or test one is
  left out, so nothing old moves and nothing crosses. A new photo that would link old photos
  of two splits is left out. Both are listed.
- **New photos** join their unit's old split when their unit has old photos; new units are
  dealt by today's rules (:func:`~cat_breeds_vlm.pipeline.plan.deal_order`, per-breed targets
  at the ratios, as close as whole units allow), each split filled toward its target, never by
  moving an old photo. With other ratios or another seed than the earlier build's, the counts
  move toward the new targets only through the new photos; :func:`distances` says how far.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property

from ..features import PHOTO_SPLITS
from ..report.record import (
    FRESH,
    KEPT,
    Crossed,
    KeptCounts,
    LeftOutPhoto,
    RelabelledPhoto,
    RenamedPhoto,
    SplitOrigin,
    SplitTarget,
)
from .links import NearPair
from .manifest import GONE, IN, LEFT_OUT, Entry
from .plan import (
    Photo,
    allocate,
    deal_order,
    eval_targets,
    group_by_pet,
    keyed_units,
    pet_id,
    split_units,
    stratum,
    unit_key,
)
from .settings import PlanSettings

#: The order in which a split is kept when old photos of several splits are linked: train
#: first (its photos were trained on; leaving out an eval photo costs least).
KEEP_ORDER = {"train": 0, "val": 1, "test": 2}


@dataclass(frozen=True)
class Earlier:
    """An earlier build's split: how to read its manifest entries, and what the report names it by.

    The entries are read when the plan first needs them (:attr:`entries`), inside the build's
    paused garbage collection, not while the photos are verified: 100,000s of small objects
    held from the start would be walked by every collection of the build and its workers.
    The planner works on a copy (``dataclasses.replace``), so they are freed with the plan.
    """

    read: Callable[[], list[Entry]]
    origin: str  # where it came from, as the report says it: "output folder", a repo id ...
    fingerprint: str = ""  # of the manifest file ("" when read from a build's shards)
    settings: dict = field(default_factory=dict)  # the earlier build's settings, if known
    keep: bool = True  # False: deal afresh, and only count what crossed (``--fresh-split``)

    @cached_property
    def entries(self) -> list[Entry]:
        """The manifest entries (read once per copy)."""
        return self.read()

    @cached_property
    def index(self) -> tuple[dict[str, Entry], dict[str, Entry]]:
        """The entries by content hash and by source; an entry in a split wins over a tombstone."""
        by_hash: dict[str, Entry] = {}
        by_source: dict[str, Entry] = {}
        entries = self.entries
        if any(entry.state != IN for entry in entries):  # tombstones: entries in a split win
            entries = sorted(entries, key=_state_rank)
        for entry in entries:
            if entry.sha256:
                by_hash.setdefault(entry.sha256, entry)
            by_source.setdefault(entry.source, entry)
        return by_hash, by_source


def _state_rank(entry: Entry) -> int:
    return 0 if entry.state == IN else 1 if entry.state == LEFT_OUT else 2


@dataclass
class Kept:
    """What keeping the earlier split did: the report's counts and lists."""

    origin: str
    fingerprint: str
    kept: int = 0  # old photos (files) in their old split
    new: int = 0  # new photos (files) dealt
    gone: int = 0  # old files not in this build's tree any more
    left_out: list[LeftOutPhoto] = field(default_factory=list)
    renamed: list[RenamedPhoto] = field(default_factory=list)
    relabelled: list[RelabelledPhoto] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # same name, other bytes: kept the name's split
    carried: list[Entry] = field(default_factory=list)  # left-out and gone entries for the manifest

    def summary(self, targets: dict[str, SplitTarget]) -> SplitOrigin:
        """The counts and lists, as the report records them, with the splits' ``targets``."""
        return SplitOrigin(
            KEPT,
            targets,
            kept_from=self.origin,
            from_manifest=self.fingerprint or None,
            photos=KeptCounts(self.kept, self.new, self.gone, len(self.left_out)),
            left_out=self.left_out,
            renamed=self.renamed,
            relabelled=self.relabelled,
            changed=self.changed,
        )


def split(
    photos: list[Photo], settings: PlanSettings, links: list[NearPair], earlier: Earlier | None
) -> tuple[dict[str, list[Photo]], dict[str, str], SplitOrigin, list[Entry]]:
    """The planner's split: kept from ``earlier`` when given and kept, else dealt afresh.

    Returns the splits, each photo's unit key, where the split came from (the report's
    ``split_origin``) and the manifest lines carried from the earlier build (left out, gone).
    """
    if earlier is None or not earlier.keep:
        splits, unit_of = split_units(photos, settings, links)
        origin = SplitOrigin(FRESH, distances(splits, settings))
        if earlier is not None:
            origin = replace(origin, compared_with=earlier.origin, crossed=crossed(splits, earlier))
        return splits, unit_of, origin, []
    splits, unit_of, kept = split_keeping(photos, settings, links, earlier)
    return splits, unit_of, kept.summary(distances(splits, settings)), kept.carried


def prefer_earlier_sources(photos: list[Photo], earlier: Earlier) -> list[Photo]:
    """Byte-identical files are one photo kept under its first name; when that name is new and
    a twin's is the earlier build's, keep the earlier name, so the photo's row id stays.

    ``photos`` are in source order, and so is the result (the same list when no name changes)."""
    _, by_source = earlier.index
    out = []
    renamed = False
    for p in photos:
        if p.twins and p.source not in by_source:
            known = [t for t in p.twins if t in by_source and by_source[t].state != GONE]
            if known:
                kept = known[0]
                twins = tuple(sorted({p.source, *p.twins} - {kept}))
                p = Photo(kept, p.breed, p.sha256, p.size, twins)
                renamed = True
        out.append(p)
    return sorted(out, key=lambda p: p.source) if renamed else out


def split_keeping(
    photos: list[Photo], settings: PlanSettings, links: Iterable[NearPair], earlier: Earlier
) -> tuple[dict[str, list[Photo]], dict[str, str], Kept]:
    """Assign every photo to train, val or test, keeping the earlier split (see the module).

    Returns the splits (each in source order), each placed photo's unit key, and what was kept.
    """
    links = list(links)
    by_hash, by_source = earlier.index
    kept = Kept(earlier.origin, earlier.fingerprint)
    old_split: dict[str, str] = {}  # kept source -> its earlier split
    matched: dict[Entry, str] = {}  # earlier entry -> the source its photo has now
    for p in photos:
        entry = by_hash.get(p.sha256)
        if entry is None or entry.source != p.source:  # not the same file unchanged (the common case)
            entry = _identify(p, by_hash, by_source, kept)
        if entry is not None:
            old_split[p.source] = entry.split
            matched[entry] = p.source
    units = keyed_units(photos, links)
    old_splits = [_old_splits(unit, old_split) for _, unit in units]
    if any(len(splits) > 1 for splits in old_splits):
        # Something links old photos of two splits (rare): leave out what must go, then group
        # what is left. Otherwise neither step would leave anything out.
        photos = _leave_out_old_crossings(photos, links, old_split, kept)
        photos = _leave_out_bridges(photos, links, old_split, kept)
        present = {p.source for p in photos}
        units = keyed_units(photos, [link for link in links if link.a in present and link.b in present])
        old_splits = [_old_splits(unit, old_split) for _, unit in units]
    splits, unit_of = _deal_new(photos, units, old_splits, old_split, settings, kept)
    for p in (p for members in splits.values() for p in members):
        files = 1 + len(p.twins)
        if p.source in old_split:
            kept.kept += files
        else:
            kept.new += files
    _carry(earlier, splits, matched, kept)
    return splits, unit_of, kept


def _identify(p: Photo, by_hash: dict[str, Entry], by_source: dict[str, Entry], kept: Kept) -> Entry | None:
    """The earlier entry of a photo (by hash, else by name), noting renames, relabels and changes."""
    entry = by_hash.get(p.sha256)
    if entry is not None:
        if entry.breed != p.breed:
            kept.relabelled.append(RelabelledPhoto(p.source, entry.breed, p.breed, entry.split))
        elif entry.source != p.source and entry.source not in (p.source, *p.twins):
            kept.renamed.append(RenamedPhoto(entry.source, p.source))
        return entry
    for name in (p.source, *p.twins):
        entry = by_source.get(name)
        if entry is not None:
            if entry.sha256:  # known bytes, and these are others
                kept.changed.append(p.source)
            return entry
    return None


def _pets(p: Photo) -> Iterable[str]:
    """A photo's pet ids (most photos have no twins: one name to read)."""
    if p.twins:
        return p.pet_ids
    pet = pet_id(p.source)
    return () if pet is None else (pet,)


def _leave_out_old_crossings(
    photos: list[Photo], links: list[NearPair], old_split: dict[str, str], kept: Kept
) -> list[Photo]:
    """Old photos now linked across splits: keep the train ones (else the first split), leave
    out the others, so nothing old moves and nothing crosses.

    A unit spans two splits only if some edge does (a pet id in two splits, a link between
    two splits): the units of the old photos are made only when one does.
    """
    old = [p for p in photos if p.source in old_split]
    old_links = [link for link in links if link.a in old_split and link.b in old_split]
    pet_splits: dict[str, str] = {}
    crossing = any(old_split[link.a] != old_split[link.b] for link in old_links)
    for p in old if not crossing else ():
        split = old_split[p.source]
        for pet in _pets(p):
            if pet_splits.setdefault(pet, split) != split:
                crossing = True
                break
        if crossing:
            break
    if not crossing:
        return photos
    out: set[str] = set()
    for unit in group_by_pet(old, old_links):
        splits = {old_split[p.source] for p in unit}
        if len(splits) < 2:
            continue
        keep = min(splits, key=KEEP_ORDER.__getitem__)
        for p in unit:
            if old_split[p.source] != keep:
                out.add(p.source)
                reason = f"was in {old_split[p.source]}, now linked to photos kept in {keep}"
                kept.left_out.append(LeftOutPhoto(p.source, reason, old_split[p.source]))
    return [p for p in photos if p.source not in out]


def _leave_out_bridges(
    photos: list[Photo], links: list[NearPair], old_split: dict[str, str], kept: Kept
) -> list[Photo]:
    """New photos linked directly (a pet id, a twin's name, a near-duplicate) to old photos of
    two splits: left out. (New photos that link two splits only together, in a chain, are
    left out when the units are dealt: :func:`_deal_new`.)"""
    pet_splits: dict[str, set[str]] = defaultdict(set)
    new = []
    for p in photos:
        split = old_split.get(p.source)
        if split is None:
            new.append(p)
        else:
            for pet in _pets(p):
                pet_splits[pet].add(split)
    near: dict[str, set[str]] = defaultdict(set)
    for link in links:
        if link.a in old_split and link.b not in old_split:
            near[link.b].add(old_split[link.a])
        elif link.b in old_split and link.a not in old_split:
            near[link.a].add(old_split[link.b])
    out: dict[str, set[str]] = {}
    for p in new:
        reach = set(near.get(p.source, ()))
        for pet in _pets(p):
            reach |= pet_splits.get(pet, set())
        if len(reach) > 1:
            out[p.source] = reach
    _list_bridges(out, kept)
    return [p for p in photos if p.source not in out] if out else photos


def _list_bridges(out: dict[str, set[str]], kept: Kept) -> None:
    for source, splits in sorted(out.items()):
        kept.left_out.append(LeftOutPhoto(source, f"new, links photos of {' and '.join(_ordered(splits))}"))


def _ordered(splits: Iterable[str]) -> list[str]:
    return sorted(splits, key=KEEP_ORDER.__getitem__)


def _old_splits(unit: list[Photo], old_split: dict[str, str]) -> set[str]:
    """The earlier splits of a unit's old photos (none for a new unit)."""
    return {old_split[p.source] for p in unit if p.source in old_split}


def _deal_new(
    photos: list[Photo],
    units: list[tuple[str, list[Photo]]],
    old_splits: list[set[str]],
    old_split: dict[str, str],
    settings: PlanSettings,
    kept: Kept,
) -> tuple[dict[str, list[Photo]], dict[str, str]]:
    """Units with old photos stay in their split; new units are dealt per breed toward the targets.

    ``units`` are the photos' :func:`~cat_breeds_vlm.pipeline.plan.keyed_units`, ``old_splits``
    each unit's :func:`_old_splits`. A unit whose old photos are in two splits is held together
    by a chain of new photos: those are left out, and each old photo stays in its split.
    """
    split_of: dict[str, str] = {}
    unit_of: dict[str, str] = {}
    have: dict[str, Counter] = defaultdict(Counter)  # breed -> split -> photos kept there
    total: Counter = Counter()  # breed -> photos
    fresh: dict[str, list[list[Photo]]] = defaultdict(list)
    fresh_keys: dict[str, list[str]] = defaultdict(list)
    chains: dict[str, set[str]] = {}
    for (key, unit), splits in zip(units, old_splits):
        if len(splits) > 1:
            chains.update((p.source, splits) for p in unit if p.source not in old_split)
            unit = [p for p in unit if p.source in old_split]
            for p in unit:
                split_of[p.source] = old_split[p.source]
                unit_of[p.source] = unit_key([p])
                have[p.breed][old_split[p.source]] += 1
                total[p.breed] += 1
            continue
        breed = stratum(unit)
        unit_of.update((p.source, key) for p in unit)
        total[breed] += len(unit)
        if splits:
            (split,) = splits
            split_of.update((p.source, split) for p in unit)
            have[breed][split] += len(unit)
        else:
            fresh[breed].append(unit)
            fresh_keys[breed].append(key)
    _list_bridges(chains, kept)
    for breed, new_units in sorted(fresh.items()):
        n_val, n_test = eval_targets(total[breed], settings.val_ratio, settings.test_ratio)
        need_val, need_test = max(0, n_val - have[breed]["val"]), max(0, n_test - have[breed]["test"])
        dealt = allocate(deal_order(new_units, settings.seed, fresh_keys[breed]), need_val, need_test)
        for split, dealt_units in dealt.items():
            split_of.update((p.source, split) for unit in dealt_units for p in unit)
    splits: dict[str, list[Photo]] = {s: [] for s in PHOTO_SPLITS}
    for p in sorted(photos, key=lambda p: p.source):
        split = split_of.get(p.source)
        if split is not None:  # None: a new photo of a chain, left out
            splits[split].append(p)
    return splits, unit_of


def _carry(earlier: Earlier, splits: dict[str, list[Photo]], matched: dict[Entry, str], kept: Kept) -> None:
    """The manifest lines this build carries besides its own photos: old photos left out (with
    their split) and old files gone (tombstones, those of earlier versions included)."""
    if not kept.left_out and len(matched) == len(earlier.entries):
        # Every earlier line is a photo placed now (nothing was left out): nothing to carry.
        return
    placed = {f for members in splits.values() for p in members for f in (p.source, *p.twins)}
    present_hashes = {p.sha256 for members in splits.values() for p in members}
    left_out = {item.source: item.split for item in kept.left_out}
    for entry in earlier.entries:
        if entry.source in placed or (entry.sha256 and entry.sha256 in present_hashes):
            continue
        if entry in matched and left_out.get(matched[entry]) == entry.split:
            kept.carried.append(entry._replace(state=LEFT_OUT))
            continue
        if entry.state != GONE and entry not in matched:
            kept.gone += 1
        kept.carried.append(entry._replace(state=GONE))


def distances(splits: dict[str, list[Photo]], settings: PlanSettings) -> dict[str, SplitTarget]:
    """Each split's photos against its target (the sum of the breeds' targets at the ratios)."""
    by_breed: dict[str, Counter] = defaultdict(Counter)
    for split, members in splits.items():
        for p in members:
            by_breed[p.breed][split] += 1
    target: Counter = Counter()
    for counts in by_breed.values():
        n = sum(counts.values())
        n_val, n_test = eval_targets(n, settings.val_ratio, settings.test_ratio)
        target.update({"train": n - n_val - n_test, "val": n_val, "test": n_test})
    return {s: SplitTarget(len(splits[s]), target[s]) for s in PHOTO_SPLITS}


def crossed(splits: dict[str, list[Photo]], earlier: Earlier) -> Crossed:
    """For a fresh split where an earlier build is known: photos that crossed between train and
    val/test, each way (known by content hash, else by name)."""
    by_hash, by_source = earlier.index
    train_to_eval = eval_to_train = 0
    for split, members in splits.items():
        for p in members:
            entry = by_hash.get(p.sha256) or by_source.get(p.source)
            if entry is None or entry.state == GONE:
                continue
            if entry.split == "train" and split != "train":
                train_to_eval += 1 + len(p.twins)
            elif entry.split != "train" and split == "train":
                eval_to_train += 1 + len(p.twins)
    return Crossed(train_to_eval, eval_to_train)
