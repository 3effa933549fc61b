"""Push a built folder to a Hugging Face Hub dataset repo: private unless asked, in one commit.

What colleagues load from the Hub must be exactly what was built, so :func:`push`:

- refuses a folder that is not a complete build (:func:`check_build`);
- creates the dataset repo private unless ``private=False``, and stops if the repo already exists
  and is public while a private push was asked for: nothing is published by accident;
- uploads the build's files unchanged in **one commit** (``HfApi.create_commit`` with one
  operation per file), removing Parquet shards an earlier push left under ``data/`` that this
  build does not have (they would match ``data/{split}-*.parquet`` and add stale rows).
  ``upload_folder`` is not used: with ``hf_xet`` installed (the default) it may split a folder
  into several commits, and between two of them the Hub would serve a card that does not match
  its shards. A build is a handful of files, far below the per-commit limits.

The token comes from ``token=``, else ``HF_TOKEN``, else the saved login (huggingface_hub resolves
``token=None``). It is never printed or logged, and errors are scrubbed of it.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi
from huggingface_hub.errors import (
    HfHubHTTPError,
    HFValidationError,
    LocalEntryNotFoundError,
    OfflineModeIsEnabled,
)
from huggingface_hub.utils import validate_repo_id

from .. import __version__
from ..errors import UserError, one_line
from ..features import shard_name
from ..report.card import CARD_NAME, CHART_NAME
from ..report.record import GENERATOR, REPORT_NAME, BuildReport, read_report
from .locate import not_a_build
from .network import is_unreachable, network_errors, offline_words, unreachable

#: Files every build has besides its Parquet shards.
BUILD_FILES: tuple[str, ...] = (CARD_NAME, REPORT_NAME, CHART_NAME)
#: Names that mark an unfinished write: atomic-write temporaries, the build's staging folder
#: (``.OUT.partial-XXXX``), partial downloads. A folder with one, or named so, is refused.
PARTIAL_PATTERNS: tuple[str, ...] = ("*.tmp", ".tmp*", "*.partial", "*.partial-*", "*.incomplete")
REPO_TYPE = "dataset"

# Network and Hub failures: HfHubHTTPError covers HTTP status errors; the base HTTP error of
# huggingface_hub's client (httpx in 1.x/2.x, requests before) covers connection failures, and
# LocalEntryNotFoundError a download that got no answer and found no copy in the cache.
NETWORK_ERRORS: tuple[type[BaseException], ...] = (HfHubHTTPError, *network_errors())
_TOKEN_PATTERN = re.compile(r"hf_[A-Za-z0-9_]{6,}")


@dataclass(frozen=True)
class BuildFolder:
    """A complete built folder: its report, the files a push uploads, and the files it leaves."""

    path: Path
    report: BuildReport
    files: tuple[str, ...]  # posix paths relative to ``path``, sorted
    left_out: tuple[str, ...]  # other files found there (not part of a build), never uploaded


@dataclass(frozen=True)
class PushResult:
    """What a push did: where the data went and which files it sent or removed."""

    repo_id: str
    repo_url: str
    private: bool
    commit_url: str
    revision: str | None  # the branch or ``refs/pr/N`` to load from; None for the main branch
    pr_url: str | None
    uploaded: tuple[str, ...]
    deleted: tuple[str, ...]
    left_out: tuple[str, ...]

    def load_line(self) -> str:
        """The ``load_dataset(...)`` call that loads what was pushed."""
        revision = f', revision="{self.revision}"' if self.revision else ""
        return f'load_dataset("{self.repo_id}"{revision})'


def check_build(dataset_dir: str | Path) -> BuildFolder:
    """Check that ``dataset_dir`` is a complete build; return what a push would upload.

    Complete means: no temporary or partial file anywhere; ``build.json`` written by
    cat_breeds_vlm; the card, the chart, and the label file, domain file and split manifest it
    names; and for every split in ``build.json`` exactly its ``data/{split}-XXXXX-of-YYYYY.parquet``
    shards, readable, holding the reported rows.
    """
    folder = Path(dataset_dir).expanduser()
    if not folder.is_dir():
        raise UserError(f"no such dataset folder: {dataset_dir}")
    found = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    names = [folder.resolve().name] + [part for f in found for part in f.split("/")]
    partial = [name for name in names if _is_partial(name)]
    if partial:
        raise UserError(f"{folder} is an unfinished write ({partial[0]}): rebuild it before pushing")
    report = read_report(folder)
    if report is None and not any(f == REPORT_NAME or f.endswith(".parquet") for f in found):
        raise UserError(not_a_build(folder, str(dataset_dir)))  # no build at all: every command's words
    if report is None:
        raise UserError(f"{folder} is not a cat_breeds_vlm build: no readable {REPORT_NAME} of ours")
    if not report.splits:
        raise UserError(f"incomplete build in {folder}: {REPORT_NAME} lists no splits")
    # The label and domain files the build carries (builds before them name none): score reads them.
    expected = [*BUILD_FILES, *(name for name in (report.label_file, report.domain_file) if name)]
    if report.split_manifest:  # the build's split, which a later build keeps
        expected.append(report.split_manifest)
    missing = [name for name in expected if name not in found]
    if missing:
        raise UserError(f"incomplete build in {folder}: {missing[0]} is missing")
    shards = [shard for split in report.splits for shard in _check_split(folder, split, report, found)]
    files = tuple(sorted([*expected, *shards]))
    return BuildFolder(folder, report, files, tuple(f for f in found if f not in files))


def push(
    dataset_dir: str | Path,
    repo_id: str,
    private: bool = True,
    token: str | None = None,
    revision: str | None = None,
    message: str | None = None,
    create_pr: bool = False,
    api: HfApi | None = None,
) -> PushResult:
    """Upload the build in ``dataset_dir`` to the dataset repo ``repo_id`` in one commit.

    ``private=True`` creates a private repo and refuses to push into an existing public one.
    ``revision`` names a branch (created when missing); ``create_pr`` opens a pull request
    (against ``revision`` when given) instead of committing to the branch directly.
    """
    build = check_build(dataset_dir)
    try:
        validate_repo_id(repo_id)
    except HFValidationError as err:
        raise UserError(f"invalid repo id {repo_id!r}: {one_line(err)}") from None
    api = api or HfApi(library_name=GENERATOR, library_version=__version__)
    with hub_errors(f"cannot push to {repo_id}", token, reading=False):
        repo_url = api.create_repo(repo_id, repo_type=REPO_TYPE, private=private, exist_ok=True, token=token)
        full_id = getattr(repo_url, "repo_id", None) or repo_id
        is_private = _check_visibility(api, full_id, private, token)
        if revision:
            api.create_branch(full_id, branch=revision, repo_type=REPO_TYPE, exist_ok=True, token=token)
        remote = api.list_repo_files(full_id, repo_type=REPO_TYPE, revision=revision, token=token)
        stale = sorted(p for p in remote if p.startswith("data/") and p not in build.files)
        operations = [CommitOperationAdd(p, str(build.path / p)) for p in build.files]
        operations += [CommitOperationDelete(p) for p in stale]
        commit = api.create_commit(
            full_id,
            operations,
            commit_message=message or default_message(build.report),
            repo_type=REPO_TYPE,
            revision=revision,
            create_pr=create_pr,
            token=token,
        )
    return PushResult(
        repo_id=full_id,
        repo_url=str(repo_url),
        private=is_private,
        commit_url=commit.commit_url,
        revision=commit.pr_revision or revision,
        pr_url=commit.pr_url,
        uploaded=build.files,
        deleted=tuple(stale),
        left_out=build.left_out,
    )


def _check_visibility(api: HfApi, repo_id: str, private: bool, token: str | None) -> bool:
    """Whether ``repo_id`` is private; refuse to push a private build into a public repo."""
    is_private = api.repo_info(repo_id, repo_type=REPO_TYPE, token=token).private is True
    if private and not is_private:
        raise UserError(
            f"{repo_id} already exists and is public: pushing would publish this dataset."
            " Pass --public (private=False) to push to it anyway, or choose another repo id"
        )
    return is_private


def default_message(report: BuildReport) -> str:
    """The commit message of a push: what was built, from how many rows, with which seed."""
    rows = sum(split.rows for split in report.splits.values())
    seed = (report.settings or {}).get("seed")
    version = report.package_version or "?"
    return f"Upload cat_breeds_vlm {version} build ({rows:,} rows, seed {seed})"


@contextmanager
def hub_errors(what: str, token: str | None, *, reading: bool = True) -> Iterator[None]:
    """Turn a network or Hub error into a one-line :class:`UserError`, with any token scrubbed.

    A request that got no answer names the Hub's address and the next steps
    (:func:`.network.unreachable`; ``reading``, true but for a push: the local cache may serve
    instead).
    """
    try:
        yield
    except NETWORK_ERRORS as err:
        if is_unreachable(err):
            words = unreachable(err, reading=reading)
        elif isinstance(err, (OfflineModeIsEnabled, LocalEntryNotFoundError)):
            words = offline_words()
        else:
            words = one_line(err)
        raise UserError(scrub(f"{what}: {words}", token)) from None


def scrub(text: str, token: str | None = None) -> str:
    """``text`` with the given token, ``HF_TOKEN``'s and anything shaped like a token hidden.

    The saved login's token is an ``hf_...`` token, caught by the pattern; reading it here would
    risk a refresh call in the middle of an error.
    """
    for secret in (token, os.environ.get("HF_TOKEN"), os.environ.get("HUGGING_FACE_HUB_TOKEN")):
        if secret and secret.strip():
            text = text.replace(secret.strip(), "***")
    return _TOKEN_PATTERN.sub("hf_***", text)


def _is_partial(name: str) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in PARTIAL_PATTERNS)


def _check_split(folder: Path, split: str, report: BuildReport, found: list[str]) -> list[str]:
    """The split's shard paths, checked against the shard count and row count of the report."""
    info = report.splits[split]
    count = info.shards or 0
    expected = [f"data/{shard_name(split, i, count)}" for i in range(count)]
    present = [f for f in found if fnmatch.fnmatch(f, f"data/{split}-*.parquet")]
    if present != expected:
        missing = sorted(set(expected) - set(present)) or sorted(set(present) - set(expected))
        raise UserError(
            f"incomplete build in {folder}: split {split!r} should have {count} shard(s),"
            f" found {len(present)} ({missing[0]} differs)"
        )
    rows = 0
    for shard in expected:
        try:
            rows += pq.read_metadata(folder / shard).num_rows
        except (OSError, ValueError) as err:  # a damaged file: pyarrow's ArrowInvalid is a ValueError
            raise UserError(f"cannot read {folder / shard}: {one_line(err)}") from None
    if rows != info.rows:
        raise UserError(f"incomplete build in {folder}: split {split!r} has {rows} rows, build.json says {info.rows}")
    return expected
