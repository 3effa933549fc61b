"""LLaVA export: one JSON array, images written once beside it (or linked), JSONL on request."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest
from export_fixtures import assert_validates

from cat_breeds_vlm.errors import UserError
from cat_breeds_vlm.export import export_llava, validate
from cat_breeds_vlm.export.images import decode_strict


@pytest.fixture(scope="module")
def exported(train: datasets.Dataset, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    path = tmp_path_factory.mktemp("llava") / "train.json"
    return path, export_llava(train, path, progress=False)


def test_export_passes_validate(exported: tuple[Path, object], train: datasets.Dataset) -> None:
    assert_validates("llava", exported[0], len(train))


def test_one_json_array_whose_image_paths_exist_and_decode(
    exported: tuple[Path, object], train: datasets.Dataset
) -> None:
    path, _ = exported
    with open(path) as stream:
        records = json.load(stream)  # what LLaVA's train.py does
    assert isinstance(records, list) and len(records) == len(train)
    for record in records:
        assert set(record) == {"id", "image", "conversations"}
        assert record["image"].startswith("images/")
        decode_strict((path.parent / record["image"]).read_bytes())


def test_records_keep_the_rows_ids_and_turns(exported: tuple[Path, object], train: datasets.Dataset) -> None:
    records = json.loads(exported[0].read_text())
    assert [r["id"] for r in records] == train["id"]
    assert [r["conversations"] for r in records] == train["conversations"]


def test_each_distinct_photo_is_written_once(exported: tuple[Path, object], train: datasets.Dataset) -> None:
    path, summary = exported
    written = sorted(p.relative_to(path.parent).as_posix() for p in (path.parent / "images").rglob("*") if p.is_file())
    records = json.loads(path.read_text())
    assert sorted({r["image"] for r in records}) == written
    assert summary.images == len(written) == len(set(train["source"])) < len(train)
    image = {r["id"]: r["image"] for r in records}
    copies = [row_id for row_id in image if "#" in row_id]  # the oversampled Burmilla rows
    assert copies and all(image[c] == image[c.split("#")[0]] for c in copies)  # share a photo


def test_image_names_get_a_suffix_that_fits_their_bytes(exported: tuple[Path, object]) -> None:
    images = {r["id"]: r["image"] for r in json.loads(exported[0].read_text())}
    abyssinian = "images/Abyssinian"
    assert images["Abyssinian/odd_photo.webp"] == f"{abyssinian}/odd_photo.webp.jpg"  # -> JPEG
    assert images["Abyssinian/odd_png_named.jpg"] == f"{abyssinian}/odd_png_named.jpg.png"
    assert images["Abyssinian/odd_cmyk.jpg"] == f"{abyssinian}/odd_cmyk.jpg"  # CMYK -> JPEG
    assert images["Abyssinian/odd_upper.JPG"] == f"{abyssinian}/odd_upper.JPG"
    assert images["Abyssinian/odd_rgba.png"] == f"{abyssinian}/odd_rgba.png"


def test_jsonl_form_and_an_image_folder_elsewhere(train: datasets.Dataset, tmp_path: Path) -> None:
    path, folder = tmp_path / "llava" / "train.jsonl", tmp_path / "pictures"
    export_llava(train, path, image_folder=folder, jsonl=True, progress=False)
    lines = path.read_text().splitlines()
    assert len(lines) == len(train)
    for line, source in zip(lines, train["source"]):
        assert json.loads(line)["image"].startswith(f"images/{source}")
    assert (folder / "images" / train[0]["source"]).is_file()
    assert validate("llava", path, image_folder=folder, jsonl=True).ok
    assert not validate("llava", path, image_folder=folder).ok  # JSONL is not one array


def test_link_source_writes_no_image_and_points_at_the_originals(
    train: datasets.Dataset, export_tree: Path, tmp_path: Path
) -> None:
    summary = export_llava(train, tmp_path / "out" / "train.json", link_source=export_tree, progress=False)
    assert summary.images == 0 and not (tmp_path / "out" / "images").exists()
    records = json.loads((tmp_path / "out" / "train.json").read_text())
    assert [r["image"] for r in records] == train["source"]
    assert validate("llava", tmp_path / "out" / "train.json", image_folder=export_tree).ok


def test_link_source_refuses_a_folder_without_the_photos(train: datasets.Dataset, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        export_llava(train, tmp_path / "train.json", link_source=tmp_path, progress=False)
    assert not (tmp_path / "train.json").exists()


def test_workers_give_the_same_file_and_images(
    exported: tuple[Path, object], train: datasets.Dataset, tmp_path: Path
) -> None:
    path = tmp_path / "train.json"
    summary = export_llava(train, path, max_side=None, num_proc=2, progress=False)
    assert path.read_bytes() == exported[0].read_bytes()
    assert summary.images == exported[1].images  # type: ignore[attr-defined]


def test_a_failed_export_removes_the_images_and_folders_it_created(train: datasets.Dataset, tmp_path: Path) -> None:
    """An earlier export's images (same bytes) stay; the new ones and their folders go."""
    rows = train.cast_column("image", datasets.Image(decode=False)).to_list()
    features = train.cast_column("image", datasets.Image(decode=False)).features
    earlier = datasets.Dataset.from_list(rows[:3], features=features)
    export_llava(earlier, tmp_path / "out" / "train.json", progress=False)
    before = sorted(tmp_path.rglob("*"))
    rows[-1]["source"] = "../outside.jpg"  # refused when its image is placed, after the rest
    broken = datasets.Dataset.from_list(rows, features=features)
    for out in (tmp_path / "out" / "train.json", tmp_path / "new" / "train.json"):
        with pytest.raises(UserError, match=repr(rows[-1]["id"])):
            export_llava(broken, out, progress=False)
    assert len({row["source"].split("/")[0] for row in rows}) > 1  # breed folders were made
    assert sorted(tmp_path.rglob("*")) == before


def test_a_file_with_other_bytes_is_replaced_on_success_and_put_back_on_failure(
    train: datasets.Dataset, tmp_path: Path
) -> None:
    """An earlier export with another --max-side left other bytes under the same names."""
    rows = train.cast_column("image", datasets.Image(decode=False)).to_list()
    features = train.cast_column("image", datasets.Image(decode=False)).features
    out = tmp_path / "out" / "train.json"
    export_llava(datasets.Dataset.from_list(rows[:3], features=features), out, max_side=40,
                 progress=False)  # fmt: skip
    small = {p: p.read_bytes() for p in sorted((tmp_path / "out" / "images").rglob("*.*"))}
    assert len(small) == 3
    rows[-1]["source"] = "../outside.jpg"  # refused after the first rows' images are written
    with pytest.raises(UserError, match=repr(rows[-1]["id"])):
        export_llava(datasets.Dataset.from_list(rows, features=features), out, progress=False)
    assert {p: p.read_bytes() for p in sorted((tmp_path / "out").rglob("*.*"))} == {
        **small,
        out: out.read_bytes(),
    }  # the earlier images as they were, nothing set aside left behind
    assert not [p for p in (tmp_path / "out").rglob(".*")]
    export_llava(datasets.Dataset.from_list(rows[:3], features=features), out, progress=False)
    for path, earlier in small.items():
        assert path.read_bytes() != earlier  # full size now
        decode_strict(path.read_bytes())
    assert not [p for p in (tmp_path / "out").rglob(".*")]
    assert validate("llava", out).ok
