"""``audit``'s report (re-exported by :mod:`pyslsa.report`); :meth:`AuditReport.to_json` is its JSON contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pyslsa.errors import PyslsaError

if TYPE_CHECKING:
    from pyslsa.core.audit.identity import EvidenceKind, VerifiedIdentity
    from pyslsa.core.audit.verdict import FileVerdict as AuditFileVerdict
    from pyslsa.errors import VerificationError
    from pyslsa.report.trust_root import RootSource
    from pyslsa.sources.inputs import InputKind, Location

__all__ = ["AUDIT_SCHEMA", "AuditReport", "EvidenceEntry", "FileResult", "PackageResult"]

#: The schema of ``audit``'s JSON output (:meth:`AuditReport.to_json`).
AUDIT_SCHEMA = "pyslsa-audit/1"


@dataclass(frozen=True)
class EvidenceEntry:
    """One piece of evidence examined for a file: where it came from and, if it verified, whom it proves."""

    kind: EvidenceKind
    url: str
    identity: VerifiedIdentity | None = None
    error: VerificationError | None = None

    def to_json(self) -> dict[str, Any]:
        ident = self.identity
        return {"kind": self.kind, "url": self.url,
                "identity": None if ident is None else {"issuer": ident.issuer, "repository": ident.repository,
                                                        "workflow": ident.workflow, "ref": ident.ref,
                                                        "environment": ident.environment}}


@dataclass(frozen=True)
class FileResult:
    """One file of a package: its verdict, and every piece of evidence examined for it."""

    filename: str
    sha256: str | None
    verdict: AuditFileVerdict
    evidence: tuple[EvidenceEntry, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"filename": self.filename, "sha256": self.sha256, "verdict": self.verdict.verdict,
                "code": self.verdict.code, "message": self.verdict.message,
                "evidence": [e.to_json() for e in self.evidence]}


@dataclass(frozen=True)
class PackageResult:
    """One package entry of an input: its files' results and its verdict (its worst file's)."""

    name: str
    version: str | None
    pinned_at: Location
    kind: InputKind
    verdict: AuditFileVerdict
    files: tuple[FileResult, ...] = ()

    @property
    def passes(self) -> bool:
        return self.verdict.passes and all(f.verdict.passes for f in self.files)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "pinned_at": str(self.pinned_at),
                "verdict": self.verdict.verdict, "code": self.verdict.code, "message": self.verdict.message,
                "files": [f.to_json() for f in self.files]}


@dataclass
class AuditReport:
    """What an audit found. ``to_json`` is the contract (schema ``pyslsa-audit/1``); ``notes`` (pins written,
    cache problems...) are for people and shown by the text views only."""

    packages: list[PackageResult] = field(default_factory=list)
    error: PyslsaError | None = None
    notes: list[str] = field(default_factory=list)
    pins_written: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    #: the trusted root the evidence was verified with (None: the audit stopped before choosing one)
    root_source: RootSource | None = None

    @property
    def verified(self) -> bool:
        """Whether the policy holds: no error, and every package passes."""
        return self.error is None and all(p.passes for p in self.packages)

    @property
    def exit_status(self) -> int:
        """0 when the policy holds, 1 when it does not, 2 on a usage or input error."""
        if self.error is not None:
            return self.error.exit_status
        return 0 if self.verified else 1

    def count(self, verdict: str) -> int:
        """Packages with this verdict."""
        return sum(1 for p in self.packages if p.verdict.verdict == verdict)

    @property
    def summary(self) -> dict[str, int]:
        """Packages and files examined, and packages by verdict."""
        return {"packages": len(self.packages), "files": sum(len(p.files) for p in self.packages),
                "verified": self.count("verified"), "unattested": self.count("unattested"),
                "allowed": self.count("allowed"), "failed": self.count("failed")}

    def to_json(self) -> dict[str, Any]:
        return {"schema": AUDIT_SCHEMA, "verified": self.verified, "summary": self.summary,
                "packages": [p.to_json() for p in self.packages],
                "error": self.error.to_json() if self.error is not None else None}
