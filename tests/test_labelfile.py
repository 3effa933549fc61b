"""Label files: read, checked, and every mistake one line naming the file, the line and the column,
from Python and through the CLI (exit 2, no traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cat_breeds_vlm.cli import main
from cat_breeds_vlm.labels.catalog import LabelInfo, builtin_catalog, load_catalog
from cat_breeds_vlm.labels.labelfile import (
    COLUMNS,
    LabelFileError,
    read_label_file,
    write_label_file,
)

HEADER = "name,display,kind,description,aliases\n"
GOOD = "Lykoi,,breed,A breed with a patchy coat.,werewolf cat; lykoi cat\n"

# (file text, line named, column named, words of the problem)
BAD_FILES = {
    "missing column": ("name,display,description,aliases\nLykoi,,A breed.,\n", 1, "kind", "no 'kind' column"),
    "unknown column": (HEADER.replace("aliases", "alias"), 1, "alias", "not a column"),
    "duplicate name": (HEADER + GOOD + "# a comment\nLykoi,,breed,,\n", 4, "name", "already on line 2"),
    "unknown kind": (HEADER + GOOD + "Smoke,,colour,,\n", 3, "kind", "'colour' is not a kind"),
    "empty kind": (HEADER + "Smoke,,,,\n", 2, "kind", "empty"),
    "duplicate alias": (
        HEADER + GOOD + "Moggy,,domestic type,,moggie; Werewolf Cat\n",
        3,
        "aliases",
        "already a name of 'Lykoi'",
    ),
    "alias of a built-in label": (HEADER + "Moggy,,domestic type,,tortie\n", 2, "aliases", "'Tortoiseshell'"),
    "empty name": (HEADER + ",,breed,,\n", 2, "name", "empty"),
    "description shape": (HEADER + "Lykoi,,breed,patchy coat,\n", 2, "description", "start with 'A'"),
    "too many cells": (HEADER + "Lykoi,,breed,,,extra\n", 2, "row", "6 cells"),
    "alias with no word": (HEADER + "Lykoi,,breed,,the cat\n", 2, "aliases", "no word"),
}


def _write(tmp_path: Path, text: str, name: str = "labels.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_label_file_is_one_line_naming_file_line_and_column(tmp_path: Path, case: str) -> None:
    text, line, column, problem = BAD_FILES[case]
    path = _write(tmp_path, text)
    with pytest.raises(LabelFileError) as caught:
        load_catalog(path)
    message = str(caught.value)
    assert message.startswith(f"{path}, line {line}, {column}: "), message
    assert problem in message and "\n" not in message


@pytest.mark.parametrize("case", ["missing column", "duplicate name", "unknown kind", "duplicate alias"])
def test_the_cli_refuses_a_bad_label_file_with_exit_2_and_no_traceback(tmp_path: Path, case: str) -> None:
    text, line, column, _ = BAD_FILES[case]
    path = _write(tmp_path, text)
    for args in (["build", str(tmp_path), "--labels", str(path), "--dry-run"],
                 ["score", str(tmp_path), str(path), "--labels", str(path)]):  # fmt: skip
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
        errors = [text for text in result.output.splitlines() if text.startswith("Error")]
        assert len(errors) == 1 and f"{path}, line {line}, {column}: " in errors[0], result.output


def test_empty_and_binary_files_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(LabelFileError, match=r"empty\.csv: empty; a label file starts with the header"):
        read_label_file(_write(tmp_path, "# only a comment\n\n", "empty.csv"))
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\xff\xd8\xff\xe0 not text")
    with pytest.raises(LabelFileError, match=r"photo\.csv: not a UTF-8 text file"):
        read_label_file(binary)


def test_comments_blank_lines_and_spacing_are_tolerated(tmp_path: Path) -> None:
    text = "# my labels\n\n" + HEADER + "\n# the rare one\n  Lykoi , , breed ,A breed.,  werewolf cat ;; \n"
    [(line, info)] = read_label_file(_write(tmp_path, text))
    assert line == 6
    assert info == LabelInfo("Lykoi", "Lykoi", "breed", "A breed.", ("werewolf cat",))


def test_columns_in_any_order(tmp_path: Path) -> None:
    text = "kind,aliases,name,description,display\ncoat pattern,smokey,Smoke,,\n"
    [(_, info)] = read_label_file(_write(tmp_path, text))
    assert info == LabelInfo("Smoke", "smoke", "coat pattern", "", ("smokey",))


def test_a_written_label_file_reads_back_the_same(tmp_path: Path) -> None:
    catalog = builtin_catalog()
    path = tmp_path / "out.csv"
    write_label_file(catalog.values(), path)
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(COLUMNS)
    assert [info for _, info in read_label_file(path)] == list(catalog.values())
    first = path.read_bytes()
    write_label_file(reversed(list(catalog.values())), path)
    assert path.read_bytes() == first  # sorted: the same entries give the same bytes
