"""The audit's evidence cache: raw evidence per distribution file, keyed by the file's SHA-256. Never trust.

What an online audit fetched for a file (its PEP 740 provenance object, its GitHub attestations, the release
provenance that was looked at, and the fact that a source had nothing) is kept as the bytes that came, so an
``--offline`` run can judge the file again: every use verifies them again from scratch, exactly as if they had
just been fetched, so a cache entry that was tampered with fails (the signature, the log proof or the subject
digest no longer verify) and is never believed. Nothing about the verdict is cached.

Layout, under ``$PYSLSA_CACHE_DIR`` (else the user cache directory, as for TUF: ``~/.cache/pyslsa`` on Linux)::

    audit-evidence/<sha256[:2]>/<sha256>/manifest.json   {"schema": "pyslsa-audit-evidence/1", "sha256",
                                                          "filename", "pieces": [{"kind", "url", "file",
                                                          "sha256", "repository", "tag"}]}
    audit-evidence/<sha256[:2]>/<sha256>/0.bin, 1.bin, ...

Every name is pyslsa's (the digest the input pins, a counter): a server never chooses a path. An entry is written
in a new directory of its own and renamed into place, so a reader sees a whole entry or none. Reads are bounded
(manifest size, piece count and size) and checked (each piece's SHA-256 as the manifest records it, the names);
an entry that does not read back is reported (``download-failed`` in an offline run), never half used. Writing
is best effort: an audit does not fail because its cache cannot be written.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pyslsa.errors import DownloadError, PyslsaError
from pyslsa.sources.files import MAX_EVIDENCE_BYTES, read_evidence
from pyslsa.sources.http import safe_filename
from pyslsa.sources.tuf import cache_root

__all__ = ["CACHE_SCHEMA", "MAX_PIECES", "CachedEvidence", "EvidenceCache", "RawEvidence", "RemoteKind"]

CACHE_SCHEMA = "pyslsa-audit-evidence/1"
#: Most pieces of evidence kept for one file.
MAX_PIECES = 64
_MAX_MANIFEST = 1024 * 1024
_HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")
_PIECE = re.compile(r"\A[0-9]{1,2}\.bin\Z")

RemoteKind = Literal["pep740", "github-attestation", "github-release"]
_KINDS: tuple[RemoteKind, ...] = ("pep740", "github-attestation", "github-release")


@dataclass(frozen=True)
class RawEvidence:
    """One piece of fetched evidence, as it came. ``repository``: for a GitHub attestation the store it came from
    (``ORG/REPO``), for release provenance the release's repository (``github.com/ORG/REPO``); ``tag``: the
    release's tag."""

    kind: RemoteKind
    url: str
    content: bytes
    repository: str | None = None
    tag: str | None = None


@dataclass(frozen=True)
class CachedEvidence:
    """Everything fetched for one file (an empty ``pieces``: the sources were asked and had nothing)."""

    sha256: str
    filename: str
    pieces: tuple[RawEvidence, ...]


class EvidenceCache:
    """The cache under ``cache_dir`` (None: ``$PYSLSA_CACHE_DIR`` or the user cache directory)."""

    def __init__(self, cache_dir: str | os.PathLike[str] | None = None) -> None:
        self.root = cache_root(cache_dir) / "audit-evidence"

    def entry_path(self, sha256: str) -> Path:
        if not _HEX64.match(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def load(self, sha256: str) -> CachedEvidence | None:
        """The entry for a file, or None when there is none; a :class:`DownloadError` when it does not read back
        whole (damaged, tampered with in its layout, over the bounds)."""
        directory = self.entry_path(sha256)
        manifest = directory / "manifest.json"
        if not manifest.exists() and not manifest.is_symlink():
            return None
        where = f"cached evidence {directory}"
        try:
            doc = json.loads(read_evidence(manifest, "cache manifest", _MAX_MANIFEST))
            if not isinstance(doc, dict) or doc.get("schema") != CACHE_SCHEMA or doc.get("sha256") != sha256:
                raise ValueError("not a manifest of this file")
            raw_name = doc.get("filename")
            if not isinstance(raw_name, str):
                raise ValueError("no file name")
            filename = safe_filename(raw_name, "cached file name")
            raw_pieces = doc.get("pieces")
            if not isinstance(raw_pieces, list) or len(raw_pieces) > MAX_PIECES:
                raise ValueError(f"'pieces' must be a list of at most {MAX_PIECES}")
            pieces = []
            for p in raw_pieces:
                if not isinstance(p, dict):
                    raise ValueError("a piece is not an object")
                kind = next((k for k in _KINDS if k == p.get("kind")), None)
                name, url, digest = p.get("file"), p.get("url"), p.get("sha256")
                repository, tag = p.get("repository"), p.get("tag")
                if (kind is None or not isinstance(name, str) or not _PIECE.match(name) or not isinstance(url, str)
                        or len(url) > 4096 or not isinstance(digest, str)
                        or not all(v is None or (isinstance(v, str) and len(v) < 1024) for v in (repository, tag))):
                    raise ValueError("a piece with a bad kind, file, url, digest, repository or tag")
                content = read_evidence(directory / name, "cached evidence", MAX_EVIDENCE_BYTES)
                if hashlib.sha256(content).hexdigest() != digest:
                    raise ValueError(f"{name} is not the bytes the manifest records")
                pieces.append(RawEvidence(kind, url, content, repository, tag))
        except (ValueError, PyslsaError) as exc:
            message = exc.message if isinstance(exc, PyslsaError) else str(exc)
            raise DownloadError(f"{where} does not read back: {message}") from None
        return CachedEvidence(sha256, filename, tuple(pieces))

    def store(self, entry: CachedEvidence) -> bool:
        """Write (or replace) the entry of a file; False when it could not be written (the audit goes on)."""
        if len(entry.pieces) > MAX_PIECES:
            return False
        target = self.entry_path(entry.sha256)
        parent = target.parent
        tmp = parent / f".{entry.sha256}.{secrets.token_hex(6)}.tmp"
        old = parent / f".{entry.sha256}.{secrets.token_hex(6)}.old"
        try:
            parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp.mkdir(mode=0o700)
            pieces = []
            for i, p in enumerate(entry.pieces):
                (tmp / f"{i}.bin").write_bytes(p.content)
                pieces.append({"kind": p.kind, "url": p.url, "file": f"{i}.bin",
                               "sha256": hashlib.sha256(p.content).hexdigest(), "repository": p.repository,
                               "tag": p.tag})
            manifest = {"schema": CACHE_SCHEMA, "sha256": entry.sha256, "filename": entry.filename,
                        "pieces": pieces}
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
            if target.exists() or target.is_symlink():
                target.rename(old)
            tmp.rename(target)
            return True
        except OSError:
            return False
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(old, ignore_errors=True)
