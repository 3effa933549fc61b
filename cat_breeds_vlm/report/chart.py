"""The class-distribution chart of a build: photos per breed in train, before and after oversampling.

A horizontal bar chart drawn with Pillow, one row per breed, largest first: the dark bar is the
breed's distinct train photos, the light bar behind it its train rows after oversampling. The
x axis is logarithmic, since the real data runs from 53,027 photos (Domestic Short Hair) down to 1
(York Chocolate). Same report, same PNG bytes.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from ..atomic import write_bytes_atomic
from .explain import (
    PRIORITY_MARK,  # the one mark of the card, stats, chart and review page
)
from .record import BuildReport

WIDTH = 1200
ROW_HEIGHT = 20
FONT_SIZE = 13
MARGIN = 16
TOP = 70  # room for the title and the legend
BOTTOM = 40  # room for the axis labels

BACKGROUND = (255, 255, 255)
TEXT = (33, 33, 33)
GRID = (225, 225, 225)
BEFORE = (31, 90, 160)  # distinct photos
AFTER = (244, 170, 90)  # train rows after oversampling
Font = ImageFont.ImageFont | ImageFont.FreeTypeFont

TITLE = "Photos per breed in train, before and after oversampling (log scale)"
AXIS_MIN = 0.5  # left end of the log axis, so that a breed with one photo still shows a bar


def chart_rows(report: BuildReport) -> list[tuple[str, int, int]]:
    """(label, train photos, train rows) per breed, most photos first, then by name.

    Priority breeds get a trailing ``*`` in their label.
    """
    priority = set(report.priority_breeds)
    photos = (report.photos or {}).get("train", {})
    rows = report.counts.get("train", {})
    entries = [
        (breed + (f" {PRIORITY_MARK}" if breed in priority else ""), photos.get(breed, 0), rows.get(breed, 0))
        for breed in report.breeds
    ]
    return sorted(entries, key=lambda e: (-e[1], -e[2], e[0]))


def render_chart(report: BuildReport) -> bytes:
    """The chart as PNG bytes."""
    entries = chart_rows(report)
    font = _font(FONT_SIZE)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    label_width = max((probe.textlength(label, font=font) for label, _, _ in entries), default=0)
    left = MARGIN + math.ceil(label_width) + 8
    right = WIDTH - MARGIN - 110  # room for the value text after the longest bar
    height = TOP + ROW_HEIGHT * len(entries) + BOTTOM
    top_value = max((max(p, r) for _, p, r in entries), default=1)
    axis_max = 10 ** math.ceil(math.log10(max(top_value, 1)) + 1e-9)

    def x_of(value: float) -> float:
        span = math.log10(axis_max) - math.log10(AXIS_MIN)
        return left + (right - left) * (math.log10(value) - math.log10(AXIS_MIN)) / span

    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((MARGIN, 10), TITLE, fill=TEXT, font=_font(FONT_SIZE + 3))
    _legend(draw, font, MARGIN, 38)

    axis_bottom = TOP + ROW_HEIGHT * len(entries)
    tick = 1
    while tick <= axis_max:
        x = x_of(tick)
        draw.line([(x, TOP - 4), (x, axis_bottom)], fill=GRID)
        draw.text((x, axis_bottom + 6), f"{tick:,}", fill=TEXT, font=font, anchor="ma")
        tick *= 10

    for i, (label, photos, rows) in enumerate(entries):
        y = TOP + i * ROW_HEIGHT
        middle = y + ROW_HEIGHT / 2
        draw.text((left - 8, middle), label, fill=TEXT, font=font, anchor="rm")
        if rows > 0:
            draw.rectangle([left, y + 3, x_of(rows), y + ROW_HEIGHT - 3], fill=AFTER)
        if photos > 0:
            draw.rectangle([left, y + 6, x_of(photos), y + ROW_HEIGHT - 6], fill=BEFORE)
        value = f"{photos:,}" if rows == photos else f"{photos:,} -> {rows:,}"
        end = x_of(max(photos, rows, 1)) if max(photos, rows) > 0 else left
        draw.text((end + 6, middle), value, fill=TEXT, font=font, anchor="lm")

    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def write_chart(path: Path, report: BuildReport) -> None:
    """Write the chart of ``report`` as a PNG file at ``path`` (atomically)."""
    write_bytes_atomic(Path(path), render_chart(report))


def _legend(draw: ImageDraw.ImageDraw, font: Font, x: int, y: int) -> None:
    """Two colour swatches with their meaning, and the priority mark."""
    items = [
        (BEFORE, "distinct photos (before oversampling)"),
        (AFTER, "train rows (after oversampling)"),
    ]
    for colour, text in items:
        draw.rectangle([x, y + 2, x + 14, y + 14], fill=colour)
        draw.text((x + 20, y), text, fill=TEXT, font=font)
        x += 20 + math.ceil(draw.textlength(text, font=font)) + 24
    draw.text((x, y), f"{PRIORITY_MARK.strip()} priority breed", fill=TEXT, font=font)


def _font(size: int) -> Font:
    """Pillow's built-in font at ``size`` (Pillow >= 10.1 with FreeType), else its bitmap font."""
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ImportError, OSError):  # older Pillow, or built without FreeType
        return ImageFont.load_default()
