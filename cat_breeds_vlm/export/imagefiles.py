"""Image files beside a LLaVA or TRL export: written once each, or pointing at the originals.

Records name images by a path relative to an *image folder* (LLaVA joins it to
``--image_folder``; for TRL it is the folder to load from). By default the image folder is the
folder of the exported file and each photo is written from the dataset's bytes as
``images/{source}``, i.e. ``images/{breed}/{file}``; when the name's suffix does not fit the
bytes (a WebP re-encoded as JPEG, a PNG named ``.jpg``) the right one is appended
(``x.webp.jpg``), so a suffix never lies and two names never collide.
Oversampled rows share their photo: a file already holding the same bytes is not written
again, so each distinct photo is written once (no set of names is kept for that). The files and
folders an export creates are remembered (one path each), and removed when it fails: no
partial output is left behind. A file that was there before with other bytes (an earlier
export with another ``max_side``) is set aside under a hidden name before it is replaced, put
back when the export fails and deleted once it succeeded: nothing is lost either way.

With ``link_source`` no image is written: records point at the original files, by their
``source`` path relative to that folder (the image folder the dataset was built from).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from ..atomic import write_bytes_atomic
from ..errors import UserError
from .images import EncodedImage, ImageError, decode_strict
from .source import COLUMNS, AnyDataset
from .stream import ExportSummary, check_positive, prepared_rows, run_export
from .writer import RecordWriter, dump_record

#: Where written images go, inside the image folder.
IMAGES_DIR = "images"


def safe_relative(path: object) -> PurePosixPath | None:
    """``path`` as a relative POSIX path that stays inside its folder, else None."""
    if not isinstance(path, str) or not path or "\\" in path:
        return None
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts:
        return None
    return pure


class ImageFiles:
    """Places each row's image in the image folder (or finds it under ``link_source``)."""

    def __init__(self, image_folder: Path, link_source: Path | None = None):
        """Write under ``image_folder``; with ``link_source``, write nothing and link there."""
        self.image_folder = Path(image_folder)
        self.link_source = Path(link_source) if link_source is not None else None
        if self.link_source is not None and not self.link_source.is_dir():
            raise UserError(f"--link-source is not a folder: {self.link_source}")
        #: Image files written so far (files already holding the same bytes are not counted).
        self.written = 0
        self._created_files: list[str] = []
        self._created_folders: list[Path] = []
        #: (file, its earlier version set aside) for each file this export replaced.
        self._replaced: dict[Path, Path] = {}

    def place(self, row_id: str, source: str, image: EncodedImage | None) -> str:
        """The path to put in the record, relative to the image folder (or link source)."""
        relative = safe_relative(source)
        if relative is None:
            raise UserError(f"row {row_id!r}: source {source!r} is not a relative path")
        if self.link_source is not None:
            if not (self.link_source / relative).is_file():
                raise UserError(
                    f"row {row_id!r}: {self.link_source / relative} does not exist "
                    "(--link-source must be the image folder the dataset was built from)"
                )
            return relative.as_posix()
        assert image is not None, "an image is needed unless linking to the sources"
        target = PurePosixPath(IMAGES_DIR) / relative.with_name(image.file_name(relative.name))
        self._write_once(self.image_folder / target, image.data)
        return target.as_posix()

    def _write_once(self, path: Path, data: bytes) -> None:
        """Write ``data`` to ``path`` atomically, unless the file already holds exactly it.

        A file there with other bytes is first set aside (see :meth:`roll_back`).
        """
        exists = path.is_file()
        if exists and path.stat().st_size == len(data) and path.read_bytes() == data:
            return
        if not path.parent.is_dir():
            self._created_folders += itertools.takewhile(lambda d: not d.exists(), path.parents)
            path.parent.mkdir(parents=True, exist_ok=True)
        if exists and path not in self._replaced:
            self._replaced[path] = path.with_name(f".{path.name}.{os.getpid()}.earlier")
            os.replace(path, self._replaced[path])
        write_bytes_atomic(path, data)
        if not exists:
            self._created_files.append(str(path))
        self.written += 1

    def commit(self) -> None:
        """The export succeeded: delete the earlier versions of the files it replaced."""
        for earlier in self._replaced.values():
            earlier.unlink(missing_ok=True)
        self._replaced.clear()

    def roll_back(self) -> None:
        """The export failed: put back the files it replaced, delete the files it created,
        then its folders left empty (deepest first)."""
        for path, earlier in self._replaced.items():
            os.replace(earlier, path)
        self._replaced.clear()
        for name in self._created_files:
            Path(name).unlink(missing_ok=True)
        for folder in sorted(self._created_folders, key=lambda d: len(d.parts), reverse=True):
            with contextlib.suppress(OSError):  # not empty: something else was put there
                folder.rmdir()


def export_with_image_files(
    dataset: AnyDataset,
    writer: RecordWriter,
    make_record: Callable[[dict[str, Any], str], Any],
    *,
    image_folder: str | Path | None = None,
    link_source: str | Path | None = None,
    several: bool = False,
    max_side: int | None = None,
    num_proc: int = 1,
    progress: bool = True,
) -> ExportSummary:
    """Export rows whose records name an image file: ``make_record(row, image_path)``, or with
    ``several`` a list of the row's records (TRL's: one per answer).

    Images go to ``image_folder`` (default: the folder of the writer's file), or with
    ``link_source`` none is written (see :class:`ImageFiles`). They are encoded in
    ``num_proc`` workers (none are read when linking); files are placed and records written
    in order by this process. When the export fails, the image files and folders it created
    are removed and the ones it replaced put back (:meth:`ImageFiles.roll_back`).
    """
    check_positive("max_side", max_side)
    folder = Path(image_folder) if image_folder else writer.path.parent
    files = ImageFiles(folder, Path(link_source) if link_source else None)
    linking = files.link_source is not None
    columns = tuple(c for c in COLUMNS if c != "image") if linking else COLUMNS

    def emit(row: dict[str, Any]) -> list[tuple[bytes]]:
        image_path = files.place(row["id"], row["source"], row.get("image"))
        made = make_record(row, image_path)
        return [(dump_record(record),) for record in (made if several else [made])]

    convert = functools.partial(prepared_rows, max_side=max_side)
    try:
        summary = run_export(dataset, writer, convert, emit, columns=columns, num_proc=num_proc, progress=progress)
    except BaseException:
        files.roll_back()
        raise
    files.commit()
    summary.images = files.written
    return summary


def image_file_problems(image_folder: Path, path: object) -> list[str]:
    """What is wrong with an image path of a record: escapes the folder, missing, undecodable."""
    relative = safe_relative(path)
    if relative is None:
        return [f"image path {path!r} must be a relative path inside the image folder"]
    full = Path(image_folder) / relative
    if not full.is_file():
        return [f"image {path!r} does not exist in {image_folder}"]
    try:
        decode_strict(full.read_bytes())
    except ImageError as err:
        return [f"image {path!r} does not decode: {err}"]
    return []
