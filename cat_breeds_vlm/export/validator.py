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

from tqdm.auto import tqdm

from ..errors import UserError
from . import fireworks, llava, trl

#: The formats :func:`validate` knows.
KINDS: tuple[str, ...] = ("fireworks", "llava", "trl")


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

    @property
    def ok(self) -> bool:
        """True when no rule was broken (warnings allowed)."""
        return self.errors == 0

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
        verdict = "OK" if self.ok else "FAILED"
        head = (
            f"{verdict} {self.kind} {self.path}: {self.rows} rows, "
            f"{self.errors} errors, {self.warnings} warnings"
        )
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
        raise UserError(f"no such file: {path}")
    folder = Path(image_folder) if image_folder is not None else path.parent
    report = Report(kind, path, keep=keep)
    if kind == "llava" and not jsonl:
        records = _array_records(path, report)
    else:
        records = _jsonl_records(path, report, progress)
    check = _record_rules(kind, folder)
    for where, record in records:
        report.rows += 1
        for message in check(record):
            report.add(where, message)
    if kind == "fireworks":
        for error, message in fireworks.file_problems(report.rows, path.stat().st_size):
            report.add("file", message, error=error)
    return report


def _record_rules(kind: str, folder: Path) -> Callable[[Any], Iterable[str]]:
    if kind == "fireworks":
        return fireworks.record_problems
    module = llava if kind == "llava" else trl
    return lambda record: module.record_problems(record, folder)


def _jsonl_records(path: Path, report: Report, progress: bool) -> Iterator[tuple[str, Any]]:
    """``("line N", record)`` for each line that parses; broken lines go to the report."""
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
