"""Every build setting is declared once: its click option, its check, its report value, its card
row and its place in the echoed command line all come from that declaration."""

from __future__ import annotations

import dataclasses
import json
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cat_breeds_vlm.cli import main
from cat_breeds_vlm.cli.build import build, demo
from cat_breeds_vlm.cli.options import declared_options
from cat_breeds_vlm.declare import FLAG, INT, NAMES, NUMBER, Settings, declarations, setting
from cat_breeds_vlm.demo import make_tree
from cat_breeds_vlm.errors import SettingsError
from cat_breeds_vlm.pipeline.builder import CatBreedsVLMConfig
from cat_breeds_vlm.pipeline.settings import BuildSettings
from cat_breeds_vlm.report.card import _build_section
from cat_breeds_vlm.report.record import BuildReport

DECLARED = declarations(BuildSettings)
COUNTS = {"Abyssinian": 6, "Bengal": 6, "Tiger": 6}
LABEL_FILE = "name,display,kind,description,aliases\nTiger,mackerel tabby,coat pattern,,mackerel\n"
#: A value other than the default for every setting.
OTHER = {
    "seed": 7,
    "val_ratio": 0.2,
    "test_ratio": 0.15,
    "max_per_class": 5,
    "priority_breeds": ("Bengal", "Tiger"),
    "priority_oversample": 3,
    "style": "detailed",
    "domain": "cats",  # named, rather than the default (none given)
    "labels": "LABELS",  # the label file, written per test
    "license": "cc-by-4.0",
    "source": "Our own photos.",
    "strict_jpeg": False,
    "min_side": 16,
    "max_aspect": 4.5,
    "min_spread": 1.5,
    "near_dups": False,
    "near_dup_threshold": 3.5,
}


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> tuple[Path, Path]:
    """(image folder, label file) of a tiny tree (read-only)."""
    root = tmp_path_factory.mktemp("settings")
    make_tree(root / "images", COUNTS, seed=5, size=(64, 48))
    (root / "mine.csv").write_text(LABEL_FILE, encoding="utf-8")
    return root / "images", root / "mine.csv"


def other_values(labels: Path) -> dict:
    return {**OTHER, "labels": str(labels)}


def test_every_setting_has_a_test_value_here():
    assert [d.name for d in DECLARED] == list(OTHER)  # a new setting gets one here too
    assert all(OTHER[d.name] != d.default for d in DECLARED)


@pytest.mark.parametrize("command", [build, demo], ids=["build", "demo"])
def test_each_declared_setting_is_an_option_of_build_and_demo(command: click.Command):
    params = {p.name: p for p in command.params}
    for declared in DECLARED:
        option = params[declared.name]
        assert declared.option in option.opts and option.help == declared.help
        assert option.default == declared.default
        if declared.kind == FLAG:
            assert option.secondary_opts == ["--no-" + declared.option[2:]]
    text = CliRunner().invoke(main, [command.name, "--help"], terminal_width=200).output
    for declared in DECLARED:
        assert declared.option in text and declared.help.split(" (")[0] in text


def test_the_echoed_command_line_gives_back_the_same_settings(tree):
    settings = BuildSettings(**other_values(tree[1]))
    words = settings.command_words()
    assert {d.option for d in DECLARED if d.kind != FLAG} <= set(words)
    assert "--no-strict-jpeg" in words and "--no-near-dups" in words
    # read back by the command's own parser, the words make the very same settings
    context = build.make_context("build", ["images", *words])
    given = {d.name: context.params[d.name] for d in DECLARED}
    assert BuildSettings(**given) == settings
    assert BuildSettings(**given).recorded() == settings.recorded()


def test_a_cli_build_records_and_echoes_every_setting(tree, tmp_path):
    images, labels = tree
    args = ["build", str(images), "-o", str(tmp_path / "ds"), "--num-proc", "1"]
    args += BuildSettings(**other_values(labels)).command_words()
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "ds" / "build.json").read_text())
    expected = BuildSettings(**other_values(labels)).recorded()
    assert report["settings"] == expected and expected["labels"] == "mine.csv"
    assert report["command"] == shlex.join(["cat-breeds-vlm", *args[:4], *args[6:]])  # less --num-proc
    card = (tmp_path / "ds" / "README.md").read_text()
    for declared in DECLARED:  # the card's settings table: the flag and the value of each
        assert f"| `{declared.option}` |" in card


def test_the_cards_settings_table_names_each_declared_flag():
    settings = BuildSettings().recorded() | {"an_older_key": 1}
    older = {"breeds": [], "splits": {}, "counts": {}, "settings": settings, "command": "cat-breeds-vlm build x"}
    report = BuildReport.from_json(older, "build.json")  # a format-0 report: only the core keys needed
    section = _build_section(report)
    for declared in DECLARED:
        assert f"| `{declared.option}` |" in section
    assert "| `--priority` | American Wirehair, Burmilla," in section
    assert "| `--an-older-key` | 1 |" in section  # an older build's setting, spelled as flags are


def out_of_range(declared) -> object:
    """A value of the right kind outside the declared range."""
    if declared.high is not None:
        return declared.high if declared.high_open else declared.high + 1
    return declared.low - 1


RANGED = [d for d in DECLARED if d.kind in (INT, NUMBER)]


