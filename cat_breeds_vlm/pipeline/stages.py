"""The build pipeline up to the rows: scan -> verify -> gate -> plan, shared by the builder and the folder writer."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError
from ..hints import did_you_mean
from ..report.record import EmptyFolder, SkippedFile
from ..workers import start_server
from .keep import Earlier
from .measure import judge
from .neardup import find_near_duplicates, load_index
from .plan import ImageFile, Plan, plan
from .scan import ScanResult, Walk
from .settings import BuildSettings, GateSettings
from .verify import Verdict, VerdictCache, verify_all


@dataclass
class Prepared:
    """Everything known before any row is written: the tree, the skipped files and the plan."""

    image_dir: Path
    scanned: ScanResult
    skipped: list[SkippedFile]
    plan: Plan

    @property
    def breeds(self) -> list[str]:
        """The ClassLabel names: the breed folders with at least one photo kept, sorted."""
        kept = {breed for counts in self.plan.photos.values() for breed, n in counts.items() if n}
        return [breed for breed in self.scanned.breeds if breed in kept]

    @property
    def empty_folders(self) -> list[EmptyFolder]:
        """The breed folders left with no photo, each with why: reported, never a label."""
        labels = set(self.breeds)
        found = Counter(c.breed for c in self.scanned.candidates)
        skipped = Counter(s.folder for s in self.skipped)
        empty = []
        for breed in self.scanned.breeds:
            if breed in labels:
                continue
            if not found[breed]:
                reason = "a folder in it cannot be read" if skipped[breed] else "no image files"
            elif skipped[breed] >= found[breed]:
                reason = f"every file was skipped: {found[breed]} found"
            else:
                reason = "every photo was left out (the same picture is under another label)"
            empty.append(EmptyFolder(breed, reason))
        return empty


def _judge_all(
    scanned: ScanResult, verdicts: Mapping[str, Verdict], gate: GateSettings
) -> tuple[list[ImageFile], list[SkippedFile]]:
    """The files the quality gate keeps, and the skipped ones (the scan's first) with why."""
    good, skipped = [], list(scanned.skipped)
    for cand in scanned.candidates:
        verdict = verdicts[cand.source]
        reason = judge(verdict.measured, gate)
        if reason is None:
            good.append(ImageFile(cand.source, cand.breed, verdict.sha256, cand.size))
        else:
            skipped.append(SkippedFile(cand.source, reason))
    return good, skipped


def prepare(
    image_dir: Path,
    settings: BuildSettings,
    *,
    num_proc: int = 1,
    progress: bool = True,
    cache: VerdictCache | None = None,
    scanned: ScanResult | None = None,
    meanwhile: Callable[[], object] | None = None,
    earlier: Earlier | None = None,
) -> Prepared:
    """Scan the image folder, verify every candidate (cached), pass it through the quality
    gate, find near-duplicates among the photos kept, and plan the splits, as ``settings`` say.

    ``meanwhile`` is work of this process done while the workers verify (see :func:`verify_all`);
    with the near-duplicate search on, loading its index's library is done then too.
    ``earlier`` is an earlier build's split, kept (see :mod:`~cat_breeds_vlm.pipeline.keep`)."""
    given, image_dir = image_dir, Path(image_dir).resolve()
    if num_proc > 1:
        start_server()  # its imports overlap the walk
    # Every stage here makes objects by the photo, none in cycles: no collection walks them all.
    with paused_gc():
        # Verification starts on the first photos found while the walk goes on (its own bar is
        # off: the verification's counts the photos as they come).
        walk = Walk(given) if scanned is None else None
        _check_priority(settings, walk.breeds if walk is not None else scanned.breeds, given)
        found = walk.candidates() if walk is not None else scanned.candidates
        if settings.near_dups:
            meanwhile = _also(meanwhile, load_index)
        verdicts = verify_all(
            found, num_proc=num_proc, cache=cache, progress=progress, under=image_dir, meanwhile=meanwhile
        )
        scanned = walk.result() if walk is not None else scanned
        good, skipped = _judge_all(scanned, verdicts, settings)
        near_pairs = []
        if settings.near_dups:
            # One file per content: byte-identical twins are already one photo.
            unique = list({f.sha256: f.source for f in reversed(good)}.values())
            thumbs = [verdicts[source].measured.thumb for source in unique]
            near_pairs = find_near_duplicates(unique, thumbs, settings.near_dup_threshold, workers=num_proc)
        planned = plan(good, scanned.breeds, settings, near_pairs, earlier)
    if not planned.rows["train"]:
        raise UserError(
            f"no usable image in {image_dir}: {len(scanned.candidates)} candidate files,"
            f" {len(skipped)} skipped as broken or not usable photos"
            + (f" (first: {skipped[0].source}: {skipped[0].reason.text})" if skipped else "")
        )
    return Prepared(image_dir, scanned, skipped, planned)


def _check_priority(settings: BuildSettings, breeds: list[str], image_dir: Path) -> None:
    """Priority breeds named (not the default list) must be breed folders of ``image_dir``: a
    typo fails before any photo is verified."""
    if settings.is_default("priority_breeds"):
        return
    for name in settings.priority_breeds:
        if name not in breeds:
            problem = f"{name!r} is not a breed folder of {image_dir}{did_you_mean(name, breeds)}"
            raise settings.refused("priority_breeds", problem=problem, clause=True)


def _also(first: Callable[[], object] | None, then: Callable[[], object]) -> Callable[[], None]:
    """Both pieces of work, one after the other (``first`` may be None)."""

    def both() -> None:
        if first is not None:
            first()
        then()

    return both


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside the block; the collector's former state after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
