"""The builder's config: the build settings (:class:`~cat_breeds_vlm.pipeline.settings.BuildSettings`)
as a typed ``datasets.BuilderConfig``, validated at construction."""

from __future__ import annotations

from dataclasses import dataclass

import datasets

from ..errors import SettingsError
from .settings import BuildSettings

__all__ = ["CatBreedsVLMConfig", "SettingsError"]


@dataclass
class CatBreedsVLMConfig(BuildSettings, datasets.BuilderConfig):
    """Settings of a build. ``data_dir`` (inherited) is the image folder, ``{breed}/*.jpg``."""

    def __post_init__(self) -> None:
        datasets.BuilderConfig.__post_init__(self)
        self.validate()
