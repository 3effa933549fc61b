"""Near-duplicates on real builds: copies of one picture share a split, copies under two labels
are left out, distinct photos are never paired (recall, precision, conflicts, chaining)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import datasets
import numpy as np
import pytest
import simplejpeg
from bundled_photos import bundled_photos
from PIL import Image
from variant_fixtures import COPIES, all_copies, copy_of, encode

from cat_breeds_vlm.demo import demo_counts, make_tree, photo_paths, render_photo
from cat_breeds_vlm.pipeline.builder import CatBreedsVLMConfig, SettingsError
from cat_breeds_vlm.pipeline.folder import build_folder
from cat_breeds_vlm.pipeline.links import SUSPICIOUS_GROUP, NearPair
from cat_breeds_vlm.pipeline.measure import content_box, measure
from cat_breeds_vlm.pipeline.neardup import _CROWD, candidates, check, find_near_duplicates
from cat_breeds_vlm.pipeline.plan import ImageFile, plan
from cat_breeds_vlm.pipeline.settings import BuildSettings, NearDupSettings, PlanSettings
from cat_breeds_vlm.pipeline.stages import prepare
from cat_breeds_vlm.report.record import BuildReport
from cat_breeds_vlm.workers import parallel_map

ORIGINALS = 12  # pictures copied, each in every way of COPIES
THRESHOLD = NearDupSettings().near_dup_threshold


def _plant_copies(root: Path) -> dict[str, str]:
    """Copies of the first Bengal photos under new pet ids: {copy source: original source}."""
    originals = sorted((root / "Bengal").glob("*.jpg"))[:ORIGINALS]
    planted = {}
    for number, original in enumerate(originals):
        with Image.open(original) as image:
            picture = image.convert("RGB")
        for index, (name, data) in enumerate(all_copies(picture).items()):
            extension = ".png" if name.startswith("png") else ".jpg"
            source = f"Bengal/{90_000_000 + number * 100 + index}_1{extension}"  # a pet id of its own
            (root / source).write_bytes(data)
            planted[source] = f"Bengal/{original.name}"
    return planted


@pytest.fixture(scope="module")
def copies_tree(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("copies") / "images"
    make_tree(root, {"Bengal": 40, "Calico": 20, "Abyssinian": 10})
    return root, _plant_copies(root)


@pytest.fixture(scope="module")
def copies_build(copies_tree, tmp_path_factory) -> tuple[Path, BuildReport]:
    out = tmp_path_factory.mktemp("copies_build") / "ds"
    report = build_folder(copies_tree[0], out, CatBreedsVLMConfig(), num_proc=2, progress=False, command="test")
    return out, report


def test_copies_are_grouped_with_their_original_and_share_its_split(copies_tree, copies_build):
    _, planted = copies_tree
    out, report = copies_build
    group_of = {photo: i for i, group in enumerate(report.near_duplicates) for photo in group.photos}
    found = defaultdict(list)
    for copy, original in planted.items():
        kind = copy_kind(copy, planted)
        found[kind].append(copy in group_of and group_of.get(original) == group_of[copy])
    recall = {kind: sum(hits) / len(hits) for kind, hits in found.items()}
    print("recall by kind of copy:", recall)
    for kind in ("reencode", "resize", "png", "brightness"):
        assert recall[kind] >= 0.99, (kind, recall)
    assert recall["crop"] >= 0.9, recall
    loaded = datasets.load_dataset(str(out))
    split_of = {s: split for split in ("train", "val", "test") for s in loaded[split]["source"]}
    for copy, original in planted.items():
        if copy in group_of:
            assert split_of[copy] == split_of[original], (copy, original)


def copy_kind(copy: str, planted: dict[str, str]) -> str:
    """The kind of copy a planted file is, from its index among its original's copies."""
    index = int(Path(copy).stem.split("_")[0]) % 100
    kinds = [kind for kind, settings in COPIES.items() for _ in settings]
    return kinds[index]


def test_groups_list_their_pairs_with_distances_in_the_report_card_and_stats(copies_build):
    from cat_breeds_vlm.dataset.stats import format_stats, load_report

    out, report = copies_build
    group = report.near_duplicates[0]
    assert group.size == len(group.photos) >= 2 and group.suspicious is False
    for a, b, distance in group.pairs:
        assert a < b and a in group.photos and 0 <= distance <= THRESHOLD
    card = (out / "README.md").read_text()
    assert f"threshold {THRESHOLD:g}" in card and f"{len(report.near_duplicates)} group(s)" in card
    text = format_stats(load_report(str(out)))
    farthest = max(group.pairs, key=lambda pair: pair[2])
    assert "Near-duplicate search: threshold" in text and f"({farthest[2]:g})" in text


