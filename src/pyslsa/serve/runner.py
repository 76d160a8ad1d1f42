"""Running the proxy: :func:`serve` (the command's foreground server) and :func:`running` (a server in a thread, for
tests, benchmarks and embedding). Both bind the socket themselves first, so port 0 works and the URL printed is the
real one; uvicorn serves it."""

from __future__ import annotations

import signal
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TextIO

import uvicorn

from pyslsa.errors import UsageError
from pyslsa.serve.app import Proxy, create_app
from pyslsa.serve.config import ServeConfig
from pyslsa.serve.model import Decider


def _bind(host: str, port: int) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise UsageError(f"--host {host!r}: {exc.strerror or exc}") from None
    family, kind, proto, _, addr = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if sock.family == socket.AF_INET6:
        host = f"[{host}]"
    if host in ("0.0.0.0", "[::]"):  # noqa: S104 - only naming what was bound, for the message
        host = "127.0.0.1"
    return f"http://{host}:{port}"


class _Server(uvicorn.Server):
    """uvicorn's server, telling the proxy first when it starts to shut down (upstream fetches in flight are
    aborted and answered 503 at once, instead of holding the grace period)."""

    def __init__(self, config: uvicorn.Config, proxy: Proxy) -> None:
        super().__init__(config)
        self.proxy = proxy

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await self.proxy.begin_shutdown()
        await super().shutdown(sockets)


def _server(config: ServeConfig, decider: Decider) -> uvicorn.Server:
    app = create_app(config, decider)
    proxy: Proxy = app.state.proxy
    return _Server(uvicorn.Config(
        app, lifespan="on", log_level="warning", access_log=False, server_header=False,
        timeout_graceful_shutdown=max(1, round(config.limits.shutdown_grace))), proxy)


def _describe(decider: Decider) -> str:
    try:
        return " ".join(str(decider.describe()).split())
    except Exception as exc:  # noqa: BLE001 - the banner says so instead
        return f"unavailable ({type(exc).__name__})"


def serve(config: ServeConfig, decider: Decider, *, out: TextIO | None = None) -> str | None:
    """Serve until Ctrl-C or SIGTERM, then shut down cleanly (open downloads get ``Limits.shutdown_grace``
    seconds, in-flight upstream fetches are cancelled and their part files removed). Prints the URLs to use.
    Returns the name of the signal that stopped it (None if the server stopped by itself). A UsageError if the
    address cannot be bound or the cache / log cannot be used."""
    out = out or sys.stderr
    server = _server(config, decider)
    sock = _bind(config.host, config.port)
    url = base_url(sock)
    print(f"pyslsa serve: {config.mode} mode, on-fail {config.on_fail}, upstream {config.upstream}", file=out)
    print(f"  status page:   {url}/", file=out)
    print(f"  install with:  pip install --index-url {url}/simple/ PACKAGE", file=out)
    print(f"                 uv pip install --index-url {url}/simple/ PACKAGE", file=out)
    print(f"  policy:        {_describe(decider)}", file=out)
    print("  Ctrl-C to stop", file=out, flush=True)
    stopped_by: list[str] = []
    previous: dict[signal.Signals, object] = {}

    def remember(signum: int, frame: FrameType | None) -> None:
        # uvicorn replaces this handler while it runs, and raises the signal again after its graceful shutdown:
        # it lands here, so the process ends normally instead of by KeyboardInterrupt or a default SIGTERM. A signal
        # before uvicorn installs its handlers (right after the banner) lands here too: the server then stops as
        # soon as it has started, instead of the signal being lost.
        stopped_by.append(signal.Signals(signum).name)
        server.should_exit = True

    main = threading.current_thread() is threading.main_thread()
    if main:
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, remember)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        if main:
            for sig, handler in previous.items():
                signal.signal(sig, handler)  # type: ignore[arg-type]
    reason = stopped_by[0] if stopped_by else None
    print(f"pyslsa serve: stopped{f' ({reason})' if reason else ''}", file=out, flush=True)
    return reason


@contextmanager
def running(config: ServeConfig, decider: Decider) -> Iterator[str]:
    """The proxy served by uvicorn in a background thread on ``config.host:config.port`` (0: a free port); yields
    its base URL (``http://127.0.0.1:PORT``) once it accepts connections, and shuts it down on exit."""
    server = _server(config, decider)
    sock = _bind(config.host, config.port)
    url = base_url(sock)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # noqa: BLE001 - reported to the caller below
            failure.append(exc)

    thread = threading.Thread(target=run, name="pyslsa-serve", daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError(f"the server did not start: {failure[0] if failure else 'unknown reason'}")
            thread.join(0.01)
        yield url
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


__all__ = ["base_url", "running", "serve"]
