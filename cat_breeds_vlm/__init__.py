"""cat_breeds_vlm: labelled cat photos -> a leak-free vision-language fine-tuning dataset.

``import cat_breeds_vlm`` stays cheap, and so does the command line's start-up, by one rule:
heavy libraries (``datasets``, ``pyarrow``, ``huggingface_hub``...) are imported inside the
function that needs them wherever a module is loaded at start-up, and a package's public names
that live in heavy modules are imported on first use (:func:`lazy_names`): ``from cat_breeds_vlm
import CatBreedsVLM`` gives the builder.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__version__ = "0.3.0"

__all__ = ["CatBreedsVLM", "CatBreedsVLMConfig", "__version__"]


def lazy_names(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """The module ``__getattr__`` of ``package`` (PEP 562) for names that live in its modules:
    ``homes`` maps each name to its module (relative to ``package``), imported on first use."""

    def __getattr__(name: str) -> Any:
        if name in homes:
            return getattr(importlib.import_module(homes[name], package), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__


__getattr__ = lazy_names(__name__, {"CatBreedsVLM": ".pipeline.builder", "CatBreedsVLMConfig": ".pipeline.builder"})
