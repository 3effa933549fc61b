"""Real builds of small synthetic trees: the folder, its round trip, the guarantees, the refusals."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from collections import Counter, defaultdict
from pathlib import Path

import datasets
import pytest
from conftest import SMALL_COUNTS, make_small_tree
from domain_fixtures import DOMAINS, domain_spec, relabel
from tree_fixtures import garble

from cat_breeds_vlm.errors import UserError
from cat_breeds_vlm.features import make_features
from cat_breeds_vlm.labels.domain import default_domain
from cat_breeds_vlm.pipeline.builder import CatBreedsVLMConfig, SettingsError
from cat_breeds_vlm.pipeline.folder import build_folder
from cat_breeds_vlm.pipeline.plan import pet_id
from cat_breeds_vlm.pipeline.scan import Walk, scan
from cat_breeds_vlm.pipeline.stages import prepare
from cat_breeds_vlm.pipeline.verify import VerdictCache, verify_all
from cat_breeds_vlm.report.record import CappedBreed, SkipKind, SkippedFile, SkipReason

SPLITS = ("train", "val", "test", "priority")


@pytest.fixture(scope="module")
def loaded(small_build):
    return datasets.load_dataset(str(small_build))


@pytest.fixture(scope="module", params=DOMAINS)
def domain_build(request, small_tree, small_build, tmp_path_factory):
    """(domain, planted files, build folder, loaded build) of the small tree under each domain's
    labels (the same photos in folders of the domain's names), built with that domain."""
    name = request.param
    if name == "cats":
        return name, small_tree[1], small_build, datasets.load_dataset(str(small_build))
    root = tmp_path_factory.mktemp(f"tree-{name}") / "images"
    shutil.copytree(small_tree[0], root)
    for folder in list(root.iterdir()):
        if folder.is_dir() and relabel(name, folder.name) != folder.name:
            folder.rename(root / relabel(name, folder.name))
    planted = {key: _relabelled(name, value) for key, value in small_tree[1].items()}
    out = tmp_path_factory.mktemp(f"build-{name}") / "ds"
    build_folder(root, out, CatBreedsVLMConfig(domain=domain_spec(name)), progress=False, command="test build")
    return name, planted, out, datasets.load_dataset(str(out))


def _relabelled(domain: str, planted):
    """Planted sources (a path, or a list, tuple or dict of them) with the domain's folder names."""
    if isinstance(planted, str):
        folder, _, rest = planted.partition("/")
        return f"{relabel(domain, folder)}/{rest}" if rest else planted
    if isinstance(planted, dict):
        return {_relabelled(domain, key): value for key, value in planted.items()}
    return type(planted)(_relabelled(domain, item) for item in planted)


def image_sha(row) -> str:
    return hashlib.sha256(row["image"]["bytes"]).hexdigest()


def raw(split):
    return split.cast_column("image", datasets.Image(decode=False))


def test_folder_loads_without_our_code(small_build):
    """load_dataset(OUT) in a fresh interpreter that never imports cat_breeds_vlm."""
    script = textwrap.dedent(
        f"""
        import json, sys
        from datasets import load_dataset
        ds = load_dataset({str(small_build)!r})
        out = {{s: len(ds[s]) for s in ds}}
        row = ds["test"][0]
        row["image"].load()
        out["features"] = str(ds["train"].features)
        out["size"] = list(row["image"].size)
        out["ours_imported"] = any(m.startswith("cat_breeds_vlm") for m in sys.modules)
        print(json.dumps(out))
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=small_build.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    report = json.loads((small_build / "build.json").read_text())
    assert {s: result[s] for s in SPLITS} == {s: report["splits"][s]["rows"] for s in SPLITS}
    assert result["features"] == str(make_features(SMALL_COUNTS))
    assert result["size"] == [300, 225]
    assert result["ours_imported"] is False


def test_features_and_rows_follow_the_contract(loaded):
    names = loaded["train"].features["breed"].names
    assert names == sorted(SMALL_COUNTS)
    for split in SPLITS:
        ids = loaded[split]["id"]
        assert len(ids) == len(set(ids)), split
        for conv in loaded[split]["conversations"]:
            assert conv[0]["from"] == "human" and conv[0]["value"].startswith("<image>\n")
            assert sum(t["value"].count("<image>") for t in conv) == 1
            assert [t["from"] for t in conv] == ["human", "gpt"] * (len(conv) // 2)


def test_no_photo_in_two_splits_and_pets_stay_together(domain_build):
    loaded = domain_build[3]
    where_sha: dict[str, set[str]] = defaultdict(set)
    where_pet: dict[str, set[str]] = defaultdict(set)
    for split in ("train", "val", "test"):
        for row in raw(loaded[split]):
            where_sha[image_sha(row)].add(split)
            if pet_id(row["source"]) is not None:  # "odd_cmyk.jpg" names no pet: each is its own photo
                where_pet[pet_id(row["source"])].add(split)
    assert all(len(s) == 1 for s in where_sha.values())
    assert all(len(s) == 1 for s in where_pet.values())


def pet_of(source: str) -> str:
    """The pet a file shows, as the planner reads names: its numeric pet id, else the file itself
    (camera names such as ``odd_photo.webp`` are no pet ids)."""
    from cat_breeds_vlm.pipeline.plan import pet_id

    return pet_id(source) or source


def test_per_breed_val_test_presence_and_ratio(domain_build):
    """Breeds with 3+ independent pets reach val and test; the rest are train only, and reported."""
    domain, _, small_build, loaded = domain_build
    report = json.loads((small_build / "build.json").read_text())
    names = loaded["train"].features["breed"].names
    counts = {s: Counter(names[b] for b in loaded[s]["breed"]) for s in ("val", "test")}
    photos = {b: sum(report["photos"][s].get(b, 0) for s in ("train", "val", "test")) for b in names}
    pets: dict[str, set[str]] = defaultdict(set)
    for split in ("train", "val", "test"):
        for source in loaded[split]["source"]:
            pets[source.split("/", 1)[0]].add(pet_of(source))
    for breed, n in photos.items():
        if len(pets[breed]) >= 3:
            for split in ("val", "test"):
                assert counts[split][breed] >= 1, (breed, split)
                assert abs(counts[split][breed] - 0.1 * n) <= 1
        if not (counts["val"][breed] and counts["test"][breed]):
            assert breed in report["too_small"]
    york = relabel(domain, "York Chocolate")
    assert york in report["too_small"]
    assert counts["val"][york] == counts["test"][york] == 0


def test_oversampling_and_priority_split(loaded):
    names = loaded["train"].features["breed"].names
    train = loaded["train"]
    copies = Counter(train["source"])
    for source, n in copies.items():
        breed = source.split("/", 1)[0]
        assert n == (5 if breed in default_domain().priority else 1), source
    priority = loaded["priority"]
    expected = [r for r in train.select_columns(["id", "breed"]) if names[r["breed"]] in default_domain().priority]
    assert list(priority.select_columns(["id", "breed"])) == expected
    for split in ("val", "test"):
        assert len(set(loaded[split]["source"])) == len(loaded[split])
    # oversampled copies get their own wording where the templates allow
    york = [
        c[0]["value"] + c[1]["value"] for c, s in zip(train["conversations"], train["source"]) if s.startswith("York")
    ]
    assert len(york) == 5 and len(set(york)) > 1


def test_bad_files_skipped_and_reported(domain_build):
    domain, planted, small_build, loaded = domain_build
    report = json.loads((small_build / "build.json").read_text())
    skipped = {s["source"]: s["reason"] for s in report["skipped"]}
    assert set(skipped) == set(planted["bad"])
    abyssinian, bengal, calico = (relabel(domain, name) for name in ("Abyssinian", "Bengal", "Calico"))
    assert "empty" in skipped[f"{abyssinian}/bad_empty.jpg"]
    assert "truncated" in skipped[f"{abyssinian}/bad_truncated.jpg"]
    assert "bomb" in skipped[f"{abyssinian}/bad_bomb.png"]
    all_sources = {s for split in ("train", "val", "test") for s in loaded[split]["source"]}
    assert set(planted["odd"]) <= all_sources
    assert not set(planted["ignored"]) & all_sources
    assert planted["twin"][1] not in all_sources
    assert report["duplicates"] == [{"breed": bengal, "kept": planted["twin"][0], "dropped": [planted["twin"][1]]}]
    assert report["conflicts"] == [{"sources": sorted(planted["conflict"]), "breeds": sorted([bengal, calico])}]
    assert not set(planted["conflict"]) & all_sources


def test_every_image_decodes_in_rgb_or_its_mode(loaded):
    for row in loaded["val"]:
        row["image"].load()
        assert row["image"].size[0] > 0


def test_builder_gives_the_same_rows_as_the_folder(small_tree, loaded, tmp_path):
    from cat_breeds_vlm import CatBreedsVLM

    builder = CatBreedsVLM(data_dir=str(small_tree[0]), cache_dir=str(tmp_path / "cache"))
    builder.download_and_prepare()
    ds = builder.as_dataset()
    for split in SPLITS:
        assert ds[split]["id"] == loaded[split]["id"], split
        assert ds[split]["conversations"] == loaded[split]["conversations"], split
    assert ds["train"].features == loaded["train"].features


def measured(root: Path) -> int:
    """How many photos below ``root`` the verification cache holds measurements of."""
    with VerdictCache() as cache:
        return len(cache.entries(under=root.resolve()))


def test_constructing_the_builder_decodes_nothing_and_is_a_small_part_of_a_build(tmp_path, monkeypatch):
    from cat_breeds_vlm import CatBreedsVLM
    from cat_breeds_vlm.demo import make_tree
    from cat_breeds_vlm.pipeline import builder as builder_module

    root = tmp_path / "images"
    make_tree(root, {"Bengal": 40, "Persian": 40, "Sphynx - Hairless Cat": 40})
    calls: list[int] = []
    real = builder_module.prepare
    monkeypatch.setattr(builder_module, "prepare", lambda *a, **k: calls.append(1) or real(*a, **k))
    builder = CatBreedsVLM(data_dir=str(root), cache_dir=str(tmp_path / "cache"))
    assert calls == [] and builder.info.features is None
    assert measured(root) == 0  # no photo was measured
    start = time.perf_counter()  # a second one: the first in a process also sets up datasets
    CatBreedsVLM(data_dir=str(root), cache_dir=str(tmp_path / "other"))
    constructed = time.perf_counter() - start
    assert calls == []
    start = time.perf_counter()
    builder.download_and_prepare()
    built = time.perf_counter() - start
    assert calls == [1] and measured(root) == 120
    assert builder.info.features["breed"].names == ["Bengal", "Persian", "Sphynx - Hairless Cat"]
    # A ratio of two durations measured side by side, with a wide margin: construction is a
    # listing of the tree, a build also decodes, plans and writes every photo.
    assert constructed < 0.2 * built, (constructed, built)


def test_a_second_process_reuses_the_builder_cache_with_its_labels(small_tree, tmp_path):
    from cat_breeds_vlm import CatBreedsVLM

    cache = tmp_path / "cache"
    builder = CatBreedsVLM(data_dir=str(small_tree[0]), cache_dir=str(cache), seed=3)
    builder.download_and_prepare()
    ds = builder.as_dataset()
    code = textwrap.dedent(
        f"""
        import json
        from cat_breeds_vlm.pipeline import builder

        def rebuilt(*args, **kwargs):
            raise AssertionError("the cache was not reused")

        builder.prepare = rebuilt
        again = builder.CatBreedsVLM(data_dir={str(small_tree[0])!r}, cache_dir={str(cache)!r}, seed=3)
        again.download_and_prepare()
        ds = again.as_dataset()
        print(json.dumps({{"names": again.info.features["breed"].names, "ids": {{s: list(ds[s]["id"]) for s in ds}}}}))
        """
    )
    checkout = str(Path(__file__).resolve().parents[1])  # this code, whatever the venv installed
    env = {**os.environ, "PYTHONPATH": checkout}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["names"] == builder.info.features["breed"].names
    assert found["ids"] == {s: list(ds[s]["id"]) for s in ds}


def test_same_seed_same_bytes_other_seed_other_split(small_tree, small_build, tmp_path):
    again = tmp_path / "again"
    build_folder(small_tree[0], again, CatBreedsVLMConfig(), num_proc=2, progress=False, command="test build")
    shards = sorted(p.relative_to(small_build) for p in small_build.rglob("*.parquet"))
    assert shards == sorted(p.relative_to(again) for p in again.rglob("*.parquet"))
    for shard in shards:
        assert (small_build / shard).read_bytes() == (again / shard).read_bytes(), shard
    assert (small_build / "README.md").read_text().replace(str(small_build), "") == (
        again / "README.md"
    ).read_text().replace(str(again), "")
    other = tmp_path / "other"
    report = build_folder(small_tree[0], other, CatBreedsVLMConfig(seed=7), progress=False)
    first = json.loads((small_build / "build.json").read_text())
    assert report.photos["test"] != first["photos"]["test"] or (
        (other / "data" / "test-00000-of-00001.parquet").read_bytes()
        != (small_build / "data" / "test-00000-of-00001.parquet").read_bytes()
    )


def copied_tree(small_tree, tmp_path: Path) -> Path:
    """A private copy of the small tree (mtimes kept) that a test may change."""
    import shutil

    return Path(shutil.copytree(small_tree[0], tmp_path / "images"))


def test_rebuild_decodes_nothing_again(small_tree, tmp_path):
    root = copied_tree(small_tree, tmp_path)
    first = prepare(root, CatBreedsVLMConfig(seed=1), progress=False)
    candidates = scan(root).candidates
    with VerdictCache() as cache:
        assert len(cache.lookup(candidates)) == len(candidates)
        for candidate in candidates:  # every photo now garbage: a decode would skip them all
            garble(candidate.path)
        again = prepare(root, CatBreedsVLMConfig(seed=9), progress=False)
        assert len(again.skipped) == len(first.skipped)  # the cached verdicts were used
        touched = candidates[0]
        os.utime(touched.path, ns=(touched.mtime_ns + 10**9, touched.mtime_ns + 10**9))
        fresh = scan(root).candidates
        assert len(cache.lookup(fresh)) == len(fresh) - 1
        verdicts = verify_all(fresh, cache=cache, progress=False)
        assert not verdicts[touched.source].ok  # decoded again: the garbled bytes fail
        assert len(cache.lookup(fresh)) == len(fresh)


def test_an_interrupted_verification_keeps_what_it_measured(small_tree, tmp_path):
    candidates = scan(copied_tree(small_tree, tmp_path)).candidates
    candidates[5].path.unlink()  # the sixth file vanishes: verification stops there
    with VerdictCache(tmp_path / "cache.sqlite") as cache, pytest.raises(FileNotFoundError):
        verify_all(candidates, cache=cache, progress=False)
    with VerdictCache(tmp_path / "cache.sqlite") as cache:
        assert sorted(cache.lookup(candidates)) == sorted(c.source for c in candidates[:5])


def test_refuses_a_folder_that_is_not_a_build(small_tree, tmp_path):
    foreign = tmp_path / "cat_breeds_vlm"
    foreign.mkdir()
    (foreign / "__init__.py").write_text("# precious code\n")
    with pytest.raises(UserError, match="package's source folder, not a dataset"):
        build_folder(small_tree[0], foreign, CatBreedsVLMConfig(), progress=False, overwrite=True)
    assert [p.name for p in foreign.iterdir()] == ["__init__.py"]
    assert not list(tmp_path.glob(".cat_breeds_vlm*"))


def test_overwrite_only_replaces_an_earlier_build(small_tree, small_build, tmp_path):
    out = tmp_path / "ds"
    build_folder(small_tree[0], out, CatBreedsVLMConfig(seed=1), progress=False)
    with pytest.raises(UserError, match="--overwrite"):
        build_folder(small_tree[0], out, CatBreedsVLMConfig(seed=2), progress=False)
    assert json.loads((out / "build.json").read_text())["settings"]["seed"] == 1
    build_folder(small_tree[0], out, CatBreedsVLMConfig(seed=2), progress=False, overwrite=True)
    assert json.loads((out / "build.json").read_text())["settings"]["seed"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]


def test_a_build_failing_midway_leaves_the_old_one_intact(small_tree, tmp_path):
    root = copied_tree(small_tree, tmp_path)
    out = tmp_path / "ds"
    build_folder(root, out, CatBreedsVLMConfig(seed=1), progress=False)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    garble(sorted(root.glob("Domestic Short Hair/*.jpg"))[0])  # cached verdict, other bytes
    with pytest.raises(UserError, match="changed during the build"):
        build_folder(root, out, CatBreedsVLMConfig(seed=2), progress=False, overwrite=True)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds", "images"]


def test_cap_is_sampled_and_reported(small_tree, tmp_path):
    report = build_folder(small_tree[0], tmp_path / "capped", CatBreedsVLMConfig(max_per_class=10), progress=False)
    assert report.capped["Domestic Short Hair"] == CappedBreed(photos=40, kept=10)
    assert sum(report.photos[s].get("Domestic Short Hair", 0) for s in ("train", "val", "test")) == 10


@pytest.mark.parametrize(
    "settings, word",
    [
        ({"val_ratio": 1.2}, "val_ratio"),
        ({"test_ratio": -0.1}, "test_ratio"),
        ({"val_ratio": 0.5, "test_ratio": 0.5}, "below 1"),
        ({"priority_oversample": 0}, "priority_oversample"),
        ({"style": "chatty"}, "chatty"),
        ({"max_per_class": 0}, "max_per_class"),
    ],
)
def test_bad_settings_fail_at_construction(settings, word, small_tree):
    with pytest.raises(SettingsError, match=word):
        CatBreedsVLMConfig(**settings)
    from cat_breeds_vlm import CatBreedsVLM

    with pytest.raises(SettingsError, match=word):
        CatBreedsVLM(data_dir=str(small_tree[0]), **settings)


def test_detailed_style_adds_a_second_exchange(tmp_path):
    root = tmp_path / "images"
    make_small_tree(root, seed=3)
    prepared = prepare(root, CatBreedsVLMConfig(style="detailed"), progress=False)
    assert prepared.plan.rows["train"]
    out = tmp_path / "detailed"
    build_folder(root, out, CatBreedsVLMConfig(style="detailed"), progress=False)
    conv = datasets.load_dataset(str(out), split="val")[0]["conversations"]
    assert [t["from"] for t in conv] == ["human", "gpt", "human", "gpt"]
    assert "<image>" not in conv[2]["value"]


def test_an_empty_split_is_left_out_and_said(tmp_path):
    """No priority breed in the tree: no priority split, yet the folder and builder still load."""
    from cat_breeds_vlm import CatBreedsVLM
    from cat_breeds_vlm.demo import make_tree

    root = tmp_path / "images"
    make_tree(root, {"Bengal": 6, "Persian": 6})
    report = build_folder(root, tmp_path / "out", CatBreedsVLMConfig(), progress=False)
    assert report.empty_splits == ["priority"] and "priority" not in report.splits
    assert "Not in this dataset: `priority`" in (tmp_path / "out" / "README.md").read_text()
    ds = datasets.load_dataset(str(tmp_path / "out"))
    assert sorted(ds) == ["test", "train", "val"]
    assert sum(map(len, ds.values())) == 12
    builder = CatBreedsVLM(data_dir=str(root), cache_dir=str(tmp_path / "cache"))
    builder.download_and_prepare()
    assert sorted(builder.as_dataset()) == ["test", "train", "val"]


def test_a_file_changed_after_verification_is_never_written(small_tree, tmp_path):
    from cat_breeds_vlm.pipeline.plan import Row
    from cat_breeds_vlm.pipeline.shards import make_record

    source = sorted(p for p in (small_tree[0] / "Bengal").glob("*_1.jpg"))[0]
    row = Row("x", f"Bengal/{source.name}", "Bengal", 1, hashlib.sha256(source.read_bytes()).hexdigest())
    assert make_record(row, small_tree[0], "single", {"Bengal": 0})["image"]["bytes"] == source.read_bytes()
    stale = Row("x", row.source, "Bengal", 1, "0" * 64)
    with pytest.raises(UserError, match="changed during the build"):
        make_record(stale, small_tree[0], "single", {"Bengal": 0})


def test_a_tree_of_only_broken_files_is_an_error_not_an_empty_build(tmp_path):
    from tree_fixtures import make_bad_files

    root = tmp_path / "images"
    make_bad_files(root, breed="Bengal")
    with pytest.raises(UserError, match="no usable image"):
        build_folder(root, tmp_path / "out", CatBreedsVLMConfig(), progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["images"]


def test_names_that_are_not_utf8_are_skipped_with_a_reason(tmp_path):
    from cat_breeds_vlm.demo import make_tree

    root = tmp_path / "images"
    make_tree(root, {"Bengal": 4, "Persian": 4})
    good = next((root / "Bengal").glob("*.jpg"))
    bad = os.fsencode(root / "Bengal") + b"/caf\xe9_1.jpg"
    with open(bad, "wb") as f:
        f.write(good.read_bytes()[:-10] + b"extra12345")  # another picture's bytes, still a JPEG name
    report = build_folder(root, tmp_path / "out", CatBreedsVLMConfig(), progress=False)
    assert SkippedFile("Bengal/caf\\xe9_1.jpg", SkipReason(SkipKind.FILE_NAME)) in report.skipped
    assert report.skipped[0].reason.text == "file name is not valid UTF-8"
    assert sum(report.splits[s].photos for s in ("train", "val", "test")) == 8


def test_stale_staging_is_removed_but_a_live_one_is_kept(small_tree, tmp_path):
    dead = tmp_path / ".ds.partial-999999999-abcd1234"
    live = tmp_path / f".ds.partial-{os.getpid()}-abcd1234"
    for folder in (dead, live):
        (folder / "data").mkdir(parents=True)
    build_folder(small_tree[0], tmp_path / "ds", CatBreedsVLMConfig(), progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == [live.name, "ds"]


def test_the_build_records_no_local_path(small_tree, small_build):
    # A pushed build must not show where the photos were: only the image folder's name.
    tree = Path(small_tree[0]).resolve()
    report = json.loads((small_build / "build.json").read_text())
    assert report["image_dir"] == tree.name
    for name in ("build.json", "README.md"):
        assert str(tree.parent) not in (small_build / name).read_text()


def test_shards_store_image_bytes_plain_and_the_rest_compressed(small_build):
    """The Hub's layout: image bytes uncompressed and PLAIN, other columns snappy, chunked by content."""
    import pyarrow.parquet as pq

    shard = next((small_build / "data").glob("train-*.parquet"))
    meta = pq.ParquetFile(shard).metadata
    group = meta.row_group(0)
    columns = {group.column(i).path_in_schema: group.column(i) for i in range(meta.num_columns)}
    assert columns["image.bytes"].compression == "UNCOMPRESSED"
    assert "PLAIN" in columns["image.bytes"].encodings
    assert not any("DICTIONARY" in e for e in columns["image.bytes"].encodings)
    assert columns["conversations.list.element.value"].compression == "SNAPPY"
    assert columns["id"].compression == "SNAPPY"
    assert b"content_defined_chunking" in meta.metadata
    assert columns["id"].has_offset_index  # the page index


def test_verdicts_are_cached_where_the_readme_says(small_build):
    cache = Path(os.environ["HF_HOME"]) / "assets" / "cat_breeds_vlm" / "default" / "verify"
    assert [p.suffix for p in cache.iterdir()] == [".sqlite"]
    assert (
        "`$HF_HOME/assets/cat_breeds_vlm/default/verify/`"
        in (Path(__file__).parents[1] / "docs" / "guarantees.md").read_text()
    )


def test_verification_takes_the_walk_as_it_goes(small_tree, tmp_path):
    root = copied_tree(small_tree, tmp_path)
    walk = Walk(root)
    with VerdictCache(tmp_path / "a.sqlite") as a, VerdictCache(tmp_path / "b.sqlite") as b:
        streamed = verify_all(walk.candidates(), cache=a, num_proc=2, progress=False)
        listed = verify_all(scan(root).candidates, cache=b, num_proc=2, progress=False)
        assert streamed == listed and len(streamed) == len(walk.result().candidates)
        again = verify_all(Walk(root).candidates(), cache=a, under=root, progress=False)
    assert again == listed  # from the cache, read for this folder only


def test_meanwhile_runs_once_while_the_workers_still_have_files(small_tree, tmp_path, monkeypatch):
    from cat_breeds_vlm.pipeline import verify

    candidates = scan(copied_tree(small_tree, tmp_path)).candidates
    monkeypatch.setattr(verify, "_CHUNK", 2)  # windows of 2 x 2 x 4 files: the tree is several
    handed: list[int] = []
    seen_when_called: list[int] = []

    def walk():
        for cand in candidates:
            handed.append(1)
            yield cand

    with VerdictCache(tmp_path / "a.sqlite") as cache:
        verdicts = verify_all(
            walk(), cache=cache, num_proc=2, progress=False, meanwhile=lambda: seen_when_called.append(len(handed))
        )
        assert len(verdicts) == len(candidates) > 2 * 2 * 2 * 4
        assert len(seen_when_called) == 1 and seen_when_called[0] < len(candidates)  # files were still to go
        again: list[int] = []  # every verdict cached: nothing to wait for, it still runs, once
        verify_all(candidates, cache=cache, progress=False, meanwhile=lambda: again.append(1))
    assert again == [1]


def _here() -> dict[str, str]:
    """The environment of a subprocess that imports this checkout's package, wherever it runs."""
    return {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}


def test_a_build_verifies_before_it_loads_datasets(tmp_path):
    # Loading datasets takes most of a second: the command line and the folder writer leave it
    # until verification runs (the builder config, a datasets.BuilderConfig, is not on that path).
    code = (
        "import sys\n"
        "from cat_breeds_vlm.cli import main\n"
        "import cat_breeds_vlm.cli.build, cat_breeds_vlm.pipeline.folder, cat_breeds_vlm.pipeline.stages\n"
        "from cat_breeds_vlm.cli.build import _settings\n"
        "print(sorted(m for m in ('datasets', 'pandas', 'scipy') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path, env=_here()
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("near_dups", [True, False])
def test_the_search_index_is_loaded_while_the_workers_verify(small_tree, tmp_path, near_dups):
    # scipy.spatial takes a fifth of a second to import: by the time verification is done, it is.
    code = (
        "import sys\n"
        "from cat_breeds_vlm.pipeline import stages\n"
        "from cat_breeds_vlm.pipeline.settings import BuildSettings\n"
        "def spy(*args, **kwargs):\n"
        "    verdicts = verify_all(*args, **kwargs)\n"
        "    print('scipy.spatial' in sys.modules)\n"
        "    return verdicts\n"
        "verify_all, stages.verify_all = stages.verify_all, spy\n"
        f"stages.prepare({str(small_tree[0])!r}, BuildSettings(near_dups={near_dups}), progress=False, cache=None)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path, env=_here()
    )
    assert out.stdout.strip() == str(near_dups)


def test_build_settings_are_the_builder_configs_own(tmp_path):
    from cat_breeds_vlm.pipeline.settings import BuildSettings

    assert issubclass(CatBreedsVLMConfig, BuildSettings)
    ours = {f.name for f in dataclasses.fields(BuildSettings)}
    assert ours < {f.name for f in dataclasses.fields(CatBreedsVLMConfig)}
    with pytest.raises(SettingsError, match=r"seed \(--seed\) must be"):
        BuildSettings(seed=-1)
    assert BuildSettings(seed=7).recorded() == CatBreedsVLMConfig(seed=7).recorded()
