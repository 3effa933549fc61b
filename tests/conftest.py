"""Test-wide settings: no network, and a private Hugging Face cache so no stale cache can help."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

# Set before anything imports datasets/huggingface_hub: their config reads these at import.
_CACHE = tempfile.mkdtemp(prefix="cat-breeds-vlm-tests-")
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)
os.environ["HF_HOME"] = _CACHE
os.environ["HF_DATASETS_CACHE"] = os.path.join(_CACHE, "datasets")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["TQDM_DISABLE"] = "1"


# --- a small real build, shared by the test modules ----------------------------------------
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

#: Fixture modules shared by several test modules (their fixtures need no import there).
pytest_plugins = ["export_fixtures"]

#: A small tree with the awkward parts of the real one: a one-photo breed, priority breeds,
#: a coat pattern, an odd folder name, pets with several photos.
SMALL_COUNTS = {
    "Abyssinian": 12,
    "Bengal": 30,
    "Burmilla": 8,
    "Calico": 10,
    "Chinchilla": 3,
    "Domestic Short Hair": 40,
    "Sphynx - Hairless Cat": 6,
    "York Chocolate": 1,
}


def make_small_tree(root: Path, seed: int = 0) -> dict:
    """The small tree, plus bad, odd, ignored and duplicate files; returns what was planted."""
    from tree_fixtures import (
        make_bad_files,
        make_ignored_files,
        make_odd_but_valid_files,
    )

    from cat_breeds_vlm.demo import make_tree

    make_tree(root, SMALL_COUNTS, seed=seed)
    planted = {
        "bad": make_bad_files(root),
        "odd": make_odd_but_valid_files(root),
        "ignored": make_ignored_files(root),
    }
    bengal = sorted((root / "Bengal").glob("*.jpg"))
    shutil.copyfile(bengal[0], root / "Bengal" / "twin_copy.jpg")  # same bytes, same breed
    shutil.copyfile(bengal[1], root / "Calico" / "conflict_copy.jpg")  # same bytes, two labels
    planted["twin"] = (f"Bengal/{bengal[0].name}", "Bengal/twin_copy.jpg")
    planted["conflict"] = (f"Bengal/{bengal[1].name}", "Calico/conflict_copy.jpg")
    return planted


@pytest.fixture(scope="session")
def small_tree(tmp_path_factory) -> tuple[Path, dict]:
    """(image folder, planted files) of the small tree; read-only for tests."""
    root = tmp_path_factory.mktemp("tree") / "images"
    root.mkdir()
    return root, make_small_tree(root)


@pytest.fixture(scope="session")
def small_build(small_tree, tmp_path_factory) -> Path:
    """A real build of the small tree (seed 42, defaults): the folder; read-only for tests."""
    from cat_breeds_vlm.pipeline.builder import CatBreedsVLMConfig
    from cat_breeds_vlm.pipeline.folder import build_folder

    out = tmp_path_factory.mktemp("build") / "cat_breeds_vlm"
    build_folder(small_tree[0], out, CatBreedsVLMConfig(), progress=False, command="test build")
    return out


def interruptible() -> None:
    """``preexec_fn`` of a child that a test stops with Ctrl-C (SIGINT).

    A shell starts background jobs with SIGINT ignored, children inherit that, and Python then
    never raises KeyboardInterrupt: the child gets SIGINT's default back before it starts.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
