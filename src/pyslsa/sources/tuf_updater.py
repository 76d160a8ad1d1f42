"""The network half of the TUF edge (:mod:`pyslsa.sources.tuf`): python-tuf's ngclient run against the network or
against the raw mirror of the cache, and the bounded HTTP fetcher it uses.

Kept apart from :mod:`pyslsa.sources.tuf` because importing ``tuf.ngclient`` costs a quarter of a second: a command
that uses ``--trusted-root FILE``, or the bundled root offline with no cache, never loads this module. Every name
here is also importable from :mod:`pyslsa.sources.tuf`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tuf.api import exceptions as tuf_exc
from tuf.api.metadata import Metadata, Root, Snapshot, Targets, Timestamp
from tuf.ngclient import FetcherInterface, Updater, UpdaterConfig

from pyslsa.errors import TufError, TufUnreachableError, UsageError
from pyslsa.sources.http import RefusedRedirect, display_url, redirect_target
from pyslsa.sources.tuf import (
    MAX_MIRROR_BYTES,
    MAX_REDIRECTS,
    TRUSTED_ROOT_TARGET,
    CacheProblem,
    RefreshOutcome,
    RoleInfo,
    TufRepository,
    TufState,
    load_mirror,
    mirror_key,
    mirror_path,
    save_mirror,
)

if TYPE_CHECKING:
    import os

    import httpx

__all__ = ["HttpFetcher", "MirrorFetcher", "RecordingFetcher", "refresh", "replay", "tuf_error"]

_ROOT_KEY = re.compile(r"\A([1-9][0-9]{0,9})\.root\.json\Z")
_SNAPSHOT_KEY = re.compile(r"\A(?:[1-9][0-9]{0,9}\.)?snapshot\.json\Z")
_TARGETS_KEY = re.compile(r"\A(?:[1-9][0-9]{0,9}\.)?targets\.json\Z")


# -- Fetchers --------------------------------------------------------------------------------------------------------


class MirrorFetcher(FetcherInterface):
    """Serves a mirror's files as if they were the repository; never opens a connection. A file the mirror lacks
    answers 404 (for ngclient: no newer root). Records what it served."""

    def __init__(self, repo: TufRepository, files: Mapping[str, bytes]) -> None:
        self._repo = repo
        self._files = files
        self.served: dict[str, bytes] = {}

    def _fetch(self, url: str) -> Iterator[bytes]:
        key = mirror_key(self._repo, url)
        if key is None or key not in self._files:
            raise tuf_exc.DownloadHTTPError(f"{display_url(url)} is not in the TUF cache", 404)
        data = self._files[key]
        self.served[key] = data
        return iter((data,))


class RecordingFetcher(FetcherInterface):
    """Wraps a fetcher and keeps a copy of every file it downloaded, by mirror key."""

    def __init__(self, repo: TufRepository, inner: FetcherInterface) -> None:
        self._repo = repo
        self._inner = inner
        self.recorded: dict[str, bytes] = {}

    def _fetch(self, url: str) -> Iterator[bytes]:  # pragma: no cover - ngclient calls download_file
        raise tuf_exc.DownloadError("RecordingFetcher serves whole files only")

    @contextlib.contextmanager
    def download_file(self, url: str, max_length: int) -> Iterator[IO[bytes]]:
        with self._inner.download_file(url, max_length) as fh:
            data = fh.read()
        key = mirror_key(self._repo, url)
        if key is not None:
            self.recorded[key] = data
        yield io.BytesIO(data)


class _Retry(Exception):
    """A transient failure (connection, timeout before an answer, HTTP 5xx): worth another attempt."""


class HttpFetcher(FetcherInterface):
    """Bounded HTTP(S) for ngclient, on httpx.

    Every file: at most ``max_length`` bytes (ngclient passes the signed length, or its configured cap for files
    whose length is not yet known; a ``Content-Length`` above it is refused before the body is read), within
    ``deadline`` seconds (an endless or dripping answer is a slow retrieval), with ``timeout`` for the connection
    and each read, ``attempts`` tries on connection errors and 5xx answers; and the whole update within ``total``
    seconds. Redirects: at most :data:`MAX_REDIRECTS`, http(s) only, never from https down to http. Responses are
    asked uncompressed and counted decoded, so compression cannot inflate past the cap.
    """

    def __init__(self, *, timeout: float = 10.0, deadline: float = 30.0, total: float = 120.0, attempts: int = 2,
                 backoff: float = 0.3, user_agent: str | None = None) -> None:
        from pyslsa import __version__

        self.timeout = timeout
        self.deadline = deadline
        self.total = total
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.user_agent = user_agent or f"pyslsa/{__version__}"
        self._until: float | None = None
        self._client: httpx.Client | None = None

    def __enter__(self) -> HttpFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _httpx(self) -> httpx.Client:
        if self._client is None:
            import httpx

            self._client = httpx.Client(follow_redirects=False, headers={"User-Agent": self.user_agent})
        return self._client

    def _fetch(self, url: str) -> Iterator[bytes]:  # pragma: no cover - ngclient calls download_file
        yield self._get(url, MAX_MIRROR_BYTES)

    @contextlib.contextmanager
    def download_file(self, url: str, max_length: int) -> Iterator[IO[bytes]]:
        yield io.BytesIO(self._get(url, max_length))

    def begin(self) -> None:
        """Start the clock of one whole update (``total`` seconds from now); :func:`refresh` calls it."""
        self._until = time.monotonic() + self.total

    def _get(self, url: str, max_length: int) -> bytes:
        now = time.monotonic()
        if self._until is None:
            self._until = now + self.total
        if now >= self._until:
            raise tuf_exc.SlowRetrievalError(f"the time limit of {self.total:.0f} s for the TUF update is spent")
        stop = min(now + self.deadline, self._until)
        try:
            parts = urlsplit(url)
        except ValueError:
            parts = urlsplit("")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise tuf_exc.DownloadError(f"refusing to fetch {display_url(url)!r}: not an http(s) URL")
        last = "no attempt made"
        for attempt in range(self.attempts):
            try:
                return self._get_once(url, max_length, stop)
            except _Retry as exc:
                last = str(exc)
            if attempt + 1 < self.attempts and time.monotonic() < stop:
                time.sleep(max(0.0, min(self.backoff * (2 ** attempt), stop - time.monotonic())))
            else:
                break
        raise tuf_exc.DownloadError(f"{display_url(url)} unreachable: {last}")

    def _get_once(self, url: str, max_length: int, stop: float) -> bytes:
        import httpx

        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            remaining = stop - time.monotonic()
            if remaining <= 0:
                raise tuf_exc.SlowRetrievalError(f"{display_url(url)}: no answer within {self.deadline:.0f} s")
            req = self._httpx().build_request("GET", current, headers={"Accept-Encoding": "identity"},
                                              timeout=min(self.timeout, remaining))
            try:
                resp = self._httpx().send(req, stream=True)
            except httpx.TimeoutException:
                raise _Retry("timed out") from None
            except httpx.TransportError as exc:
                raise _Retry(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from None
            try:
                if resp.is_redirect:
                    current = _redirect(current, resp.headers.get("location", ""), resp.status_code)
                    continue
                if resp.status_code >= 500:
                    raise _Retry(f"HTTP {resp.status_code}")
                if resp.status_code >= 300:
                    raise tuf_exc.DownloadHTTPError(f"{display_url(current)} answered HTTP {resp.status_code}",
                                                    resp.status_code)
                return self._body(resp, url, max_length, stop)
            finally:
                resp.close()
        raise tuf_exc.DownloadError(f"{display_url(url)}: more than {MAX_REDIRECTS} redirects")

    def _body(self, resp: httpx.Response, url: str, max_length: int, stop: float) -> bytes:
        import httpx

        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_length:
            raise tuf_exc.DownloadLengthMismatchError(
                f"{display_url(url)} declares {int(declared)} bytes, more than the {max_length} allowed")
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in resp.iter_bytes():
                size += len(chunk)
                if size > max_length:
                    raise tuf_exc.DownloadLengthMismatchError(
                        f"{display_url(url)} sent more than the {max_length} bytes allowed")
                if time.monotonic() > stop:
                    raise tuf_exc.SlowRetrievalError(
                        f"{display_url(url)} still sending after {self.deadline:.0f} s ({size} bytes so far)")
                chunks.append(chunk)
        except httpx.TimeoutException:
            raise tuf_exc.SlowRetrievalError(f"{display_url(url)}: timed out while reading the answer") from None
        except httpx.DecodingError:
            raise tuf_exc.DownloadError(f"{display_url(url)}: the answer does not decode") from None
        except httpx.TransportError as exc:
            raise _Retry(f"connection failed while reading: {type(exc).__name__}") from None
        return b"".join(chunks)


def _redirect(current: str, location: str, status: int) -> str:
    if not location:
        raise tuf_exc.DownloadError(f"{display_url(current)} answered HTTP {status} without a Location")
    try:
        return redirect_target(current, location)
    except RefusedRedirect as exc:
        raise tuf_exc.DownloadError(str(exc)) from None


# -- Running ngclient ------------------------------------------------------------------------------------------------

_CHECKS: tuple[tuple[type[BaseException], str, str], ...] = (
    (tuf_exc.ExpiredMetadataError, "expiry", "expired metadata: a freeze attack, or a repository not kept up"),
    (tuf_exc.BadVersionNumberError, "version",
     "a version went back or does not match what the signed metadata names: rollback or mix-and-match"),
    (tuf_exc.UnsignedMetadataError, "signature", "not signed by a threshold of trusted keys"),
    (tuf_exc.LengthOrHashMismatchError, "length-or-hash",
     "the file is not the one the signed metadata describes (length or hash)"),
    (tuf_exc.DownloadLengthMismatchError, "size-limit", "an answer larger than TUF allows"),
    (tuf_exc.SlowRetrievalError, "slow-retrieval", "an answer too slow or endless"),
)


def tuf_error(exc: BaseException, what: str) -> TufError:
    """The :class:`TufError` for a python-tuf exception; ``what`` says which operation it ended (one line)."""
    detail = " ".join(str(exc).split()) or type(exc).__name__
    for cls, check, meaning in _CHECKS:
        if isinstance(exc, cls):
            return TufError(f"{what}: the TUF {check} check failed ({meaning}): {detail}", check=check,
                            detail=detail)
    if isinstance(exc, tuf_exc.DownloadError):
        return TufUnreachableError(f"{what}: the TUF repository could not be reached: {detail}", detail=detail)
    return TufError(f"{what}: the TUF repository check failed: {detail}", check="repository", detail=detail)


_TUF_FAILURES = (tuf_exc.RepositoryError, tuf_exc.DownloadError, ValueError, TypeError, KeyError)


def _run(repo: TufRepository, metadata_dir: Path, fetcher: FetcherInterface) -> bytes:
    """One ngclient session: refresh the top-level metadata, then download and verify the trusted root target.
    Raises python-tuf's exceptions."""
    updater = Updater(metadata_dir=str(metadata_dir), metadata_base_url=repo.metadata_url,
                      target_base_url=repo.targets_url, fetcher=fetcher, config=UpdaterConfig(),
                      bootstrap=repo.bootstrap)
    updater.refresh()
    info = updater.get_targetinfo(TRUSTED_ROOT_TARGET)
    if info is None:
        raise tuf_exc.RepositoryError(f"the repository's targets name no {TRUSTED_ROOT_TARGET}")
    with tempfile.TemporaryDirectory(prefix="pyslsa-tuf-target-") as tmp:
        path = updater.download_target(info, filepath=str(Path(tmp) / "target"))
        return Path(path).read_bytes()


