"""Human-readable output: one PASSED/FAILED line per artifact, reasons with their stable error code."""

from __future__ import annotations

import json
from typing import Any

from pyslsa.formats import printable
from pyslsa.report import ArtifactOutcome, Report


def _describe(a: ArtifactOutcome, signed: bool) -> str:
    parts = []
    if a.builder_id:
        parts.append(f"{'signed' if signed else 'built'} by {a.builder_id}")
    if a.source_uri:
        src = a.source_uri + (f"@{a.ref}" if a.ref else "")
        parts.append(f"from {src}")
    if a.commit:
        parts.append(f"at commit {a.commit}")
    return ", ".join(parts)


def render(report: Any) -> tuple[str, str]:
    if isinstance(report, Report):  # verify-*, upgrade-provenance, and any command that failed before a verdict
        return _render_verify(report)
    command = getattr(report, "command", "")
    if command == "verify-release":
        from pyslsa.formats.release_view import text

        return text(report)
    if command == "reproduce":
        from pyslsa.formats.reproduce_view import text as reproduce_text

        return reproduce_text(report)
    raise TypeError(f"no text rendering for {type(report).__name__}")


def _render_verify(report: Report) -> tuple[str, str]:
    out: list[str] = []
    err: list[str] = []
    verdicts = err if report.print_provenance else out
    if report.error is not None:
        err.append(f"FAILED: [{report.error.code}] {report.error.message}")
    for a in report.artifacts:
        name = f"{a.path} (sha256:{a.sha256})" if a.sha256 and not a.path.startswith("sha256:") else a.path
        if a.verified and report.command == "upgrade-provenance":
            verdicts.append(f"UPGRADED: wrote {a.path}: log entry {a.log_index} of {a.log_url}, integrated "
                            f"{a.integrated_time.isoformat() if a.integrated_time else '?'}, signed by {a.builder_id}")
            continue
        if a.verified:
            desc = _describe(a, report.command == "verify-bundle")
            verdicts.append(f"PASSED: {name}" + (f": {desc}" if desc else ""))
            if report.print_provenance and a.statement is not None:
                out.append(json.dumps(a.statement, separators=(",", ":")))
        else:
            code = a.error.code if a.error else "verification-failed"
            msg = a.error.message if a.error else "not verified"
            verdicts.append(f"FAILED: {name}: [{code}] {msg}")
    if report.artifacts and report.error is None and report.command != "upgrade-provenance":
        what = "Sigstore" if report.command == "verify-bundle" else "SLSA"
        verdicts.append(f"PASSED: {what} verification passed" if report.verified
                        else f"FAILED: {what} verification failed")
    # Values quoted from evidence (tags, names) must not drive the terminal (json.dumps already escapes its own).
    out, err = [printable(line) for line in out], [printable(line) for line in err]
    return ("\n".join(out) + "\n" if out else "", "\n".join(err) + "\n" if err else "")
