"""A Rekor-compatible test log, with fault injection (no public network): :meth:`RekorState.answer` is the one
answering logic, served on loopback by :func:`rekor_server` or from memory by ``tests/memory_net.py``. The modes
``hang`` and ``slow`` need a real socket (loopback only)."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class RekorState:
    """Entries the server knows, and how it should misbehave."""

    entries: dict[str, dict[str, Any]] = field(default_factory=dict)  # uuid -> API LogEntry
    by_envelope: dict[str, str] = field(default_factory=dict)  # sha256(envelope text) -> uuid
    by_digest: dict[str, list[str]] = field(default_factory=dict)  # "sha256:<hex>" -> uuids
    fail_first: int = 0  # answer 500 to this many requests first
    mode: str = "ok"  # ok | garbage | huge | slow | hang | wrong-shape
    requests: list[str] = field(default_factory=list)

    def add(self, envelope_line: bytes, answer: dict[str, Any], digest: str | None = None,
            searchable_by_envelope: bool = True) -> None:
        (uuid, entry), = answer.items()
        self.entries[uuid] = entry
        if searchable_by_envelope:
            self.by_envelope[hashlib.sha256(envelope_line.strip()).hexdigest()] = uuid
        if digest:
            self.by_digest.setdefault(f"sha256:{digest}", []).append(uuid)

    def answer(self, method: str, target: str, body: bytes) -> tuple[int, bytes] | None:
        """(status, JSON body) for ``method`` on ``target`` (path and query), recorded in :attr:`requests`; None
        when the mode is one only a socket can play (``hang``, ``slow``)."""
        request = json.loads(body or b"{}") if method == "POST" else None
        self.requests.append(f"{method} {target}")
        if self.fail_first > 0:
            self.fail_first -= 1
            return 500, b'{"message": "internal error"}'
        if self.mode in SOCKET_MODES:
            return None
        if self.mode == "garbage":
            return 200, b"<html>not json</html>"
        if self.mode == "wrong-shape":
            return 200, b'[{"abc": {"body": 17}}]'
        if self.mode == "huge":
            return 200, b"[" + b" " * (6 * 1024 * 1024) + b"]"
        if method == "POST" and target == "/api/v1/log/entries/retrieve":
            found = []
            for proposed in request.get("entries", []):
                spec = proposed.get("spec", {})
                text = (spec.get("content", {}).get("envelope") or
                        spec.get("proposedContent", {}).get("envelope"))
                if isinstance(text, str):
                    uuid = self.by_envelope.get(hashlib.sha256(text.encode()).hexdigest())
                    if uuid:
                        found.append({uuid: self.entries[uuid]})
            return 200, json.dumps(found[:1]).encode()
        if method == "POST" and target == "/api/v1/index/retrieve":
            return 200, json.dumps(self.by_digest.get(request.get("hash", ""), [])).encode()
        prefix = "/api/v1/log/entries/"
        uuid = target[len(prefix):] if method == "GET" and target.startswith(prefix) else ""
        if uuid in self.entries:
            return 200, json.dumps({uuid: self.entries[uuid]}).encode()
        return 404, b'{"message": "not found"}'


#: The modes only a real socket can play.
SOCKET_MODES = ("hang", "slow")


def _handler(state: RekorState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _answer(self, body: bytes) -> None:
            answer = state.answer(self.command, self.path, body)
            if answer is not None:
                self._send(*answer)
            elif state.mode == "hang":
                time.sleep(5)
                self._send(200, b"[]")
            else:  # slow
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                try:
                    for _ in range(200):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(0.05)
                except OSError:
                    pass

        def do_POST(self) -> None:
            self._answer(self.rfile.read(int(self.headers.get("Content-Length", "0"))))

        def do_GET(self) -> None:
            self._answer(b"")

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that hung up on a hanging or slow answer is the point of those modes; printed, the traceback
        # would land seconds later in the captured stderr of whichever test runs then
        pass


@contextmanager
def rekor_server(state: RekorState) -> Iterator[str]:
    server = _QuietServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
