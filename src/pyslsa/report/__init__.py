"""Every report type: what the library (:mod:`pyslsa.api`) returns for a command and the views
(:mod:`pyslsa.formats`) render. Plain data: no I/O, and nothing heavy imported (the core's types are named for
the type checker only).

The verify commands' and verify-release's reports are here; ``reproduce``'s, ``audit``'s, ``trust-root``'s and
``verify-vsa``'s (and the record of a VSA written) and ``serve``'s are in :mod:`pyslsa.report.reproduce`,
:mod:`.audit`, :mod:`.trust_root`, :mod:`.vsa` and :mod:`.serve`, and importable from here too (each loaded
on first use, so that a verify command does not pay for creating the others' classes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pyslsa.errors import PyslsaError
from pyslsa.lazy import lazy_exports

if TYPE_CHECKING:
    from pyslsa.core.release import FileVerdict
    from pyslsa.report.audit import AUDIT_SCHEMA, AuditReport, EvidenceEntry, FileResult, PackageResult
    from pyslsa.report.reproduce import ReproduceReport, SourceFile
    from pyslsa.report.serve import ServeReport
    from pyslsa.report.trust_root import (
        SOURCE_KINDS,
        AuthorityInfo,
        AuthorityKind,
        ExportResult,
        RepositoryState,
        RootSource,
        RootSourceKind,
        TrustRootReport,
        UpdateResult,
        iso_utc,
    )
    from pyslsa.report.vsa import VerifyVsaReport, VsaWritten

__all__ = [
    "AUDIT_SCHEMA",
    "SOURCE_KINDS",
    "ArtifactOutcome",
    "AuditReport",
    "AuthorityInfo",
    "AuthorityKind",
    "CommandReport",
    "EvidenceEntry",
    "ExportResult",
    "FileResult",
    "PackageResult",
    "ReleaseReport",
    "Report",
    "RepositoryState",
    "ReproduceReport",
    "RootSource",
    "RootSourceKind",
    "ServeReport",
    "SourceFile",
    "TrustRootReport",
    "UpdateResult",
    "UpgradeReport",
    "VerifyVsaReport",
    "VsaWritten",
    "iso_utc",
]


class CommandReport(Protocol):
    """What every command hands to the output formats: its name, an error that stopped it (if any), and the
    exit status its verdict implies. :class:`Report` (verify-*), the release and reproduce reports are ones.

    The report of a command that verifies against a Sigstore trusted root also has ``root_source``
    (:class:`~pyslsa.report.trust_root.RootSource` or None: which root was in force); the views add it to every
    output in one place (:func:`pyslsa.formats.render`), not each view by hand."""

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
    vsa: VsaWritten | None = None  # the VSA written with --vsa (verify-artifact)
    #: the trusted root the verdicts were reached with (None: the command stopped before choosing one)
    root_source: RootSource | None = None

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
    vsa: VsaWritten | None = None  # the VSA written with --vsa
    #: the trusted root the verdicts were reached with (None: the command stopped before choosing one)
    root_source: RootSource | None = None

    def _items(self) -> Sequence[_Item]:
        return self.files


_ELSEWHERE = {
    **dict.fromkeys(("AUDIT_SCHEMA", "AuditReport", "EvidenceEntry", "FileResult", "PackageResult"),
                    "pyslsa.report.audit"),
    **dict.fromkeys(("ReproduceReport", "SourceFile"), "pyslsa.report.reproduce"),
    "ServeReport": "pyslsa.report.serve",
    **dict.fromkeys(("SOURCE_KINDS", "AuthorityInfo", "AuthorityKind", "ExportResult", "RepositoryState", "RootSource",
                     "RootSourceKind", "TrustRootReport", "UpdateResult", "iso_utc"), "pyslsa.report.trust_root"),
    **dict.fromkeys(("VerifyVsaReport", "VsaWritten"), "pyslsa.report.vsa"),
}


__getattr__ = lazy_exports(__name__, _ELSEWHERE)
