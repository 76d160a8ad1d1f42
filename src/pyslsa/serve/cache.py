"""The proxy's disk cache: bytes addressed by their own sha256, and a single flight per key.

Layout under the cache directory (created 0700; nothing in it is named by upstream)::

    blobs/<aa>/<sha256>       distribution files, metadata files, provenance objects, other evidence (0444)
    refs/provenance/<sha256>  for a distribution's sha256: the sha256 of its provenance blob (raw evidence)
    refs/evidence/<sha256>    for a question a decider asked elsewhere (e.g. GitHub's attestations of a file's
                              digest, by the sha256 of the question): the sha256 of the blob recording the answer
    tmp/<random>.part         downloads in progress (removed on every path; leftovers of a crash at start-up)

A blob is written only after its bytes matched the digest the index lists (provenance objects, which the index
does not hash, are stored under their own digest), renamed into place atomically, and re-hashed every time it is
served: a blob that does not hash to its name is deleted and fetched again, never served. A cache is never trust:
verdicts are not stored here, only bytes whose digest binds them. Several replicas may share nothing: each cache is
content-addressed, so any replica can serve any file.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import secrets
from collections.abc import Awaitable, Callable
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO, TypeVar

from pyslsa.errors import UsageError

_HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")
T = TypeVar("T")
_READ = 256 * 1024
#: The kinds of refs (directories under ``refs/``).
REF_KINDS = ("provenance", "evidence")


def default_cache_dir() -> Path:
    """pyslsa's cache directory (``$PYSLSA_CACHE_DIR``, else the user cache directory) + ``serve``."""
    from pyslsa.sources.tuf import cache_root

    return cache_root() / "serve"


