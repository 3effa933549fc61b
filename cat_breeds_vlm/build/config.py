"""The build settings, as a typed ``datasets.BuilderConfig`` validated at construction."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import datasets

from ..errors import UserError
from ..labels.catalog import DEFAULT_PRIORITY_BREEDS
from ..labels.conversations import STYLES
from .plan import PlanSettings


class SettingsError(UserError, ValueError):
    """A build setting out of its range; the message names the setting and the value."""


@dataclass
class CatBreedsVLMConfig(datasets.BuilderConfig):
    """Settings of a build. ``data_dir`` (inherited) is the image folder, ``{breed}/*.jpg``."""

    seed: int = 42
    val_ratio: float = 0.1
    test_ratio: float = 0.1
    max_per_class: int | None = None
    priority_breeds: tuple[str, ...] = DEFAULT_PRIORITY_BREEDS
    priority_oversample: int = 5
    style: str = "single"

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
        if self.val_ratio + self.test_ratio >= 1:
            raise SettingsError(
                f"val_ratio + test_ratio must be below 1, got {self.val_ratio} + {self.test_ratio}"
            )
        if not isinstance(self.priority_oversample, int) or self.priority_oversample < 1:
            raise SettingsError(f"priority_oversample must be an integer >= 1, got {self.priority_oversample!r}")
        if self.max_per_class is not None and (
            not isinstance(self.max_per_class, int) or self.max_per_class < 1
        ):
            raise SettingsError(f"max_per_class must be an integer >= 1 or None, got {self.max_per_class!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**32:
            raise SettingsError(f"seed must be an integer from 0 to 2**32 - 1, got {self.seed!r}")
        if self.style not in STYLES:
            raise SettingsError(f"unknown style {self.style!r}: choose from {', '.join(STYLES)}")

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
        return fields
