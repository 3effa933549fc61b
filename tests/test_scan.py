"""The scan's walk: which files are candidates, in which order, and what each one records."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cat_breeds_vlm.pipeline.scan import scan
from cat_breeds_vlm.pipeline.verify import read_whole


def _plant(root: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def test_walk_order_hidden_files_and_extensions(tmp_path: Path) -> None:
    _plant(
        tmp_path,
        {
            "Bengal/b.jpg": b"b",
            "Bengal/a.JPG": b"aa",
            "Bengal/sub/c.png": b"ccc",
            "Bengal/sub.jpg": b"d",  # after the folder "sub": entries are sorted by name, then walked
            "Bengal/pic.HEIC": b"e",  # another still-image format: a candidate, for verify to name
            "Bengal/.hidden.jpg": b"f",
            "Bengal/.git/x.jpg": b"g",
            "Bengal/notes.txt": b"h",
            "Bengal/trailing.": b"i",
            "Bengal/jpg": b"j",
            ".cache/Abyssinian/x.jpg": b"k",
            "Abyssinian/1_1.jpeg": b"l",
        },
    )
    result = scan(tmp_path)
    assert result.breeds == ["Abyssinian", "Bengal"]
    assert [c.source for c in result.candidates] == [
        "Abyssinian/1_1.jpeg",
        "Bengal/a.JPG",
        "Bengal/b.jpg",
        "Bengal/pic.HEIC",
        "Bengal/sub/c.png",
        "Bengal/sub.jpg",
    ]
    assert sorted(result.ignored) == ["Bengal/jpg", "Bengal/notes.txt", "Bengal/trailing."]
    assert result.skipped == []


def test_candidate_records_its_file_as_a_string_with_size_and_mtime(tmp_path: Path) -> None:
    _plant(tmp_path, {"Bengal/a.jpg": b"12345", "Bengal/deep/er/b.png": b"12"})
    (tmp_path / "Bengal" / "link.jpg").symlink_to(tmp_path / "Bengal" / "a.jpg")
    root = tmp_path.resolve()
    result = scan(tmp_path)
    assert [c.source for c in result.candidates] == ["Bengal/a.jpg", "Bengal/deep/er/b.png", "Bengal/link.jpg"]
    for cand in result.candidates:
        assert isinstance(cand.file, str)
        assert cand.file == os.path.join(root, cand.source)
        assert cand.path == Path(cand.file) and cand.path.is_absolute()
        stat = os.stat(cand.file)  # a symlink is followed, as the decode will follow it
        assert (cand.size, cand.mtime_ns, cand.breed) == (stat.st_size, stat.st_mtime_ns, "Bengal")
    assert result.candidates[2].size == 5


@pytest.mark.parametrize("hint", [None, "exact", "smaller", "larger"])
def test_read_whole_reads_every_byte_whatever_the_size_said(tmp_path, hint):
    for data in (b"", b"x" * 10, bytes(range(256)) * 9000):  # empty, small, over 2 MB
        path = tmp_path / "f.bin"
        path.write_bytes(data)
        size = {None: None, "exact": len(data), "smaller": len(data) // 2, "larger": len(data) + 100}[hint]
        assert read_whole(str(path), size) == data
