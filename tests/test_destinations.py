"""Nothing lost or overwritten: every command refuses a destination that would clobber data."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from cat_breeds_vlm.cli import main
from cat_breeds_vlm.pipeline.verify import VerdictCache


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def assert_refused(result, *words: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    message = result.output.strip()
    assert message.startswith("Error:") and "\n" not in message, message
    for word in words:
        assert word in message, message


def test_a_folder_one_level_above_the_breeds_is_refused_with_the_likely_one(small_tree, tmp_path):
    above = tmp_path / "data"
    shutil.copytree(small_tree[0], above / "images")
    # one process: each photo would be verified as the walk finds it, were it not held back
    assert_refused(
        run("build", above, "-o", tmp_path / "out", "--num-proc", "1"), "did you mean", str(above / "images")
    )
    assert not (tmp_path / "out").exists()
    with VerdictCache() as cache:
        assert cache.entries(above) == {}  # refused before any photo was verified


def test_a_build_inside_the_image_folder_is_refused(small_tree, tmp_path):
    images = Path(shutil.copytree(small_tree[0], tmp_path / "images"))
    before = sorted(p.name for p in images.iterdir())
    assert_refused(run("build", images, "-o", images / "out"), "inside the image folder")
    assert sorted(p.name for p in images.iterdir()) == before


def test_a_dry_run_checks_the_destination_as_the_build_would(small_tree, small_build, tmp_path):
    out = Path(shutil.copytree(small_build, tmp_path / "ds"))
    assert_refused(run("build", small_tree[0], "-o", out, "--dry-run"), "--overwrite")
    result = run("build", small_tree[0], "-o", out, "--dry-run", "--overwrite")
    assert result.exit_code == 0 and result.output.startswith("Dry run: nothing written"), result.output


def test_the_demo_never_writes_into_a_folder_of_other_files(small_tree, small_build, tmp_path):
    for folder in (Path(shutil.copytree(small_tree[0], tmp_path / "photos")), small_build):
        before = sorted(p.name for p in folder.iterdir())
        assert_refused(run("demo", "-o", folder, "--photos", "10"), "refusing to use", "other files")
        assert sorted(p.name for p in folder.iterdir()) == before


def test_review_never_replaces_a_card_or_a_file_that_is_not_its_own(small_build, tmp_path):
    build = Path(shutil.copytree(small_build, tmp_path / "ds"))
    card = (build / "README.md").read_bytes()
    assert_refused(run("review", build, "-o", build / "README.md"), "into a build folder")
    assert (build / "README.md").read_bytes() == card
    notes = tmp_path / "notes.html"
    notes.write_text("<p>my notes</p>")
    assert_refused(run("review", build, "-o", notes), "not a review page")
    assert notes.read_text() == "<p>my notes</p>"
    page = tmp_path / "review.html"
    for _ in range(2):  # its own page it replaces
        result = run("review", build, "-o", page, "--per-breed", "2")
        assert result.exit_code == 0, result.output
