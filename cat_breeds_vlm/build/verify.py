"""Verify: decode every candidate image fully, in parallel, remembering results between builds.

A file passes when Pillow identifies it as JPEG, PNG or WebP and decodes every byte of it (a
truncated JPEG fails; JPEGs decode in draft mode, which still reads the whole entropy-coded
stream but skips most of the inverse DCT). Each result also carries the file's SHA-256, which
the planner uses to find byte-identical photos.

Results are cached in an SQLite file in the Hugging Face assets cache
(``$HF_HOME/assets/cat_breeds_vlm/default/verify/verify-v1.sqlite``), keyed on absolute path, size and mtime, so a
rebuild of an unchanged tree, into any folder and with any settings, decodes nothing again.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import sqlite3
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from tqdm.auto import tqdm

from ..workers import parallel_map
from .scan import Candidate

#: Formats a vision-language pipeline can take as they are (what Pillow calls them).
ACCEPTED_FORMATS: frozenset[str] = frozenset({"JPEG", "PNG", "WEBP"})
#: Bump when what a cached verdict means changes, so old verdicts are never trusted.
CACHE_SCHEMA = "v1"


@dataclass(frozen=True)
class Verdict:
    """The outcome of verifying one file: its content hash, or the reason it is skipped."""

    sha256: str
    error: str | None  # None when the file is a good image

    @property
    def ok(self) -> bool:
        """True when the file decoded fully."""
        return self.error is None


#: What Pillow raises for a decompression bomb under :func:`bomb_guard`.
BOMB_ERRORS: tuple[type[Exception], ...] = (Image.DecompressionBombError, Image.DecompressionBombWarning)


@contextlib.contextmanager
def bomb_guard() -> Iterator[None]:
    """Refuse decompression bombs while opening images: one of :data:`BOMB_ERRORS` is raised.

    Pillow raises only over twice its pixel limit and merely warns between once and twice;
    here the warning is an error too, so a picture that big is never decoded. Every place
    that decodes photos (verification, the review page's thumbnails) goes through this.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def check_image_bytes(data: bytes) -> str | None:
    """Decode ``data`` fully; return None for a good image, else a short reason it is not one."""
    if not data:
        return "empty file"
    try:
        with bomb_guard():
            with Image.open(io.BytesIO(data)) as im:
                if im.format not in ACCEPTED_FORMATS:
                    return f"unsupported image format {im.format}"
                if im.format == "JPEG":
                    im.draft(im.mode, (max(1, im.width // 8), max(1, im.height // 8)))
                im.load()
    except BOMB_ERRORS as err:
        return f"decompression bomb: {err}"
    except Image.UnidentifiedImageError:
        return "not an image (unidentified content)"
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        return f"cannot decode: {err}"
    return None


def verify_file(path: Path | str) -> Verdict:
    """Read one file, hash it and decode it fully."""
    data = Path(path).read_bytes()
    return Verdict(hashlib.sha256(data).hexdigest(), check_image_bytes(data))


def default_cache_path() -> Path:
    """Where verdicts are kept: the Hugging Face assets cache of this library, never beside the data."""
    from huggingface_hub import cached_assets_path

    return cached_assets_path(library_name="cat_breeds_vlm", subfolder="verify") / f"verify-{CACHE_SCHEMA}.sqlite"


class VerdictCache:
    """An SQLite map from (absolute path, size, mtime_ns) to a :class:`Verdict`."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_cache_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS verdicts (path TEXT PRIMARY KEY, size INTEGER,"
            " mtime_ns INTEGER, sha256 TEXT, error TEXT)"
        )

    def lookup(self, candidates: list[Candidate]) -> dict[str, Verdict]:
        """The cached verdicts of those candidates whose size and mtime are unchanged."""
        found: dict[str, Verdict] = {}
        rows = self._db.execute("SELECT path, size, mtime_ns, sha256, error FROM verdicts")
        wanted = {str(c.path): c for c in candidates}
        for path, size, mtime_ns, sha256, error in rows:
            cand = wanted.get(path)
            if cand is not None and cand.size == size and cand.mtime_ns == mtime_ns:
                found[cand.source] = Verdict(sha256, error)
        return found

    def store(self, pairs: Iterable[tuple[Candidate, Verdict]]) -> None:
        """Remember verdicts (replacing any older one for the same path)."""
        self._db.executemany(
            "INSERT OR REPLACE INTO verdicts VALUES (?, ?, ?, ?, ?)",
            [(str(c.path), c.size, c.mtime_ns, v.sha256, v.error) for c, v in pairs],
        )
        self._db.commit()

    def close(self) -> None:
        """Close the database."""
        self._db.close()


def verify_all(
    candidates: list[Candidate],
    *,
    num_proc: int = 1,
    cache: VerdictCache | None = None,
    progress: bool = True,
) -> dict[str, Verdict]:
    """Verdicts for every candidate (keyed by source), decoding only those the cache lacks."""
    cache = cache if cache is not None else VerdictCache()
    verdicts = cache.lookup(candidates)
    todo = [c for c in candidates if c.source not in verdicts]
    fresh: list[tuple[Candidate, Verdict]] = []
    bar = tqdm(total=len(todo), desc="Verify images", unit="img", disable=None if progress and todo else True)
    with bar:
        for cand, verdict in zip(todo, parallel_map(verify_file, [c.path for c in todo], num_proc, chunksize=256), strict=True):
            fresh.append((cand, verdict))
            bar.update(1)
            if len(fresh) % 5000 == 0:
                cache.store(fresh[-5000:])
    cache.store(fresh[len(fresh) - len(fresh) % 5000 :])
    verdicts.update((c.source, v) for c, v in fresh)
    return verdicts

