"""Write a file so that readers see the old version or the new one, never a half-written file.

The data goes to a temporary file in the same folder (same file system), which then replaces
the target with :func:`os.replace`, an atomic rename. On any error the temporary file is removed
and the target is left as it was.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary sibling of ``path`` for writing; rename it onto ``path`` on success.

    ``mode`` is ``"w"`` (text, UTF-8, ``\\n`` line ends) or ``"wb"`` (bytes).
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_output mode must be 'w' or 'wb', not {mode!r}")
    target = Path(path)
    # A fresh name opened with "x": the file gets the usual permissions (umask), unlike mkstemp's 0600.
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        if mode == "wb":
            stream: IO[Any] = open(tmp, "xb")
        else:
            stream = open(tmp, "x", encoding="utf-8", newline="\n")
        with stream:
            yield stream
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_output(path, "wb") as stream:
        stream.write(data)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` as UTF-8 with ``\\n`` line ends, atomically."""
    with atomic_output(path, "w") as stream:
        stream.write(text)
