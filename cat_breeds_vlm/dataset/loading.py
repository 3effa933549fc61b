"""Open a built dataset for reading: a local built folder or a Hub repo id, streaming or not.

Exporters, ``stats`` and ``score`` all read through :func:`open_split`, :func:`dataset_report`
and :func:`split_names`, so every command accepts the same DATASET argument. Each takes the
argument as typed (a string) or as :func:`~cat_breeds_vlm.dataset.locate.locate` resolved it:
commands resolve it once, first, so a wrong path is answered before anything slow happens.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UserError, one_line
from ..features import SPLITS, in_build_order
from .locate import Located, check_shards, hub_file, locate
from .network import is_unreachable, network_errors, unreachable

if TYPE_CHECKING:  # only for the types: ``datasets`` is imported when rows are read
    import datasets

    from ..report.record import BuildReport

#: What ``datasets`` raises for a dataset it cannot read (as opposed to a bug of ours).
_LOAD_ERRORS: tuple[type[BaseException], ...] = (FileNotFoundError, ValueError, ConnectionError, TimeoutError)


def resolve_splits(requested: tuple[str, ...] | list[str], dataset: str | Located | None = None) -> list[str]:
    """Expand ``all`` and check names: ``("train", "all")`` -> every split, in build order.

    With ``dataset``, ``all`` means the splits it has (an empty split is not written), and
    every named split must be one of them.
    """
    names = list(requested) or ["train"]
    unknown = [n for n in names if n not in SPLITS and n != "all"]
    if unknown:
        raise UserError(f"unknown split {unknown[0]!r}: choose from {', '.join(SPLITS)} or 'all'")
    if dataset is None:
        return list(SPLITS) if "all" in names else list(dict.fromkeys(names))
    present = split_names(dataset)
    if "all" in names:
        return present
    for name in names:
        check_split(dataset, name, present)
    return list(dict.fromkeys(names))


def check_split(dataset: str | Located, split: str, present: list[str] | None = None) -> None:
    """One line, the same from every command, when DATASET has no split ``split``."""
    source = locate(dataset)
    present = split_names(source) if present is None else present
    if split in present:
        check_shards(source, split)
        return
    empty = (source.report.empty_splits if source.report is not None else None) or []
    why = ": the build gave it no rows, so it was not written" if split in empty else ""
    raise UserError(f"{source.name} has no split {split!r} (it has {', '.join(present)}){why}")


def dataset_report(dataset: str | Located) -> BuildReport | None:
    """The build report of a local folder or Hub repo id, or None when it has none."""
    return locate(dataset).report


def dataset_file(dataset: str | Located, name: str) -> Path | None:
    """A file of a local build folder or Hub repo (downloaded to the cache), or None when absent."""
    source = locate(dataset)
    if source.local:
        path = Path(source.path) / name
        return path if path.is_file() else None
    return hub_file(source.path, name)


def split_names(dataset: str | Located) -> list[str]:
    """The splits DATASET has, in build order: from its report, else from its card's configs."""
    source = locate(dataset)
    if source.report is not None:
        return in_build_order(source.report.splits)
    import datasets

    try:
        found = datasets.get_dataset_split_names(source.path)
    except (*_LOAD_ERRORS, *network_errors()) as err:  # no data files, a card that names none, a network failure
        raise UserError(f"cannot read the splits of {source.name}: {_why(source, err)}") from None
    return in_build_order(found)


def open_split(
    dataset: str | Located, split: str, *, streaming: bool = False, token: str | None = None
) -> datasets.Dataset | datasets.IterableDataset:
    """Load one split of a built folder or Hub repo id, with one clear error when it can't.

    Only ``datasets``' own errors for data it cannot read become that line; anything else is
    a bug, and surfaces as one.
    """
    source = locate(dataset, token)
    check_split(source, split)
    import datasets

    try:
        return datasets.load_dataset(source.path, split=split, streaming=streaming, token=token)
    except (*_LOAD_ERRORS, *network_errors()) as err:  # DataFilesNotFoundError, ConnectionError ...
        raise UserError(f"cannot load split {split!r} of {source.name}: {_why(source, err)}") from None


def _why(source: Located, err: BaseException) -> str:
    """What went wrong reading ``source``, in words: a Hub that cannot be reached says where
    it was looked for and what to do."""
    return unreachable(err, reading=True) if source.hub and is_unreachable(err) else one_line(err)
