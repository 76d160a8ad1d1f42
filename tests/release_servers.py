"""Loopback test hosts for verify-release / reproduce: a package index (PEP 691 JSON + PEP 503 HTML + the
integrity API) and a GitHub-like host (release downloads answered with a 302 to a storage path, releases API).

Both are one routing table (:class:`Host`), answered by :meth:`Host.answer`: on a ThreadingHTTPServer bound to
127.0.0.1 (:func:`serve`, the loopback host), or from memory through pyslsa's HTTP engine's transport seam
(``tests/memory_net.py``: the same table, no socket). Every route can misbehave (status, endless redirects, 5xx
before answering, odd headers); the misbehaviours only a socket can play (a delay, a slow drip, a lying
Content-Length) are loopback-only, and a memory host refuses them loudly.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)
    redirect: str | None = None  # Location (a 302)
    delay: float = 0.0  # before answering
    drip: float = 0.0  # seconds between 1-byte chunks of the body
    declared_length: int | None = None  # Content-Length to send instead of the real one
    fail_first: int = 0  # answer 503 to this many requests first


@dataclass
class Answer:
    """What a host answers to one request; the socket handler adds Content-Length (the route's declared one, if
    any) and plays the route's delay and drip."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    route: Route | None = None  # the route that answered (None: a 404 or a 503 of fail_first)

    @property
    def needs_socket(self) -> str | None:
        """What of the route only a real socket can play, or None."""
        r = self.route
        if r is None:
            return None
        if r.delay:
            return f"a delay of {r.delay} s"
        if r.drip:
            return f"a slow drip ({r.drip} s a byte)"
        if r.declared_length is not None:
            return f"a Content-Length of {r.declared_length} for {len(self.body)} bytes"
        return None


@dataclass
class Host:
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)  # (path, accept, headers)
    base: str = ""
    json_api: bool = True  # the index answers PEP 691 JSON when asked

    def route(self, path: str, **kw: Any) -> Route:
        r = Route(**kw)
        self.routes[path] = r
        return r

    def answer(self, target: str, headers: Mapping[str, str]) -> Answer:
        """The answer to a GET of ``target`` (path and query) with ``headers`` (as sent), recorded in
        :attr:`requests`. The one routing logic of both the loopback and the in-memory host."""
        path = urlsplit(target).path
        accept = headers.get("Accept", "")
        self.requests.append((path, accept, dict(headers)))
        r = self.routes.get(path)
        if r is None and path.endswith("/") and path.startswith("/simple/"):
            want_json = self.json_api and "application/vnd.pypi.simple.v1+json" in accept
            r = self.routes.get(path + ("#json" if want_json else "#html"))
        if r is None:
            return Answer(404, [("Content-Type", "text/plain")], b"not found")
        if r.fail_first > 0:
            r.fail_first -= 1
            return Answer(503, [("Content-Type", "text/plain")], b"try again")
        if r.redirect is not None:
            return Answer(302, [("Location", r.redirect)], b"", r)
        return Answer(r.status, [("Content-Type", r.content_type), *r.headers.items()], r.body, r)


def _handler(host: Host) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            answer = host.answer(self.path, self.headers)
            r = answer.route
            if r is not None and r.delay:
                time.sleep(r.delay)
            try:
                self.send_response(answer.status)
                length = r.declared_length if r is not None and r.declared_length is not None else len(answer.body)
                for k, v in answer.headers[:1]:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(length))
                for k, v in answer.headers[1:]:
                    self.send_header(k, v)
                self.end_headers()
                if r is not None and r.drip:
                    for i in range(len(answer.body)):
                        self.wfile.write(answer.body[i:i + 1])
                        self.wfile.flush()
                        time.sleep(r.drip)
                else:
                    self.wfile.write(answer.body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up on a slow answer is the point of some tests


@contextmanager
def serve(host: Host) -> Iterator[Host]:
    server = _QuietServer(("127.0.0.1", 0), _handler(host))
    server.daemon_threads = True
    host.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def add_project(index: Host, project: str, files: dict[str, bytes], *, provenance: dict[str, bytes] | None = None,
                listed_digests: dict[str, str] | None = None, relative_urls: bool = True,
                provenance_in_pages: bool = True, extra_json_files: list[dict[str, Any]] | None = None) -> None:
    """Serve ``files`` as the release of ``project`` at /simple/<project>/ (JSON and HTML), the files at /files/,
    and each ``provenance[filename]`` at the integrity API path (and, if asked, named in the pages)."""
    provenance = provenance or {}
    listed = listed_digests or {}
    entries = []
    anchors = []
    version = "?"
    for name, data in files.items():
        digest = listed.get(name, sha256(data))
        url = f"../../files/{name}" if relative_urls else f"{index.base}/files/{name}"
        index.route(f"/files/{name}", body=data)
        entry: dict[str, Any] = {"filename": name, "url": url, "hashes": {"sha256": digest}, "size": len(data),
                                 "upload-time": "2024-01-02T03:04:05.000000Z", "yanked": False}
        attr = ""
        if name in provenance:
            version = name.split("-")[1].removesuffix(".tar.gz")
            prov_path = f"/integrity/{project}/{version}/{name}/provenance"
            index.route(prov_path, body=provenance[name], content_type="application/vnd.pypi.integrity.v1+json")
            if provenance_in_pages:
                entry["provenance"] = f"{index.base}{prov_path}"
                attr = f' data-provenance="{index.base}{prov_path}"'
        elif provenance_in_pages:
            entry["provenance"] = None
        entries.append(entry)
        anchors.append(f'<a href="{url}#sha256={digest}"{attr}>{name}</a>')
    entries.extend(extra_json_files or [])
    doc = {"meta": {"api-version": "1.3"}, "name": project, "files": entries}
    index.route(f"/simple/{project}/#json", body=json.dumps(doc).encode(),
                content_type="application/vnd.pypi.simple.v1+json")
    html = "<!DOCTYPE html><html><body>\n" + "<br/>\n".join(anchors) + "\n</body></html>\n"
    index.route(f"/simple/{project}/#html", body=html.encode(), content_type="text/html")


def add_release(gh: Host, repo: str, tag: str, assets: dict[str, bytes], *, list_in_api: bool = True) -> None:
    """A GitHub release of ``repo`` (ORG/NAME) at ``tag``: downloads 302 to /storage/..., and the releases API."""
    for name, data in assets.items():
        storage = f"/storage/{repo}/{tag}/{name}"
        gh.route(f"/{repo}/releases/download/{tag}/{name}", redirect=f"{gh.base}{storage}?token=secret")
        gh.route(storage, body=data)
    if list_in_api:
        doc = {"tag_name": tag, "assets": [{"name": n, "size": len(d),
                                            "browser_download_url": f"{gh.base}/{repo}/releases/download/{tag}/{n}"}
                                           for n, d in assets.items()]}
        gh.route(f"/api/repos/{repo}/releases/tags/{tag}", body=json.dumps(doc).encode(),
                 content_type="application/json")
