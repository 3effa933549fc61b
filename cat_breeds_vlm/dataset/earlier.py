"""An earlier build's split, read from a folder or a Hub dataset repo: its manifest, nothing else.

``DATASET`` is a built folder, or a Hub repo id with an optional revision (``owner/name@v1``, a
branch, tag or commit: the version a model was trained on). From the Hub only ``build.json`` and
``split_manifest.parquet`` are downloaded (a private repo with ``HF_TOKEN`` or the saved login),
never a shard of images. A local build made before the manifest existed is read from its shards'
``source`` column (photos known by name only); a Hub repo without a manifest is refused with
what to do instead.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from ..errors import UserError
from ..pipeline.keep import Earlier
from ..pipeline.manifest import MANIFEST_NAME, entries_from_shards, open_manifest
from ..report.record import REPORT_NAME, read_report


def split_repo_id(dataset: str) -> tuple[str, str | None]:
    """``owner/name@rev`` -> (``owner/name``, ``rev``); no ``@``: no revision (the main branch)."""
    repo_id, _, revision = dataset.partition("@")
    return repo_id, revision or None


def read_earlier(dataset: str, *, keep: bool = True, token: str | None = None, origin: str | None = None) -> Earlier:
    """The split of the build ``dataset`` (a folder or a repo id[@revision]), or one line why not.

    ``origin`` is how the report names it (default: the folder's name, or the repo id as given);
    ``keep=False`` reads it only to compare a fresh split with.
    """
    folder = Path(dataset).expanduser()
    if folder.is_dir():
        return read_folder(folder, keep=keep, origin=origin or folder.name)
    from .locate import looks_like_repo_id

    repo_id, revision = split_repo_id(dataset)
    if not looks_like_repo_id(repo_id):
        raise UserError(f"no such dataset folder: {dataset} (give a built folder, or a Hub repo id[@revision])")
    return read_hub(repo_id, revision, keep=keep, token=token, origin=origin or dataset)


def read_folder(folder: Path, *, keep: bool = True, origin: str) -> Earlier:
    """The split of a local build: its manifest, else its shards' ``source`` column."""
    report = read_report(folder)
    if report is None:
        raise UserError(f"{folder} is not a cat_breeds_vlm build: no readable {REPORT_NAME} of ours")
    settings = report.settings or {}
    manifest = folder / MANIFEST_NAME
    if manifest.is_file():
        read, fingerprint = open_manifest(manifest)
        return Earlier(read, origin, fingerprint, settings, keep)
    return Earlier(partial(entries_from_shards, folder, list(report.splits)), origin, "", settings, keep)


def read_hub(repo_id: str, revision: str | None, *, keep: bool = True, token: str | None, origin: str) -> Earlier:
    """The split of a build pushed to the Hub: its ``build.json`` and manifest, downloaded alone.

    Online, the Hub is asked once first, without retries (:func:`~.locate.probe_hub`): a Hub
    that cannot be reached, or has no such repo, is said at once, with the next step.
    """
    from .locate import is_offline, probe_hub

    answer = None if is_offline() else probe_hub(repo_id, token)
    if answer is not None:
        raise UserError(f"cannot read the split of {repo_id}: {answer}")
    report_path = _download(repo_id, revision, REPORT_NAME, token)
    at = f"@{revision}" if revision else ""
    report = read_report(report_path.parent, f"{REPORT_NAME} of {repo_id}{at}")
    if report is None:
        raise UserError(f"{repo_id} is not a cat_breeds_vlm build: no readable {REPORT_NAME} of ours")
    try:
        manifest = _download(repo_id, revision, MANIFEST_NAME, token)
    except _Missing:
        raise UserError(
            f"{repo_id} has no {MANIFEST_NAME} (it was built before builds carried their split): give"
            " the local build folder it was pushed from instead, or make a new split with --fresh-split"
        ) from None
    read, fingerprint = open_manifest(manifest)
    return Earlier(read, origin, fingerprint, report.settings or {}, keep)


#: How a report names the earlier build a rebuild replaces (no path: the report stays reproducible).
OUTPUT_ORIGIN = "the earlier build in the output folder"


def earlier_for_build(out: Path, keep_split_of: str | None, fresh: bool, token: str | None = None) -> Earlier | None:
    """The split a build keeps, or compares a fresh split with: ``keep_split_of`` when given, else
    the earlier build in ``out`` (which ``--overwrite`` replaces); None when there is neither."""
    if keep_split_of:
        return read_earlier(keep_split_of, keep=not fresh, token=token)
    if Path(out).is_dir() and read_report(Path(out)) is not None:
        return read_folder(Path(out), keep=not fresh, origin=OUTPUT_ORIGIN)
    return None


class _Missing(Exception):
    """The repo has no such file."""


def _download(repo_id: str, revision: str | None, name: str, token: str | None) -> Path:
    """One file of a dataset repo at ``revision``, downloaded to the Hub cache; one line when it fails."""
    import huggingface_hub
    from huggingface_hub.errors import (
        EntryNotFoundError,
        GatedRepoError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    from .hub import hub_errors

    at = f" at revision {revision}" if revision else ""
    with hub_errors(f"cannot read {name} of {repo_id}{at} from the Hub", token):
        try:
            return Path(
                huggingface_hub.hf_hub_download(repo_id, name, repo_type="dataset", revision=revision, token=token)
            )
        except LocalEntryNotFoundError:
            raise  # no answer, or offline without a copy (an EntryNotFoundError too): hub_errors words it
        except EntryNotFoundError:
            if name == REPORT_NAME:
                raise UserError(f"{repo_id}{at} is not a cat_breeds_vlm build: it has no {REPORT_NAME}") from None
            raise _Missing(name) from None
        except GatedRepoError:
            raise UserError(f"{repo_id} is gated: ask for access on its page, then log in") from None
        except RepositoryNotFoundError:
            raise UserError(
                f"the Hub has no dataset repo {repo_id} (or it is private: log in with `hf auth login` or set HF_TOKEN)"
            ) from None
        except RevisionNotFoundError:
            raise UserError(f"{repo_id} has no revision {revision!r}") from None
