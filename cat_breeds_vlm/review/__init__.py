"""The review page: one self-contained HTML file to look at a build with.

It shows the split table and the class chart, a seeded sample of thumbnails for each breed
and split (each with its id, source and conversation), the breeds missing from val or test
and why, duplicate and near-duplicate groups, conflicts and skipped files, with a filter box
by breed name. It opens from disk with no server and no network.

``write_review(dataset, out)`` does what ``cat-breeds-vlm review`` does; ``dataset`` is a built
folder's path or a Hub repo id.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..atomic import atomic_output
from ..dataset.locate import Located
from ..errors import UserError
from ..report.record import REPORT_NAME
from .gather import open_build
from .html import GENERATOR, render
from .page import ReviewOptions, collect

__all__ = ["ReviewOptions", "ReviewResult", "write_review"]


@dataclass(frozen=True)
class ReviewResult:
    """What was written: the file, its size, and how many thumbnails it holds."""

    path: Path
    bytes: int
    thumbnails: int


def write_review(
    dataset: str | Located,
    out: Path,
    options: ReviewOptions = ReviewOptions(),
    *,
    token: str | None = None,
    num_proc: int = 1,
    progress: bool = True,
) -> ReviewResult:
    """Write the review page of DATASET (a built folder or a Hub repo id) to ``out``, atomically."""
    check_target(Path(out))
    build = open_build(dataset, token=token)
    page = collect(build, options, num_proc=num_proc, progress=progress)
    text = render(page).encode("utf-8")
    with atomic_output(out, "wb") as stream:
        stream.write(text)
    return ReviewResult(Path(out), len(text), sum(1 for t in page.thumbs if not isinstance(t, str)))


def check_target(out: Path) -> None:
    """Refuse, before any work, to write over a file that is not a review page, or into a build."""
    if (out.parent / REPORT_NAME).is_file():
        raise UserError(
            f"refusing to write {out} into a build folder: it holds exactly what is loaded and"
            " pushed (write the page beside it, e.g. -o review.html)"
        )
    if out.is_dir():
        raise UserError(f"cannot write {out}: it is a folder (name the .html file to write)")
    if out.exists():
        with open(out, "rb") as page:
            head = page.read(4096)
        if f'<meta name="generator" content="{GENERATOR}">'.encode() not in head:
            raise UserError(f"refusing to replace {out}: it is not a review page (choose another -o)")
