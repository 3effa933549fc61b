"""`push`: checked offline against a recording double of huggingface_hub's HfApi.

The double subclasses the real ``HfApi``: every call it answers is bound against the real
method's signature first (a wrong keyword fails the test), and any method it does not answer
goes to the real library, which is offline here and raises. Its "Hub" is a local folder: a
commit copies the uploaded files there, so ``load_dataset`` can read what a push sent.
"""

from __future__ import annotations

import inspect
import logging
import shutil
from pathlib import Path
from typing import Any

import datasets
import pytest
from card_fixtures import make_build
from click.testing import CliRunner
from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.hf_api import CommitInfo, DatasetInfo, RepoUrl

from cat_breeds_vlm.cli import main
from cat_breeds_vlm.dataset import hub
from cat_breeds_vlm.errors import UserError
from cat_breeds_vlm.features import SPLITS

TOKEN = "hf_SeCrEtToKeN1234567890abcdef"
ENV_TOKEN = "hf_EnvToKeN0987654321zyxwvu"
EXPECTED_FILES = [
    "README.md",
    "build.json",
    "class_distribution.png",
    "data/priority-00000-of-00001.parquet",
    "data/test-00000-of-00001.parquet",
    "data/train-00000-of-00002.parquet",
    "data/train-00001-of-00002.parquet",
    "data/val-00000-of-00001.parquet",
]
COMMIT_METHODS = ("create_commit", "upload_folder", "upload_file", "upload_large_folder")


