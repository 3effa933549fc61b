"""Where a build's split came from, in the build summary and in the card.

``build.json`` records it as :class:`~cat_breeds_vlm.report.record.SplitOrigin`
(``split_origin``) beside the manifest file the build carries (``split_manifest``); reports
written before them have neither, and say nothing here.
"""

from __future__ import annotations

from .explain import count, num
from .record import BuildReport, KeptCounts, SplitOrigin

#: Left-out photos listed by name in the summary and the card (all of them are in build.json).
SHOWN = 5


def origin_sentence(origin: SplitOrigin) -> str:
    """One sentence: where the split came from, and what was kept, new, gone and left out."""
    if origin.kept:
        photos = origin.photos or KeptCounts(0, 0, 0, 0)
        fingerprint = origin.from_manifest
        source = f"{origin.kept_from}" + (f", manifest {fingerprint}" if fingerprint else ", read from its shards")
        return (
            f"Split kept from an earlier build ({source}): {num(photos.kept)} photos kept in their"
            f" split, {num(photos.new)} new, {num(photos.gone)} gone, {num(photos.left_out)} left out."
        )
    text = "Split made afresh."
    crossed = origin.crossed
    if crossed is not None:
        text += (
            f" Against the earlier build ({origin.compared_with}):"
            f" {num(crossed.train_to_eval)} photos crossed from train to val/test,"
            f" {num(crossed.eval_to_train)} from val/test to train."
        )
    return text


def target_sentence(origin: SplitOrigin) -> str:
    """How far each split is from its target (photos, before oversampling)."""
    parts = [
        f"{split} {num(t.photos)} (target {num(t.target)}, {t.photos - t.target:+d})"
        for split, t in origin.targets.items()
    ]
    return "Photos against the targets at the ratios: " + ", ".join(parts) + "." if parts else ""


def change_sentence(origin: SplitOrigin) -> str:
    """Renamed, relabelled and changed photos, counted ("" when none)."""
    parts = []
    if origin.renamed:
        n = len(origin.renamed)
        parts.append(count(n, "renamed photo kept its split", "renamed photos kept their split") + " (same bytes)")
    if origin.relabelled:
        n = len(origin.relabelled)
        parts.append(count(n, "relabelled photo kept its split", "relabelled photos kept their split"))
    if origin.changed:
        n = len(origin.changed)
        parts.append(count(n, "file", "files") + " with new bytes under an earlier name kept that name's split")
    return ("; ".join(parts) + ".") if parts else ""


def left_out_lines(origin: SplitOrigin) -> list[str]:
    """The photos the kept split left out, the first :data:`SHOWN` by name, each with why."""
    left = origin.left_out or []
    lines = [f"  {item.source}: {item.reason}" for item in left[:SHOWN]]
    if len(left) > SHOWN:
        lines.append(f"  ... and {num(len(left) - SHOWN)} more (split_origin.left_out in build.json)")
    return lines


def summary_lines(report: BuildReport) -> list[str]:
    """The build summary's lines on the split's origin (none for a report without it)."""
    origin = report.split_origin
    if origin is None or (not origin.kept and origin.crossed is None):
        return []  # a fresh split with no earlier build: nothing to say
    lines = [origin_sentence(origin)]
    if origin.kept:
        lines += [s for s in (change_sentence(origin), target_sentence(origin)) if s]
        if origin.left_out:
            lines.append("Left out to keep the earlier split leak-free:")
            lines += left_out_lines(origin)
    return lines


def card_section(report: BuildReport) -> str:
    """The card's paragraph on the split across versions ("" for a report without it)."""
    origin = report.split_origin
    if origin is None:
        return ""
    text = origin_sentence(origin)
    if origin.kept:
        text += " " + " ".join(s for s in (change_sentence(origin), target_sentence(origin)) if s)
        left = origin.left_out or []
        if left:
            text += "\n\nLeft out to keep the earlier split leak-free:\n\n" + "\n".join(
                f"- `{item.source}`: {item.reason}" for item in left[:SHOWN]
            )
            if len(left) > SHOWN:
                text += f"\n- ... and {num(len(left) - SHOWN)} more (`split_origin` in `build.json`)"
    if report.split_manifest:
        text += (
            f"\n\n`{report.split_manifest}` lists every photo's split (source, content hash, split, unit),"
            " with the photos of earlier versions that are gone: a build over this one"
            " (`cat-breeds-vlm build IMAGE_DIR -o OUT --overwrite`, or `--keep-split-of` this dataset)"
            " keeps every photo in its split."
        )
    return "## The split across versions\n\n" + text.strip()
