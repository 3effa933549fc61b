"""The documentation: the README is a front page whose links resolve, and docs/reference.md is
exactly what the commands' ``--help`` says."""

from __future__ import annotations

import re
from pathlib import Path

from docs_reference import REFERENCE, render

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)\s]*)?\)")


def test_the_reference_is_what_the_commands_say() -> None:
    assert REFERENCE.read_text(encoding="utf-8") == render(), "run: python tests/docs_reference.py"


def test_every_local_link_resolves() -> None:
    for page in PAGES:
        for target, anchor in LINK.findall(page.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://")):
                continue
            path = (page.parent / target).resolve()
            assert path.exists(), f"{page.name}: {target}"
            if anchor and path.suffix == ".md":
                headings = re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.M)
                slugs = {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}
                assert anchor[1:] in slugs, f"{page.name}: {target}{anchor}"


def test_the_readme_starts_with_the_two_commands_and_links_every_page() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", readme, re.S)
    assert "cat-breeds-vlm demo" in blocks[0] and "pytest" in blocks[1]
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f"(docs/{page.name}" in readme, page.name


def test_every_command_has_its_page() -> None:
    """Each top-level command is shown with an example somewhere in the guides, not only in the reference."""
    guides = "".join(p.read_text(encoding="utf-8") for p in PAGES if p != REFERENCE)
    for name in re.findall(r"^## `cat-breeds-vlm (\w+)`$", render(), re.M):
        assert re.search(rf"cat-breeds-vlm {name}\b", guides), name
