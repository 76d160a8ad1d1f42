"""``upgrade-provenance``: turn legacy provenance into a self-contained Sigstore bundle for offline use.

The legacy envelope is verified in full (log entry found and proven, certificate chain at the integrated time,
SCT, signature, entry bound to this envelope and certificate); only then is a bundle v0.3 written holding the
envelope, the certificate and the verified entry, so that ``verify-artifact`` passes on it offline.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pyslsa.api.trust_root import resolve_root
from pyslsa.core.bundle import LegacyEnvelope, bundle_json, parse_document
from pyslsa.core.dsse import Statement
from pyslsa.core.verify import split_documents
from pyslsa.errors import UnsupportedFormatError, UsageError, VerificationError
from pyslsa.options import UpgradeProvenanceOptions
from pyslsa.report import ArtifactOutcome, UpgradeReport
from pyslsa.sources.atomic import write_atomically
from pyslsa.sources.files import load_evidence
from pyslsa.sources.rekor import make_resolver

__all__ = ["run_upgrade_provenance"]


def run_upgrade_provenance(options: UpgradeProvenanceOptions) -> UpgradeReport:
    """Look every legacy envelope of the file up in Rekor, verify it, and write the bundles (one JSON line each)
    to ``options.output``; any failure raises, and then nothing is written."""
    data = load_evidence(options.provenance)
    resolved = resolve_root(options.trusted_root, options.tuf)
    root = resolved.trusted_root
    output = os.fspath(options.output)
    out_path = Path(output)
    if out_path.is_dir():
        raise UsageError(f"--output is a directory, expected a file path: {output}")
    resolve = make_resolver(options.rekor_url, offline=False)
    assert resolve is not None
    lines: list[bytes] = []
    outcomes: list[ArtifactOutcome] = []
    for raw, parsed in split_documents(data):
        doc = parse_document(raw, parsed=parsed)
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
                                        signer=verified.claims.san if verified.claims else None,
                                        integrated_time=verified.integrated_time,
                                        log_index=verified.log_index, log_url=verified.log_url))
    if not out_path.parent.is_dir():
        raise UsageError(f"output directory does not exist: {out_path.parent}")
    # written beside the destination and renamed: a failure or Ctrl-C never leaves a partial file
    write_atomically(out_path, b"\n".join(lines) + b"\n", new_file_mode=0o600)
    return UpgradeReport(artifacts=outcomes, root_source=resolved.source)
