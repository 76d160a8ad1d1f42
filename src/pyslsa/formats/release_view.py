"""The view of :class:`~pyslsa.report.ReleaseReport` (``verify-release``): a table per file and evidence (text),
or one JSON object."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyslsa.formats import printable

if TYPE_CHECKING:
    from pyslsa.core.release import Evidence, FileVerdict
    from pyslsa.errors import PyslsaError
    from pyslsa.report import ReleaseReport


def _error(err: PyslsaError | None) -> dict[str, str] | None:
    return err.to_json() if err is not None else None


def _evidence_json(e: Evidence) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": e.kind, "source": e.source, "verified": e.verified, "signer": e.signer,
                           "detail": e.detail}
    if e.log_index is not None:
        out["log_index"] = e.log_index
    out["error"] = _error(e.error)
    return out


def json_doc(report: ReleaseReport) -> dict[str, Any]:
    err = report.first_error
    doc = {
        "verified": report.verified,
        "release": report.requirement,
        "index_url": report.index_url,
        "files": [{"filename": f.filename, "sha256": f.sha256, "verified": f.verified,
                   "evidence": [_evidence_json(e) for e in f.evidence], "error": _error(f.error)}
                  for f in report.files],
        "sources": report.sources,
        "notes": report.notes,
        "error": _error(err) if err is not None and not report.verified else None,
    }
    if report.vsa is not None:
        doc["vsa"] = report.vsa.to_json()
    return doc


def _verdict(e: Evidence) -> str:
    return "PASSED" if e.verified else f"FAILED [{e.error.code}]" if e.error is not None else "FAILED"


def _rows(f: FileVerdict) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for i, e in enumerate(f.evidence):
        first = i == 0
        rows.append((f.filename if first else "", f.sha256[:12] if first else "", printable(e.kind),
                     printable(e.signer or "-"), _verdict(e)))
    if not f.evidence:
        code = f.error.code if f.error is not None else "unattested"
        rows.append((f.filename, f.sha256[:12], "-", "-", f"FAILED [{code}]"))
    return rows


def text(report: ReleaseReport) -> tuple[str, str]:
    header = ("FILE", "SHA256", "EVIDENCE", "BUILDER / PUBLISHER", "VERDICT")
    rows: list[tuple[str, ...]] = [header]
    for f in report.files:
        rows.extend(_rows(f))
    widths = [max(len(r[c]) for r in rows) for c in range(len(header) - 1)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1]
             for r in rows]
    out = [f"{report.requirement} from {report.index_url}: {len(report.files)} file(s)", *lines]
    for f in report.files:
        for e in f.evidence:
            if e.verified and e.detail:
                out.append(f"  {f.filename}: {e.kind} {e.source}: {e.detail}")
    for note in report.notes:
        out.append(f"note: {note}")
    for f in report.files:
        if f.verified:
            continue
        failed = [e for e in f.evidence if e.error is not None]
        if failed:
            for e in failed:
                assert e.error is not None
                out.append(f"FAILED: {f.filename}: {e.kind} {e.source}: [{e.error.code}] {e.error.message}")
        elif f.error is not None:
            out.append(f"FAILED: {f.filename}: [{f.error.code}] {f.error.message}")
    passed = sum(1 for f in report.files if f.verified)
    if report.verified:
        out.append(f"PASSED: {report.requirement}: {passed} of {len(report.files)} file(s) verified")
    else:
        out.append(f"FAILED: {report.requirement}: {passed} of {len(report.files)} file(s) verified")
    return "\n".join(printable(line) for line in out) + "\n", ""


def debug_lines(report: ReleaseReport) -> list[str]:
    return [f"debug: {f.filename}: {e.kind} {e.source}: {note}"
            for f in report.files for e in f.evidence for note in e.notes]


__all__ = ["debug_lines", "json_doc", "text"]
