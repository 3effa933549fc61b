"""cat_breeds_vlm: labelled cat photos -> a leak-free vision-language fine-tuning dataset.

The heavy modules (``datasets``, Pillow) load lazily: ``import cat_breeds_vlm`` stays cheap,
and ``from cat_breeds_vlm import CatBreedsVLM`` gives the builder.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["CatBreedsVLM", "CatBreedsVLMConfig", "__version__"]


#: Modules that moved into subpackages, still reachable by their earlier names
#: (``cat_breeds_vlm.hub.push``, ``cat_breeds_vlm.parse.parse_breed``, ``cat_breeds_vlm.score.score``).
_MOVED = {"hub": "dataset.hub", "parse": "labels.parse", "score": "evaluate.score"}


def __getattr__(name: str):
    """Import the builder (or a moved module) on first use, so the CLI starts fast."""
    import importlib

    if name in ("CatBreedsVLM", "CatBreedsVLMConfig"):
        return getattr(importlib.import_module(".build.builder", __name__), name)
    if name in _MOVED:
        return importlib.import_module(f".{_MOVED[name]}", __name__)
    raise AttributeError(f"module 'cat_breeds_vlm' has no attribute {name!r}")
