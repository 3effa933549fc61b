"""Ask a model every question of a split through any OpenAI-compatible chat-completions API.

Fireworks, OpenAI, vLLM, TGI, Ollama and ``transformers serve`` all speak the protocol, so one
client (the official ``openai`` one, async: retries with backoff, ``Retry-After``, timeouts)
covers a hosted model and a local one. :func:`predict` probes the endpoint (:mod:`.probe`),
then streams the split's rows into requests (:mod:`.requests`, built in a background thread, a
batch of 64 rows at a time) through a queue of ``concurrency`` slots to as many workers: at
most ``concurrency`` requests are in flight, as many queued and one batch waiting, whatever
the split's size. Each answer is appended to the predictions file as it arrives
(:mod:`.answers`), so an interrupted run loses nothing and a rerun asks only the rows still
missing.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Awaitable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai
from openai.types.chat import ChatCompletion
from tqdm.auto import tqdm

from ..dataset.locate import Located, locate
from ..errors import SettingsError, UserError
from ..export.source import AnyDataset, open_source, row_count
from .answers import AnswerLog
from .probe import Endpoint, endpoint_error, probe_models, row_error
from .requests import iter_requests
from .settings import ClientSettings, RequestSettings

#: Sent as the key when the variable is not set: local servers want none, but the client
#: insists on some key.
PLACEHOLDER_KEY = "no-key"
#: A run stops after this many rows failed in a row (or twice the concurrency, if more): a
#: server that went down or refuses everything would otherwise be retried row after row.
FAILURES_IN_A_ROW = 10
#: Longest wait for a connection (within the timeout): a server that is down but drops
#: packets is reported in seconds, not after the full timeout of every attempt.
CONNECT_TIMEOUT = 10.0

Request = tuple[str, dict[str, Any]]
#: A batch's requests, and how many of its rows were skipped as answered before.
RequestBatch = tuple[list[Request], int]
#: The chat-completions path, relative to the base URL.
_CHAT = "/chat/completions"


@dataclass
class PredictSummary:
    """What a run did: answers written, rows failed, rows skipped as answered before."""

    answered: int
    failed: int
    skipped: int
    #: Tokens in and out over the answers of this run; None when the server reported no usage.
    tokens_in: int | None
    tokens_out: int | None
    seconds: float
    output: Path
    errors: Path | None


def endpoint_for(base_url: str, model: str, api_key_env: str = ClientSettings.api_key_env) -> Endpoint:
    """The endpoint with its key read from ``api_key_env`` (a placeholder when it is unset)."""
    key = os.environ.get(api_key_env, "")
    return Endpoint(base_url.rstrip("/"), model, api_key_env, bool(key), key or PLACEHOLDER_KEY)


def run_record(source: Located, split: str, endpoint: Endpoint, settings: RequestSettings) -> dict:
    """What the answers of a run are asked of (never the key), recorded beside them: a local
    build by its absolute path, a Hub repo by its id (also when read from the local cache)."""
    local = source.local and not source.cached
    name = str(Path(source.path).expanduser().resolve()) if local else source.name
    return {
        "dataset": name, "split": split, "base_url": endpoint.base_url, "model": endpoint.model,
        "system": settings.system, "max_side": settings.max_side,
        "max_tokens": settings.max_tokens, "temperature": settings.temperature,
    }  # fmt: skip


def open_rows(dataset: str | Located, split: str, limit: int | None = None) -> AnyDataset:
    """The split to ask (its first ``limit`` rows), streamed: nothing copied or decoded."""
    rows = open_source(dataset, split, streaming=True)
    return rows.take(limit) if limit is not None else rows


def first_request(
    dataset: str | Located, split: str, settings: RequestSettings, limit: int | None = None
) -> dict[str, Any] | None:
    """The request for the split's first row (what ``--dry-run`` shows); None for no rows."""
    for requests, _ in iter_requests(open_rows(dataset, split, limit), settings):
        if requests:
            return requests[0][1]
    return None


def predict(
    dataset: str | Located,
    output: str | Path,
    *,
    base_url: str,
    model: str,
    split: str = "test",
    system: str | None = None,
    max_side: int | None = None,
    max_tokens: int = RequestSettings.max_tokens,
    temperature: float = RequestSettings.temperature,
    limit: int | None = None,
    timeout: float = ClientSettings.timeout,
    max_retries: int = ClientSettings.max_retries,
    concurrency: int = ClientSettings.concurrency,
    api_key_env: str = ClientSettings.api_key_env,
    progress: bool = True,
) -> PredictSummary:
    """Ask ``model`` at ``base_url`` each question of ``split`` of ``dataset``; append answers.

    Answers go to ``output`` as ``{"id", "answer"}`` lines (what ``score`` reads); rows that
    fail after ``max_retries`` retries go to ``NAME.errors.jsonl`` beside it. A rerun with the
    same ``output`` asks only the rows not answered yet. Raises :class:`UserError` (one line,
    before any row is sent where the server allows) for an unreachable server, a refused key,
    an unknown model, or an ``output`` made against another dataset, split, endpoint or model.
    """
    for name, value in (("concurrency", concurrency), ("timeout", timeout), ("limit", limit),
                        ("max_tokens", max_tokens), ("max_side", max_side)):  # fmt: skip
        if value is not None and value <= 0:
            raise SettingsError(f"{name} must be positive, got {value}")
    if max_retries < 0:
        raise SettingsError(f"max_retries must be 0 or more, got {max_retries}")
    endpoint = endpoint_for(base_url, model, api_key_env)
    settings = RequestSettings(model, system, max_side, max_tokens, temperature)
    output = Path(output)
    source = locate(dataset)
    rows = open_rows(source, split, limit)
    started = time.perf_counter()
    with AnswerLog(output, run_record(source, split, endpoint, settings)) as log:
        # Exact unless --limit leaves out rows answered before: the run record guarantees
        # they are all rows of this split.
        rows_in_scope = row_count(rows)
        pending = None if rows_in_scope is None else max(rows_in_scope - len(log.earlier), 0)
        with tqdm(total=pending, unit=" rows", desc="predict", disable=not progress or None) as bar:
            run = _Run(endpoint, log, bar, concurrency)
            _run_to_end(run.ask_all(iter_requests(rows, settings, log.earlier), timeout, max_retries))
        return PredictSummary(
            log.answered, log.failed, run.skipped, run.tokens_in, run.tokens_out,
            time.perf_counter() - started, output, log.errors_path if log.failed else None,
        )  # fmt: skip


