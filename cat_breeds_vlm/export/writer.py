"""Write records to one file, or to numbered files of bounded size, with nothing partial left.

:class:`RecordWriter` takes encoded records and writes them as JSON Lines, or as one JSON
array with one record a line (LLaVA's ``train.py`` calls ``json.load``). With ``max_bytes``
it rotates, like webdataset's ``ShardWriter``: ``train.jsonl`` becomes ``train-00000.jsonl``,
``train-00001.jsonl``, ..., each at most ``max_bytes`` (an array file counts its brackets).

Every file is written under a hidden temporary name in the target folder and renamed into
place only when the whole export succeeded; on an error the temporary files are removed and
what was there before is untouched. Files an earlier export of the same name left and this
one did not write are removed (numbered parts past this one's last, all of them after a plain
export, the plain file after a rotated one), so a folder never mixes two exports.

:meth:`RecordWriter.copy_lines` appends records that workers already wrote as JSON Lines to
a file of their own (:mod:`.segments`): the kernel copies the bytes, the lengths given decide
the rotation exactly as writing the same records would.
"""

from __future__ import annotations

import errno
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from ..errors import UserError

#: Write buffer: records are ~20 KB, so the default 8 KB buffer would make a system call for
#: each (``benchmarks/RESULTS.md``). A background writing thread was tried: the GIL
#: hand-overs cost more than the system calls it hid.
_BUFFER = 1 << 20


