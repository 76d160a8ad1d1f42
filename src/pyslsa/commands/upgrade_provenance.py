"""``upgrade-provenance``: turn legacy provenance into a self-contained Sigstore bundle for offline use.

The legacy envelope is verified in full (log entry found and proven, certificate chain at the integrated time,
SCT, signature, entry bound to this envelope and certificate); only then is a bundle v0.3 written holding the
envelope, the certificate and the verified entry, so that ``verify-artifact`` passes on it offline.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from pyslsa.commands.verify_artifact import _resolver, load_provenance, load_trusted_root
from pyslsa.core.bundle import LegacyEnvelope, bundle_json, parse_document
from pyslsa.core.dsse import Statement
from pyslsa.errors import UnsupportedFormatError, UsageError, VerificationError
from pyslsa.report import ArtifactOutcome, Report
from pyslsa.sources.files import split_evidence


def _write_atomically(path: Path, data: bytes) -> None:
    """Write next to the destination and rename, so a failure or Ctrl-C never leaves a partial file."""
    directory = path.parent if str(path.parent) else Path()
    if not directory.is_dir():
        raise UsageError(f"output directory does not exist: {directory}")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run(*, provenance_path: str, output: str, rekor_url: str | None, trusted_root_path: str | None) -> Report:
    root = load_trusted_root(trusted_root_path)
    data = load_provenance(provenance_path)
    out_path = Path(output)
    if out_path.is_dir():
        raise UsageError(f"--output is a directory, expected a file path: {output}")
    resolve = _resolver(rekor_url, offline=False)
    assert resolve is not None
    lines: list[bytes] = []
    outcomes: list[ArtifactOutcome] = []
    for raw in split_evidence(data):
        doc = parse_document(raw)
        if not isinstance(doc, LegacyEnvelope):
            raise UnsupportedFormatError("provenance is already a Sigstore bundle: nothing to upgrade")
        try:
            digests = [s.digest["sha256"] for s in Statement.from_envelope(doc.envelope).subjects
                       if "sha256" in s.digest]
        except VerificationError:
            digests = []
        verified = resolve(doc, digests, root)
        assert verified.tlog_entry is not None  # a legacy envelope is only ever verified through its entry
        bundle = bundle_json(doc.envelope, doc.certificate, verified.tlog_entry)
        lines.append(json.dumps(bundle, separators=(",", ":")).encode())
        outcomes.append(ArtifactOutcome(path=output, sha256=digests[0] if digests else "", verified=True,
                                        builder_id=verified.claims.san if verified.claims else None,
                                        integrated_time=verified.integrated_time,
                                        log_index=verified.log_index, log_url=verified.log_url))
    _write_atomically(out_path, b"\n".join(lines) + b"\n")
    return Report("upgrade-provenance", outcomes)
