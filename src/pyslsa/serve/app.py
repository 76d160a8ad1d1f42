"""The verifying index proxy as an ASGI application (starlette).

Routes::

    /                                      status page (HTML, no script)
    /-/decisions.json                      the same as JSON
    /-/health                              for probes
    /simple/                               the upstream's project list
    /simple/<project>/                     a project page (PEP 503 HTML or PEP 691 JSON), URLs pointing here
    /files/<project>/<sha256>/<filename>   a distribution file: fetched, hash-checked, decided, then sent
    /files/<project>/<sha256>/<filename>.metadata   its PEP 658 core metadata, hash-checked
    /integrity/<project>/<version>/<filename>/provenance   the upstream's PEP 740 provenance object, raw

A download URL carries the project and the sha256 the index listed: the proxy finds the upstream URL again in the
upstream's project page (remembered for ``Limits.file_lookup_ttl``, refetched on a miss), so a URL the upstream no
longer lists with that digest is a 404, and nothing in the URL chooses a path on disk (files are stored by digest).
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import json
import logging
import os
import re
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import anyio
import anyio.to_thread
import httpx
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from pyslsa.errors import UsageError
from pyslsa.serve import pages
from pyslsa.serve.cache import BlobStore, FlightAborted, SingleFlight, default_cache_dir
from pyslsa.serve.config import ServeConfig
from pyslsa.serve.model import DECIDER_ERROR, VERDICTS, Decider, Decision, DecisionRequest, UpstreamFile
from pyslsa.serve.upstream import ProjectPage, Upstream, UpstreamError, valid_project
from pyslsa.sources.pypi import JSON_V1

log = logging.getLogger("pyslsa.serve")
_HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")
_NO_STORE = {"Cache-Control": "no-store"}


class FdResponse(Response):
    """Sends an already opened (and re-hashed) cache file, ``chunk`` bytes at a time, from the same descriptor that
    was hashed; closes it on every path (a client that hangs up included)."""

    def __init__(self, fd: int, size: int, chunk: int, headers: Mapping[str, str],
                 limiter: anyio.CapacityLimiter | None = None) -> None:
        super().__init__(content=None, status_code=200, media_type="application/octet-stream",
                         headers={**headers, "Content-Length": str(size)})
        self.fd, self.size, self.chunk, self.limiter = fd, size, chunk, limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            if scope.get("method") == "HEAD":
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            async with anyio.create_task_group() as tg:

                async def watch() -> None:  # a client that hangs up stops the reading (uvicorn drops the sends)
                    while (await receive())["type"] != "http.disconnect":
                        pass
                    tg.cancel_scope.cancel()

                tg.start_soon(watch)
                await self._body(send)
                tg.cancel_scope.cancel()
        finally:
            os.close(self.fd)

    async def _body(self, send: Send) -> None:
        offset = 0
        while offset < self.size:
            data = await anyio.to_thread.run_sync(os.pread, self.fd, min(self.chunk, self.size - offset), offset,
                                                  limiter=self.limiter)
            if not data:  # shortened after it was hashed: cut the answer short of its Content-Length
                raise OSError("cache file shrank while being served")
            offset += len(data)
            await send({"type": "http.response.body", "body": data, "more_body": offset < self.size})
        if self.size == 0:
            await send({"type": "http.response.body", "body": b"", "more_body": False})


@dataclass
class _Lookup:
    at: float
    files: dict[str, UpstreamFile]


class Proxy:
    """The state behind the routes: config, decider, cache, upstream client, decision records."""

    def __init__(self, config: ServeConfig, decider: Decider, transport: httpx.AsyncBaseTransport | None) -> None:
        self.config = config
        self.limits = config.limits
        self.decider = decider
        self.transport = transport
        self.store = BlobStore(config.cache_dir or default_cache_dir())
        self.store.prepare()
        self.flights = SingleFlight()
        self._upstream: Upstream | None = None
        self._io: anyio.CapacityLimiter | None = None
        self._lookups: collections.OrderedDict[str, _Lookup] = collections.OrderedDict()
        self.recent: collections.deque[dict[str, Any]] = collections.deque(maxlen=self.limits.recent_decisions)
        self.counts: dict[str, int] = dict.fromkeys(VERDICTS, 0)
        self.started = time.time()
        #: Set when the server begins to shut down: in-flight fetches are aborted, their requests answered 503.
        self.closing = False
        self._log: IO[str] | None = None
        if config.log_file is not None:
            try:
                self._log = config.log_file.open("a", encoding="utf-8")  # closed at shutdown
            except OSError as exc:
                raise UsageError(f"cannot open the decision log {config.log_file}: {exc.strerror or exc}") from None

    # -- lifecycle ------------------------------------------------------------------------------------------------

    @property
    def upstream(self) -> Upstream:
        if self._upstream is None:
            raise RuntimeError("the app's lifespan has not started")
        return self._upstream

    @property
    def io(self) -> anyio.CapacityLimiter:
        """The worker threads that read cache files (``Limits.io_threads``)."""
        if self._io is None:
            self._io = anyio.CapacityLimiter(self.limits.io_threads)
        return self._io

    async def start(self) -> None:
        self._upstream = Upstream(self.config, transport=self.transport)

    async def begin_shutdown(self) -> None:
        """Abort the upstream fetches in flight (their part files are removed; the requests waiting on them are
        answered 503). Called by the runner as soon as the server starts to shut down, before uvicorn's grace
        period for open connections."""
        self.closing = True
        await self.flights.abort_all()

    async def stop(self) -> None:
        await self.begin_shutdown()
        if self._upstream is not None:
            await self._upstream.aclose()
        if self._log is not None:
            self._log.close()
            self._log = None

    # -- decisions ------------------------------------------------------------------------------------------------

    def record(self, *, project: str, version: str, filename: str, sha256: str, decision: Decision, action: str,
               status: int) -> dict[str, Any]:
        rec = {
            "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "project": project, "version": version, "filename": filename, "sha256": sha256,
            "verdict": decision.verdict, "code": decision.code, "message": decision.message,
            "action": action, "status": status, "mode": self.config.mode, "on_fail": self.config.on_fail,
            "evidence": _jsonable(decision.evidence),
        }
        self.recent.append(rec)
        self.counts[decision.verdict] = self.counts.get(decision.verdict, 0) + 1
        if self._log is not None:
            try:
                self._log.write(json.dumps(rec, sort_keys=True, ensure_ascii=True) + "\n")
                self._log.flush()
            except OSError as exc:
                log.error("pyslsa serve: cannot write the decision log: %s", exc)
        if decision.refused:
            log.warning("pyslsa serve: %s %s: [%s] %s", action.upper(), filename, decision.code, decision.message)
        return rec

    async def decide(self, f: UpstreamFile) -> Decision:
        """The decider's verdict on ``f`` now (its evidence fetched or taken from the cache). UpstreamError when
        the evidence cannot be had."""
        prov = await self.provenance(f)
        req = DecisionRequest(project=f.project, version=f.version, filename=f.filename, sha256=f.sha256,
                              provenance=prov[1] if prov else None, provenance_url=prov[0] if prov else None, file=f)
        try:
            with anyio.fail_after(self.limits.decide_timeout):
                d = await anyio.to_thread.run_sync(self.decider.decide, req, abandon_on_cancel=True)
        except TimeoutError:
            return Decision("failed", DECIDER_ERROR, f"no decision within {self.limits.decide_timeout:g} s")
        except Exception as exc:  # noqa: BLE001 - any failure of the decider fails closed, with its reason
            return Decision("failed", DECIDER_ERROR, f"the decider raised {type(exc).__name__}: {exc}"[:500])
        if (not isinstance(d, Decision) or d.verdict not in VERDICTS or not isinstance(d.message, str)
                or not isinstance(d.code, (str, type(None))) or not isinstance(d.evidence, Mapping)):
            return Decision("failed", DECIDER_ERROR, f"the decider returned {d!r}"[:500])
        return d

    # -- upstream pages and lookups -------------------------------------------------------------------------------

    async def page(self, project: str) -> ProjectPage | None:
        async def fetch() -> ProjectPage | None:
            page = await self.upstream.project_page(project)
            if page is not None:
                self._lookups[project] = _Lookup(time.monotonic(), {f.filename: f for f in page.files})
                self._lookups.move_to_end(project)
                while len(self._lookups) > self.limits.file_lookup_projects:
                    self._lookups.popitem(last=False)
            return page

        return await self.flights.run(f"page:{project}", fetch)

    async def lookup(self, project: str, filename: str) -> UpstreamFile | None:
        """The upstream's listing of ``filename`` (remembered from a recent page, else the page is fetched)."""
        memo = self._lookups.get(project)
        if memo is not None and time.monotonic() - memo.at <= self.limits.file_lookup_ttl and filename in memo.files:
            return memo.files[filename]
        page = await self.page(project)
        if page is None:
            return None
        return next((f for f in page.files if f.filename == filename), None)

    # -- evidence, files, metadata --------------------------------------------------------------------------------

    async def provenance(self, f: UpstreamFile) -> tuple[str, bytes] | None:
        """The file's raw PEP 740 provenance (cached by the file's sha256), or None when the upstream has none."""
        if f.provenance_listed and f.provenance_url is None:
            return None  # the upstream says there is none (a cached copy is not evidence it still stands by)
        url = f.provenance_url or self.upstream.integrity_url(f)
        ref = await anyio.to_thread.run_sync(self.store.get_ref, "provenance", f.sha256)
        if ref is not None and url is not None:
            data = await anyio.to_thread.run_sync(self.store.read_verified, ref, self.limits.max_provenance_bytes)
            if data is not None:
                return url, data
            await anyio.to_thread.run_sync(self.store.drop_ref, "provenance", f.sha256)

        async def fetch() -> tuple[str, bytes] | None:
            got = await self.upstream.provenance(f)
            if got is not None:
                sha = await anyio.to_thread.run_sync(self.store.put_bytes, got[1])
                await anyio.to_thread.run_sync(self.store.set_ref, "provenance", f.sha256, sha)
            return got

        return await self.flights.run(f"provenance:{f.sha256}", fetch)

    async def _fetch_blob(self, url: str, sha256: str, size: int | None, max_bytes: int, what: str,
                          kind: str) -> None:
        part, out = await anyio.to_thread.run_sync(self.store.new_part)
        try:
            try:
                await self.upstream.download(url, out, sha256=sha256, size=size, max_bytes=max_bytes, what=what,
                                             kind=kind, deadline=self.limits.file_deadline)
            finally:
                out.close()
            await anyio.to_thread.run_sync(self.store.commit, part, sha256)
        finally:
            with suppress(FileNotFoundError):
                part.unlink()

    async def file_blob(self, f: UpstreamFile) -> tuple[int, int]:
        """(fd, size) of the file in the cache, fetched (once for all concurrent callers) if missing or corrupt;
        re-hashed before it is returned."""
        for _ in range(2):
            got = await anyio.to_thread.run_sync(self.store.open_verified, f.sha256, f.size, limiter=self.io)
            if got is not None:
                return got
            self.upstream.check_allowed(f.url, "the file URL")
            await self.flights.run(f"file:{f.sha256}", lambda: self._fetch_blob(
                f.url, f.sha256, f.size, self.limits.max_file_bytes, f.filename, "file"))
        raise UpstreamError(f"{f.filename}: the cached copy does not match sha256:{f.sha256} right after a fetch")

    async def metadata_blob(self, f: UpstreamFile) -> bytes:
        sha = f.metadata_sha256
        assert sha is not None
        parts = urlsplit(f.url)
        url = urlunsplit((parts.scheme, parts.netloc, parts.path + ".metadata", parts.query, ""))
        for _ in range(2):
            data = await anyio.to_thread.run_sync(self.store.read_verified, sha, self.limits.max_metadata_bytes)
            if data is not None:
                return data
            self.upstream.check_allowed(url, "the metadata URL")
            await self.flights.run(f"metadata:{sha}", lambda: self._fetch_blob(
                url, sha, None, self.limits.max_metadata_bytes, f"{f.filename}.metadata", "metadata"))
        raise UpstreamError(f"{f.filename}.metadata: the cached copy does not match sha256:{sha} right after a fetch")


