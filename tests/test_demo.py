"""Tests of the synthetic image trees: real shape, real JPEGs, determinism, and the odd files."""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from PIL import Image
from tree_fixtures import make_bad_files, make_ignored_files, make_odd_but_valid_files

from cat_breeds_vlm.demo import DEMO_PRIORITY_PHOTOS, REAL_TOTAL, demo_counts, make_tree, photo_paths, scaled_counts
from cat_breeds_vlm.errors import UserError
from cat_breeds_vlm.labels.catalog import REAL_IMAGE_COUNTS
from cat_breeds_vlm.labels.domain import default_domain
from cat_breeds_vlm.pipeline.scan import CONVERTIBLE_EXTENSIONS, IMAGE_EXTENSIONS

# 20 photos over three breeds, two of them with the odd real folder names.
SMALL = {"Abyssinian": 8, "Sphynx - Hairless Cat": 11, "York Chocolate": 1}


def _files(root: Path) -> dict[str, bytes]:
    """``{relative path: bytes}`` of every file below ``root``."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _decode(path: Path) -> Image.Image:
    """Open and fully decode ``path`` (the pixels stay in memory after the file is closed)."""
    with Image.open(path) as image:
        image.load()
    return image


@pytest.fixture(scope="module")
def small_tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    root = tmp_path_factory.mktemp("tree")
    return root, make_tree(root, SMALL, seed=7)


# --- scaled_counts --------------------------------------------------------------------------


def test_real_total_is_the_published_one() -> None:
    assert REAL_TOTAL == 126_607 and len(REAL_IMAGE_COUNTS) == 67


@pytest.mark.parametrize("total", [200, 1000, 5000])
def test_scaled_counts_keep_every_breed_and_the_order(total: int) -> None:
    scaled = scaled_counts(total)
    assert list(scaled) == list(REAL_IMAGE_COUNTS)
    assert min(scaled.values()) >= 1
    assert sum(scaled.values()) == total
    by_real_size = sorted(REAL_IMAGE_COUNTS, key=REAL_IMAGE_COUNTS.__getitem__, reverse=True)
    assert [scaled[b] for b in by_real_size] == sorted(scaled.values(), reverse=True)
    assert max(scaled, key=scaled.__getitem__) == "Domestic Short Hair"


def test_scaled_counts_small_totals_give_every_breed_one_photo() -> None:
    assert scaled_counts(10) == dict.fromkeys(REAL_IMAGE_COUNTS, 1)


@pytest.mark.parametrize("total", [None, REAL_TOTAL, 10**7])
def test_scaled_counts_at_full_scale_are_the_real_counts(total: int | None) -> None:
    assert scaled_counts(total) == REAL_IMAGE_COUNTS


@pytest.mark.parametrize("total", [150, 3000, None])
def test_demo_counts_keep_the_imbalance_and_give_priority_breeds_enough_photos(total: int | None) -> None:
    counts = demo_counts(total)
    assert list(counts) == list(REAL_IMAGE_COUNTS)
    assert all(counts[breed] >= DEMO_PRIORITY_PHOTOS for breed in default_domain().priority)
    if total is not None:
        assert sum(counts.values()) == total
    others = {b: n for b, n in counts.items() if b not in default_domain().priority}
    assert max(others, key=others.__getitem__) == "Domestic Short Hair" and min(others.values()) >= 1
    # 12 photos of pets with at most 3 each: at least 4 pets, in the generated names too.
    paths = photo_paths({b: counts[b] for b in default_domain().priority}, seed=0)
    pets = Counter(p.split("/")[0] for p in {p.rsplit("_", 1)[0] for p in paths})
    assert all(pets[b] >= 4 for b in default_domain().priority), pets


def test_scaled_counts_refuse_a_non_positive_total() -> None:
    with pytest.raises(UserError, match="-5"):
        scaled_counts(-5)


# --- photo names ----------------------------------------------------------------------------


def test_photo_names_look_like_petfinder_ones() -> None:
    paths = photo_paths({"Bengal": 300, "Tabby": 200}, seed=3)
    assert len(paths) == len(set(paths)) == 500
    assert paths == sorted(paths)
    assert Counter(p.split("/")[0] for p in paths) == {"Bengal": 300, "Tabby": 200}
    names = [re.fullmatch(r"(Bengal|Tabby)/(\d{8})_([123])\.jpg", p) for p in paths]
    assert all(names)
    numbers: dict[str, list[int]] = defaultdict(list)  # pet id -> its photo numbers
    for match in names:
        numbers[match[2]].append(int(match[3]))
    assert all(n == list(range(1, len(n) + 1)) for n in numbers.values())  # _1, _2, _3, no gaps
    assert {len(n) for n in numbers.values()} == {1, 2, 3}  # some pets have several photos
    assert len({(m[1], m[2]) for m in names}) == len(numbers)  # a pet id in one breed only


@pytest.mark.parametrize("counts", [{"../escape": 1}, {".hidden": 1}, {"a/b": 1}, {"Bengal": -1}])
def test_bad_breed_names_and_counts_are_refused(counts: dict[str, int], tmp_path: Path) -> None:
    with pytest.raises(UserError):
        make_tree(tmp_path, counts)
    assert not any(tmp_path.iterdir())


# --- make_tree ------------------------------------------------------------------------------


def test_tree_has_one_decodable_jpeg_per_photo(small_tree: tuple[Path, int]) -> None:
    root, written = small_tree
    files = _files(root)
    assert written == len(files) == 20
    assert Counter(path.split("/")[0] for path in files) == SMALL
    for path, data in files.items():
        image = _decode(root / path)
        assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (300, 225)), path
        assert 10_000 <= len(data) <= 25_000, (path, len(data))  # real files: ~15 KB


def test_tree_photos_are_all_different(small_tree: tuple[Path, int]) -> None:
    root, _ = small_tree
    files = _files(root)
    assert len({hashlib.sha256(data).digest() for data in files.values()}) == len(files)
    assert len({_decode(root / path).tobytes() for path in files}) == len(files)


def test_tree_is_not_pure_noise(small_tree: tuple[Path, int]) -> None:
    # Neighbouring pixels are alike in a photo, unrelated in noise: the mean step is small.
    root, _ = small_tree
    image = _decode(next(root.rglob("*.jpg"))).convert("L")
    pixels = image.tobytes()
    steps = [abs(a - b) for a, b in zip(pixels, pixels[1:])]
    assert sum(steps) / len(steps) < 20


def test_tree_is_deterministic_for_a_seed(small_tree: tuple[Path, int], tmp_path: Path) -> None:
    root, _ = small_tree
    make_tree(tmp_path / "again", SMALL, seed=7, workers=2)
    make_tree(tmp_path / "other", SMALL, seed=8)
    assert _files(tmp_path / "again") == _files(root)
    other = _files(tmp_path / "other")
    assert set(other.values()).isdisjoint(_files(root).values())


def test_tree_leaves_no_temporary_files(small_tree: tuple[Path, int]) -> None:
    root, _ = small_tree
    assert not [p for p in root.rglob("*") if p.name.startswith(".")]


def test_tree_size_and_quality_are_honoured(tmp_path: Path) -> None:
    make_tree(tmp_path, {"Korat": 2}, size=(120, 90), quality=50)
    for path in tmp_path.rglob("*.jpg"):
        assert _decode(path).size == (120, 90)


# --- odd files ------------------------------------------------------------------------------


def test_bad_files_all_fail_to_decode(tmp_path: Path) -> None:
    bad = make_bad_files(tmp_path, "Bengal")
    assert sorted(bad.values()) == ["bomb", "empty", "garbage", "html", "truncated"]
    assert any(path.count("/") >= 2 for path in bad)  # one in a nested folder
    for path, kind in bad.items():
        assert path.startswith("Bengal/")
        expected = Image.DecompressionBombError if kind == "bomb" else OSError
        with pytest.raises(expected):
            _decode(tmp_path / path)


def test_bad_files_are_the_kinds_they_claim(tmp_path: Path) -> None:
    by_kind = {kind: tmp_path / path for path, kind in make_bad_files(tmp_path).items()}
    assert by_kind["empty"].stat().st_size == 0
    assert by_kind["html"].read_bytes().lstrip().lower().startswith(b"<!doctype html")
    assert by_kind["bomb"].stat().st_size < 100_000  # small on disk, huge when decoded
    with Image.open(by_kind["truncated"]) as image:  # the header is fine ...
        assert image.format == "JPEG"
        with pytest.raises(OSError, match="truncated"):  # ... the data is not
            image.load()


def test_odd_but_valid_files_decode(tmp_path: Path) -> None:
    odd = make_odd_but_valid_files(tmp_path)
    formats = {kind: _decode(tmp_path / path) for path, kind in odd.items()}
    assert {k: (v.format, v.mode) for k, v in formats.items()} == {
        "png_as_jpg": ("PNG", "RGB"),
        "cmyk": ("JPEG", "CMYK"),
        "grayscale": ("JPEG", "L"),
        "rgba_png": ("PNG", "RGBA"),
        "webp": ("WEBP", "RGB"),
        "upper_jpg": ("JPEG", "RGB"),
        "upper_jpeg": ("JPEG", "RGB"),
        "nested": ("JPEG", "RGB"),
    }
    suffixes = {kind: Path(path).suffix for path, kind in odd.items()}
    odd_names = ("png_as_jpg", "upper_jpg", "upper_jpeg")
    assert [suffixes[kind] for kind in odd_names] == [".jpg", ".JPG", ".JPEG"]
    nested = next(path for path, kind in odd.items() if kind == "nested")
    assert nested.startswith("Abyssinian/") and nested.count("/") >= 3
    pixels = {image.convert("RGB").tobytes() for image in formats.values()}
    assert len(pixels) == len(odd)


def test_ignored_files_are_not_photos_by_the_rule(tmp_path: Path) -> None:
    ignored = make_ignored_files(tmp_path)
    assert {".DS_Store", "Abyssinian/._odd_photo.jpg", "Abyssinian/Thumbs.db"} <= set(ignored)
    for path in ignored:
        assert (tmp_path / path).is_file()
        name = Path(path).name
        assert (
            "/" not in path  # beside the breed folders
            or name.startswith(".")
            or Path(name).suffix.lower() not in IMAGE_EXTENSIONS | CONVERTIBLE_EXTENSIONS
        ), path
