"""The quality gate on real builds: corrupt, placeholder and degenerate files are skipped with
their reason, odd but good photos are kept, every gate can be turned off without a new decode."""

from __future__ import annotations

import io
import json
from pathlib import Path

import datasets
import numpy as np
import pytest
from domain_fixtures import DOMAINS, domain_spec, relabel
from gate_fixtures import UNUSABLE_REASONS, make_gate_keepers, make_unusable_files
from PIL import Image
from tree_fixtures import garble, make_odd_but_valid_files

from cat_breeds_vlm.cli import main
from cat_breeds_vlm.cli.build import format_summary
from cat_breeds_vlm.demo import make_tree
from cat_breeds_vlm.pipeline.builder import CatBreedsVLMConfig, SettingsError
from cat_breeds_vlm.pipeline.folder import build_folder
from cat_breeds_vlm.pipeline.measure import jpeg_warning_kind, judge, measure, sniff_format
from cat_breeds_vlm.pipeline.settings import GateSettings
from cat_breeds_vlm.pipeline.stages import prepare
from cat_breeds_vlm.pipeline.verify import VerdictCache
from cat_breeds_vlm.report.record import BuildReport, SkipKind, count_reasons

GATES_OFF = {"strict_jpeg": False, "min_side": 0, "max_aspect": 0, "min_spread": 0}


@pytest.fixture(scope="module", params=DOMAINS)
def gate_domain(request) -> str:
    """The domain the gate tree is labelled and built with (the gate holds for all)."""
    return request.param


@pytest.fixture(scope="module")
def gate_tree(gate_domain, tmp_path_factory) -> tuple[Path, dict, dict]:
    """A small tree with every unusable kind and every keeper planted into Abyssinian (or the
    domain's name for that folder)."""
    root = tmp_path_factory.mktemp("gate") / "images"
    planted_in = relabel(gate_domain, "Abyssinian")
    make_tree(root, {planted_in: 6, relabel(gate_domain, "Bengal"): 6})
    unusable = make_unusable_files(root, planted_in)
    keepers = make_gate_keepers(root, planted_in) | make_odd_but_valid_files(root, planted_in)
    return root, unusable, keepers


@pytest.fixture(scope="module")
def gate_build(gate_domain, gate_tree, tmp_path_factory) -> tuple[Path, BuildReport]:
    out = tmp_path_factory.mktemp("gate_build") / "ds"
    config = CatBreedsVLMConfig(domain=domain_spec(gate_domain))
    report = build_folder(gate_tree[0], out, config, progress=False, command="test")
    return out, report


def test_each_unusable_file_is_skipped_with_its_own_reason(gate_tree, gate_build):
    _, unusable, _ = gate_tree
    _, report = gate_build
    reasons = {item.source: item.reason for item in report.skipped}
    assert set(reasons) == set(unusable)
    for source, kind in unusable.items():
        assert reasons[source].name == UNUSABLE_REASONS[kind], (kind, reasons[source])
        assert reasons[source].kind is not SkipKind.OTHER
    for source, kind in unusable.items():
        if kind in ("gif", "tiff", "heic") or kind.endswith("_named_jpg"):
            assert reasons[source].kind is SkipKind.CONVERTIBLE
            assert reasons[source].text.endswith(": convert it to JPEG or PNG to keep it")


def test_the_corrupt_jpegs_are_ones_pillow_loads_without_complaint(gate_tree):
    root, unusable, _ = gate_tree
    for source, kind in unusable.items():
        if kind.startswith("corrupt"):
            with Image.open(root / source) as im:
                im.load()  # no error: this is why strict decoding is needed
                assert im.size == (300, 225)


def test_every_keeper_reaches_a_split(gate_tree, gate_build):
    _, _, keepers = gate_tree
    out, _ = gate_build
    loaded = datasets.load_dataset(str(out))
    sources = {s for split in ("train", "val", "test") for s in loaded[split]["source"]}
    assert set(keepers) <= sources


def test_skip_reasons_are_counted_in_the_report_the_summary_and_the_card(gate_tree, gate_build):
    out, report = gate_build
    counts = report.skipped_by_reason
    assert counts == count_reasons(report.skipped)
    assert json.loads((out / "build.json").read_text())["skipped_by_reason"] == counts
    assert counts["too small"] == 3 and counts["near-blank"] == 2 and counts["corrupt JPEG data"] == 2
    assert counts["unsupported format GIF"] == 2
    summary = format_summary(report, out)
    assert "Skipped files by reason" in summary
    assert f"{3:>9}  too small" in summary
    card = (out / "README.md").read_text()
    assert "too small: 3" in card and "near-blank: 2" in card


def test_gate_settings_are_in_build_json_and_the_card(gate_build):
    out, report = gate_build
    settings = report.settings
    assert settings["strict_jpeg"] is True and settings["min_side"] == 32
    assert settings["max_aspect"] == 8.0 and settings["min_spread"] == 2.0
    card = (out / "README.md").read_text()
    assert "| `--min-side` | 32 |" in card and "| `--strict-jpeg` | True |" in card


