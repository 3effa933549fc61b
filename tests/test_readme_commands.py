"""The README's local commands, run as written, in order, each on what the one before it wrote.

Every ``cat-breeds-vlm`` line of the shell blocks of the README, then of the guide to the
commands (``docs/commands.md``: every export and its ``validate``), that needs no network or
model server (all but ``push``, ``predict`` and ``demo``) runs in a folder holding a small
synthetic tree at ``data/images``, as the examples assume, with nothing renamed in between.
``predict`` is stood in for by a predictions file of 8 answers (as ``predict --limit 8``
leaves it) written before ``score``.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import datasets
import pytest
from click.testing import CliRunner

from cat_breeds_vlm.cli import main
from cat_breeds_vlm.demo import make_tree

ROOT = Path(__file__).resolve().parents[1]
#: Commands that reach a server (or make a tree of their own): not run here.
NOT_LOCAL = ("push", "predict", "demo")
#: A small tree of catalogued breeds, two of them default priority breeds.
COUNTS = {"Abyssinian": 30, "Bengal": 30, "Burmilla": 20, "Chinchilla": 20, "Siamese": 30}


#: The pages whose commands run, in this order.
PAGES = ("README.md", "docs/commands.md")


def readme_commands(page: str) -> list[list[str]]:
    """The local ``cat-breeds-vlm`` command lines of a page's bash blocks, in order."""
    text = (ROOT / page).read_text()
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL):
        for line in map(str.strip, block.splitlines()):  # a block in a list is indented
            if not line.startswith("cat-breeds-vlm ") or line.endswith("\\"):
                continue
            words = shlex.split(line, comments=True)[1:]
            if words[0] not in NOT_LOCAL:
                commands.append(words)
    return commands


def test_the_pages_list_every_local_step() -> None:
    readme = [" ".join(words[:2]) for words in readme_commands("README.md")]
    for step in ("build data/images", "stats build/cat_breeds_vlm", "review build/cat_breeds_vlm",
                 "export fireworks", "validate fireworks", "score build/cat_breeds_vlm"):  # fmt: skip
        assert any(s.startswith(step) for s in readme), (step, readme)
    guide = [" ".join(words[:2]) for words in readme_commands("docs/commands.md")]
    for step in ("export fireworks", "validate fireworks", "export llava", "validate llava", "export trl",
                 "validate trl", "score build/cat_breeds_vlm", "review build/cat_breeds_vlm"):  # fmt: skip
        assert any(s.startswith(step) for s in guide), (step, guide)


def test_the_readme_commands_run_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Built with ``--style detailed`` (two answers a row), the case where a TRL export differed."""
    make_tree(tmp_path / "data" / "images", COUNTS, seed=3)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for words in [words for page in PAGES for words in readme_commands(page)]:
        if words[0] == "build":
            words = [*words, "--num-proc", "1", "--style", "detailed"]
        if words[0] == "score":
            _answer_eight(Path(words[1]), Path(words[2]))
        result = runner.invoke(main, words)
        assert result.exit_code == 0, (words, result.output)
        assert "Error" not in result.output and "FAILED" not in result.output, (words, result.output)
        if words[0] == "validate":
            assert result.output.count(f"OK {words[1]}") >= 1, result.output
        if words[:2] == ["export", "trl"]:
            rows = len(datasets.load_dataset("build/cat_breeds_vlm", split="train"))
            assert f"{2 * rows} records from {rows} rows (one per answer)" in result.output, result.output
        if words[0] == "score":
            assert "Answered rows only (8 of" in result.output, result.output
    assert Path("review.html").is_file() and Path("report.json").is_file()


def _answer_eight(build: Path, predictions: Path) -> None:
    """What ``predict --limit 8`` leaves: the first 8 test rows answered, each with its breed."""
    split = datasets.load_dataset(str(build), split="test")
    names = split.features["breed"].names
    with predictions.open("w") as out:
        for row in split.select(range(8)):
            out.write(json.dumps({"id": row["id"], "answer": f"It is {names[row['breed']]}."}) + "\n")
