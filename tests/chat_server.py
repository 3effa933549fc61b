"""A small OpenAI-compatible chat-completions server on 127.0.0.1, for the tests and the benchmark.

It speaks just enough HTTP/1.1 (keep-alive, ``Content-Length`` bodies) for the ``openai``
client: ``GET /v1/models`` and ``POST /v1/chat/completions``. What it does with each chat
request is decided by ``behave(request) -> Action``, so a test can make it answer, answer
slowly, return 429 with ``Retry-After``, return 500, stall past the client's timeout or drop
the connection, answer errors in the body shape of a given real server
(:data:`ERROR_SHAPES`), and then look at what it received (:attr:`ChatServer.requests`) and at the
most requests it had in flight at once (:attr:`ChatServer.max_in_flight`).

Run as a script it serves in its own process (the benchmark's server): it prints its port,
then answers every chat request after ``--delay`` seconds until it is killed.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cat_breeds_vlm.evaluate.predict import PredictSummary

REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
#: The error body shapes of real servers, by who answers so (``words`` is their message):
#: OpenAI (and LiteLLM, llama.cpp, newer vLLM), older vLLM, FastAPI (``transformers serve``),
#: FastAPI's validation errors, TGI and Ollama, and a proxy's plain text.
ERROR_SHAPES: dict[str, Callable[[str, int], Any]] = {
    "openai": lambda words, status: {"error": {"message": words, "type": "invalid_request_error", "code": status}},
    "vllm": lambda words, status: {"object": "error", "message": words, "type": "BadRequestError", "code": status},
    "fastapi": lambda words, status: {"detail": words},
    "fastapi-list": lambda words, status: {"detail": [{"loc": ["body", "model"], "msg": words, "type": "value_error"}]},
    "tgi": lambda words, status: {"error": words, "error_type": "validation"},
    "text": lambda words, status: words,
}


@dataclass
class Action:
    """What the server does with one chat request."""

    #: "answer" (status 200 with ``text``), "status" (``status`` with an error body),
    #: "stall" (say nothing for ``delay`` seconds, or until the client hangs up, then close),
    #: "drop" (close at once).
    kind: str = "answer"
    text: str = "This is a cat."
    delay: float = 0.0
    status: int = 200
    #: The error message of a "status" action, and the shape of its body (:data:`ERROR_SHAPES`).
    message: str = "server error"
    shape: str = "openai"
    headers: dict[str, str] = field(default_factory=dict)
    usage: bool = True


@dataclass
class ChatRequest:
    """One chat request as received: its headers, its JSON body, and its attempt number."""

    headers: dict[str, str]
    body: dict[str, Any]
    #: 0 for the first request with this body, 1 for its first retry, ... (0 when not recording)
    attempt: int
    #: When it arrived (``time.monotonic``).
    at: float = 0.0


def answer_all(_: ChatRequest) -> Action:
    """The default behaviour: answer every request at once."""
    return Action()


class ChatServer:
    """An OpenAI-compatible server in a background thread (``with ChatServer() as server``)."""

    def __init__(
        self,
        behave: Callable[[ChatRequest], Action] = answer_all,
        *,
        models: tuple[str, ...] | None = ("test-model",),
        list_models: bool = True,
        api_key: str | None = None,
        record: bool = True,
        prefix: str = "/v1",
        wrong_model: Action | None = None,
    ) -> None:
        self.behave = behave
        #: Where the routes are (``/v1``, or "" for a server whose routes are at the root).
        self.prefix = prefix
        #: The answer to a request for a model not in ``models`` (default: OpenAI's 404).
        self.wrong_model = wrong_model
        #: The models served (None: any name is served).
        self.models = models
        #: Whether ``GET /v1/models`` lists them (else it is a 404, as on some servers).
        self.list_models = list_models
        self.api_key = api_key
        self.record = record
        self.requests: list[ChatRequest] = []
        self.paths: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0
        #: Stalls the client cut short by hanging up, and stalls that ran their whole delay.
        self.stalls_cut = 0
        self.stalls_waited_out = 0
        self._attempts: Counter[str] = Counter()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        """The URL to give the client (``/v1`` included, like every hosted endpoint)."""
        return f"http://127.0.0.1:{self.port}{self.prefix}"

    def __enter__(self) -> ChatServer:
        started = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(started,), daemon=True)
        self._thread.start()
        started.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._thread is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def _run(self, started: threading.Event) -> None:
        asyncio.run(self._serve(started.set))

    async def _serve(self, ready: Callable[[], None], port: int = 0) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._connection, "127.0.0.1", port, backlog=1024)
        self.port = server.sockets[0].getsockname()[1]
        ready()
        async with server:
            await self._stop.wait()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await self._exchange(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client went away, or the server is stopping
        finally:
            writer.close()

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve one request; False when the connection is to be closed."""
        line = await reader.readline()
        if not line:
            return False
        method, path, _ = line.decode("latin-1").split(" ", 2)
        headers = {}
        while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = header.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", 0)))
        self.paths.append(f"{method} {path}")
        if self.api_key is not None and headers.get("authorization") != f"Bearer {self.api_key}":
            error = {"message": "Incorrect API key provided.", "code": "invalid_api_key"}
            return await _respond(writer, 401, {"error": error})
        listing = self.list_models and self.models is not None
        if method == "GET" and path.rstrip("/") == f"{self.prefix}/models" and listing:
            data = [{"id": m, "object": "model", "created": 0, "owned_by": "test"} for m in self.models]
            return await _respond(writer, 200, {"object": "list", "data": data})
        if method == "POST" and path == f"{self.prefix}/chat/completions":
            return await self._chat(body, headers, reader, writer)
        return await _respond(writer, 404, {"error": {"message": f"no route {path}"}})

    async def _chat(
        self, raw: bytes, headers: dict[str, str], reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        # The benchmark's server (nothing recorded, any model) reads no body: it must not be
        # the bottleneck on a shared machine.
        body = json.loads(raw) if self.record or self.models is not None else {}
        if self.models is not None and body.get("model") not in self.models:
            if self.wrong_model is not None:
                return await _respond_error(writer, self.wrong_model)
            error = {"message": f"The model `{body.get('model')}` does not exist.", "code": 404}
            return await _respond(writer, 404, {"error": error})
        attempt = 0
        if self.record:  # a retry sends the same bytes
            key = hashlib.sha256(raw).hexdigest()
            attempt, self._attempts[key] = self._attempts[key], self._attempts[key] + 1
        request = ChatRequest(headers, body, attempt, time.monotonic())
        if self.record:
            self.requests.append(request)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            action = self.behave(request)
            if action.kind == "stall":
                await self._stall(reader, action.delay)
            elif action.delay:
                await asyncio.sleep(action.delay)
            if action.kind == "drop" or action.kind == "stall":
                writer.transport.abort()
                return False
            if action.kind == "status":
                return await _respond_error(writer, action)
            return await _respond(writer, 200, _completion(body, action), action.headers)
        finally:
            self.in_flight -= 1

    def wait_for_stalls(self, count: int, timeout: float = 30.0) -> None:
        """Wait until ``count`` stalls have ended, cut or waited out (or ``timeout`` passed)."""
        deadline = time.monotonic() + timeout
        while self.stalls_cut + self.stalls_waited_out < count and time.monotonic() < deadline:
            time.sleep(0.01)

    async def _stall(self, reader: asyncio.StreamReader, delay: float) -> None:
        """Say nothing for ``delay`` seconds, or until the client hangs up; count which came first."""
        try:
            await asyncio.wait_for(reader.read(), delay)  # b"" once the client closes
        except asyncio.TimeoutError:
            self.stalls_waited_out += 1
        else:
            self.stalls_cut += 1


def _completion(body: dict[str, Any], action: Action) -> dict[str, Any]:
    """A chat.completion object answering ``body`` with ``action.text``."""
    message = {"role": "assistant", "content": action.text}
    completion: dict[str, Any] = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model"),
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
    }
    if action.usage:
        completion["usage"] = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    return completion


