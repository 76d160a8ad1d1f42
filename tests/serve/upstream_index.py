"""A loopback upstream package index for the proxy's tests: PEP 691 JSON and PEP 503 HTML pages (negotiated on the
Accept header), the files, their PEP 658 metadata, the PEP 740 integrity API, and a per-path misbehaviour table
(status, delay, a slow drip, redirects, endless or huge bodies, a lying Content-Length, bytes other than the listed
ones). Every request is counted per path, so a test can prove how often the proxy went upstream.

A ThreadingHTTPServer on 127.0.0.1 only; nothing here reaches another host.
"""

from __future__ import annotations

import hashlib
import html
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

JSON_V1 = "application/vnd.pypi.simple.v1+json"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Dist:
    filename: str
    data: bytes
    metadata: bytes | None = None
    provenance: bytes | None = None
    yanked: bool | str = False
    requires_python: str | None = None
    listed_sha256: str | None = None  # what the page claims, if not the real digest ("" lists no hash)
    listed_metadata_sha256: str | None = None
    upload_time: str = "2024-01-02T03:04:05.000000Z"
    url: str | None = None  # the URL the page lists, if not ../../files/<filename>
    provenance_url: str | None = None  # likewise for the provenance

    @property
    def version(self) -> str:
        stem = self.filename.removesuffix(".tar.gz").removesuffix(".whl")
        return stem.split("-")[1]


@dataclass
class Misbehave:
    status: int | None = None  # answer this status (with a short body) instead
    delay: float = 0.0  # seconds before the headers
    drip: float = 0.0  # seconds between chunks of the body
    drip_bytes: int = 1
    redirect: str | None = None  # a 302 to this Location
    body: bytes | None = None  # send these bytes instead (the listed digest stays the real one)
    endless: bool = False  # a chunked body that never ends
    declared_length: int | None = None  # a lying Content-Length
    fail_first: int = 0  # answer 503 to this many requests first, then behave
    content_encoding: str | None = None


@dataclass
class Index:
    projects: dict[str, list[Dist]] = field(default_factory=dict)
    misbehave: dict[str, Misbehave] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    accepts: list[tuple[str, str]] = field(default_factory=list)
    base: str = ""
    json_api: bool = True
    provenance_in_pages: bool = True
    static: dict[str, bytes] = field(default_factory=dict)  # extra paths (e.g. a redirect's storage target)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, project: str, *dists: Dist) -> None:
        self.projects.setdefault(project, []).extend(dists)

    def dist(self, filename: str) -> Dist:
        for dists in self.projects.values():
            for d in dists:
                if d.filename == filename:
                    return d
        raise KeyError(filename)

    def page_path(self, project: str) -> str:
        return f"/simple/{project}/"

    def file_path(self, filename: str) -> str:
        return f"/files/{filename}"

    def provenance_path(self, project: str, d: Dist) -> str:
        return f"/integrity/{project}/{d.version}/{d.filename}/provenance"

    # -- documents -------------------------------------------------------------------------------------------------

    def page(self, project: str, want_json: bool) -> tuple[bytes, str]:
        entries = []
        anchors = []
        for d in self.projects[project]:
            digest = sha256(d.data) if d.listed_sha256 is None else d.listed_sha256
            url = d.url or f"../../files/{d.filename}"
            e: dict[str, Any] = {"filename": d.filename, "url": url,
                                 "hashes": {"sha256": digest} if digest else {}, "size": len(d.data),
                                 "upload-time": d.upload_time, "yanked": d.yanked}
            attrs = [f'href="{html.escape(url)}{"#sha256=" + digest if digest else ""}"']
            if d.requires_python is not None:
                e["requires-python"] = d.requires_python
                attrs.append(f'data-requires-python="{html.escape(d.requires_python)}"')
            if d.yanked is not False:
                attrs.append(f'data-yanked="{html.escape(d.yanked) if isinstance(d.yanked, str) else ""}"')
            if d.metadata is not None:
                msha = d.listed_metadata_sha256 or sha256(d.metadata)
                e["core-metadata"] = {"sha256": msha}
                attrs.append(f'data-core-metadata="sha256={msha}"')
            if self.provenance_in_pages:
                if d.provenance is not None:
                    e["provenance"] = d.provenance_url or f"{self.base}{self.provenance_path(project, d)}"
                    attrs.append(f'data-provenance="{html.escape(e["provenance"])}"')
                else:
                    e["provenance"] = None
            entries.append(e)
            anchors.append(f"<a {' '.join(attrs)}>{html.escape(d.filename)}</a>")
        if want_json:
            versions = sorted({d.version for d in self.projects[project]})
            doc = {"meta": {"api-version": "1.3"}, "name": project, "files": entries, "versions": versions}
            return json.dumps(doc).encode(), JSON_V1
        body = "<!DOCTYPE html><html><body>\n" + "<br/>\n".join(anchors) + "\n</body></html>\n"
        return body.encode(), "text/html"

    def root(self, want_json: bool) -> tuple[bytes, str]:
        if want_json:
            return json.dumps({"meta": {"api-version": "1.0"},
                               "projects": [{"name": p} for p in self.projects]}).encode(), JSON_V1
        links = "".join(f'<a href="/simple/{html.escape(p)}/">{html.escape(p)}</a>\n' for p in self.projects)
        return f"<!DOCTYPE html><html><body>{links}</body></html>".encode(), "text/html"

    def resolve(self, path: str, accept: str) -> tuple[int, bytes, str]:
        want_json = self.json_api and JSON_V1 in accept
        if path in self.static:
            return 200, self.static[path], "application/octet-stream"
        if path == "/simple/":
            return (200, *self.root(want_json))
        if path.startswith("/simple/") and path.endswith("/"):
            project = path[len("/simple/"):-1]
            if project in self.projects:
                return (200, *self.page(project, want_json))
        if path.startswith("/files/"):
            name = path[len("/files/"):]
            for dists in self.projects.values():
                for d in dists:
                    if name == d.filename:
                        return 200, d.data, "application/octet-stream"
                    if name == d.filename + ".metadata" and d.metadata is not None:
                        return 200, d.metadata, "application/octet-stream"
        if path.startswith("/integrity/"):
            for project, dists in self.projects.items():
                for d in dists:
                    if path == self.provenance_path(project, d) and d.provenance is not None:
                        return 200, d.provenance, "application/vnd.pypi.integrity.v1+json"
        return 404, b"not found", "text/plain"


