"""The page's pictures: each slot's caption and details, and its photo bytes, thumbnailed at once.

Photos are kept once per content (a duplicate group shows one picture several times, a
priority photo is in train and in priority), and every photo is thumbnailed in one batch,
after all slots are known, so the thumbnails can be made in parallel.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from .thumbnails import Thumbnail, make_thumbnails


@dataclass(frozen=True)
class Slot:
    """One picture on the page: which photo, what it says, and what a click shows."""

    photo: int | None  # index of its photo's bytes; None when there are none to show
    caption: str
    title: str  # shown on hover
    detail: int  # index of its details (the fields and conversation a click shows)
    note: str = ""  # why there is no picture, when ``photo`` is None


@dataclass
class Pictures:
    """Collects slots and their photos; :meth:`finish` makes the thumbnails."""

    photos: list[bytes] = field(default_factory=list)
    details: list[dict] = field(default_factory=list)
    _by_hash: dict[str, int] = field(default_factory=dict)

    def add(
        self,
        data: bytes | None,
        caption: str,
        fields: list[tuple[str, str]],
        *,
        conversation: list[tuple[str, str]] | None = None,
        note: str = "",
    ) -> Slot:
        """A slot showing ``data`` (or ``note`` when None), with the details a click shows."""
        photo = None
        if data is not None:
            key = hashlib.sha256(data).hexdigest()
            photo = self._by_hash.setdefault(key, len(self.photos))
            if photo == len(self.photos):
                self.photos.append(data)
        self.details.append({"photo": photo, "fields": fields, "conversation": conversation or []})
        title = "\n".join(f"{name}: {value}" for name, value in fields)
        return Slot(photo, caption, title, len(self.details) - 1, note)

    def finish(self, *, num_proc: int = 1, progress: bool = True) -> list[Thumbnail | str]:
        """A thumbnail (or the reason there is none) for every photo, by photo index."""
        thumbs = make_thumbnails(self.photos, num_proc=num_proc, progress=progress)
        self.photos = []  # the originals are no longer needed
        return thumbs
