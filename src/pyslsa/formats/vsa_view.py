"""The view of :class:`~pyslsa.report.VerifyVsaReport` (``verify-vsa``). (The VSA a verify command wrote with
``--vsa`` is the ``vsa`` member of that command's JSON object: :meth:`pyslsa.report.VsaWritten.to_json`.)

Text: a PASSED line with who signed the VSA and what it states, or a FAILED line with the stable error code,
then a summary line, as ``verify-artifact`` prints; with ``--print-attestation`` the verified statement (one JSON
line) on stdout and the verdicts on stderr, as slsa-verifier. JSON: one object (see docs/json-output.md); the
VSA's fields only once it verified.
"""

from __future__ import annotations

import json
from typing import Any

from pyslsa.formats.verify_view import lines
from pyslsa.report import VerifyVsaReport

__all__ = ["json_doc", "text"]


def json_doc(report: VerifyVsaReport) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "verified": report.verified,
        "attestation_path": report.attestation_path,
        "subjects": report.subjects,
        "verifier": {"id": report.verifier_id, "version": report.verifier_version} if report.verified else None,
        "resource_uri": report.resource_uri,
        "verification_result": report.verification_result,
        "verified_levels": report.verified_levels,
        "time_verified": report.time_verified,
        "signer": report.signer,
        "keyid": report.keyid,
        "issuer": report.issuer,
        "log_index": report.log_index,
        "error": report.error.to_json() if report.error is not None else None,
    }
    if report.print_attestation and report.verified:
        doc["attestation"] = report.statement
    return doc


def _signer(report: VerifyVsaReport) -> str:
    if report.issuer is not None:
        return f"signed by {report.signer} (issuer {report.issuer})"
    return f"signed by {report.signer}"


def _subjects(report: VerifyVsaReport) -> str:
    n = len(report.subjects)
    return f"{n} subject" + ("" if n == 1 else "s")


def text(report: VerifyVsaReport) -> tuple[str, str]:
    out: list[str] = []
    err: list[str] = []
    verdicts = err if report.print_attestation else out
    if report.verified and report.error is None:
        levels = ", ".join(report.verified_levels) or "none"
        verdicts.append(f"PASSED: {report.attestation_path}: {_signer(report)}; verifier {report.verifier_id}; "
                        f"resource {report.resource_uri}; levels {levels}; verified {report.time_verified or '-'}; "
                        f"{_subjects(report)}")
        if report.print_attestation and report.statement is not None:
            out.append(json.dumps(report.statement, separators=(",", ":")))
        verdicts.append("PASSED: VSA verification passed")
    else:
        code = report.error.code if report.error is not None else "verification-failed"
        message = report.error.message if report.error is not None else "not verified"
        verdicts.append(f"FAILED: {report.attestation_path}: [{code}] {message}")
        verdicts.append("FAILED: VSA verification failed")
    return lines(out, err)
