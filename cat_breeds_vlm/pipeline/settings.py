"""The settings of a build, and their defaults: one home for all of them.

The command line's option defaults, the builder config's fields and the planner all read
:class:`PlanSettings` (and the gate's and the search's), so they cannot drift apart;
:class:`BuildSettings` holds them all, validated. Light on purpose (no ``datasets``): the
command line imports it at start, and a build verifies before it loads ``datasets``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import TypeVar

from ..errors import SettingsError
from ..labels.catalog import DEFAULT_PRIORITY_BREEDS, Catalog, load_catalog
from ..labels.conversations import STYLES, check_style
from ..labels.domain import Domain, load_domain
from ..report.licence import DEFAULT_LICENSE, license_problem

T = TypeVar("T")


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


@dataclass
class BuildSettings:
    """Every setting of a build, validated at construction: the command line's options and the
    builder config's fields (:class:`~cat_breeds_vlm.pipeline.builder.CatBreedsVLMConfig` adds
    ``datasets``' own). Free of ``datasets``, so a build can start verifying before it loads it."""

    seed: int = PlanSettings.seed
    val_ratio: float = PlanSettings.val_ratio
    test_ratio: float = PlanSettings.test_ratio
    max_per_class: int | None = PlanSettings.max_per_class
    # None: the domain's default priority labels (the cat domain's: PlanSettings.priority_breeds)
    priority_breeds: tuple[str, ...] | None = None
    priority_oversample: int = PlanSettings.priority_oversample
    style: str = STYLES[0]
    domain: str | None = None  # a shipped domain's name or a domain file; None: the default (cats)
    labels: str | None = None  # a label file adding to or overriding the domain's catalogue
    license: str = DEFAULT_LICENSE  # the card's licence: an identifier the Hub accepts
    source: str = ""  # the card's note on where the photos come from
    strict_jpeg: bool = GateSettings.strict_jpeg
    min_side: int = GateSettings.min_side
    max_aspect: float = GateSettings.max_aspect
    min_spread: float = GateSettings.min_spread
    near_dups: bool = NearDupSettings.near_dups
    near_dup_threshold: float = NearDupSettings.near_dup_threshold

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check every setting; raise :class:`SettingsError` naming the first bad one."""
        self._domain = load_domain(self.domain)  # a bad domain file fails here, naming the line
        self.priority_breeds = tuple(self._domain.priority if self.priority_breeds is None else self.priority_breeds)
        for name in ("val_ratio", "test_ratio"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 <= value < 1:
                raise SettingsError(f"{name} must be in [0, 1), got {value!r}")
        problem = ratio_problem(self.val_ratio, self.test_ratio)
        if problem:
            raise SettingsError(problem)
        if not isinstance(self.priority_oversample, int) or self.priority_oversample < 1:
            raise SettingsError(f"priority_oversample must be an integer >= 1, got {self.priority_oversample!r}")
        if self.max_per_class is not None and (not isinstance(self.max_per_class, int) or self.max_per_class < 1):
            raise SettingsError(f"max_per_class must be an integer >= 1 or None, got {self.max_per_class!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**32:
            raise SettingsError(f"seed must be an integer from 0 to 2**32 - 1, got {self.seed!r}")
        check_style(self.style)
        if problem := license_problem(self.license):
            raise SettingsError(f"license: {problem}")
        self._catalog = load_catalog(self.labels, domain=self._domain)  # a bad label file fails here, naming the line
        self._validate_gate()
        if not isinstance(self.near_dups, bool):
            raise SettingsError(f"near_dups must be True or False, got {self.near_dups!r}")
        threshold = self.near_dup_threshold
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 50:
            raise SettingsError(f"near_dup_threshold must be in [0, 50], got {threshold!r}")

    @property
    def catalog(self) -> Catalog:
        """The label catalogue of this build: the domain's, with ``labels`` added or overriding."""
        return self._catalog

    @property
    def loaded_domain(self) -> Domain:
        """The domain of this build (its words, sentence patterns and parser filler words)."""
        return self._domain

    def _validate_gate(self) -> None:
        """The quality gate's settings: each a number >= 0 (0 turns that gate off)."""
        if not isinstance(self.strict_jpeg, bool):
            raise SettingsError(f"strict_jpeg must be True or False, got {self.strict_jpeg!r}")
        if isinstance(self.min_side, bool) or not isinstance(self.min_side, int) or self.min_side < 0:
            raise SettingsError(f"min_side must be an integer >= 0 (0: no minimum), got {self.min_side!r}")
        if (
            isinstance(self.max_aspect, bool)
            or not isinstance(self.max_aspect, (int, float))
            or not (self.max_aspect == 0 or self.max_aspect >= 1)
        ):
            raise SettingsError(f"max_aspect must be 0 (no limit) or a ratio >= 1, got {self.max_aspect!r}")
        if (
            isinstance(self.min_spread, bool)
            or not isinstance(self.min_spread, (int, float))
            or not (0 <= self.min_spread < 256)
        ):
            raise SettingsError(f"min_spread must be in [0, 256) (0: keep near-blank images), got {self.min_spread!r}")

    def _part(self, kind: type[T]) -> T:
        """The settings dataclass ``kind`` filled from this config's fields of the same names."""
        return kind(**{f.name: getattr(self, f.name) for f in dataclass_fields(kind)})

    @property
    def plan_settings(self) -> PlanSettings:
        """The part of the settings that decides the split."""
        return self._part(PlanSettings)

    @property
    def gate_settings(self) -> GateSettings:
        """The part of the settings that decides which decodable files are usable photos."""
        return self._part(GateSettings)

    @property
    def near_settings(self) -> NearDupSettings:
        """The part of the settings that decides which photos count as one picture."""
        return self._part(NearDupSettings)

    def settings(self) -> dict:
        """The settings as plain JSON-able values, for the build report."""
        fields = asdict(self.plan_settings)
        fields["priority_breeds"] = list(self.priority_breeds)
        fields["style"] = self.style
        fields["domain"] = self._domain.name
        fields["labels"] = Path(self.labels).name if self.labels else None
        fields["license"] = self.license
        fields["source"] = self.source
        fields.update(asdict(self.gate_settings))
        fields.update(asdict(self.near_settings))
        return fields
