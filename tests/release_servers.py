"""Loopback test hosts for verify-release / reproduce: a package index (PEP 691 JSON + PEP 503 HTML + the
integrity API) and a GitHub-like host (release downloads answered with a 302 to a storage path, releases API).

Both are one routing table on a ThreadingHTTPServer bound to 127.0.0.1; every route can misbehave (status,
delay, slow drip, a lying Content-Length, endless redirects), so each network failure path is exercised for real.
"""

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
class Host:
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)  # (path, accept, headers)
    base: str = ""
    json_api: bool = True  # the index answers PEP 691 JSON when asked

    def route(self, path: str, **kw: Any) -> Route:
        r = Route(**kw)
        self.routes[path] = r
        return r


def _handler(host: Host) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            accept = self.headers.get("Accept", "")
            host.requests.append((path, accept, dict(self.headers)))
            r = host.routes.get(path)
            if r is None and path.endswith("/") and path.startswith("/simple/"):
                want_json = host.json_api and "application/vnd.pypi.simple.v1+json" in accept
                r = host.routes.get(path + ("#json" if want_json else "#html"))
            if r is None:
                self._send(404, b"not found", "text/plain")
                return
            if r.fail_first > 0:
                r.fail_first -= 1
                self._send(503, b"try again", "text/plain")
                return
            if r.delay:
                time.sleep(r.delay)
            if r.redirect is not None:
                self.send_response(302)
                self.send_header("Location", r.redirect)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._send(r.status, r.body, r.content_type, r)

        def _send(self, status: int, body: bytes, ctype: str, r: Route | None = None) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                length = r.declared_length if r is not None and r.declared_length is not None else len(body)
                self.send_header("Content-Length", str(length))
                for k, v in (r.headers.items() if r is not None else ()):
                    self.send_header(k, v)
                self.end_headers()
                if r is not None and r.drip:
                    for i in range(len(body)):
                        self.wfile.write(body[i:i + 1])
                        self.wfile.flush()
                        time.sleep(r.drip)
                else:
                    self.wfile.write(body)
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
