"""Ask a model every question of a split through any OpenAI-compatible chat-completions API.

Fireworks, OpenAI, vLLM, TGI, Ollama and ``transformers serve`` all speak the protocol, so one
client (the official ``openai`` one, async: retries with backoff, ``Retry-After``, timeouts)
covers a hosted model and a local one. :func:`predict` lists the endpoint's models and asks
the first row alone, the probe (:mod:`.probe`): a wrong model costs one row. It then streams
the split's rows into requests (:mod:`.requests`, built in a background thread, a batch of 64
rows at a time) through a queue of ``concurrency`` slots to as many workers: at
most ``concurrency`` requests are in flight, as many queued and one batch waiting, whatever
the split's size. Each answer is appended to the predictions file as it arrives
(:mod:`.answers`), so an interrupted run loses nothing and a rerun asks only the rows still
missing.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
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
from ..export.source import AnyDataset, iter_batches, open_source, row_count
from .answers import AnswerLog
from .predict_settings import PredictSettings
from .probe import Endpoint, Listing, endpoint_error, probe_error, probe_models, row_error, wait_before, worth_waiting
from .requests import iter_requests
from .run_record import run_record
from .server_words import SHOWN_WORDS, one_line, server_words

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
    #: Why the last failed row failed, on one line (None when none failed).
    last_error: str | None = None


def endpoint_for(settings: PredictSettings) -> Endpoint:
    """The endpoint of ``settings``, its key read from ``api_key_env`` (a placeholder when unset)."""
    key = os.environ.get(settings.api_key_env, "")
    base_url = settings.base_url.rstrip("/")
    return Endpoint(base_url, settings.model, settings.api_key_env, bool(key), key or PLACEHOLDER_KEY)


def open_rows(dataset: str | Located, split: str, limit: int | None = None) -> AnyDataset:
    """The split to ask (its first ``limit`` rows), streamed: nothing copied or decoded."""
    rows = open_source(dataset, split, streaming=True)
    return rows.take(limit) if limit is not None else rows


def first_request(
    dataset: str | Located, split: str, settings: PredictSettings, limit: int | None = None
) -> dict[str, Any] | None:
    """The request for the split's first row (what ``--dry-run`` shows); None for no rows."""
    for requests, _ in iter_requests(open_rows(dataset, split, limit), settings):
        if requests:
            return requests[0][1]
    return None


def answered_among(rows: AnyDataset, earlier: set[str]) -> int:
    """How many of ``rows`` are in ``earlier`` (their ids read, nothing else)."""
    if not earlier:
        return 0
    return sum(sum(i in earlier for i in b.column("id").to_pylist()) for b in iter_batches(rows, ("id",)))


def open_log(source: Located, split: str, output: Path, settings: PredictSettings, restart: bool) -> AnswerLog:
    """The answers of ``output``, checked against this run (nothing written yet).

    Raises :class:`UserError` when they were asked of anything else and ``restart`` is off.
    """
    return AnswerLog(output, run_record(source, split, endpoint_for(settings), settings), restart=restart)


