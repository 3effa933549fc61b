"""Every wrong turn a new user takes ends in one fast line that says what to do (issue 12).

One test (or a few) per numbered case of the issue: the exact situation, the one-line message,
the exit code (2 for a bad option or value, as click does; 1 for a bad dataset, file or
server), no traceback. Where the case was slow, the test shows that no request is retried and
that local checks come before any network: HF_ENDPOINT points at a loopback port that refuses,
or at a server that accepts and never answers and counts the connections. Nothing here reaches
the real Hub. Commands that must see the Hub online run as real subprocesses (huggingface_hub
reads HF_HUB_OFFLINE and HF_ENDPOINT once, at import; this suite imports it offline).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import datasets
import numpy as np
import pytest
from click.testing import CliRunner
from hub_fixtures import FakeHub, StallingServer, cache_snapshot, refused_endpoint
from PIL import Image

from cat_breeds_vlm.cli import main
from cat_breeds_vlm.dataset.loading import open_split
from cat_breeds_vlm.errors import UserError
from cat_breeds_vlm.pipeline.builder import CatBreedsVLMConfig
from cat_breeds_vlm.pipeline.folder import build_folder

ROOT = Path(__file__).resolve().parents[1]

#: The tree of these tests: photos as ``{breed: [file names]}``; names are ``{pet}_{n}.jpg``.
TREE = {
    "Bengal": [f"{pet}_1.jpg" for pet in range(10, 16)],  # 6 photos of 6 pets
    "Munchkin": [f"77_{n}.jpg" for n in range(1, 5)],  # 4 photos, all of one pet
    "York Chocolate": ["5_1.jpg"],  # 1 photo
}


def _photo(path: Path, seed: int) -> None:
    """A small noise JPEG: distinct bytes and a distinct perceptual hash for every seed."""
    pixels = np.random.default_rng(seed).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, format="JPEG", quality=90)


def make_tree(root: Path) -> Path:
    """:data:`TREE`, plus an empty breed folder and one whose every file is broken."""
    seed = 0
    for breed, names in TREE.items():
        for name in names:
            seed += 1
            _photo(root / breed / name, seed)
    (root / "Empty Breed").mkdir()
    (root / "Broken Breed").mkdir()
    (root / "Broken Breed" / "1_1.jpg").write_bytes(b"")
    (root / "Broken Breed" / "2_1.jpg").write_bytes(b"<html>Not found</html>")
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A real build of :func:`make_tree` with Munchkin as a priority breed (read-only)."""
    root = tmp_path_factory.mktemp("turns")
    make_tree(root / "images")
    config = CatBreedsVLMConfig(priority_breeds=("Munchkin",))
    build_folder(root / "images", root / "cat_breeds_vlm", config, progress=False, command="test")
    return root / "cat_breeds_vlm"


def invoke(*args: object) -> tuple[int, str]:
    """Run the CLI in this process: (exit code, output)."""
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def run_cli(*args: object, endpoint: str | None = None, cwd: Path = ROOT, **env: str) -> tuple[int, str]:
    """Run the real CLI in a subprocess, online at ``endpoint`` (or offline), with a Hugging Face
    cache of its own (what it downloads must not reach this suite's): (exit code, output)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")}
    environment.update(env)
    if endpoint is not None:
        environment["HF_ENDPOINT"] = endpoint
    else:
        environment["HF_HUB_OFFLINE"] = "1"
    with tempfile.TemporaryDirectory(prefix="cat-breeds-vlm-cli-") as home:
        environment["HF_HOME"] = home
        environment.pop("HF_DATASETS_CACHE", None)
        done = subprocess.run(
            [sys.executable, "-m", "cat_breeds_vlm", *map(str, args)],
            cwd=cwd, env=environment, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    return done.returncode, done.stderr + done.stdout


def one_line(output: str, code: int, actual: int, *words: str) -> str:
    """Check a one-line error and its exit code; return the line."""
    line = output.strip()
    assert actual == code, output
    assert "Traceback" not in output and "\n" not in line and line.startswith("Error: "), output
    for word in words:
        assert word in line, line
    return line


def usage_error(output: str, actual: int, *words: str) -> str:
    """Check a bad option or value: click's usage lines, one Error line, exit code 2."""
    assert actual == 2, output
    assert output.startswith("Usage: ") and "Traceback" not in output, output
    line = output.strip().splitlines()[-1]
    assert line.startswith("Error: "), output
    for word in words:
        assert word in line, line
    return line


