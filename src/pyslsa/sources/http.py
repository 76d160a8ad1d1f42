"""Bounded HTTP for the edges that fetch (package indexes, GitHub releases, the transparency log): the one HTTP
engine of pyslsa. Nothing here decides trust.

Every request has a per-request timeout, a size cap enforced while reading (a ``Content-Length`` above the cap is
refused before the body is read), a few retries with back-off on connection errors, timeouts and 5xx answers
(GETs, and POSTs of lookups that change nothing: :meth:`HttpClient.post_json`), and an overall deadline.
Redirects are followed (at most :data:`MAX_REDIRECTS`; or none, when asked), never from ``https`` down to
``http``, never to another scheme, and without the client's ``Authorization`` once they leave the origin first
asked; any other 3xx is an HTTP error. The size cap counts decoded bytes (a ``Content-Encoding`` bomb stops at the
cap), and an answer that does not decode is a download failure.

Downloads stream to ``<dir>/.<name>.part`` while hashing, are checked against the expected SHA-256, and only then
renamed to ``<dir>/<name>``; the part file is removed on every path (errors, Ctrl-C). File names that come from a
server are checked with :func:`safe_filename` before anything is written.

Where the bytes come from is one seam: by default httpx's network transport; an :class:`HttpClient` given a
``transport`` (any ``httpx.BaseTransport``), or every client while :func:`transport_override` is in force, sends
through that transport instead (the tests' in-memory index, GitHub and Rekor; an embedder's own transport). Every
check above still runs on what it answers: URLs, redirects, credentials, caps, deadlines, digests.

Failures are :class:`~pyslsa.errors.DownloadError` (``download-failed``: network, timeout, HTTP error, too large,
a URL that does not parse; a client of another service words them its own way, see :class:`HttpFailures`),
:class:`~pyslsa.errors.MismatchIndexDigestError` (the bytes are not the ones the index promised: digest or size),
or :class:`~pyslsa.errors.UsageError` (the file cannot be written where asked).
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urljoin, urlsplit

from pyslsa.errors import DownloadError, MismatchIndexDigestError, PyslsaError, UsageError

if TYPE_CHECKING:
    import httpx

MAX_REDIRECTS = 5
#: Default cap for one API answer (index page, releases list, provenance object).
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
#: Default cap for one downloaded distribution file.
MAX_FILE_BYTES = 512 * 1024 * 1024

_SAFE_NAME = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._+!~-]*\Z")

#: Called as bytes arrive: (bytes so far, total or None).
Progress = Callable[[int, int | None], None]


def safe_filename(name: str, what: str = "file name") -> str:
    """``name`` if it is a plain file name (no separators, no ``..``, no control characters, not hidden), else a
    :class:`DownloadError`: a name that comes from a server never chooses where we write."""
    if (not isinstance(name, str) or not name or len(name) > 255 or name in (".", "..") or ".." in name
            or not _SAFE_NAME.match(name)):
        raise DownloadError(f"refusing {what} {name!r} from the server: expected a plain file name (letters, "
                            f"digits, '._+-', no path separators, no '..')")
    return name


class HttpFailures(Protocol):
    """What a failed request raises: the error class and the message. :class:`DownloadFailures` speak for package
    indexes and GitHub (``download-failed``); a client of another service names its failures in its own words
    (:class:`pyslsa.sources.rekor.RekorFailures`: ``tlog-unreachable``, ``invalid-tlog-entry``). ``url`` is the URL
    asked for (or, for a status, the one that answered)."""

    def unreachable(self, url: str, attempts: int, last: str) -> PyslsaError: ...

    def status(self, url: str, status: int, method: str) -> PyslsaError: ...

    def too_large(self, url: str, limit: int, declared: int | None) -> PyslsaError: ...

    def too_slow(self, url: str, deadline: float) -> PyslsaError: ...

    def read_failed(self, url: str, problem: str) -> PyslsaError: ...

    def refused_url(self, message: str) -> PyslsaError: ...

    def time_spent(self, attempts: int) -> PyslsaError: ...


class DownloadFailures:
    """The failures of downloads: ``download-failed``."""

    def unreachable(self, url: str, attempts: int, last: str) -> PyslsaError:
        """Every attempt failed: connection errors, timeouts, 5xx answers (``last`` says the last one's)."""
        return DownloadError(f"{display_url(url)} unreachable after {attempts} attempts: {last}")

    def status(self, url: str, status: int, method: str) -> PyslsaError:
        """An HTTP error answer (4xx but 404, or a 3xx that is not followed)."""
        return DownloadError(f"{display_url(url)} answered HTTP {status}")

    def too_large(self, url: str, limit: int, declared: int | None) -> PyslsaError:
        """The answer is larger than ``limit`` bytes (``declared``: as its Content-Length said, before reading)."""
        if declared is not None:
            return DownloadError(f"{display_url(url)}: answer too large ({declared} bytes, limit {limit})")
        return DownloadError(f"{display_url(url)}: answer larger than the limit of {limit} bytes")

    def too_slow(self, url: str, deadline: float) -> PyslsaError:
        return DownloadError(f"{display_url(url)}: too slow (deadline {deadline:.0f} s)")

    def read_failed(self, url: str, problem: str) -> PyslsaError:
        """The answer broke off while being read (timeout, connection, content that does not decode)."""
        return DownloadError(f"{display_url(url)}: {problem}")

    def refused_url(self, message: str) -> PyslsaError:
        """A URL or a redirect that is not followed (not http(s), invalid, https down to http, too many)."""
        return DownloadError(message)

    def time_spent(self, attempts: int) -> PyslsaError:
        """The whole run's time limit (:attr:`HttpClient.until`) is spent before a request."""
        return DownloadError("the time limit for fetching the release and its evidence is spent")


DOWNLOAD_FAILURES: HttpFailures = DownloadFailures()


@dataclass(frozen=True)
class _Request:
    method: str
    url: str
    accept: str | None
    json: Any
    failures: HttpFailures
    follow_redirects: bool


@dataclass(frozen=True)
class Response:
    url: str  # the final URL, after redirects
    status: int
    headers: Mapping[str, str]
    content: bytes


_override_lock = threading.Lock()
_override: list[httpx.BaseTransport] = []  # the transports of the transport_override() blocks in force, innermost last


@contextmanager
def transport_override(transport: httpx.BaseTransport) -> Iterator[httpx.BaseTransport]:
    """While inside, every :class:`HttpClient` without a ``transport`` of its own sends through ``transport``
    instead of httpx's network transport (a client reads it when it makes its first request, and keeps it until
    :meth:`HttpClient.close`). This is how the tests serve an index, GitHub and Rekor from memory, and how an
    embedder could route pyslsa's requests its own way; every check of :class:`HttpClient` still runs on the
    answers. It is process-wide, not per thread or context, so that the worker threads of a command (``audit``)
    use it too. Blocks nest: the innermost one is in force, and leaving it restores the one before."""
    with _override_lock:
        _override.append(transport)
    try:
        yield transport
    finally:
        with _override_lock:
            for i in range(len(_override) - 1, -1, -1):  # this block's entry, even if blocks end out of order
                if _override[i] is transport:
                    del _override[i]
                    break


def _overriding_transport() -> httpx.BaseTransport | None:
    """The transport of the innermost :func:`transport_override` block in force, or None."""
    with _override_lock:
        return _override[-1] if _override else None


def _borrowed(transport: httpx.BaseTransport | None) -> httpx.BaseTransport | None:
    """``transport`` for one ``httpx.Client``, which would close it when it closes: a given transport is its
    owner's (several clients share it), so the client gets a view of it that closing leaves open."""
    if transport is None:
        return None
    import httpx

    owned = transport

    class Borrowed(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            return owned.handle_request(request)

    return Borrowed()


@dataclass
class HttpClient:
    """A small bounded GET client over ``httpx`` (imported on first use). One instance may be shared by threads
    (``audit``'s workers): ``httpx.Client`` can be, and the lazy creation of it is serialised here.

    ``transport`` replaces httpx's network transport for this client (see :func:`transport_override` for all of
    them; the client never closes it: its owner does); without it, and outside any override, httpx's own transport
    is used, as configured by the environment (proxies, certificates)."""

    timeout: float = 20.0
    attempts: int = 3
    backoff: float = 0.3
    deadline: float = 120.0  # for one get() / download(), retries included
    #: time.monotonic() after which no request may run (a whole command's time limit); None for no limit
    until: float | None = None
    user_agent: str = "pyslsa"
    headers: Mapping[str, str] = field(default_factory=dict)
    transport: httpx.BaseTransport | None = field(default=None, repr=False, compare=False)
    _client: Any = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def _httpx(self) -> httpx.Client:
        client: httpx.Client | None = self._client
        if client is None:
            with self._lock:
                if self._client is None:
                    import httpx

                    self._client = httpx.Client(follow_redirects=False, headers={"User-Agent": self.user_agent,
                                                                                 **dict(self.headers)},
                                                transport=_borrowed(self.transport or _overriding_transport()))
                client = self._client
        assert client is not None
        return client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _stop(self, failures: HttpFailures) -> float:
        stop = time.monotonic() + self.deadline
        if self.until is not None:
            if time.monotonic() >= self.until:
                raise failures.time_spent(self.attempts)
            stop = min(stop, self.until)
        return stop

    @contextmanager
    def _open(self, request: _Request, stop: float) -> Iterator[httpx.Response]:
        """A streaming response with status < 300 or 404, after redirects and retries; closed on exit."""
        resp = self._connect(request, stop)
        try:
            yield resp
        finally:
            resp.close()

    def _connect(self, request: _Request, stop: float) -> httpx.Response:
        """Documents (``accept`` given) may come compressed (the size cap counts decoded bytes); file downloads
        ask for ``identity``: a distribution gains nothing from it, and no chunk can inflate in memory."""
        import httpx

        url, failures = request.url, request.failures
        _check_url(url, failures)
        origin = _origin(url)
        last = "no attempt made"
        for attempt in range(self.attempts):
            if time.monotonic() >= stop:
                break
            current = url
            try:
                for _hop in range(MAX_REDIRECTS + 1):
                    remaining = max(0.05, stop - time.monotonic())
                    headers = {"Accept": request.accept} if request.accept else {"Accept-Encoding": "identity"}
                    req = self._httpx().build_request(request.method, current, headers=headers, json=request.json,
                                                      timeout=min(self.timeout, remaining))
                    if _origin(current) != origin:  # credentials go to the host they were given for only
                        req.headers.pop("Authorization", None)
                        req.headers.pop("Cookie", None)
                    resp = self._httpx().send(req, stream=True)
                    if resp.is_redirect and request.follow_redirects:
                        location = resp.headers.get("location", "")
                        resp.close()
                        if not location:
                            raise failures.refused_url(f"{display_url(current)} answered HTTP {resp.status_code} "
                                                       f"without a Location")
                        nxt = _check_redirect(current, location, failures)
                        current = nxt
                        continue
                    break
                else:
                    resp.close()
                    raise failures.refused_url(f"{display_url(url)}: more than {MAX_REDIRECTS} redirects")
                if resp.status_code >= 500:
                    last = f"HTTP {resp.status_code}"
                    resp.close()
                elif resp.status_code >= 300 and resp.status_code != 404:  # a 3xx here cannot be followed
                    resp.close()
                    raise failures.status(current, resp.status_code, request.method)
                else:
                    return resp
            except httpx.TimeoutException:
                last = "timed out"
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            except httpx.InvalidURL as exc:
                raise failures.refused_url(f"invalid URL {display_url(current)}: {exc}") from None
            if attempt + 1 < self.attempts:
                time.sleep(max(0.0, min(self.backoff * (2 ** attempt), stop - time.monotonic())))
        raise failures.unreachable(url, self.attempts, last)

    def _document(self, request: _Request, max_bytes: int) -> Response | None:
        stop = self._stop(request.failures)
        with self._open(request, stop) as resp:
            if resp.status_code == 404:
                return None
            chunks: list[bytes] = []
            for chunk in _bounded(resp, max_bytes, stop, self.deadline, request.url, request.failures):
                chunks.append(chunk)
            return Response(str(resp.url), resp.status_code, dict(resp.headers), b"".join(chunks))

    def get(self, url: str, *, accept: str | None = None, max_bytes: int = MAX_DOCUMENT_BYTES,
            failures: HttpFailures | None = None, follow_redirects: bool = True) -> Response | None:
        """The whole answer, or None for a 404. ``failures`` names what goes wrong (default: download-failed);
        ``follow_redirects=False`` makes a 3xx answer an HTTP error."""
        return self._document(_Request("GET", url, accept, None, failures or DOWNLOAD_FAILURES, follow_redirects),
                              max_bytes)

    def post_json(self, url: str, body: Any, *, accept: str | None = "application/json",
                  max_bytes: int = MAX_DOCUMENT_BYTES, failures: HttpFailures | None = None,
                  follow_redirects: bool = True) -> Response | None:
        """POST ``body`` as JSON; the whole answer, or None for a 404. For lookups that change nothing (a
        transparency log's ``retrieve`` endpoints): like a GET, it is retried on connection errors, timeouts and
        5xx answers."""
        return self._document(_Request("POST", url, accept, body, failures or DOWNLOAD_FAILURES, follow_redirects),
                              max_bytes)

    def download(self, url: str, directory: Path, filename: str, *, sha256: str,
                 max_bytes: int = MAX_FILE_BYTES, progress: Progress | None = None,
                 expected_size: int | None = None) -> tuple[Path, str]:
        """Stream ``url`` into ``directory/filename``; returns (path, sha256 hex).

        The file is kept only if its digest is ``sha256`` (and, with ``expected_size``, its size is that).
        A 404 is a DownloadError here; a file that cannot be written locally is a UsageError.
        """
        name = safe_filename(filename)
        final = directory / name
        part = directory / f".{name}.part"
        failures = DOWNLOAD_FAILURES
        stop = self._stop(failures)
        h = hashlib.sha256()
        created = False
        try:
            with self._open(_Request("GET", url, None, None, failures, True), stop) as resp:
                if resp.status_code == 404:
                    raise DownloadError(f"{display_url(url)} answered HTTP 404 (not found)")
                total = _declared_length(resp)
                fd = create_exclusive(part)
                created = True
                with os.fdopen(fd, "wb") as out:
                    size = 0
                    for chunk in _bounded(resp, max_bytes, stop, self.deadline, url, failures):
                        try:
                            out.write(chunk)
                        except OSError as exc:
                            raise UsageError(f"cannot write {part}: {exc.strerror or exc}") from None
                        h.update(chunk)
                        size += len(chunk)
                        if progress is not None:
                            progress(size, total)
            got = h.hexdigest()
            if got != sha256.lower():
                raise MismatchIndexDigestError(f"{name}: the index promised sha256:{sha256.lower()}, the download "
                                               f"has sha256:{got}")
            if expected_size is not None and size != expected_size:
                raise MismatchIndexDigestError(f"{name}: the index lists {expected_size} bytes, the download has "
                                               f"{size} bytes")
            try:
                part.replace(final)
            except OSError as exc:
                raise UsageError(f"cannot write {final}: {exc.strerror or exc}") from None
            created = False
            return final, got
        finally:
            # Gone whatever happened (error, hash mismatch, KeyboardInterrupt); after a success it was renamed.
            # Only a part file this call created: one that was there before is not ours to remove.
            if created:
                with suppress(FileNotFoundError):
                    part.unlink()


def create_exclusive(path: Path, *, purpose: str | None = None) -> int:
    """A new file, ours alone (never an existing file, never through a symlink): a UsageError otherwise, saying
    ``purpose`` (e.g. "cannot write OUT: cannot create a file in DIR") instead of naming ``path`` when given."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        return os.open(path, flags, 0o600)
    except OSError as exc:
        raise UsageError(f"{purpose or f'cannot create {path}'}: {exc.strerror or exc}") from None


def _declared_length(resp: httpx.Response) -> int | None:
    declared = resp.headers.get("content-length", "")
    return int(declared) if declared.isdigit() else None


def _bounded(resp: httpx.Response, max_bytes: int, stop: float, deadline: float, url: str,
             failures: HttpFailures) -> Iterator[bytes]:
    import httpx

    declared = _declared_length(resp)
    if declared is not None and declared > max_bytes:
        raise failures.too_large(url, max_bytes, declared)
    size = 0
    try:
        for chunk in resp.iter_bytes():  # as it arrives (a chunk_size would buffer past the deadline)
            size += len(chunk)
            if size > max_bytes:
                raise failures.too_large(url, max_bytes, None)
            if time.monotonic() > stop:
                raise failures.too_slow(url, deadline)
            yield chunk
    except httpx.TimeoutException:
        raise failures.read_failed(url, "timed out while reading the answer") from None
    except httpx.DecodingError:
        encoding = resp.headers.get("content-encoding", "")
        raise failures.read_failed(url, f"the answer does not decode (Content-Encoding {encoding!r})") from None
    except httpx.TransportError as exc:
        raise failures.read_failed(url, f"connection failed while reading: {type(exc).__name__}") from None


def check_flag_url(flag: str, url: str) -> None:
    """A URL the user gave (``--index-url``, ``--github-url``...): anything but http(s) is a usage error."""
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"{flag} must be an http(s) URL, got {url!r}")


def _check_url(url: str, failures: HttpFailures) -> None:
    """URLs reach here from servers (file and provenance URLs of an index page): anything but http(s) is refused
    as a download failure. The URLs a user gives are checked where they are given (a usage error)."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise failures.refused_url(f"refusing to fetch {display_url(url)!r}: not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise failures.refused_url(f"refusing to fetch {display_url(url)!r}: not an http(s) URL")


def join_url(base: str, ref: str, what: str = "URL") -> str:
    """``ref`` resolved against ``base``; a reference urllib cannot parse is a DownloadError (it comes from a
    server)."""
    try:
        return urljoin(base, ref)
    except ValueError as exc:
        raise DownloadError(f"{what} {display_url(ref)!r} from {display_url(base)} is not a valid URL "
                            f"({exc})") from None


def _origin(url: str) -> tuple[str, str, int | None]:
    try:
        p = urlsplit(url)
        return p.scheme, (p.hostname or ""), p.port or {"http": 80, "https": 443}.get(p.scheme)
    except ValueError:
        return "", url, None


class RefusedRedirect(ValueError):
    """A redirect that must not be followed; the message names where from and where to."""


def redirect_target(current: str, location: str) -> str:
    """The URL a redirect from ``current`` to ``location`` leads to, if it may be followed (http(s) only, never
    from https down to http), else :class:`RefusedRedirect`. The one rule of every HTTP client of pyslsa."""
    try:
        nxt = urljoin(current, location)
        a, b = urlsplit(current), urlsplit(nxt)
    except ValueError as exc:
        raise RefusedRedirect(f"{display_url(current)} redirected to an invalid URL ({exc})") from None
    if b.scheme not in ("http", "https") or not b.netloc:
        raise RefusedRedirect(f"{display_url(current)} redirected to a non-http(s) URL {display_url(nxt)}")
    if a.scheme == "https" and b.scheme == "http":
        raise RefusedRedirect(f"{display_url(current)} redirected from https down to http ({display_url(nxt)})")
    return nxt


def _check_redirect(current: str, location: str, failures: HttpFailures) -> str:
    """:func:`redirect_target`, a refusal raised as ``failures`` says."""
    try:
        return redirect_target(current, location)
    except RefusedRedirect as exc:
        raise failures.refused_url(str(exc)) from None


def display_url(url: str) -> str:
    """A URL for messages: no query string (signed download URLs carry tokens), bounded length."""
    try:
        p = urlsplit(url)
        shown = f"{p.scheme}://{p.netloc}{p.path}" if p.netloc else url
    except ValueError:
        shown = url.partition("?")[0]
    return shown if len(shown) <= 200 else shown[:197] + "..."


__all__ = ["DOWNLOAD_FAILURES", "MAX_DOCUMENT_BYTES", "MAX_FILE_BYTES", "DownloadFailures", "HttpClient",
           "HttpFailures", "Progress", "RefusedRedirect", "Response", "check_flag_url",
           "create_exclusive", "display_url", "join_url", "redirect_target", "safe_filename",
           "transport_override"]