def predict(
    dataset: str | Located,
    output: str | Path,
    settings: PredictSettings,
    *,
    split: str = "test",
    limit: int | None = None,
    restart: bool = False,
    progress: bool = True,
) -> PredictSummary:
    """Ask ``settings.model`` at ``settings.base_url`` each question of ``split`` of
    ``dataset`` (its first ``limit`` rows); append the answers to ``output``.

    Answers go to ``output`` as ``{"id", "answer"}`` lines (what ``score`` reads); rows that
    fail after the retries go to ``NAME.errors.jsonl`` beside it. A rerun with the same
    ``output`` asks only the rows not answered yet; ``restart`` discards its answers instead
    (when the first new one arrives). The first row is the probe: a server that refuses it
    ends the run there. Raises :class:`UserError` (one line) for an unreachable server, a
    refused key, a refused first row (the model name, most likely), too many rows failing in
    a row, or an ``output`` asked of another dataset, split, endpoint, model or prompt.
    """
    if limit is not None and limit <= 0:
        raise SettingsError(f"limit must be at least 1, got {limit}")
    output = Path(output)
    source = locate(dataset)
    rows = open_rows(source, split, limit)
    started = time.perf_counter()
    with open_log(source, split, output, settings, restart) as log:
        # Without --limit every earlier answer is a row of this split (the run record says so).
        rows_in_scope = row_count(rows)
        earlier = len(log.earlier) if limit is None else answered_among(rows, log.earlier)
        pending = None if rows_in_scope is None else max(rows_in_scope - earlier, 0)
        with tqdm(total=pending, unit=" rows", desc="predict", disable=not progress or None) as bar:
            run = _Run(endpoint_for(settings), log, bar, settings)
            _run_to_end(run.ask_all(iter_requests(rows, settings, log.earlier)))
        return PredictSummary(
            log.answered, log.failed, run.skipped, run.tokens_in, run.tokens_out,
            time.perf_counter() - started, output, log.errors_path if log.failed else None,
            run.last_error,
        )  # fmt: skip


class _Run:
    """One run's asking: the model list, the probe row, then bounded concurrent requests."""

    def __init__(self, endpoint: Endpoint, log: AnswerLog, bar: tqdm, settings: PredictSettings) -> None:
        self.endpoint, self.log, self.bar, self.settings = endpoint, log, bar, settings
        self.concurrency = settings.concurrency
        #: Rows skipped as answered before.
        self.skipped = 0
        #: Tokens in and out the server reported, summed (None: it reported none).
        self.tokens_in: int | None = None
        self.tokens_out: int | None = None
        self.failures_in_a_row = 0
        self.give_up_after = max(FAILURES_IN_A_ROW, 2 * settings.concurrency)
        self.last_error: str | None = None

    async def ask_all(self, batches: Iterator[RequestBatch]) -> None:
        """List the models, ask the first request of ``batches`` alone (the probe), then the
        others ``concurrency`` at a time (nothing when there are none)."""
        requests = self._in_thread(batches)
        first = await anext(requests, None)
        if first is None:  # every row answered before: nothing to send, not even a probe
            return
        timeout = self.settings.timeout
        client = openai.AsyncOpenAI(
            api_key=self.endpoint.api_key, base_url=self.endpoint.base_url,
            timeout=openai.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT)),
            max_retries=self.settings.max_retries,
        )  # fmt: skip
        async with client:
            self.client = client
            await self._probe(first, await self._list_models())
            queue: asyncio.Queue[Request | None] = asyncio.Queue(self.concurrency)
            await _all_or_none(self._feed(requests, queue), *(self._work(queue) for _ in range(self.concurrency)))

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

    async def _list_models(self) -> Listing:
        try:
            return await probe_models(self.client, self.endpoint)
        except openai.APIError as err:
            raise UserError(endpoint_error(err, self.endpoint) or row_error(err, self.endpoint)) from None

    async def _probe(self, request: Request, listing: Listing) -> None:
        """Ask the first row alone, sent again only while the server is busy or loading
        (Retry-After honoured); any other failure ends the run, its row in the errors file."""
        row_id, body = request
        client = self.client.with_options(max_retries=0)
        for attempt in range(self.settings.max_retries + 1):
            try:
                completion = await client.post(_CHAT, body=body, cast_to=ChatCompletion)
            except openai.APIError as err:
                if worth_waiting(err) and attempt < self.settings.max_retries:
                    await asyncio.sleep(wait_before(err, attempt))
                    continue
                self.log.fail(row_id, row_error(err, self.endpoint))
                line = endpoint_error(err, self.endpoint) or probe_error(err, self.endpoint, listing)
                if len(" ".join(server_words(err).split())) > SHOWN_WORDS:
                    line += f" (the server's whole answer is in {self.log.errors_path})"
                raise UserError(line) from None
            self._answered(row_id, completion)
            return

    async def _feed(self, requests: AsyncIterator[Request], queue: asyncio.Queue) -> None:
        async for request in requests:
            await queue.put(request)  # waits while the queue is full: a bounded window
        for _ in range(self.concurrency):
            await queue.put(None)

    async def _work(self, queue: asyncio.Queue) -> None:
        while (request := await queue.get()) is not None:
            await self.ask(request)

    async def ask(self, request: Request) -> None:
        """Send one request (with the client's retries); log its answer, or its failure."""
        row_id, body = request
        try:
            # The client's documented generic POST (retries, backoff, Retry-After and timeouts
            # as in chat.completions.create), without create's walk of the typed parameters
            # over every message part: a quarter of the client's CPU per row, and the body is
            # plain JSON already.
            completion = await self.client.post(_CHAT, body=body, cast_to=ChatCompletion)
        except openai.APIError as err:
            self._fail(row_id, row_error(err, self.endpoint))
        else:
            self._answered(row_id, completion)

    def _answered(self, row_id: str, completion: ChatCompletion) -> None:
        self.failures_in_a_row = 0
        choices = completion.choices or []
        self.log.answer(row_id, (choices[0].message.content if choices else None) or "")
        self._count(completion.usage)
        self.bar.update(1)

    def _fail(self, row_id: str, error: str) -> None:
        """Log a failed row; stop the run when too many failed in a row."""
        self.log.fail(row_id, error)
        self.bar.update(1)
        self.last_error = one_line(error)
        self.failures_in_a_row += 1
        if self.failures_in_a_row >= self.give_up_after:
            raise UserError(
                f"stopped: {self.failures_in_a_row} rows in a row failed, the last with {self.last_error} "
                f"(all in {self.log.errors_path}); the answers so far are kept: run the same "
                "command again to go on"
            )

    def _count(self, usage: Any) -> None:
        """Add the tokens of one answer, when the server reported them."""
        if usage is not None:
            self.tokens_in = (self.tokens_in or 0) + (usage.prompt_tokens or 0)
            self.tokens_out = (self.tokens_out or 0) + (usage.completion_tokens or 0)