def _handler(index: Index) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path)
            accept = self.headers.get("Accept", "")
            with index.lock:
                index.hits[path] += 1
                index.accepts.append((path, accept))
                m = index.misbehave.get(path)
                if m is not None and m.fail_first > 0:
                    m.fail_first -= 1
                    failing = True
                else:
                    failing = False
            try:
                if failing:
                    self._send(503, b"try again", "text/plain")
                    return
                if m is not None and m.delay:
                    time.sleep(m.delay)
                if m is not None and m.redirect is not None:
                    self.send_response(302)
                    self.send_header("Location", m.redirect)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if m is not None and m.status is not None:
                    self._send(m.status, b"misbehaving", "text/plain")
                    return
                status, body, ctype = index.resolve(path, accept)
                if m is not None and m.body is not None:
                    body = m.body
                if m is not None and m.endless:
                    self._endless(ctype)
                    return
                self._send(status, body, ctype, m)
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                pass

        def _endless(self, ctype: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"<a>" + b"x" * 65536 + b"</a>\n"
            for _ in range(100_000):  # ~6 GB at most, should a client never hang up
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")

        def _send(self, status: int, body: bytes, ctype: str, m: Misbehave | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            declared = m.declared_length if m is not None and m.declared_length is not None else len(body)
            self.send_header("Content-Length", str(declared))
            if m is not None and m.content_encoding:
                self.send_header("Content-Encoding", m.content_encoding)
            self.end_headers()
            if m is not None and m.drip:
                step = max(1, m.drip_bytes)
                for i in range(0, len(body), step):
                    self.wfile.write(body[i:i + step])
                    self.wfile.flush()
                    time.sleep(m.drip)
            else:
                view = memoryview(body)
                for i in range(0, len(body), 1 << 20):
                    self.wfile.write(view[i:i + (1 << 20)])

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up on slow or endless answers is the point of some tests


@contextmanager
def serve_index(index: Index, host: str = "127.0.0.1") -> Iterator[Index]:
    server = _Server((host, 0), _handler(index))
    index.base = f"http://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield index
    finally:
        server.shutdown()
        server.server_close()
