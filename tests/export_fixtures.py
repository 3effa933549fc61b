"""A small real build for the export tests, with every awkward kind of image the exports meet.

:func:`make_export_tree` writes a synthetic tree (``demo.make_tree``), adds the odd but valid
files of a real scrape (``tree_fixtures.make_odd_but_valid_files``: CMYK, grayscale, WebP, RGBA PNG, a
PNG named ``.jpg`` ...) and one big photo (for ``--max-side``); the fixtures build it with the
real build (``folder.build_folder``, default settings but the seed) and load it as training code would.
Test modules import the fixtures, so each module that uses them builds once (a fraction of a
second). In-memory image makers (:func:`photo`, :func:`encode`, :func:`kinds`) serve the unit
tests of image encoding and of the validator.
"""

from __future__ import annotations

import io
from pathlib import Path

import datasets
import pytest
from PIL import Image
from tree_fixtures import make_odd_but_valid_files

from cat_breeds_vlm.demo import make_tree, render_photo
from cat_breeds_vlm.export import validate
from cat_breeds_vlm.pipeline.builder import CatBreedsVLMConfig
from cat_breeds_vlm.pipeline.folder import build_folder

#: Photos per breed: Burmilla is a default priority breed, so its train photo is oversampled.
EXPORT_COUNTS = {"Abyssinian": 12, "Bengal": 6, "Burmilla": 3}
#: The seed of the export builds: units are dealt in the order of a seeded hash of their names,
#: and with this one every odd photo lands in train (the tests export train).
EXPORT_SEED = 70
#: The big photo planted in the tree, and its size (the synthetic photos are 300x225).
BIG_SOURCE = "Abyssinian/odd_big.jpg"
BIG = (2000, 1500)
#: The exported MIME type of each odd source: the bytes decide, not the name; the rest is JPEG.
ODD_MIME = {
    "Abyssinian/odd_png_named.jpg": "image/png",  # a PNG named .jpg, kept
    "Abyssinian/odd_cmyk.jpg": "image/jpeg",  # converted to RGB
    "Abyssinian/odd_grayscale.jpg": "image/jpeg",  # kept
    "Abyssinian/odd_rgba.png": "image/png",  # kept, with its alpha
    "Abyssinian/odd_photo.webp": "image/jpeg",  # converted
    BIG_SOURCE: "image/jpeg",  # kept unless --max-side
}
#: The sources whose bytes cannot be kept (CMYK JPEG, WebP).
CONVERTED = {"Abyssinian/odd_cmyk.jpg", "Abyssinian/odd_photo.webp"}


def make_export_tree(root: Path) -> Path:
    """Write the export tree under ``root``: synthetic photos, odd files, one big photo."""
    make_tree(root, EXPORT_COUNTS, seed=0)
    make_odd_but_valid_files(root, "Abyssinian")
    big = render_photo(BIG_SOURCE).resize(BIG, Image.Resampling.BICUBIC)
    big.save(root / BIG_SOURCE, "JPEG", quality=80)
    return root


@pytest.fixture(scope="module")
def export_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The image folder the export builds come from; read-only for tests."""
    return make_export_tree(tmp_path_factory.mktemp("export-tree") / "images")


def build(tree: Path, out: Path, config: CatBreedsVLMConfig) -> Path:
    """Build ``tree`` into ``out`` with the real build; returns ``out``."""
    build_folder(tree, out, config, progress=False, command="export test build")
    return out


@pytest.fixture(scope="module")
def export_folder(export_tree: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real build of the export tree (default settings, seed EXPORT_SEED); read-only for tests."""
    return build(export_tree, tmp_path_factory.mktemp("export") / "cats", CatBreedsVLMConfig(seed=EXPORT_SEED))


@pytest.fixture(scope="module")
def train(export_folder: Path) -> datasets.Dataset:
    """Its train split, loaded as training code would; it holds every odd photo."""
    split = datasets.load_dataset(str(export_folder), split="train")
    missing = set(ODD_MIME) - set(split["source"])
    assert not missing, f"the build put {sorted(missing)} outside train: pick other counts"
    assert len(split) > 20
    return split


@pytest.fixture(scope="module")
def detailed_train(export_tree: Path, tmp_path_factory: pytest.TempPathFactory) -> datasets.Dataset:
    """The train split of a build in the two-exchange ("detailed") conversation style."""
    out = tmp_path_factory.mktemp("export-detailed") / "cats"
    build(export_tree, out, CatBreedsVLMConfig(style="detailed", seed=EXPORT_SEED))
    return datasets.load_dataset(str(out), split="train")


def assert_validates(kind: str, path: Path, rows: int) -> None:
    """``validate`` passes the exported file of ``kind``, and counts ``rows`` rows in it."""
    report = validate(kind, path)
    assert report.ok, report.render()
    assert report.rows == rows


def original_bytes(tree: Path, source: str) -> bytes:
    """The bytes of the photo at ``source`` in the tree, as the build read them."""
    return (tree / source).read_bytes()


def photo(size: tuple[int, int] = (320, 240), seed: int = 0) -> Image.Image:
    """A deterministic RGB picture with smooth parts and detail, a little like a photo."""
    red = Image.linear_gradient("L").resize(size)
    green = Image.radial_gradient("L").rotate(10 * seed).resize(size)
    blue = Image.effect_mandelbrot(size, (-2.0 + seed / 20, -1.2, 0.8, 1.2), 64)
    return Image.merge("RGB", (red, green, blue))


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    """Image bytes in ``fmt``."""
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def kinds() -> dict[str, tuple[str, bytes]]:
    """Every image kind in memory: name -> (source path, bytes). The names say what they are."""
    rgba = photo(seed=4).convert("RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize(rgba.size))
    return {
        "jpeg": ("Abyssinian/100_1.jpg", encode(photo(seed=1), "JPEG", quality=85)),
        "cmyk": ("Bengal/200_1.jpg", encode(photo(seed=2).convert("CMYK"), "JPEG")),
        "webp": ("Bengal/300_1.webp", encode(photo(seed=3), "WEBP")),
        "rgba_png": ("Sphynx - Hairless Cat/400_1.png", encode(rgba, "PNG")),
        "gray": ("Sphynx - Hairless Cat/500_1.jpg", encode(photo(seed=5).convert("L"), "JPEG")),
        "big": ("Abyssinian/600_1.jpg", encode(photo(BIG, seed=6), "JPEG", quality=80)),
        "png_named_jpg": ("Bengal/700_1.jpg", encode(photo(seed=7), "PNG")),
    }
