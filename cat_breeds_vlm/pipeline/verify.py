"""Verify: read, hash and measure every candidate image once, in parallel, remembering the
measurements between builds.

Each file is read once; its SHA-256 (the planner finds byte-identical photos with it) and its
measurements (:mod:`cat_breeds_vlm.pipeline.measure`: format, size, strict-decode outcome, pixel
spread, thumbnail) come from those bytes and one decode. Whether a file is kept is decided
later, from the measurements, by the quality gate (:func:`cat_breeds_vlm.pipeline.measure.judge`).

Every photo's bytes are read with :func:`read_whole`, here and again when the shards are written
(which check them against the hash found here).

Measurements are cached in an SQLite file in the Hugging Face assets cache
(``$HF_HOME/assets/cat_breeds_vlm/default/verify/verify-v3.sqlite``), keyed on absolute path,
size and mtime, so a rebuild of an unchanged tree, into any folder and with any settings
(gate thresholds included), decodes nothing again.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from tqdm.auto import tqdm

from ..workers import parallel_map
from .measure import BOMB_ERRORS, Measurements, bomb_guard, measure
from .scan import Candidate

#: Bump when what a cached record means changes, so old records are never trusted.
#: v2: measurements (strict JPEG decode, size, spread, thumbnail) instead of a verdict.
#: v3: thumbnails of the picture only, without the padding of a scaled decode.
CACHE_SCHEMA = "v3"
__all__ = ["BOMB_ERRORS", "Verdict", "VerdictCache", "bomb_guard", "verify_all", "verify_bytes", "verify_file"]
#: Files handed to a worker at a time (and the progress bar's step). Each chunk's records come
#: back as one message the parent must unpickle; fewer, larger messages cost the parent less
#: (``benchmarks/RESULTS.md``: chunk sizes).
_CHUNK = 1024
#: Verdicts stored at a time (a multiple of _CHUNK), so an interrupted build keeps what it measured.
_STORE_EVERY = 5 * _CHUNK
_COLUMNS = "path, size, mtime_ns, sha256, format, error, width, height, corrupt, spread, thumb"


class Verdict(NamedTuple):
    """What verifying one file found: its content hash and its measurements (a named tuple, as
    :class:`~cat_breeds_vlm.pipeline.measure.Measurements` is: one is made per photo)."""

    sha256: str
    measured: Measurements

    @property
    def error(self) -> str | None:
        """Why the file is unusable whatever the settings (None when it decoded)."""
        return self.measured.error

    @property
    def ok(self) -> bool:
        """True when the file decoded (the quality gate may still skip it)."""
        return self.error is None


def read_whole(path: str, size: int | None = None) -> bytes:
    """A file's bytes, read whole in as few system calls as the file allows.

    ``size`` is what a stat said of the file, if known (else one ``fstat`` asks). Read to the
    end whatever it says, so a file that grew is read whole. A build reads every photo (twice:
    to verify it, to write it), and ``open().read()`` spent 3 us more a photo on its file object.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        first = os.read(fd, (os.fstat(fd).st_size if size is None else size) + 1)
        rest = []
        while chunk := os.read(fd, 1 << 20):
            rest.append(chunk)
        return first + b"".join(rest) if rest else first
    finally:
        os.close(fd)


def verify_bytes(data: bytes) -> Verdict:
    """Hash and measure one file's bytes."""
    return Verdict(hashlib.sha256(data).hexdigest(), measure(data))


def verify_file(path: Path | str) -> Verdict:
    """Read one file once, hash it and measure it."""
    return verify_bytes(read_whole(str(path)))


def _verify_to_record(path: str) -> tuple:
    """:func:`verify_file` in a worker, as a flat tuple ``(sha256, *measurements)``, as the
    cache stores it: a flat tuple crosses the process boundary faster."""
    sha256, measured = verify_file(path)
    return (sha256, *measured)


def default_cache_path() -> Path:
    """Where measurements are kept: the Hugging Face assets cache of this library, never beside the data."""
    from huggingface_hub import cached_assets_path

    return cached_assets_path(library_name="cat_breeds_vlm", subfolder="verify") / f"verify-{CACHE_SCHEMA}.sqlite"


