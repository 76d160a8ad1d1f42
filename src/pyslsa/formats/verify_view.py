"""The view of :class:`~pyslsa.report.Report` (``verify-artifact``, ``verify-github-attestation``,
``verify-bundle``, and any command that failed before a verdict).

Text: one PASSED/FAILED line per artifact, reasons with their stable error code, and a summary line. JSON:
``{"verified": bool, "artifacts": [{"path", "sha256", "verified", "builder_id", "source_uri", "ref", "commit",
...}], "error": {"code", "message"} | null}``, and ``"vsa"`` when ``--vsa`` wrote one.
"""

from __future__ import annotations

import json
from typing import Any

from pyslsa.formats import printable
from pyslsa.report import ArtifactOutcome, Report

__all__ = ["artifact_json", "debug_lines", "json_doc", "text"]


def _describe(a: ArtifactOutcome) -> str:
    parts = []
    if a.builder_id:
        parts.append(f"built by {a.builder_id}")
    elif a.signed_by:
        parts.append(f"signed by {a.signed_by}")
    if a.source_uri:
        src = a.source_uri + (f"@{a.ref}" if a.ref else "")
        parts.append(f"from {src}")
    if a.commit:
        parts.append(f"at commit {a.commit}")
    return ", ".join(parts)


def artifact_json(a: ArtifactOutcome) -> dict[str, Any]:
    """One artifact's object. ``builder_id`` names the builder, or, for a signed bundle, its signer."""
    out: dict[str, Any] = {
        "path": a.path,
        "sha256": a.sha256,
        "verified": a.verified,
        "builder_id": a.builder_id if a.builder_id is not None else a.signed_by,
        "source_uri": a.source_uri,
        "ref": a.ref,
        "commit": a.commit,
    }
    if a.integrated_time is not None:
        out["integrated_time"] = a.integrated_time.isoformat()
    if a.log_index is not None:
        out["log_index"] = a.log_index
    if a.error is not None:
        out["error"] = a.error.to_json()
    return out


def json_doc(report: Report) -> dict[str, Any]:
    err = report.first_error
    doc: dict[str, Any] = {
        "verified": report.verified,
        "artifacts": [artifact_json(a) for a in report.artifacts],
        "error": err.to_json() if err is not None and not report.verified else None,
    }
    if report.print_provenance:
        for a, out in zip(report.artifacts, doc["artifacts"], strict=True):
            if a.verified and a.statement is not None:
                out["provenance"] = a.statement
    if report.vsa is not None:
        doc["vsa"] = report.vsa.to_json()
    return doc


def _name(a: ArtifactOutcome) -> str:
    return f"{a.path} (sha256:{a.sha256})" if a.sha256 and not a.path.startswith("sha256:") else a.path


def failed_line(a: ArtifactOutcome) -> str:
    code = a.error.code if a.error else "verification-failed"
    msg = a.error.message if a.error else "not verified"
    return f"FAILED: {_name(a)}: [{code}] {msg}"


def text(report: Report) -> tuple[str, str]:
    out: list[str] = []
    err: list[str] = []
    verdicts = err if report.print_provenance else out
    if report.error is not None:
        err.append(f"FAILED: [{report.error.code}] {report.error.message}")
    for a in report.artifacts:
        if a.verified:
            desc = _describe(a)
            verdicts.append(f"PASSED: {_name(a)}" + (f": {desc}" if desc else ""))
            if report.print_provenance and a.statement is not None:
                out.append(json.dumps(a.statement, separators=(",", ":")))
        else:
            verdicts.append(failed_line(a))
    if report.artifacts and report.error is None:
        what = "Sigstore" if report.command == "verify-bundle" else "SLSA"
        verdicts.append(f"PASSED: {what} verification passed" if report.verified
                        else f"FAILED: {what} verification failed")
    return lines(out, err)


def lines(out: list[str], err: list[str]) -> tuple[str, str]:
    """(stdout, stderr) of these lines. Values quoted from evidence (tags, names) must not drive the terminal
    (json.dumps already escapes its own)."""
    out, err = [printable(line) for line in out], [printable(line) for line in err]
    return ("\n".join(out) + "\n" if out else "", "\n".join(err) + "\n" if err else "")


def debug_lines(report: Report) -> list[str]:
    return [f"debug: {a.path}: {note}" for a in report.artifacts for note in a.notes]