def _jsonable(value: Any) -> Any:
    try:
        return json.loads(json.dumps(value, default=str))
    except (TypeError, ValueError, RecursionError):
        return {"unserialisable": repr(value)[:500]}


def _text(status: int, message: str, headers: Mapping[str, str] | None = None) -> PlainTextResponse:
    return PlainTextResponse(" ".join(message.split()) + "\n", status_code=status,
                             headers={**_NO_STORE, **(headers or {})})


def _redirect(request: Request, path: str) -> RedirectResponse:
    return RedirectResponse(str(request.url.replace(path=path)), status_code=301)


def _proxy(request: Request) -> Proxy:
    proxy: Proxy = request.app.state.proxy
    return proxy


def _upstream_error(exc: UpstreamError, what: str) -> PlainTextResponse:
    return _text(exc.status, f"pyslsa serve: {what}: [{exc.code}] {exc.message}")


# -- routes ---------------------------------------------------------------------------------------------------------


async def _status(request: Request) -> Response:
    p = _proxy(request)
    body = pages.status_html(upstream=p.config.upstream, mode=p.config.mode, on_fail=p.config.on_fail,
                             policy=await _policy(p), cache=str(p.store.root), started=p.started, counts=p.counts,
                             records=list(reversed(p.recent)), upstream_requests=p.upstream.requests)
    return Response(body, media_type="text/html; charset=utf-8",
                    headers={**_NO_STORE, "Content-Security-Policy": pages.STATUS_CSP,
                             "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"})