class _Run:
    """One run's asking: the probe, then bounded concurrent requests, answers logged."""

    def __init__(self, endpoint: Endpoint, log: AnswerLog, bar: tqdm, concurrency: int) -> None:
        self.endpoint, self.log, self.bar, self.concurrency = endpoint, log, bar, concurrency
        #: Rows skipped as answered before.
        self.skipped = 0
        #: Tokens in and out the server reported, summed (None: it reported none).
        self.tokens_in: int | None = None
        self.tokens_out: int | None = None
        self.failures_in_a_row = 0
        self.give_up_after = max(FAILURES_IN_A_ROW, 2 * concurrency)

    async def ask_all(self, batches: Iterator[RequestBatch], timeout: float, retries: int) -> None:
        """Probe the endpoint, then ask every request of ``batches`` (nothing when none)."""
        requests = self._in_thread(batches)
        first = await anext(requests, None)
        if first is None:  # every row answered before: nothing to send, not even a probe
            return
        client = openai.AsyncOpenAI(
            api_key=self.endpoint.api_key, base_url=self.endpoint.base_url,
            timeout=openai.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT)),
            max_retries=retries,
        )  # fmt: skip
        async with client:
            self.client = client
            listed = await self._probe()
            if listed is None or self.endpoint.model not in listed:
                await self.ask(first, probe=True, listed=listed)  # the first row is the probe
                first = None
            queue: asyncio.Queue[Request | None] = asyncio.Queue(self.concurrency)
            await _all_or_none(
                self._feed(first, requests, queue),
                *(self._work(queue) for _ in range(self.concurrency)),
            )

    async def _in_thread(self, batches: Iterator[RequestBatch]) -> AsyncIterator[Request]:
        """The requests of ``batches``, each batch read and built in a worker thread.

        Reading Parquet and base64-encoding (or resizing) photos would otherwise stall the
        event loop, and with it every answer in flight.
        """
        while (batch := await asyncio.to_thread(next, batches, None)) is not None:
            requests, skipped = batch
            self.skipped += skipped
            for request in requests:
                yield request

    async def _probe(self) -> list[str] | None:
        try:
            return await probe_models(self.client, self.endpoint)
        except openai.APIError as err:
            raise UserError(endpoint_error(err, self.endpoint) or row_error(err, self.endpoint)) from None

    async def _feed(self, first: Request | None, requests: AsyncIterator[Request], queue: asyncio.Queue) -> None:
        if first is not None:
            await queue.put(first)
        async for request in requests:
            await queue.put(request)  # waits while the queue is full: a bounded window
        for _ in range(self.concurrency):
            await queue.put(None)

    async def _work(self, queue: asyncio.Queue) -> None:
        while (request := await queue.get()) is not None:
            await self.ask(request)

    async def ask(self, request: Request, probe: bool = False, listed: list[str] | None = None) -> None:
        """Send one request; log its answer, or its failure (the probe's ends the run)."""
        row_id, body = request
        try:
            # The client's documented generic POST (retries, backoff, Retry-After and timeouts
            # as in chat.completions.create), without create's walk of the typed parameters
            # over every message part: a quarter of the client's CPU per row, and the body is
            # plain JSON already.
            completion = await self.client.post(_CHAT, body=body, cast_to=ChatCompletion)
        except openai.APIError as err:
            fatal = endpoint_error(err, self.endpoint, listed) if probe else None
            if fatal is not None:
                raise UserError(fatal) from None
            self._fail(row_id, row_error(err, self.endpoint))
        else:
            self.failures_in_a_row = 0
            choices = completion.choices or []
            self.log.answer(row_id, (choices[0].message.content if choices else None) or "")
            self._count(completion.usage)
        self.bar.update(1)

    def _fail(self, row_id: str, error: str) -> None:
        """Log a failed row; stop the run when too many failed in a row."""
        self.log.fail(row_id, error)
        self.failures_in_a_row += 1
        if self.failures_in_a_row >= self.give_up_after:
            raise UserError(
                f"stopped: {self.failures_in_a_row} rows in a row failed, the last with {error} "
                f"(all in {self.log.errors_path}); the answers so far are kept: run the same "
                "command again to go on"
            )

    def _count(self, usage: Any) -> None:
        """Add the tokens of one answer, when the server reported them."""
        if usage is not None:
            self.tokens_in = (self.tokens_in or 0) + (usage.prompt_tokens or 0)
            self.tokens_out = (self.tokens_out or 0) + (usage.completion_tokens or 0)


def _run_to_end(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run ``coroutine`` in a new event loop; in a thread of its own when this thread already
    runs one (a Jupyter notebook does), where ``asyncio.run`` would refuse."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coroutine)
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="predict") as thread:
        thread.submit(asyncio.run, coroutine).result()


async def _all_or_none(*coroutines: Awaitable[None]) -> None:
    """Run ``coroutines`` together; when one fails, cancel the others and raise its error."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
