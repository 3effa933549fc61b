"""The build settings, as a typed ``datasets.BuilderConfig`` validated at construction."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import TypeVar

import datasets

from ..errors import SettingsError
from ..labels.catalog import Catalog, load_catalog
from ..labels.conversations import STYLES, check_style
from .licence import DEFAULT_LICENSE, license_problem
from .settings import GateSettings, NearDupSettings, PlanSettings, ratio_problem

__all__ = ["CatBreedsVLMConfig", "SettingsError"]

T = TypeVar("T")


@dataclass
class CatBreedsVLMConfig(datasets.BuilderConfig):
    """Settings of a build. ``data_dir`` (inherited) is the image folder, ``{breed}/*.jpg``."""

    seed: int = PlanSettings.seed
    val_ratio: float = PlanSettings.val_ratio
    test_ratio: float = PlanSettings.test_ratio
    max_per_class: int | None = PlanSettings.max_per_class
    priority_breeds: tuple[str, ...] = PlanSettings.priority_breeds
    priority_oversample: int = PlanSettings.priority_oversample
    style: str = STYLES[0]
    labels: str | None = None  # a label file adding to or overriding the built-in catalogue
    license: str = DEFAULT_LICENSE  # the card's licence: an identifier the Hub accepts
    source: str = ""  # the card's note on where the photos come from
    strict_jpeg: bool = GateSettings.strict_jpeg
    min_side: int = GateSettings.min_side
    max_aspect: float = GateSettings.max_aspect
    min_spread: float = GateSettings.min_spread
    near_dups: bool = NearDupSettings.near_dups
    near_dup_threshold: float = NearDupSettings.near_dup_threshold

    def __post_init__(self) -> None:
        super().__post_init__()
        self.validate()

    def validate(self) -> None:
        """Check every setting; raise :class:`SettingsError` naming the first bad one."""
        self.priority_breeds = tuple(self.priority_breeds)
        for name in ("val_ratio", "test_ratio"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 <= value < 1:
                raise SettingsError(f"{name} must be in [0, 1), got {value!r}")
        problem = ratio_problem(self.val_ratio, self.test_ratio)
        if problem:
            raise SettingsError(problem)
        if not isinstance(self.priority_oversample, int) or self.priority_oversample < 1:
            raise SettingsError(f"priority_oversample must be an integer >= 1, got {self.priority_oversample!r}")
        if self.max_per_class is not None and (
            not isinstance(self.max_per_class, int) or self.max_per_class < 1
        ):
            raise SettingsError(f"max_per_class must be an integer >= 1 or None, got {self.max_per_class!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**32:
            raise SettingsError(f"seed must be an integer from 0 to 2**32 - 1, got {self.seed!r}")
        check_style(self.style)
        if problem := license_problem(self.license):
            raise SettingsError(f"license: {problem}")
        self._catalog = load_catalog(self.labels)  # a bad label file fails here, naming the line
        self._validate_gate()
        if not isinstance(self.near_dups, bool):
            raise SettingsError(f"near_dups must be True or False, got {self.near_dups!r}")
        threshold = self.near_dup_threshold
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 50:
            raise SettingsError(f"near_dup_threshold must be in [0, 50], got {threshold!r}")

    @property
    def catalog(self) -> Catalog:
        """The label catalogue of this build: the built-in one, with ``labels`` added or overriding."""
        return self._catalog

    def _validate_gate(self) -> None:
        """The quality gate's settings: each a number >= 0 (0 turns that gate off)."""
        if not isinstance(self.strict_jpeg, bool):
            raise SettingsError(f"strict_jpeg must be True or False, got {self.strict_jpeg!r}")
        if isinstance(self.min_side, bool) or not isinstance(self.min_side, int) or self.min_side < 0:
            raise SettingsError(f"min_side must be an integer >= 0 (0: no minimum), got {self.min_side!r}")
        if isinstance(self.max_aspect, bool) or not isinstance(self.max_aspect, (int, float)) or not (
            self.max_aspect == 0 or self.max_aspect >= 1
        ):
            raise SettingsError(f"max_aspect must be 0 (no limit) or a ratio >= 1, got {self.max_aspect!r}")
        if isinstance(self.min_spread, bool) or not isinstance(self.min_spread, (int, float)) or not (
            0 <= self.min_spread < 256
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
        fields["labels"] = Path(self.labels).name if self.labels else None
        fields["license"] = self.license
        fields["source"] = self.source
        fields.update(asdict(self.gate_settings))
        fields.update(asdict(self.near_settings))
        return fields