def test_the_same_build_twice_gives_the_same_bytes(copies_tree, copies_build, tmp_path):
    out, _ = copies_build
    again = tmp_path / "again"
    build_folder(copies_tree[0], again, CatBreedsVLMConfig(), num_proc=1, progress=False, command="test")
    shards = sorted(p.relative_to(out) for p in out.rglob("*.parquet"))
    assert shards and shards == sorted(p.relative_to(again) for p in again.rglob("*.parquet"))
    for shard in shards:
        assert (out / shard).read_bytes() == (again / shard).read_bytes()
    assert (
        json.loads((out / "build.json").read_text())["near_duplicates"]
        == json.loads((again / "build.json").read_text())["near_duplicates"]
    )


def test_a_copy_under_another_breed_is_a_conflict_left_out(tmp_path):
    root = tmp_path / "images"
    make_tree(root, {"Bengal": 12, "Calico": 12})
    original = sorted((root / "Bengal").glob("*.jpg"))[0]
    with Image.open(original) as image:
        (root / "Calico" / "99999999_1.jpg").write_bytes(copy_of(image.convert("RGB"), "resize", 0.8))
    prepared = prepare(root, BuildSettings(), progress=False)
    conflict = next(c for c in prepared.plan.conflicts if c.distance is not None)
    assert conflict.sources == [f"Bengal/{original.name}", "Calico/99999999_1.jpg"]
    assert conflict.breeds == ["Bengal", "Calico"] and 0 < conflict.distance <= THRESHOLD
    kept = {r.source for rows in prepared.plan.rows.values() for r in rows}
    assert not set(conflict.sources) & kept
    off = prepare(root, BuildSettings(near_dups=False), progress=False)
    assert set(conflict.sources) <= {r.source for rows in off.plan.rows.values() for r in rows}


def test_a_chain_past_the_bound_stays_in_one_split_and_is_flagged():
    files = [ImageFile(f"Bengal/{1000 + i}_1.jpg", "Bengal", f"{i:064x}", 100) for i in range(80)]
    chain = [NearPair(files[i].source, files[i + 1].source, 5.0) for i in range(SUSPICIOUS_GROUP + 5)]
    planned = plan(files, ["Bengal"], PlanSettings(), chain)
    (group,) = planned.near_duplicates
    assert group.size == SUSPICIOUS_GROUP + 6 and group.suspicious is True
    chained = {pair.a for pair in chain} | {pair.b for pair in chain}
    splits = {split for split, rows in planned.rows.items() if split != "priority" for r in rows if r.source in chained}
    assert len(splits) == 1


def _signature(image: Image.Image) -> bytes:
    return measure(encode(image, quality=85)).thumb


def _demo_signature(path: str) -> bytes:
    return _signature(render_photo(path, seed=0))


def test_no_two_photos_of_the_demo_tree_are_paired():
    paths = photo_paths(demo_counts(3000), seed=0)  # the demo tree, in memory
    thumbs = list(parallel_map(_demo_signature, paths, 2, chunksize=64))
    assert find_near_duplicates(paths, thumbs, THRESHOLD, workers=2) == []


def test_the_bundled_photographs_are_distinct_and_their_copies_are_not():
    import skimage.data

    photos = bundled_photos()
    sources, thumbs = [], []
    for name, pixels in photos.items():
        image = Image.fromarray(pixels)
        image = image.resize((300, max(1, round(300 * image.height / image.width))))
        sources.append(name)
        thumbs.append(_signature(image))
    pairs = find_near_duplicates(sources, thumbs, THRESHOLD)
    assert pairs == []  # brick, grass and gravel included
    # skimage's cat() is the same picture as chelsea(): a true duplicate, found
    same = [_signature(Image.fromarray(skimage.data.cat())), _signature(Image.fromarray(skimage.data.chelsea()))]
    assert [p.distance for p in find_near_duplicates(["cat", "chelsea"], same, THRESHOLD)] == [0.0]


@pytest.mark.parametrize("value", [-1, 51, "6"])
def test_a_bad_threshold_fails_at_construction(value):
    with pytest.raises(SettingsError, match="near_dup_threshold"):
        CatBreedsVLMConfig(near_dup_threshold=value)


