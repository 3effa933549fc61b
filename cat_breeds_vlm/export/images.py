"""Image bytes for export: keep what every decoder takes, re-encode the rest, shrink on request.

Fireworks takes PNG or JPEG only, with a MIME type that matches the bytes; LLaVA and TRL read
anything Pillow opens, but a folder of plain JPEG/PNG serves every consumer. So one rule for
all exporters (:func:`encode_image`):

- A baseline or progressive 8-bit JPEG in grey or YCbCr, or a PNG of at most 8 bits a
  sample, within ``max_side``, is kept byte for byte (EXIF, ICC and all).
- Anything else (WebP, GIF, CMYK or 12-bit JPEG, 16-bit PNG, or a photo over ``max_side``) is
  decoded once and saved again: as PNG when it has transparency or was a PNG, else as JPEG.
  A big JPEG is shrunk while it decodes (Pillow's ``draft``), then resized with the
  aspect ratio kept. EXIF travels with it, so an orientation tag means what it meant before.

The type is always read from the bytes, never from a file name: real scrapes hold PNGs named
``.jpg``. :func:`read_header` reads just the JPEG frame header or the PNG ``IHDR`` chunk; it
exists because ``PIL.Image.open`` parses every JPEG marker in Python (about 30 us a photo,
more than base64-encoding the photo itself), which would halve pass-through speed. So a kept
photo is not decoded here: the build verified every photo, and ``validate`` decodes every
exported image.
"""

from __future__ import annotations

import io
import struct
from typing import NamedTuple

from PIL import Image

#: The MIME types Fireworks accepts (docs.fireworks.ai, "Supervised Fine Tuning - Vision").
ACCEPTED_MIME: tuple[str, ...] = ("image/jpeg", "image/png")
#: File name suffixes that fit each output MIME type; the first is the one given to new files.
SUFFIXES: dict[str, tuple[str, ...]] = {"image/jpeg": (".jpg", ".jpeg"), "image/png": (".png",)}
#: Quality of re-encoded JPEGs: visually lossless for photos, a third of quality 100's size.
JPEG_QUALITY = 90

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers a decoder must support: baseline, extended and progressive
# Huffman (ITU T.81 table B.1). Lossless, hierarchical and arithmetic-coded frames are not.
_PLAIN_SOF = frozenset({0xC0, 0xC1, 0xC2})
_ALL_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # C4/C8/CC are not frames
_NO_LENGTH = frozenset({0x01, *range(0xD0, 0xDA)})  # TEM, RSTn, SOI, EOI: no length field
_LENGTH = struct.Struct(">H")  # a segment's length, its own two bytes included
_FRAME = struct.Struct(">BHHB")  # SOF: precision, height, width, components


class ImageError(ValueError):
    """Bytes that are not an image Pillow can decode (the message says why)."""


class Header(NamedTuple):
    """What the first bytes of a JPEG or PNG say: its type, size and whether it is plain."""

    mime: str
    width: int
    height: int
    #: True when every decoder takes it as it is (see the module docstring).
    plain: bool


#: Image bytes: ``bytes``, or a ``memoryview`` of an Arrow buffer (pass-through without a copy).
ImageData = bytes | memoryview


class EncodedImage(NamedTuple):
    """Image bytes ready to export, with the MIME type those bytes really are.

    (Named tuples, like :class:`Header`: made once a row, they cost a third of a frozen
    dataclass.)
    """

    data: ImageData
    mime: str
    #: True when these bytes were re-encoded, False when they are the original bytes.
    converted: bool

    def file_name(self, name: str) -> str:
        """``name`` with a suffix that fits the bytes: kept if it does, else one appended."""
        suffixes = SUFFIXES[self.mime]
        return name if name.lower().endswith(suffixes) else name + suffixes[0]


def read_header(data: ImageData) -> Header | None:
    """Read a JPEG frame header or PNG IHDR chunk; None for other or unreadable bytes."""
    if data[:2] == b"\xff\xd8":
        return _jpeg_header(data)
    if data[:8] == _PNG_SIGNATURE and data[12:16] == b"IHDR" and len(data) >= 26:
        width, height = struct.unpack_from(">II", data, 16)
        return Header("image/png", width, height, plain=data[24] <= 8)
    return None