async def _respond_error(writer: asyncio.StreamWriter, action: Action) -> bool:
    """A "status" action's answer: its message in the body shape it names."""
    payload = ERROR_SHAPES[action.shape](action.message, action.status)
    return await _respond(writer, action.status, payload, action.headers)


async def _respond(
    writer: asyncio.StreamWriter, status: int, payload: Any, headers: dict[str, str] | None = None
) -> bool:
    text = isinstance(payload, str)
    data = payload.encode() if text else json.dumps(payload).encode()
    head = [
        f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}",
        f"Content-Type: {'text/plain' if text else 'application/json'}",
        f"Content-Length: {len(data)}",
    ]
    head += [f"{name}: {value}" for name, value in (headers or {}).items()]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
    await writer.drain()
    return True


def ask(build: Path, out: Path, base_url: str, *, limit: int | None = None, restart: bool = False,
        model: str = "test-model", **settings: Any) -> PredictSummary:  # fmt: skip
    """``predict`` of ``build``'s test split into ``out``, asking ``model`` at ``base_url``
    (``settings``: the other fields of :class:`PredictSettings`), no progress bar."""
    from cat_breeds_vlm.evaluate.predict import predict
    from cat_breeds_vlm.evaluate.predict_settings import PredictSettings

    chosen = PredictSettings(base_url, model, **settings)
    return predict(str(build), out, chosen, limit=limit, restart=restart, progress=False)


def main() -> None:
    """Serve in this process: print the port, answer every chat request after ``--delay``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    action = Action(delay=args.delay)
    server = ChatServer(lambda _: action, models=None, record=False)

    def ready() -> None:
        print(server.port, flush=True)

    asyncio.run(server._serve(ready, args.port))


if __name__ == "__main__":
    main()