def test_the_near_dup_options_on_the_command_line(copies_tree, tmp_path):
    from click.testing import CliRunner

    from cat_breeds_vlm.cli import main

    out = tmp_path / "ds"
    args = ["build", str(copies_tree[0]), "-o", str(out), "--num-proc", "1", "--no-near-dups", "--dry-run"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "near-duplicate groups" not in result.output
    args = ["build", str(copies_tree[0]), "-o", str(out), "--near-dup-threshold", "3.5"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    report = json.loads((out / "build.json").read_text())
    assert report["settings"]["near_dup_threshold"] == 3.5 and "--near-dup-threshold 3.5" in report["command"]
    assert all(d <= 3.5 for g in report["near_duplicates"] for _, _, d in g["pairs"])


def test_the_index_lists_exactly_the_view_pairs_within_its_radius():
    """The bounded two-nearest queries, then the bounded queries for more and the full queries
    for the crowded, miss no pair and add none: checked against every pair, on points where some
    have no neighbour, some one, some a few, and some more than the bounded queries return."""
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 100, (150, 9))
    many = [centres[:3] + rng.normal(0, 1, (3, 9)) for _ in range(10)]  # 3 pictures with 10 copies each
    whole = np.concatenate(
        [centres, centres[:60] + rng.normal(0, 2, (60, 9)), centres[:10] + rng.normal(0, 1, (10, 9)), *many]
    )
    crops = [whole + rng.normal(0, 1.5, whole.shape), whole + rng.normal(0, 2.5, whole.shape)]
    radii = [6.0, 8.0, 8.0]  # one a view
    views = [v.astype(np.float32) for v in (whole, *crops)]
    found = {tuple(pair) for pair in candidates(views, radii, 2).tolist()}
    n = len(whole)
    views = np.concatenate(views)[:, None, :]
    reach = np.repeat(radii, n)[:, None]
    close = np.linalg.norm(views - whole.astype(np.float32)[None, :, :], axis=2) <= reach
    expected = {(a, b) for a, b in zip(*np.nonzero(close)) if (a < b if a < n else a % n != b)}
    assert found == expected
    assert (close[:n].sum(axis=1) >= 3).sum() >= 5  # some with two neighbours or more: more asked for
    assert (close[:n].sum(axis=1) > _CROWD).sum() >= 30  # some with more than those: all asked for
    assert sum(n <= a < 2 * n for a, _ in expected) > 60 and sum(a >= 2 * n for a, _ in expected) > 60  # both crops


def test_a_thumbnail_shows_the_picture_not_the_padding_of_a_scaled_decode():
    """210 x 158 pixels decode at 1/8 to 27 x 20, the last column and row part padding: the
    thumbnail is of the picture only, so a copy at 70 % looks like its original."""
    assert content_box(210, 158, 27, 20) == (0.0, 0.0, 26.25, 19.75)
    assert content_box(300, 200, 300, 200) is None and content_box(304, 200, 38, 25) is None
    picture = render_photo("Bengal/1_1.jpg")
    original = np.frombuffer(measure(encode(picture, quality=85)).thumb, np.uint8).astype(int)
    data = encode(picture.resize((210, 158), Image.LANCZOS), quality=85)
    copy = np.frombuffer(measure(data).thumb, np.uint8).astype(int)
    decoded = simplejpeg.decode_jpeg(data, colorspace="RGB", min_width=16, min_height=16)
    assert decoded.shape == (20, 27, 3)
    stretched = np.asarray(Image.fromarray(decoded).resize((16, 16), Image.BILINEAR), dtype=int).ravel()
    assert np.abs(copy - original).mean() < 0.5 * np.abs(stretched - original).mean()


def test_a_pair_is_reported_once_sorted_at_its_whole_views_distance():
    picture = render_photo("Calico/7_1.jpg")
    sources = ["c.jpg", "a.jpg", "b.jpg"]  # not in index order
    thumbs = [measure(encode(picture, quality=q)).thumb for q in (85, 60, 95)]
    pairs = find_near_duplicates(sources, thumbs, THRESHOLD)
    assert [(p.a, p.b) for p in pairs] == [("a.jpg", "b.jpg"), ("a.jpg", "c.jpg"), ("b.jpg", "c.jpg")]
    pixels = np.frombuffer(b"".join(thumbs), np.uint8).reshape(3, 16, 16, 3)
    whole, _ = check(pixels, np.array([[1, 2], [0, 1], [0, 2]]))
    assert [p.distance for p in pairs] == [round(d, 2) for d in whole.tolist()]
