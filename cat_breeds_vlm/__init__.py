"""cat_breeds_vlm: labelled cat photos -> a leak-free vision-language fine-tuning dataset.

``import cat_breeds_vlm`` stays cheap: the builder (which needs ``datasets``) is imported on
first use, so ``from cat_breeds_vlm import CatBreedsVLM`` gives it and the command line never
pays for it.
"""

from __future__ import annotations

import importlib

__version__ = "0.3.0"

__all__ = ["CatBreedsVLM", "CatBreedsVLMConfig", "__version__"]


def __getattr__(name: str):
    """Import the builder on first use, so the CLI starts fast."""
    if name in ("CatBreedsVLM", "CatBreedsVLMConfig"):
        return getattr(importlib.import_module(".pipeline.builder", __name__), name)
    raise AttributeError(f"module 'cat_breeds_vlm' has no attribute {name!r}")
