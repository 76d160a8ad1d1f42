"""A Rekor-compatible test server on loopback, with fault injection (no public network)."""

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

        def _misbehave(self) -> bool:
            state.requests.append(f"{self.command} {self.path}")
            if state.fail_first > 0:
                state.fail_first -= 1
                self._send(500, b'{"message": "internal error"}')
                return True
            if state.mode == "garbage":
                self._send(200, b"<html>not json</html>")
                return True
            if state.mode == "wrong-shape":
                self._send(200, b'[{"abc": {"body": 17}}]')
                return True
            if state.mode == "huge":
                self._send(200, b"[" + b" " * (6 * 1024 * 1024) + b"]")
                return True
            if state.mode == "hang":
                time.sleep(5)
                self._send(200, b"[]")
                return True
            if state.mode == "slow":
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
                return True
            return False

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            if self._misbehave():
                return
            if self.path == "/api/v1/log/entries/retrieve":
                found = []
                for proposed in body.get("entries", []):
                    spec = proposed.get("spec", {})
                    text = (spec.get("content", {}).get("envelope") or
                            spec.get("proposedContent", {}).get("envelope"))
                    if isinstance(text, str):
                        uuid = state.by_envelope.get(hashlib.sha256(text.encode()).hexdigest())
                        if uuid:
                            found.append({uuid: state.entries[uuid]})
                self._send(200, json.dumps(found[:1]).encode())
            elif self.path == "/api/v1/index/retrieve":
                self._send(200, json.dumps(state.by_digest.get(body.get("hash", ""), [])).encode())
            else:
                self._send(404, b'{"message": "not found"}')

        def do_GET(self) -> None:
            if self._misbehave():
                return
            prefix = "/api/v1/log/entries/"
            uuid = self.path[len(prefix):] if self.path.startswith(prefix) else ""
            if uuid in state.entries:
                self._send(200, json.dumps({uuid: state.entries[uuid]}).encode())
            else:
                self._send(404, b'{"message": "not found"}')

    return Handler


@contextmanager
def rekor_server(state: RekorState) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
