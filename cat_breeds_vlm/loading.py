"""Open a built dataset for reading: a local built folder or a Hub repo id, streaming or not.

Exporters, ``stats`` and ``score`` all read through :func:`open_split`, so every command accepts
the same DATASET argument.
"""

from __future__ import annotations

from pathlib import Path

import datasets

from .errors import UserError
from .features import SPLITS
from .report import read_report


def resolve_splits(requested: tuple[str, ...] | list[str], dataset: str | None = None) -> list[str]:
    """Expand ``all`` and check names: ``("train", "all")`` -> every split, in build order.

    For a local build, ``all`` means the splits it has (an empty split is not written).
    """
    names = list(requested) or ["train"]
    if "all" in names:
        report = read_report(Path(dataset)) if dataset is not None and is_local(dataset) else None
        return [s for s in SPLITS if report is None or s in report["splits"]]
    unknown = [n for n in names if n not in SPLITS]
    if unknown:
        raise UserError(f"unknown split {unknown[0]!r}: choose from {', '.join(SPLITS)} or 'all'")
    return list(dict.fromkeys(names))


def is_local(dataset: str) -> bool:
    """True when DATASET names an existing local folder rather than a Hub repo id."""
    return Path(dataset).expanduser().is_dir()


def open_split(
    dataset: str, split: str, *, streaming: bool = False, token: str | None = None
) -> datasets.Dataset | datasets.IterableDataset:
    """Load one split of a built folder or Hub repo id, with one clear error when it can't."""
    path = str(Path(dataset).expanduser()) if is_local(dataset) else dataset
    if not is_local(dataset) and (dataset.startswith((".", "/", "~")) or dataset.count("/") > 1):
        raise UserError(f"no such dataset folder: {dataset}")
    try:
        return datasets.load_dataset(path, split=split, streaming=streaming, token=token)
    except (FileNotFoundError, ValueError) as err:
        raise UserError(f"cannot load split {split!r} of {dataset}: {err}") from None
    except Exception as err:  # network / Hub errors: one line, not a traceback
        raise UserError(f"cannot load {dataset}: {type(err).__name__}: {err}") from None
