"""Files a real scrape holds besides good photos, planted into test trees: broken, odd, ignored."""

from __future__ import annotations

import os
import random
import struct
import zlib
from collections.abc import Mapping
from pathlib import Path

from PIL import Image, ImageOps

from cat_breeds_vlm.atomic import write_bytes_atomic
from cat_breeds_vlm.demo import check_breed, encode, render_photo


def jpeg(image: Image.Image, quality: int = 85) -> bytes:
    """The image as a baseline JPEG."""
    return encode(image, "JPEG", quality=quality)


def make_bad_files(root: Path, breed: str = "Abyssinian") -> dict[str, str]:
    """Add the broken files of a real scrape to ``root/{breed}``; return ``{relative path: kind}``.

    Every one must be skipped, with a reason: ``empty`` (zero bytes), ``truncated`` (a JPEG cut
    in half: the header opens, decoding fails), ``html`` (an error page saved as .jpg), ``bomb``
    (a PNG declaring more than twice Pillow's ``MAX_IMAGE_PIXELS``, 22 KB on disk) and
    ``garbage`` (random bytes, in a nested folder).
    """
    check_breed(breed)
    photo = jpeg(render_photo(f"bad/{breed}"))
    files = {
        f"{breed}/bad_empty.jpg": ("empty", b""),
        f"{breed}/bad_truncated.jpg": ("truncated", photo[: len(photo) // 2]),
        f"{breed}/bad_error_page.jpg": ("html", _ERROR_PAGE),
        f"{breed}/bad_bomb.png": ("bomb", _bomb_png()),
        f"{breed}/nested/bad_garbage.jpg": ("garbage", random.Random(0).randbytes(4096)),
    }
    return write_files(root, files)


def make_odd_but_valid_files(root: Path, breed: str = "Abyssinian") -> dict[str, str]:
    """Add files that look odd but are good photos to ``root/{breed}``; return ``{path: kind}``.

    Kinds: ``png_as_jpg`` (a PNG named .jpg), ``cmyk`` and ``grayscale`` JPEGs, ``rgba_png``,
    ``webp``, ``upper_jpg`` / ``upper_jpeg`` (.JPG, .JPEG) and ``nested`` (a JPEG two folders
    down). Each decodes with Pillow and has pixels of its own.
    """

    check_breed(breed)

    def picture(kind: str, mode: str = "RGB") -> Image.Image:
        return render_photo(f"odd/{breed}/{kind}").convert(mode)

    rgba = picture("rgba_png", "RGBA")
    rgba.putalpha(ImageOps.invert(Image.linear_gradient("L")).resize(rgba.size))
    files = {
        f"{breed}/odd_png_named.jpg": ("png_as_jpg", encode(picture("png_as_jpg"), "PNG")),
        f"{breed}/odd_cmyk.jpg": ("cmyk", jpeg(picture("cmyk", "CMYK"))),
        f"{breed}/odd_grayscale.jpg": ("grayscale", jpeg(picture("grayscale", "L"))),
        f"{breed}/odd_rgba.png": ("rgba_png", encode(rgba, "PNG")),
        f"{breed}/odd_photo.webp": ("webp", encode(picture("webp"), "WEBP", quality=80)),
        f"{breed}/odd_upper.JPG": ("upper_jpg", jpeg(picture("upper_jpg"))),
        f"{breed}/odd_upper.JPEG": ("upper_jpeg", jpeg(picture("upper_jpeg"))),
        f"{breed}/nested/deeper/odd_nested.jpg": ("nested", jpeg(picture("nested"))),
    }
    return write_files(root, files)


def make_ignored_files(root: Path, breed: str = "Abyssinian") -> list[str]:
    """Add files that are not photos to ``root`` and ``root/{breed}``; return their relative paths.

    The rule they exercise: only ``.jpg .jpeg .png .webp`` (any case) below a breed folder are
    photos; hidden files (``.DS_Store``, the AppleDouble ``._*.jpg``), other extensions
    (``notes.txt``, ``Thumbs.db``) and files beside the breed folders are not. (A ``.gif`` is
    not ignored: it is listed as skipped, see ``gate_fixtures.py``.)
    """
    check_breed(breed)
    files = {
        ".DS_Store": ("hidden", b"\x00\x00\x00\x01Bud1" + bytes(64)),
        "notes.txt": ("not a breed folder", b"Photos scraped from Petfinder.\n"),
        f"{breed}/.DS_Store": ("hidden", b"\x00\x00\x00\x01Bud1" + bytes(64)),
        f"{breed}/._odd_photo.jpg": ("hidden", b"\x00\x05\x16\x07" + bytes(78)),
        f"{breed}/Thumbs.db": ("extension", bytes(512)),
        f"{breed}/notes.txt": ("extension", b"TODO: check the blurry ones\n"),
    }
    return list(write_files(root, files))


_ERROR_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head>\n"
    b"<body><h1>Service Unavailable</h1><p>The server is temporarily unable to service your"
    b" request. Please try again later.</p></body></html>\n"
)


def _bomb_png() -> bytes:
    """A valid 1-bit PNG of over twice Pillow's ``MAX_IMAGE_PIXELS``: 22 KB on disk, 22 MB raw."""
    height = 10_000
    width = 2 * (Image.MAX_IMAGE_PIXELS or 89_478_485) // height + 8
    row = bytes(1 + (width + 7) // 8)  # filter byte + packed bits, all black

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, grayscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )


def write_files(root: Path, files: Mapping[str, tuple[str, bytes]]) -> dict[str, str]:
    """Write ``{relative path: (kind, bytes)}`` below ``root``; return ``{relative path: kind}``."""
    for relative, (_, data) in files.items():
        path = Path(root) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, data)
    return {relative: kind for relative, (kind, _) in files.items()}


def garble(path: Path) -> None:
    """New bytes in ``path``, same size and mtime: what the verdict cache cannot tell apart."""
    stat = path.stat()
    path.write_bytes(bytes(reversed(path.read_bytes())))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
