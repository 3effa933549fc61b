"""cat_breeds_vlm: labelled cat photos -> a leak-free vision-language fine-tuning dataset.

The heavy modules (``datasets``, Pillow) load lazily: ``import cat_breeds_vlm`` stays cheap,
and ``from cat_breeds_vlm import CatBreedsVLM`` gives the builder.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["CatBreedsVLM", "CatBreedsVLMConfig", "__version__"]


def __getattr__(name: str):
    """Import the builder on first use, so the CLI starts fast."""
    if name in ("CatBreedsVLM", "CatBreedsVLMConfig"):
        from . import builder

        return getattr(builder, name)
    raise AttributeError(f"module 'cat_breeds_vlm' has no attribute {name!r}")
