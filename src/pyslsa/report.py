"""Every report type: what the library (:mod:`pyslsa.api`) returns for a command and the views
(:mod:`pyslsa.formats`) render. Plain data: no I/O, and nothing heavy imported (the core's types are named for
the type checker only).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pyslsa.errors import PyslsaError

if TYPE_CHECKING:
    from pyslsa.core.audit.identity import EvidenceKind, VerifiedIdentity
    from pyslsa.core.audit.verdict import FileVerdict as AuditFileVerdict
    from pyslsa.core.release import FileVerdict
    from pyslsa.core.reproduce import WheelOutcome
    from pyslsa.core.reproduce.outcome import Verdict as ReproduceVerdict
    from pyslsa.errors import VerificationError
    from pyslsa.sources.inputs import InputKind, Location

__all__ = [
    "AUDIT_SCHEMA",
    "SOURCE_KINDS",
    "ArtifactOutcome",
    "AuditReport",
    "AuthorityInfo",
    "AuthorityKind",
    "CommandReport",
    "EvidenceEntry",
    "FileResult",
    "PackageResult",
    "ReleaseReport",
    "Report",
    "RepositoryState",
    "ReproduceReport",
    "RootSource",
    "RootSourceKind",
    "SourceFile",
    "TrustRootReport",
    "UpdateResult",
    "UpgradeReport",
    "iso_utc",
]


class CommandReport(Protocol):
    """What every command hands to the output formats: its name, an error that stopped it (if any), and the
    exit status its verdict implies. :class:`Report` (verify-*), the release and reproduce reports are ones."""

    command: str
    error: PyslsaError | None

    @property
    def exit_status(self) -> int: ...


@dataclass
class ArtifactOutcome:
    """The verdict for one artifact."""

    path: str
    sha256: str
    verified: bool = False
    builder_id: str | None = None  # the SLSA builder (verify-artifact, verify-github-attestation)
    source_uri: str | None = None
    ref: str | None = None
    commit: str | None = None
    error: PyslsaError | None = None
    statement: dict[str, Any] | None = None
    integrated_time: dt.datetime | None = None
    log_index: int | None = None
    log_url: str | None = None
    notes: list[str] = field(default_factory=list)  # accepted but unused material: shown with --debug only
    #: who signed, where that is the verdict (verify-bundle, upgrade-provenance): the certificate's identity (SAN)
    signer: str | None = None
    #: verify-bundle with ``--key``: the hex SHA-256 of the key's SubjectPublicKeyInfo (the key is the signer)
    signer_key_sha256: str | None = None

    @property
    def signed_by(self) -> str | None:
        """The signer as the outputs name it: the certificate's identity, or ``key sha256:<hex>``."""
        if self.signer is not None:
            return self.signer
        return f"key sha256:{self.signer_key_sha256}" if self.signer_key_sha256 is not None else None


class _Item(Protocol):
    @property
    def verified(self) -> bool: ...

    @property
    def error(self) -> PyslsaError | None: ...


class _Verdicts:
    """A report over items (artifacts, files) that each have ``verified`` and ``error``: verified when nothing
    stopped the command and every item verified; the first error decides the exit status."""

    error: PyslsaError | None

    def _items(self) -> Sequence[_Item]:
        raise NotImplementedError

    @property
    def verified(self) -> bool:
        items = self._items()
        return self.error is None and bool(items) and all(i.verified for i in items)

    @property
    def first_error(self) -> PyslsaError | None:
        if self.error is not None:
            return self.error
        for i in self._items():
            if i.error is not None:
                return i.error
        return None

    @property
    def exit_status(self) -> int:
        if self.verified:
            return 0
        err = self.first_error
        return err.exit_status if err is not None else 1


@dataclass
class Report(_Verdicts):
    """The result of one command run: per-artifact outcomes, or one error that stopped everything."""

    command: str
    artifacts: list[ArtifactOutcome] = field(default_factory=list)
    error: PyslsaError | None = None
    print_provenance: bool = False

    def _items(self) -> Sequence[_Item]:
        return self.artifacts


@dataclass
class UpgradeReport(Report):
    """``upgrade-provenance``: one outcome per envelope upgraded (``path`` is the bundle written; ``signer``,
    ``log_index``, ``log_url``, ``integrated_time`` what the log entry proved)."""

    command: str = "upgrade-provenance"


@dataclass
class ReleaseReport(_Verdicts):
    """``verify-release``: the release, where its evidence came from, and a verdict per file."""

    requirement: str
    index_url: str
    files: list[FileVerdict] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # what was consulted, for the record
    notes: list[str] = field(default_factory=list)  # e.g. "kept downloads in DIR", "release v1 not found"
    error: PyslsaError | None = None
    command: str = "verify-release"

    def _items(self) -> Sequence[_Item]:
        return self.files


# -- reproduce ------------------------------------------------------------------------------------------------


@dataclass
class SourceFile:
    """A file ``reproduce`` used: from the index (``origin`` ``index``, with its URL and upload time) or ``local``."""

    filename: str
    sha256: str
    origin: str  # "index" | "local"
    url: str | None = None
    upload_time: dt.datetime | None = None


@dataclass
class ReproduceReport:
    """What ``reproduce`` found: the sdist, and per wheel the inferred build, every attempt and the comparison
    (:class:`pyslsa.core.reproduce.WheelOutcome`)."""

    command: str = "reproduce"
    error: PyslsaError | None = None
    requirement: str | None = None
    index_url: str | None = None
    sdist: SourceFile | None = None
    wheels: list[WheelOutcome] = field(default_factory=list)
    wheel_files: dict[str, SourceFile] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    python: str = field(default_factory=lambda: sys.version.split()[0])
    seconds: float = 0.0
    kept: str | None = None

    @property
    def verdict(self) -> ReproduceVerdict:
        from pyslsa.core.reproduce import overall_verdict

        return overall_verdict(self.wheels)

    @property
    def exit_status(self) -> int:
        from pyslsa.core.reproduce import REPRODUCIBLE

        if self.error is not None:
            return self.error.exit_status
        return 0 if self.verdict == REPRODUCIBLE else 1


