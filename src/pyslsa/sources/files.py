"""Local files: bounded reads of evidence and trusted roots, streaming digests of artifacts, the directory a
command downloads into.

Input problems (missing file, a directory, unreadable) are :class:`~pyslsa.errors.UsageError` (exit 2);
evidence that is present but too large to be genuine is an :class:`~pyslsa.errors.InvalidProvenanceError`.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pyslsa.errors import InvalidProvenanceError, UsageError

#: Largest provenance / bundle file accepted. Real ones are tens of kB; a whole release's .intoto.jsonl
#: a few MB.
MAX_EVIDENCE_BYTES = 32 * 1024 * 1024

_CHUNK = 1024 * 1024
_DIGEST_RE = re.compile(r"\Asha256:([0-9a-fA-F]{64})\Z")


def _open_regular(path: str | os.PathLike[str], what: str) -> int:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise UsageError(f"{what} not found: {os.fspath(path)}") from None
    except IsADirectoryError:
        raise UsageError(f"{what} is a directory, expected a file: {os.fspath(path)}") from None
    except PermissionError:
        raise UsageError(f"{what} is not readable (permission denied): {os.fspath(path)}") from None
    except OSError as exc:
        raise UsageError(f"{what} cannot be opened: {os.fspath(path)}: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
    except OSError as exc:
        os.close(fd)
        raise UsageError(f"{what} cannot be read: {os.fspath(path)}: {exc.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        os.close(fd)
        raise UsageError(f"{what} is a directory, expected a file: {os.fspath(path)}")
    return fd


def read_evidence(path: str | os.PathLike[str], what: str = "provenance file",
                  limit: int = MAX_EVIDENCE_BYTES) -> bytes:
    """Read a whole evidence file, refusing anything larger than ``limit`` before reading it all."""
    fd = _open_regular(path, what)
    try:
        with os.fdopen(fd, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise UsageError(f"{what} cannot be read: {os.fspath(path)}: {exc.strerror}") from None
    if len(data) > limit:
        raise InvalidProvenanceError(f"{what} is larger than {limit // (1024 * 1024)} MiB: not a genuine "
                                     f"provenance document")
    return data


def sha256_file(path: str | os.PathLike[str], what: str = "artifact") -> str:
    """Streaming SHA-256 of a file in fixed memory (one 1 MiB buffer, reused)."""
    fd = _open_regular(path, what)
    h = hashlib.sha256()
    buf = bytearray(_CHUNK)
    view = memoryview(buf)
    try:
        with os.fdopen(fd, "rb", buffering=0) as fh:
            while True:
                n = fh.readinto(buf)
                if not n:
                    break
                h.update(view[:n])
    except OSError as exc:
        raise UsageError(f"{what} cannot be read: {os.fspath(path)}: {exc.strerror}") from None
    return h.hexdigest()


def parse_digest(value: str) -> str | None:
    """``sha256:<64 hex>`` -> lower-case hex; anything else -> None."""
    m = _DIGEST_RE.match(value.strip())
    return m.group(1).lower() if m else None


def artifact_digest(artifact: str | os.PathLike[str]) -> tuple[str, str]:
    """(display name, sha256 hex) of a path or of a ``sha256:<hex>`` digest string."""
    if isinstance(artifact, str):
        digest = parse_digest(artifact)
        if digest is not None:
            return artifact, digest
        if artifact.startswith("sha256:") and not Path(artifact).exists():
            raise UsageError(f"artifact digest must be sha256:<64 hex digits>, got {artifact[:80]!r}")
    return os.fspath(artifact), sha256_file(artifact)


def load_evidence(evidence: bytes | str | os.PathLike[str], what: str = "provenance file") -> bytes:
    """Evidence given as its bytes, or as the path of a file to read (bounded, see :func:`read_evidence`)."""
    if isinstance(evidence, (bytes, bytearray, memoryview)):
        return bytes(evidence)
    return read_evidence(evidence, what)


@contextmanager
def work_directory(keep: str | None, prefix: str, *, require_empty: bool = False) -> Iterator[Path]:
    """The directory a command downloads and builds in: ``keep`` (created if needed; with ``require_empty``, it
    must be new or empty), or a private temporary directory removed however the block ends (errors, Ctrl-C)."""
    if keep is not None:
        path = Path(keep)
        try:
            if require_empty and path.exists() and (not path.is_dir() or any(path.iterdir())):
                raise UsageError(f"--keep {keep}: expected a new or empty directory")
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"--keep {keep}: cannot create the directory: {exc.strerror or exc}") from None
        if not path.is_dir():
            raise UsageError(f"--keep {keep}: not a directory")
        yield path
        return
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
