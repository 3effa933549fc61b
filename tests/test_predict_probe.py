"""``predict``'s first row, the probe, against real servers' error shapes on 127.0.0.1.

The loopback server (tests/chat_server.py) answers errors in the body shapes of OpenAI,
vLLM, FastAPI (``transformers serve``), FastAPI's validation errors, TGI / Ollama and plain
text; the real ``openai`` client reads them (run with the oldest supported client too). A
wrong model costs one row, whatever the status; a busy server is waited for; a base URL
without ``/v1`` is named.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from chat_server import ERROR_SHAPES, Action, ChatRequest, ChatServer, ask
from cli_checks import one_line_error
from click.testing import CliRunner, Result

from cat_breeds_vlm.cli import main
from cat_breeds_vlm.errors import UserError
from cat_breeds_vlm.evaluate.answers import errors_path
from cat_breeds_vlm.evaluate.server_words import SHOWN_WORDS

MODEL = "test-model"
FAST = {"timeout": 2.0, "max_retries": 2}
#: Words long enough to be shortened on screen, over two lines, as a traceback would be.
LONG = "Server is pinned to '/models/tiny-vlm'; requested 'test-model'.\n" + "x" * 300
#: What each shape's words read as (FastAPI's validation errors name the field).
READ_AS = {shape: LONG for shape in ERROR_SHAPES} | {"fastapi-list": f"body.model: {LONG}"}
CHAT = "POST /v1/chat/completions"


def run_cli(build: Path, out: Path, base_url: str, *extra: str) -> Result:
    args = ["predict", str(build), "--base-url", base_url, "--model", MODEL, "-o", str(out),
            "--timeout", "2", "--max-retries", "2", *extra]  # fmt: skip
    return CliRunner().invoke(main, args)


def errors_in(out: Path) -> list[dict]:
    return [json.loads(line) for line in errors_path(out).read_text().splitlines()]


@pytest.mark.parametrize("shape", list(ERROR_SHAPES))
def test_the_servers_words_are_shown_shortened_and_kept_whole_whatever_the_shape(
    small_build: Path, tmp_path: Path, shape: str
) -> None:
    def behave(request: ChatRequest) -> Action:  # the probe is answered, the next two refused
        if request is server.requests[0]:
            return Action()
        return Action("status", status=400, message=LONG, shape=shape)

    out = tmp_path / "p.jsonl"
    with ChatServer(behave) as server:
        line = one_line_error(run_cli(small_build, out, server.base_url, "--limit", "3"))
    shown = " ".join(f"BadRequestError: {READ_AS[shape]}".split())[: SHOWN_WORDS - 1]
    assert f"2 rows failed after the retries, the last with {shown}… (all in" in line
    assert [e["error"] for e in errors_in(out)] == [f"BadRequestError: {READ_AS[shape]}"] * 2  # whole


@pytest.mark.parametrize(
    ("status", "shape"),  # transformers serve pinned, OpenAI, a validation error, a proxy's crash
    [(400, "fastapi"), (404, "openai"), (422, "fastapi-list"), (500, "text")],
)
@pytest.mark.parametrize("listed", [True, False], ids=["listed", "no-list"])
def test_a_wrong_model_ends_the_run_after_one_row_with_the_servers_words(
    small_build: Path, tmp_path: Path, shape: str, status: int, listed: bool
) -> None:
    words = "Server is pinned to '/models/tiny-vlm'; requested 'test-model'."
    refusal = Action("status", status=status, message=words, shape=shape)
    out = tmp_path / "p.jsonl"
    with ChatServer(models=("tiny-vlm",), list_models=listed, wrong_model=refusal) as server:
        line = one_line_error(run_cli(small_build, out, server.base_url))
    said = f"body.model: {words}" if shape == "fastapi-list" else words
    offered = "it lists: tiny-vlm" if listed else "it gives no model list"
    assert line == (
        f"Error: the server at {server.base_url} refused the first row ({status}: {said}); "
        f"the likely cause is the model name 'test-model' ({offered})"
    )
    assert server.paths == ["GET /v1/models", CHAT]  # one row, not retried (500 included)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.errors.jsonl"]  # no empty answers
    assert [e["error"].split(": ", 1)[1] for e in errors_in(out)] == [said]


def test_the_probes_long_words_are_shortened_and_the_errors_file_named(small_build: Path, tmp_path: Path) -> None:
    refusal = Action("status", status=400, message=LONG, shape="fastapi")
    out = tmp_path / "p.jsonl"
    with ChatServer(models=("tiny-vlm",), wrong_model=refusal) as server:
        line = one_line_error(run_cli(small_build, out, server.base_url))
    assert "…); the likely cause is the model name 'test-model'" in line
    assert line.endswith(f"(the server's whole answer is in {errors_path(out)})")
    assert errors_in(out)[0]["error"] == f"BadRequestError: {LONG}"


def test_a_listed_model_refused_on_the_first_row_says_the_request_may_be_the_cause(
    small_build: Path, tmp_path: Path
) -> None:
    with ChatServer(lambda _: Action("status", status=400, message="image too large", shape="vllm")) as server:
        with pytest.raises(UserError) as refused:
            ask(small_build, tmp_path / "p.jsonl", server.base_url, **FAST)
    assert str(refused.value).endswith(
        "refused the first row (400: image too large); it lists the model 'test-model', so the "
        "request itself may be the cause"
    )
    assert server.paths == ["GET /v1/models", CHAT]


@pytest.mark.parametrize("status", [503, 429])
def test_a_busy_or_loading_server_is_waited_for_on_the_first_row(
    small_build: Path, tmp_path: Path, status: int
) -> None:
    def behave(request: ChatRequest) -> Action:  # a cold server loading its model
        if len(server.requests) <= 2:
            return Action("status", status=status, message="Model is loading", headers={"Retry-After": "1"})
        return Action(text="A Bengal.")

    out = tmp_path / "p.jsonl"
    with ChatServer(behave) as server:
        summary = ask(small_build, out, server.base_url, limit=3, **FAST)
    assert (summary.answered, summary.failed) == (3, 0)
    first, again, third = (r.at for r in server.requests[:3])
    assert [r.attempt for r in server.requests[:3]] == [0, 1, 2]  # the probe, sent again twice
    assert again - first >= 0.95 and third - again >= 0.95  # after the server's Retry-After
    assert len(server.requests) == 5 and not errors_path(out).exists()


def test_a_busy_server_that_stays_busy_ends_the_run_after_the_retries(small_build: Path, tmp_path: Path) -> None:
    busy = Action("status", status=503, message="Model is loading", headers={"Retry-After": "0"})
    with ChatServer(lambda _: busy) as server:
        with pytest.raises(UserError, match=r"refused the first row \(503: Model is loading\)"):
            ask(small_build, tmp_path / "p.jsonl", server.base_url, **{**FAST, "max_retries": 2})
    assert server.paths == ["GET /v1/models"] + [CHAT] * 3  # the probe and its 2 retries, no other row


def test_a_base_url_without_v1_is_named(small_build: Path, tmp_path: Path) -> None:
    with ChatServer() as server:
        root = server.base_url.removesuffix("/v1")
        line = one_line_error(run_cli(small_build, tmp_path / "p.jsonl", root))
    assert line == (
        f"Error: the server at {root} refused the first row (404: no route /chat/completions); it "
        f"has no /models either: the base URL lacks /v1, try --base-url {root}/v1"
    )
    assert server.paths == ["GET /models", "POST /chat/completions"]


def test_a_server_with_its_routes_at_the_root_is_not_told_to_add_v1(small_build: Path, tmp_path: Path) -> None:
    with ChatServer(prefix="", list_models=False) as server:  # no /v1, no model list: a proxy
        summary = ask(small_build, tmp_path / "p.jsonl", server.base_url, limit=2, **FAST)
    assert summary.answered == 2 and server.paths == ["GET /models"] + ["POST /chat/completions"] * 2
