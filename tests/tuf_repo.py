"""A throw-away TUF repository for tests, built with python-tuf's metadata API (real Ed25519 signatures), and a
loopback HTTP server that serves it with fault injection.

The repository uses consistent snapshots like Sigstore's: ``N.root.json``, ``timestamp.json``,
``V.snapshot.json``, ``V.targets.json`` and ``targets/<sha256>.<name>`` under the repository URL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import (
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)

from tests.authority import Authority

UTC = dt.timezone.utc
ROLES = ("root", "timestamp", "snapshot", "targets")


def _now() -> dt.datetime:
    return dt.datetime.now(UTC).replace(microsecond=0)


@dataclass
class TufRepo:
    """Top-level metadata, signers per role, and the files a server would publish (by path)."""

    expiry: dt.timedelta = dt.timedelta(days=7)
    files: dict[str, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.signers: dict[str, list[CryptoSigner]] = {r: [CryptoSigner.generate_ed25519()] for r in ROLES}
        root = Root(expires=_now() + dt.timedelta(days=365), consistent_snapshot=True)
        for role, signers in self.signers.items():
            for s in signers:
                root.add_key(s.public_key, role)
        self.root = Metadata(root)
        self.targets = Metadata(Targets(expires=_now() + self.expiry))
        self.snapshot = Metadata(Snapshot(expires=_now() + self.expiry))
        self.timestamp = Metadata(Timestamp(expires=_now() + self.expiry))
        self.target_data: dict[str, bytes] = {}
        self.publish_root()

    # -- signing and publishing --------------------------------------------------------------------------------

    def _sign(self, md: Metadata[Any], signers: list[CryptoSigner]) -> bytes:
        md.signatures.clear()
        for s in signers:
            md.sign(s, append=True)
        return md.to_bytes()

    def publish_root(self, extra_signers: list[CryptoSigner] | None = None) -> bytes:
        data = self._sign(self.root, [*self.signers["root"], *(extra_signers or [])])
        self.files[f"{self.root.signed.version}.root.json"] = data
        return data

    @property
    def bootstrap(self) -> bytes:
        return self.files["1.root.json"]

    def add_target(self, name: str, data: bytes) -> None:
        self.target_data[name] = data
        self.targets.signed.targets[name] = TargetFile.from_data(name, data, ["sha256"])
        self.files[f"targets/{hashlib.sha256(data).hexdigest()}.{name}"] = data

    def publish(self, *, bump: bool = True, timestamp_expires: dt.datetime | None = None,
                snapshot_expires: dt.datetime | None = None) -> None:
        """Sign and publish targets, snapshot and timestamp (new versions unless ``bump`` is False)."""
        t, s, ts = self.targets.signed, self.snapshot.signed, self.timestamp.signed
        if bump:
            t.version += 1
            s.version += 1
            ts.version += 1
        t.expires = _now() + self.expiry
        s.expires = snapshot_expires or _now() + self.expiry
        ts.expires = timestamp_expires or _now() + self.expiry
        targets = self._sign(self.targets, self.signers["targets"])
        self.files[f"{t.version}.targets.json"] = targets
        s.meta["targets.json"] = MetaFile(version=t.version)
        snapshot = self._sign(self.snapshot, self.signers["snapshot"])
        self.files[f"{s.version}.snapshot.json"] = snapshot
        ts.snapshot_meta = MetaFile(version=s.version, length=len(snapshot),
                                    hashes={"sha256": hashlib.sha256(snapshot).hexdigest()})
        self.files["timestamp.json"] = self._sign(self.timestamp, self.signers["timestamp"])

    def rotate(self, role: str) -> None:
        """A new key for ``role`` in a new root version, signed by the old and the new root keys."""
        old = list(self.signers["root"])
        root = self.root.signed
        for s in self.signers[role]:
            root.revoke_key(s.public_key.keyid, role)
        new = CryptoSigner.generate_ed25519()
        self.signers[role] = [new]
        root.add_key(new.public_key, role)
        root.version += 1
        root.expires = _now() + dt.timedelta(days=365)
        extra = old if role == "root" else []
        self.publish_root(extra_signers=[s for s in extra if s not in self.signers["root"]])


# -- A loopback server ---------------------------------------------------------------------------------------------


@dataclass
class ServerState:
    repo: TufRepo
    requests: list[str] = field(default_factory=list)
    #: path (under the repository) -> how to answer it: "drip" (a byte at a time, forever), "huge" (a body
    #: bigger than any limit, declared), "huge-chunked" (the same without Content-Length), "500", "404",
    #: "stall" (headers, then nothing), ("redirect", location), or bytes to serve instead
    faults: dict[str, Any] = field(default_factory=dict)


def _handler(state: ServerState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path.lstrip("/").removeprefix("repo/")
            state.requests.append(path)
            fault = state.faults.get(path)
            try:
                if isinstance(fault, bytes):
                    self._send(200, fault)
                elif isinstance(fault, tuple) and fault[0] == "redirect":
                    self.send_response(302)
                    self.send_header("Location", fault[1])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif fault == "drip":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "1000")
                    self.end_headers()
                    for _ in range(2000):  # forever, for any client deadline in the tests
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(0.02)
                elif fault == "stall":
                    self.send_response(200)
                    self.send_header("Content-Length", "10")
                    self.end_headers()
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(5)
                elif fault == "huge":
                    self.send_response(200)
                    self.send_header("Content-Length", str(1 << 30))
                    self.end_headers()
                    self.wfile.write(b" " * 65536)
                elif fault == "huge-chunked":
                    self.send_response(200)
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    chunk = b" " * 65536
                    for _ in range(1 << 14):  # 1 GiB if nobody stops reading
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.write(b"0\r\n\r\n")
                elif fault in ("500", "404"):
                    self._send(int(fault), b"{}")
                elif path in state.repo.files:
                    self._send(200, state.repo.files[path])
                else:
                    self._send(404, b"not found")
            except OSError:  # the client hung up (what a bounded client does with a drip or a huge body)
                self.close_connection = True

    return Handler


@contextmanager
def serve(repo: TufRepo) -> Iterator[tuple[str, ServerState]]:
    """Serve ``repo`` on 127.0.0.1; yields (repository URL, state)."""
    state = ServerState(repo)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]  # clients hang up
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/repo", state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def root_bytes(auth: Authority, **kw: Any) -> bytes:
    """The test authority's trusted root (``Authority.trusted_root`` keywords), as a repository publishes it."""
    return json.dumps(auth.trusted_root(**kw)).encode()


def authority_repo(auth: Authority) -> TufRepo:
    """A private Sigstore's TUF repository publishing the test authority's trusted root (no Rekor v2 shard)."""
    r = TufRepo()
    r.add_target("trusted_root.json", root_bytes(auth, v2_log=False))
    r.publish(bump=False)
    return r
