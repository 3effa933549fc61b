"""Export a built dataset for training services: Fireworks JSONL, LLaVA JSON, TRL; validate them.

Every exporter takes one loaded split (a local built folder, a Hub repo id, or a split opened
with ``streaming=True``, or a :class:`ParquetSplit` that reads a local folder's shards
directly), streams its rows with memory flat in their number, writes under temporary names
renamed into place at the end, and returns an :class:`ExportSummary`.
:func:`validate` checks a written file against its format's rules. Modules: one per format
(:mod:`.fireworks`, :mod:`.llava`, :mod:`.trl`), image encoding (:mod:`.images`), image files
(:mod:`.imagefiles`), the record writer (:mod:`.writer`), where rows come from
(:mod:`.source`), the streaming loop (:mod:`.stream`) and its workers writing segments
(:mod:`.segments`), the shared conversation rules (:mod:`.rules`), and a row's chat messages
(:mod:`.chat`: what the Fireworks export writes and ``predict`` sends). The commands are in
:mod:`cat_breeds_vlm.cli.export`.
"""

from __future__ import annotations

from .. import lazy_names

#: Where each public name lives; imported on first use, so the command line (which imports
#: :data:`~.validator.KINDS` from here) does not pay for pyarrow and datasets up front.
_HOMES = {
    "ExportSummary": ".stream",
    "ParquetSplit": ".source",
    "Report": ".validator",
    "export_fireworks": ".fireworks",
    "export_llava": ".llava",
    "export_trl": ".trl",
    "to_trl": ".trl",
    "validate": ".validator",
}

__all__ = sorted(_HOMES)

__getattr__ = lazy_names(__name__, _HOMES)
