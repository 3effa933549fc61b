"""Image encoding for export: pass-through, conversion to PNG/JPEG, --max-side, sniffing."""

from __future__ import annotations

import io

import pytest
from export_fixtures import BIG, encode, kinds, photo
from PIL import Image, ImageChops, ImageStat

from cat_breeds_vlm.export.images import (
    ImageError,
    decode_strict,
    encode_image,
    read_header,
    shrink_while_decoding,
    sniff_mime,
)

KINDS = kinds()
#: kind -> (MIME exported, original bytes kept)
EXPECTED = {
    "jpeg": ("image/jpeg", True),
    "cmyk": ("image/jpeg", False),
    "webp": ("image/jpeg", False),
    "rgba_png": ("image/png", True),
    "gray": ("image/jpeg", True),
    "big": ("image/jpeg", True),
    "png_named_jpg": ("image/png", True),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_exports_as_png_or_jpeg_a_strict_decoder_accepts(kind: str) -> None:
    mime, kept = EXPECTED[kind]
    image = encode_image(KINDS[kind][1])
    assert image.mime == mime
    assert decode_strict(image.data) == mime  # fully decoded, type read from the bytes
    assert (image.data == KINDS[kind][1]) is kept
    assert image.converted is not kept


def test_conversion_keeps_pixels_mode_and_transparency() -> None:
    cmyk = Image.open(io.BytesIO(encode_image(KINDS["cmyk"][1]).data))
    assert cmyk.mode == "RGB" and cmyk.size == (320, 240)
    source = Image.open(io.BytesIO(KINDS["cmyk"][1])).convert("RGB")
    difference = ImageStat.Stat(ImageChops.difference(cmyk, source)).mean
    assert max(difference) < 8  # the same picture (inverted CMYK would be ~100 off)
    transparent = photo().convert("RGBA")
    transparent.putalpha(100)
    webp = encode_image(encode(transparent, "WEBP", lossless=True))
    assert webp.mime == "image/png"
    assert Image.open(io.BytesIO(webp.data)).getpixel((0, 0))[3] == 100


@pytest.mark.parametrize("kind", ["big", "rgba_png", "cmyk", "jpeg"])
def test_max_side_bounds_the_longer_side_and_keeps_the_aspect(kind: str) -> None:
    original = Image.open(io.BytesIO(KINDS[kind][1]))
    image = encode_image(KINDS[kind][1], max_side=200)
    shrunk = Image.open(io.BytesIO(image.data))
    assert max(shrunk.size) == 200
    assert shrunk.width / shrunk.height == pytest.approx(original.width / original.height, rel=0.02)
    assert image.mime == EXPECTED[kind][0] and decode_strict(image.data) == image.mime


def test_photos_within_max_side_are_kept_byte_for_byte() -> None:
    assert encode_image(KINDS["jpeg"][1], max_side=320).data == KINDS["jpeg"][1]
    assert encode_image(KINDS["big"][1], max_side=max(BIG)).data == KINDS["big"][1]


def test_exif_travels_with_a_resized_photo() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 on display
    data = encode(photo(BIG), "JPEG", exif=exif)
    shrunk = Image.open(io.BytesIO(encode_image(data, max_side=100).data))
    assert shrunk.getexif()[0x0112] == 6


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_header_reader_agrees_with_pillow(kind: str) -> None:
    data = KINDS[kind][1]
    header = read_header(data)
    with Image.open(io.BytesIO(data)) as image:
        if image.format in ("JPEG", "PNG"):
            assert header is not None and (header.width, header.height) == image.size
            assert header.mime == Image.MIME[image.format]
            assert header.plain is (image.mode != "CMYK")
        else:
            assert header is None
        assert sniff_mime(data) == Image.MIME[image.format]


def test_twelve_bit_and_sixteen_bit_images_are_not_plain() -> None:
    deep = encode(Image.new("I;16", (8, 8), 40000), "PNG")
    header = read_header(deep)
    assert header is not None and header.plain is False
    image = encode_image(deep)
    assert image.converted and image.mime == "image/png"
    eight_bit = Image.open(io.BytesIO(image.data))
    assert eight_bit.mode == "L" and eight_bit.getpixel((0, 0)) == 40000 // 256  # scaled, not clipped


@pytest.mark.parametrize(
    "data",
    [b"", b"<html>404 Not Found</html>", KINDS["jpeg"][1][: len(KINDS["jpeg"][1]) // 2]],
    ids=["empty", "html", "truncated"],
)
def test_junk_and_truncated_bytes_do_not_decode(data: bytes) -> None:
    with pytest.raises(ImageError):
        decode_strict(data)


def test_junk_cannot_be_encoded() -> None:
    with pytest.raises(ImageError):
        encode_image(b"<html>404</html>")


def test_a_big_jpeg_decodes_small_but_at_least_twice_the_size_asked() -> None:
    # the one rule of both the exports' resize and the review page's thumbnails
    with Image.open(io.BytesIO(encode(Image.new("RGB", (2000, 1500), (90, 120, 150)), "JPEG"))) as image:
        shrink_while_decoding(image, 128)
        assert image.size == (500, 375)  # 1/4 scale: 1/8 (250 px) would be under twice 128
    with Image.open(io.BytesIO(encode(Image.new("RGB", (300, 225), (90, 120, 150)), "JPEG"))) as image:
        shrink_while_decoding(image, 128)
        assert image.size == (300, 225)  # 1/2 (150 px) would be under twice 128: decoded whole
