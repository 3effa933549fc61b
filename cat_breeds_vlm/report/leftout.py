"""The dataset card's account of what a build left out: skipped files, empty folders, label-file
rows and image files that no breed folder holds, priority breeds not in the data, duplicate and
near-duplicate groups, conflicts and capped breeds; and the plain lines the build summary shares."""

from __future__ import annotations

from .explain import count
from .markdown import MAX_LISTED, cell, code, join, more
from .record import BuildReport, UnmatchedLabel, count_reasons

#: How many names a one-line list shows before "and N more".
SHOWN = 5


def listed(names: list[str], shown: int = SHOWN) -> str:
    """``a, b, c`` for a few names; the first ``shown`` and ``and N more`` for many."""
    rest = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {rest} more" if rest > 0 else "")


def unmatched_text(unmatched: list[UnmatchedLabel], shown: int = SHOWN) -> str:
    """``'Ural Rexx' (did you mean 'Ural Rex'?), 'Foo'``: label-file rows with the folder meant."""
    parts = [repr(u.name) + (f" (did you mean {u.did_you_mean!r}?)" if u.did_you_mean else "") for u in unmatched]
    return listed(parts, shown)


def absent_priority(report: BuildReport) -> list[str]:
    """The priority breeds the build was given that are not labels of the data (computed for
    reports that do not record it)."""
    if report.absent_priority is not None:
        return report.absent_priority
    return [b for b in report.priority_breeds if b not in report.breeds]


def absent_priority_text(report: BuildReport) -> str:
    """One sentence naming the priority breeds not in the data, or "" when every one is."""
    absent = absent_priority(report)
    if not absent:
        return ""
    if len(absent) == len(report.priority_breeds):
        return (
            f"None of the priority breeds is in the data ({listed(absent, len(absent))}): nothing is"
            " oversampled and there is no priority split."
        )
    return f"Priority breeds not in the data (no rows, nothing oversampled for them): {listed(absent, len(absent))}."


def empty_folders_note(report: BuildReport) -> list[str]:
    """The breed folders that became no label (no photo left), as a paragraph, or nothing."""
    empty = report.empty_folders or []
    if not empty:
        return []
    which = "; ".join(f"{cell(e.folder)} ({cell(e.reason)})" for e in empty)
    return [f"{count(len(empty), 'breed folder has', 'breed folders have')} no photo left, so no label: {which}.", ""]


def unused_inputs_note(report: BuildReport) -> list[str]:
    """The label-file rows that are no breed folder and the image files in no breed folder, as
    paragraphs, or nothing."""
    lines = []
    unmatched = report.unmatched_labels or []
    if unmatched:
        which = "; ".join(
            f"`{code(u.name)}`" + (f" (did you mean `{code(u.did_you_mean)}`?)" if u.did_you_mean else "")
            for u in unmatched[:MAX_LISTED]
        )
        rows = count(len(unmatched), "row of the label file matches", "rows of the label file match")
        lines += [
            f"{rows} no breed folder (not used): {which}" + (" ..." if len(unmatched) > MAX_LISTED else "."),
            "",
        ]
    top = report.top_level_files or []
    if top:
        files = count(len(top), "image file lies", "image files lie")
        which = ", ".join(f"`{code(name)}`" for name in top[:MAX_LISTED]) + (" ..." if len(top) > MAX_LISTED else "")
        lines += [f"{files} directly in the image folder, in no breed folder, so with no label: {which}.", ""]
    return lines


def left_out_section(report: BuildReport) -> str:
    skipped = report.skipped or []
    duplicates = report.duplicates or []
    conflicts = report.conflicts or []
    lines = ["## Left out", "", *empty_folders_note(report), *unused_inputs_note(report)]
    if skipped:
        reasons = count_reasons(skipped)
        lines.append(
            f"{count(len(skipped), 'file was', 'files were')} skipped: not images that decode fully,"
            " or not usable photos (" + "; ".join(f"{kind}: {n}" for kind, n in reasons.items()) + ")."
        )
        lines += [""] + [f"- `{code(i.source)}`: {cell(i.reason.text)}" for i in skipped[:MAX_LISTED]]
        lines += more(len(skipped))
    else:
        lines.append("No file was skipped: every image decoded fully.")
    lines.append("")
    if duplicates:
        dropped = sum(len(d.dropped) for d in duplicates)
        lines.append(
            f"{count(len(duplicates), 'group', 'groups')} of byte-identical files within one breed"
            f" counted as one photo each ({count(dropped, 'copy', 'copies')} dropped):"
        )
        lines += [""] + [
            f"- `{code(d.kept)}` kept; dropped {', '.join(f'`{code(p)}`' for p in d.dropped)}"
            for d in duplicates[:MAX_LISTED]
        ]
        lines += more(len(duplicates))
    else:
        lines.append("No byte-identical duplicates were found.")
    lines.append("")
    if conflicts:
        lines.append(
            f"{count(len(conflicts), 'picture appears', 'pictures appear')} under two or more labels"
            " (the same bytes, or near-duplicates, in different folders), left out since the label is unknown:"
        )
        lines += [""] + [
            "- "
            + ", ".join(f"`{code(s)}`" for s in c.sources)
            + f" ({join(c.breeds)}"
            + (f"; near-duplicates at distance {c.distance:g})" if c.distance is not None else ")")
            for c in conflicts[:MAX_LISTED]
        ]
        lines += more(len(conflicts))
    else:
        lines.append("No picture appears under two labels.")
    lines.append("")
    near = near_dup_lines(report, quote=lambda source: f"`{code(source)}`")
    lines += near + ([""] if near else [])
    lines.append("The full lists are in `build.json`.")
    return "\n".join(lines)


# --- small text helpers ---------------------------------------------------------------------------


#: How many groups the card and ``stats`` list, and how many pairs of each (the farthest: the
#: ones worth a look).
GROUPS_LISTED = 10
PAIRS_LISTED = 3


def near_dup_lines(report: BuildReport, quote=str) -> list[str]:
    """Plain lines about the near-duplicates of a build report; ``quote`` formats a file name."""
    settings = report.settings or {}
    if "near_dups" not in settings:
        return []
    if not settings["near_dups"]:
        return ["Near-duplicate search: off (only byte-identical copies and pet ids keep photos together)."]
    groups = report.near_duplicates or []
    conflicts = [c for c in report.conflicts or [] if c.distance is not None]
    photos = sum(g.size for g in groups)
    suspicious = [g for g in groups if g.suspicious]
    lines = [
        f"Near-duplicate search: threshold {settings['near_dup_threshold']:g} (thumbnail difference, percent"
        f" of brightness). {len(groups)} group(s) of one picture's copies, {photos} photos, each group in one"
        f" split; {len(conflicts)} pair(s) under two labels left out; {len(suspicious)} suspicious group(s)"
        " (more photos than one picture's copies usually make: check them)."
    ]
    if groups:
        lines.append("")
    for group in groups[:GROUPS_LISTED]:
        farthest = sorted(group.pairs, key=lambda pair: (-pair[2], pair[0], pair[1]))[:PAIRS_LISTED]
        pairs = ", ".join(f"{quote(a)} ~ {quote(b)} ({d:g})" for a, b, d in farthest)
        more = len(group.pairs) - len(farthest)
        flag = " SUSPICIOUS" if group.suspicious else ""
        lines.append(f"- {group.size} photos{flag}, farthest pairs: {pairs}" + (f" (+{more} closer)" if more else ""))
    if len(groups) > GROUPS_LISTED:
        lines.append(f"- ... and {len(groups) - GROUPS_LISTED} more groups")
    return lines
