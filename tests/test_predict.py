"""``predict`` against a real OpenAI-compatible server on 127.0.0.1 (tests/chat_server.py).

Real sockets and the real ``openai`` client, nothing patched: the server answers, answers
slowly, returns 429 with Retry-After or 500, stalls past the timeout or drops the connection,
and records what it received.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
from pathlib import Path

import datasets
import pytest
from chat_server import Action, ChatRequest, ChatServer, ask
from PIL import Image

from cat_breeds_vlm.errors import UserError
from cat_breeds_vlm.evaluate.answers import errors_path
from cat_breeds_vlm.evaluate.run_record import run_record_path
from cat_breeds_vlm.evaluate.score import score
from cat_breeds_vlm.export.fireworks import export_fireworks
from cat_breeds_vlm.export.images import decode_strict
from cat_breeds_vlm.export.source import ParquetSplit

MODEL = "test-model"
#: Fast settings for every run: short timeout, few retries.
FAST = {"timeout": 2.0, "max_retries": 2}


@pytest.fixture(scope="module")
def rows(small_build: Path) -> list[dict]:
    """The test split's rows: id, image bytes, breed name, first question turn."""
    split = datasets.load_dataset(str(small_build), split="test")
    split = split.cast_column("image", datasets.Image(decode=False))
    names = split.features["breed"].names
    return [
        {"id": r["id"], "image": r["image"]["bytes"], "breed": names[r["breed"]],
         "conversations": r["conversations"]}
        for r in split
    ]  # fmt: skip


def sent_image(request: ChatRequest) -> bytes:
    """The image bytes a chat request carries."""
    url = request.body["messages"][-1]["content"][0]["image_url"]["url"]
    return base64.b64decode(url.partition(",")[2], validate=True)


def breed_answers(rows: list[dict]):
    """A behaviour answering each request with the true breed of its photo."""
    breeds = {hashlib.sha256(r["image"]).digest(): r["breed"] for r in rows}

    def behave(request: ChatRequest) -> Action:
        return Action(text=f"This is a {breeds[hashlib.sha256(sent_image(request)).digest()]}.")

    return behave


def answers_in(path: Path) -> list[str]:
    """The ids of a predictions file, in order (duplicates kept, so they can be seen)."""
    return [json.loads(line)["id"] for line in path.read_text().splitlines()]


def chats(server: ChatServer) -> int:
    return sum(p.endswith("/chat/completions") for p in server.paths)


def test_predict_then_score_end_to_end(small_build: Path, rows: list[dict], tmp_path: Path) -> None:
    out = tmp_path / "predictions.jsonl"
    with ChatServer(breed_answers(rows)) as server:
        summary = ask(small_build, out, server.base_url, **FAST)
        sent = list(server.paths)
        again = ask(small_build, out, server.base_url, **FAST)
    assert sorted(answers_in(out)) == sorted(r["id"] for r in rows)
    assert (summary.answered, summary.failed, summary.skipped) == (len(rows), 0, 0)
    assert (again.answered, again.skipped) == (0, len(rows)) and server.paths == sent  # no probe
    assert (summary.tokens_in, summary.tokens_out) == (10 * len(rows), 5 * len(rows))
    assert server.paths[0] == "GET /v1/models" and chats(server) == len(rows)
    report = score(datasets.load_dataset(str(small_build), split="test", streaming=True), out)
    assert report.accuracy == 1.0 and not report.missing and not report.unparseable
    record = json.loads(run_record_path(out).read_text())
    assert record["model"] == MODEL and record["split"] == "test"
    assert record["base_url"] == server.base_url and not errors_path(out).exists()


@pytest.mark.parametrize("max_side", [None, 40])
def test_requests_are_the_fireworks_records_without_the_answer(
    small_build: Path, rows: list[dict], tmp_path: Path, max_side: int | None
) -> None:
    system = "You name cat breeds."
    exported = tmp_path / "test.jsonl"
    split = ParquetSplit.open(small_build, "test")
    export_fireworks(split, exported, system=system, max_side=max_side, progress=False)
    records = [json.loads(line)["messages"] for line in exported.read_text().splitlines()]
    with ChatServer() as server:
        ask(small_build, tmp_path / "p.jsonl", server.base_url, system=system, max_side=max_side, max_tokens=7, **FAST)
    by_text = {json.dumps(r.body["messages"]): r.body for r in server.requests}
    assert len(by_text) == len(rows) == len(records) == len(server.requests)
    for row, messages in zip(rows, records, strict=True):
        # system, then the user's image (the very same data URI) and question; no answer
        body = by_text.pop(json.dumps(messages[:2]))
        assert [m["role"] for m in messages] == ["system", "user", "assistant"]
        assert (body["model"], body["max_tokens"], body["temperature"]) == (MODEL, 7, 0)
        url = body["messages"][1]["content"][0]["image_url"]["url"]
        sent = base64.b64decode(url.partition(",")[2], validate=True)
        assert url.startswith(f"data:{decode_strict(sent)};base64,")  # the MIME the bytes are
        if max_side is None:
            assert sent == row["image"]  # the dataset's own bytes, not a re-encoding
        else:
            assert max(Image.open(io.BytesIO(sent)).size) <= max_side


