"""The typed build report: what a build writes reads back as the same record and the same bytes,
every skip reason keeps its kind, and older reports read with what they lack as None."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from card_fixtures import make_build

from cat_breeds_vlm.errors import UserError
from cat_breeds_vlm.report.record import (
    FORMAT_VERSION,
    REPORT_NAME,
    BuildReport,
    SkipKind,
    SkippedFile,
    SkipReason,
    read_report,
)


def test_a_build_json_reads_back_to_the_same_bytes(small_build):
    written = (small_build / REPORT_NAME).read_text(encoding="utf-8")
    report = read_report(small_build)
    assert report.format == FORMAT_VERSION
    assert report.dumps() == written
    assert BuildReport.from_json(report.to_json(), "again") == report


def test_every_skipped_file_of_a_build_has_a_kind_and_counts_under_it(small_build):
    report = read_report(small_build)
    kinds = {item.kind for item in report.skipped}
    assert SkipKind.OTHER not in kinds
    assert {SkipKind.EMPTY, SkipKind.NOT_AN_IMAGE, SkipKind.UNDECODABLE, SkipKind.BOMB} <= kinds
    assert sum(report.skipped_by_reason.values()) == len(report.skipped)
    written = json.loads((small_build / REPORT_NAME).read_text())
    assert report.skipped_by_reason == written["skipped_by_reason"]


@pytest.mark.parametrize(
    "reason, text, name",
    [
        (SkipReason(SkipKind.EMPTY), "empty file", "empty file"),
        (SkipReason(SkipKind.TOO_SMALL, "3x3 px (minimum side 32 px)"), "too small: 3x3 px (minimum side 32 px)", None),
        (
            SkipReason(SkipKind.CONVERTIBLE, "convert it to JPEG or PNG to keep it", "HEIC"),
            "unsupported format HEIC: convert it to JPEG or PNG to keep it",
            "unsupported format HEIC",
        ),
        (
            SkipReason(SkipKind.UNSUPPORTED, format="ICO"),
            "unsupported image format ICO",
            "unsupported image format ICO",
        ),
        (SkipReason(SkipKind.UNREADABLE_FOLDER, "Permission denied"), "folder cannot be read: Permission denied", None),
        (SkipReason(SkipKind.UNDECODABLE, "a: b: c"), "cannot decode: a: b: c", "cannot decode"),
    ],
)
def test_a_reason_is_written_from_its_kind_and_read_back_into_it(reason, text, name):
    assert reason.text == text
    assert SkipReason.parse(text) == reason
    assert reason.name == (name or reason.kind.value)


@pytest.mark.parametrize(
    "text, name",
    [
        ("truncated image: image file is truncated", "truncated image"),  # 0.1.0's words
        ("not an image: cannot identify image file", "not an image"),
        ("something odd", "something odd"),
        (": no words", "unknown"),
    ],
)
def test_a_reason_this_version_does_not_write_is_kept_as_written(text, name):
    reason = SkipReason.parse(text)
    assert reason.kind is SkipKind.OTHER
    assert reason.text == text and reason.name == name
    assert SkippedFile.from_json({"source": "A/x.jpg", "reason": text}, "skipped[0]", "here").reason == reason


def test_a_report_from_before_format_reads_with_what_it_lacks_as_none(tmp_path: Path):
    written = make_build(tmp_path / "old")  # no format, no near-duplicate search, older reasons
    report = read_report(tmp_path / "old")
    assert report.format == 0 and report.near_duplicates is None and report.empty_folders is None
    assert report.splits["train"].rows == written["splits"]["train"]["rows"]
    assert report.skipped_by_reason == {"empty file": 1, "not an image": 1, "truncated image": 1}
    core = {"generator": "cat_breeds_vlm", "breeds": ["Bengal"], "splits": {"train": {"rows": 3}}, "counts": {}}
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / REPORT_NAME).write_text(json.dumps(core))
    bare = read_report(tmp_path / "core")
    assert bare.settings is None and bare.photos is None and bare.skipped is None and bare.priority_breeds == []
    assert bare.splits["train"].photos is None and bare.skipped_by_reason == {}


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda r: r["skipped"].insert(0, {"source": "A/x.jpg"}), "key 'skipped[0].reason' is missing"),
        (lambda r: r["skipped"].insert(0, "A/x.jpg"), "key 'skipped[0]' should be an object, not a string"),
        (lambda r: r["conflicts"][0].update(distance="far"), "key 'conflicts[0].distance' should be a number"),
        (lambda r: r["splits"]["val"].update(shards="two"), "key 'splits.val.shards' should be a number, not a string"),
        (lambda r: r.pop("empty_folders"), "key 'empty_folders' is missing"),  # format 1 has it
    ],
)
def test_a_malformed_part_is_one_line_naming_its_key(small_build, tmp_path, change, words):
    data = json.loads((small_build / REPORT_NAME).read_text())
    data["conflicts"] = data["conflicts"] or [{"sources": ["A/1.jpg", "B/1.jpg"], "breeds": ["A", "B"]}]
    change(data)
    (tmp_path / REPORT_NAME).write_text(json.dumps(data))
    with pytest.raises(UserError, match=words.replace("[", r"\[").replace("]", r"\]")):
        read_report(tmp_path)


def test_a_folder_without_a_report_of_ours_has_none(tmp_path: Path):
    assert read_report(tmp_path) is None
    (tmp_path / REPORT_NAME).write_text(json.dumps({"generator": "someone else", "breeds": []}))
    assert read_report(tmp_path) is None