#: The schema of ``audit``'s JSON output (:meth:`AuditReport.to_json`).
AUDIT_SCHEMA = "pyslsa-audit/1"


# -- audit ----------------------------------------------------------------------------------------------------


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


# -- trust-root (show, verify, update) ---------------------------------------------------------------------------

#: Where a trusted root came from (:attr:`RootSource.kind`).
RootSourceKind = Literal["file", "tuf", "tuf-cache", "bundled"]
SOURCE_KINDS: tuple[RootSourceKind, ...] = ("file", "tuf", "tuf-cache", "bundled")
#: An authority of a trusted root (:attr:`AuthorityInfo.kind`).
AuthorityKind = Literal["tlog", "ctlog", "ca", "tsa"]


def iso_utc(moment: dt.datetime | None) -> str | None:
    """A moment in UTC, ISO 8601 with ``Z`` (how the trust-root outputs write times); None stays None."""
    return moment.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z") if moment is not None else None


@dataclass(frozen=True)
class RootSource:
    """Where the trusted root in force came from.

    ``kind``: ``file`` (``--trusted-root FILE``), ``tuf`` (refreshed from the TUF repository just now),
    ``tuf-cache`` (the TUF cache, re-verified from the bootstrap root and unexpired), ``bundled`` (the copy shipped
    with pyslsa). ``repository``: the TUF repository URL (for ``bundled``: the one it stands in for). ``path``: the
    file, or the cache's mirror file. ``date``: when the root was obtained (``tuf``/``tuf-cache``: the last
    successful refresh; ``bundled``: the start date of the newest authority it lists). ``expires``: when the TUF
    metadata vouching for it expires (the earliest expiry of the top-level roles). ``versions``: the TUF roles'
    versions. ``sha256``: of the trusted_root.json bytes. ``warning``: one line to show the user, if any.
    """

    kind: RootSourceKind
    repository: str | None = None
    path: str | None = None
    date: dt.datetime | None = None
    expires: dt.datetime | None = None
    versions: Mapping[str, int] | None = None
    sha256: str = ""
    warning: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "repository": self.repository, "path": self.path,
                "date": iso_utc(self.date), "expires": iso_utc(self.expires),
                "versions": dict(self.versions) if self.versions is not None else None,
                "sha256": self.sha256, "warning": self.warning}

    def describe(self) -> str:
        """One line, for ``--debug``."""
        parts = [f"trusted root: {self.kind}"]
        if self.repository:
            parts.append(f"repository {self.repository}")
        if self.path:
            parts.append(f"path {self.path}")
        if self.date:
            parts.append(f"date {iso_utc(self.date)}")
        if self.expires:
            parts.append(f"TUF metadata expires {iso_utc(self.expires)}")
        if self.versions:
            parts.append("versions " + " ".join(f"{k}={v}" for k, v in self.versions.items()))
        parts.append(f"sha256 {self.sha256}")
        return ", ".join(parts)


@dataclass(frozen=True)
class AuthorityInfo:
    """One authority of a trusted root, as ``trust-root show`` lists it.

    ``kind``: ``tlog``, ``ctlog``, ``ca`` (a Fulcio CA) or ``tsa``. ``name``: base URL or URI. ``ident``: the log id
    (hex) or, for a CA / TSA, the SHA-256 fingerprint of its last (issuer-most) certificate. ``detail``: key details,
    or the chain's subjects. ``active``: the validity window contains now. ``problem``: why it cannot be used
    ("" if it can)."""

    kind: AuthorityKind
    name: str
    ident: str
    detail: str
    valid_from: dt.datetime
    valid_until: dt.datetime | None
    active: bool
    problem: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "id": self.ident, "detail": self.detail,
                "valid_from": iso_utc(self.valid_from), "valid_until": iso_utc(self.valid_until), "active": self.active,
                "problem": self.problem or None}


@dataclass(frozen=True)
class TrustRootReport:
    """``trust-root show`` / ``trust-root verify``: a trusted root, where it came from, and what it trusts."""

    source: RootSource
    media_type: str
    authorities: tuple[AuthorityInfo, ...]
    warnings: tuple[str, ...] = field(default=())

    def of_kind(self, kind: str) -> tuple[AuthorityInfo, ...]:
        return tuple(a for a in self.authorities if a.kind == kind)


class RepositoryState(Protocol):
    """A TUF repository state as reports show it (:class:`pyslsa.sources.tuf.TufState` is one)."""

    @property
    def expires(self) -> dt.datetime: ...

    @property
    def sha256(self) -> str: ...

    @property
    def saved(self) -> dt.datetime | None: ...

    def versions(self) -> dict[str, int]: ...


@dataclass(frozen=True)
class UpdateResult:
    """What ``trust-root update`` did. ``before`` is None when there was no usable cache (``cache_problem`` says
    why, if there was a cache)."""

    repository: str
    cache: str
    before: RepositoryState | None
    after: RepositoryState
    cache_problem: str | None = None

    @property
    def changed(self) -> bool:
        """Did the trusted root, or any TUF role, change?"""
        return (self.before is None or self.before.sha256 != self.after.sha256
                or self.before.versions() != self.after.versions())

    @property
    def trusted_root_changed(self) -> bool:
        return self.before is None or self.before.sha256 != self.after.sha256
