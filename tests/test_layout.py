"""The package's layout: what docs/development.md's "Layout" section says, and the names that moved."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "cat_breeds_vlm"


def layout_sections() -> dict[str, str]:
    """The layout block of docs/development.md, cut into ``{folder: its text}`` ('' for the top level)."""
    page = (ROOT / "docs" / "development.md").read_text()
    block = page.split("## Layout", 1)[1].split("```", 2)[1]
    sections: dict[str, str] = {"": ""}
    current = ""
    for line in block.splitlines():
        match = re.match(r"^  (\w+)/\s", line)
        if match:
            current = match.group(1)
            sections[current] = ""
        elif re.match(r"^  \w+\.py", line):
            current = ""
        sections[current] += line + "\n"
    return sections


def test_the_readme_layout_names_every_folder_and_module() -> None:
    sections = layout_sections()
    folders = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))
    assert sorted(s for s in sections if s) == folders
    for folder in folders:
        for module in sorted((PACKAGE / folder).glob("*.py")):
            if module.stem != "__init__":
                assert re.search(rf"\b{module.stem}\b", sections[folder]), f"{folder}/{module.name}"
    for module in sorted(PACKAGE.glob("*.py")):
        if module.stem not in ("__init__", "__main__"):
            assert f"{module.stem}.py" in sections[""], module.name


@pytest.mark.parametrize("old, new", [("hub", "dataset.hub"), ("parse", "labels.parse"), ("score", "evaluate.score")])
def test_modules_that_moved_import_by_their_earlier_names(old: str, new: str) -> None:
    earlier = importlib.import_module(f"cat_breeds_vlm.{old}")
    assert earlier is importlib.import_module(f"cat_breeds_vlm.{new}")
    from cat_breeds_vlm.hub import push  # the README's earlier spelling

    assert push is importlib.import_module("cat_breeds_vlm.dataset.hub").push
