"""Planted files for the quality gate: what a real scrape holds that decodes but is no usable
photo, and odd files that are good photos and must be kept.

Like ``make_bad_files`` in ``tree_fixtures.py``, each function writes its files below
``root/{breed}`` and returns ``{relative path: kind}``; the pictures are the demo's synthetic
photos, so everything is deterministic and nothing is downloaded.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms
from tree_fixtures import write_files

from cat_breeds_vlm.demo import encode, render_photo

#: The skip-reason kind (text before the colon) that the gate gives each unusable kind.
UNUSABLE_REASONS: dict[str, str] = {
    "corrupt_baseline": "corrupt JPEG data",
    "corrupt_progressive": "corrupt JPEG data",
    "one_pixel": "too small",
    "below_minimum": "too small",
    "strip": "extreme aspect ratio",
    "banner": "too small",  # 4000 x 20: its 20 px side is below the minimum before its ratio counts
    "solid": "near-blank",
    "near_solid": "near-blank",
    "gif_named_jpg": "unsupported format GIF",
    "bmp_named_jpg": "unsupported format BMP",
    "avif_named_jpg": "unsupported format AVIF",
    "gif": "unsupported format GIF",
    "tiff": "unsupported format TIFF",
    "heic": "unsupported format HEIC",
}


def damage_jpeg(data: bytes, where: float, length: int = 200) -> bytes:
    """The JPEG with ``length`` zero bytes written over its entropy-coded data at ``where`` (0-1)."""
    start = data.index(b"\xff\xda")  # start of the (first) scan
    at = start + int((len(data) - start) * where)
    return data[:at] + bytes(length) + data[at + length :]


def make_unusable_files(root: Path, breed: str = "Abyssinian") -> dict[str, str]:
    """Files that decode (or are real images) but must not reach a split; kinds: :data:`UNUSABLE_REASONS`.

    The corrupt JPEGs are ones that Pillow loads without a word, with garbage below the damage;
    their picture is the same in whatever folder they are planted (where damage makes libjpeg
    complain depends on the picture).
    """
    photo = render_photo("unusable/Abyssinian")
    rng = np.random.default_rng(0)
    near_solid = np.full((225, 300, 3), (120, 140, 160), np.int16) + rng.integers(-2, 3, (225, 300, 3))
    small = {"size": (64, 48)}
    files = {
        "corrupt_baseline.jpg": ("corrupt_baseline", damage_jpeg(encode(photo, "JPEG", quality=85), 0.5)),
        "corrupt_progressive.jpg": (
            "corrupt_progressive",
            damage_jpeg(encode(photo, "JPEG", quality=85, progressive=True), 0.4),
        ),
        "one_pixel.jpg": ("one_pixel", encode(Image.new("RGB", (1, 1), (200, 30, 30)), "JPEG")),
        "below_minimum.jpg": ("below_minimum", encode(photo.resize((30, 24)), "JPEG")),
        "strip.jpg": ("strip", encode(photo.resize((1200, 96)), "JPEG")),
        "banner.jpg": ("banner", encode(photo.resize((4000, 20)), "JPEG")),
        "solid.jpg": ("solid", encode(Image.new("RGB", (300, 225), (128, 128, 128)), "JPEG")),
        "near_solid.png": ("near_solid", encode(Image.fromarray(near_solid.astype(np.uint8)), "PNG")),
        "gif_named.jpg": ("gif_named_jpg", encode(render_photo("gif", **small), "GIF")),
        "bmp_named.jpg": ("bmp_named_jpg", encode(render_photo("bmp", **small), "BMP")),
        "avif_named.jpg": ("avif_named_jpg", _avif_or_header(render_photo("avif", **small))),
        "picture.gif": ("gif", encode(render_photo("gif2", **small), "GIF")),
        "picture.tif": ("tiff", encode(render_photo("tiff", **small), "TIFF")),
        "picture.heic": ("heic", _HEIC_HEADER),
    }
    return write_files(root, {f"{breed}/unusable_{name}": entry for name, entry in files.items()})


def make_gate_keepers(root: Path, breed: str = "Abyssinian") -> dict[str, str]:
    """Odd files that are good photos and must pass the gate: progressive, bytes after the end
    marker, extraneous bytes before it, an ICC profile, EXIF-rotated, a dark photo, 16-bit and
    palette PNGs, an animated WebP (CMYK and grayscale JPEGs are in ``make_odd_but_valid_files``)."""

    def picture(kind: str) -> Image.Image:
        return render_photo(f"keep/{breed}/{kind}")

    plain = encode(picture("eoi"), "JPEG", quality=85)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    dark = (np.asarray(picture("dark"), np.float32) * 0.12).astype(np.uint8)
    # 16-bit gray, all of it above 255: Pillow's convert("L") would clip it to a blank white.
    wide = (np.asarray(picture("16bit").convert("L"), np.uint16) * 200 + 5000).astype(np.uint16)
    frames = [picture("anim1"), picture("anim2")]
    animated = io.BytesIO()
    frames[0].save(animated, "WEBP", save_all=True, append_images=frames[1:], duration=100, quality=80)
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    files = {
        "progressive.jpg": ("progressive", encode(picture("prog"), "JPEG", quality=85, progressive=True)),
        "trailing_bytes.jpg": ("trailing_bytes", plain + b"\x00 trailing garbage after EOI" * 20),
        "extraneous_before_eoi.jpg": ("extraneous_before_eoi", plain[:-2] + bytes(16) + b"\xff\xd9"),
        "icc_profile.jpg": ("icc_profile", encode(picture("icc"), "JPEG", icc_profile=srgb)),
        "exif_rotated.jpg": ("exif_rotated", encode(picture("exif"), "JPEG", exif=exif)),
        "dark.jpg": ("dark", encode(Image.fromarray(dark), "JPEG", quality=85)),
        "gray16.png": ("png_16bit", encode(Image.fromarray(wide), "PNG")),
        "palette.png": ("palette_png", encode(picture("palette").convert("P", palette=Image.ADAPTIVE), "PNG")),
        "animated.webp": ("animated_webp", animated.getvalue()),
    }
    return write_files(root, {f"{breed}/keep_{name}": entry for name, entry in files.items()})


# An ISO base media file header with the HEIC brand: what an iPhone photo begins with (Pillow
# has no HEIC writer; the sniffer reads no further than this).
_HEIC_HEADER = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64)


def _avif_or_header(image: Image.Image) -> bytes:
    """An AVIF file: Pillow's own when it has AVIF support, else the format's header alone."""
    try:
        return encode(image, "AVIF")
    except (KeyError, OSError):
        return b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + bytes(64)
