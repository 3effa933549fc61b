"""A real build with a label file: a folder the catalogue lacks and one the file overrides.

The conversations use the file's names and facts, the unknown folder's wording invents nothing,
the build carries its label file (and a push uploads it), and ``parse_breed`` / ``score`` read
the file's aliases, also on a copy of the build where the original label file is gone.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import datasets
import pytest
from click.testing import CliRunner
from huggingface_hub import DatasetCard
from test_hub import RecordingHfApi

from cat_breeds_vlm.cli import main
from cat_breeds_vlm.dataset import hub
from cat_breeds_vlm.demo import make_tree
from cat_breeds_vlm.evaluate.score import catalog_for, score
from cat_breeds_vlm.labels.domain import default_domain
from cat_breeds_vlm.labels.labelfile import read_label_file
from cat_breeds_vlm.labels.parse import parse_breed

COUNTS = {"Abyssinian": 6, "Tiger": 6, "Lykoi": 6, "Ginger Ninja": 6}
LABEL_FILE = (
    "# my shelter's labels\n"
    "name,display,kind,description,aliases\n"
    'Tiger,mackerel tabby,coat pattern,"A coat pattern of narrow, parallel stripes, in this file.",mackerel\n'
    "Lykoi,,breed,A breed whose patchy coat makes it look like a werewolf.,werewolf cat\n"
)
SOURCE = "Photos taken by our own volunteers, 2026."


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(build folder, the build command's output) of the tree, built through the CLI."""
    root = tmp_path_factory.mktemp("labels-build")
    make_tree(root / "images", COUNTS, seed=3, size=(64, 48))
    labels = root / "mine.csv"
    labels.write_text(LABEL_FILE, encoding="utf-8")
    result = CliRunner().invoke(main, [
        "build", str(root / "images"), "-o", str(root / "out"), "--labels", str(labels),
        "--style", "detailed", "--license", "cc-by-4.0", "--source", SOURCE, "--num-proc", "1",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    return root / "out", result.output


def _rows(out: Path) -> dict[str, list[list[dict[str, str]]]]:
    """Every row's conversation, by label, across the splits."""
    ds = datasets.load_dataset(str(out))
    by_label: dict[str, list] = {}
    for split in ds.values():
        names = split.features["breed"].names
        for row in split.select_columns(["breed", "conversations"]):
            by_label.setdefault(names[row["breed"]], []).append(row["conversations"])
    return by_label


def test_conversations_use_the_files_names_and_facts(built) -> None:
    rows = _rows(built[0])
    assert set(rows) == set(COUNTS)
    for turns in rows["Tiger"]:
        assert "mackerel tabby" in turns[1]["value"] and "tiger" not in turns[1]["value"].lower()
        assert len(turns) == 4 and turns[3]["value"].endswith("narrow, parallel stripes, in this file.")
    for turns in rows["Lykoi"]:
        assert "Lykoi" in turns[1]["value"] and turns[3]["value"].endswith("look like a werewolf.")
    for turns in rows["Abyssinian"]:  # not in the file: the built-in entry
        assert "an Abyssinian" in turns[1]["value"] and "ticked coat" in turns[3]["value"]


def test_the_unknown_folder_is_worded_neutrally_and_reported(built) -> None:
    out, summary = built
    neutral = {template.format(label="Ginger Ninja") for template in default_domain().unknown_answers}
    for turns in _rows(out)["Ginger Ninja"]:
        assert len(turns) == 2 and turns[1]["value"] in neutral  # no follow-up: no fact to give
        assert turns[0]["value"].removeprefix("<image>\n") in default_domain().neutral_questions  # never "what breed"
    report = json.loads((out / "build.json").read_text())
    assert report["uncatalogued"] == ["Ginger Ninja"]
    assert any(line.startswith("In no label catalogue") and "Ginger Ninja" in line for line in summary.splitlines())
    assert "In no label catalogue: Ginger Ninja." in (out / "README.md").read_text()


def test_the_build_carries_its_label_file(built) -> None:
    out, _ = built
    report = json.loads((out / "build.json").read_text())
    assert report["label_file"] == "labels.csv"
    assert report["settings"]["labels"] == "mine.csv"
    carried = {info.label: info for _, info in read_label_file(out / "labels.csv")}
    assert set(carried) == {"Abyssinian", "Lykoi", "Tiger"}  # the build's catalogued labels
    assert carried["Tiger"].display == "mackerel tabby" and carried["Tiger"].aliases == ("mackerel",)
    assert "aby" in carried["Abyssinian"].aliases


def test_the_card_states_the_given_licence_and_source(built) -> None:
    card = (built[0] / "README.md").read_text()
    metadata = DatasetCard.load(built[0] / "README.md").data
    assert metadata.license == "cc-by-4.0" and "petfinder" not in metadata.tags
    assert "`cc-by-4.0` (Creative Commons Attribution 4.0)" in card
    assert f"Source: {SOURCE}" in card and "Petfinder" not in card


def test_parse_and_score_read_the_files_aliases_also_on_a_copy(built, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(built[0], copy)  # the user's mine.csv is not needed any more
    catalog = catalog_for(str(copy))
    labels = list(COUNTS)
    assert parse_breed("Its stripes say mackerel.", labels, catalog) == "Tiger"
    assert parse_breed("A werewolf cat, clearly.", labels, catalog) == "Lykoi"
    assert parse_breed("Its stripes say mackerel.", labels) is None  # the built-in catalogue lacks it
    test = datasets.load_dataset(str(copy), split="test")
    answers = {"Tiger": "mackerel", "Lykoi": "a werewolf cat", "Abyssinian": "an aby", "Ginger Ninja": "Ginger Ninja"}
    names = test.features["breed"].names
    predictions = [{"id": row["id"], "answer": answers[names[row["breed"]]]} for row in test]
    assert score(test, predictions, catalog=catalog).accuracy == 1.0
    assert score(test, predictions).accuracy < 1.0


def test_score_cli_reads_the_carried_file_and_adds_labels(built, tmp_path: Path) -> None:
    out = built[0]
    test = datasets.load_dataset(str(out), split="test")
    names = test.features["breed"].names
    lines = [json.dumps({"id": row["id"], "answer": "mackerel" if names[row["breed"]] == "Tiger" else "ginger ninja"})
             for row in test if names[row["breed"]] in ("Tiger", "Ginger Ninja")]  # fmt: skip
    predictions = tmp_path / "p.jsonl"
    predictions.write_text("\n".join(lines) + "\n")
    # --priority: the build's default priority breeds are not in this tree (score refuses them)
    common = ["--priority", "Tiger", "--json", str(tmp_path / "r.json")]
    result = CliRunner().invoke(main, ["score", str(out), str(predictions), *common])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "r.json").read_text())["unparseable_count"] == 0
    extra = tmp_path / "extra.csv"
    extra.write_text("name,display,kind,description,aliases\nGinger Ninja,,breed,,orange menace\n")
    predictions.write_text(predictions.read_text().replace("ginger ninja", "an orange menace"))
    result = CliRunner().invoke(main, ["score", str(out), str(predictions), "--labels", str(extra), *common])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "r.json").read_text())["unparseable_count"] == 0