async def _policy(p: Proxy) -> str:
    try:
        with anyio.fail_after(5):
            return str(await anyio.to_thread.run_sync(p.decider.describe, abandon_on_cancel=True))
    except Exception as exc:  # noqa: BLE001 - the status page shows the failure instead
        return f"unavailable ({type(exc).__name__})"


async def _decisions(request: Request) -> Response:
    p = _proxy(request)
    return JSONResponse({
        "schema": "pyslsa-serve-decisions/1", "upstream": p.config.upstream, "mode": p.config.mode,
        "on_fail": p.config.on_fail, "policy": await _policy(p),
        "started": dt.datetime.fromtimestamp(p.started, dt.timezone.utc).isoformat(timespec="seconds"),
        "counts": p.counts, "upstream_requests": p.upstream.requests, "decisions": list(reversed(p.recent)),
    }, headers=_NO_STORE)


async def _health(request: Request) -> Response:
    p = _proxy(request)
    ok = os.access(p.store.tmp, os.W_OK)
    return JSONResponse({"status": "ok" if ok else "cache-not-writable", "mode": p.config.mode,
                         "upstream": p.config.upstream}, status_code=200 if ok else 503, headers=_NO_STORE)


async def _simple_no_slash(request: Request) -> Response:
    return _redirect(request, request.url.path + "/")