def _state(repo: TufRepository, served: Mapping[str, bytes], target: bytes, saved: dt.datetime | None) -> TufState:
    """The verified state a successful replay read: the newest root it accepted (or the bootstrap), and the
    timestamp, snapshot and targets it served. Parsed only after ngclient verified them."""
    roots = {int(m.group(1)): data for key, data in served.items() if (m := _ROOT_KEY.match(key))}
    root_md = Metadata[Root].from_bytes(roots[max(roots)] if roots else repo.bootstrap)
    roles = {"root": _role(root_md)}
    for name, pattern in (("timestamp", re.compile(r"\Atimestamp\.json\Z")), ("snapshot", _SNAPSHOT_KEY),
                          ("targets", _TARGETS_KEY)):
        found = [data for key, data in served.items() if pattern.match(key)]
        if len(found) != 1:
            raise tuf_exc.RepositoryError(f"the replay read {len(found)} {name} files, expected 1")
        roles[name] = _role(Metadata.from_bytes(found[0]))
    return TufState(repo.url, target, roles, saved)


def _role(md: Metadata[Any]) -> RoleInfo:
    signed = md.signed
    assert isinstance(signed, (Root, Timestamp, Snapshot, Targets))
    return RoleInfo(signed.version, signed.expires)


def replay(repo: TufRepository, files: Mapping[str, bytes], saved: dt.datetime | None = None,
           what: str | None = None) -> tuple[TufState, dict[str, bytes]]:
    """Verify a mirror's files from the bootstrap root, as ngclient verifies a repository: the state, and the files
    the replay used. A :class:`TufError` if any check fails (the cache is not used)."""
    fetcher = MirrorFetcher(repo, files)
    label = what or f"the TUF cache of {repo.url}"
    try:
        with tempfile.TemporaryDirectory(prefix="pyslsa-tuf-replay-") as tmp:
            target = _run(repo, Path(tmp), fetcher)
        return _state(repo, fetcher.served, target, saved), dict(fetcher.served)
    except tuf_exc.DownloadHTTPError as exc:
        raise TufError(f"{label} is incomplete: {exc}", check="cache-incomplete") from None
    except _TUF_FAILURES as exc:
        raise tuf_error(exc, label) from None


