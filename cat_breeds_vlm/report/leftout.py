"""The dataset card's account of what a build left out: skipped files, empty folders, duplicate
and near-duplicate groups, conflicts and capped breeds."""

from __future__ import annotations

from typing import Any

from .explain import count
from .markdown import MAX_LISTED, cell, code, join, more
from .neartext import near_dup_lines
from .record import count_reasons


def empty_folders_note(report: dict[str, Any]) -> list[str]:
    """The breed folders that became no label (no photo left), as a paragraph, or nothing."""
    empty = report.get("empty_folders") or []
    if not empty:
        return []
    which = "; ".join(f"{cell(e['folder'])} ({cell(e['reason'])})" for e in empty)
    return [f"{count(len(empty), 'breed folder has', 'breed folders have')} no photo left, so no label: {which}.", ""]


def left_out_section(report: dict[str, Any]) -> str:
    skipped = report.get("skipped") or []
    duplicates = report.get("duplicates") or []
    conflicts = report.get("conflicts") or []
    lines = ["## Left out", "", *empty_folders_note(report)]
    if skipped:
        reasons = count_reasons(skipped)
        lines.append(
            f"{count(len(skipped), 'file was', 'files were')} skipped: not images that decode fully,"
            " or not usable photos ("
            + "; ".join(f"{kind}: {n}" for kind, n in reasons.items())
            + ")."
        )
        lines += [""] + [f"- `{code(i['source'])}`: {cell(i['reason'])}" for i in skipped[:MAX_LISTED]]
        lines += more(len(skipped))
    else:
        lines.append("No file was skipped: every image decoded fully.")
    lines.append("")
    if duplicates:
        dropped = sum(len(d["dropped"]) for d in duplicates)
        lines.append(
            f"{count(len(duplicates), 'group', 'groups')} of byte-identical files within one breed"
            f" counted as one photo each ({count(dropped, 'copy', 'copies')} dropped):"
        )
        lines += [""] + [
            f"- `{code(d['kept'])}` kept; dropped {', '.join(f'`{code(p)}`' for p in d['dropped'])}"
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
            "- " + ", ".join(f"`{code(s)}`" for s in c["sources"]) + f" ({join(c['breeds'])}"
            + (f"; near-duplicates at distance {c['distance']:g})" if "distance" in c else ")")
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