async def _root(request: Request) -> Response:
    p = _proxy(request)
    ctype = pages.simple_content_type(request.headers.get("accept"), request.query_params.get("format"))
    try:
        names = await p.flights.run("root:", p.upstream.project_list)
    except UpstreamError as exc:
        return _upstream_error(exc, "the project list")
    body = pages.root_json(names) if ctype == JSON_V1 else pages.root_html(names, canonicalize_name)
    return _simple_response(body, ctype)


def _simple_response(body: bytes, ctype: str) -> Response:
    media = ctype if ctype == JSON_V1 else f"{ctype}; charset=utf-8"
    return Response(body, media_type=media, headers={**_NO_STORE, "Vary": "Accept"})


async def _project_no_slash(request: Request) -> Response:
    return _redirect(request, request.url.path + "/")


async def _project(request: Request) -> Response:
    p = _proxy(request)
    name = request.path_params["project"]
    if not valid_project(name):
        return _text(404, f"pyslsa serve: {name!r} is not a project name")
    normal = canonicalize_name(name)
    if normal != name:
        return _redirect(request, request.url.path[: -len(name) - 1] + normal + "/")
    ctype = pages.simple_content_type(request.headers.get("accept"), request.query_params.get("format"))
    try:
        page = await p.page(normal)
    except UpstreamError as exc:
        return _upstream_error(exc, f"the page of {normal}")
    if page is None:
        return _text(404, f"pyslsa serve: the upstream has no project {normal}")
    files = list(page.files)
    if p.config.hides:
        files = await _without_failing(p, files)
    body = (pages.project_json(normal, files, page.versions) if ctype == JSON_V1
            else pages.project_html(normal, files))
    return _simple_response(body, ctype)


