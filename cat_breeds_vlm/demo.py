"""Synthetic image trees shaped like the real scrape, for the demo, the tests and the benchmarks.

The real data set (Kaggle "Cat Breeds Dataset", Petfinder photos) is ``{breed}/{pet_id}_{n}.jpg``:
67 folders, 126,607 JPEGs of about 300 px wide and 15 KB, some pets with several photos. This
module writes trees of the same shape without any download:

- :func:`scaled_counts` shrinks the real per-breed distribution to any size;
- :func:`demo_counts` is the demo's: a domain's labels (the cat ones with the real imbalance),
  every default priority label with enough photos of enough pets to reach val and test, so its
  metrics can be shown;
- :func:`make_tree` writes one synthetic JPEG per photo (a gradient background, a few shapes and
  a cat silhouette, plus seeded noise so the file size matches the real ones), deterministically;
- :func:`write_made_up_predictions` writes the answers of a made-up model for ``score`` to read;

Every picture depends only on the seed and the file's relative path, so the output is the same
whatever the number of worker processes.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from tqdm.auto import tqdm

from .atomic import write_bytes_atomic
from .errors import UserError
from .labels.catalog import REAL_IMAGE_COUNTS, domain_catalog
from .labels.domain import Domain, load_domain
from .workers import parallel_map

#: Photos in the real data set (126,607).
REAL_TOTAL: int = sum(REAL_IMAGE_COUNTS.values())

#: Width and height of a synthetic photo: the real photos are about 300 px wide.
DEFAULT_SIZE: tuple[int, int] = (300, 225)

#: Peak-to-peak amplitude of the per-pixel noise. Tuned so that a 300x225 JPEG at quality 85
#: weighs 14-17 KB, like the real files (about 2 GB / 126,607 = 16 KB on average).
NOISE_LEVEL: int = 28

#: Chances that a pet has 1, 2 or 3 photos (Petfinder names them ``{pet_id}_1.jpg`` ...).
PHOTOS_PER_PET: tuple[float, float, float] = (0.85, 0.10, 0.05)

#: Pet ids are 8-digit numbers, increasing with random gaps, like Petfinder's.
FIRST_PET_ID: int = 30_000_000
MAX_PET_ID_GAP: int = 400

#: Photos of each default priority breed in the demo tree (at least). A pet has at most 3
#: photos, so 12 photos are at least 4 pets: enough for one in val, one in test, the rest in train.
DEMO_PRIORITY_PHOTOS: int = 12

#: The made-up model of :func:`write_made_up_predictions` is wrong on every this-many-th row.
MADE_UP_WRONG_EVERY: int = 4
#: The note on every line of the made-up predictions: no model gave these answers.
MADE_UP_NOTE: str = (
    f"made up by cat-breeds-vlm demo, right on {MADE_UP_WRONG_EVERY - 1} rows of {MADE_UP_WRONG_EVERY}"
    " by construction: no model answered these"
)

#: Tasks handed to a worker process at a time by :func:`make_tree` (at most).
_CHUNK_SIZE: int = 256

#: One photo for a worker: (root, relative path, seed, size, JPEG quality).
_Task = tuple[str, str, int, tuple[int, int], int]


def scaled_counts(
    total: int | None, counts: Mapping[str, int] = REAL_IMAGE_COUNTS, *, at_least: Mapping[str, int] | None = None
) -> dict[str, int]:
    """Scale a per-breed distribution to ``total`` photos, keeping every breed and the order.

    Every breed keeps at least 1 photo (a breed of ``at_least``: at least that many); the others
    share the rest of ``total`` in proportion (largest remainders round up), so the sum is exactly
    ``total`` unless the floors alone exceed it. Apart from the breeds of ``at_least``, a larger
    breed never gets fewer photos than a smaller one. ``total=None``, or a total at or above the
    real sum, gives the counts unchanged (each raised to its floor).
    """
    floor = {breed: max(1, (at_least or {}).get(breed, 1)) for breed in counts}
    real_total = sum(counts.values())
    if total is None or total >= real_total:
        return {breed: max(n, floor[breed]) if at_least else n for breed, n in counts.items()}
    if total < 1:
        raise UserError(f"the number of demo photos must be at least 1, got {total!r}")
    shares: dict[str, float] = {}
    budget, rest = float(total), real_total
    # Smallest first, as a share of what is left: they are the ones lifted to their floor.
    for breed in sorted(counts, key=lambda b: counts[b] / floor[b]):
        shares[breed] = max(float(floor[breed]), counts[breed] * budget / rest if rest else 0.0)
        budget, rest = budget - shares[breed], rest - counts[breed]
    scaled = {breed: int(shares[breed]) for breed in counts}
    by_remainder = sorted(counts, key=lambda breed: (int(shares[breed]) - shares[breed], -counts[breed], breed))
    for breed in by_remainder[: max(0, total - sum(scaled.values()))]:
        scaled[breed] += 1
    return scaled


def demo_counts(total: int | None, domain: Domain | None = None) -> dict[str, int]:
    """The demo tree's counts for ``domain`` (default: cats): its catalogue's labels scaled to ``total`` by
    :func:`scaled_counts`, each default priority label given at least :data:`DEMO_PRIORITY_PHOTOS`
    photos, so each has rows in val and test.

    The cat catalogue's labels keep the real data set's imbalance; any other catalogue's labels
    get the same number each (Oxford-IIIT Pet, the source of the dog labels, has about 200 a
    breed). A domain with no catalogue has no labels to make: a :class:`UserError`.
    """
    domain = load_domain(domain)
    labels = sorted(domain_catalog(domain))
    if not labels:
        raise UserError(f"the {domain.name} domain has no label catalogue: a demo needs its labels")
    counts = REAL_IMAGE_COUNTS if set(labels) == set(REAL_IMAGE_COUNTS) else dict.fromkeys(labels, 200)
    priority = [label for label in domain.priority if label in counts]
    return scaled_counts(total, counts, at_least=dict.fromkeys(priority, DEMO_PRIORITY_PHOTOS))


def photo_paths(counts: Mapping[str, int], *, seed: int = 0) -> list[str]:
    """The relative paths ``{breed}/{pet_id}_{n}.jpg`` of a tree, sorted; no disk is touched.

    Pets get 1, 2 or 3 photos (:data:`PHOTOS_PER_PET`); pet ids are unique over the whole tree.
    """
    _check_counts(counts)
    rng = _rng(seed, "pet ids")
    next_id = FIRST_PET_ID
    paths: list[str] = []
    for breed in sorted(counts):
        sizes = _pet_sizes(rng, counts[breed])
        ids = next_id + np.cumsum(rng.integers(1, MAX_PET_ID_GAP, len(sizes)))
        paths += [f"{breed}/{pet}_{n}.jpg" for pet, k in zip(ids, sizes) for n in range(1, k + 1)]
        next_id = int(ids[-1]) if len(ids) else next_id
    return sorted(paths)


def render_photo(key: str, *, seed: int = 0, size: tuple[int, int] = DEFAULT_SIZE) -> Image.Image:
    """The synthetic RGB picture for ``key`` (a relative path): same key and seed, same pixels.

    A two-colour gradient, a few ellipses and a cat silhouette, then seeded noise: smooth
    enough to compress like a photo, noisy enough that no two pictures are alike.
    """
    rng = _rng(seed, key)
    width, height = size
    image = _gradient(rng, width, height)
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(1, 4))):
        x, y = rng.uniform(-0.2, 1.0) * width, rng.uniform(-0.2, 1.0) * height
        w, h = rng.uniform(0.1, 0.5, 2) * (width, height)
        draw.ellipse([x, y, x + w, y + h], fill=_colour(rng))
    _draw_cat(draw, rng, width, height)
    noise = np.frombuffer(rng.bytes(width * height * 3), np.uint8).reshape(height, width, 3)
    return Image.fromarray(np.asarray(image) + np.take(_noise_table(), noise))


def make_tree(
    root: Path,
    counts: Mapping[str, int],
    *,
    seed: int = 0,
    size: tuple[int, int] = DEFAULT_SIZE,
    quality: int = 85,
    workers: int = 1,
    progress: bool = False,
) -> int:
    """Write ``root/{breed}/{pet_id}_{n}.jpg`` for every photo of ``counts``; return how many.

    Every breed of ``counts`` gets a folder (empty for a count of 0). The bytes depend only on
    ``seed``, the path, ``size`` and ``quality``; ``workers > 1`` renders in that many processes.
    Each file is written under a hidden temporary name and moved into place.
    """
    if workers < 1:
        raise UserError(f"workers must be at least 1, got {workers!r}")
    if not 1 <= quality <= 100:
        raise UserError(f"JPEG quality must be between 1 and 100, got {quality!r}")
    if len(size) != 2 or min(size) < 1:
        raise UserError(f"photo size must be (width, height) in pixels, got {size!r}")
    paths = photo_paths(counts, seed=seed)
    root = Path(root)
    for breed in counts:
        (root / breed).mkdir(parents=True, exist_ok=True)
    tasks: list[_Task] = [(str(root), path, seed, tuple(size), quality) for path in paths]
    with tqdm(total=len(tasks), unit="photo", desc="demo photos", disable=None if progress else True) as bar:
        chunk_size = max(1, min(_CHUNK_SIZE, len(tasks) // (4 * workers)))
        for _ in parallel_map(_write_photo, tasks, workers, chunksize=chunk_size):
            bar.update()
    return len(tasks)


# --- helpers -------------------------------------------------------------------------------

_SAFE_NAME = re.compile(r"[^/\\\x00]+")


def check_breed(breed: str) -> None:
    """Refuse a breed name that is not one visible folder name."""
    if not _SAFE_NAME.fullmatch(breed) or breed.startswith(".") or breed != breed.strip():
        raise UserError(f"not a usable breed folder name: {breed!r}")


def _check_counts(counts: Mapping[str, int]) -> None:
    """Refuse breed names that are not one visible folder name, and counts that are not >= 0."""
    for breed, count in counts.items():
        check_breed(breed)
        if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
            raise UserError(f"photo count of {breed!r} must be a whole number >= 0, got {count!r}")


def _rng(seed: int, key: str) -> np.random.Generator:
    """A generator that depends only on ``seed`` and ``key`` (128 bits of BLAKE2b of both)."""
    digest = hashlib.blake2b(f"{seed}\0{key}".encode(), digest_size=16).digest()
    return np.random.default_rng(int.from_bytes(digest, "big"))


def _pet_sizes(rng: np.random.Generator, photos: int) -> np.ndarray:
    """How many photos each pet has, summing to ``photos`` (the last pet may get fewer)."""
    sizes = rng.choice(len(PHOTOS_PER_PET), size=photos, p=PHOTOS_PER_PET) + 1
    ends = np.cumsum(sizes)
    pets = int(np.searchsorted(ends, photos)) + 1 if photos else 0
    sizes = sizes[:pets]
    if pets:
        sizes[-1] -= ends[pets - 1] - photos
    return sizes


def _colour(rng: np.random.Generator) -> tuple[int, int, int]:
    """A random colour dark enough that adding the noise cannot overflow 255."""
    red, green, blue = (int(v) for v in rng.integers(0, 256 - NOISE_LEVEL, 3))
    return red, green, blue


@functools.lru_cache(maxsize=1)
def _noise_table() -> np.ndarray:
    """Maps a random byte to a noise value in ``[0, NOISE_LEVEL)``."""
    return ((np.arange(256) * NOISE_LEVEL) >> 8).astype(np.uint8)


@functools.lru_cache(maxsize=4)
def _grid(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates, cached per size."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    return xs, ys


def _gradient(rng: np.random.Generator, width: int, height: int) -> Image.Image:
    """A linear gradient between two random colours, at a random angle."""
    xs, ys = _grid(width, height)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = xs * np.float32(np.cos(angle)) + ys * np.float32(np.sin(angle))
    ramp -= ramp.min()
    ramp *= np.float32(255 / max(float(ramp.max()), 1.0))
    start, end = np.array(_colour(rng)), np.array(_colour(rng))
    palette = (start + np.linspace(0, 1, 256)[:, None] * (end - start)).astype(np.uint8)
    return Image.fromarray(np.take(palette, ramp.astype(np.uint8), axis=0))


def _draw_cat(draw: ImageDraw.ImageDraw, rng: np.random.Generator, width: int, height: int) -> None:
    """A cat silhouette (tail, body, head, ears, eyes) of a random coat, place, size and facing."""
    s = rng.uniform(0.6, 1.2) * min(width, height) / 225
    cx, cy = rng.uniform(0.3, 0.7) * width, rng.uniform(0.45, 0.7) * height
    facing = 1 if rng.integers(2) else -1
    coat = _colour(rng)
    tail = [(cx - facing * 60 * s, cy), (cx - facing * 95 * s, cy - 45 * s)]
    draw.line(tail, fill=coat, width=max(1, int(12 * s)))
    draw.ellipse([cx - 70 * s, cy - 20 * s, cx + 70 * s, cy + 50 * s], fill=coat)
    hx, hy = cx + facing * 55 * s, cy - 35 * s
    draw.ellipse([hx - 30 * s, hy - 28 * s, hx + 30 * s, hy + 28 * s], fill=coat)
    for side in (-1, 1):
        ear = [(hx + side * 28 * s, hy - 10 * s), (hx + side * 22 * s, hy - 50 * s), (hx + side * 5 * s, hy - 25 * s)]
        draw.polygon(ear, fill=coat)
        ex, ey = hx + side * 11 * s, hy - 5 * s
        draw.ellipse([ex - 4 * s, ey - 3 * s, ex + 4 * s, ey + 3 * s], fill=_colour(rng))


def encode(image: Image.Image, image_format: str, **options: object) -> bytes:
    """The image encoded in ``image_format`` (a Pillow format name)."""
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def _jpeg_bytes(image: Image.Image, quality: int = 85) -> bytes:
    """The image as a baseline JPEG."""
    return encode(image, "JPEG", quality=quality)


def _write_photo(task: _Task) -> None:
    """Render and write one photo of :func:`make_tree` (a top-level function: runs in workers)."""
    root, relative, seed, size, quality = task
    image = render_photo(relative, seed=seed, size=size)
    write_bytes_atomic(Path(root) / relative, _jpeg_bytes(image, quality))


def write_made_up_predictions(dataset: Path, path: Path, split: str = "test") -> int:
    """Write made-up predictions for ``split`` of the built ``dataset`` to ``path``; return the rows.

    One JSONL line per row, ``{"id", "answer", "note"}``: the answer names the row's own label,
    except on every :data:`MADE_UP_WRONG_EVERY`-th row, where it names the next label; ``note``
    (:data:`MADE_UP_NOTE`) says on every line that no model answered. For the demo's ``score``.
    """
    import json

    from .atomic import atomic_output
    from .dataset.loading import open_split

    rows = open_split(str(dataset), split, streaming=True).select_columns(["id", "breed"])
    names = rows.features["breed"].names
    written = 0
    with atomic_output(path) as stream:
        for index, row in enumerate(rows):
            wrong = index % MADE_UP_WRONG_EVERY == MADE_UP_WRONG_EVERY - 1
            label = names[(row["breed"] + wrong) % len(names)]
            record = {"id": row["id"], "answer": f"It is {label}.", "note": MADE_UP_NOTE}
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
    return written
