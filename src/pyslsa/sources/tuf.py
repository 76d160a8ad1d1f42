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

The ngclient half (the fetchers, :func:`replay`, :func:`refresh`) is in :mod:`pyslsa.sources.tuf_updater`, imported
on first use (``tuf.ngclient`` costs a quarter of a second to import) and importable from here; this module (paths,
the mirror file, the repository) imports no part of python-tuf until a bootstrap root must be checked.

Failures are :class:`~pyslsa.errors.TufError` (``tuf-failed``; ``check`` names the TUF check) or
:class:`~pyslsa.errors.TufUnreachableError` (``tuf-unreachable``); a bad bootstrap root or an unusable cache
directory is a :class:`~pyslsa.errors.UsageError`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pyslsa.errors import TufError, UsageError
from pyslsa.lazy import lazy_exports
from pyslsa.sources.atomic import write_atomically
from pyslsa.sources.http import display_url

if TYPE_CHECKING:
    from tuf.api.metadata import Root

    from pyslsa.sources.tuf_updater import HttpFetcher, MirrorFetcher, RecordingFetcher, refresh, replay, tuf_error

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
    from tuf.api import exceptions as tuf_exc
    from tuf.api.metadata import Metadata, Root

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


def mirror_key(repo: TufRepository, url: str) -> str | None:
    """The mirror key of ``url`` (its path under the repository URL), or None if it is not one the cache keeps."""
    base = repo.metadata_url
    if not url.startswith(base):
        return None
    key = url[len(base):]
    return key if _KEY.match(key) and ".." not in key else None


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


#: States this process verified by a replay, by what was replayed (:func:`_replay_key`): a library caller verifying
#: in a loop replays an unchanged cache once. The same bytes from the same bootstrap root pass the same TUF checks,
#: except expiry, which is checked again on every use (a state past its expiry is replayed again, and fails).
_REPLAYED: dict[bytes, TufState] = {}
_MAX_REPLAYED = 8


def _replay_key(repo: TufRepository, mirror: Mirror) -> bytes:
    h = hashlib.sha256()
    saved = mirror.saved.isoformat() if mirror.saved is not None else ""
    for part in (repo.url.encode(), repo.bootstrap, saved.encode(),
                 *(b for key in sorted(mirror.files) for b in (key.encode(), mirror.files[key]))):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.digest()


def load_cached(repo: TufRepository, cache_dir: str | os.PathLike[str] | None = None) -> TufState | None:
    """The cached state of ``repo``, verified by a replay (no network): None if there is no cache (then
    ``tuf.ngclient`` is not even imported); a :class:`TufError` if it fails verification (tampered, truncated,
    expired, or not a mirror at all). The mirror is read on every call; bytes this process already replayed
    successfully are not replayed again while the state they gave is unexpired."""
    try:
        mirror = load_mirror(repo, cache_dir)
    except CacheProblem as exc:
        raise TufError(str(exc), check="cache-unreadable") from None
    if mirror is None:
        return None
    key = _replay_key(repo, mirror)
    known = _REPLAYED.get(key)
    if known is not None and dt.datetime.now(dt.timezone.utc) < known.expires:
        return known
    from pyslsa.sources.tuf_updater import replay

    state, _used = replay(repo, mirror.files, mirror.saved)
    if len(_REPLAYED) >= _MAX_REPLAYED:
        _REPLAYED.clear()
    _REPLAYED[key] = state
    return state


#: The ngclient half, imported on first use (``tuf.ngclient`` is slow to import).
__getattr__ = lazy_exports(__name__, dict.fromkeys(
    ("HttpFetcher", "MirrorFetcher", "RecordingFetcher", "refresh", "replay", "tuf_error"),
    "pyslsa.sources.tuf_updater"))

__all__ = [
    "CACHE_DIR_ENV",
    "DATA_DIR_ENV",
    "MAX_MIRROR_BYTES",
    "MAX_REDIRECTS",
    "MAX_ROOT_BYTES",
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
    "mirror_key",
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
