"""Thumbnails: small JPEGs of the photos the review page shows, and photos read from disk.

Every picture is decoded under the build's decompression-bomb guard
(:func:`cat_breeds_vlm.pipeline.verify.bomb_guard`), shrunk while it decodes where the format allows
(JPEG draft mode), turned upright by its EXIF orientation, and saved again as a small baseline
JPEG, so the page stays small however big or odd the original is. Same bytes in, same
thumbnail out.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from PIL import Image, ImageOps
from tqdm.auto import tqdm

from ..export.images import shrink_while_decoding, to_8_bits
from ..pipeline.verify import BOMB_ERRORS, bomb_guard
from ..workers import parallel_map

#: The longer side of a thumbnail, in pixels: a grid of 12 fits a laptop screen's width.
THUMB_SIDE = 128
#: JPEG quality of thumbnails: about 3 KB a photo, plenty to tell a breed's look at that size.
THUMB_QUALITY = 70
#: Files bigger than this under ``--images`` are not read for a preview (a cat photo is ~15 KB).
MAX_FILE_BYTES = 64 * 1024 * 1024


class Thumbnail(NamedTuple):
    """A thumbnail's JPEG bytes and its size in pixels."""

    data: bytes
    width: int
    height: int


def make_thumbnail(data: bytes, side: int = THUMB_SIDE) -> Thumbnail:
    """A JPEG of at most ``side`` pixels a side; raises ``ValueError`` saying why it can't."""
    try:
        with bomb_guard(), Image.open(io.BytesIO(data)) as image:
            shrink_while_decoding(image, side)
            upright = ImageOps.exif_transpose(image)  # a loaded copy, turned as the camera meant
            small = upright if upright.mode == "RGB" else _rgb(upright)
        small.thumbnail((side, side))
    except BOMB_ERRORS as err:
        raise ValueError(f"decompression bomb: {err}") from None
    except Image.UnidentifiedImageError:  # its message names a memory address: not stable
        raise ValueError("no preview: not an image") from None
    except Exception as err:  # Pillow raises many types for junk or truncated bytes
        raise ValueError(f"no preview: {type(err).__name__}: {err}") from None
    out = io.BytesIO()
    small.save(out, "JPEG", quality=THUMB_QUALITY, optimize=True)
    return Thumbnail(out.getvalue(), *small.size)


def _rgb(image: Image.Image) -> Image.Image:
    """RGB of any mode: transparency over white, 16-bit grey scaled down rather than clipped."""
    if image.mode.startswith("I"):
        image = to_8_bits(image).convert("L")
    if image.mode in ("RGBA", "LA", "PA") or image.has_transparency_data:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def thumbnail_or_reason(data: bytes) -> Thumbnail | str:
    """:func:`make_thumbnail`, or the reason it failed as text (a worker must not raise)."""
    try:
        return make_thumbnail(data)
    except ValueError as err:
        return str(err)


def make_thumbnails(payloads: Sequence[bytes], *, num_proc: int = 1, progress: bool = True) -> list[Thumbnail | str]:
    """A thumbnail (or the reason there is none) for each payload, in order."""
    results = parallel_map(thumbnail_or_reason, payloads, num_proc, chunksize=32)
    bar = tqdm(results, total=len(payloads), desc="Thumbnails", unit="img", disable=None if progress else True)
    return list(bar)


def read_photo(image_dir: Path, source: str) -> bytes | str:
    """The bytes of ``source`` under ``image_dir``, or why it can't be read (as text).

    A source that would lead out of ``image_dir`` (``..``, an absolute path) is refused: the
    names come from a report, which may come from anywhere.
    """
    root = image_dir.resolve()
    path = (root / source).resolve()
    if not path.is_relative_to(root):
        return "outside the image folder"
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return f"too big to preview ({size:,} bytes)"
        return path.read_bytes()
    except FileNotFoundError:
        return "not found in the image folder"
    except OSError as err:
        return f"cannot read: {err.strerror or err}"
