"""The quality gate: from an image's cached measurements to "keep" or a reason to skip it.

Only usable photos reach the splits. A file can decode and still be no photo: JPEG data that
libjpeg reports as corrupt (the stored picture is broken below the damage), a tracking pixel,
a banner, a blank placeholder. Verdicts are made here, from :class:`Measurements`, at every
build; the measurements themselves are cached, so changing a threshold decodes nothing.
"""

from __future__ import annotations

from .measure import Measurements
from .settings import GateSettings


def judge(found: Measurements, gate: GateSettings) -> str | None:
    """None when the file is a usable photo under ``gate``, else why it is skipped.

    A reason's text before its first colon is its kind, the same for every file skipped for
    the same cause (:func:`cat_breeds_vlm.report.record.count_reasons` counts by kind).
    """
    if found.error is not None:
        return found.error
    if gate.strict_jpeg and found.corrupt:
        return f"corrupt JPEG data: {found.corrupt.removeprefix('Corrupt JPEG data: ')}"
    short, long = sorted((found.width, found.height))
    if gate.min_side and short < gate.min_side:
        return f"too small: {found.width}x{found.height} px (minimum side {gate.min_side} px)"
    if gate.max_aspect and long > gate.max_aspect * short:
        return (
            f"extreme aspect ratio: {found.width}x{found.height} px"
            f" ({long / max(short, 1):.1f}:1, limit {gate.max_aspect:g}:1)"
        )
    if gate.min_spread and found.spread < gate.min_spread:
        return f"near-blank: pixel spread {found.spread:.2f} (minimum {gate.min_spread:g})"
    return None
