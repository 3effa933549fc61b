"""The files of a ``predict`` run: answers appended as they arrive, so a rerun resumes.

``predictions.jsonl`` gets one ``{"id", "answer"}`` line per answer (the shape ``score``
reads), written whole and flushed at once: a crash or a kill loses no answer received. Beside
it:

- ``predictions.run.json`` records what the answers were asked of (:mod:`.run_record`). A
  rerun with the same ``-o`` skips the ids already answered, and refuses to add answers asked
  of anything else (another dataset or version of it, split, endpoint, model or prompt).
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
from .run_record import check_run, run_record_path, stem


def errors_path(output: Path) -> Path:
    """Where the rows that failed go: ``NAME.errors.jsonl`` beside ``output``."""
    return output.with_name(f"{stem(output)}.errors.jsonl")


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


class AnswerLog:
    """The files of a run: append answers, record failures (a context manager).

    Nothing is written before the first answer or failure: a run that ends before any (a
    refused probe, an unreachable server) leaves no empty answers file or run record behind,
    and with ``restart`` the earlier answers are kept until the first new one replaces them.
    """

    def __init__(self, output: Path, run: dict[str, Any], *, restart: bool = False) -> None:
        """Check ``output`` may be resumed for ``run`` (unless ``restart``: its answers are
        then discarded at the first new one).

        Raises :class:`UserError` when it may not (:func:`check_run`, :func:`read_answered`).
        """
        self.output = Path(output)
        self.errors_path = errors_path(self.output)
        self.run = run
        self.restart = restart
        answered = Answered(set(), 0, torn=False) if restart else read_answered(self.output)
        if not restart:
            check_run(self.output, run, has_answers=bool(answered.ids) or answered.torn)
        self._answered = answered
        #: Ids answered before this run (kept as they were).
        self.earlier = answered.ids
        self._answers: IO[bytes] | None = None
        self._errors: IO[bytes] | None = None
        self._errors_cleared = False
        self.answered = 0
        self.failed = 0

    def answer(self, row_id: str, answer: str) -> None:
        """Append one answer and flush it to the operating system (a kill keeps it)."""
        if self._answers is None:
            self._answers = self._open_answers()
        self._answers.write(_line({"id": row_id, "answer": answer}))
        self._answers.flush()
        self.answered += 1

    def fail(self, row_id: str, error: str) -> None:
        """Record a row that failed after the retries (not an answer: a rerun asks it again)."""
        if self._errors is None:
            self._clear_errors()
            self._errors = self.errors_path.open("ab")
        self._errors.write(_line({"id": row_id, "error": error}))
        self._errors.flush()
        self.failed += 1

    def _open_answers(self) -> IO[bytes]:
        """The answers file, open to append (emptied with ``restart``; a torn last line cut
        off: its row was never recorded, it is asked again), its run record written first."""
        self.output.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(run_record_path(self.output), json.dumps(self.run, indent=2) + "\n")
        self._clear_errors()
        answers = self.output.open("wb" if self.restart else "ab")
        if self._answered.torn:
            answers.truncate(self._answered.whole_bytes)
        return answers

    def _clear_errors(self) -> None:
        """Remove an earlier run's failures, once: the errors file holds this run's only."""
        if not self._errors_cleared:
            self.output.parent.mkdir(parents=True, exist_ok=True)
            self.errors_path.unlink(missing_ok=True)
            self._errors_cleared = True

    def close(self) -> None:
        """Close the files."""
        for file in (self._answers, self._errors):
            if file is not None:
                file.close()

    def __enter__(self) -> AnswerLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _line(record: dict[str, str]) -> bytes:
    """One JSON line, written with a single ``write`` so it is whole or torn, never mixed."""
    return (json.dumps(record, ensure_ascii=False) + "\n").encode()