def _check(sha256: str) -> str:
    if not _HEX64.match(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return sha256


class BlobStore:
    """Content-addressed files under ``root``. Blocking methods: call them from a worker thread."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.blobs = root / "blobs"
        self.refs = root / "refs"
        self.tmp = root / "tmp"

    def prepare(self) -> None:
        """Create the directories (0700) and remove part files a crash left behind."""
        try:
            for d in (self.root, self.blobs, *(self.refs / k for k in REF_KINDS), self.tmp):
                d.mkdir(mode=0o700, parents=True, exist_ok=True)
            for leftover in self.tmp.glob("*.part"):
                with suppress(FileNotFoundError):
                    leftover.unlink()
        except OSError as exc:
            raise UsageError(f"cannot use the cache directory {self.root}: {exc.strerror or exc}") from None

    def path(self, sha256: str) -> Path:
        _check(sha256)
        return self.blobs / sha256[:2] / sha256

    def new_part(self) -> tuple[Path, BinaryIO]:
        """A new part file of our own (never an existing file, never through a symlink)."""
        path = self.tmp / f"{secrets.token_hex(16)}.part"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags, 0o600)
        return path, os.fdopen(fd, "wb")

    def commit(self, part: Path, sha256: str) -> None:
        """Move a checked part file into place (atomic rename)."""
        target = self.path(sha256)
        target.parent.mkdir(mode=0o700, exist_ok=True)
        part.chmod(0o444)
        part.replace(target)

    def drop(self, sha256: str) -> None:
        with suppress(FileNotFoundError):
            self.path(sha256).unlink()

    def open_verified(self, sha256: str, size: int | None = None) -> tuple[int, int] | None:
        """(fd, size) of the blob after re-hashing it, or None (and the blob deleted) if it is missing or does not
        hash to its name. The caller serves from this fd, so what was hashed is what is sent."""
        try:
            fd = os.open(self.path(sha256), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
        except OSError:
            return None
        try:
            length = os.fstat(fd).st_size
            if size is not None and length != size:
                raise ValueError("size")
            h = hashlib.sha256()
            buf = bytearray(_READ)  # one buffer, read into: no allocation per chunk
            view = memoryview(buf)
            offset = 0
            while True:
                n = os.preadv(fd, [buf], offset)
                if not n:
                    break
                h.update(view[:n])
                offset += n
            if offset != length or h.hexdigest() != sha256:
                raise ValueError("digest")
        except (OSError, ValueError):
            os.close(fd)
            self.drop(sha256)
            return None
        return fd, length

    def read_verified(self, sha256: str, max_bytes: int) -> bytes | None:
        """A small blob's bytes if present and intact (else None, and a corrupt blob deleted)."""
        try:
            with self.path(sha256).open("rb") as fh:
                data = fh.read(max_bytes + 1)
        except OSError:
            return None
        if len(data) > max_bytes or hashlib.sha256(data).hexdigest() != sha256:
            self.drop(sha256)
            return None
        return data

    def put_bytes(self, data: bytes) -> str:
        """Store ``data`` under its own digest; returns it."""
        sha = hashlib.sha256(data).hexdigest()
        part, out = self.new_part()
        try:
            with out:
                out.write(data)
            self.commit(part, sha)
        finally:
            with suppress(FileNotFoundError):
                part.unlink()
        return sha

    def _ref(self, kind: str, key: str) -> Path:
        if kind not in REF_KINDS:
            raise ValueError(f"not a kind of ref: {kind!r}")
        return self.refs / kind / _check(key)

    def get_ref(self, kind: str, key: str) -> str | None:
        try:
            value = self._ref(kind, key).read_text("ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return value if _HEX64.match(value) else None

    def set_ref(self, kind: str, key: str, sha256: str) -> None:
        _check(sha256)
        part, out = self.new_part()
        try:
            with out:
                out.write(sha256.encode("ascii"))
            part.replace(self._ref(kind, key))
        finally:
            with suppress(FileNotFoundError):
                part.unlink()

    def drop_ref(self, kind: str, key: str) -> None:
        with suppress(FileNotFoundError):
            self._ref(kind, key).unlink()


class FlightAborted(Exception):
    """The job was ended by :meth:`SingleFlight.abort_all` (the server is shutting down)."""


class SingleFlight:
    """One run of an async job per key at a time: callers that ask while it runs wait for the same result (or the
    same exception). The job is shielded: a caller that goes away (a client hanging up) does not cancel it for the
    others. :meth:`abort_all` ends the jobs still running (at shutdown): their clean-up runs, and their callers get
    :class:`FlightAborted` (an answer, where a cancellation would leave them nothing to say)."""

    def __init__(self) -> None:
        self._running: dict[str, asyncio.Task[object]] = {}
        self._aborting = False
        #: Jobs started, by key prefix (the part before the first ':'): for the status page and tests.
        self.started: dict[str, int] = {}

    async def run(self, key: str, job: Callable[[], Awaitable[T]]) -> T:
        task = self._running.get(key)
        if task is None:
            async def wrapped() -> object:
                try:
                    return await job()
                except asyncio.CancelledError:
                    if self._aborting:
                        raise FlightAborted("the proxy is shutting down") from None
                    raise

            task = asyncio.ensure_future(wrapped())
            self._running[key] = task
            kind = key.partition(":")[0]
            self.started[kind] = self.started.get(kind, 0) + 1

            def forget(t: asyncio.Task[object], key: str = key) -> None:
                if self._running.get(key) is t:
                    del self._running[key]
                if not t.cancelled():
                    t.exception()  # retrieved: no "exception was never retrieved" warning

            task.add_done_callback(forget)
        result = await asyncio.shield(task)
        return result  # type: ignore[return-value]

    async def abort_all(self) -> None:
        self._aborting = True
        tasks = list(self._running.values())
        for t in tasks:
            t.cancel()
        for t in tasks:
            with suppress(asyncio.CancelledError, Exception):
                await t


__all__ = ["REF_KINDS", "BlobStore", "FlightAborted", "SingleFlight", "default_cache_dir"]
