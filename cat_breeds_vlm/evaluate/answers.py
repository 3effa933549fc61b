"""The files of a ``predict`` run: answers appended as they arrive, so a rerun resumes.

``predictions.jsonl`` gets one ``{"id", "answer"}`` line per answer (the shape ``score``
reads), written whole and flushed at once: a crash or a kill loses no answer received. Beside
it:

- ``predictions.run.json`` records what the answers were asked of (dataset, split, endpoint,
  model, and the request settings). A rerun with the same ``-o`` skips the ids already
  answered, and refuses to add answers from another dataset, split, endpoint or model.
- ``predictions.errors.jsonl`` gets one ``{"id", "error"}`` line per row that still failed
  after the client's retries, for this run only: a rerun asks those rows again.

A kill can leave the last line torn (no newline); it is cut off when the file is resumed, and
its row asked again. No id is ever written twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..atomic import write_text_atomic
from ..errors import UserError

#: What must match for a rerun to add answers to an existing file.
RUN_KEYS: tuple[str, ...] = ("dataset", "split", "base_url", "model")


def run_record_path(output: Path) -> Path:
    """Where the run record of ``output`` lives: ``NAME.run.json`` beside it."""
    return output.with_name(f"{_stem(output)}.run.json")


def errors_path(output: Path) -> Path:
    """Where the rows that failed go: ``NAME.errors.jsonl`` beside ``output``."""
    return output.with_name(f"{_stem(output)}.errors.jsonl")


def _stem(output: Path) -> str:
    return output.stem if output.suffix == ".jsonl" else output.name


@dataclass
class Answered:
    """What an existing predictions file holds: its answered ids and where its last whole
    line ends (a torn last line starts there)."""

    ids: set[str]
    whole_bytes: int
    torn: bool


def read_answered(output: Path) -> Answered:
    """The ids answered in ``output`` (empty when it does not exist), its torn tail noted.

    Raises :class:`UserError` for a line that is not an answer or an id given twice: such a
    file was not written by ``predict`` alone, and resuming it could hide the problem.
    """
    if not output.exists():
        return Answered(set(), 0, torn=False)
    data = output.read_bytes()
    whole = data.rfind(b"\n") + 1
    ids: set[str] = set()
    for number, line in enumerate(data[:whole].splitlines(), start=1):
        row_id = _answer_id(line)
        if row_id is None or row_id in ids:
            problem = "is not an answer line" if row_id is None else f"repeats id {row_id!r}"
            raise UserError(f"{output}:{number} {problem}; it cannot be resumed (use another -o)")
        ids.add(row_id)
    return Answered(ids, whole, torn=whole < len(data))


def _answer_id(line: bytes) -> str | None:
    """The id of a ``{"id", "answer"}`` line, or None when the line is something else."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if isinstance(record, dict) and isinstance(record.get("id"), str) and "answer" in record:
        return record["id"]
    return None


def check_run(output: Path, run: dict[str, Any]) -> None:
    """Refuse (one line) to add answers to ``output`` when they were asked of something else.

    A file with answers but no run record was not written by ``predict``: refused too.
    """
    record_path = run_record_path(output)
    has_answers = output.exists() and output.stat().st_size > 0
    if not record_path.exists():
        if has_answers:
            raise UserError(
                f"{output} already holds answers but has no {record_path.name} beside it, so "
                "what they answer is unknown; use another -o, or delete it to start over"
            )
        return
    try:
        earlier = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise UserError(f"cannot read {record_path}: {err}") from None
    for key in RUN_KEYS:
        if has_answers and earlier.get(key) != run[key]:
            raise UserError(
                f"{output} holds answers for {key} {earlier.get(key)!r}, not {run[key]!r}; "
                "use another -o, or delete it (and its .run.json) to start over"
            )


class AnswerLog:
    """The open files of a run: append answers, record failures (a context manager)."""

    def __init__(self, output: Path, run: dict[str, Any]) -> None:
        """Check ``output`` may be resumed for ``run``, cut a torn last line, open it.

        Raises :class:`UserError` when it may not (:func:`check_run`, :func:`read_answered`).
        """
        self.output = Path(output)
        self.errors_path = errors_path(self.output)
        check_run(self.output, run)
        answered = read_answered(self.output)
        #: Ids answered before this run (kept as they were).
        self.earlier = answered.ids
        self.output.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(run_record_path(self.output), json.dumps(run, indent=2) + "\n")
        self._answers: IO[bytes] = self.output.open("ab")
        if answered.torn:  # the row of the torn line was never recorded: it is asked again
            self._answers.truncate(answered.whole_bytes)
        self.errors_path.unlink(missing_ok=True)  # this run's failures only
        self._errors: IO[bytes] | None = None
        self.answered = 0
        self.failed = 0

    def answer(self, row_id: str, answer: str) -> None:
        """Append one answer and flush it to the operating system (a kill keeps it)."""
        self._answers.write(_line({"id": row_id, "answer": answer}))
        self._answers.flush()
        self.answered += 1

    def fail(self, row_id: str, error: str) -> None:
        """Record a row that failed after the retries (not an answer: a rerun asks it again)."""
        if self._errors is None:
            self._errors = self.errors_path.open("ab")
        self._errors.write(_line({"id": row_id, "error": error}))
        self._errors.flush()
        self.failed += 1

    def close(self) -> None:
        """Close the files."""
        self._answers.close()
        if self._errors is not None:
            self._errors.close()

    def __enter__(self) -> AnswerLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _line(record: dict[str, str]) -> bytes:
    """One JSON line, written with a single ``write`` so it is whole or torn, never mixed."""
    return (json.dumps(record, ensure_ascii=False) + "\n").encode()
