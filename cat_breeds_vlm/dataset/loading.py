"""Open a built dataset for reading: a local built folder or a Hub repo id, streaming or not.

Exporters, ``stats`` and ``score`` all read through :func:`open_split`, :func:`dataset_report`
and :func:`split_names`, so every command accepts the same DATASET argument.
"""

from __future__ import annotations

from pathlib import Path

import datasets

from ..build.report import REPORT_NAME, read_report
from ..errors import UserError
from ..features import SPLITS, in_build_order


def resolve_splits(requested: tuple[str, ...] | list[str], dataset: str | None = None) -> list[str]:
    """Expand ``all`` and check names: ``("train", "all")`` -> every split, in build order.

    With ``dataset``, ``all`` means the splits it has (an empty split is not written).
    """
    names = list(requested) or ["train"]
    if "all" in names:
        return split_names(dataset) if dataset is not None else list(SPLITS)
    unknown = [n for n in names if n not in SPLITS]
    if unknown:
        raise UserError(f"unknown split {unknown[0]!r}: choose from {', '.join(SPLITS)} or 'all'")
    return list(dict.fromkeys(names))


def is_local(dataset: str) -> bool:
    """True when DATASET names an existing local folder rather than a Hub repo id."""
    return Path(dataset).expanduser().is_dir()


def load_path(dataset: str) -> str:
    """What to hand ``load_dataset``: the expanded local folder, or the Hub repo id.

    Something path-like that is no folder is refused here, with one line, rather than being
    looked up on the Hub.
    """
    if is_local(dataset):
        return str(Path(dataset).expanduser())
    if dataset.startswith((".", "/", "~")) or dataset.count("/") > 1:
        raise UserError(f"no such dataset folder: {dataset}")
    return dataset


def dataset_report(dataset: str) -> dict | None:
    """The build report of a local folder or Hub repo id, or None when it has none we can read."""
    path = dataset_file(dataset, REPORT_NAME)
    return None if path is None else read_report(path.parent)


def dataset_file(dataset: str, name: str) -> Path | None:
    """A file of a local build folder or Hub repo (downloaded to the cache), or None when absent."""
    if is_local(dataset):
        path = Path(dataset).expanduser() / name
        return path if path.is_file() else None
    import huggingface_hub
    from huggingface_hub.errors import EntryNotFoundError, HFValidationError

    from .hub import NETWORK_ERRORS

    try:
        return Path(huggingface_hub.hf_hub_download(dataset, name, repo_type="dataset"))
    except (EntryNotFoundError, HFValidationError, *NETWORK_ERRORS):
        return None  # reading the rows then gives the answer, or one clear error


def split_names(dataset: str) -> list[str]:
    """The splits DATASET has, in build order: from its report, else from its card's configs."""
    report = dataset_report(dataset)
    if report is not None:
        found = list(report["splits"])
    else:
        path = load_path(dataset)
        try:
            found = datasets.get_dataset_split_names(path)
        except Exception as err:  # no data files, network / Hub errors: one line
            raise UserError(f"cannot load {dataset}: {type(err).__name__}: {err}") from None
    return in_build_order(found)


def open_split(
    dataset: str, split: str, *, streaming: bool = False, token: str | None = None
) -> datasets.Dataset | datasets.IterableDataset:
    """Load one split of a built folder or Hub repo id, with one clear error when it can't."""
    path = load_path(dataset)
    try:
        return datasets.load_dataset(path, split=split, streaming=streaming, token=token)
    except (FileNotFoundError, ValueError) as err:
        raise UserError(f"cannot load split {split!r} of {dataset}: {err}") from None
    except Exception as err:  # network / Hub errors: one line, not a traceback
        raise UserError(f"cannot load {dataset}: {type(err).__name__}: {err}") from None