@pytest.mark.parametrize("declared", RANGED, ids=[d.name for d in RANGED])
def test_a_value_out_of_range_is_refused_naming_the_flag(declared, tree, tmp_path):
    value = out_of_range(declared)
    result = CliRunner().invoke(main, ["build", str(tree[0]), "-o", str(tmp_path / "o"), declared.option, str(value)])
    assert result.exit_code == 2 and f"'{declared.option}'" in result.output.splitlines()[-1], result.output
    with pytest.raises(SettingsError) as caught:
        CatBreedsVLMConfig(**{declared.name: value})
    message = str(caught.value)
    assert message.startswith(f"{declared.name} ({declared.option}) must be ") and f"got {value!r}" in message
    assert caught.value.flags == (declared.option,)


@pytest.mark.parametrize(
    "values, python, command_line",
    [
        (
            {"val_ratio": 0.5, "test_ratio": 0.5},
            "val_ratio + test_ratio (--val-ratio + --test-ratio) must be below 1, got 0.5 + 0.5",
            "--val-ratio + --test-ratio must be below 1, got 0.5 + 0.5",
        ),
        (
            {"max_aspect": 0.5},
            "max_aspect (--max-aspect): 0.5 is neither 0 (no limit) nor a ratio >= 1",
            "Invalid value for '--max-aspect': 0.5 is neither 0 (no limit) nor a ratio >= 1",
        ),
        (
            {"style": "chatty"},
            "style (--style) must be one of 'single', 'detailed', got 'chatty'",
            "--style must be one of 'single', 'detailed', got 'chatty'",
        ),
    ],
)
def test_errors_name_the_setting_and_its_flag(values, python, command_line):
    with pytest.raises(SettingsError) as caught:
        BuildSettings(**values)
    assert str(caught.value) == python and caught.value.on_command_line() == command_line


def test_the_cli_words_a_checked_value_as_click_does(tree, tmp_path):
    args = ["build", str(tree[0]), "-o", str(tmp_path / "o")]
    result = CliRunner().invoke(main, [*args, "--max-aspect", "0.5"])
    assert result.exit_code == 2 and result.output.startswith("Usage:")
    last = result.output.splitlines()[-1]
    assert last == "Error: Invalid value for '--max-aspect': 0.5 is neither 0 (no limit) nor a ratio >= 1"
    result = CliRunner().invoke(main, [*args, "--license", "cc-by"])
    assert result.exit_code == 2 and "Error: Invalid value for '--license': 'cc-by' is not a licence" in result.output
    assert not (tmp_path / "o").exists()


@pytest.fixture
def label_reads(monkeypatch, tree) -> list[str]:
    """Every opening of the tree's label file, in this process (a spy: the file is really read)."""
    opened: list[str] = []
    real_open = Path.open
    label_file = tree[1].resolve()

    def spy(self, *args, **kwargs):
        if Path(self).resolve() == label_file:
            opened.append(str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", spy)
    return opened


def test_a_cli_build_reads_the_label_file_once(tree, tmp_path, label_reads):
    args = ["build", str(tree[0]), "-o", str(tmp_path / "ds"), "--labels", str(tree[1]), "--num-proc", "1"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert len(label_reads) == 1
    assert "mackerel tabby" in (tmp_path / "ds" / "labels.csv").read_text()  # and its labels were used


def test_the_builder_checks_once_and_reads_the_label_file_once(tree, tmp_path, label_reads, monkeypatch):
    from cat_breeds_vlm import CatBreedsVLM

    checks: list[object] = []
    real_validate = Settings.validate

    def counted(self):
        checks.append(self)
        return real_validate(self)

    monkeypatch.setattr(Settings, "validate", counted)
    builder = CatBreedsVLM(data_dir=str(tree[0]), labels=str(tree[1]), cache_dir=str(tmp_path / "c"))
    builder.download_and_prepare()
    names = builder.info.features["breed"].names
    tiger = [r for r in builder.as_dataset(split="train") if names[r["breed"]] == "Tiger"]
    assert tiger and all("mackerel tabby" in r["conversations"][1]["value"] for r in tiger)
    assert checks == [builder.config] and len(label_reads) == 1


def test_a_new_setting_costs_one_declaration():
    @dataclasses.dataclass
    class Extended(BuildSettings):
        max_side: int = setting(0, "Shrink photos to at most this many pixels a side (0: as they are).", INT, low=0)

    option = declared_options(Extended)[-1]

    @click.command()
    @option
    def command(max_side: int) -> None:
        click.echo(max_side)

    assert CliRunner().invoke(command, ["--max-side", "64"]).output == "64\n"
    assert "'--max-side'" in CliRunner().invoke(command, ["--max-side", "-1"]).output
    with pytest.raises(SettingsError, match=r"max_side \(--max-side\) must be an integer >= 0, got -1"):
        Extended(max_side=-1)
    shown = Extended(max_side=64)
    assert shown.recorded()["max_side"] == 64 and shown.command_words()[-2:] == ["--max-side", "64"]


def test_names_given_as_a_list_are_kept_as_a_tuple():
    assert BuildSettings(priority_breeds=["Bengal"]).priority_breeds == ("Bengal",)
    assert [d.name for d in DECLARED if d.kind == NAMES] == ["priority_breeds"]
