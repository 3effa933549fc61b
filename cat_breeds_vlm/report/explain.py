"""What a build report means, in words: the marks, the splits written, which breeds miss val or
test and why, and the settings as a user types them.

One home for these, read by the dataset card, ``stats``, the review page and the build summary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..features import EVAL_SPLITS, PHOTO_SPLITS, in_build_order
from ..pipeline.plan import MIN_PHOTOS_TO_SPLIT

if TYPE_CHECKING:
    from .record import BuildReport

#: The marks of the breed tables, the same in the card and in ``stats``: a priority breed, and a
#: breed missing from val and/or test. ASCII and Latin-1 only, so any terminal prints them.
PRIORITY_MARK = "*"
MISSING_MARK = "†"


def split_names(report: BuildReport) -> list[str]:
    """The report's splits in build order (train, val, test, priority), then any others sorted."""
    return in_build_order(report.splits)


def missing_eval(report: BuildReport) -> dict[str, list[str]]:
    """Breeds with no row in val or test: breed -> the evaluation splits it is missing from."""
    missing: dict[str, list[str]] = {}
    for breed in report.breeds:
        absent = [s for s in EVAL_SPLITS if s in report.counts and not report.counts[s].get(breed)]
        if absent:
            missing[breed] = absent
    return missing


#: Why a breed misses val or test (:func:`missing_reasons`), as the card and ``stats`` say it.
TOO_FEW_PHOTOS = f"fewer than {MIN_PHOTOS_TO_SPLIT} distinct photos"
TOO_FEW_PETS = f"{MIN_PHOTOS_TO_SPLIT} or more photos, but of fewer than {MIN_PHOTOS_TO_SPLIT} different pets"
NOT_RECORDED_WHY = "too few photos or pets: this older build.json does not say which"
NOT_ASKED = "the build asked for no such split (ratio 0)"


def missing_reasons(report: BuildReport) -> dict[str, tuple[str, int | None]]:
    """Why each breed of :func:`missing_eval` misses a split, and its distinct photos.

    ``breed -> (TOO_FEW_PHOTOS or TOO_FEW_PETS, photos)``; a report without per-breed photo
    counts (an older ``build.json``) cannot tell which: ``(NOT_RECORDED_WHY, None)``.
    """
    photos = report.photos
    settings = report.settings or {}
    reasons: dict[str, tuple[str, int | None]] = {}
    for breed, splits in missing_eval(report).items():
        if all(settings.get(f"{split}_ratio") == 0 for split in splits):
            reasons[breed] = (NOT_ASKED, None)
        elif photos is None:
            reasons[breed] = (NOT_RECORDED_WHY, None)
        else:
            total = sum(photos.get(s, {}).get(breed, 0) for s in PHOTO_SPLITS)
            reasons[breed] = (TOO_FEW_PHOTOS if total < MIN_PHOTOS_TO_SPLIT else TOO_FEW_PETS, total)
    return reasons


def setting_text(value: Any) -> str:
    """A setting's value as a user typed it: ``none`` for no value, lists comma-separated."""
    if value is None:
        return "none"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or "none"
    return str(value)


def why_text(reason: str, photos: int | None) -> str:
    """A breed's reason, with its photos: ``1 distinct photo`` / ``4 photos, of fewer than 3 pets``."""
    if reason == TOO_FEW_PHOTOS:
        return f"only {count(photos or 0, 'distinct photo', 'distinct photos')}"
    if reason == TOO_FEW_PETS:
        return f"{num(photos or 0)} photos, but of fewer than {MIN_PHOTOS_TO_SPLIT} different pets"
    return reason


def count(n: int, one: str, many: str) -> str:
    """``1 file was`` / ``3 files were``."""
    return f"{num(n)} {one if n == 1 else many}"


def num(value: int) -> str:
    return f"{value:,}"
