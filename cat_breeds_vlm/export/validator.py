"""Check an exported file against its format's rules before it is uploaded or trained on.

:func:`validate` reads a Fireworks JSONL, LLaVA JSON (or JSONL) or TRL JSONL file record by
record (a LLaVA array is read whole, as LLaVA itself does), applies the format module's
``record_problems`` to each, and returns a :class:`Report`: the row count, every error and
warning counted, the first few kept with the line (or array index) where they are.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UserError
from .writer import numbered_parts

#: The formats :func:`validate` knows.
KINDS: tuple[str, ...] = ("fireworks", "llava", "trl")
#: How each format is named in messages.
FORMAT_NAMES = {"fireworks": "Fireworks", "llava": "LLaVA", "trl": "TRL"}
#: The top-level key only one format's records have, to tell the formats apart.
_MARK_KEYS = {"messages": "fireworks", "conversations": "llava", "prompt": "trl", "completion": "trl"}


@dataclass(frozen=True)
class Problem:
    """One broken rule: where (``line 12``, ``record 3``, ``file``) and what."""

    where: str
    message: str
    error: bool = True

    def __str__(self) -> str:
        return f"{'error' if self.error else 'warning'}: {self.where}: {self.message}"


@dataclass
class Report:
    """The outcome of validating one file: counts, and the first ``keep`` problems."""

    kind: str
    path: Path
    keep: int = 20
    rows: int = 0
    errors: int = 0
    warnings: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: The format the file looks like when it is not ``kind`` (then nothing else is checked).
    looks_like: str | None = None

    @property
    def ok(self) -> bool:
        """True when no rule was broken (warnings allowed) and the file is of the format asked."""
        return self.errors == 0 and self.looks_like is None

    def add(self, where: str, message: str, *, error: bool = True) -> None:
        """Count a problem, and keep it if fewer than ``keep`` are kept."""
        if error:
            self.errors += 1
        else:
            self.warnings += 1
        if len(self.problems) < self.keep:
            self.problems.append(Problem(where, message, error))

    def render(self) -> str:
        """A summary line, then the kept problems, one a line."""
        if self.looks_like is not None:
            return (
                f"FAILED {self.kind} {self.path}: this looks like a {FORMAT_NAMES[self.looks_like]} file:"
                f" use `cat-breeds-vlm validate {self.looks_like} {self.path}`"
            )
        verdict = "OK" if self.ok else "FAILED"
        head = f"{verdict} {self.kind} {self.path}: {self.rows} rows, {self.errors} errors, {self.warnings} warnings"
        more = self.errors + self.warnings - len(self.problems)
        tail = [f"  ... and {more} more"] if more > 0 else []
        return "\n".join([head, *(f"  {p}" for p in self.problems), *tail])


def validate(
    kind: str,
    path: str | Path,
    *,
    image_folder: str | Path | None = None,
    jsonl: bool = False,
    keep: int = 20,
    progress: bool = False,
) -> Report:
    """Validate one exported file of ``kind`` (fireworks, llava or trl).

    ``image_folder`` is where LLaVA/TRL image paths are resolved (default: the file's
    folder); ``jsonl`` reads a LLaVA file as JSON Lines instead of one array.
    """
    if kind not in KINDS:
        raise UserError(f"unknown format {kind!r}: choose from {', '.join(KINDS)}")
    path = Path(path)
    if not path.is_file():
        raise UserError(f"no such file: {path}{_pieces_note(path)}")
    folder = Path(image_folder) if image_folder is not None else path.parent
    report = Report(kind, path, keep=keep)
    guessed = guess_kind(path)
    if guessed is not None and guessed != kind:
        report.looks_like = guessed
        return report
    if kind == "llava" and not jsonl:
        records = _array_records(path, report)
    else:
        records = _jsonl_records(path, report, progress)
    check = _record_rules(kind, folder)
    answers = None
    if kind == "trl":
        from .trl import AnswerCheck

        answers = AnswerCheck()
    for where, record in records:
        report.rows += 1
        problems = list(check(record))
        for message in problems:
            report.add(where, message)
        if answers is not None and not problems:
            answers.add(where, record)
    for where, message in answers.problems() if answers is not None else ():
        report.add(where, message)
    if kind == "fireworks":
        from . import fireworks

        for error, message in fireworks.file_problems(report.rows, path.stat().st_size):
            report.add("file", message, error=error)
    return report


def export_files(path: Path) -> list[Path]:
    """The files to validate for ``path`` as typed: the file itself, or, when an export with
    ``--max-file-mb`` wrote it in numbered pieces (``train-00000.jsonl``, ...), those."""
    if path.is_file():
        return [path]
    return [part for _, part in numbered_parts(path)]


def _pieces_note(path: Path) -> str:
    """`` (written in pieces: ...)`` when numbered pieces of ``path`` are there."""
    parts = [str(part) for _, part in numbered_parts(path)]
    if not parts:
        return ""
    shown = ", ".join(parts[:3]) + (f" and {len(parts) - 3} more" if len(parts) > 3 else "")
    return f" (it was written in {len(parts)} pieces: {shown}; validate those)"


def guess_kind(path: Path) -> str | None:
    """The format a file's first record looks like (a JSON array is LLaVA's), or None if unclear."""
    with open(path, "rb") as stream:
        first = stream.read(1)
        while first.isspace():
            first = stream.read(1)
        if first == b"[":
            return "llava"  # only LLaVA's train.py reads one JSON array
        try:
            record = json.loads(first + stream.readline())
        except ValueError:
            return None
    if not isinstance(record, dict):
        return None
    kinds = {_MARK_KEYS[key] for key in record if key in _MARK_KEYS}
    return kinds.pop() if len(kinds) == 1 else None


def _record_rules(kind: str, folder: Path) -> Callable[[Any], Iterable[str]]:
    import importlib

    module = importlib.import_module(f".{kind}", __package__)  # the format's own rules
    if kind == "fireworks":
        return module.record_problems
    return lambda record: module.record_problems(record, folder)


def _jsonl_records(path: Path, report: Report, progress: bool) -> Iterator[tuple[str, Any]]:
    """``("line N", record)`` for each line that parses; broken lines go to the report."""
    from tqdm.auto import (
        tqdm,  # here, not at the top: the CLI imports this module for --help
    )

    size = path.stat().st_size
    with (
        open(path, "rb") as stream,
        tqdm(
            total=size,
            unit="B",
            unit_scale=True,
            desc=path.name,
            disable=None if progress else True,
        ) as bar,
    ):
        for number, line in enumerate(stream, start=1):
            bar.update(len(line))
            where = f"line {number}"
            if not line.strip():
                report.add(where, "empty line (JSON Lines has one record on every line)")
                continue
            try:
                yield where, json.loads(line)
            except ValueError as err:  # JSONDecodeError and UnicodeDecodeError
                report.add(where, f"not valid JSON: {err}")


def _array_records(path: Path, report: Report) -> Iterator[tuple[str, Any]]:
    """``("record N", record)`` for each item of a JSON array, read as ``json.load`` does."""
    try:
        with open(path, encoding="utf-8") as stream:
            data = json.load(stream)
    except ValueError as err:
        report.add("file", f"not one JSON array (LLaVA's train.py calls json.load): {err}")
        return
    if not isinstance(data, list):
        report.add("file", f"the top level is a JSON {type(data).__name__}, not an array")
        return
    for index, record in enumerate(data):
        yield f"record {index}", record
