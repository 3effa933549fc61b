"""`cat-breeds-vlm review`: the self-contained HTML page of a real small build, parsed back."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import huggingface_hub
import pytest
from click.testing import CliRunner
from PIL import Image
from review_fixtures import decode_thumb, parse_page

from cat_breeds_vlm.cli import main
from cat_breeds_vlm.cli.build import format_summary
from cat_breeds_vlm.errors import UserError
from cat_breeds_vlm.pipeline.links import NearPair, near_groups
from cat_breeds_vlm.report.record import BuildReport, Conflict, SkipKind, read_report
from cat_breeds_vlm.review import ReviewOptions, write_review
from cat_breeds_vlm.review.gather import open_build, sample_rows
from cat_breeds_vlm.review.groups import conflict_groups, near_duplicate_groups
from cat_breeds_vlm.review.html import SECTIONS
from cat_breeds_vlm.review.thumbnails import THUMB_SIDE, make_thumbnail, read_photo

PER_BREED = 4


def _review(*args: str) -> str:
    result = CliRunner().invoke(main, ["review", *args])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Wrote ")
    return result.output


@pytest.fixture(scope="module")
def page_file(small_build, small_tree, tmp_path_factory) -> Path:
    """The review page of the small build, with the photo folder given."""
    out = tmp_path_factory.mktemp("review") / "review.html"
    _review(str(small_build), "-o", str(out), "--per-breed", str(PER_BREED), "--images", str(small_tree[0]))
    return out


@pytest.fixture(scope="module")
def page(page_file):
    return parse_page(page_file.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def report(small_build) -> BuildReport:
    return read_report(small_build)


def _section_text(html: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}">(.*?)</section>', html, re.S)
    assert match, section_id
    return match.group(1)


def test_every_section_is_there_and_every_breed_has_its_grids(page, report):
    for section_id, _ in SECTIONS:
        assert section_id in page.ids
    for index, breed in enumerate(report.breeds):
        for split, counts in report.counts.items():
            assert (f"b{index}-{split}" in page.ids) == bool(counts.get(breed)), (breed, split)
    assert page.ids.count("filter") == 1 and "detail" in page.ids


def test_each_grid_holds_a_sample_of_its_breed_and_split(page, report):
    details = page.details
    shown: dict[tuple[str, str], list[dict]] = {}
    for figure in page.figures:
        fields = dict(details[int(figure["data-d"])]["fields"])
        if "split" in fields:
            shown.setdefault((fields["breed"], fields["split"]), []).append(fields)
    for split, counts in report.counts.items():
        for breed, rows in counts.items():
            if rows:
                grid = shown[(breed, split)]
                assert len(grid) == min(PER_BREED, rows)
                assert len({f["id"] for f in grid}) == len(grid)
                assert all(f["source"].startswith(f"{breed}/") for f in grid)


def test_every_thumbnail_is_a_small_valid_jpeg_and_every_one_is_shown(page):
    thumbs = page.thumbs
    used = set(page.thumbs_used) | {d["photo"] for d in page.details if d["photo"] is not None}
    assert used == {i for i, t in enumerate(thumbs) if t}  # nothing made that is not shown
    for index in used:
        image = decode_thumb(thumbs[index])
        assert image.format == "JPEG" and max(image.size) <= THUMB_SIDE


def test_the_chart_is_a_valid_embedded_png(page):
    charts = [r for r in page.references if r.startswith("data:image/png;base64,")]
    assert len(charts) == 1
    image = decode_thumb(charts[0].split(",", 1)[1])
    assert image.format == "PNG" and image.width >= 600


def test_the_page_refers_to_nothing_outside_itself(page_file, page, small_build, small_tree):
    html = page_file.read_text(encoding="utf-8")
    for reference in page.references:
        assert reference.startswith(("#", "data:")), reference
    for outside in (
        "://",
        "file:",
        "url(",
        "@import",
        "fetch(",
        "XMLHttpRequest",
        str(small_tree[0]),
        str(small_build),
    ):
        assert outside not in html.replace("</", ""), outside


def test_the_same_build_gives_the_same_page_byte_for_byte(page_file, small_build, small_tree, tmp_path):
    again = tmp_path / "again.html"
    _review(str(small_build), "-o", str(again), "--per-breed", str(PER_BREED), "--images", str(small_tree[0]))
    assert again.read_bytes() == page_file.read_bytes()
    other = tmp_path / "other-seed.html"
    args = ["-o", str(other), "--per-breed", str(PER_BREED), "--images", str(small_tree[0]), "--seed", "7"]
    _review(str(small_build), *args)
    assert other.read_bytes() != page_file.read_bytes()  # the seed chooses the sample


def test_a_click_shows_the_id_source_and_conversation(page):
    details = page.details
    rows = [d for d in details if dict(d["fields"]).get("split")]
    assert rows
    for detail in rows:
        turns = detail["conversation"]
        assert turns[0][0] == "human" and turns[0][1].startswith("<image>\n")
        assert turns[-1][0] == "gpt"
        assert detail["photo"] is not None
    for figure in page.figures:
        fields = dict(details[int(figure["data-d"])]["fields"])
        assert f"source: {fields['source']}" in figure["title"]


def test_priority_and_missing_breeds_are_marked_with_the_reason(page_file, report):
    html = page_file.read_text(encoding="utf-8")
    breeds = _section_text(html, "breeds")
    for breed in report.priority_breeds:
        if breed in report.breeds:
            assert re.search(rf">{re.escape(breed)}</a> <span class=\"star\"", breeds), breed
    missing = _section_text(html, "missing")
    assert set(re.findall(r'<tr data-breed="([^"]+)">', missing)) == {b.lower() for b in report.too_small}
    assert "only 1 distinct photo" in missing  # York Chocolate


def test_duplicates_show_both_files_with_one_picture(page_file, small_tree):
    html = page_file.read_text(encoding="utf-8")
    section = _section_text(html, "duplicates")
    kept, twin = small_tree[1]["twin"]
    assert "distance 0 (identical bytes)" in section
    pictures = re.findall(r'<img data-t="(\d+)"', section)
    assert len(pictures) == 2 and pictures[0] == pictures[1]  # same bytes: one thumbnail, twice
    assert ">kept<" in section and ">dropped<" in section


def test_conflicts_show_each_file_with_its_label_from_the_photo_folder(page_file, small_tree):
    section = _section_text(page_file.read_text(encoding="utf-8"), "conflicts")
    first, second = small_tree[1]["conflict"]
    assert f">label: {first.split('/')[0]}<" in section and f">label: {second.split('/')[0]}<" in section
    assert len(re.findall(r'<img data-t="\d+"', section)) == 2


def test_skipped_files_are_listed_with_their_reasons_and_no_bomb_is_decoded(page_file, report):
    section = _section_text(page_file.read_text(encoding="utf-8"), "skipped")
    for item in report.skipped:
        assert item.source in section and item.reason.name in section
    bomb = next(i for i in report.skipped if i.source.endswith("bad_bomb.png"))
    assert bomb.kind is SkipKind.BOMB
    row = re.search(rf"<tr[^>]*><td><code>{re.escape(bomb.source)}</code>.*?</tr>", section, re.S).group(0)
    assert "decompression bomb" in row and "<img" not in row


def test_without_the_photo_folder_conflicts_say_how_to_see_them(small_build, tmp_path):
    out = tmp_path / "review.html"
    _review(str(small_build), "-o", str(out), "--per-breed", "2")
    html = out.read_text(encoding="utf-8")
    assert "pass --images to see it" in _section_text(html, "conflicts")
    assert "<img" not in _section_text(html, "skipped")


def test_long_lists_are_capped_with_a_count_of_the_rest(small_build, report, tmp_path):
    out = tmp_path / "review.html"
    _review(str(small_build), "-o", str(out), "--per-breed", "1", "--max-listed", "2")
    section = _section_text(out.read_text(encoding="utf-8"), "skipped")
    assert section.count("<tr data-breed") == 2
    assert f"... and {len(report.skipped) - 2:,} more files" in section


def test_near_duplicate_groups_are_shown_when_the_report_has_them(small_build, tmp_path):
    folder = tmp_path / "with_near"
    shutil.copytree(small_build, folder)
    report = json.loads((folder / "build.json").read_text(encoding="utf-8"))
    build = open_build(str(small_build))
    bengal = sorted(s for s in build.splits["train"].sources if s.startswith("Bengal/"))[:2]
    groups = near_groups([NearPair(bengal[0], bengal[1], 6)])  # as a build records them
    report["near_duplicates"] = [group.to_json() for group in groups]
    (folder / "build.json").write_text(json.dumps(report), encoding="utf-8")
    out = tmp_path / "review.html"
    _review(str(folder), "-o", str(out), "--per-breed", "1")
    section = _section_text(out.read_text(encoding="utf-8"), "near-duplicates")
    assert 'data-breed="bengal"' in section and "distance 6" in section
    assert len(re.findall(r'<img data-t="\d+"', section)) == 2
    plain = tmp_path / "plain.html"
    _review(str(small_build), "-o", str(plain), "--per-breed", "1")
    # the search ran and found no group: the page says so (a build without the search says it has no record)
    assert "None: no similar pictures" in _section_text(plain.read_text(encoding="utf-8"), "near-duplicates")


def test_a_hub_repo_id_is_read_from_its_downloaded_files(small_build, tmp_path, monkeypatch):
    calls = []

    def fake_snapshot_download(repo_id, **kwargs):
        calls.append((repo_id, kwargs))
        return str(small_build)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    hub, local = tmp_path / "hub.html", tmp_path / "local.html"
    _review("team/cats", "-o", str(hub), "--per-breed", "2")
    _review(str(small_build), "-o", str(local), "--per-breed", "2")
    assert [c[0] for c in calls] == ["team/cats"] and calls[0][1]["repo_type"] == "dataset"
    assert hub.read_text().replace("team/cats", small_build.name) == local.read_text()


def test_bad_input_is_one_line(tmp_path, small_build):
    missing = CliRunner().invoke(main, ["review", str(tmp_path / "nope"), "-o", str(tmp_path / "r.html")])
    assert missing.exit_code == 1 and missing.output.startswith("Error: no such dataset folder")
    offline = CliRunner().invoke(main, ["review", "team/cats", "-o", str(tmp_path / "r.html")])
    assert (
        offline.exit_code == 1 and "team/cats is not in the local Hub cache" in offline.output
    )  # the suite is offline
    bad = CliRunner().invoke(main, ["review", str(small_build), "--per-breed", "0"])
    assert bad.exit_code == 2
    unwritable = CliRunner().invoke(main, ["review", str(small_build), "-o", str(tmp_path / "no" / "r.html")])
    assert unwritable.exit_code == 1 and len(unwritable.output.strip().splitlines()) == 1


def test_the_sample_is_seeded_per_breed_and_split(small_build):
    build = open_build(str(small_build))
    index = build.splits["train"]
    first = sample_rows(index, build.breeds, 3, seed=1)
    assert first == sample_rows(index, build.breeds, 3, seed=1)
    assert all(len(rows) == min(3, int((index.labels == build.breeds.index(b)).sum())) for b, rows in first.items())
    assert first != sample_rows(index, build.breeds, 3, seed=2)


def test_thumbnails_use_the_builds_bomb_guard(monkeypatch):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "red").save(buffer, "PNG")
    assert max(make_thumbnail(buffer.getvalue()).width, 1) <= THUMB_SIDE
    # 1,600 pixels: over a limit of 1,000 but under twice it, where Pillow itself only warns.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ValueError, match="decompression bomb"):
        make_thumbnail(buffer.getvalue())


def test_the_build_summary_mentions_review_and_the_card_links_nothing_local(small_build, report):
    assert "cat-breeds-vlm review" in format_summary(report, small_build)
    card = (small_build / "README.md").read_text(encoding="utf-8")
    assert "review" not in card.lower()
    links = re.findall(r"\]\(([^)]+)\)", card)
    assert all(link.startswith("https://") or (small_build / link).is_file() for link in links), links


def test_write_review_from_python_in_worker_processes_gives_the_same_page(small_build, tmp_path):
    one = write_review(str(small_build), tmp_path / "one.html", ReviewOptions(per_breed=3), progress=False)
    two = write_review(str(small_build), tmp_path / "two.html", ReviewOptions(per_breed=3), num_proc=2, progress=False)
    assert one.path.read_bytes().startswith(b"<!DOCTYPE html>") and one.thumbnails > 0
    assert one.path.read_bytes() == two.path.read_bytes()
    with pytest.raises(UserError, match="per_breed must be at least 1"):
        ReviewOptions(per_breed=0)


def test_a_folder_without_build_json_is_reviewed_from_its_rows(small_build, tmp_path):
    bare = tmp_path / "bare"
    shutil.copytree(small_build, bare)
    (bare / "build.json").unlink()
    out = tmp_path / "review.html"
    _review(str(bare), "-o", str(out), "--per-breed", "2")
    html = out.read_text(encoding="utf-8")
    assert "No build.json here" in html
    assert re.search(r'<img data-t="\d+"', _section_text(html, "samples"))


def test_photos_are_read_only_from_inside_the_photo_folder(small_tree, tmp_path):
    root, planted = small_tree
    kept, _ = planted["twin"]
    assert read_photo(root, kept) == (root / kept).read_bytes()
    (tmp_path / "secret.jpg").write_bytes(b"not yours")
    assert read_photo(root, "../../" + "secret.jpg") == "outside the image folder"
    assert read_photo(root, str(tmp_path / "secret.jpg")) == "outside the image folder"
    assert read_photo(root, "Bengal/none.jpg") == "not found in the image folder"


def test_near_duplicate_and_conflict_records_are_read_as_the_build_writes_them():
    def report(**fields) -> BuildReport:
        return BuildReport(breeds=["Bengal", "Calico"], splits={}, counts={}, **fields)

    (group,) = near_duplicate_groups(
        report(near_duplicates=near_groups([NearPair("Bengal/1_1.jpg", "Bengal/2_1.jpg", 4.5)]))
    )
    assert group.breeds == ("Bengal",)
    assert [m.source for m in group.members] == ["Bengal/1_1.jpg", "Bengal/2_1.jpg"]
    assert group.distance == "4.5"
    assert near_duplicate_groups(report(near_duplicates=[])) == []  # searched, found nothing
    assert near_duplicate_groups(report(duplicates=[])) is None  # a build from before the search
    near, same = conflict_groups(report(conflicts=[
        Conflict(["Bengal/1_1.jpg", "Calico/9_1.jpg"], ["Bengal", "Calico"], 3.0),
        Conflict(["Bengal/2_1.jpg", "Calico/8_1.jpg"], ["Bengal", "Calico"]),
    ]))  # fmt: skip
    assert near.distance == "3.0" and not near.identical
    assert same.distance == "0 (identical bytes)" and same.identical
    assert [m.caption for m in same.members] == ["label: Bengal", "label: Calico"]


def test_every_odd_but_valid_photo_gets_a_thumbnail(small_tree):
    root, planted = small_tree
    for source in planted["odd"]:
        thumb = make_thumbnail((root / source).read_bytes())
        image = Image.open(io.BytesIO(thumb.data))
        image.load()
        assert image.format == "JPEG" and image.mode == "RGB" and max(image.size) <= THUMB_SIDE
        assert (image.width, image.height) == (thumb.width, thumb.height)


def test_names_with_markup_stay_text(tmp_path):
    from cat_breeds_vlm.demo import make_tree
    from cat_breeds_vlm.pipeline.builder import CatBreedsVLMConfig
    from cat_breeds_vlm.pipeline.folder import build_folder

    odd = 'Odd <b>Cat<!-- & "Co" <script>'
    make_tree(tmp_path / "images", {odd: 3, "Bengal": 3})
    build_folder(tmp_path / "images", tmp_path / "built", CatBreedsVLMConfig(), progress=False, command="test")
    out = tmp_path / "review.html"
    _review(str(tmp_path / "built"), "-o", str(out), "--per-breed", "2")
    html = out.read_text(encoding="utf-8")
    page = parse_page(html)
    assert "<b>" not in html and "<!--" not in html
    assert html.count("<script") == 3  # the two data blocks and the script
    assert odd.lower() in page.breed_tagged
    assert any(odd in value for detail in page.details for _, value in detail["conversation"])