def _jpeg_header(data: ImageData) -> Header | None:
    """Walk the JPEG markers up to the first start-of-frame (ITU T.81 annex B)."""
    pos, end = 2, len(data)
    while pos + 4 <= end:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker in _ALL_SOF:
            if pos + 10 > end:
                return None
            precision, height, width, components = _FRAME.unpack_from(data, pos + 4)
            plain = marker in _PLAIN_SOF and precision == 8 and components in (1, 3)
            return Header("image/jpeg", width, height, plain=plain)
        if marker == 0xFF:  # fill byte
            pos += 1
        elif marker in _NO_LENGTH:
            pos += 2
        else:
            pos += 2 + _LENGTH.unpack_from(data, pos + 2)[0]
    return None


def sniff_mime(data: ImageData) -> str | None:
    """The MIME type of image bytes, read from the bytes (None when Pillow can't tell)."""
    header = read_header(data)
    if header is not None:
        return header.mime
    try:
        with Image.open(io.BytesIO(data)) as image:
            return Image.MIME.get(image.format or "")
    except Exception:  # Pillow raises many types for junk bytes
        return None


def decode_strict(data: bytes) -> str:
    """Decode image bytes by the build's own rule and return their MIME type.

    One rule for "this image decodes" (:func:`cat_breeds_vlm.pipeline.measure.measure`: truncated
    files, bombs and other formats fail, as in verification). Raises :class:`ImageError` with
    the reason when the bytes are not a usable image.
    """
    from ..pipeline.measure import (
        measure,  # numpy and simplejpeg: loaded when a check runs
    )

    measured = measure(bytes(data))
    if measured.error is not None:
        raise ImageError(measured.error)
    fmt = measured.format or ""
    return "image/jpeg" if fmt == "MPO" else Image.MIME.get(fmt, f"image/{fmt.lower()}")


def encode_image(data: ImageData, max_side: int | None = None) -> EncodedImage:
    """Export-ready bytes: the original when plain and small enough, else re-encoded.

    The original is the very object given (a ``memoryview`` stays one: no copy). ``max_side``
    bounds the longer side in pixels (aspect kept). Raises :class:`ImageError` when the bytes
    do not decode.
    """
    header = read_header(data)
    if header is not None and header.plain and _fits(header.width, header.height, max_side):
        return EncodedImage(data, header.mime, converted=False)
    try:
        return _reencode(data, max_side)
    except Exception as err:  # Pillow raises many types for junk or truncated bytes
        raise ImageError(f"{type(err).__name__}: {err}") from None


def _fits(width: int, height: int, max_side: int | None) -> bool:
    return max_side is None or max(width, height) <= max_side


def _reencode(data: ImageData, max_side: int | None) -> EncodedImage:
    """Decode (shrinking while decoding when asked), then save as PNG or JPEG."""
    with Image.open(io.BytesIO(data)) as image:
        source_format, source_mode, info = image.format, image.mode, dict(image.info)
        if max_side is not None and not _fits(*image.size, max_side):
            shrink_while_decoding(image, max_side)
        work = to_8_bits(image).convert(_working_mode(image))
    if max_side is not None and not _fits(*work.size, max_side):
        work.thumbnail((max_side, max_side))
    as_png = work.mode in ("RGBA", "LA") or source_format == "PNG"
    options: dict[str, object] = {"exif": info["exif"]} if info.get("exif") else {}
    if info.get("icc_profile") and work.mode == source_mode:  # a CMYK profile won't fit RGB
        options["icc_profile"] = info["icc_profile"]
    if not as_png:
        options["quality"] = JPEG_QUALITY
    out = io.BytesIO()
    work.save(out, "PNG" if as_png else "JPEG", **options)
    return EncodedImage(out.getvalue(), "image/png" if as_png else "image/jpeg", converted=True)


def shrink_while_decoding(image: Image.Image, max_side: int) -> None:
    """Let a JPEG decode at 1/2, 1/4 or 1/8 scale, staying at least twice the target size.

    Twice, like ``Image.thumbnail``'s default ``reducing_gap``: the final resize then still
    has pixels to average. A no-op for formats without draft decoding.
    """
    scale = min(1.0, 2 * max_side / max(image.size))
    image.draft(None, (max(1, round(image.width * scale)), max(1, round(image.height * scale))))


def to_8_bits(image: Image.Image) -> Image.Image:
    """16-bit grey (``I;16``, ``I``) scaled to 0-255: ``convert`` alone would clip it to white."""
    if image.mode.startswith("I"):
        return image.point(lambda value: value / 256)
    return image


def _working_mode(image: Image.Image) -> str:
    """The mode to save in: keep alpha and grey, make everything else RGB."""
    if image.mode in ("RGBA", "LA"):
        return image.mode
    if image.has_transparency_data:
        return "RGBA"
    if image.mode in ("1", "L") or image.mode.startswith("I"):
        return "L"
    return "RGB"