def test_a_push_uploads_the_label_file(built, tmp_path: Path) -> None:
    api = RecordingHfApi(tmp_path / "hub")
    result = hub.push(built[0], "team/cats", api=api)
    assert "labels.csv" in result.uploaded and (api.hub_dir / "labels.csv").is_file()
    assert catalog_for(str(api.hub_dir))["Tiger"].aliases == ("mackerel",)
    (built[0] / "labels.csv").rename(tmp_path / "moved.csv")
    try:
        with pytest.raises(Exception, match="labels.csv is missing"):
            hub.check_build(built[0])
    finally:
        (tmp_path / "moved.csv").rename(built[0] / "labels.csv")


def test_the_builder_reads_the_label_file_and_its_cache_follows_the_files_entries(built, tmp_path: Path) -> None:
    from cat_breeds_vlm import CatBreedsVLM

    images = built[0].parent / "images"
    labels = tmp_path / "mine.csv"
    labels.write_text(LABEL_FILE, encoding="utf-8")
    builder = CatBreedsVLM(data_dir=str(images), labels=str(labels), style="detailed", cache_dir=str(tmp_path / "c"))
    builder.download_and_prepare()
    names = builder.info.features["breed"].names
    train = builder.as_dataset(split="train")
    tiger = [row["conversations"] for row in train if names[row["breed"]] == "Tiger"]
    assert tiger and all("mackerel tabby" in turns[1]["value"] for turns in tiger)
    labels.write_text(LABEL_FILE.replace("mackerel tabby", "striped"), encoding="utf-8")
    again = CatBreedsVLM(data_dir=str(images), labels=str(labels), style="detailed", cache_dir=str(tmp_path / "c"))
    assert again.cache_dir != builder.cache_dir  # an edited label file is never served from cache


def test_a_build_without_a_label_file_is_read_with_the_builtin_catalogue(tmp_path: Path) -> None:
    from cat_breeds_vlm.errors import UserError
    from cat_breeds_vlm.labels.catalog import builtin_catalog

    core = {"generator": "cat_breeds_vlm", "breeds": ["Bengal"], "splits": {}, "counts": {}}  # what every report has
    (tmp_path / "build.json").write_text(json.dumps(core))
    assert catalog_for(str(tmp_path)) is builtin_catalog()  # made before builds carried one
    (tmp_path / "build.json").write_text(json.dumps(core | {"label_file": "labels.csv"}))
    with pytest.raises(UserError, match="names the label file labels.csv, which is missing"):
        catalog_for(str(tmp_path))