async def _without_failing(p: Proxy, files: list[UpstreamFile]) -> list[UpstreamFile]:
    """``on_fail="hide"``: the files whose decision is not ``failed`` (each hidden one recorded)."""
    keep = [True] * len(files)
    limiter = anyio.Semaphore(p.limits.hide_concurrency)

    async def one(i: int, f: UpstreamFile) -> None:
        async with limiter:
            try:
                d = await p.decide(f)
            except UpstreamError as exc:
                d = Decision("failed", exc.code, f"evidence could not be fetched: {exc.message}")
            if d.refused:
                keep[i] = False
                p.record(project=f.project, version=f.version, filename=f.filename, sha256=f.sha256, decision=d,
                         action="hidden", status=200)

    async with anyio.create_task_group() as tg:
        for i, f in enumerate(files):
            tg.start_soon(one, i, f)
    return [f for f, k in zip(files, keep, strict=True) if k]


async def _file(request: Request) -> Response:
    p = _proxy(request)
    project, sha, filename = (request.path_params[k] for k in ("project", "sha256", "filename"))
    if not valid_project(project) or canonicalize_name(project) != project or not _HEX64.match(sha):
        return _text(404, "pyslsa serve: not a file URL of this proxy")
    base, is_meta = (filename[: -len(".metadata")], True) if filename.endswith(".metadata") else (filename, False)
    try:
        f = await p.lookup(project, base)
    except UpstreamError as exc:
        if not is_meta:
            p.record(project=project, version="", filename=base, sha256=sha,
                     decision=Decision("failed", exc.code, exc.message), action="error", status=exc.status)
        return _upstream_error(exc, filename)
    if f is None or f.sha256 != sha:
        return _text(404, f"pyslsa serve: the upstream does not list {filename} with sha256:{sha}")
    if is_meta:
        if f.metadata_sha256 is None:
            return _text(404, f"pyslsa serve: the upstream lists no hashed metadata for {base}")
        try:
            data = await p.metadata_blob(f)
        except UpstreamError as exc:
            return _upstream_error(exc, filename)
        return Response(data, media_type="application/octet-stream", headers=_NO_STORE)
    return await _download(p, f)


async def _download(p: Proxy, f: UpstreamFile) -> Response:
    where = {"project": f.project, "version": f.version, "filename": f.filename, "sha256": f.sha256}
    try:
        decision = await p.decide(f)
    except UpstreamError as exc:
        p.record(**where, decision=Decision("failed", exc.code, f"evidence could not be fetched: {exc.message}"),
                 action="error", status=exc.status)
        return _upstream_error(exc, f"evidence for {f.filename}")
    verdict_headers = {"X-Pyslsa-Verdict": decision.verdict, "X-Pyslsa-Code": decision.code or ""}
    mode = p.config.mode
    if decision.refused and mode == "enforce":
        p.record(**where, decision=decision, action="refused", status=403)
        return _text(403, f"refused by pyslsa serve: {f.filename}: [{decision.code or 'failed'}] {decision.message}",
                     verdict_headers)
    try:
        fd, size = await p.file_blob(f)
    except UpstreamError as exc:
        p.record(**where, decision=Decision("failed", exc.code, exc.message, decision.evidence), action="error",
                 status=exc.status)
        return _upstream_error(exc, f.filename)
    action = "served" if not decision.refused else ("warned" if mode == "warn" else "would-refuse")
    try:
        p.record(**where, decision=decision, action=action, status=200)
    except BaseException:
        os.close(fd)
        raise
    return FdResponse(fd, size, p.limits.chunk_bytes, {**_NO_STORE, **verdict_headers}, p.io)


