"""Near-duplicate links in the plan: pairs of files that show the same picture, turned into
conflicts (two labels for one picture), links between photos (so they share a split) and the
groups a person can check.

Pure functions over plain records, like :mod:`cat_breeds_vlm.pipeline.plan`; the pairs come from
:mod:`cat_breeds_vlm.pipeline.neardup`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from ..report.record import Conflict, NearGroup

if TYPE_CHECKING:
    from .plan import Photo

#: A near-duplicate group larger than this is suspicious: one picture saved 50 times is rare,
#: a chain of look-alikes (A near B near C ...) is not. It still stays in one split, and the
#: report flags it with its size for a person to check.
SUSPICIOUS_GROUP = 50


class UnionFind:
    """Disjoint sets of string keys (path halving): what belongs to one independent unit."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        """The representative of ``key``'s set (a new key is a set of its own)."""
        parent = self._parent
        up = parent.get(key)
        if up is None:  # a new key: most keys are only ever looked up once
            parent[key] = key
            return key
        while up != key:
            parent[key] = parent[up]  # path halving
            key = parent[key]
            up = parent[key]
        return key

    def union(self, first: str, second: str) -> None:
        """Join the sets of two keys."""
        self._parent[self.find(second)] = self.find(first)


class NearPair(NamedTuple):
    """Two files (sources, ``a < b``) whose pictures are near-duplicates, and how far apart.

    A named tuple: a search may find hundreds of thousands (one photo posted ten times makes
    45), and tuples are made and sorted far faster than dataclasses.
    """

    a: str
    b: str
    distance: float


def _photo_of(photos: Iterable[Photo]) -> dict[str, Photo]:
    """Every file's photo: the kept file and its byte-identical twins all map to it."""
    owner = {p.source: p for p in photos}
    owner.update((twin, p) for p in photos if p.twins for twin in p.twins)
    return owner


def drop_near_conflicts(photos: list[Photo], pairs: Iterable[NearPair]) -> tuple[list[Photo], list[Conflict]]:
    """Leave out both photos of every near-duplicate pair under two breed folders.

    Returns the photos kept and one conflict per such pair (the same shape as byte-identical
    conflicts, plus the distance).
    """
    owner = _photo_of(photos)
    dropped: set[str] = set()
    conflicts = []
    for pair in sorted(pairs):
        first, second = owner.get(pair.a), owner.get(pair.b)
        if first is None or second is None or first.breed == second.breed:
            continue
        dropped |= {first.source, second.source}
        conflicts.append(Conflict([pair.a, pair.b], sorted({first.breed, second.breed}), pair.distance))
    return [p for p in photos if p.source not in dropped], conflicts


def photo_links(photos: list[Photo], pairs: Iterable[NearPair]) -> list[NearPair]:
    """The pairs between distinct photos of one breed, as pairs of kept sources (closest kept)."""
    owner = _photo_of(photos)
    best: dict[tuple[str, str], float] = {}
    for pair in pairs:
        first, second = owner.get(pair.a), owner.get(pair.b)
        if first is None or second is None or first is second or first.breed != second.breed:
            continue
        key = tuple(sorted((first.source, second.source)))
        best[key] = min(best.get(key, pair.distance), pair.distance)
    return sorted(NearPair(a, b, d) for (a, b), d in best.items())


def near_groups(links: list[NearPair]) -> list[NearGroup]:
    """The connected groups of linked photos, each with its pairs and distances, for the report.

    Sorted by first source; a group of more than :data:`SUSPICIOUS_GROUP` photos is flagged.
    """
    sets = UnionFind()
    for link in links:
        sets.union(link.a, link.b)
    members: dict[str, set[str]] = defaultdict(set)
    edges: dict[str, list[NearPair]] = defaultdict(list)
    for link in links:
        members[sets.find(link.a)] |= {link.a, link.b}
        edges[sets.find(link.a)].append(link)
    groups = [
        NearGroup(
            photos=sorted(members[key]),
            size=len(members[key]),
            suspicious=len(members[key]) > SUSPICIOUS_GROUP,
            max_distance=max(e.distance for e in edges[key]),
            pairs=[(e.a, e.b, e.distance) for e in sorted(edges[key])],
        )
        for key in members
    ]
    return sorted(groups, key=lambda g: g.photos[0])
