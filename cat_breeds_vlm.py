"""Dataset script at the repo root: exposes ``CatBreedsVLM`` and, run as a script, the CLI.

    python cat_breeds_vlm.py build data/images -o cat_breeds_vlm

No logic lives here. (Run from the repo root, ``import cat_breeds_vlm`` finds the package
folder, not this file: a package directory wins over a module of the same name.)
"""

from cat_breeds_vlm import CatBreedsVLM, CatBreedsVLMConfig  # noqa: F401
from cat_breeds_vlm.cli import main

if __name__ == "__main__":
    main()
