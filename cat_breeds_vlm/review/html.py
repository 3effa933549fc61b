"""Format the review page: one self-contained HTML file (inline CSS and JavaScript, no URL).

The style and the behaviour are package files (``static/review.css``, ``static/review.js``)
copied in as they are. Thumbnails and each picture's details go into two JSON blocks at the
end of the page, which the script reads only when a picture scrolls into view or is clicked,
so the first screen shows before the browser has looked at them. Every element that belongs
to some breeds carries ``data-breed`` (lower-case names, ``|`` between them) for the filter box.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterable
from importlib import resources
from typing import Any

from ..report.explain import MISSING_MARK, PRIORITY_MARK, count, split_names
from .groups import Group, folder_of
from .page import Listing, Page, Skipped
from .pictures import Slot
from .thumbnails import Thumbnail

#: The sections of every page, in order: (id, heading). The photos come right after the short
#: split table, so they are on the first screen; the long chart and per-breed table follow.
SECTIONS = (
    ("splits", "Splits"),
    ("samples", "Samples"),
    ("chart", "Class chart"),
    ("breeds", "Breeds by split"),
    ("missing", "Missing from val or test"),
    ("duplicates", "Duplicate groups"),
    ("near-duplicates", "Near-duplicate groups"),
    ("conflicts", "Conflicts: one picture, two labels"),
    ("skipped", "Skipped files"),
)


#: Marks a page as ours, so ``review`` replaces its own pages and nothing else.
GENERATOR = "cat-breeds-vlm review"


def esc(text: Any) -> str:
    """Text safe in HTML content and in quoted attributes."""
    return html.escape(str(text), quote=True)


def render(page: Page) -> str:
    """The whole page as HTML text."""
    css = resources.files(__package__).joinpath("static/review.css").read_text(encoding="utf-8")
    js = resources.files(__package__).joinpath("static/review.js").read_text(encoding="utf-8")
    sections = {
        "splits": _splits(page),
        "samples": _samples(page),
        "chart": _chart(page),
        "breeds": _breeds(page),
        "missing": _missing(page),
        "duplicates": _groups(
            page, "duplicates", page.duplicates, "byte-identical files of one breed, counted as one photo"
        ),
        "near-duplicates": _near(page),
        "conflicts": _groups(
            page, "conflicts", page.conflicts, "one picture under two or more breed folders, left out"
        ),
        "skipped": _skipped(page),
    }
    body = [sections[section_id] for section_id, _ in SECTIONS]
    thumbs = [t.data if isinstance(t, Thumbnail) else b"" for t in page.thumbs]
    details = [{**d, "photo": _ok(page, d["photo"])} for d in page.details]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f'<meta name="generator" content="{GENERATOR}">',
            f"<title>Review of {esc(page.name)}</title>",
            f"<style>\n{css}</style></head><body>",
            _header(page),
            "<main>",
            *body,
            "</main>",
            '<aside id="detail" hidden></aside>',
            _json("thumbs", [base64.b64encode(t).decode("ascii") for t in thumbs]),
            _json("details", details),
            f"<script>\n{js}</script>",
            "</body></html>",
            "",
        ]
    )


def _ok(page: Page, photo: int | None) -> int | None:
    """The photo index when it has a thumbnail, else None."""
    return photo if photo is not None and isinstance(page.thumbs[photo], Thumbnail) else None


def _json(element_id: str, value: Any) -> str:
    """A JSON data block; ``<`` escaped so no text inside can end the script element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def _header(page: Page) -> str:
    links = " ".join(f'<a href="#{sid}">{esc(title.split(":")[0])}</a>' for sid, title in SECTIONS)
    return (
        f"<header><h1>Review of {esc(page.name)}</h1>"
        '<input id="filter" type="search" placeholder="Filter by breed name" aria-label="Filter by breed name">'
        f'<span id="filter-count"></span><nav>{links}</nav></header>'
    )


def _section(section_id: str, *parts: str) -> str:
    title = dict(SECTIONS)[section_id]
    return f'<section id="{section_id}"><h2>{esc(title)}</h2>\n' + "\n".join(parts) + "\n</section>"


def _note(text: str) -> str:
    return f'<p class="note">{esc(text)}</p>'


def _breed_attr(names: Iterable[str]) -> str:
    return esc("|".join(n.lower() for n in names))


def _anchor(page: Page, breed: str) -> str:
    """The id of a breed's samples (its position among the ClassLabel names)."""
    return f"b{page.report.breeds.index(breed)}"


