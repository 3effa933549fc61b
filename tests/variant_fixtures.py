"""Copies of one picture, as shelters re-post them: re-encoded, resized, re-saved as PNG, a
little brighter or darker, trimmed at the borders. For the near-duplicate tests."""

from __future__ import annotations

import io

from PIL import Image, ImageEnhance

#: Kind of copy -> the settings planted. Re-encodes at JPEG quality 50-95, resizes to 50-100 %,
#: PNG re-saves, brightness within 10 %, border crops up to 5 % of each side.
COPIES: dict[str, tuple] = {
    "reencode": (50, 60, 70, 80, 90, 95),
    "resize": (0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
    "png": (None,),
    "brightness": (0.9, 0.95, 1.05, 1.1),
    "crop": (0.01, 0.02, 0.03, 0.04, 0.05),
}


def encode(image: Image.Image, image_format: str = "JPEG", **options: object) -> bytes:
    """The image's bytes in ``image_format``."""
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def copy_of(image: Image.Image, kind: str, setting) -> bytes:
    """One copy of ``image`` (RGB): its file bytes (JPEG quality 85 unless re-encoded, or PNG)."""
    width, height = image.size
    if kind == "reencode":
        return encode(image, quality=setting)
    if kind == "resize":
        return encode(image.resize((round(width * setting), round(height * setting)), Image.LANCZOS), quality=85)
    if kind == "png":
        return encode(image, "PNG")
    if kind == "brightness":
        return encode(ImageEnhance.Brightness(image).enhance(setting), quality=85)
    if kind == "crop":
        dx, dy = round(width * setting), round(height * setting)
        return encode(image.crop((dx, dy, width - dx, height - dy)), quality=85)
    raise ValueError(kind)


def all_copies(image: Image.Image) -> dict[str, bytes]:
    """Every copy of :data:`COPIES`, by a name like ``resize-0.7``."""
    return {
        f"{kind}-{setting}": copy_of(image, kind, setting) for kind, settings in COPIES.items() for setting in settings
    }