def refresh(repo: TufRepository, *, cache_dir: str | os.PathLike[str] | None = None,
            fetcher: FetcherInterface | None = None, require_save: bool = True) -> RefreshOutcome:
    """Update ``repo`` from the network and, on success, replace its cache.

    1. the cache (if any) is replayed into a throw-away metadata directory: ngclient keeps there only what it
       verified, and the next session uses it as the last trusted versions (rollback protection);
    2. a second session over that directory downloads what is new, through ``fetcher`` (default: a new
       :class:`HttpFetcher`);
    3. the old files plus the downloaded ones are replayed once more from the bootstrap root; the files that replay
       used become the new cache (older snapshots and targets drop out), after the trusted root target parses.

    A :class:`TufError` / :class:`TufUnreachableError` if the update fails; the old cache is then left as it was.
    A cache that cannot be written is a :class:`UsageError` when ``require_save`` (``trust-root update``), else
    only ``save_problem`` (a verifying command can still use the root it just verified).
    """
    from pyslsa.core.trust import TrustedRoot
    from pyslsa.errors import TrustedRootError

    label = f"TUF update of {repo.url}"
    problem: str | None = None
    try:
        mirror = load_mirror(repo, cache_dir)
    except CacheProblem as exc:
        mirror, problem = None, str(exc)
    own_fetcher = fetcher is None
    net = fetcher or HttpFetcher()
    if isinstance(net, HttpFetcher):
        net.begin()
    before: TufState | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="pyslsa-tuf-update-") as tmp:
            metadata_dir = Path(tmp)
            if mirror is not None:
                cached = MirrorFetcher(repo, mirror.files)
                try:
                    before = _state(repo, cached.served, _run(repo, metadata_dir, cached), mirror.saved)
                except tuf_exc.DownloadHTTPError as exc:
                    problem = f"the TUF cache of {repo.url} is incomplete: {exc}"
                except _TUF_FAILURES as exc:
                    problem = str(tuf_error(exc, f"the TUF cache of {repo.url}"))
            recorder = RecordingFetcher(repo, net)
            try:
                _run(repo, metadata_dir, recorder)
            except _TUF_FAILURES as exc:
                raise tuf_error(exc, label) from None
    finally:
        if own_fetcher:
            assert isinstance(net, HttpFetcher)
            net.close()
    candidate = {**(mirror.files if mirror is not None else {}), **recorder.recorded}
    now = dt.datetime.now(dt.timezone.utc)
    after, used = replay(repo, candidate, now, what=f"{label} (re-verifying the files to cache)")
    try:
        TrustedRoot.from_json(after.trusted_root)
    except TrustedRootError as exc:
        raise TufError(f"{label}: the {TRUSTED_ROOT_TARGET} target passed TUF but is not a trusted root pyslsa "
                       f"can use: {exc}", check="target-format") from None
    path = mirror_path(repo.url, cache_dir)
    try:
        save_mirror(repo, used, cache_dir, now)
    except UsageError as exc:
        if require_save:
            raise
        return RefreshOutcome(before, after, path, problem, str(exc))
    return RefreshOutcome(before, after, path, problem)
