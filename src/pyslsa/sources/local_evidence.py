"""``--evidence DIR``: evidence kept beside the audit, for offline and air-gapped runs (bytes out, verified by the
core exactly as fetched evidence is).

Files are found by name, never by listing what a server or an input suggests (a file name is checked to be a plain
one first, so it cannot climb out of DIR):

* ``DIR/<filename>.provenance``: the file's PEP 740 provenance object, as the index's integrity API serves it
  (``{"version": 1, "attestation_bundles": [...]}``, with its publisher);
* ``DIR/<filename>.sigstore.json`` or ``DIR/<filename>.sigstore``: one Sigstore bundle over the file, verified as a
  GitHub artifact attestation (SLSA provenance predicate, identity from the certificate);
* ``DIR/sha256:<hex>.jsonl`` (or ``sha256-<hex>.jsonl``): what ``gh attestation download`` writes, one bundle a
  line, verified likewise;
* ``DIR/<filename>.intoto.jsonl``: SLSA provenance of slsa-github-generator (one document a line), verified with
  verify-artifact's policy as a GitHub release's is (trusted builder, repository, tag). A release's
  ``multiple.intoto.jsonl`` covers several files of several names and is not read from DIR as such: copy it as
  ``<filename>.intoto.jsonl`` for each file it covers (one DIR can then hold the evidence of many packages
  without two of them claiming one name).

A file over the evidence size limit is failing evidence; an unreadable one is an input error (exit 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pyslsa.core.verify import split_evidence
from pyslsa.errors import InvalidProvenanceError, UsageError, VerificationError
from pyslsa.sources.files import read_evidence
from pyslsa.sources.http import safe_filename

__all__ = ["LocalEvidence", "LocalKind", "check_directory", "local_evidence"]

#: ``provenance``: a PEP 740 provenance object; ``bundle``: a Sigstore bundle (GitHub attestation);
#: ``slsa``: one SLSA provenance document (slsa-github-generator).
LocalKind = Literal["provenance", "bundle", "slsa"]


@dataclass(frozen=True)
class LocalEvidence:
    kind: LocalKind
    path: str  # the file (with '#N' for the N-th document of a JSON Lines file)
    content: bytes
    error: VerificationError | None = None  # the file is there but cannot be used (too large, empty)


def check_directory(directory: str) -> Path:
    """``--evidence DIR``: an existing directory, else a usage error."""
    path = Path(directory)
    if not path.is_dir():
        raise UsageError(f"--evidence {directory}: not a directory")
    return path


def _read(path: Path) -> bytes | None:
    if not path.is_file():
        return None
    return read_evidence(path, "evidence file")


def _lines(kind: LocalKind, path: Path, data: bytes) -> list[LocalEvidence]:
    try:
        parts = split_evidence(data)
    except InvalidProvenanceError as exc:
        return [LocalEvidence(kind, str(path), data, exc)]
    return [LocalEvidence(kind, f"{path}#{i + 1}" if len(parts) > 1 else str(path), raw)
            for i, raw in enumerate(parts)]


def local_evidence(directory: str | Path, filename: str, sha256: str) -> list[LocalEvidence]:
    """Every piece of local evidence for the file ``filename`` whose SHA-256 is ``sha256``."""
    base = Path(directory)
    name = safe_filename(filename, "distribution file name")
    out: list[LocalEvidence] = []
    named: tuple[tuple[str, LocalKind], ...] = ((".provenance", "provenance"), (".sigstore.json", "bundle"),
                                                (".sigstore", "bundle"))
    for suffix, kind in named:
        path = base / f"{name}{suffix}"
        try:
            data = _read(path)
        except InvalidProvenanceError as exc:
            out.append(LocalEvidence(kind, str(path), b"", exc))
            continue
        if data is not None:
            out.append(LocalEvidence(kind, str(path), data))
    for digest_name in (f"sha256:{sha256}.jsonl", f"sha256-{sha256}.jsonl"):
        path = base / digest_name
        try:
            data = _read(path)
        except InvalidProvenanceError as exc:
            out.append(LocalEvidence("bundle", str(path), b"", exc))
            continue
        if data is not None:
            out.extend(_lines("bundle", path, data))
    path = base / f"{name}.intoto.jsonl"
    try:
        data = _read(path)
    except InvalidProvenanceError as exc:
        out.append(LocalEvidence("slsa", str(path), b"", exc))
        data = None
    if data is not None:
        out.extend(_lines("slsa", path, data))
    return out
