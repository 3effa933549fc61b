"""The build settings, as a typed ``datasets.BuilderConfig`` validated at construction."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import datasets

from ..errors import SettingsError
from ..labels.catalog import Catalog, load_catalog
from ..labels.conversations import STYLES, check_style
from .licence import DEFAULT_LICENSE, license_problem
from .settings import PlanSettings, ratio_problem

__all__ = ["CatBreedsVLMConfig", "SettingsError"]


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

    @property
    def catalog(self) -> Catalog:
        """The label catalogue of this build: the built-in one, with ``labels`` added or overriding."""
        return self._catalog

    @property
    def plan_settings(self) -> PlanSettings:
        """The part of the settings that decides the split."""
        return PlanSettings(
            seed=self.seed,
            val_ratio=self.val_ratio,
            test_ratio=self.test_ratio,
            max_per_class=self.max_per_class,
            priority_breeds=self.priority_breeds,
            priority_oversample=self.priority_oversample,
        )

    def settings(self) -> dict:
        """The settings as plain JSON-able values, for the build report."""
        fields = asdict(self.plan_settings)
        fields["priority_breeds"] = list(self.priority_breeds)
        fields["style"] = self.style
        fields["labels"] = Path(self.labels).name if self.labels else None
        fields["license"] = self.license
        fields["source"] = self.source
        return fields
