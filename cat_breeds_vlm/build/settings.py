"""The settings that decide a build's split, and their defaults: one home for all of them.

The command line's option defaults, the builder config's fields and the planner all read
:class:`PlanSettings`, so they cannot drift apart. Light on purpose (no heavy imports): the
command line imports it at start.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..labels.catalog import DEFAULT_PRIORITY_BREEDS


@dataclass(frozen=True)
class PlanSettings:
    """The settings that decide the split (validated by the builder config)."""

    seed: int = 42
    val_ratio: float = 0.1
    test_ratio: float = 0.1
    max_per_class: int | None = None
    priority_breeds: tuple[str, ...] = DEFAULT_PRIORITY_BREEDS
    priority_oversample: int = 5


@dataclass(frozen=True)
class GateSettings:
    """The quality gate: which decodable files are still not usable photos (0 or False: gate off).

    Defaults, and why:

    - ``strict_jpeg``: a JPEG whose entropy-coded data libjpeg reports as corrupt is skipped.
      libjpeg recovers from it silently and the picture is visibly broken (garbage below the
      damage).
    - ``min_side`` 32 px: tracking pixels and icons. The real photos are about 300 px wide; a
      model sees nothing of a cat in fewer than 32 pixels.
    - ``max_aspect`` 8 (long side / short side): banners and strips. Panoramas of a cat rarely
      pass 3:1.
    - ``min_spread`` 2.0: near-blank placeholders. The spread is the largest standard deviation
      of a colour channel (0-255), measured at the decode scale (1/8 of a 300 px photo): a
      solid or nearly solid image measures below 1; the lowest real or synthetic photo measured
      (dark, grayscale and low-contrast ones included) is far above 2 (see ``benchmarks/RESULTS.md``).
    """

    strict_jpeg: bool = True
    min_side: int = 32
    max_aspect: float = 8.0
    min_spread: float = 2.0
def ratio_problem(
    val_ratio: float, test_ratio: float, names: tuple[str, str] = ("val_ratio", "test_ratio")
) -> str | None:
    """What is wrong with the two ratios together (they must leave some photos for train), or None.

    ``names`` are how the caller's user spelled them (``--val-ratio`` on the command line).
    """
    if val_ratio + test_ratio >= 1:
        return f"{names[0]} + {names[1]} must be below 1, got {val_ratio} + {test_ratio}"
    return None


@dataclass(frozen=True)
class NearDupSettings:
    """The near-duplicate search: whether it runs, and how close two pictures must be.

    ``near_dup_threshold`` is the largest signature distance (root mean square difference of
    the two 16 x 16 thumbnails, in percent of their brightness) at which two photos count as
    the same picture. The default is set from measurements (``benchmarks/RESULTS.md``): above
    every re-encode, resize, PNG re-save and small brightness change we planted, below the
    closest two distinct photos we found.
    """

    near_dups: bool = True
    near_dup_threshold: float = 6.0