def _marks(page: Page, breed: str) -> str:
    priority = set(page.report.priority_breeds)
    missing = {m.breed for m in page.missing}
    marks = f' <span class="star" title="priority breed">{PRIORITY_MARK}</span>' if breed in priority else ""
    if breed in missing:
        marks += f' <span class="dagger" title="no photo in val and/or test">{MISSING_MARK}</span>'
    return marks


def _table(header: list[str], rows: list[str], numeric_from: int = 1) -> str:
    cells = "".join(f"<th{' class=n' if i >= numeric_from else ''}>{esc(h)}</th>" for i, h in enumerate(header))
    return f"<table><thead><tr>{cells}</tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>"


def _splits(page: Page) -> str:
    """The split table, and beside it what the build merged or left out, each linked to its list."""
    report = page.report
    rows = []
    for split in split_names(report):
        info = report.splits[split]
        cells = [f'<td><a href="#breeds">{esc(split)}</a></td>']
        cells += [_number(value) for value in (info.rows, info.photos, info.shards)]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    near = page.near_duplicates.total if page.near_duplicates is not None else None
    listed = [
        ("missing", len(page.missing), "breeds missing from val or test"),
        ("duplicates", page.duplicates.total, "duplicate groups"),
        ("near-duplicates", near, "near-duplicate groups"),
        ("conflicts", page.conflicts.total, "conflicts (left out)"),
        ("skipped", page.skipped.total, "files skipped"),
    ]
    others = [
        f'<tr><td><a href="#{sid}">{esc(what)}</a></td>{_number(n, "not recorded")}</tr>' for sid, n, what in listed
    ]
    files = report.created_from_files
    made = f"Built from {files:,} image files" if files is not None else "Built"
    ignored = report.ignored_files
    made += f" ({ignored:,} other files ignored by name)" if ignored else ""
    summary = [_note(f"{made} by: {report.command or ''}")]
    if report.counted:
        summary.append(_note("No build.json here: the counts come from the rows; nothing left out is known."))
    tables = _table(["split", "rows", "distinct photos", "shards"], rows)
    tables += _table(["listed below", "count"], others)
    return _section("splits", *summary, f'<div class="tables">{tables}</div>')


def _number(value: int | None, missing: str = "") -> str:
    """A right-aligned table cell with a count (``missing`` when there is none)."""
    return f'<td class="n">{esc(missing) if value is None else f"{value:,}"}</td>'


def _chart(page: Page) -> str:
    if page.chart is None:
        return _section("chart", _note("No chart: the build report has no per-breed photo counts."))
    uri = "data:image/png;base64," + base64.b64encode(page.chart).decode("ascii")
    return _section("chart", f'<div class="chart"><img src="{uri}" alt="Photos per breed in train"></div>')


def _breeds(page: Page) -> str:
    splits = split_names(page.report)
    photos = (page.report.photos or {}).get("train") or {}
    rows = []
    for breed in page.report.breeds:
        anchor = _anchor(page, breed)
        cells = [f'<td><a href="#{anchor}">{esc(breed)}</a>{_marks(page, breed)}</td>']
        cells.append(f'<td class="n">{photos.get(breed, 0):,}</td>' if photos else "")
        for split in splits:
            n = page.report.counts.get(split, {}).get(breed, 0)
            cells.append(f'<td class="n"><a href="#{anchor}-{split}">{n:,}</a></td>' if n else '<td class="n">0</td>')
        rows.append(f'<tr data-breed="{_breed_attr([breed])}">' + "".join(cells) + "</tr>")
    header = ["breed"] + (["train photos"] if photos else []) + [f"{s} rows" for s in splits]
    legend = _note(
        f"{PRIORITY_MARK} priority breed, {MISSING_MARK} no photo in val and/or test. A number links to its samples."
    )
    return _section("breeds", legend, _table(header, rows))


def _missing(page: Page) -> str:
    if not page.missing:
        return _section("missing", _note("Every breed has at least one photo in val and one in test."))
    rows = [
        f'<tr data-breed="{_breed_attr([m.breed])}"><td><a href="#{_anchor(page, m.breed)}">{esc(m.breed)}</a>'
        f"</td><td>{esc(', '.join(m.splits))}</td><td>{esc(m.why)}</td></tr>"
        for m in page.missing
    ]
    return _section("missing", _table(["breed", "no photo in", "why"], rows, numeric_from=9))


