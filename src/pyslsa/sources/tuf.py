"""The TUF edge: the Sigstore ``trusted_root.json`` kept fresh with python-tuf's ngclient, and a cache that is never
trust.

Only python-tuf's public API is used (:class:`tuf.ngclient.Updater`, :class:`~tuf.ngclient.UpdaterConfig`,
:class:`~tuf.ngclient.FetcherInterface`, :mod:`tuf.api.metadata`, :mod:`tuf.api.exceptions`).

**The cache is a raw mirror.** For each repository URL, ``<cache>/tuf/<host>-<sha256(url)[:16]>/mirror.json``
holds the repository's files exactly as they were downloaded, keyed by their path under the repository URL
(``15.root.json``, ``timestamp.json``, ``123.snapshot.json``, ``targets/<sha256>.trusted_root.json``...). It is one
file, replaced atomically, so it always holds a set that passed a whole TUF update; and the names in it come from
the server but never choose a path (they are keys of a JSON object). Nothing read from it is believed: every use
*replays* a fresh ``Updater`` -- bootstrapped from the trusted ``root.json`` (bundled with pyslsa for the Sigstore
instances, given by the user for a private one), with a throw-away metadata directory -- against the mirror through
a fetcher that only reads the mirror (:class:`MirrorFetcher`). ngclient then re-checks every signature threshold,
version, length, hash and expiry, exactly as if the files came from the network; a tampered, truncated or stale
cache fails one of those checks.

**An online refresh** (:func:`refresh`) first replays the cache into a throw-away metadata directory (so ngclient
knows the last versions it trusted: rollback protection across runs), then runs a second ``Updater`` over that
directory with the network fetcher (:class:`HttpFetcher`: every request time- and size-bounded), then replays the
candidate mirror (old files plus the downloaded ones) once more, keeps exactly the files that replay used, and only
then replaces the mirror. A failure anywhere leaves the last good mirror in place.

Failures are :class:`~pyslsa.errors.TufError` (``tuf-failed``; ``check`` names the TUF check) or
:class:`~pyslsa.errors.TufUnreachableError` (``tuf-unreachable``); a bad bootstrap root or an unusable cache
directory is a :class:`~pyslsa.errors.UsageError`.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import re
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from tuf.api import exceptions as tuf_exc
from tuf.api.metadata import Metadata, Root, Snapshot, Targets, Timestamp
from tuf.ngclient import FetcherInterface, Updater, UpdaterConfig

from pyslsa.errors import TufError, TufUnreachableError, UsageError
from pyslsa.sources.atomic import write_atomically
from pyslsa.sources.http import display_url

if TYPE_CHECKING:
    import httpx

#: The Sigstore public-good TUF repository, and the staging one.
PRODUCTION_URL = "https://tuf-repo-cdn.sigstore.dev"
STAGING_URL = "https://tuf-repo-cdn.sigstage.dev"
#: The target every Sigstore TUF repository publishes and pyslsa verifies against.
TRUSTED_ROOT_TARGET = "trusted_root.json"

#: Environment variables that move the cache and the store of private repositories' bootstrap roots.
CACHE_DIR_ENV = "PYSLSA_CACHE_DIR"
DATA_DIR_ENV = "PYSLSA_DATA_DIR"

MIRROR_FILE = "mirror.json"
_MIRROR_FORMAT = "pyslsa-tuf-mirror/1"
#: A mirror larger than this is not ours (a Sigstore mirror is about 150 kB).
MAX_MIRROR_BYTES = 32 * 1024 * 1024
_MAX_MIRROR_FILES = 2000
#: Largest bootstrap root.json accepted (ngclient's own limit for a root).
MAX_ROOT_BYTES = 512_000
MAX_REDIRECTS = 5

# Keys of the mirror: one path segment under the repository (metadata) or under targets/ (target files).
_KEY = re.compile(r"\A(?:targets/)?[A-Za-z0-9][A-Za-z0-9._%+-]{0,250}\Z")
_ROOT_KEY = re.compile(r"\A([1-9][0-9]{0,9})\.root\.json\Z")
_SNAPSHOT_KEY = re.compile(r"\A(?:[1-9][0-9]{0,9}\.)?snapshot\.json\Z")
_TARGETS_KEY = re.compile(r"\A(?:[1-9][0-9]{0,9}\.)?targets\.json\Z")
_HOST_CHARS = re.compile(r"[^a-z0-9.-]+")


# -- Repositories and where their cache lives ----------------------------------------------------------------------


@dataclass(frozen=True)
class TufRepository:
    """A TUF repository publishing a Sigstore ``trusted_root.json``, and the trust to start it from.

    ``bootstrap`` is the ``root.json`` every update and every cache replay starts from (trusted as given).
    ``fallback`` is the trusted root to use offline when the cache cannot be (the one bundled with pyslsa for the
    Sigstore instances; None for a private repository). ``record_bootstrap``: a private repository's root.json given
    by the user, to remember after a successful update (see :func:`write_bootstrap`).
    """

    url: str
    bootstrap: bytes
    name: str = "private"  # "production" | "staging" | "private"
    fallback: bytes | None = None
    record_bootstrap: bool = False

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/"

    @property
    def targets_url(self) -> str:
        return f"{self.url}/targets/"


def normalize_url(url: str, flag: str = "--tuf-url") -> str:
    """A TUF repository URL as the cache knows it: http(s), a host, no query, fragment or credentials, no trailing
    slash. Anything else is a usage error."""
    text = url.strip() if isinstance(url, str) else ""
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError for a bad port
    except ValueError:
        raise UsageError(f"{flag} must be an http(s) URL, got {url!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{flag} must be an http(s) URL, got {url!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise UsageError(f"{flag} must not carry a query, a fragment or credentials: {display_url(text)!r}")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = host if port is None else f"{host}:{port}"
    return f"{parts.scheme}://{netloc}{parts.path}".rstrip("/")


def cache_root(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The pyslsa cache directory: ``cache_dir`` if given, else ``$PYSLSA_CACHE_DIR``, else the user cache
    directory (platformdirs: ``~/.cache/pyslsa`` on Linux)."""
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get(CACHE_DIR_ENV, "")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("pyslsa", appauthor=False))


