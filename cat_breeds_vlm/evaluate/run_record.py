"""The run record: what the answers in a predictions file were asked of, so no two prompts mix.

``NAME.run.json`` beside the answers holds the dataset (a local build by its absolute path, a
Hub repo by its id), the split, the endpoint and model, every setting that changes the prompt
or the answer (:data:`~cat_breeds_vlm.evaluate.predict_settings.ANSWER_SETTINGS`: system
prompt, max side, max tokens, temperature) and the dataset's version: a fingerprint of its
build report and the split's shards (names and sizes) for a local build, the commit for a Hub
repo. A rerun that differs in any of them is refused in one line naming the differences
(:func:`check_run`), so the answers of one file are always the answers of one prompt. A record
written before a key existed is read with that key's default (a missing ``dataset_version``
is not compared).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..dataset.locate import Located
from ..errors import UserError
from ..report.record import REPORT_NAME
from .predict_settings import ANSWER_SETTINGS, PredictSettings
from .probe import Endpoint

#: What must match for a rerun to add answers to an existing file, in the order named.
RUN_KEYS: tuple[str, ...] = ("dataset", "split", "base_url", "model", *ANSWER_SETTINGS, "dataset_version")
#: The option that discards the answers of another run on purpose.
RESTART = "--restart"


def run_record_path(output: Path) -> Path:
    """Where the run record of ``output`` lives: ``NAME.run.json`` beside it."""
    return output.with_name(f"{stem(output)}.run.json")


def stem(output: Path) -> str:
    """The name the files beside ``output`` start with (``predictions`` for ``predictions.jsonl``)."""
    return output.stem if output.suffix == ".jsonl" else output.name


def run_record(source: Located, split: str, endpoint: Endpoint, settings: PredictSettings) -> dict[str, Any]:
    """What the answers of a run are asked of (never the key)."""
    local = source.local and not source.cached
    name = str(Path(source.path).expanduser().resolve()) if local else source.name
    return {
        "dataset": name, "split": split, "base_url": endpoint.base_url, "model": endpoint.model,
        **settings.answer_settings(), "dataset_version": dataset_version(source, split),
    }  # fmt: skip


def dataset_version(source: Located, split: str) -> str:
    """Which version of the dataset the questions come from: the Hub commit (of the cached
    snapshot, or asked of the Hub), else a hash of the build report and the split's shards'
    names and sizes (a rebuild with other photos or settings changes it)."""
    folder = Path(source.path)
    if source.cached and folder.parent.name == "snapshots":
        return f"commit {folder.name}"
    if source.hub:
        return f"commit {_hub_commit(source.name)}"
    from ..export.source import report_files, split_files

    files = report_files(source, split) or split_files(folder, split)
    report = folder / REPORT_NAME
    digest = hashlib.sha256(report.read_bytes() if report.is_file() else b"")
    for path in files:
        digest.update(f"\n{path.name} {path.stat().st_size}".encode())
    return f"sha256 {digest.hexdigest()[:16]}"


def _hub_commit(repo_id: str) -> str:
    from huggingface_hub import HfApi

    from ..dataset.hub import hub_errors

    with hub_errors(f"cannot read the commit of {repo_id} from the Hub", None):
        return HfApi().dataset_info(repo_id).sha or "unknown"


def check_run(output: Path, run: dict[str, Any], has_answers: bool) -> None:
    """Refuse (one line) to add answers to ``output`` when they were asked of something else.

    A file with answers but no run record was not written by ``predict``: refused too.
    """
    record_path = run_record_path(output)
    if not has_answers:
        return
    if not record_path.exists():
        raise UserError(
            f"{output} already holds answers but has no {record_path.name} beside it, so what "
            f"they answer is unknown; use another -o, or {RESTART} to discard them"
        )
    try:
        earlier = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise UserError(f"cannot read {record_path}: {err}") from None
    changed = differences(earlier, run)
    if changed:
        raise UserError(
            f"{output} holds answers asked with {'; '.join(changed)}; use another -o, or "
            f"{RESTART} to discard them and ask every row again"
        )


def differences(earlier: dict[str, Any], run: dict[str, Any]) -> list[str]:
    """ "KEY EARLIER, not NOW" for each key of :data:`RUN_KEYS` that differs (an earlier
    record's missing key read as its default; a missing dataset version not compared)."""
    changed = []
    for key in RUN_KEYS:
        if key not in earlier and key not in ANSWER_SETTINGS:
            continue
        before = earlier.get(key, ANSWER_SETTINGS.get(key))
        if before != run[key]:
            changed.append(f"{key} {before!r}, not {run[key]!r}")
    return changed
