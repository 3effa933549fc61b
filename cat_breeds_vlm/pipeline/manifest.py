"""The split manifest: every photo a build placed, and every photo of its earlier versions.

A build carries its split as ``split_manifest.parquet`` beside ``build.json``, outside
``data/``: the card's ``configs`` name only ``data/{split}-*.parquet``, so ``load_dataset`` never
reads it as a split. One row per file: its source, its content hash (SHA-256, hex), its split,
its unit (the key the split was dealt by: ``pet:{id}`` or a source) and its state:

- ``in``: in that split in this build;
- ``left out``: seen before, in that split, and left out of this build (it would have linked
  two splits); a later build still knows where it belongs;
- ``gone``: a photo of an earlier version that is not in the tree any more (a tombstone), so
  that a photo removed in one version and back in a later one returns to its first split.

Parquet (zstd), rows sorted by source then state, no timestamp: the same plan gives the same
bytes, and ``pandas.read_parquet`` reads it. Reading an earlier build needs only this file,
never a shard of images; builds made before the manifest existed are read from their shards'
``source`` column instead (no hashes then: photos are known by name only).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import NamedTuple

from ..errors import UserError
from ..features import PHOTO_SPLITS

MANIFEST_NAME = "split_manifest.parquet"
COLUMNS = ("source", "sha256", "split", "unit", "state")
IN, LEFT_OUT, GONE = "in", "left out", "gone"
STATES = (IN, LEFT_OUT, GONE)


class Entry(NamedTuple):
    """One file of the manifest (a named tuple: one is made per file, 100,000s of times)."""

    source: str
    sha256: str  # "" when not recorded (read from a build made before the manifest)
    split: str
    unit: str
    state: str = IN

    @property
    def breed(self) -> str:
        """The breed folder the file lies in (its label)."""
        return self.source.split("/", 1)[0]


def dump_manifest(entries: Iterable[Entry]) -> bytes:
    """The manifest file's bytes: one row per entry, sorted by source then state."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = list(zip(*sorted(entries, key=_order))) or [[] for _ in COLUMNS]
    table = pa.table({name: pa.array(values, pa.string()) for name, values in zip(COLUMNS, columns)})
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def _order(entry: Entry) -> tuple[str, int]:
    return entry.source, STATES.index(entry.state)


def fingerprint(data: bytes) -> str:
    """A short hash of a manifest's bytes: what a build names the split it kept by."""
    return hashlib.sha256(data).hexdigest()[:16]


def write_manifest(path: Path, entries: Iterable[Entry]) -> str:
    """Write the manifest to ``path``; returns its fingerprint."""
    data = dump_manifest(entries)
    Path(path).write_bytes(data)
    return fingerprint(data)


def parse_manifest(data: bytes, where: str) -> list[Entry]:
    """The entries of a manifest file's bytes; one clear line when it is not one of ours."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
    except (OSError, ValueError) as err:  # pyarrow's ArrowInvalid is a ValueError
        raise UserError(f"{where} is not a readable split manifest: {err}") from None
    if table.column_names != list(COLUMNS):
        raise UserError(f"{where} is not a split manifest: its columns are not {', '.join(COLUMNS)}")
    for name, known in (("split", PHOTO_SPLITS), ("state", STATES)):
        unknown = set(table.column(name).unique().to_pylist()) - set(known)
        if unknown:
            raise UserError(f"{where}: unknown {name} {sorted(map(str, unknown))[0]!r}")
    return list(map(Entry._make, zip(*(table.column(name).to_pylist() for name in COLUMNS))))


def read_manifest(path: Path) -> tuple[list[Entry], str]:
    """The entries of a manifest file and its fingerprint."""
    data = Path(path).read_bytes()
    return parse_manifest(data, str(path)), fingerprint(data)


def open_manifest(path: Path) -> tuple[Callable[[], list[Entry]], str]:
    """A manifest file read and checked (its columns) now, its entries parsed later: the reader
    of its entries, and its fingerprint."""
    import pyarrow.parquet as pq

    data = Path(path).read_bytes()
    try:
        columns = pq.read_schema(io.BytesIO(data)).names
    except (OSError, ValueError) as err:  # pyarrow's ArrowInvalid is a ValueError
        raise UserError(f"{path} is not a readable split manifest: {err}") from None
    if columns != list(COLUMNS):
        raise UserError(f"{path} is not a split manifest: its columns are not {', '.join(COLUMNS)}")
    return partial(parse_manifest, data, str(path)), fingerprint(data)


def entries_from_shards(folder: Path, splits: Iterable[str]) -> list[Entry]:
    """The photos of a build made before the manifest existed, from its shards' ``source`` column.

    Only that column is read (no image bytes); photos are known by name, without a hash, and
    each is its own unit.
    """
    import pyarrow.parquet as pq

    entries: dict[str, Entry] = {}
    for split in splits:
        if split not in PHOTO_SPLITS:
            continue
        for shard in sorted((Path(folder) / "data").glob(f"{split}-*.parquet")):
            try:
                sources = pq.read_table(shard, columns=["source"]).column("source").to_pylist()
            except (OSError, ValueError, KeyError) as err:
                raise UserError(f"cannot read the split of {shard}: {err}") from None
            entries.update((s, Entry(s, "", split, s)) for s in sources)
    return list(entries.values())