def data_root(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where private repositories' bootstrap roots are remembered: ``data_dir``, else ``$PYSLSA_DATA_DIR``, else the
    user data directory (platformdirs: ``~/.local/share/pyslsa`` on Linux). Not a cache: what is here is trusted
    (it is what the user gave with ``--tuf-root``), so it lives apart from the cache."""
    if data_dir is not None:
        return Path(data_dir)
    env = os.environ.get(DATA_DIR_ENV, "")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("pyslsa", appauthor=False))


def repository_slug(url: str) -> str:
    """A directory name for ``url``: its host, reduced to ``[a-z0-9.-]`` (for people), and 16 hex digits of the
    SHA-256 of the whole URL (for uniqueness). Always one plain path segment: a URL never chooses a path."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    host = _HOST_CHARS.sub("-", host.lower()).strip(".-")[:48].strip(".-") or "repository"
    return f"{host}-{hashlib.sha256(url.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"


def repository_cache_dir(url: str, cache_dir: str | os.PathLike[str] | None = None) -> Path:
    return cache_root(cache_dir) / "tuf" / repository_slug(url)


def mirror_path(url: str, cache_dir: str | os.PathLike[str] | None = None) -> Path:
    return repository_cache_dir(url, cache_dir) / MIRROR_FILE


def bootstrap_path(url: str, data_dir: str | os.PathLike[str] | None = None) -> Path:
    return data_root(data_dir) / "tuf-roots" / f"{repository_slug(url)}.root.json"


def check_bootstrap_root(data: bytes, what: str = "the TUF root") -> Root:
    """``data`` is a TUF root metadata file signed by a threshold of its own root keys; a UsageError otherwise."""
    if len(data) > MAX_ROOT_BYTES:
        raise UsageError(f"{what} is larger than {MAX_ROOT_BYTES} bytes: not a TUF root.json")
    try:
        md = Metadata[Root].from_bytes(data)
        if not isinstance(md.signed, Root):
            raise UsageError(f"{what} is TUF {md.signed.type} metadata, expected a root.json")
        md.verify_delegate(Root.type, md)
    except tuf_exc.UnsignedMetadataError as exc:
        raise UsageError(f"{what} is not signed by a threshold of its own root keys: {exc}") from None
    except (tuf_exc.RepositoryError, ValueError, TypeError, KeyError) as exc:
        raise UsageError(f"{what} is not a TUF root.json: {exc}") from None
    return md.signed


def read_bootstrap(url: str, data_dir: str | os.PathLike[str] | None = None) -> bytes | None:
    """The root.json remembered for ``url`` by an earlier successful update, or None."""
    path = bootstrap_path(url, data_dir)
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_ROOT_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(f"cannot read the remembered TUF root {path}: {exc.strerror or exc}") from None
    check_bootstrap_root(data, f"the remembered TUF root {path}")
    return data


def write_bootstrap(url: str, data: bytes, data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Remember ``data`` as the bootstrap root.json of ``url`` (atomically)."""
    path = bootstrap_path(url, data_dir)
    write_atomically(path, data, new_file_mode=0o600, make_parents=True)
    return path


# -- What a verified repository state says ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleInfo:
    version: int
    expires: dt.datetime


@dataclass(frozen=True)
class TufState:
    """A repository state that ngclient verified: the ``trusted_root.json`` target and the top-level roles."""

    url: str
    trusted_root: bytes
    roles: Mapping[str, RoleInfo]  # root, timestamp, snapshot, targets
    saved: dt.datetime | None = None  # when this state was written to the cache (the last successful refresh)

    @property
    def expires(self) -> dt.datetime:
        """When this state stops being fresh: the earliest expiry of the top-level roles."""
        return min(info.expires for info in self.roles.values())

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.trusted_root).hexdigest()

    def versions(self) -> dict[str, int]:
        return {name: info.version for name, info in self.roles.items()}


@dataclass(frozen=True)
class RefreshOutcome:
    """What an online refresh did: the state before (None: no usable cache), after, and why the old cache could
    not be replayed, if it could not."""

    before: TufState | None
    after: TufState
    mirror: Path
    cache_problem: str | None = None
    save_problem: str | None = None  # the verified state could not be written to the cache (see refresh())


# -- Fetchers --------------------------------------------------------------------------------------------------------


def _key(repo: TufRepository, url: str) -> str | None:
    """The mirror key of ``url`` (its path under the repository URL), or None if it is not one we keep."""
    base = repo.metadata_url
    if not url.startswith(base):
        return None
    key = url[len(base):]
    return key if _KEY.match(key) and ".." not in key else None


class MirrorFetcher(FetcherInterface):
    """Serves a mirror's files as if they were the repository; never opens a connection. A file the mirror lacks
    answers 404 (for ngclient: no newer root). Records what it served."""

    def __init__(self, repo: TufRepository, files: Mapping[str, bytes]) -> None:
        self._repo = repo
        self._files = files
        self.served: dict[str, bytes] = {}

    def _fetch(self, url: str) -> Iterator[bytes]:
        key = _key(self._repo, url)
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
        key = _key(self._repo, url)
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
        nxt = urljoin(current, location)
        a, b = urlsplit(current), urlsplit(nxt)
    except ValueError:
        raise tuf_exc.DownloadError(f"{display_url(current)} redirected to an invalid URL") from None
    if b.scheme not in ("http", "https") or not b.netloc:
        raise tuf_exc.DownloadError(f"{display_url(current)} redirected to a non-http(s) URL")
    if a.scheme == "https" and b.scheme == "http":
        raise tuf_exc.DownloadError(f"{display_url(current)} redirected from https down to http")
    return nxt


# -- The mirror ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mirror:
    url: str
    files: Mapping[str, bytes]
    saved: dt.datetime | None = None


class CacheProblem(Exception):
    """The mirror file is unreadable or not a mirror of this repository (its content is never trusted anyway)."""


def load_mirror(repo: TufRepository, cache_dir: str | os.PathLike[str] | None = None) -> Mirror | None:
    """The raw mirror of ``repo`` (None if there is none). Unverified: only a replay makes it mean anything."""
    path = mirror_path(repo.url, cache_dir)
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_MIRROR_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CacheProblem(f"the TUF cache {path} cannot be read: {exc.strerror or exc}") from None
    if len(raw) > MAX_MIRROR_BYTES:
        raise CacheProblem(f"the TUF cache {path} is larger than {MAX_MIRROR_BYTES} bytes")
    try:
        doc = json.loads(raw)
        if not isinstance(doc, dict) or doc.get("format") != _MIRROR_FORMAT:
            raise CacheProblem(f"the TUF cache {path} is not a pyslsa TUF mirror")
        if doc.get("url") != repo.url:
            raise CacheProblem(f"the TUF cache {path} is for {doc.get('url')!r}, not {repo.url}")
        entries = doc.get("files")
        if not isinstance(entries, dict) or len(entries) > _MAX_MIRROR_FILES:
            raise CacheProblem(f"the TUF cache {path} has no valid file list")
        files = {}
        for key, value in entries.items():
            if not isinstance(key, str) or not _KEY.match(key) or not isinstance(value, str):
                raise CacheProblem(f"the TUF cache {path} has an invalid entry {key!r}")
            files[key] = base64.b64decode(value, validate=True)
        saved = doc.get("saved")
        when = dt.datetime.fromisoformat(saved) if isinstance(saved, str) else None
    except (ValueError, binascii.Error, RecursionError) as exc:
        raise CacheProblem(f"the TUF cache {path} does not parse: {exc}") from None
    return Mirror(repo.url, files, when)


def save_mirror(repo: TufRepository, files: Mapping[str, bytes], cache_dir: str | os.PathLike[str] | None = None,
                saved: dt.datetime | None = None) -> Path:
    """Replace the mirror of ``repo`` atomically (a temporary file in the same directory, then a rename)."""
    path = mirror_path(repo.url, cache_dir)
    when = saved or dt.datetime.now(dt.timezone.utc)
    doc = {"format": _MIRROR_FORMAT, "url": repo.url, "saved": when.isoformat(),
           "files": {k: base64.b64encode(v).decode() for k, v in sorted(files.items())}}
    write_atomically(path, json.dumps(doc, indent=1).encode(), new_file_mode=0o600, make_parents=True)
    return path


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
            return TufError(f"{what}: the TUF {check} check failed ({meaning}): {detail}", check=check)
    if isinstance(exc, tuf_exc.DownloadError):
        return TufUnreachableError(f"{what}: the TUF repository could not be reached: {detail}")
    return TufError(f"{what}: the TUF repository check failed: {detail}", check="repository")


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


def load_cached(repo: TufRepository, cache_dir: str | os.PathLike[str] | None = None) -> TufState | None:
    """The cached state of ``repo``, verified by a replay (no network): None if there is no cache; a
    :class:`TufError` if it fails verification (tampered, truncated, expired, or not a mirror at all)."""
    try:
        mirror = load_mirror(repo, cache_dir)
    except CacheProblem as exc:
        raise TufError(str(exc), check="cache-unreadable") from None
    if mirror is None:
        return None
    state, _used = replay(repo, mirror.files, mirror.saved)
    return state


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


__all__ = [
    "CACHE_DIR_ENV",
    "DATA_DIR_ENV",
    "PRODUCTION_URL",
    "STAGING_URL",
    "TRUSTED_ROOT_TARGET",
    "CacheProblem",
    "HttpFetcher",
    "Mirror",
    "MirrorFetcher",
    "RecordingFetcher",
    "RefreshOutcome",
    "RoleInfo",
    "TufRepository",
    "TufState",
    "bootstrap_path",
    "cache_root",
    "check_bootstrap_root",
    "data_root",
    "load_cached",
    "load_mirror",
    "mirror_path",
    "normalize_url",
    "read_bootstrap",
    "refresh",
    "replay",
    "repository_cache_dir",
    "repository_slug",
    "save_mirror",
    "tuf_error",
    "write_bootstrap",
]
