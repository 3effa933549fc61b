"""Where a build goes: the default folder, the folders it must never write, what to suggest instead.

The default, ``cat_breeds_vlm``, is the folder training code loads (``load_dataset("./cat_breeds_vlm")``).
In a clone of this repository that name is the package's own source folder, so there the
suggestion is ``build/cat_breeds_vlm`` (``/build/`` is git-ignored at the repository root).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import UserError

#: Where ``build`` writes when no -o is given.
DEFAULT_OUT = "cat_breeds_vlm"
#: Where to build instead when the default is this package's source (the repository root).
REPO_OUT = "build/cat_breeds_vlm"


def is_package_source(folder: Path) -> bool:
    """True for a Python package's source folder (it has ``__init__.py``): never a dataset."""
    return (Path(folder) / "__init__.py").is_file()


def in_repository(folder: Path) -> bool:
    """True for this project's own package folder in a clone of the repository."""
    folder = Path(folder).absolute()
    return folder.name == "cat_breeds_vlm" and (folder.parent / "pyproject.toml").is_file()


def suggested_output() -> str:
    """The ``-o`` to suggest: the default, unless that is this package's source here."""
    return REPO_OUT if is_package_source(Path(DEFAULT_OUT)) else DEFAULT_OUT


def package_source_note(folder: Path, name: str, image_dir: Path | str = "IMAGE_DIR") -> str:
    """Why ``folder`` is no dataset folder, and the build command to run instead."""
    where = " (you are in the cat_breeds_vlm repository: its package has that name)" if in_repository(folder) else ""
    return (
        f"{name} is a Python package's source folder, not a dataset{where}: build into another folder,"
        f" e.g. `cat-breeds-vlm build {image_dir} -o {suggested_output()}`, and use that one"
    )


def check_destination(out: Path, overwrite: bool, image_dir: Path | str = "IMAGE_DIR") -> None:
    """Refuse, before any work, a destination we must not write: touches nothing.

    Missing parent folders are fine (the build makes them); ``image_dir`` goes into the
    command suggested when ``out`` is a package's source folder.
    """
    _check_apart(out, image_dir)
    if out.exists():
        if is_package_source(out):
            note = package_source_note(out, out.name, image_dir)
            raise UserError(f"refusing to write into {out}: {note}")
        from ..report.record import is_report_folder  # its records are not needed to start the CLI

        if not out.is_dir() or not is_report_folder(out):
            raise UserError(
                f"refusing to write into {out}: it exists and is not a cat_breeds_vlm build (choose another -o)"
            )
        if not overwrite:
            raise UserError(f"{out} holds an earlier build: pass --overwrite to replace it")
    parent = next(p for p in Path(out).absolute().parents if p.exists())
    if not parent.is_dir():
        raise UserError(f"cannot write {out}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"cannot write {out}: folder {parent} is not writable")


def _check_apart(out: Path, image_dir: Path | str) -> None:
    """Refuse an output inside the image folder (the next build would read it as photos)."""
    if not isinstance(image_dir, Path) or not image_dir.is_dir():
        return
    out, images = Path(out).resolve(), image_dir.resolve()
    if out == images or images in out.parents:
        raise UserError(
            f"refusing to write {out} inside the image folder {image_dir}: the next build would"
            " read its files as photos (choose an -o outside it)"
        )
    if out in images.parents:
        raise UserError(f"refusing to write {out}: it holds the image folder {image_dir}")


#: The made-up predictions the demo writes beside its build, and scores.
DEMO_PREDICTIONS = "made_up_predictions.jsonl"
#: What a demo folder holds: its photos, its build, the photos being made, its made-up predictions.
DEMO_ENTRIES = frozenset({"images", DEFAULT_OUT, ".images.partial", DEMO_PREDICTIONS})


def check_demo_folder(out: Path) -> None:
    """Refuse a demo ``-o`` that holds anything but an earlier demo: touches nothing."""
    if not out.exists():
        return
    if not out.is_dir():
        raise UserError(f"refusing to use {out} for the demo: it is a file (choose a new folder)")
    others = sorted(p.name for p in out.iterdir() if p.name not in DEMO_ENTRIES)
    if others:
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        raise UserError(
            f"refusing to use {out} for the demo: it holds other files ({shown}); choose a new"
            " folder, or an earlier demo's"
        )
