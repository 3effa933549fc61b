"""Measure one image file from one decode: what it really is, whether it is intact, its size,
its pixel spread and a small thumbnail.

These are *measurements*, not verdicts: the thresholds that turn them into "keep" or "skip"
live in :func:`judge` (the quality gate, at the end of this module), so a changed threshold needs no new decode.

- The format is sniffed from the first bytes, whatever the file name says.
- JPEGs are decoded by libjpeg-turbo (through ``simplejpeg``) at its smallest scale that keeps
  both sides at least :data:`DECODE_MIN_SIDE` pixels (DCT scaling: most of the inverse DCT is
  skipped, but the whole entropy-coded stream is read), in strict mode, where libjpeg's
  "Corrupt JPEG data" warnings become errors. Pillow recovers from those silently and stores a
  half-garbage picture. Not every warning means a broken picture: see :func:`jpeg_warning_kind`.
- PNG and WebP are decoded fully by Pillow, as before; a 16-bit image is scaled to 8 bits
  first (Pillow's ``convert`` would clip it, making a dark photo look blank).
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import simplejpeg
from PIL import Image

from ..report.record import SkipKind, SkipReason

if TYPE_CHECKING:  # a type only: measuring needs no settings
    from .settings import GateSettings

#: Formats a vision-language pipeline can take as they are (what Pillow calls them).
ACCEPTED_FORMATS: frozenset[str] = frozenset({"JPEG", "PNG", "WEBP"})
#: Still-image formats that are skipped, but that a user keeps by converting them.
CONVERTIBLE_FORMATS: tuple[str, ...] = ("GIF", "BMP", "TIFF", "AVIF", "HEIC")
#: The decode scale: the smallest JPEG scale (1/8 at most) with both sides at least this long;
#: 1/8 of a ~300 px photo is ~38 x 28, plenty for the spread and a 16 x 16 thumbnail.
DECODE_MIN_SIDE = 16
#: Side of the RGB thumbnail kept for near-duplicate search (3 x 16 x 16 = 768 bytes).
THUMB_SIDE = 16

# HEIF's ftyp brands (ISO/IEC 23008-12): HEIC proper, and the generic image brands.
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")
_AVIF_BRANDS = (b"avif", b"avis")


class Measurements(NamedTuple):
    """What one decode of one file found; ``error`` set means it is unusable whatever the settings.

    A named tuple, not a dataclass: a build makes one per photo (126,607 in a full-scale
    tree), in the main process that the verifying workers share the cores with.
    """

    format: str | None  # JPEG, PNG, WEBP, GIF, ... as sniffed (None: not an image we know)
    error: str | None = None  # empty, not an image, truncated, a bomb, another format
    width: int = 0
    height: int = 0
    corrupt: str | None = None  # the libjpeg warning that means damaged picture data
    spread: float = 0.0  # largest standard deviation of one colour channel, 0-255 scale
    thumb: bytes = b""  # THUMB_SIDE x THUMB_SIDE RGB pixels, row-major


#: What Pillow raises for a decompression bomb under :func:`bomb_guard`.
BOMB_ERRORS: tuple[type[Exception], ...] = (Image.DecompressionBombError, Image.DecompressionBombWarning)


@contextlib.contextmanager
def bomb_guard() -> Iterator[None]:
    """Refuse decompression bombs while opening images: one of :data:`BOMB_ERRORS` is raised.

    Pillow raises only over twice its pixel limit and merely warns between once and twice;
    here the warning is an error too, so a picture that big is never decoded. Every place
    that decodes photos (verification, the review page's thumbnails) goes through this; the
    libjpeg-turbo path checks the same limit from the JPEG header.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def sniff_format(data: bytes) -> str | None:
    """The image format the bytes begin with (``"JPEG"``, ``"PNG"``, ``"GIF"``, ...) or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data[:2] == b"BM":
        return "BMP"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in _AVIF_BRANDS:
            return "AVIF"
        if brand in _HEIF_BRANDS:
            return "HEIC"
    return None


def convert_hint(image_format: str) -> str:
    """The skip reason of a still image in a format we do not take."""
    return _error(SkipKind.CONVERTIBLE, "convert it to JPEG or PNG to keep it", image_format)


def _error(kind: SkipKind, detail: str = "", image_format: str = "") -> str:
    """The text of :attr:`Measurements.error` (the verification cache keeps it as text)."""
    return SkipReason(kind, detail, image_format).text


# libjpeg's recoverable warnings (jerror.h, JWRN_*) that say the picture data itself is damaged.
_DAMAGE = re.compile(
    r"^(Corrupt JPEG data: (?!bad ICC marker)(?!\d+ extraneous bytes before marker 0xd9)"
    r"|Inconsistent progression sequence)"
)
# ... and the warnings that leave the picture intact: bytes after the last scan (common in
# photos from cameras and editors), an odd ICC chunk, unknown JFIF or Adobe header fields.
_HARMLESS = re.compile(
    r"^(Corrupt JPEG data: (bad ICC marker|\d+ extraneous bytes before marker 0xd9)"
    r"|Warning: unknown JFIF revision|Unknown Adobe color transform code"
    r"|Invalid SOS parameters for sequential JPEG|Application transferred too many scanlines)"
)


def jpeg_warning_kind(message: str) -> str | None:
    """``"truncated"``, ``"damage"`` or ``"harmless"`` for a libjpeg warning; None for any other error."""
    if message.startswith("Premature end of JPEG file"):
        return "truncated"
    if _DAMAGE.match(message):
        return "damage"
    if _HARMLESS.match(message):
        return "harmless"
    return None


def measure(data: bytes) -> Measurements:
    """Sniff, decode (once; see the module notes) and measure one file's bytes."""
    if not data:
        return Measurements(None, _error(SkipKind.EMPTY))
    sniffed = sniff_format(data)
    if sniffed in CONVERTIBLE_FORMATS:
        return Measurements(sniffed, convert_hint(sniffed))
    if sniffed == "JPEG":
        found = _measure_jpeg(data)
        if found is not None:
            return found
    return _measure_with_pillow(data)


def _measure_jpeg(data: bytes) -> Measurements | None:
    """Strict libjpeg-turbo decode; None hands the file to Pillow (a JPEG libjpeg-turbo refuses)."""
    options = {"colorspace": "RGB", "min_width": DECODE_MIN_SIDE, "min_height": DECODE_MIN_SIDE}
    corrupt = None
    try:
        height, width, _, _ = simplejpeg.decode_jpeg_header(data)
        if width * height > (Image.MAX_IMAGE_PIXELS or float("inf")):
            return Measurements("JPEG", _error(SkipKind.BOMB, f"{width}x{height} pixels"))
        pixels = simplejpeg.decode_jpeg(data, strict=True, **options)
    except ValueError as err:
        kind = jpeg_warning_kind(str(err))
        if kind is None:
            return None
        if kind == "truncated":
            return Measurements("JPEG", _error(SkipKind.UNDECODABLE, "truncated JPEG (premature end of file)"))
        corrupt = str(err) if kind == "damage" else None
        # The strict decode stopped at the warning: decode again, tolerantly, for the measures.
        # Only files with a warning pay this, and it is the same read bytes.
        try:
            pixels = simplejpeg.decode_jpeg(data, strict=False, **options)
        except ValueError:
            return None
    return _measured("JPEG", width, height, pixels, corrupt)


def _measure_with_pillow(data: bytes) -> Measurements:
    """Identify and decode fully with Pillow: PNG, WebP, and JPEGs libjpeg-turbo refused."""
    try:
        with bomb_guard():
            with Image.open(io.BytesIO(data)) as im:
                if im.format not in ACCEPTED_FORMATS:
                    return Measurements(im.format, _error(SkipKind.UNSUPPORTED, image_format=im.format))
                width, height = im.size  # before draft, which shrinks ``im.size``
                if im.format == "JPEG":
                    im.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                im.load()
                return _measured(im.format, width, height, _rgb_pixels(im), None)
    except BOMB_ERRORS as err:
        return Measurements(None, _error(SkipKind.BOMB, str(err)))
    except Image.UnidentifiedImageError:
        return Measurements(None, _error(SkipKind.NOT_AN_IMAGE))
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        return Measurements(None, _error(SkipKind.UNDECODABLE, str(err)))


def _rgb_pixels(im: Image.Image) -> np.ndarray:
    """The image as 8-bit RGB at about the JPEG decode scale; 16-bit and float scaled, not clipped."""
    factor = 8
    while factor > 1 and min(im.size) // factor < DECODE_MIN_SIDE:
        factor //= 2
    if im.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        wide = np.asarray(im, dtype=np.float32)
        top = 1.0 if im.mode == "F" and wide.max() <= 1.0 else 255.0 if im.mode == "F" else 65535.0
        gray = np.clip(wide * (255.0 / top), 0, 255).astype(np.uint8)
        im = Image.fromarray(gray, "L")
    rgb = im.convert("RGB")
    if factor > 1:
        rgb = rgb.reduce(factor)
    return np.asarray(rgb)


def _measured(image_format: str, width: int, height: int, pixels: np.ndarray, corrupt: str | None) -> Measurements:
    """The measurements of decoded RGB pixels (height x width x 3, uint8)."""
    return Measurements(
        image_format,
        None,
        int(width),
        int(height),
        corrupt,
        round(_spread(pixels), 3),
        _thumbnail(pixels, width, height),
    )


#: Pixels up to which n * sum(x^2) fits in 64 bits (2^20 * 2^20 * 2^16 = 2^56).
_EXACT_SUMS_UP_TO = 1 << 20


def _spread(pixels: np.ndarray) -> float:
    """The largest standard deviation of one colour channel of RGB pixels (0 when there are none).

    From exact integer sums (n * sum(x^2) - sum(x)^2 = n^2 * variance): the same figure as
    ``numpy.std`` to 1e-12, in two thirds of its time on a draft decode's ~1,000 pixels.
    """
    flat = pixels.reshape(-1, 3)
    count = len(flat)
    if not count:
        return 0.0
    if count > _EXACT_SUMS_UP_TO:  # n * sum(x^2) would overflow 64 bits
        return float(flat.std(axis=0).max())
    sums = flat.sum(axis=0, dtype=np.int64)
    squares = np.einsum("ij,ij->j", flat, flat, dtype=np.int64)
    return float(np.sqrt((count * squares - sums * sums).max())) / count


def _thumbnail(pixels: np.ndarray, width: int, height: int) -> bytes:
    """The THUMB_SIDE x THUMB_SIDE bilinear thumbnail of RGB pixels decoded from a ``width`` x
    ``height`` image, as bytes (row-major RGB): of the picture only (see :func:`content_box`)."""
    rows, columns = pixels.shape[:2]
    image = Image.frombuffer("RGB", (columns, rows), np.ascontiguousarray(pixels), "raw", "RGB", 0, 1)
    box = content_box(width, height, columns, rows)
    return image.resize((THUMB_SIDE, THUMB_SIDE), Image.BILINEAR, box=box).tobytes()


def content_box(width: int, height: int, columns: int, rows: int) -> tuple[float, float, float, float] | None:
    """The part of a ``columns`` x ``rows`` decode of a ``width`` x ``height`` image that holds
    the picture, as a box for ``Image.resize``; None when it is all of it.

    A decode at 1/k of the size rounds each side up: 210 pixels at 1/8 decode to 27, of which
    the last holds 2 pixels of picture and 6 of padding. Thumbnailing all 27 would stretch the
    picture by 3 % along that side, unlike a copy of another size: without the stretch, the
    resized copies we planted came six times closer to their originals in the near-duplicate
    index (90th percentile; ``benchmarks/RESULTS.md``).
    """
    for scale in (1, 2, 4, 8):
        if -(-width // scale) == columns and -(-height // scale) == rows:
            box = (0.0, 0.0, width / scale, height / scale)
            return None if box[2:] == (columns, rows) else box
    return None


def judge(found: Measurements, gate: GateSettings) -> SkipReason | None:
    """None when the file is a usable photo under ``gate``, else why it is skipped."""
    if found.error is not None:
        return SkipReason.parse(found.error)
    if gate.strict_jpeg and found.corrupt:
        return SkipReason(SkipKind.CORRUPT_JPEG, found.corrupt.removeprefix("Corrupt JPEG data: "))
    short, long = sorted((found.width, found.height))
    size = f"{found.width}x{found.height} px"
    if gate.min_side and short < gate.min_side:
        return SkipReason(SkipKind.TOO_SMALL, f"{size} (minimum side {gate.min_side} px)")
    if gate.max_aspect and long > gate.max_aspect * short:
        ratio = f"{long / max(short, 1):.1f}:1, limit {gate.max_aspect:g}:1"
        return SkipReason(SkipKind.EXTREME_ASPECT, f"{size} ({ratio})")
    if gate.min_spread and found.spread < gate.min_spread:
        return SkipReason(SkipKind.NEAR_BLANK, f"pixel spread {found.spread:.2f} (minimum {gate.min_spread:g})")
    return None
