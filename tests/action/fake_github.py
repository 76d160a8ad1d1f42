"""A loopback stand-in for the part of GitHub's REST API the action's comment step uses: the files of a pull
request and its issue comments (list, create, edit), paginated with Link headers as GitHub does, with the token
checked and the comment author enforced on edits."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BOT = "github-actions[bot]"


@dataclass
class FakeGitHub:
    token: str = "ghs_fake-token-for-tests"
    repo: str = "octo-org/octo-repo"
    pr_files: dict[int, list[str]] = field(default_factory=dict)
    comments: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)  # method, path, query, authorization, body
    fail: dict[str, int] = field(default_factory=dict)  # "POST" / "PATCH" / "GET" -> status to answer
    redirect: str | None = None  # answer every request with a 302 to this URL
    base: str = ""
    next_id: int = 1000

    def add_comment(self, issue: int, body: str, user: str) -> dict[str, Any]:
        self.next_id += 1
        c = {"id": self.next_id, "issue": issue, "body": body, "user": {"login": user}}
        self.comments.append(c)
        return c

    def comments_on(self, issue: int) -> list[dict[str, Any]]:
        return [c for c in self.comments if c["issue"] == issue]


def _handler(gh: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, status: int, doc: Any = None, headers: dict[str, str] | None = None) -> None:
            body = json.dumps(doc).encode() if doc is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def _page(self, items: list[Any], path: str, query: dict[str, list[str]]) -> None:
            per_page = min(int(query.get("per_page", ["30"])[0]), 100)
            page = int(query.get("page", ["1"])[0])
            chunk = items[(page - 1) * per_page: page * per_page]
            headers = {}
            if page * per_page < len(items):
                headers["Link"] = f'<{gh.base}{path}?per_page={per_page}&page={page + 1}>; rel="next"'
            self._reply(200, chunk, headers)

        def _handle(self, method: str) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            length = int(self.headers.get("Content-Length") or 0)
            body: Any = json.loads(self.rfile.read(length)) if length else {}
            gh.requests.append({"method": method, "path": url.path, "query": url.query,
                                "authorization": self.headers.get("Authorization"), "body": body})
            if gh.redirect is not None:
                self._reply(302, None, {"Location": gh.redirect})
                return
            if self.headers.get("Authorization") != f"Bearer {gh.token}":
                self._reply(401, {"message": "Bad credentials"})
                return
            if method in gh.fail:
                self._reply(gh.fail[method], {"message": "Resource not accessible by integration"})
                return
            prefix = f"/repos/{gh.repo}"
            if method == "GET" and (m := re.fullmatch(rf"{prefix}/pulls/(\d+)/files", url.path)):
                self._page([{"filename": f} for f in gh.pr_files.get(int(m[1]), [])], url.path, query)
            elif method == "GET" and (m := re.fullmatch(rf"{prefix}/issues/(\d+)/comments", url.path)):
                self._page(gh.comments_on(int(m[1])), url.path, query)
            elif method == "POST" and (m := re.fullmatch(rf"{prefix}/issues/(\d+)/comments", url.path)):
                self._reply(201, gh.add_comment(int(m[1]), body["body"], BOT))
            elif method == "PATCH" and (m := re.fullmatch(rf"{prefix}/issues/comments/(\d+)", url.path)):
                found = [c for c in gh.comments if c["id"] == int(m[1])]
                if not found:
                    self._reply(404, {"message": "Not Found"})
                elif found[0]["user"]["login"] != BOT:
                    self._reply(403, {"message": "Must have admin rights to Repository."})
                else:
                    found[0]["body"] = body["body"]
                    self._reply(200, found[0])
            else:
                self._reply(404, {"message": "Not Found"})

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def do_PATCH(self) -> None:
            self._handle("PATCH")

    return Handler


@contextmanager
def serve_github(gh: FakeGitHub) -> Iterator[FakeGitHub]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(gh))
    server.daemon_threads = True
    gh.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield gh
    finally:
        server.shutdown()
        server.server_close()
