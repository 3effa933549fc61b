"""Read a review page back: its sections, pictures, references and data blocks (stdlib parser)."""

from __future__ import annotations

import base64
import io
import json
from html.parser import HTMLParser

from PIL import Image


class ParsedPage(HTMLParser):
    """What a review page holds, as the tests look at it."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.references: list[str] = []  # every src, href (and the like) value
        self.thumbs_used: list[int] = []  # data-t of every <img>
        self.figures: list[dict[str, str]] = []  # the attributes of every <figure>
        self.breed_tagged: list[str] = []  # data-breed of every element that has one
        self.blocks: dict[str, str] = {}  # JSON blocks by id
        self.text: list[str] = []
        self._block: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if "id" in found:
            self.ids.append(found["id"])
        self.references += [found[k] for k in ("src", "href", "action", "srcset", "poster") if k in found]
        if tag == "img" and "data-t" in found:
            self.thumbs_used.append(int(found["data-t"]))
        if tag == "figure":
            self.figures.append(found)
        if "data-breed" in found:
            self.breed_tagged.append(found["data-breed"])
        if tag == "script" and found.get("type") == "application/json":
            self._block = found["id"]
            self.blocks[self._block] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._block = None

    def handle_data(self, data: str) -> None:
        if self._block is not None:
            self.blocks[self._block] += data
        else:
            self.text.append(data)

    @property
    def thumbs(self) -> list[str]:
        return json.loads(self.blocks["thumbs"])

    @property
    def details(self) -> list[dict]:
        return json.loads(self.blocks["details"])

    @property
    def all_text(self) -> str:
        return " ".join(self.text)


def parse_page(html: str) -> ParsedPage:
    """Parse a review page."""
    page = ParsedPage()
    page.feed(html)
    page.close()
    return page


def decode_thumb(b64: str) -> Image.Image:
    """A thumbnail of the page, fully decoded by Pillow (raises when it is not a valid image)."""
    image = Image.open(io.BytesIO(base64.b64decode(b64, validate=True)))
    image.load()
    return image
