"""The package's layout: what docs/development.md's "Layout" section says, and the module names removed."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
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


@pytest.mark.parametrize("old", ["hub", "parse", "score"])
def test_the_earlier_module_names_are_gone_and_no_import_hook_is_left(old: str) -> None:
    """Removed in 0.3.0 (docs/changelog.md): the modules import only from their homes."""
    import cat_breeds_vlm

    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(f"cat_breeds_vlm.{old}")
    assert not hasattr(cat_breeds_vlm, old)
    assert not any(type(finder).__module__.startswith("cat_breeds_vlm") for finder in sys.meta_path)


def test_the_version_is_the_same_in_the_package_and_its_metadata() -> None:
    from cat_breeds_vlm import __version__

    assert f'\nversion = "{__version__}"\n' in (ROOT / "pyproject.toml").read_text()
    assert f"\n## {__version__}\n" in (ROOT / "docs" / "changelog.md").read_text()


def test_packages_load_their_heavy_names_on_first_use_only() -> None:
    code = (
        "import sys\n"
        "import cat_breeds_vlm, cat_breeds_vlm.export, cat_breeds_vlm.cli\n"
        "print(sorted(m for m in ('datasets', 'pyarrow', 'huggingface_hub') if m in sys.modules))\n"
        "for package in (cat_breeds_vlm, cat_breeds_vlm.export):\n"
        "    assert all(getattr(package, name) is not None for name in package.__all__)\n"
        "print('datasets' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout, whatever the venv installed
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "True"]


def test_the_command_line_starts_without_reading_a_domain_or_a_data_file() -> None:
    code = (
        "import sys\n"
        "import cat_breeds_vlm.cli\n"
        "print('cat_breeds_vlm.labels.domain' in sys.modules)\n"
        "from cat_breeds_vlm.labels.domain import shipped_domain\n"
        "from cat_breeds_vlm.report.licence import hub_licenses\n"
        "print(shipped_domain.cache_info().currsize, hub_licenses.cache_info().currsize)\n"
        "print(sorted(m for m in ('tomllib', 'tomli', 'importlib.resources') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["False", "0 0", "[]"]
