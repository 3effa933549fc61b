"""Stand-ins for the Hugging Face Hub on 127.0.0.1, so tests never reach the real one.

- :func:`refused_endpoint`: a loopback URL whose port refuses connections (the Hub is down);
- :class:`StallingServer`: accepts connections and never answers (a hung network), counting
  them, so a test can tell that nothing was retried (or that nothing was asked at all);
- :class:`FakeHub`: answers the two requests a DATASET look-up makes, the repo's info
  (``/api/datasets/{id}``) and a file download (``/datasets/{id}/resolve/{rev}/{file}``),
  with the status codes and headers of the Hub's HTTP API (404 + ``X-Error-Code``);
- :func:`cache_snapshot`: a dataset repo as huggingface_hub's local cache keeps it
  (``datasets--{owner}--{name}/refs/main`` and ``snapshots/{commit}/``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def refused_endpoint() -> str:
    """``http://127.0.0.1:PORT`` for a port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class StallingServer:
    """A loopback server that accepts every connection and never sends a byte."""

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self._socket.settimeout(0.2)
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    @property
    def connections(self) -> int:
        """How many connections were accepted so far."""
        return len(self._held)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                self._held.append(self._socket.accept()[0])
            except OSError:
                continue

    def __enter__(self) -> StallingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        for held in self._held:
            held.close()
        self._socket.close()


class FakeHub:
    """A loopback Hub that knows some dataset repos, each a dict ``{path in repo: bytes}``."""

    def __init__(self, repos: dict[str, dict[str, bytes]]) -> None:
        self.repos = repos
        self.requests: list[str] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                hub.requests.append(f"GET {self.path}")
                hub._answer(self, body=True)

            def do_HEAD(self) -> None:  # noqa: N802
                hub.requests.append(f"HEAD {self.path}")
                hub._answer(self, body=False)

            def log_message(self, *args: object) -> None:  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _answer(self, handler: BaseHTTPRequestHandler, body: bool) -> None:
        path = handler.path.split("?")[0]
        if path.startswith("/api/datasets/"):
            repo_id = "/".join(path.split("/")[3:5])
            if repo_id not in self.repos:
                return _send(handler, 404, b'{"error": "Repository not found"}', {"X-Error-Code": "RepoNotFound"}, body)
            info = {"id": repo_id, "sha": COMMIT, "private": False, "siblings": []}
            return _send(handler, 200, json.dumps(info).encode(), {"Content-Type": "application/json"}, body)
        if path.startswith("/datasets/") and "/resolve/" in path:
            repo_part, file = path[len("/datasets/") :].split("/resolve/", 1)
            file = file.split("/", 1)[1]
            content = self.repos.get(repo_part, {}).get(file)
            if content is None:
                return _send(handler, 404, b'{"error": "Entry not found"}', {"X-Error-Code": "EntryNotFound"}, body)
            etag = '"' + hashlib.sha1(content).hexdigest() + '"'
            return _send(handler, 200, content, {"X-Repo-Commit": COMMIT, "ETag": etag}, body)
        return _send(handler, 404, b"{}", {}, body)

    def __enter__(self) -> FakeHub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _send(handler: BaseHTTPRequestHandler, status: int, content: bytes, headers: dict, body: bool) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(content)))
    handler.end_headers()
    if body:
        handler.wfile.write(content)


def cache_snapshot(hub_cache: Path, repo_id: str, build: Path, files: list[str] | None = None) -> Path:
    """Put ``build`` (or only ``files`` of it) in ``hub_cache`` as dataset repo ``repo_id``'s main."""
    owner, name = repo_id.split("/")
    repo = Path(hub_cache) / f"datasets--{owner}--{name}"
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(COMMIT)
    snapshot = repo / "snapshots" / COMMIT
    if files is None:
        shutil.copytree(build, snapshot)
    else:
        for file in files:
            (snapshot / file).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(build / file, snapshot / file)
    return snapshot
