"""Splits that hold across versions: real builds of small synthetic trees, one over the other.

Version 1 is a seeded 90 % of a tree; version 2 is all of it (+ ~10 % per breed) with files
removed, renamed, relabelled (moved to another breed folder) and re-rendered (same name, other
bytes), built over version 1 (``--overwrite``); version 3 brings back a removed photo.
"""

from __future__ import annotations

import random
import shutil
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from PIL import Image

from cat_breeds_vlm.cli import main
from cat_breeds_vlm.demo import make_tree, render_photo
from cat_breeds_vlm.pipeline.manifest import GONE, IN, LEFT_OUT, MANIFEST_NAME, read_manifest
from cat_breeds_vlm.report.record import BuildReport, RelabelledPhoto, RenamedPhoto, SplitOrigin, read_report

COUNTS = {"Abyssinian": 24, "Bengal": 44, "Calico": 30, "Persian": 36, "Siamese": 5}
SPLITS = ("train", "val", "test")


def invoke(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


class Built:
    """A build's report, read back from its ``build.json``, and the summary it printed."""

    def __init__(self, out: Path, output: str) -> None:
        self.report: BuildReport = read_report(out)
        self.output = output

    @property
    def origin(self) -> SplitOrigin:
        assert self.report.split_origin is not None
        return self.report.split_origin


def build(images: Path, out: Path, *options: object) -> Built:
    code, output = invoke("build", images, "-o", out, "--num-proc", "1", *options)
    assert code == 0, output
    return Built(out, output)


def manifest(out: Path) -> dict[str, dict[str, str]]:
    """state -> {sha256: split} of a build's manifest ("in" and "left out" lines by hash)."""
    entries, _ = read_manifest(out / MANIFEST_NAME)
    by_state: dict[str, dict[str, str]] = defaultdict(dict)
    for e in entries:
        by_state[e.state][e.sha256] = e.split
    return by_state


def rows(out: Path) -> dict[str, set[str]]:
    """split -> row ids of a build, read from its shards."""
    found: dict[str, set[str]] = defaultdict(set)
    for shard in (out / "data").glob("*.parquet"):
        found[shard.name.split("-", 1)[0]] |= set(pq.read_table(shard, columns=["id"]).column("id").to_pylist())
    return found


def sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def versions(tmp_path_factory) -> dict:
    """Trees and builds of versions 1 and 2 (2 built over 1), and what changed between them."""
    base = tmp_path_factory.mktemp("versions")
    pool = base / "pool"
    make_tree(pool, COUNTS, seed=3)
    files = sorted(p.relative_to(pool).as_posix() for p in pool.rglob("*.jpg"))
    held = set(random.Random(5).sample(files, len(files) // 10))
    v1 = base / "v1"
    for f in files:
        if f not in held:
            (v1 / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(pool / f, v1 / f)
    out = base / "cats"
    report1 = build(v1, out)
    shutil.copytree(out, base / "cats-v1")  # kept, to build over it again
    split1 = manifest(out)[IN]
    old = sorted(f for f in files if f not in held)
    by_split = defaultdict(list)
    for f in old:
        by_split[split1[sha(v1 / f)]].append(f)
    # version 2: all of the pool, with changes
    v2 = base / "v2"
    shutil.copytree(v1, v2)
    for f in held:
        shutil.copyfile(pool / f, v2 / f)
    removed = by_split["test"][0]
    (v2 / removed).unlink()
    renamed = (by_split["val"][0], by_split["val"][0].replace(".jpg", "_renamed.jpg"))
    (v2 / renamed[0]).rename(v2 / renamed[1])
    relabel_from = by_split["test"][1]
    target_breed = "Persian" if not relabel_from.startswith("Persian/") else "Calico"
    relabelled = (relabel_from, f"{target_breed}/moved_{relabel_from.split('/')[1]}")
    (v2 / relabelled[0]).rename(v2 / relabelled[1])
    rerendered = by_split["train"][0]
    render_photo("another picture", seed=9).save(v2 / rerendered, "JPEG", quality=85)
    report2 = build(v2, out, "--overwrite")
    return {
        "base": base,
        "pool": pool,
        "v1": v1,
        "v2": v2,
        "out": out,
        "out1": base / "cats-v1",
        "report1": report1,
        "report2": report2,
        "old": old,
        "held": held,
        "removed": removed,
        "renamed": renamed,
        "relabelled": relabelled,
        "rerendered": rerendered,
    }


def test_no_old_photo_changes_split_and_old_row_ids_stay(versions):
    before, after = manifest(versions["out1"])[IN], manifest(versions["out"])[IN]
    common = set(before) & set(after)
    assert len(common) >= len(versions["old"]) - 3  # all but the removed and the re-rendered one
    assert [h for h in common if before[h] != after[h]] == []
    rows1, rows2 = rows(versions["out1"]), rows(versions["out"])
    for split in SPLITS:  # every row id of an old photo still there is in the same split
        unchanged = {r for r in rows1[split] if r.split("#")[0] not in {versions["removed"], *versions["renamed"],
                     versions["relabelled"][0]}}  # fmt: skip
        assert unchanged <= rows2[split], split


def test_new_photos_are_dealt_toward_the_targets(versions):
    origin = versions["report2"].origin
    assert origin.kind == "kept" and origin.kept_from == "the earlier build in the output folder"
    assert origin.from_manifest == versions["report1"].origin.manifest_fingerprint
    photos = origin.photos
    assert photos.new == len(versions["held"])
    assert photos.gone == 1  # the removed file (renamed and relabelled ones are known by their bytes)
    assert photos.kept == len(versions["old"]) - 1
    for split, t in origin.targets.items():
        assert abs(t.photos - t.target) <= 4, (split, t)
    after = manifest(versions["out"])[IN]
    new_splits = {after[sha(versions["v2"] / f)] for f in versions["held"]}
    assert new_splits == {"train", "val", "test"}
    assert "Split kept from an earlier build" in versions["report2"].output
    assert "Photos against the targets" in versions["report2"].output


def test_renamed_relabelled_and_rerendered_files_keep_their_split_and_are_listed(versions):
    before, after = manifest(versions["out1"])[IN], manifest(versions["out"])[IN]
    origin = versions["report2"].origin
    old_name, new_name = versions["renamed"]
    assert origin.renamed == [RenamedPhoto(old_name, new_name)]
    assert after[sha(versions["v2"] / new_name)] == before[sha(versions["v1"] / old_name)] == "val"
    old_name, new_name = versions["relabelled"]
    [relabel] = origin.relabelled
    assert relabel == RelabelledPhoto(new_name, old_name.split("/")[0], new_name.split("/")[0], "test")
    assert after[sha(versions["v2"] / new_name)] == "test"
    assert origin.changed == [versions["rerendered"]]
    assert after[sha(versions["v2"] / versions["rerendered"])] == "train"
    card = (versions["out"] / "README.md").read_text()
    assert "## The split across versions" in card and "renamed photo kept its split" in card


def test_a_removed_photo_is_a_tombstone_and_returns_to_its_first_split(versions, tmp_path):
    removed = versions["removed"]
    digest = sha(versions["v1"] / removed)
    assert manifest(versions["out"])[GONE] == {digest: "test"}
    v3 = tmp_path / "v3"
    shutil.copytree(versions["v2"], v3)
    shutil.copyfile(versions["v1"] / removed, v3 / removed)
    out = tmp_path / "cats"
    shutil.copytree(versions["out"], out)
    report = build(v3, out, "--overwrite")
    assert manifest(out)[IN][digest] == "test"
    assert report.origin.photos.gone == 0 and report.origin.photos.new == 0
    assert removed in rows(out)["test"]


def test_the_same_inputs_and_earlier_build_give_byte_identical_output(versions, tmp_path):
    out = tmp_path / "cats"  # the same -o both times: the card quotes the command
    shutil.copytree(versions["out1"], out)
    build(versions["v2"], out, "--overwrite")
    first = out.rename(tmp_path / "first")
    shutil.copytree(versions["out1"], out)
    build(versions["v2"], out, "--overwrite")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert MANIFEST_NAME in map(str, files)
    for relative in files:
        assert (out / relative).read_bytes() == (first / relative).read_bytes(), relative


def test_the_manifest_is_never_read_as_a_split(versions):
    import datasets

    loaded = datasets.load_dataset(str(versions["out"]))
    report = versions["report2"].report
    assert sorted(loaded) == sorted(report.splits)
    assert {s: loaded[s].num_rows for s in loaded} == {s: i.rows for s, i in report.splits.items()}
    assert report.split_manifest == MANIFEST_NAME


def test_fresh_split_says_how_many_photos_crossed(versions, tmp_path):
    out = tmp_path / "cats"
    shutil.copytree(versions["out1"], out)
    report = build(versions["v2"], out, "--overwrite", "--fresh-split")
    origin = report.origin
    assert origin.kind == "fresh" and origin.crossed is not None
    line = [line for line in report.output.splitlines() if line.startswith("Split made afresh")]
    assert len(line) == 1 and "crossed from train to val/test" in line[0]
    assert report.report.command.endswith(" --fresh-split")
    # the fresh split is today's dealing: the same as a build into an empty folder
    alone = build(versions["v2"], tmp_path / "alone")
    assert alone.report.splits == report.report.splits and alone.origin.crossed is None
    assert origin.crossed.train_to_eval + origin.crossed.eval_to_train > 0  # dealt afresh, some old photos move


def test_other_ratios_keep_old_photos_and_move_new_ones_toward_the_targets(versions, tmp_path):
    out = tmp_path / "cats"
    shutil.copytree(versions["out1"], out)
    report = build(versions["v2"], out, "--overwrite", "--val-ratio", "0.2", "--seed", "7")
    before, after = manifest(versions["out1"])[IN], manifest(out)[IN]
    assert all(after[h] == before[h] for h in set(before) & set(after))
    targets = report.origin.targets
    assert targets["val"].target > versions["report2"].origin.targets["val"].target
    new = [after[sha(versions["v2"] / f)] for f in versions["held"]]
    assert new.count("val") > new.count("test")  # the new photos fill val toward its larger target
    assert "val" in report.output and "target" in report.output


def test_bridges_are_left_out_and_listed_and_nothing_old_moves(versions, tmp_path):
    """A new photo linking old photos of two splits (a near-duplicate of a test photo named with
    a train pet's id) is left out; an old val photo renamed into a train pet is left out (train
    kept); both are listed, and every other old photo keeps its split."""
    from cat_breeds_vlm.pipeline.plan import pet_id

    v1, before = versions["v1"], manifest(versions["out1"])[IN]
    split_of = {f: before[sha(v1 / f)] for f in versions["old"]}
    breed = max(COUNTS, key=COUNTS.get)
    mine = [f for f in versions["old"] if f.startswith(breed + "/")]
    test_photo = next(f for f in mine if split_of[f] == "test")
    train_pets = [pet_id(f) for f in mine if split_of[f] == "train"]
    val_photo = next(f for f in mine if split_of[f] == "val")
    tree = tmp_path / "tree"
    shutil.copytree(v1, tree)
    bridge = f"{breed}/{train_pets[0]}_9.jpg"
    Image.open(v1 / test_photo).save(tree / bridge, "JPEG", quality=60)  # a near-duplicate
    linked = f"{breed}/{train_pets[1]}_8.jpg"
    (tree / val_photo).rename(tree / linked)
    out = tmp_path / "cats"
    shutil.copytree(versions["out1"], out)
    report = build(tree, out, "--overwrite")
    origin = report.origin
    left = {item.source: item.reason for item in origin.left_out}
    assert left == {
        bridge: "new, links photos of train and test",
        linked: "was in val, now linked to photos kept in train",
    }
    assert origin.photos.left_out == 2 and origin.photos.gone == 0
    after = manifest(out)
    assert after[LEFT_OUT] == {sha(tree / linked): "val"}  # a later build still knows its split
    assert all(after[IN][h] == s for h, s in before.items() if h in after[IN])
    assert len(after[IN]) == len(before) - 1
    sources = {r for ids in rows(out).values() for r in ids}
    assert bridge not in sources and linked not in sources
    assert "Left out to keep the earlier split leak-free:" in report.output


def run_cli(*args: object, endpoint: str) -> tuple[int, str]:
    """The real CLI in a subprocess, online at the loopback ``endpoint``, with a Hub cache of its own."""
    import os
    import subprocess
    import sys
    import tempfile

    environment = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")}
    environment["HF_ENDPOINT"] = endpoint
    with tempfile.TemporaryDirectory(prefix="cat-breeds-vlm-keep-") as home:
        environment["HF_HOME"] = home
        environment.pop("HF_DATASETS_CACHE", None)
        done = subprocess.run(
            [sys.executable, "-m", "cat_breeds_vlm", *map(str, args)],
            env=environment, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    return done.returncode, done.stderr + done.stdout


def test_keep_split_of_a_folder_keeps_the_same_split_as_a_build_over_it(versions, tmp_path):
    out = tmp_path / "elsewhere"
    report = build(versions["v2"], out, "--keep-split-of", versions["out1"])
    assert manifest(out)[IN] == manifest(versions["out"])[IN]
    assert report.origin.kept_from == "cats-v1"  # the folder's name, never its path
    assert report.report.command.endswith(f"--keep-split-of {versions['out1']}")


def test_keep_split_of_a_hub_repo_at_a_revision_reads_only_its_manifest(versions, tmp_path):
    from hub_fixtures import FakeHub

    pushed = {
        p.relative_to(versions["out1"]).as_posix(): p.read_bytes() for p in versions["out1"].rglob("*") if p.is_file()
    }
    assert any(name.startswith("data/") for name in pushed)
    out = tmp_path / "from-hub"
    with FakeHub({"team/cats": pushed}) as hub:
        code, output = run_cli(
            "build", versions["v2"], "-o", out, "--num-proc", "1", "--keep-split-of", "team/cats@v1", endpoint=hub.url
        )
        assert code == 0, output
        fetched = [r for r in hub.requests if "/resolve/" in r]
        assert sorted({r.split("/resolve/v1/", 1)[1] for r in fetched}) == ["build.json", MANIFEST_NAME], fetched
        assert manifest(out)[IN] == manifest(versions["out"])[IN]
        assert read_report(out).split_origin.kept_from == "team/cats@v1"
        code, output = run_cli("compare", "team/cats@v1", versions["out"], endpoint=hub.url)
        assert code == 0 and "New test photos that were in the old train: 0" in output, output
        del pushed[MANIFEST_NAME]  # a build pushed before builds carried their split
        code, output = run_cli(
            "build", versions["v2"], "-o", tmp_path / "x", "--keep-split-of", "team/cats", endpoint=hub.url
        )
    line = output.strip()
    assert code == 1 and line.startswith("Error: ") and "\n" not in line, output
    assert f"team/cats has no {MANIFEST_NAME}" in line and "--fresh-split" in line
    assert not (tmp_path / "x").exists()


def old_dealing(units, seed, keys=None):
    """The dealing of the code before splits held across versions: a seeded permutation of the
    breed's unit count (one more unit reorders the whole breed)."""
    from cat_breeds_vlm.pipeline.plan import breed_rng, stratum

    order = breed_rng(seed, stratum(units[0]), "split").permutation(len(units)) if units else []
    return [units[i] for i in order]


def test_compare_reports_the_leak_of_the_old_dealing_and_none_of_a_kept_split(versions, tmp_path, monkeypatch):
    code, output = invoke("compare", versions["out1"], versions["out"])
    assert code == 0, output
    assert "New test photos that were in the old train: 0" in output
    assert "Old test photos now in the new train:       0" in output
    assert "matched by content hash" in output
    added = next(line for line in output.splitlines() if line.strip().startswith("added"))
    assert int(added.split()[1]) == len(versions["held"]) + 1  # by content: the re-rendered file is new
    relabelled = next(line for line in output.splitlines() if line.strip().startswith("relabelled"))
    assert int(relabelled.split()[1]) == 1

    monkeypatch.setattr("cat_breeds_vlm.pipeline.plan.deal_order", old_dealing)
    before, after = tmp_path / "before", tmp_path / "after"
    build(versions["v1"], before)
    build(versions["pool"], after)  # version 1 + 10 %, dealt afresh as the old code did
    code, output = invoke("compare", before, after)
    assert code == 1, output
    leaks = [int(line.rsplit(":", 1)[1]) for line in output.splitlines() if line.startswith(("New test", "Old test"))]
    assert len(leaks) == 2 and all(n > 0 for n in leaks), output
    assert "Leak:" in output
    for folder in (before, after):  # builds made before the manifest: read from their shards
        (folder / MANIFEST_NAME).unlink()
    code, by_source = invoke("compare", before, after)
    assert code == 1 and "matched by source" in by_source
    assert by_source.splitlines()[-3:] == output.splitlines()[-3:]  # the same leaks


def test_a_build_over_one_made_before_the_manifest_keeps_its_split_by_name(versions, tmp_path, monkeypatch):
    """The upgrade: a build of the earlier code (its dealing, no manifest), then this code over it."""
    out = tmp_path / "cats"
    with monkeypatch.context() as patch:
        patch.setattr("cat_breeds_vlm.pipeline.plan.deal_order", old_dealing)
        build(versions["v1"], out)
    (out / MANIFEST_NAME).unlink()
    earlier = {s: {r for r in ids if "#" not in r} for s, ids in rows(out).items() if s != "priority"}
    shutil.copytree(out, tmp_path / "before")
    report = build(versions["pool"], out, "--overwrite")
    assert report.origin.from_manifest is None
    assert "read from its shards" in report.output
    now = rows(out)
    for split, ids in earlier.items():
        assert ids <= now[split], split
    code, output = invoke("compare", tmp_path / "before", out)
    assert code == 0 and "matched by source" in output, output


def test_a_new_copy_of_an_old_photo_leaves_its_row_id_and_the_push_carries_the_manifest(versions, tmp_path):
    """Byte-identical files are one photo under its first name: a new copy whose name sorts first
    does not take the row id of the earlier photo."""
    from cat_breeds_vlm.dataset.hub import check_build

    old_photo = versions["old"][0]
    breed = old_photo.split("/")[0]
    tree = tmp_path / "tree"
    shutil.copytree(versions["v1"], tree)
    copy = f"{breed}/0_copy.jpg"
    assert copy < old_photo
    shutil.copyfile(tree / old_photo, tree / copy)
    out = tmp_path / "cats"
    shutil.copytree(versions["out1"], out)
    build(tree, out, "--overwrite")
    assert {s: ids for s, ids in rows(out).items()} == {s: ids for s, ids in rows(versions["out1"]).items()}
    assert MANIFEST_NAME in check_build(out).files  # push uploads it
    entries, _ = read_manifest(out / MANIFEST_NAME)
    assert {e.source for e in entries if e.sha256 == sha(tree / copy)} == {copy, old_photo}


def test_the_split_origin_is_a_typed_record_that_reads_back_to_the_same_bytes(versions):
    for out in (versions["out1"], versions["out"]):  # a fresh split, then a kept one with its lists
        written = (out / "build.json").read_text(encoding="utf-8")
        report = read_report(out)
        assert report.dumps() == written
        assert BuildReport.from_json(report.to_json(), "again") == report
    kept = read_report(versions["out"]).split_origin
    assert kept.kept and kept.photos.kept > 0 and kept.renamed and kept.relabelled and kept.changed
    fresh = read_report(versions["out1"]).split_origin
    assert not fresh.kept and fresh.photos is None and fresh.crossed is None and fresh.kept_from is None
    assert set(fresh.targets) == set(SPLITS) and fresh.manifest_fingerprint


def test_a_report_from_before_the_split_keys_reads_with_none_and_says_nothing_of_them(versions, tmp_path):
    import json

    from cat_breeds_vlm.report.split import card_section, summary_lines

    data = json.loads((versions["out"] / "build.json").read_text())
    del data["split_manifest"], data["split_origin"]
    (tmp_path / "build.json").write_text(json.dumps(data))
    report = read_report(tmp_path)
    assert report.split_manifest is None and report.split_origin is None
    assert summary_lines(report) == [] and card_section(report) == ""
    assert "split_origin" not in report.to_json()


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda o: o["photos"].update(kept="many"), "key 'split_origin.photos.kept' should be a number, not a string"),
        (lambda o: o["left_out"].append({"source": "A/x.jpg"}), "key 'split_origin.left_out[0].reason' is missing"),
        (lambda o: o.pop("targets"), "key 'split_origin.targets' is missing"),
        (lambda o: o["targets"].update(val=3), "key 'split_origin.targets.val' should be an object, not a number"),
    ],
)
def test_a_malformed_split_origin_is_one_line_naming_its_key(versions, tmp_path, change, words):
    import json

    from cat_breeds_vlm.errors import UserError

    data = json.loads((versions["out"] / "build.json").read_text())
    data["split_origin"]["left_out"] = []
    change(data["split_origin"])
    (tmp_path / "build.json").write_text(json.dumps(data))
    with pytest.raises(UserError, match=words.replace("[", r"\[").replace("]", r"\]")):
        read_report(tmp_path)


@pytest.mark.parametrize("online", [True, False], ids=["unreachable", "offline"])
def test_the_split_of_a_repo_id_the_hub_cannot_give_is_one_line_and_nothing_is_built(versions, tmp_path, online):
    """Asked once without retries when online (a refused loopback port), or not asked when
    offline: either way one line with the next step, and no build written."""
    from hub_fixtures import refused_endpoint
    from test_wrong_turns import ROOT, one_line
    from test_wrong_turns import run_cli as run_cli_offline_or_at

    endpoint = refused_endpoint() if online else None
    words = ("cannot be reached", "Is HF_ENDPOINT right") if online else ("offline mode is on",)
    out = tmp_path / "x"
    code, output = run_cli_offline_or_at(
        "build", versions["v2"], "-o", out, "--keep-split-of", "team/cats@v1", endpoint=endpoint, PYTHONPATH=str(ROOT)
    )
    one_line(output, 1, code, "team/cats", *words)
    assert not out.exists()
    code, output = run_cli_offline_or_at(
        "compare", "team/cats", versions["out"], endpoint=endpoint, PYTHONPATH=str(ROOT)
    )
    one_line(output, 1, code, "team/cats", *words)
