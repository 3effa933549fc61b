"""A Hub that cannot be reached: every command names the address it tried and the next step.

The Hub here is a loopback port that refuses connections (``HF_ENDPOINT``, read by
huggingface_hub once at import: the commands run as real subprocesses, as in
``test_wrong_turns``); nothing reaches the real Hub. In this process (offline, see conftest) a
file of a repo that is not in the cache is said to be missing from the cache, never taken for
a repo without that file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hub_fixtures import refused_endpoint
from test_wrong_turns import ROOT, one_line, run_cli

from cat_breeds_vlm.dataset import network
from cat_breeds_vlm.dataset.locate import hub_file
from cat_breeds_vlm.errors import UserError

TOKEN = "hf_NoNetworkToKeN1234567890abc"


def test_push_with_the_hub_unreachable_names_the_address_and_the_next_step(small_build: Path) -> None:
    endpoint = refused_endpoint()
    code, output = run_cli("push", small_build, "team/cats", "--token", TOKEN, endpoint=endpoint)
    line = one_line(
        output, 1, code,
        f"Error: cannot push to team/cats: the Hub ({endpoint}, set by HF_ENDPOINT) cannot be reached:",
        "Connection refused",
        "Is HF_ENDPOINT right (unset it for https://huggingface.co)? Behind a proxy, set HTTPS_PROXY",
    )  # fmt: skip
    assert TOKEN not in line and "HF_HUB_OFFLINE" not in line  # a push cannot be served from the cache


READING = [
    ["stats", "team/cats"],
    ["export", "fireworks", "team/cats", "-o", "x.jsonl"],
    ["review", "team/cats", "-o", "r.html"],
    ["score", "team/cats", "p.jsonl"],
]


@pytest.mark.parametrize("command", READING, ids=lambda c: c[0])
def test_reading_a_repo_id_with_the_hub_unreachable_says_the_same(command: list[str], tmp_path: Path) -> None:
    endpoint = refused_endpoint()
    if command[0] == "score":
        (tmp_path / "p.jsonl").write_text('{"id": "x", "answer": "Bengal"}\n')
    before = sorted(tmp_path.iterdir())
    code, output = run_cli(*command, endpoint=endpoint, cwd=tmp_path, PYTHONPATH=str(ROOT))  # this package
    one_line(
        output, 1, code,
        f"no such dataset folder: team/cats, and the Hub ({endpoint}, set by HF_ENDPOINT) cannot be reached:",
        "Connection refused. Is HF_ENDPOINT right",
        "Behind a proxy, set HTTPS_PROXY",
    )  # fmt: skip
    assert sorted(tmp_path.iterdir()) == before  # nothing written


def test_the_next_steps_without_hf_endpoint_start_with_the_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    steps = network.next_steps(reading=True)
    assert steps.startswith("Is this machine online? Behind a proxy, set HTTPS_PROXY; for another Hub address,")
    assert steps.endswith("set HF_HUB_OFFLINE=1")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    assert network.next_steps(reading=False).startswith("Is HF_ENDPOINT right")
    assert ", set by HF_ENDPOINT" in network.hub_address()
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:8")
    assert "Is the proxy in HTTPS_PROXY right?" in network.next_steps(reading=False)


def test_a_file_the_cache_lacks_is_not_taken_for_a_file_the_repo_lacks() -> None:
    with pytest.raises(UserError) as caught:  # this process is offline: huggingface_hub cannot ask
        hub_file("team/cats", "build.json")
    message = str(caught.value)
    assert message.startswith("cannot read build.json of team/cats from the Hub: offline mode is on (HF_HUB_OFFLINE)")
    assert "\n" not in message