def _run_to_end(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run ``coroutine`` in a new event loop, a Ctrl-C cancelling it (then raising
    KeyboardInterrupt); in a thread of its own when this thread already runs one (a Jupyter
    notebook does), where ``asyncio.run`` would refuse."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        # Python 3.11's asyncio.run does what _until_ctrl_c does, when Ctrl-C has its default handler
        if sys.version_info < (3, 11) and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            coroutine = _until_ctrl_c(coroutine)
        asyncio.run(coroutine)
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="predict") as thread:
        thread.submit(asyncio.run, coroutine).result()


async def _until_ctrl_c(coroutine: Coroutine[Any, Any, None]) -> None:
    """Await ``coroutine``; a Ctrl-C cancels it, and KeyboardInterrupt is raised once it has
    unwound (a second Ctrl-C raises it at once), as Python 3.11's ``asyncio.run`` does.

    Python 3.10's lets the KeyboardInterrupt land wherever the loop happens to be, and may
    close the loop under the thread still reading rows. As a cancellation, the requests in
    flight are dropped (never recorded: a rerun asks them) and that thread finishes while the
    loop is still open.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(coroutine)
    interrupted = False

    def interrupt() -> None:
        nonlocal interrupted
        if interrupted:
            raise KeyboardInterrupt
        interrupted = True
        task.cancel()

    try:
        loop.add_signal_handler(signal.SIGINT, interrupt)  # removed, it gives back the default handler
    except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
        await task
        return
    try:
        await task
    except asyncio.CancelledError:
        if interrupted:
            raise KeyboardInterrupt from None
        raise
    finally:
        loop.remove_signal_handler(signal.SIGINT)


async def _all_or_none(*coroutines: Awaitable[None]) -> None:
    """Run ``coroutines`` together; when one fails, cancel the others and raise its error."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
