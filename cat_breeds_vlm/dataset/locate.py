"""What a DATASET argument names, decided once and early: a build, a Hub repo, or a mistake.

Every command that reads a built dataset calls :func:`locate` first, before it imports
``datasets`` or touches the network:

- a folder with our ``build.json`` (checked: :func:`~cat_breeds_vlm.report.record.read_report`)
  is a build; a folder in the Hub's layout without one (a copy of a pushed build) is read too;
- any other folder is refused with what it looks like: photos (build them first), this
  project's own package source (the repository root's ``cat_breeds_vlm/``), something else;
- a path that does not exist is looked up on the Hub only when it reads as a repo id
  (``owner/name``), with one quick request and no retries; when that fails the message says
  both: no folder here, and what the Hub answered;
- with ``HF_HUB_OFFLINE=1`` a repo id is read from the local Hub cache (a snapshot of it that
  an earlier download left there), or refused with one line.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError
from ..pipeline.output import is_package_source, package_source_note, suggested_output
from ..report.record import REPORT_NAME, BuildReport, read_report

#: Columns a dataset must have for our commands to read it (the data contract).
CONTRACT_COLUMNS: tuple[str, ...] = ("id", "image", "conversations", "breed")
#: Seconds the Hub gets to answer the one look-up (``HF_HUB_ETAG_TIMEOUT`` overrides it):
#: shorter than huggingface_hub's 10 s, since someone is waiting on a yes-or-no answer.
PROBE_TIMEOUT = 4.0
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
_TRUE = {"1", "on", "yes", "true"}


@dataclass(frozen=True)
class Located:
    """A DATASET argument, resolved: where to read it and its build report (None if it has none)."""

    name: str  # as the user gave it, for messages
    path: str  # a local folder, or the Hub repo id when ``hub``
    hub: bool
    report: BuildReport | None
    cached: bool = False  # a Hub repo read offline from its snapshot in the local Hub cache

    @property
    def local(self) -> bool:
        """True when the rows are read from a folder on this machine (a build or a cached snapshot)."""
        return not self.hub


def locate(dataset: str | Located, token: str | None = None) -> Located:
    """Resolve DATASET (see the module docstring), or raise one clear :class:`UserError`."""
    if isinstance(dataset, Located):
        return dataset
    folder = Path(dataset).expanduser()
    if folder.is_dir():
        return Located(dataset, str(folder), False, check_folder(folder, dataset))
    if folder.exists():
        raise UserError(f"{dataset} is a file: give a built dataset folder or a Hub repo id")
    missing = f"no such dataset folder: {dataset}{_did_you_mean(folder)}"
    if not looks_like_repo_id(dataset):
        raise UserError(missing)
    if is_offline():
        return _from_cache(dataset, missing)
    answer = probe_hub(dataset, token)
    if answer is not None:
        raise UserError(f"{missing}, and {answer}{_cached_hint(dataset)}")
    return Located(dataset, dataset, True, hub_report(dataset, token))


def check_folder(folder: Path, name: str) -> BuildReport | None:
    """The build report of a dataset folder (None for a Hub-layout copy without one), else why not."""
    if (folder / REPORT_NAME).is_file():
        report = read_report(folder)
        if report is None:
            raise UserError(f"{folder / REPORT_NAME} is not a cat_breeds_vlm build report (unreadable or not ours)")
        return report
    shards = sorted((folder / "data").glob("*.parquet"))
    if shards:
        _check_columns(shards[0], name)
        return None
    raise UserError(not_a_build(folder, name))


def _check_columns(shard: Path, name: str) -> None:
    """Refuse, from one Parquet footer, a dataset that lacks the contract's columns."""
    import pyarrow.parquet as pq

    try:
        columns = pq.read_schema(shard).names
    except (OSError, ValueError) as err:  # pyarrow's ArrowInvalid is a ValueError
        raise UserError(f"cannot read {shard}: {err}") from None
    absent = [c for c in CONTRACT_COLUMNS if c not in columns]
    if absent:
        raise UserError(
            f"{name} is not a cat_breeds_vlm dataset: its Parquet files have no {absent[0]!r} column"
            f" (they have {', '.join(columns)})"
        )


def not_a_build(folder: Path, name: str) -> str:
    """Why a folder is not a dataset, and the command that makes one."""
    if is_package_source(folder):
        return package_source_note(folder, name)
    inner = sorted(p for p in folder.iterdir() if (p / REPORT_NAME).is_file())
    if inner:
        return f"{name} is not a built dataset, but it holds one: use {Path(name) / inner[0].name}"
    breeds = photo_folders(folder)
    if breeds:
        return (
            f"{name} is a folder of photos ({breeds} breed folder{'s' if breeds > 1 else ''}), not a"
            f" built dataset: build it first with `cat-breeds-vlm build {name} -o {suggested_output()}`,"
            " then use that folder"
        )
    return (
        f"{name} is not a built dataset (no {REPORT_NAME}, no data/*.parquet): build one with"
        f" `cat-breeds-vlm build IMAGE_DIR -o {suggested_output()}`"
    )


def photo_folders(folder: Path) -> int:
    """How many sub-folders of ``folder`` hold image files directly (0: not a photo tree)."""
    count = 0
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir() and not entry.name.startswith("."):
                    with os.scandir(entry.path) as children:  # stops at the first image
                        count += any(_is_image(child) for child in children)
    except OSError:
        return count
    return count


def _is_image(entry: os.DirEntry) -> bool:
    return entry.is_file() and entry.name.lower().endswith(_IMAGE_SUFFIXES)


