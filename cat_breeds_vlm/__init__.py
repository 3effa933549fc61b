"""cat_breeds_vlm: labelled cat photos -> a leak-free vision-language fine-tuning dataset.

The heavy modules (``datasets``, Pillow) load lazily: ``import cat_breeds_vlm`` stays cheap,
and ``from cat_breeds_vlm import CatBreedsVLM`` gives the builder.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

__version__ = "0.2.0"

__all__ = ["CatBreedsVLM", "CatBreedsVLMConfig", "__version__"]

#: Modules that moved into subpackages in 0.2.0, still importable by their earlier names
#: (``from cat_breeds_vlm.hub import push``, ``cat_breeds_vlm.parse.parse_breed``, ...).
MOVED = {"hub": "dataset.hub", "parse": "labels.parse", "score": "evaluate.score"}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports ``cat_breeds_vlm.hub`` (and the others of :data:`MOVED`) as the module at its new home."""

    def find_spec(self, fullname: str, path: object = None, target: object = None):
        package, _, name = fullname.rpartition(".")
        if package != __name__ or name not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(f"{__name__}.{MOVED[spec.name.rpartition('.')[2]]}")

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the module was imported at its new home."""


sys.meta_path.append(_MovedModules())


def __getattr__(name: str):
    """Import the builder (or a moved module) on first use, so the CLI starts fast."""
    if name in ("CatBreedsVLM", "CatBreedsVLMConfig"):
        return getattr(importlib.import_module(".pipeline.builder", __name__), name)
    if name in MOVED:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'cat_breeds_vlm' has no attribute {name!r}")