class RecordingHfApi(HfApi):
    """An HfApi whose Hub is a local folder; records each call's arguments by name."""

    def __init__(
        self,
        hub_dir: Path,
        *,
        exists: bool = False,
        private: bool = True,
        fail: BaseException | None = None,
        fail_on: str = "create_repo",
    ) -> None:
        super().__init__()
        self.hub_dir = hub_dir
        self.exists, self.private = exists, private
        self.fail, self.fail_on = fail, fail_on
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _record(self, name: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        bound = inspect.signature(getattr(HfApi, name)).bind(self, *args, **kwargs)
        arguments = {k: v for k, v in bound.arguments.items() if k != "self"}
        self.calls.append((name, arguments))
        if self.fail is not None and name == self.fail_on:
            raise self.fail
        return arguments

    def called(self, name: str) -> list[dict[str, Any]]:
        return [arguments for call, arguments in self.calls if call == name]

    def create_repo(self, *args: Any, **kwargs: Any) -> RepoUrl:
        a = self._record("create_repo", *args, **kwargs)
        if not self.exists:
            self.exists, self.private = True, bool(a.get("private"))
            self.hub_dir.mkdir(parents=True, exist_ok=True)
            (self.hub_dir / ".gitattributes").write_text("*.parquet filter=lfs\n")
        return RepoUrl(f"https://huggingface.co/datasets/{a['repo_id']}")

    def repo_info(self, *args: Any, **kwargs: Any) -> DatasetInfo:
        a = self._record("repo_info", *args, **kwargs)
        return DatasetInfo(id=a["repo_id"], private=self.private)

    def create_branch(self, *args: Any, **kwargs: Any) -> None:
        self._record("create_branch", *args, **kwargs)

    def list_repo_files(self, *args: Any, **kwargs: Any) -> list[str]:
        self._record("list_repo_files", *args, **kwargs)
        return sorted(p.relative_to(self.hub_dir).as_posix() for p in self.hub_dir.rglob("*") if p.is_file())

    def create_commit(self, *args: Any, **kwargs: Any) -> CommitInfo:
        a = self._record("create_commit", *args, **kwargs)
        a["operations"] = list(a["operations"])
        for op in a["operations"]:
            target = self.hub_dir / op.path_in_repo
            if isinstance(op, CommitOperationAdd):
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(op.path_or_fileobj, target)
            else:
                target.unlink()
        url = f"https://huggingface.co/datasets/{a['repo_id']}"
        return CommitInfo(
            commit_url=f"{url}/commit/{'0' * 40}",
            commit_message=a["commit_message"],
            commit_description="",
            oid="0" * 40,
            pr_url=f"{url}/discussions/1" if a.get("create_pr") else None,
        )

    def upload_folder(self, *args: Any, **kwargs: Any) -> Any:
        self._record("upload_folder", *args, **kwargs)
        raise AssertionError("push must commit with create_commit, not upload_folder")


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete built folder (read-only for the tests)."""
    folder = tmp_path_factory.mktemp("built") / "cat_breeds_vlm"
    make_build(folder)
    return folder


@pytest.fixture()
def api(tmp_path: Path) -> RecordingHfApi:
    return RecordingHfApi(tmp_path / "hub")


def test_push_creates_a_private_dataset_repo_and_uploads_the_build_in_one_commit(build, api):
    result = hub.push(build, "team/cats", api=api)

    [create] = api.called("create_repo")
    assert create["repo_id"] == "team/cats"
    assert create["repo_type"] == "dataset"
    assert create["private"] is True
    assert create["exist_ok"] is True
    assert [name for name, _ in api.calls if name in COMMIT_METHODS] == ["create_commit"]
    [commit] = api.called("create_commit")
    assert commit["repo_type"] == "dataset"
    assert [op.path_in_repo for op in commit["operations"]] == EXPECTED_FILES
    assert all(isinstance(op, CommitOperationAdd) for op in commit["operations"])
    assert [Path(op.path_or_fileobj) for op in commit["operations"]] == [build / f for f in EXPECTED_FILES]
    assert result.private is True
    assert result.uploaded == tuple(EXPECTED_FILES)
    assert result.load_line() == 'load_dataset("team/cats")'


def test_public_flag_creates_a_public_repo(build, api):
    result = hub.push(build, "team/cats", private=False, api=api)
    assert api.called("create_repo")[0]["private"] is False
    assert result.private is False


def test_existing_public_repo_is_refused_unless_public_is_given(build, tmp_path):
    api = RecordingHfApi(tmp_path / "hub", exists=True, private=False)
    with pytest.raises(UserError, match="already exists and is public"):
        hub.push(build, "team/cats", api=api)
    assert not [name for name, _ in api.calls if name in COMMIT_METHODS]

    hub.push(build, "team/cats", private=False, api=api)
    assert len(api.called("create_commit")) == 1


def test_existing_private_repo_is_pushed_to(build, tmp_path):
    api = RecordingHfApi(tmp_path / "hub", exists=True, private=True)
    (tmp_path / "hub").mkdir()
    assert hub.push(build, "team/cats", api=api).private is True


def _load_rows(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """Every row of every split, image bytes undecoded, in file order."""
    loaded = datasets.load_dataset(str(folder))
    return {split: list(loaded[split].cast_column("image", datasets.Image(decode=False))) for split in loaded}


def test_a_push_into_a_local_hub_loads_to_the_same_rows_as_the_build(build, api):
    hub.push(build, "team/cats", api=api)

    for name in EXPECTED_FILES:
        assert (api.hub_dir / name).read_bytes() == (build / name).read_bytes()
    pushed, local = _load_rows(api.hub_dir), _load_rows(build)
    assert list(pushed) == list(SPLITS)
    assert pushed == local
    assert len(pushed["train"]) == 10


def test_shards_left_by_an_earlier_push_are_deleted_in_the_same_commit(build, api):
    stale_shard = "data/train-00002-of-00003.parquet"
    (api.hub_dir / "data").mkdir(parents=True)
    shutil.copyfile(build / "data/train-00000-of-00002.parquet", api.hub_dir / stale_shard)
    (api.hub_dir / "notes.md").write_text("kept: not ours to delete\n")
    api.exists = True

    result = hub.push(build, "team/cats", api=api)

    [commit] = api.called("create_commit")
    deletes = [op.path_in_repo for op in commit["operations"] if isinstance(op, CommitOperationDelete)]
    assert deletes == [stale_shard]
    assert result.deleted == (stale_shard,)
    assert (api.hub_dir / "notes.md").exists()
    assert len(_load_rows(api.hub_dir)["train"]) == 10  # not 10 + the stale shard's rows


def test_revision_branch_is_created_and_committed_to(build, api):
    result = hub.push(build, "team/cats", revision="v2", message="Second build", api=api)
    [branch] = api.called("create_branch")
    assert branch["branch"] == "v2" and branch["exist_ok"] is True and branch["repo_type"] == "dataset"
    [commit] = api.called("create_commit")
    assert commit["revision"] == "v2"
    assert commit["commit_message"] == "Second build"
    assert result.load_line() == 'load_dataset("team/cats", revision="v2")'


def test_create_pr_opens_a_pull_request(build, api):
    result = hub.push(build, "team/cats", create_pr=True, api=api)
    assert api.called("create_commit")[0]["create_pr"] is True
    assert result.pr_url == "https://huggingface.co/datasets/team/cats/discussions/1"
    assert result.load_line() == 'load_dataset("team/cats", revision="refs/pr/1")'


def _damage(folder: Path, how: str) -> Path:
    """Make one kind of incomplete build; return the folder to push."""
    if how == "no card":
        (folder / "README.md").unlink()
    elif how == "no report":
        (folder / "build.json").unlink()
    elif how == "foreign report":
        text = (folder / "build.json").read_text().replace('"cat_breeds_vlm"', '"someone_else"', 1)
        (folder / "build.json").write_text(text)
    elif how == "no chart":
        (folder / "class_distribution.png").unlink()
    elif how == "missing shard":
        (folder / "data/train-00001-of-00002.parquet").unlink()
    elif how == "extra shard":
        val = folder / "data/val-00000-of-00001.parquet"
        shutil.copyfile(val, folder / "data/val-00001-of-00002.parquet")
    elif how == "truncated shard":
        shard = folder / "data/test-00000-of-00001.parquet"
        shard.write_bytes(shard.read_bytes()[:200])
    elif how == "temporary file":
        (folder / "data/.train-00000-of-00002.parquet.1a2b.tmp").write_bytes(b"half")
    elif how == "staging folder":
        staging = folder.with_name(".cat_breeds_vlm.partial-1a2b3c4d")
        folder.rename(staging)
        return staging
    elif how == "not a folder":
        return folder / "nope"
    return folder


@pytest.mark.parametrize(
    "how, message",
    [
        ("no card", "README.md is missing"),
        ("no report", "not a cat_breeds_vlm build"),
        ("foreign report", "not a cat_breeds_vlm build"),
        ("no chart", "class_distribution.png is missing"),
        ("missing shard", "split 'train' should have 2 shard"),
        ("extra shard", "split 'val' should have 1 shard"),
        ("truncated shard", "cannot read"),
        ("temporary file", "unfinished write"),
        ("staging folder", "unfinished write"),
        ("not a folder", "no such dataset folder"),
    ],
)
def test_incomplete_builds_are_refused_before_any_hub_call(build, tmp_path, how, message):
    folder = tmp_path / "cat_breeds_vlm"
    shutil.copytree(build, folder)
    api = RecordingHfApi(tmp_path / "hub")
    with pytest.raises(UserError, match=message):
        hub.push(_damage(folder, how), "team/cats", api=api)
    assert api.calls == []


def test_stray_files_are_left_out_and_reported(build, tmp_path):
    folder = tmp_path / "cat_breeds_vlm"
    shutil.copytree(build, folder)
    (folder / ".DS_Store").write_bytes(b"\0")
    api = RecordingHfApi(tmp_path / "hub")
    result = hub.push(folder, "team/cats", api=api)
    assert result.uploaded == tuple(EXPECTED_FILES)
    assert result.left_out == (".DS_Store",)


def test_an_invalid_repo_id_is_refused_before_any_hub_call(build, api):
    with pytest.raises(UserError, match="invalid repo id"):
        hub.push(build, "team/cats/extra", api=api)
    assert api.calls == []


try:  # the HTTP client of huggingface_hub >= 2 (requests before 1.0, httpx in 1.x)
    import httpx2 as http_client
except ImportError:  # pragma: no cover - older huggingface_hub
    http_client = None


def _client_errors() -> list:
    """The installed client's own connection error and a 401 from the Hub, where we can make them."""
    if http_client is None:
        return [(ConnectionError("connection refused"), "create_repo")]
    response = http_client.Response(401, request=http_client.Request("POST", "https://huggingface.co/api/x"))
    return [
        (http_client.ConnectError("connection refused"), "create_repo"),
        (
            HfHubHTTPError(
                f"401 Client Error: Unauthorized\n\nInvalid token {TOKEN} (env {ENV_TOKEN})", response=response
            ),
            "create_commit",
        ),
    ]


@pytest.mark.parametrize(
    "error, fail_on",
    [*_client_errors(), (TimeoutError("read timed out"), "list_repo_files")],
)
def test_network_errors_become_one_clean_line(build, tmp_path, monkeypatch, error, fail_on):
    monkeypatch.setenv("HF_TOKEN", ENV_TOKEN)
    api = RecordingHfApi(tmp_path / "hub", fail=error, fail_on=fail_on)
    with pytest.raises(UserError) as raised:
        hub.push(build, "team/cats", token=TOKEN, api=api)
    message = str(raised.value)
    assert message.startswith("cannot push to team/cats: ")
    assert "\n" not in message
    assert TOKEN not in message and ENV_TOKEN not in message


# --- the command line ---------------------------------------------------------------------------


def _run_cli(monkeypatch, api: HfApi, *args: str):
    """Run ``cat-breeds-vlm push`` with ``api`` standing in for the HfApi the command makes."""
    monkeypatch.setattr(hub, "HfApi", lambda **kwargs: api)
    return CliRunner().invoke(main, ["push", *args])


def test_cli_push_prints_the_url_and_the_load_line_and_passes_the_token(build, api, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    result = _run_cli(monkeypatch, api, str(build), "team/cats", "--token", TOKEN)
    assert result.exit_code == 0, result.output
    assert "https://huggingface.co/datasets/team/cats (private)" in result.output
    assert 'ds = load_dataset("team/cats")' in result.output
    assert all(arguments["token"] == TOKEN for _, arguments in api.calls)
    assert TOKEN not in result.output and TOKEN not in caplog.text


def test_cli_without_token_lets_huggingface_hub_resolve_it(build, api, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", ENV_TOKEN)
    result = _run_cli(monkeypatch, api, str(build), "team/cats", "--public")
    assert result.exit_code == 0, result.output
    assert all(arguments["token"] is None for _, arguments in api.calls)
    assert api.called("create_repo")[0]["private"] is False
    assert ENV_TOKEN not in result.output


def test_cli_refusals_are_one_line_without_the_token(build, tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    api = RecordingHfApi(tmp_path / "hub", exists=True, private=False)
    result = _run_cli(monkeypatch, api, str(build), "team/cats", "--token", TOKEN)
    assert result.exit_code != 0
    assert result.output.strip().count("\n") == 0
    assert "already exists and is public" in result.output
    assert "Traceback" not in result.output
    assert TOKEN not in result.output and TOKEN not in caplog.text


def test_cli_with_the_real_hfapi_offline_fails_cleanly_without_the_token(build, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("HF_TOKEN", ENV_TOKEN)
    result = CliRunner().invoke(main, ["push", str(build), "team/cats", "--token", TOKEN])
    assert result.exit_code != 0
    assert result.output.startswith("Error: cannot push to team/cats: ")
    assert result.output.strip().count("\n") == 0
    for secret in (TOKEN, ENV_TOKEN):
        assert secret not in result.output and secret not in caplog.text


def test_a_real_build_is_complete_and_a_push_of_it_loads_to_the_same_rows(small_build, api):
    result = hub.push(small_build, "team/cats", api=api)
    assert {"README.md", "build.json", "class_distribution.png"} <= set(result.uploaded)
    assert result.left_out == ()
    assert _load_rows(api.hub_dir) == _load_rows(small_build)
