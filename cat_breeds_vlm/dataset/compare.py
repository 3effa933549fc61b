"""Two builds side by side: which photos were added, gone, relabelled and moved between splits,
and the two leaks that matter to a model trained on the old one and scored on the new one.

Each build is read as :mod:`cat_breeds_vlm.dataset.earlier` reads one (a folder, or a Hub repo
id[@revision]; only its manifest, never an image). Photos are matched by content hash when both
builds recorded one, else by source. Counts are of files in a split (``priority`` is rows of
train, not a split of its own).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..pipeline.manifest import IN, Entry
from ..report.explain import num


@dataclass
class Comparison:
    """What changed from one build to another."""

    old: str
    new: str
    old_photos: int
    new_photos: int
    added: int = 0
    gone: int = 0
    relabelled: int = 0
    moved: Counter = field(default_factory=Counter)  # (old split, new split) -> photos
    by: str = "content hash"

    @property
    def test_from_train(self) -> int:
        """New test photos that were in the old train: a model trained on the old build saw them."""
        return self.moved[("train", "test")]

    @property
    def train_from_test(self) -> int:
        """Old test photos now in the new train: the old scores no longer measure the new model."""
        return self.moved[("test", "train")]

    @property
    def leaks(self) -> bool:
        """True when either leak is above zero."""
        return bool(self.test_from_train or self.train_from_test)


def compare_entries(old: list[Entry], new: list[Entry], old_name: str, new_name: str) -> Comparison:
    """Compare two builds' manifest entries (only photos in a split count)."""
    old_in = [e for e in old if e.state == IN]
    new_in = [e for e in new if e.state == IN]
    by_hash = all(e.sha256 for e in old_in) and all(e.sha256 for e in new_in)
    key = (lambda e: e.sha256) if by_hash else (lambda e: e.source)
    earlier = {key(e): e for e in old_in}
    result = Comparison(old_name, new_name, len(old_in), len(new_in), by="content hash" if by_hash else "source")
    seen = set()
    for entry in new_in:
        before = earlier.get(key(entry))
        if before is None:
            result.added += 1
            continue
        seen.add(key(entry))
        if before.breed != entry.breed:
            result.relabelled += 1
        if before.split != entry.split:
            result.moved[(before.split, entry.split)] += 1
    result.gone = sum(1 for k in earlier if k not in seen)
    return result


def compare(old: str, new: str, token: str | None = None) -> Comparison:
    """Compare the builds ``old`` and ``new`` (folders or Hub repo ids[@revision])."""
    from .earlier import read_earlier

    first = read_earlier(old, keep=False, token=token, origin=old)
    second = read_earlier(new, keep=False, token=token, origin=new)
    return compare_entries(first.entries, second.entries, old, new)


def format_comparison(c: Comparison) -> str:
    """The comparison as a short text table, the two leaks last."""
    moved = sum(c.moved.values())
    detail = ", ".join(f"{a} -> {b} {num(n)}" for (a, b), n in sorted(c.moved.items()))
    lines = [
        f"{c.old} ({num(c.old_photos)} photos) -> {c.new} ({num(c.new_photos)} photos), matched by {c.by}:",
        f"  added       {num(c.added):>8}",
        f"  gone        {num(c.gone):>8}",
        f"  relabelled  {num(c.relabelled):>8}",
        f"  moved       {num(moved):>8}" + (f"  ({detail})" if detail else ""),
        f"New test photos that were in the old train: {num(c.test_from_train)}",
        f"Old test photos now in the new train:       {num(c.train_from_test)}",
    ]
    if c.leaks:
        lines.append(
            "Leak: a model trained on the old build has seen part of the new test split, or the new"
            " train holds the old test photos. Rebuild over the old build (build --overwrite, or"
            " --keep-split-of OLD) to keep its split."
        )
    return "\n".join(lines)
