"""Where a build's split came from, in ``build.json``, in the build summary and in the card.

``build.json`` records it under two keys (absent from reports written before them):

- ``split_manifest``: the manifest file the build carries (``split_manifest.parquet``);
- ``split_origin``: ``kind`` (``fresh`` or ``kept``), ``manifest_fingerprint`` (this build's
  manifest), ``targets`` (each split's photos against its target); for a kept split ``from``,
  ``from_manifest`` (the earlier manifest's fingerprint), ``photos`` (kept / new / gone /
  left_out) and the lists ``left_out``, ``renamed``, ``relabelled``, ``changed``; for a fresh
  split made where an earlier build was known, ``compared_with`` and ``crossed`` (photos that
  crossed between train and val/test, each way). No dates: the same inputs give the same report.
"""

from __future__ import annotations

from typing import Any

from .explain import count, num

MANIFEST_KEY = "split_manifest"
ORIGIN_KEY = "split_origin"
#: Left-out photos listed by name in the summary and the card (all of them are in build.json).
SHOWN = 5


def split_keys(origin: dict, manifest_fingerprint: str | None) -> dict[str, Any]:
    """The report keys of a build's split: the manifest it carries (None: nothing written)."""
    from ..pipeline.manifest import MANIFEST_NAME

    return {
        MANIFEST_KEY: MANIFEST_NAME if manifest_fingerprint else None,
        ORIGIN_KEY: {**origin, "manifest_fingerprint": manifest_fingerprint},
    }


def origin_sentence(origin: dict) -> str:
    """One sentence: where the split came from, and what was kept, new, gone and left out."""
    if origin.get("kind") == "kept":
        photos = origin.get("photos", {})
        fingerprint = origin.get("from_manifest")
        source = f"{origin.get('from')}" + (f", manifest {fingerprint}" if fingerprint else ", read from its shards")
        return (
            f"Split kept from an earlier build ({source}): {num(photos.get('kept', 0))} photos kept in their"
            f" split, {num(photos.get('new', 0))} new, {num(photos.get('gone', 0))} gone,"
            f" {num(photos.get('left_out', 0))} left out."
        )
    text = "Split made afresh."
    crossed = origin.get("crossed")
    if crossed is not None:
        text += (
            f" Against the earlier build ({origin.get('compared_with')}):"
            f" {num(crossed['train_to_eval'])} photos crossed from train to val/test,"
            f" {num(crossed['eval_to_train'])} from val/test to train."
        )
    return text


def target_sentence(origin: dict) -> str:
    """How far each split is from its target (photos, before oversampling)."""
    targets = origin.get("targets") or {}
    parts = [
        f"{split} {num(t['photos'])} (target {num(t['target'])}, {t['photos'] - t['target']:+d})"
        for split, t in targets.items()
    ]
    return "Photos against the targets at the ratios: " + ", ".join(parts) + "." if parts else ""


def change_sentence(origin: dict) -> str:
    """Renamed, relabelled and changed photos, counted ("" when none)."""
    parts = []
    if origin.get("renamed"):
        n = len(origin["renamed"])
        parts.append(count(n, "renamed photo kept its split", "renamed photos kept their split") + " (same bytes)")
    if origin.get("relabelled"):
        n = len(origin["relabelled"])
        parts.append(count(n, "relabelled photo kept its split", "relabelled photos kept their split"))
    if origin.get("changed"):
        n = len(origin["changed"])
        parts.append(count(n, "file", "files") + " with new bytes under an earlier name kept that name's split")
    return ("; ".join(parts) + ".") if parts else ""


def left_out_lines(origin: dict) -> list[str]:
    """The photos the kept split left out, the first :data:`SHOWN` by name, each with why."""
    left = origin.get("left_out") or []
    lines = [f"  {item['source']}: {item['reason']}" for item in left[:SHOWN]]
    if len(left) > SHOWN:
        lines.append(f"  ... and {num(len(left) - SHOWN)} more (split_origin.left_out in build.json)")
    return lines


def summary_lines(report: dict) -> list[str]:
    """The build summary's lines on the split's origin (none for a report without it)."""
    origin = report.get(ORIGIN_KEY)
    if not origin or (origin.get("kind") != "kept" and origin.get("crossed") is None):
        return []  # a fresh split with no earlier build: nothing to say
    lines = [origin_sentence(origin)]
    if origin.get("kind") == "kept":
        lines += [s for s in (change_sentence(origin), target_sentence(origin)) if s]
        if origin.get("left_out"):
            lines.append("Left out to keep the earlier split leak-free:")
            lines += left_out_lines(origin)
    return lines


def card_section(report: dict) -> str:
    """The card's paragraph on the split across versions ("" for a report without it)."""
    origin = report.get(ORIGIN_KEY)
    if not origin:
        return ""
    text = origin_sentence(origin)
    if origin.get("kind") == "kept":
        text += " " + " ".join(s for s in (change_sentence(origin), target_sentence(origin)) if s)
        if origin.get("left_out"):
            text += "\n\nLeft out to keep the earlier split leak-free:\n\n" + "\n".join(
                f"- `{item['source']}`: {item['reason']}" for item in origin["left_out"][:SHOWN]
            )
            if len(origin["left_out"]) > SHOWN:
                text += f"\n- ... and {num(len(origin['left_out']) - SHOWN)} more (`split_origin` in `build.json`)"
    if report.get(MANIFEST_KEY):
        text += (
            f"\n\n`{report[MANIFEST_KEY]}` lists every photo's split (source, content hash, split, unit),"
            " with the photos of earlier versions that are gone: a build over this one"
            " (`cat-breeds-vlm build IMAGE_DIR -o OUT --overwrite`, or `--keep-split-of` this dataset)"
            " keeps every photo in its split."
        )
    return "## The split across versions\n\n" + text.strip()