def test_429_with_retry_after_is_retried_after_the_wait(small_build: Path, tmp_path: Path) -> None:
    def behave(request: ChatRequest) -> Action:
        if request.attempt == 0:
            return Action("status", status=429, headers={"Retry-After": "1"})
        return Action(text="A Bengal.")

    out = tmp_path / "p.jsonl"
    with ChatServer(behave) as server:
        summary = ask(small_build, out, server.base_url, limit=3, **FAST)
    assert summary.answered == 3 and len(answers_in(out)) == 3
    by_image: dict[bytes, list[float]] = {}
    for request in server.requests:
        by_image.setdefault(sent_image(request), []).append(request.at)
    assert len(by_image) == 3
    for first, second in by_image.values():
        assert second - first >= 0.95  # the client's own backoff would wait about 0.5 s


def test_a_row_failing_after_the_retries_goes_to_the_errors_file_and_a_rerun_asks_only_it(
    small_build: Path, rows: list[dict], tmp_path: Path
) -> None:
    broken, out = [rows[1]["image"]], tmp_path / "p.jsonl"

    def behave(request: ChatRequest) -> Action:
        if sent_image(request) in broken:
            return Action("status", status=500, message="model crashed")
        return Action(text="A Bengal.")

    with ChatServer(behave) as server:
        summary = ask(small_build, out, server.base_url, **{**FAST, "max_retries": 1})
        assert (summary.answered, summary.failed) == (len(rows) - 1, 1)
        assert sum(sent_image(r) == broken[0] for r in server.requests) == 2  # asked, retried
        assert rows[1]["id"] not in answers_in(out)
        errors = [json.loads(line) for line in errors_path(out).read_text().splitlines()]
        assert errors == [{"id": rows[1]["id"], "error": "InternalServerError: model crashed"}]
        broken.clear()  # the server recovers
        sent_before = chats(server)
        summary = ask(small_build, out, server.base_url, **FAST)
    assert (summary.answered, summary.failed, summary.skipped) == (1, 0, len(rows) - 1)
    assert chats(server) - sent_before == 1  # only the missing row was asked again
    assert sorted(answers_in(out)) == sorted(r["id"] for r in rows)
    assert not errors_path(out).exists()


def test_stalls_past_the_timeout_and_dropped_connections_are_retried(
    small_build: Path, rows: list[dict], tmp_path: Path
) -> None:
    def behave(request: ChatRequest) -> Action:
        if request.attempt == 0:
            index = next(i for i, r in enumerate(rows) if r["image"] == sent_image(request))
            return Action("stall", delay=5) if index % 2 else Action("drop")
        return Action(text="A Bengal.")

    out = tmp_path / "p.jsonl"
    with ChatServer(behave) as server:
        summary = ask(small_build, out, server.base_url, **{**FAST, "timeout": 0.5}, concurrency=len(rows))
        stalled = len(rows) // 2  # the odd rows
        server.wait_for_stalls(stalled)
        # the client gave up on every stall (its timeout) and hung up, while the server still stalled
        assert (server.stalls_cut, server.stalls_waited_out) == (stalled, 0)
    assert summary.answered == len(rows) and sorted(answers_in(out)) == sorted(r["id"] for r in rows)
    assert chats(server) == 2 * len(rows)  # each row: one stall or drop, then its answer


def test_predict_runs_where_an_event_loop_already_runs(small_build: Path, tmp_path: Path) -> None:
    async def notebook_cell() -> int:  # a Jupyter cell runs inside the kernel's event loop
        with ChatServer() as server:
            out = tmp_path / "p.jsonl"
            return ask(small_build, out, server.base_url, limit=2, **FAST).answered

    assert asyncio.run(notebook_cell()) == 2


def test_no_more_requests_in_flight_than_the_concurrency(small_build: Path, rows: list[dict], tmp_path: Path) -> None:
    with ChatServer(lambda _: Action(delay=0.05)) as server:
        ask(small_build, tmp_path / "p.jsonl", server.base_url, concurrency=3, **FAST)
    assert len(rows) > 3 and server.max_in_flight == 3


def test_a_run_stops_when_rows_keep_failing(small_build: Path, rows: list[dict], tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"

    def behave(request: ChatRequest) -> Action:  # the probe is answered, then the server breaks
        return Action() if chats(server) == 1 else Action("status", status=500, message="down")

    with ChatServer(behave) as server:
        with pytest.raises(UserError, match="stopped: 10 rows in a row failed, the last with "
                           "InternalServerError: down"):  # fmt: skip
            ask(small_build, out, server.base_url, **{**FAST, "max_retries": 0}, concurrency=1)
    assert len(rows) > 11 and chats(server) == 11 and len(answers_in(out)) == 1
    assert len(errors_path(out).read_text().splitlines()) == 10
