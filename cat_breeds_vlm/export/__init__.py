"""Export a built dataset for training services: Fireworks JSONL, LLaVA JSON, TRL; validate them.

Every exporter takes one loaded split (a local built folder, a Hub repo id, or a split opened
with ``streaming=True``, or a :class:`ParquetSplit` that reads a local folder's shards
directly), streams its rows with memory flat in their number, writes under temporary names
renamed into place at the end, and returns an :class:`ExportSummary`.
:func:`validate` checks a written file against its format's rules. Modules: one per format
(:mod:`.fireworks`, :mod:`.llava`, :mod:`.trl`), image encoding (:mod:`.images`), image files
(:mod:`.imagefiles`), the record writer (:mod:`.writer`), where rows come from
(:mod:`.source`), the streaming loop (:mod:`.stream`) and its workers writing segments
(:mod:`.segments`), and the shared conversation rules (:mod:`.rules`). The
commands are in :mod:`cat_breeds_vlm.cli.export`.
"""

from __future__ import annotations

from .fireworks import export_fireworks
from .llava import export_llava
from .source import ParquetSplit
from .stream import ExportSummary
from .trl import export_trl, to_trl
from .validator import Report, validate

__all__ = [
    "ExportSummary",
    "ParquetSplit",
    "Report",
    "export_fireworks",
    "export_llava",
    "export_trl",
    "to_trl",
    "validate",
]