def dump_record(record: Any) -> bytes:
    """One record as compact UTF-8 JSON on a single line (newlines in text are escaped)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()


def numbered_parts(path: Path) -> list[tuple[int, Path]]:
    """``(index, file)`` for each ``stem-NNNNN.suffix`` beside ``path`` (the parts a rotating
    export of ``path`` wrote), in index order; empty when its folder does not exist."""
    path = Path(path)
    pattern = re.compile(rf"{re.escape(path.stem)}-(\d{{5}}){re.escape(path.suffix)}")
    try:
        siblings = list(path.parent.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = ((pattern.fullmatch(sibling.name), sibling) for sibling in siblings)
    return sorted((int(match.group(1)), sibling) for match, sibling in found if match and sibling.is_file())


class RecordWriter:
    """Atomic, optionally rotating writer of encoded JSON records (a context manager)."""

    def __init__(self, path: Path, *, max_bytes: int | None = None, array: bool = False):
        """Write to ``path`` (numbered siblings when ``max_bytes`` is set); ``array`` for JSON."""
        if max_bytes is not None and max_bytes <= 0:
            raise UserError(f"file size limit must be positive, got {max_bytes} bytes")
        self.path = Path(path)
        self.max_bytes = max_bytes
        # (file start, between records, after each record, file end)
        self._open, self._separator, self._newline, self._close = (
            (b"[\n", b",\n", b"", b"\n]\n") if array else (b"", b"", b"\n", b"")
        )
        self._temps: list[Path] = []
        self._file: BinaryIO | None = None
        self._part_bytes = 0
        self._part_rows = 0
        self.rows = 0
        self.bytes = 0
        self.files: list[Path] = []
        #: Records in each file, in order (known once it is finished).
        self.file_rows: list[int] = []

    def final_path(self, index: int) -> Path:
        """The name of part ``index``: the path itself, or ``stem-00000.suffix`` when rotating."""
        if self.max_bytes is None:
            return self.path
        return self.path.with_name(f"{self.path.stem}-{index:05d}{self.path.suffix}")

    def write(self, *parts: bytes | memoryview) -> None:
        """Append one encoded record, given whole or in parts that are written back to back.

        Without a trailing newline: the framing adds it. Parts save the copy that joining
        them would make (a record is mostly one big base64 part).
        """
        separator = self._reserve(sum(map(len, parts)))
        assert self._file is not None
        self._file.writelines((separator, *parts, self._newline))

    def copy_lines(self, source: int, lengths: Iterable[int]) -> None:
        """Append records that are already JSON Lines in the open file ``source`` (a descriptor).

        ``lengths`` are their sizes, newline included, read from ``source``'s current offset.
        Files rotate exactly as with :meth:`write`; the kernel copies the bytes
        (``os.copy_file_range``), a run of lines going to the same file at a time.
        """
        if self._separator or self._open or self._close:
            raise ValueError("copy_lines writes JSON Lines only, not a JSON array")
        run = 0
        for length in lengths:
            size = length - len(self._newline)
            if self._file is None or self._must_rotate(size):
                self._copy(source, run)
                run = 0
            self._reserve(size)
            run += length
        self._copy(source, run)

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()

    def commit(self) -> list[Path]:
        """Close the last part and rename every part into place; returns the final paths."""
        if self._file is None:
            self._start_part()  # an empty export still writes one (empty) file
        self._finish_part()
        self.files = [self.final_path(i) for i in range(len(self._temps))]
        for temp, final in zip(self._temps, self.files, strict=True):
            os.replace(temp, final)
        self._remove_stale_parts()
        return self.files

    def abort(self) -> None:
        """Close and delete every temporary file; nothing is renamed into place."""
        if self._file is not None:
            self._file.close()
            self._file = None
        for temp in self._temps:
            temp.unlink(missing_ok=True)

    def _reserve(self, size: int) -> bytes:
        """Count a record of ``size`` bytes in the file it goes to (starting the next one when
        it would overflow this one); returns the separator to write before it.
        """
        if self._file is None:
            self._start_part()
        if self._must_rotate(size):
            self._finish_part()
            self._start_part()
        if self._overflows(size):
            raise UserError(
                f"record {self.rows + 1} alone is {size:,} bytes, more than the {self.max_bytes:,}-byte file limit"
            )
        separator = self._separator if self._part_rows else b""
        framed = len(separator) + size + len(self._newline)
        self._part_bytes += framed
        self.bytes += framed
        self._part_rows += 1
        self.rows += 1
        return separator

    def _must_rotate(self, size: int) -> bool:
        """Does a record of ``size`` bytes need the next file (this one has records already)?"""
        return self._part_rows > 0 and self._overflows(size)

    def _copy(self, source: int, count: int) -> None:
        """Append ``count`` bytes from ``source``'s offset to the current file, in the kernel."""
        if not count:
            return
        assert self._file is not None
        self._file.flush()
        target = self._file.fileno()
        while count:
            copied = os.copy_file_range(source, target, count)
            if not copied:
                raise OSError(errno.EIO, f"{count:,} bytes missing from the lines to copy")
            count -= copied

    def _overflows(self, size: int) -> bool:
        """Would a record of ``size`` bytes (framed, plus the file's end) pass ``max_bytes``?"""
        if self.max_bytes is None:
            return False
        separator = len(self._separator) if self._part_rows else 0
        framed = separator + size + len(self._newline) + len(self._close)
        return self._part_bytes + framed > self.max_bytes

    def _start_part(self) -> None:
        final = self.final_path(len(self._temps))
        final.parent.mkdir(parents=True, exist_ok=True)
        temp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
        self._temps.append(temp)
        self._file = open(temp, "wb", buffering=_BUFFER)  # noqa: SIM115  (closed on finish/abort)
        self._part_bytes = self._part_rows = 0
        self._put(self._open)

    def _finish_part(self) -> None:
        assert self._file is not None
        self._put(self._close)
        self._file.close()
        self._file = None
        self.file_rows.append(self._part_rows)

    def _put(self, chunk: bytes) -> None:
        assert self._file is not None
        self._file.write(chunk)
        self._part_bytes += len(chunk)
        self.bytes += len(chunk)

    def _remove_stale_parts(self) -> None:
        """Delete what an earlier export of the same name left that this one did not write.

        Numbered ``stem-NNNNN.suffix`` files past this export's last part (all of them when it
        does not rotate), and the plain file when it rotates: a folder never mixes two exports.
        """
        first_stale = len(self.files) if self.max_bytes is not None else 0
        for index, part in numbered_parts(self.path):
            if index >= first_stale:
                part.unlink()
        if self.max_bytes is not None and self.path.is_file():
            self.path.unlink()