# --- 1. the photo folder given where a build is expected --------------------------------------


def test_1_stats_of_the_photo_folder_says_build_it_first_without_asking_the_hub(built):
    images = built.parent / "images"
    with StallingServer() as hub:
        code, output = run_cli("stats", images, endpoint=hub.url)
        assert hub.connections == 0  # a local mistake never waits on the network
    one_line(output, 1, code, f"{images} is a folder of photos (4 breed folders), not a built dataset",
             f"`cat-breeds-vlm build {images} -o build/cat_breeds_vlm`")  # fmt: skip


# --- 2. the repository root ---------------------------------------------------------------------


@pytest.fixture
def repo_clone(tmp_path, monkeypatch) -> Path:
    """A folder laid out like a clone of this repository, as the working directory."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'cat_breeds_vlm'\n")
    (tmp_path / "cat_breeds_vlm").mkdir()
    (tmp_path / "cat_breeds_vlm" / "__init__.py").write_text("# the package\n")
    make_tree(tmp_path / "data" / "images")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_2_in_the_repository_root_the_package_folder_is_explained_and_the_readme_works(repo_clone):
    code, output = invoke("build", "data/images", "-o", "cat_breeds_vlm")
    line = one_line(output, 1, code, "cat_breeds_vlm is a Python package's source folder, not a dataset",
                    "(you are in the cat_breeds_vlm repository")  # fmt: skip
    suggested = line.split("`")[1]
    assert suggested == "cat-breeds-vlm build data/images -o build/cat_breeds_vlm"
    assert sorted(p.name for p in (repo_clone / "cat_breeds_vlm").iterdir()) == ["__init__.py"]
    code, output = invoke(*suggested.split()[1:], "--num-proc", "1")  # the command shown works
    assert code == 0, output
    assert datasets.load_dataset("./build/cat_breeds_vlm")["train"].num_rows > 0  # README's line
    code, output = invoke("stats", "cat_breeds_vlm")
    one_line(output, 1, code, "package's source folder, not a dataset", "-o build/cat_breeds_vlm")


# --- 3. a typo or an unreachable Hub: one quick try, no retries --------------------------------


def test_3_a_typo_in_a_local_path_says_both_no_folder_and_what_the_hub_said(built, tmp_path):
    typo = str(built.parent / "cat_breed_vlm")  # absolute: never a repo id, never sent to the Hub
    with StallingServer() as hub:
        code, output = run_cli("export", "fireworks", typo, "-o", tmp_path / "x.jsonl", endpoint=hub.url)
        one_line(output, 1, code, f"no such dataset folder: {typo} (did you mean {built}?)")
        code, output = run_cli("score", "someone/cats", tmp_path / "missing.jsonl", endpoint=hub.url)
        one_line(output, 1, code, f"no such file: {tmp_path / 'missing.jsonl'}")  # checked before the Hub
        assert hub.connections == 0
    relative = "turns/cat_breed_vlm"  # reads as a repo id: one look-up, refused at once
    (tmp_path / "turns" / "cat_breeds_vlm").mkdir(parents=True)
    code, output = run_cli("export", "fireworks", relative, "-o", "x.jsonl", endpoint=refused_endpoint(), cwd=tmp_path)
    one_line(output, 1, code, "no such dataset folder: turns/cat_breed_vlm (did you mean turns/cat_breeds_vlm?),"
             " and the Hub (http://127.0.0.1:", ") cannot be reached:")  # fmt: skip


def test_3_a_hub_that_never_answers_is_asked_once_with_a_short_wait(tmp_path):
    with StallingServer() as hub:
        code, output = run_cli("stats", "someone/cat-breeds-vlm", endpoint=hub.url, HF_HUB_ETAG_TIMEOUT="1")
        assert hub.connections == 1  # one request, no retry
    one_line(output, 1, code, "no such dataset folder: someone/cat-breeds-vlm, and the Hub",
             "did not answer within 1 s (HF_HUB_ETAG_TIMEOUT sets the wait)")  # fmt: skip
    assert "Retrying" not in output


def test_3_the_hub_answering_no_such_repo_and_a_hub_repo_that_exists(built):
    report = (built / "build.json").read_bytes()
    with FakeHub({"team/cats": {"build.json": report}}) as hub:
        code, output = run_cli("stats", "team/dogs", endpoint=hub.url)
        one_line(output, 1, code, "no such dataset folder: team/dogs, and the Hub has no dataset repo team/dogs")
        assert hub.requests == ["GET /api/datasets/team/dogs"]
        code, output = run_cli("stats", "team/cats", endpoint=hub.url)
    assert code == 0, output
    assert output == invoke("stats", built)[1]  # the same table, from the Hub's build.json


def test_3_a_hub_dataset_in_the_local_cache_is_read_offline(built, tmp_path):
    from huggingface_hub import constants

    cache_snapshot(constants.HF_HUB_CACHE, "cached/cats", built)
    code, output = invoke("stats", "cached/cats")  # this suite runs with HF_HUB_OFFLINE=1
    assert code == 0 and output == invoke("stats", built)[1], output
    code, output = invoke("export", "llava", "cached/cats", "-s", "val", "-o", tmp_path / "val.json")
    assert code == 0 and json.loads((tmp_path / "val.json").read_text()), output
    code, output = invoke("stats", "nowhere/cats")
    one_line(output, 1, code, "nowhere/cats is not in the local Hub cache (HF_HUB_OFFLINE is set")


def test_3_a_partly_cached_hub_dataset_names_the_missing_file(built):
    from huggingface_hub import constants

    cache_snapshot(constants.HF_HUB_CACHE, "partly/cats", built, files=["README.md", "build.json"])
    assert invoke("stats", "partly/cats")[0] == 0  # build.json is enough for stats
    code, output = invoke("export", "prompts", "partly/cats", "-o", "never.jsonl")
    one_line(output, 1, code, "only part of partly/cats is in the local Hub cache (data/test-00000-of-00001.parquet")
    assert not Path("never.jsonl").exists()


# --- 4. a folder that is not a build, in every command -------------------------------------------


@pytest.mark.parametrize(
    "command",
    [["export", "fireworks"], ["export", "llava"], ["export", "trl"], ["export", "prompts"], ["stats"], ["score"],
     ["push"], ["review"]],
)  # fmt: skip
def test_4_every_command_says_a_folder_is_not_a_build(command, tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "todo.txt").write_text("buy cat food\n")
    predictions = tmp_path / "p.jsonl"
    predictions.write_text('{"id": "x", "answer": "Bengal"}\n')
    tails = {"score": [predictions], "stats": [], "push": ["me/cats"]}
    tail = tails.get(command[0], ["-o", tmp_path / "o.jsonl"])
    code, output = invoke(*command, folder, *tail)
    one_line(output, 1, code, f"{folder} is not a built dataset (no build.json, no data/*.parquet): build one with")


def test_4_parquet_files_without_the_contract_columns_are_not_ours(tmp_path):
    other = tmp_path / "other"
    (other / "data").mkdir(parents=True)
    datasets.Dataset.from_dict({"image": [b"x"], "label": [0]}).to_parquet(str(other / "data" / "train.parquet"))
    code, output = invoke("export", "prompts", other, "-s", "train", "-o", tmp_path / "p.jsonl")
    one_line(output, 1, code, f"{other} is not a cat_breeds_vlm dataset: its Parquet files have no 'id' column")


# --- 5. build.json with a key missing or malformed; older formats -------------------------------


def _copy_with_report(built: Path, tmp_path: Path, change) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(built, copy)
    report = json.loads((copy / "build.json").read_text())
    change(report)
    (copy / "build.json").write_text(json.dumps(report))
    return copy


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda r: r.pop("counts"), "build.json: key 'counts' is missing"),
        (lambda r: r.pop("photos"), "build.json: key 'photos' is missing"),  # format 1 has it
        (lambda r: r.update(splits=[1, 2]), "build.json: key 'splits' should be an object, not a list"),
        (lambda r: r["splits"]["train"].pop("rows"), "build.json: key 'splits.train.rows' is missing"),
        (lambda r: r.update(format=99), "has format 99, newer than this cat_breeds_vlm reads (1): upgrade"),
    ],
)
def test_5_a_bad_build_json_is_one_line_naming_key_and_file(built, tmp_path, change, words):
    copy = _copy_with_report(built, tmp_path, change)
    for args in (["stats", copy], ["export", "fireworks", copy, "-s", "all", "-o", tmp_path / "out"]):
        code, output = invoke(*args)
        one_line(output, 1, code, str(copy / "build.json"), words)
    assert not (tmp_path / "out").exists()


def test_5_an_older_build_json_shows_what_it_lacks_as_not_recorded(built, tmp_path):
    def older(report):
        for key in ("format", "settings", "photos", "empty_folders", "empty_splits"):
            report.pop(key)

    copy = _copy_with_report(built, tmp_path, older)
    code, output = invoke("stats", copy)
    assert code == 0, output
    assert "priority breeds: not recorded in build.json" in output
    assert "distinct photos per breed: not recorded in this older build.json" in output
    assert "train photos" not in output  # no column it cannot fill
    code, output = invoke("export", "fireworks", copy, "-s", "all", "-o", tmp_path / "out")
    assert code == 0, output


# --- 6. a wrong split name: one wording, exit 2, everywhere; an absent split: exit 1 ------------


def test_6_a_wrong_split_name_gets_the_same_line_and_code_from_every_command(built, tmp_path):
    predictions = tmp_path / "p.jsonl"
    predictions.write_text('{"id": "x", "answer": "Bengal"}\n')
    lines = set()
    for args in (
        ["export", "fireworks", built, "-s", "validation", "-o", tmp_path / "x"],
        ["export", "prompts", built, "-s", "validation", "-o", tmp_path / "x.jsonl"],
        ["score", built, predictions, "-s", "validation"],
    ):
        code, output = invoke(*args)
        expected = "Invalid value for '-s' / '--split': 'validation' is not one of 'train', 'val', 'test', 'priority'"
        lines.add(usage_error(output, code, expected))
    assert len({line.replace(", 'all'", "") for line in lines}) == 1  # export alone also takes 'all'


def test_6_a_split_the_build_did_not_write_is_the_same_line_everywhere(tmp_path):
    images = make_tree(tmp_path / "images")
    build_folder(images, tmp_path / "ds", CatBreedsVLMConfig(priority_breeds=()), progress=False)
    predictions = tmp_path / "p.jsonl"
    predictions.write_text('{"id": "x", "answer": "Bengal"}\n')
    expected = f"Error: {tmp_path / 'ds'} has no split 'priority' (it has train, val, test): the build gave it no rows"
    for args in (
        ["export", "trl", tmp_path / "ds", "-s", "priority", "-o", tmp_path / "x"],
        ["export", "prompts", tmp_path / "ds", "-s", "priority", "-o", tmp_path / "x.jsonl"],
        ["score", tmp_path / "ds", predictions, "-s", "priority"],
    ):
        code, output = invoke(*args)
        assert one_line(output, 1, code) == expected + ", so it was not written"


# --- 7. validate recognises the other formats ---------------------------------------------------


def test_7_validate_says_which_format_a_file_looks_like(built, tmp_path):
    for kind, name in (("llava", "train.json"), ("fireworks", "train.jsonl"), ("trl", "t/train.jsonl")):
        assert invoke("export", kind, built, "-s", "val", "-o", tmp_path / kind / name)[0] == 0
    llava, fireworks = tmp_path / "llava/train.json", tmp_path / "fireworks/train.jsonl"
    trl = tmp_path / "trl/t/train.jsonl"
    for kind, path, looks, label in (
        ("fireworks", llava, "llava", "LLaVA"),
        ("llava", fireworks, "fireworks", "Fireworks"),
        ("fireworks", trl, "trl", "TRL"),
    ):
        code, output = invoke("validate", kind, path)
        assert code == 1 and output.strip() == (
            f"FAILED {kind} {path}: this looks like a {label} file: use `cat-breeds-vlm validate {looks} {path}`"
        )
    assert invoke("validate", "llava", llava)[0] == 0  # and the right format still passes


# --- 8. settings errors name the options; choices are click choices ----------------------------


def test_8_settings_errors_name_the_options_typed(built, tmp_path):
    images = built.parent / "images"
    code, output = invoke("build", images, "-o", tmp_path / "o", "--val-ratio", "0.5", "--test-ratio", "0.5")
    usage_error(output, code, "--val-ratio + --test-ratio must be below 1, got 0.5 + 0.5")
    for command in (["build", images, "-o", tmp_path / "o"], ["demo", "-o", tmp_path / "d"]):
        code, output = invoke(*command, "--num-proc", "0")
        usage_error(output, code, "Invalid value for '--num-proc': 0 is not in the range x>=1.")
    code, output = invoke("demo", "-o", tmp_path / "d", "--photos", "0")
    usage_error(output, code, "Invalid value for '--photos': 0 is not in the range x>=1.")
    assert "--style [single|detailed]" in invoke("build", "--help")[1]
    assert not (tmp_path / "o").exists() and not (tmp_path / "d").exists()


# --- 9. stats: honest footnotes, headers and marks ----------------------------------------------


def test_9_stats_says_too_few_pets_or_photos_and_rows_or_photos(built):
    code, output = invoke("stats", built)
    assert code == 0, output
    header = next(line for line in output.splitlines() if line.startswith("breed"))
    assert header.split("  ")[0] == "breed" and "train photos" in header and "train rows" in header
    assert "val rows" in header and "priority rows" in header
    assert "fewer than 3 distinct photos: York Chocolate (1)" in output
    assert "3 or more photos, but of fewer than 3 different pets: Munchkin (4)" in output
    card = (built / "README.md").read_text()
    assert "| Munchkin * † |" in card and "Munchkin * †" in output  # one priority mark in both
    assert "★" not in card
    assert "| `--max-per-class` | none |" in card and "| `--priority` | Munchkin |" in card


# --- 11. unreadable folders reported; loading lets bugs surface ----------------------------------


def test_11_an_unreadable_sub_folder_is_reported_not_skipped_silently(tmp_path):
    images = make_tree(tmp_path / "images")
    locked = images / "Bengal" / "more"
    _photo(locked / "99_1.jpg", 99)
    locked.chmod(0)
    try:
        if os.geteuid() != 0:
            report = build_folder(images, tmp_path / "ds", CatBreedsVLMConfig(), progress=False)
        elif shutil.which("setpriv"):  # root reads anything: run the build without that power
            done = subprocess.run(
                ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--", sys.executable, "-m",
                 "cat_breeds_vlm", "build", images, "-o", tmp_path / "ds", "--num-proc", "1"],
                capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            report = json.loads((tmp_path / "ds" / "build.json").read_text())
        else:
            pytest.skip("running as root without setpriv: no folder can be made unreadable")
    finally:
        locked.chmod(0o755)
    if not isinstance(report, dict):  # the typed report a build returns, as build.json writes it
        report = report.to_json()
    assert {"source": "Bengal/more/", "reason": "folder cannot be read: Permission denied"} in report["skipped"]


def test_11_loading_lets_a_bug_surface_as_a_bug(built, monkeypatch):
    def broken(*args, **kwargs):
        raise TypeError("a bug in the loader")

    monkeypatch.setattr(datasets, "load_dataset", broken)
    with pytest.raises(TypeError, match="a bug in the loader"):
        open_split(str(built), "val")
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: (_ for _ in ()).throw(FileNotFoundError("gone")))
    with pytest.raises(UserError, match=f"cannot load split 'val' of {built}: gone"):
        open_split(str(built), "val")  # an error about the data is still one line


# --- 12. empty breed folders are reported, never labels -----------------------------------------


def test_12_empty_folders_are_reported_not_labelled(built):
    report = json.loads((built / "build.json").read_text())
    assert report["breeds"] == ["Bengal", "Munchkin", "York Chocolate"]
    assert report["empty_folders"] == [
        {"folder": "Broken Breed", "reason": "every file was skipped: 2 found"},
        {"folder": "Empty Breed", "reason": "no image files"},
    ]
    loaded = datasets.load_dataset(str(built), split="train")
    assert loaded.features["breed"].names == report["breeds"]
    card = (built / "README.md").read_text()
    assert "telling 3 labels apart" in card
    assert "2 breed folders have no photo left, so no label: Broken Breed (every file was skipped: 2 found)" in card
    assert "| Empty Breed" not in card


def test_12_the_builder_class_labels_the_same_folders(built, tmp_path):
    from cat_breeds_vlm import CatBreedsVLM

    builder = CatBreedsVLM(
        data_dir=str(built.parent / "images"), priority_breeds=("Munchkin",), cache_dir=str(tmp_path / "cache")
    )
    builder.download_and_prepare()
    assert builder.info.features["breed"].names == ["Bengal", "Munchkin", "York Chocolate"]