async def _integrity(request: Request) -> Response:
    p = _proxy(request)
    project, version, filename = (request.path_params[k] for k in ("project", "version", "filename"))
    if not valid_project(project) or canonicalize_name(project) != project:
        return _text(404, "pyslsa serve: not a project of this proxy")
    ctype = pages.negotiate(request.headers.get("accept"), pages.INTEGRITY_OFFERS, None)
    if ctype is None:
        return _text(406, f"pyslsa serve: this endpoint answers {' or '.join(pages.INTEGRITY_OFFERS)}")
    try:
        f = await p.lookup(project, filename)
        if f is None or not _same_version(f.version, version):
            return _text(404, f"pyslsa serve: the upstream does not list {filename} for {project} {version}")
        prov = await p.provenance(f)
    except UpstreamError as exc:
        return _upstream_error(exc, f"provenance of {filename}")
    if prov is None:
        return _text(404, f"pyslsa serve: the upstream has no provenance for {filename}")
    return Response(prov[1], media_type=ctype, headers={**_NO_STORE, "Vary": "Accept"})


def _same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


class _ShutdownGuard:
    """Outermost of the app's own layers: once the proxy is shutting down, a request that ends in an exception or
    a cancellation (uvicorn cancels what is still running when its grace period is over) is answered 503 if it has
    not answered yet, and ends quietly otherwise -- no traceback in the server's log for an orderly stop."""

    def __init__(self, app: Any, proxy: Proxy) -> None:
        self.app, self.proxy = app, proxy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except (Exception, asyncio.CancelledError) as exc:
            if not self.proxy.closing and not isinstance(exc, FlightAborted):
                raise
            if not started:
                with suppress(Exception):
                    await _text(503, "pyslsa serve: shutting down")(scope, receive, send)


def create_app(config: ServeConfig, decider: Decider, *,
               transport: httpx.AsyncBaseTransport | None = None) -> Starlette:
    """The proxy as an ASGI app. The cache directory is prepared and the decision log opened here (a UsageError
    if either cannot be), the upstream client when the app's lifespan starts; in-flight fetches are cancelled and
    their part files removed when it ends. ``transport`` replaces httpx's network transport (tests, embedding)."""
    if not isinstance(decider, Decider):
        raise UsageError("the decider must have decide(request) -> Decision and describe() -> str")
    proxy = Proxy(config, decider, transport)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await proxy.start()
        try:
            yield
        finally:
            await proxy.stop()

    routes = [
        Route("/", _status, methods=["GET"]),
        Route("/-/decisions.json", _decisions, methods=["GET"]),
        Route("/-/health", _health, methods=["GET"]),
        Route("/simple", _simple_no_slash, methods=["GET"]),
        Route("/simple/", _root, methods=["GET"]),
        Route("/simple/{project}", _project_no_slash, methods=["GET"]),
        Route("/simple/{project}/", _project, methods=["GET"]),
        Route("/files/{project}/{sha256}/{filename}", _file, methods=["GET"]),
        Route("/integrity/{project}/{version}/{filename}/provenance", _integrity, methods=["GET"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(_ShutdownGuard, proxy=proxy)])
    app.router.redirect_slashes = False
    app.state.proxy = proxy
    return app


__all__ = ["FdResponse", "Proxy", "create_app", "default_cache_dir"]