def _figure(page: Page, slot: Slot) -> str:
    """One picture: its lazily filled thumbnail (or why there is none) and its caption."""
    thumb = page.thumbs[slot.photo] if slot.photo is not None else None
    title = slot.title
    if isinstance(thumb, Thumbnail):
        inner = f'<img data-t="{slot.photo}" width="{thumb.width}" height="{thumb.height}" alt="">'
    elif isinstance(thumb, str):  # bytes that do not decode: the reason is on hover
        inner, title = '<div class="ph">no preview</div>', f"{title}\n{thumb}"
    else:
        inner = f'<div class="ph">{esc(slot.note)}</div>'
    lines = "".join(f"<span>{esc(line)}</span>" for line in slot.caption.split("\n"))
    return (
        f'<figure class="t" tabindex="0" data-d="{slot.detail}" title="{esc(title)}">{inner}'
        f"<figcaption>{lines}</figcaption></figure>"
    )


def _more(listing: Listing[Any], what: str) -> str:
    rest = listing.total - len(listing.shown)
    return f'<p class="more">... and {rest:,} more {esc(what)} (all are listed in build.json)</p>' if rest > 0 else ""


def _group_html(page: Page, group: Group, slots: list[Slot]) -> str:
    pictures = "".join(_figure(page, slot) for slot in slots)
    head = f"{', '.join(group.breeds)}: {len(slots)} files, distance {group.distance}"
    return (
        f'<div class="group" data-breed="{_breed_attr(group.breeds)}"><div class="head">{esc(head)}</div>'
        f'<div class="pair">{pictures}</div></div>'
    )


def _groups(page: Page, section_id: str, listing: Listing[tuple[Group, list[Slot]]], what: str) -> str:
    if not listing.total:
        return _section(section_id, _note(f"None: no {what}."))
    parts = [_note(f"{count(listing.total, 'group', 'groups')} of {what}.")]
    parts += [_group_html(page, group, slots) for group, slots in listing.shown]
    return _section(section_id, *parts, _more(listing, "groups"))


def _near(page: Page) -> str:
    if page.near_duplicates is None:
        return _section("near-duplicates", _note("This build records no near-duplicate groups."))
    return _groups(
        page,
        "near-duplicates",
        page.near_duplicates,
        "similar pictures (re-encoded, resized, trimmed) kept in one split; distance: how far apart their"
        " thumbnails are, in percent of the brightness (the build's --near-dup-threshold is the most)",
    )


def _skipped(page: Page) -> str:
    if not page.skipped.total:
        return _section("skipped", _note("No file was skipped: every image decoded fully."))
    rows = [_skipped_row(page, item) for item in page.skipped.shown]
    parts = [_note(f"{count(page.skipped.total, 'file', 'files')} skipped: not images that decode fully.")]
    if page.options.images is None:
        parts.append(_note("Pass --images with the photo folder to see what each file holds."))
    table = _table(["file", "reason", "picture"], rows, numeric_from=9)
    return _section("skipped", *parts, table, _more(page.skipped, "files"))


def _skipped_row(page: Page, item: Skipped) -> str:
    slot = item.slot
    shown = slot.photo is not None and isinstance(page.thumbs[slot.photo], Thumbnail)
    picture = _figure(page, slot) if shown else f'<span class="note">{esc(slot.note or "no preview")}</span>'
    return (
        f'<tr data-breed="{_breed_attr([folder_of(item.source)])}"><td><code>{esc(item.source)}</code></td>'
        f"<td>{esc(item.reason)}</td><td>{picture}</td></tr>"
    )


def _samples(page: Page) -> str:
    per = page.options.per_breed
    parts = [
        _note(
            f"Up to {per} rows of each breed in each split, a seeded sample."
            " Hover for the id and source; click for the conversation. The class chart, the table of"
            " breeds by split and what was left out follow the photos (the links at the top go there)."
        )
    ]
    splits = split_names(page.report)
    for breed in page.report.breeds:
        anchor = _anchor(page, breed)
        grids = []
        for split in splits:
            slots = page.samples.get(breed, {}).get(split)
            if not slots:
                continue
            total = page.report.counts.get(split, {}).get(breed, len(slots))
            figures = "".join(_figure(page, slot) for slot in slots)
            grids.append(
                f'<div class="split"><h4 id="{anchor}-{split}">{esc(split)}: {len(slots):,} of {total:,} rows</h4>'
                f'<div class="grid">{figures}</div></div>'
            )
        body = f'<div class="splits">{"".join(grids)}</div>' if grids else _note("No rows in any split.")
        parts.append(
            f'<section class="breed" id="{anchor}" data-breed="{_breed_attr([breed])}">'
            f"<h3>{esc(breed)}{_marks(page, breed)}</h3>{body}</section>"
        )
    return _section("samples", *parts)
