"""Spool: the bytes verification read and hashed, kept for the shard writer.

Verification reads every photo and hashes it; the writer then embeds the photo in a shard.
Reading and hashing every photo a second time (to be sure the bytes written are the bytes
verified) cost a full-scale build about a second of its two cores. Instead, each verifying
process appends the bytes it hashed to a spool file of its own in the build's staging folder,
and the writer reads them back from there: they are the verified bytes by construction, and
a photo changed after verification is written as it was verified.

The spool takes about as much temporary disk as the photos, beside the output, until the
shards are written; it is removed before the build is put in place. Photos whose verdicts
come from the cache were not read by this build: the writer reads and re-hashes those.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple


class Kept(NamedTuple):
    """Where verification kept a photo's bytes: spool file name, offset and length."""

    name: str
    offset: int
    size: int


# This process's spool files and how much each holds: {folder: (name, fd, size)}, and whose
# they are (a forked worker inherits its parent's, and must open its own).
_mine: dict[str, tuple[str, int, int]] = {}
_owner = os.getpid()


def keep(folder: str, data: bytes) -> Kept:
    """Append ``data`` to this process's spool file in ``folder``; where it now lies.

    Written unbuffered, straight to the file: a worker may be stopped at any moment, and
    what it reported kept must be there.
    """
    global _owner
    if _owner != os.getpid():  # inherited: not ours to write to or close
        _mine.clear()
        _owner = os.getpid()
    name, fd, size = _mine.get(folder) or _open(folder)
    written = 0
    while written < len(data):
        written += os.write(fd, memoryview(data)[written:])
    _mine[folder] = (name, fd, size + len(data))
    return Kept(name, size, len(data))


def _open(folder: str) -> tuple[str, int, int]:
    """Create this process's spool file in ``folder`` (a forked worker gets a file of its own)."""
    name = f"spool-{os.getpid()}"
    fd = os.open(os.path.join(folder, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return name, fd, 0


def close_mine() -> None:
    """Close this process's spool files (the files stay, for the writer)."""
    if _owner == os.getpid():
        for _, fd, _ in _mine.values():
            os.close(fd)
    _mine.clear()


class SpoolReader:
    """Reads kept bytes back, each spool file opened once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._fds: dict[str, int] = {}

    def read(self, kept: Kept) -> bytes:
        """The bytes kept there."""
        fd = self._fds.get(kept.name)
        if fd is None:
            fd = self._fds[kept.name] = os.open(self.folder / kept.name, os.O_RDONLY)
        data = os.pread(fd, kept.size, kept.offset)
        if len(data) != kept.size:
            raise OSError(f"spool file {kept.name} is shorter than expected")
        return data

    def close(self) -> None:
        """Close every spool file opened."""
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()
