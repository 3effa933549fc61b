"""The near-duplicate part of the card and of ``stats``: the threshold, the counts, and the
first groups with their distances, so a person can check them (the full list is in
``build.json``, key ``near_duplicates``)."""

from __future__ import annotations

from typing import Any

#: How many groups the card and ``stats`` list, and how many pairs of each (the farthest: the
#: ones worth a look).
GROUPS_LISTED = 10
PAIRS_LISTED = 3


def near_dup_lines(report: dict[str, Any], quote=str) -> list[str]:
    """Plain lines about the near-duplicates of a build report; ``quote`` formats a file name."""
    settings = report.get("settings") or {}
    if "near_dups" not in settings:
        return []
    if not settings["near_dups"]:
        return ["Near-duplicate search: off (only byte-identical copies and pet ids keep photos together)."]
    groups = report.get("near_duplicates") or []
    conflicts = [c for c in report.get("conflicts") or [] if "distance" in c]
    photos = sum(g["size"] for g in groups)
    suspicious = [g for g in groups if g["suspicious"]]
    lines = [
        f"Near-duplicate search: threshold {settings['near_dup_threshold']:g} (thumbnail difference, percent"
        f" of brightness). {len(groups)} group(s) of one picture's copies, {photos} photos, each group in one"
        f" split; {len(conflicts)} pair(s) under two labels left out; {len(suspicious)} suspicious group(s)"
        " (more photos than one picture's copies usually make: check them)."
    ]
    if groups:
        lines.append("")
    for group in groups[:GROUPS_LISTED]:
        farthest = sorted(group["pairs"], key=lambda pair: (-pair[2], pair[0], pair[1]))[:PAIRS_LISTED]
        pairs = ", ".join(f"{quote(a)} ~ {quote(b)} ({d:g})" for a, b, d in farthest)
        more = len(group["pairs"]) - len(farthest)
        flag = " SUSPICIOUS" if group["suspicious"] else ""
        lines.append(f"- {group['size']} photos{flag}, farthest pairs: {pairs}" + (f" (+{more} closer)" if more else ""))
    if len(groups) > GROUPS_LISTED:
        lines.append(f"- ... and {len(groups) - GROUPS_LISTED} more groups")
    return lines