class VerdictCache:
    """An SQLite map from (absolute path, size, mtime_ns) to a :class:`Verdict`; ``with`` it
    (or :meth:`close` it) to close the database."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_cache_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS verdicts (path TEXT PRIMARY KEY, size INTEGER,"
            " mtime_ns INTEGER, sha256 TEXT, format TEXT, error TEXT, width INTEGER,"
            " height INTEGER, corrupt TEXT, spread REAL, thumb BLOB)"
        )

    def lookup(self, candidates: list[Candidate]) -> dict[str, Verdict]:
        """The cached verdicts of those candidates whose size and mtime are unchanged."""
        known = self.entries()
        found = ((c.source, _cached_verdict(known.get(c.file), c)) for c in candidates)
        return {source: verdict for source, verdict in found if verdict is not None}

    def entries(self, under: Path | None = None) -> dict[str, tuple]:
        """Every cached record, by absolute path: ``(size, mtime_ns, sha256, *measurements)``;
        only those of files below ``under`` (a folder), when given."""
        query, bounds = f"SELECT {_COLUMNS} FROM verdicts", ()
        if under is not None:
            prefix = os.path.join(str(under), "")  # every path below starts so; the next one does not
            query, bounds = query + " WHERE path >= ? AND path < ?", (prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1))
        return {row[0]: row[1:] for row in self._db.execute(query, bounds)}

    def store_records(self, pairs: Iterable[tuple[Candidate, tuple]]) -> None:
        """Remember verdicts given as flat records ``(sha256, *measurements)``."""
        self._db.executemany(
            f"INSERT OR REPLACE INTO verdicts ({_COLUMNS}) VALUES ({', '.join('?' * 11)})",
            [(c.file, c.size, c.mtime_ns, *record) for c, record in pairs],
        )
        self._db.commit()

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> VerdictCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _cached_verdict(entry: tuple | None, cand: Candidate) -> Verdict | None:
    """The verdict of a cache entry (see :meth:`VerdictCache.entries`), if it was measured at
    the candidate's present size and mtime; else None (the file must be decoded)."""
    if entry is None or entry[0] != cand.size or entry[1] != cand.mtime_ns:
        return None
    return Verdict(entry[2], Measurements(*entry[3:]))


def verify_all(
    candidates: Iterable[Candidate],
    *,
    num_proc: int = 1,
    cache: VerdictCache | None = None,
    progress: bool = True,
    under: Path | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> dict[str, Verdict]:
    """Verdicts for every candidate (keyed by source), decoding only those the cache lacks.

    ``candidates`` may be a walk still going on (:meth:`~cat_breeds_vlm.pipeline.scan.Walk.candidates`):
    files go to the workers as they are found. ``under`` is the folder they all lie in, if
    known: only its cached verdicts are read. ``meanwhile`` is other work of this process,
    done once while the workers verify (when the first chunk is back, with two windows of
    files queued), or at the end if there are fewer files than that. Without a ``cache``, the
    default one (:func:`default_cache_path`) is opened and closed.
    """
    if cache is None:
        with VerdictCache() as cache:
            return verify_all(
                candidates, num_proc=num_proc, cache=cache, progress=progress, under=under, meanwhile=meanwhile
            )
    known = cache.entries(under)
    verdicts: dict[str, Verdict] = {}
    todo: list[Candidate] = []
    bar = tqdm(desc="Verify images", unit="img", delay=1, disable=None if progress else True)

    def files_to_decode() -> Iterator[str]:
        for cand in candidates:
            cached = _cached_verdict(known.get(cand.file), cand)
            if cached is not None:
                verdicts[cand.source] = cached
            else:
                todo.append(cand)
                yield cand.file
        bar.total = len(todo)  # the walk is over: now the bar can show how far it is
        bar.refresh()

    fresh: list[tuple[Candidate, tuple]] = []
    try:
        with bar:
            records = parallel_map(_verify_to_record, files_to_decode(), num_proc, chunksize=_CHUNK)
            # Kept light: this process shares the cores with the workers. todo[i] is known by
            # the time record i comes back: the map reads its input ahead of its results.
            for record in records:
                cand = todo[len(fresh)]
                fresh.append((cand, record))
                verdicts[cand.source] = Verdict(record[0], Measurements(*record[1:]))
                if len(fresh) % _CHUNK == 0:
                    bar.update(_CHUNK)
                    if meanwhile is not None:
                        meanwhile()
                        meanwhile = None
                    if len(fresh) % _STORE_EVERY == 0:
                        cache.store_records(fresh[-_STORE_EVERY:])
            bar.update(len(fresh) - bar.n)
        if meanwhile is not None:
            meanwhile()
    finally:  # even when interrupted (Ctrl-C, a file gone): what was measured is kept
        cache.store_records(fresh[len(fresh) - len(fresh) % _STORE_EVERY :])
    return verdicts
