"""The tests' hosts served from memory: the routing tables of ``tests/release_servers.py`` (:class:`Host`: a
package index, a GitHub-like host) and ``tests/rekor_server.py`` (:class:`RekorState`) answered through pyslsa's
HTTP engine's transport seam (:func:`pyslsa.sources.http.transport_override`), with no socket.

Each host gets an origin of its own (``http://<label>-<n>.test``: a reserved name, which no resolver answers, so a
request that escapes the seam fails instead of reaching anyone). Requests for any other origin go to the network
as usual (httpx's own transport): a test may mix memory hosts with loopback servers. Everything
:class:`~pyslsa.sources.http.HttpClient` checks (URLs, redirects, credentials across origins, size caps counted on
decoded bytes, deadlines, digests) runs on these answers as on a socket's; what only a socket can play (a delay, a
slow drip, a lying Content-Length, Rekor's ``hang`` and ``slow``) is refused with :class:`LoopbackOnly`, and the
host's block then fails the test: use the loopback servers for those.

    with in_memory(Host(), "index") as index:      # as ``with serve(Host()) as index:``
        add_project(index, ...)
    with rekor_in_memory(state) as url:            # as ``with rekor_server(state) as url:``
        ...
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from http.client import HTTPMessage

import httpx

from pyslsa.sources.http import transport_override
from tests.rekor_server import RekorState
from tests.release_servers import Host

Site = Callable[[httpx.Request], httpx.Response]


class LoopbackOnly(AssertionError):
    """A route asked of a memory host plays something only a real socket can: the test needs the loopback host."""


def _response(status: int, headers: list[tuple[str, str]], body: bytes) -> httpx.Response:
    # a stream, not content=: the body is decoded (Content-Encoding) only as the client reads it, under its caps
    return httpx.Response(status, headers=[*headers, ("Content-Length", str(len(body)))],
                          stream=httpx.ByteStream(body))


def host_site(host: Host) -> Site:
    """``host``'s routing table (:meth:`Host.answer`) as an in-memory site."""

    def site(request: httpx.Request) -> httpx.Response:
        if request.method != "GET":
            return _response(501, [("Content-Type", "text/plain")], b"unsupported method")
        headers = HTTPMessage()  # what the loopback handler sees: the names as sent, looked up in any case
        for name, value in request.headers.raw:
            headers[name.decode("latin-1")] = value.decode("latin-1")
        answer = host.answer(request.url.raw_path.decode("ascii"), headers)
        problem = answer.needs_socket
        if problem is not None:
            raise LoopbackOnly(f"{request.url}: the route plays {problem}, which needs a real socket: serve this "
                               f"host on loopback (tests/release_servers.serve, the `loopback_hosts` fixture)")
        return _response(answer.status, answer.headers, answer.body)

    return site


def rekor_site(state: RekorState) -> Site:
    """``state`` (:meth:`RekorState.answer`) as an in-memory Rekor."""

    def site(request: httpx.Request) -> httpx.Response:
        answer = state.answer(request.method, request.url.raw_path.decode("ascii"), request.content)
        if answer is None:
            raise LoopbackOnly(f"{request.url}: the log's mode {state.mode!r} needs a real socket: use "
                               f"tests/rekor_server.rekor_server")
        status, body = answer
        return _response(status, [("Content-Type", "application/json")], body)

    return site


class MemoryNet(httpx.MockTransport):
    """The in-memory sites by origin; any other origin goes to the network. Installed as pyslsa's transport (for
    every HttpClient) while at least one site is open."""

    def __init__(self) -> None:
        super().__init__(self._dispatch)
        self._sites: dict[str, Site] = {}
        self._problems: dict[str, list[str]] = {}
        self._lock = threading.Lock()
        self._users = 0
        self._installed: AbstractContextManager[httpx.BaseTransport] | None = None
        self._network: httpx.HTTPTransport | None = None
        self._numbers = itertools.count(1)

    def _dispatch(self, request: httpx.Request) -> httpx.Response:
        origin = f"{request.url.scheme}://{request.url.netloc.decode('ascii')}"
        site = self._sites.get(origin)
        if site is None:
            with self._lock:
                if self._network is None:
                    self._network = httpx.HTTPTransport()
                network = self._network
            return network.handle_request(request)
        try:
            return site(request)
        except LoopbackOnly as exc:
            self._problems.setdefault(origin, []).append(str(exc))
            raise

    @contextmanager
    def site(self, label: str, site: Site) -> Iterator[str]:
        """An origin answered by ``site`` while inside (and pyslsa's transport is this net)."""
        origin = f"http://{label}-{next(self._numbers)}.test"
        with self._lock:
            self._sites[origin] = site
            if self._users == 0:
                self._installed = transport_override(self)
                self._installed.__enter__()
            self._users += 1
        try:
            yield origin
        finally:
            with self._lock:
                del self._sites[origin]
                self._users -= 1
                if self._users == 0:
                    assert self._installed is not None
                    self._installed.__exit__(None, None, None)
                    self._installed = None
                    if self._network is not None:
                        self._network.close()
                        self._network = None
            problems = self._problems.pop(origin, [])
            if problems:
                raise LoopbackOnly("; ".join(problems))


NET = MemoryNet()


@contextmanager
def in_memory(host: Host, label: str = "host") -> Iterator[Host]:
    """``host`` served from memory (``host.base`` set), as :func:`tests.release_servers.serve` serves it."""
    with NET.site(label, host_site(host)) as origin:
        host.base = origin
        yield host


@contextmanager
def rekor_in_memory(state: RekorState) -> Iterator[str]:
    """``state`` served from memory; yields its URL, as :func:`tests.rekor_server.rekor_server` does."""
    with NET.site("rekor", rekor_site(state)) as origin:
        yield origin