def _did_you_mean(folder: Path) -> str:
    """`` (did you mean demo/cat_breeds_vlm?)`` when a sibling folder's name is close."""
    parent = folder.parent
    try:
        names = [p.name for p in parent.iterdir() if p.is_dir()] if parent.is_dir() else []
    except OSError:
        return ""
    close = difflib.get_close_matches(folder.name, names, n=1, cutoff=0.8)
    return f" (did you mean {parent / close[0] if str(parent) != '.' else close[0]}?)" if close else ""


def looks_like_repo_id(dataset: str) -> bool:
    """True for ``owner/name`` as the Hub spells repo ids (not ``./x``, ``/x``, ``a/b/c``)."""
    if dataset.count("/") != 1 or dataset.startswith((".", "~")):
        return False
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(dataset)
    except HFValidationError:
        return False
    return True


def is_offline() -> bool:
    """True when ``HF_HUB_OFFLINE`` (or ``HF_DATASETS_OFFLINE``) forbids network calls.

    huggingface_hub reads ``HF_HUB_OFFLINE`` once, at import: its reading counts too.
    """
    from huggingface_hub import constants

    names = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")
    return constants.HF_HUB_OFFLINE or any(os.environ.get(v, "").strip().lower() in _TRUE for v in names)


def probe_timeout() -> float:
    """Seconds for the one Hub look-up: ``HF_HUB_ETAG_TIMEOUT`` when set, else :data:`PROBE_TIMEOUT`."""
    try:
        return float(os.environ["HF_HUB_ETAG_TIMEOUT"])
    except (KeyError, ValueError):
        return PROBE_TIMEOUT


def probe_hub(repo_id: str, token: str | None = None) -> str | None:
    """Ask the Hub once, without retries, whether dataset ``repo_id`` is there: None if it is,
    else what the Hub answered (or that it did not), as words for a message."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        HTTPError,  # the base error of huggingface_hub's HTTP client (httpx or its successor)
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
    )

    from .network import hub_address, is_timeout, next_steps, unreachable

    timeout = probe_timeout()
    try:
        HfApi(token=token).dataset_info(repo_id, timeout=timeout)
    except OfflineModeIsEnabled:
        return "the Hub may not be asked (offline mode is on)"
    except GatedRepoError:
        return f"the Hub's {repo_id} is gated: ask for access on its page, then log in (`hf auth login` or HF_TOKEN)"
    except RepositoryNotFoundError:
        return f"the Hub has no dataset repo {repo_id} (or it is private: log in with `hf auth login` or set HF_TOKEN)"
    except HfHubHTTPError as err:
        if err.response is None:
            return unreachable(err, reading=False)
        return f"the Hub ({hub_address()}) answered HTTP {err.response.status_code}"
    except HTTPError as err:
        if is_timeout(err):
            wait = f"{timeout:g} s (HF_HUB_ETAG_TIMEOUT sets the wait)"
            return f"the Hub ({hub_address()}) did not answer within {wait}. {next_steps(reading=False)}"
        return unreachable(err, reading=False)
    return None


def hub_report(repo_id: str, token: str | None = None) -> BuildReport | None:
    """The build report of a Hub repo known to exist, or None when it has none."""
    path = hub_file(repo_id, REPORT_NAME, token)
    return None if path is None else read_report(path.parent, f"{REPORT_NAME} of {repo_id}")


def hub_file(repo_id: str, name: str, token: str | None = None) -> Path | None:
    """A file of a Hub dataset repo known to exist, downloaded to the cache; None when it has none."""
    import huggingface_hub
    from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError

    from .hub import hub_errors

    # It answered a moment ago: a network error now is a passing fault, said as one line.
    with hub_errors(f"cannot read {name} of {repo_id} from the Hub", token):
        try:
            return Path(huggingface_hub.hf_hub_download(repo_id, name, repo_type="dataset", token=token))
        except LocalEntryNotFoundError:
            raise  # no answer (an EntryNotFoundError too, but not "the repo has no such file")
        except EntryNotFoundError:
            return None


def _cached_hint(repo_id: str) -> str:
    """`` (a copy is in the local Hub cache: ...)`` when the Hub fails but a copy is here."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        snapshot_download(repo_id, repo_type="dataset", local_files_only=True)
    except LocalEntryNotFoundError:
        return ""
    return " (a copy of it is in the local Hub cache: set HF_HUB_OFFLINE=1 to read that)"


def _from_cache(repo_id: str, missing: str) -> Located:
    """A repo id read offline: its snapshot in the local Hub cache, complete, or one line why not."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        folder = Path(snapshot_download(repo_id, repo_type="dataset", local_files_only=True))
    except LocalEntryNotFoundError:
        raise UserError(
            f"{missing}, and {repo_id} is not in the local Hub cache (HF_HUB_OFFLINE is set: unset it to download it)"
        ) from None
    try:
        report = check_folder(folder, repo_id)
    except UserError as err:
        raise UserError(f"the copy of {repo_id} in the local Hub cache cannot be read: {err}") from None
    return Located(repo_id, str(folder), False, report, cached=True)


def check_shards(source: Located, split: str) -> None:
    """One line when a local split lacks a shard its build report lists (read before any row)."""
    from ..features import shard_name

    info = source.report.splits.get(split) if source.report is not None else None
    if not source.local or info is None:
        return
    count = info.shards or 0
    for index in range(count):
        shard = Path(source.path, "data", shard_name(split, index, count))
        if not shard.is_file():
            if source.cached:
                raise UserError(
                    f"only part of {source.name} is in the local Hub cache (data/{shard.name} is"
                    " missing): unset HF_HUB_OFFLINE to download the rest"
                )
            raise UserError(f"{source.name} is an incomplete build: data/{shard.name} is missing (build it again)")