def test_each_gate_turns_off_and_a_changed_threshold_decodes_nothing(gate_tree, tmp_path):
    import shutil

    _, unusable, _ = gate_tree
    root = Path(shutil.copytree(gate_tree[0], tmp_path / "images"))  # mtimes kept
    prepare(root, CatBreedsVLMConfig(), progress=False)  # measures, fills the cache
    for path in root.rglob("*.*"):  # new bytes, same size and mtime: a decode would fail them all
        garble(path)
    config = CatBreedsVLMConfig(**GATES_OFF)
    prepared = prepare(root, config, progress=False)
    skipped = {item.source for item in prepared.skipped}
    other_formats = {s for s, kind in unusable.items() if UNUSABLE_REASONS[kind].startswith("unsupported")}
    assert skipped == other_formats  # the rest decodes: with every gate off, it is kept
    one_off = CatBreedsVLMConfig(min_spread=0)
    prepared = prepare(root, one_off, progress=False)
    blank = {s for s, kind in unusable.items() if UNUSABLE_REASONS[kind] == "near-blank"}
    assert not blank & {item.source for item in prepared.skipped}
    assert {s for s, k in unusable.items() if k == "one_pixel"} <= {i.source for i in prepared.skipped}


def test_the_cache_keeps_measurements_not_verdicts(gate_domain, gate_tree, gate_build):
    from cat_breeds_vlm.pipeline.scan import scan

    root, unusable, _ = gate_tree
    candidates = scan(root).candidates
    with VerdictCache() as cache:
        cached = cache.lookup(candidates)
    abyssinian = relabel(gate_domain, "Abyssinian")
    tiny = cached[f"{abyssinian}/unusable_one_pixel.jpg"].measured
    assert (tiny.width, tiny.height, tiny.error) == (1, 1, None)
    assert judge(tiny, GateSettings(min_side=1, min_spread=0)) is None
    assert judge(tiny, GateSettings()).kind is SkipKind.TOO_SMALL
    assert cached[f"{abyssinian}/unusable_corrupt_baseline.jpg"].measured.corrupt


@pytest.mark.parametrize(
    "message, kind",
    [
        ("Corrupt JPEG data: premature end of data segment", "damage"),
        ("Corrupt JPEG data: bad Huffman code", "damage"),
        ("Corrupt JPEG data: 859 extraneous bytes before marker 0xda", "damage"),
        ("Corrupt JPEG data: found marker 0xd9 instead of RST3", "damage"),
        ("Inconsistent progression sequence for component 0 coefficient 1", "damage"),
        ("Corrupt JPEG data: 8 extraneous bytes before marker 0xd9", "harmless"),
        ("Corrupt JPEG data: bad ICC marker", "harmless"),
        ("Warning: unknown JFIF revision number 2.01", "harmless"),
        ("Premature end of JPEG file", "truncated"),
        ("Not a JPEG file: starts with 0x89 0x50", None),
    ],
)
def test_which_libjpeg_warnings_mean_a_broken_picture(message, kind):
    assert jpeg_warning_kind(message) == kind


@pytest.mark.parametrize(
    "image_format, expected", [("GIF", "GIF"), ("BMP", "BMP"), ("TIFF", "TIFF"), ("PNG", "PNG"), ("WEBP", "WEBP")]
)
def test_the_format_is_sniffed_from_the_bytes(image_format, expected):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "red").save(buffer, image_format)
    assert sniff_format(buffer.getvalue()) == expected


def test_a_16bit_image_is_scaled_not_clipped():
    wide = np.linspace(20_000, 60_000, 200 * 150).reshape(150, 200).astype(np.uint16)
    buffer = io.BytesIO()
    Image.fromarray(wide).save(buffer, "PNG")
    found = measure(buffer.getvalue())
    assert found.format == "PNG" and (found.width, found.height) == (200, 150)
    assert found.spread > 30  # clipped to 8 bits, every pixel would be 255: spread 0


@pytest.mark.parametrize(
    "setting, value, word",
    [
        ("min_side", -1, "min_side"),
        ("max_aspect", 0.5, "max_aspect"),
        ("min_spread", 300, "min_spread"),
        ("strict_jpeg", "yes", "strict_jpeg"),
    ],
)
def test_bad_gate_settings_fail_at_construction(setting, value, word):
    with pytest.raises(SettingsError, match=word):
        CatBreedsVLMConfig(**{setting: value})


def test_the_gate_options_on_the_command_line(gate_tree, tmp_path):
    from click.testing import CliRunner

    out = tmp_path / "ds"
    args = [
        "build",
        str(gate_tree[0]),
        "-o",
        str(out),
        "--num-proc",
        "1",
        "--no-strict-jpeg",
        "--min-side",
        "0",
        "--max-aspect",
        "0",
        "--min-spread",
        "0",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    report = json.loads((out / "build.json").read_text())
    assert {k: report["settings"][k] for k in GATES_OFF} == GATES_OFF
    assert "--no-strict-jpeg --min-side 0 --max-aspect 0 --min-spread 0" in report["command"]
    bad = CliRunner().invoke(main, ["build", str(gate_tree[0]), "-o", str(tmp_path / "x"), "--min-side", "-3"])
    assert bad.exit_code == 2 and "--min-side" in bad.output and "Traceback" not in bad.output


def test_real_and_synthetic_photos_all_pass_the_gate(tmp_path):
    from bundled_photos import bundled_photos

    from cat_breeds_vlm.demo import scaled_counts
    from cat_breeds_vlm.pipeline.scan import scan
    from cat_breeds_vlm.pipeline.verify import verify_all

    spreads = {}
    for name, pixels in bundled_photos().items():
        for image_format in ("JPEG", "PNG"):
            buffer = io.BytesIO()
            Image.fromarray(pixels).save(buffer, image_format)
            found = measure(buffer.getvalue())
            assert judge(found, GateSettings()) is None, (name, image_format, found.spread)
            spreads[name] = found.spread
    assert min(spreads.values()) > 4 * GateSettings().min_spread  # dim scans too (microaneurysms, moon)
    make_tree(tmp_path, scaled_counts(400))
    verdicts = verify_all(scan(tmp_path).candidates, progress=False)
    assert [s for s, v in verdicts.items() if judge(v.measured, GateSettings())] == []
