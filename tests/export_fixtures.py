"""A tiny built folder for the export tests, with every awkward kind of image the exports meet.

It has the real layout and contract (``make_features``, ``README.md`` configs,
``data/{split}-00000-of-00001.parquet`` with embedded bytes) but is written directly, so the
export tests do not depend on the build. Swap :func:`write_folder` for the real build once
the build can plant these image kinds.
"""

from __future__ import annotations

import io
from pathlib import Path

import datasets
import pytest
from datasets.table import embed_table_storage
from PIL import Image

from cat_breeds_vlm.features import make_features

BREEDS = ("Abyssinian", "Bengal", "Sphynx - Hairless Cat")
BIG = (2000, 1500)


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
    """Every image kind: name -> (source path, bytes). The names say what the bytes are."""
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


def conversation(breed: str, turns: int = 1) -> list[dict[str, str]]:
    """A contract conversation: ``<image>`` opening the first human turn, gpt last."""
    article = "an" if breed[0] in "AEIOU" else "a"
    out = [{"from": "human", "value": "<image>\nWhat breed is this cat?"},
           {"from": "gpt", "value": f"This is {article} {breed}."}]  # fmt: skip
    for index in range(1, turns):
        out += [{"from": "human", "value": f"Are you sure? ({index})"},
                {"from": "gpt", "value": f"Yes, {article} {breed}."}]  # fmt: skip
    return out


def row(source: str, data: bytes, turns: int = 1, row_id: str | None = None) -> dict:
    """A contract row for the photo at ``source`` (its folder is the breed)."""
    breed = source.split("/")[0]
    return {
        "id": row_id or source,
        "image": {"bytes": data, "path": None},
        "conversations": conversation(breed, turns),
        "breed": breed,
        "source": source,
    }


def train_rows() -> list[dict]:
    """One row per image kind (the grey one with 2 turns), and an oversampled copy."""
    rows = [
        row(source, data, 2 if name == "gray" else 1) for name, (source, data) in kinds().items()
    ]
    copy = row(*kinds()["jpeg"], row_id=rows[0]["id"] + "#2")
    return rows[:1] + [copy] + rows[1:]


def val_rows() -> list[dict]:
    """Three plain rows (Fireworks' minimum)."""
    return [row(f"Bengal/9{i}_1.jpg", encode(photo(seed=10 + i), "JPEG")) for i in range(3)]


README = """---
configs:
- config_name: default
  data_files:
  - split: train
    path: data/train-*.parquet
  - split: val
    path: data/val-*.parquet
---
# tiny export test set
"""


def write_folder(out: Path) -> Path:
    """Write the tiny folder (train and val) in the built layout; returns ``out``."""
    features = make_features(BREEDS)
    (out / "data").mkdir(parents=True)
    for split, rows in (("train", train_rows()), ("val", val_rows())):
        columns = {key: [row[key] for row in rows] for key in rows[0]}
        columns["breed"] = [features["breed"].str2int(b) for b in columns["breed"]]
        table = datasets.Dataset.from_dict(columns, features=features).data.table
        datasets.Dataset(embed_table_storage(table)).to_parquet(
            str(out / "data" / f"{split}-00000-of-00001.parquet")
        )
    (out / "README.md").write_text(README)
    return out


@pytest.fixture(scope="module")
def export_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny built folder; read-only for tests."""
    return write_folder(tmp_path_factory.mktemp("export") / "tiny")


@pytest.fixture(scope="module")
def train(export_folder: Path) -> datasets.Dataset:
    """Its train split, loaded as training code would."""
    return datasets.load_dataset(str(export_folder), split="train")
