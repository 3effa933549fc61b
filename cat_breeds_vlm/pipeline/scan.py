"""Scan: find every candidate image below the image folder, in one sorted walk.

A breed is a top-level folder of the image folder; every accepted file below it, at any depth,
is that breed's. A photo directly in the image folder has no breed: it is listed
(:attr:`ScanResult.top_level`), never a candidate. Hidden files and folders are passed over;
files with the extension of another still-image format (GIF, BMP, TIFF, AVIF, HEIC) are
candidates too, so verification can say what they are; files with other extensions are listed
as ignored; a file whose name is not valid UTF-8 (Parquet strings must be) is skipped with that
reason, and so is a folder that cannot be read. Nothing here decodes an image: that is
:mod:`cat_breeds_vlm.pipeline.verify`, which a build hands each candidate to as the walk finds
it (:class:`Walk`).
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from ..errors import UserError
from ..report.record import SkipKind, SkippedFile, SkipReason

#: Extensions we accept, compared in lower case (".JPG" is a JPEG too).
IMAGE_EXTENSIONS: frozenset[str] = frozenset({".jpg", ".jpeg", ".png", ".webp"})
#: Still-image extensions we cannot take as they are. Their files are candidates all the same:
#: verification sniffs what they really hold and lists them as skipped, with a hint to convert
#: them (a user would rather hear of 300 HEIC photos than lose them silently).
CONVERTIBLE_EXTENSIONS: frozenset[str] = frozenset({".gif", ".bmp", ".tif", ".tiff", ".avif", ".heic", ".heif"})


@dataclass(frozen=True, slots=True)  # slots: made once per file, 100,000s of times
class Candidate:
    """One file that may be an image: where it is, whose it is, and its size and mtime."""

    source: str  # posix path relative to the image folder, e.g. "Abyssinian/123_1.jpg"
    breed: str
    file: str  # absolute path, as os.scandir gives it (a str: no Path made per file)
    size: int
    mtime_ns: int

    @property
    def path(self) -> Path:
        """The absolute path as a :class:`~pathlib.Path`."""
        return Path(self.file)

    @property
    def in_breed_folder(self) -> bool:
        """True when the file lies directly in its breed folder, not in a sub-folder of it."""
        return self.source.count("/") == 1


@dataclass(frozen=True)
class ScanResult:
    """What the walk found: the breeds (sorted), the candidates (sorted), the files passed over,
    and the image files directly in the image folder, in no breed folder (sorted names)."""

    breeds: list[str]
    candidates: list[Candidate]
    ignored: list[str]
    skipped: list[SkippedFile] = field(default_factory=list)
    top_level: list[str] = field(default_factory=list)


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def find_breeds(image_dir: Path) -> list[str]:
    """The sorted breed folder names directly below ``image_dir``; a clear error when there are none."""
    image_dir = Path(image_dir)
    if not image_dir.exists():
        raise UserError(f"image folder not found: {image_dir}")
    if not image_dir.is_dir():
        raise UserError(f"not a folder: {image_dir}")
    try:
        breeds = sorted(entry.name for entry in os.scandir(image_dir) if entry.is_dir() and not _is_hidden(entry.name))
    except PermissionError:
        raise UserError(f"cannot read the image folder: {image_dir}") from None
    if not breeds:
        raise UserError(f"no breed folders in {image_dir}: expected {image_dir}/<breed>/<photo>.jpg")
    return breeds


def _walk_sorted(folder: str, unreadable: list[tuple[str, OSError]]) -> Iterator[os.DirEntry]:
    """Every non-hidden file below ``folder``, depth first, each directory's entries sorted by name.

    A folder that cannot be listed is added to ``unreadable`` (to be reported, never passed
    over in silence) and the walk goes on. Entries, not Paths: a Path per file cost more than
    the walk itself on a tree of 100,000 photos.
    """
    try:
        entries = sorted(os.scandir(folder), key=_entry_name)
    except OSError as err:
        unreadable.append((folder, err))
        return
    for entry in entries:
        if _is_hidden(entry.name):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _walk_sorted(entry.path, unreadable)
        elif entry.is_file():
            yield entry


def _entry_name(entry: os.DirEntry) -> str:
    return entry.name


def _suffix(name: str) -> str:
    """The extension of a file name in lower case, as ``Path.suffix`` reads it ("" for none)."""
    dot = name.rfind(".")
    return name[dot:].lower() if 0 < dot < len(name) - 1 else ""


#: Every extension that makes a file a candidate.
CANDIDATE_EXTENSIONS: frozenset[str] = IMAGE_EXTENSIONS | CONVERTIBLE_EXTENSIONS


def scan(image_dir: Path, *, progress: bool = False) -> ScanResult:
    """Walk the image folder once, in sorted order, and list the candidate images of every breed."""
    walk = Walk(image_dir, progress=progress)
    for _ in walk.candidates():
        pass
    return walk.result()


class Walk:
    """One sorted walk of the image folder, read as it goes: verification starts on the first
    photos found while the walk goes on (:meth:`candidates`), and :meth:`result` is what
    :func:`scan` returns. The image folder itself is checked at once (:func:`find_breeds`)."""

    def __init__(self, image_dir: Path, *, progress: bool = False) -> None:
        found = find_breeds(Path(image_dir))  # its errors name the folder as it was given
        self.image_dir = Path(image_dir).resolve()
        self.breeds = [b for b in found if _printable(b) == b]
        self.progress = progress
        self.found: list[Candidate] = []
        self.ignored: list[str] = []
        self.skipped = [
            SkippedFile(f"{_printable(b)}/", SkipReason(SkipKind.FOLDER_NAME)) for b in found if b not in self.breeds
        ]
        self.top_level = top_level_images(self.image_dir)
        self._done = False

    def candidates(self) -> Iterator[Candidate]:
        """Every candidate, in order, as the walk finds it; at the end, the walk's errors.

        Candidates are held back until one lies directly in a breed folder, so a folder one
        level too high (:func:`_check_level`) is refused before any photo of it is verified.
        """
        held: list[Candidate] | None = []
        for cand in self._walk():
            self.found.append(cand)
            if held is None:
                yield cand
            elif cand.in_breed_folder:
                yield from held
                yield cand
                held = None
            else:
                held.append(cand)
        if not self.found:
            raise UserError(f"no images (.jpg .jpeg .png .webp) below {self.image_dir}")
        _check_level(self.image_dir, self.found)
        self._done = True

    def result(self) -> ScanResult:
        """What the walk found (once :meth:`candidates` has been read to the end)."""
        if not self._done:
            raise RuntimeError("the walk has not been read to its end")
        return ScanResult(self.breeds, self.found, self.ignored, self.skipped, self.top_level)

    def _walk(self) -> Iterator[Candidate]:
        """The candidates of every breed folder; ignored and skipped files noted on the way."""
        unreadable: list[tuple[str, OSError]] = []
        root = os.path.join(str(self.image_dir), "")  # ends with the separator: cut it off each path
        cut = len(root)
        for breed in tqdm(self.breeds, desc="Scan folders", unit="breed", disable=None if self.progress else True):
            for entry in _walk_sorted(root + breed, unreadable):
                file = entry.path
                source = file[cut:]
                if _suffix(entry.name) not in CANDIDATE_EXTENSIONS:
                    self.ignored.append(_printable(source))
                    continue
                if not source.isascii() and _printable(source) != source:  # ASCII is always valid UTF-8
                    self.skipped.append(SkippedFile(_printable(source), SkipReason(SkipKind.FILE_NAME)))
                    continue
                stat = entry.stat()  # follows a symlink, as is_file() did
                yield Candidate(source, breed, file, stat.st_size, stat.st_mtime_ns)
        for folder, err in unreadable:
            where = _printable(folder[cut:]) + "/"
            reason = SkipReason(SkipKind.UNREADABLE_FOLDER, str(err.strerror or err))
            self.skipped.append(SkippedFile(where, reason))


def top_level_images(image_dir: Path) -> list[str]:
    """The sorted names of the image files directly in ``image_dir``: in no breed folder, so
    with no label (listed in the report, never taken)."""
    try:
        entries = list(os.scandir(image_dir))
    except OSError:  # find_breeds has read it: only a race ends here
        return []
    names = [
        e.name for e in entries if not _is_hidden(e.name) and e.is_file() and _suffix(e.name) in CANDIDATE_EXTENSIONS
    ]
    return sorted(_printable(name) for name in names)


def _check_level(image_dir: Path, candidates: list[Candidate]) -> None:
    """Refuse a folder one level too high: no photo lies directly in any of its folders.

    Scrapes nest a few photos deeper, but when every photo is two folders down or more, the
    folders found are not breeds (``data`` instead of ``data/images``, or an export's folder).
    """
    if any(c.in_breed_folder for c in candidates):
        return
    folders = Counter(c.source.split("/", 1)[0] for c in candidates)
    top = max(sorted(folders), key=folders.__getitem__)  # the one holding most photos
    raise UserError(
        f"no photo lies directly in a folder of {image_dir} (e.g. {candidates[0].source}): its"
        f" sub-folders must be the breeds; did you mean {image_dir / top}?"
    )


def _printable(source: str) -> str:
    """The name with any undecodable bytes (surrogate escapes) shown as ``\\xNN``."""
    return source.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def tree_fingerprint(candidates: list[Candidate]) -> str:
    """A short hash of every candidate's path, size and mtime: changes when the tree changes."""
    digest = hashlib.sha256()
    for c in candidates:
        digest.update(f"{c.source}\0{c.size}\0{c.mtime_ns}\n".encode())
    return digest.hexdigest()[:16]
