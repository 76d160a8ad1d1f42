"""The keyword library API (``pyslsa.verify_artifact(...)`` ...): thin wrappers that build a command's options,
run it (``pyslsa.api.run_<command>``), and return a :class:`VerificationResult` (or the release's report) when
everything verified, or raise the first :class:`~pyslsa.errors.VerificationError`. :func:`audit` returns its report
whatever the verdicts (a usage or input error raises).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, cast

from pyslsa.errors import UntrustedBuilderError, UsageError, VerificationError
from pyslsa.options import (
    DEFAULT_JOBS,
    Artifact,
    EvidenceSpec,
    TrustedRootSpec,
    TufOptions,
    VerifyArtifactOptions,
    VerifyBundleOptions,
    VerifyGithubAttestationOptions,
    VerifyReleaseOptions,
)
from pyslsa.report import ReleaseReport, Report

if TYPE_CHECKING:
    from pyslsa.options import AuditProgress
    from pyslsa.report import AuditReport, RootSource

__all__ = ["ArtifactResult", "VerificationResult", "audit", "verify_artifact", "verify_bundle",
           "verify_github_attestation", "verify_release"]


@dataclass(frozen=True)
class ArtifactResult:
    """One verified artifact.

    ``builder`` is the SLSA builder that made it (:func:`verify_artifact`, :func:`verify_github_attestation`);
    ``signer`` the identity (SAN) of the certificate that signed a bundle (:func:`verify_bundle`; "" when a key
    signed it). ``builder_id`` is either, as before the two were told apart."""

    artifact: str
    sha256: str
    builder: str
    source_uri: str
    ref: str | None
    commit: str | None
    statement: dict[str, Any]
    integrated_time: dt.datetime | None
    log_index: int | None
    #: Material the evidence carried that was accepted but not used (e.g. the certificates after the leaf of a
    #: bundle's chain, which the slsa-verifier profile ignores): what the CLI shows with ``--debug``.
    notes: tuple[str, ...] = ()
    signer: str = ""

    @property
    def builder_id(self) -> str:
        """The builder (SLSA provenance), or for :func:`verify_bundle` the signer (kept for compatibility)."""
        return self.builder or self.signer


@dataclass(frozen=True)
class VerificationResult:
    """Every artifact verified. The shortcut properties describe the first artifact; ``artifacts`` lists all.
    ``root_source``: the trusted root they verified against (its ``warning`` says when it is the bundled copy)."""

    artifacts: tuple[ArtifactResult, ...]
    root_source: RootSource | None = None

    @property
    def builder_id(self) -> str:
        return self.artifacts[0].builder_id

    @property
    def builder(self) -> str:
        return self.artifacts[0].builder

    @property
    def signer(self) -> str:
        return self.artifacts[0].signer

    @property
    def source_uri(self) -> str:
        return self.artifacts[0].source_uri

    @property
    def ref(self) -> str | None:
        return self.artifacts[0].ref

    @property
    def commit(self) -> str | None:
        return self.artifacts[0].commit

    @property
    def statement(self) -> dict[str, Any]:
        return self.artifacts[0].statement

    @property
    def integrated_time(self) -> dt.datetime | None:
        return self.artifacts[0].integrated_time


def _as_tuple(artifact: Artifact | Sequence[Artifact]) -> tuple[Artifact, ...]:
    if isinstance(artifact, (str, os.PathLike)):
        return (artifact,)
    return tuple(artifact)


def _result(report: Report) -> VerificationResult:
    items = []
    for a in report.artifacts:
        if not a.verified:
            raise a.error if a.error is not None else VerificationError("not verified")
        items.append(ArtifactResult(a.path, a.sha256, a.builder_id or "", a.source_uri or "", a.ref, a.commit,
                                    a.statement or {}, a.integrated_time, a.log_index, tuple(a.notes),
                                    a.signer or ""))
    return VerificationResult(tuple(items), report.root_source)


def verify_artifact(
    artifact: Artifact | Sequence[Artifact],
    provenance: EvidenceSpec,
    *,
    source_uri: str,
    source_tag: str | None = None,
    source_branch: str | None = None,
    source_versioned_tag: str | None = None,
    builder_id: str | None = None,
    build_workflow_inputs: Mapping[str, str] | None = None,
    trusted_root: TrustedRootSpec = None,
    rekor_url: str | None = None,
    tuf: TufOptions | None = None,
) -> VerificationResult:
    """Verify artifact(s) against SLSA provenance with slsa-verifier's ``verify-artifact`` semantics.

    Offline unless ``rekor_url`` is given: a legacy (bare-envelope) provenance then has its Rekor entry looked
    up there and verified; without it, it fails with ``tlog-entry-not-found``.

    ``artifact`` is a path, a ``"sha256:<64 hex>"`` digest, or a list of these. ``provenance`` is the file's
    bytes or its path. ``trusted_root=None`` uses the one rule of docs/trust-root.md without the network: a fresh
    TUF cache (``pyslsa trust-root update``), else the bundled Sigstore production root; ``tuf`` chooses another
    TUF repository, or allows a refresh (``TufOptions(refresh=True)``).
    Raises :class:`pyslsa.VerificationError` (with ``.code``) unless every artifact verifies.
    """
    from pyslsa.api.verify import run_verify_artifact

    return _result(run_verify_artifact(VerifyArtifactOptions(
        _as_tuple(artifact), provenance, source_uri, source_tag, source_branch, source_versioned_tag, builder_id,
        dict(build_workflow_inputs or {}), trusted_root, rekor_url, offline=rekor_url is None,
        tuf=tuf or TufOptions())))


def verify_github_attestation(
    artifact: Artifact | Sequence[Artifact],
    attestation: EvidenceSpec,
    *,
    source_uri: str,
    builder_id: str | None = None,
    trusted_root: TrustedRootSpec = None,
    tuf: TufOptions | None = None,
) -> VerificationResult:
    """Verify artifact(s) against a GitHub artifact attestation (actions/attest-build-provenance).

    There are no default trusted builders: without ``builder_id`` this raises ``untrusted-builder``.
    ``trusted_root`` / ``tuf``: as for :func:`verify_artifact`.
    """
    if not builder_id:
        raise UntrustedBuilderError("GitHub attestations have no default trusted builder: pass builder_id")
    from pyslsa.api.verify import run_verify_github_attestation

    return _result(run_verify_github_attestation(VerifyGithubAttestationOptions(
        _as_tuple(artifact), attestation, source_uri, builder_id, trusted_root, tuf=tuf or TufOptions())))


def verify_bundle(
    artifact_or_digest: Artifact,
    bundle: EvidenceSpec,
    *,
    identity: str | None = None,
    issuer: str | None = None,
    key: bytes | None = None,
    trusted_root: TrustedRootSpec = None,
    tuf: TufOptions | None = None,
) -> VerificationResult:
    """Verify a Sigstore bundle over an artifact (path or ``"sha256:<hex>"``).

    Policy: the certificate's SAN equals ``identity`` and its OIDC issuer equals ``issuer`` (both required), or
    ``key`` (PEM public key bytes) made the signature. Raises :class:`pyslsa.VerificationError` otherwise.
    ``trusted_root`` / ``tuf``: as for :func:`verify_artifact`.
    """
    if key is None and not (identity and issuer):
        raise UsageError("give identity and issuer, or key")
    from pyslsa.api.verify import run_verify_bundle

    return _result(run_verify_bundle(VerifyBundleOptions(artifact_or_digest, bundle, identity, issuer, key,
                                                         trusted_root, tuf=tuf or TufOptions())))


def verify_release(
    requirement: str,
    *,
    source_uri: str,
    release_tag: str | None = None,
    provenance: str | os.PathLike[str] | None = None,
    builder_id: str | None = None,
    only: str | None = None,
    index_url: str | None = None,
    github_url: str | None = None,
    github_api_url: str | None = None,
    keep: str | os.PathLike[str] | None = None,
    trusted_root: str | os.PathLike[str] | None = None,
    rekor_url: str | None = None,
    tuf: TufOptions | None = None,
) -> ReleaseReport:
    """Verify every file of ``NAME==VERSION`` (see ``pyslsa verify-release --help``).

    Returns the :class:`pyslsa.report.ReleaseReport` when every selected file verified; raises the first file's
    :class:`pyslsa.VerificationError` otherwise. Downloads go to a temporary directory removed afterwards, or to
    ``keep``. Legacy provenance is looked up in Rekor only if ``rekor_url`` is given. ``trusted_root`` / ``tuf``:
    as for :func:`verify_artifact` (the TUF repository is not asked unless ``tuf.refresh``).
    """
    from pyslsa.api.release import run_verify_release

    report = run_verify_release(VerifyReleaseOptions(
        requirement, source_uri, release_tag, provenance, builder_id,
        cast("Literal['wheel', 'sdist'] | None", only),  # another value selects no file: release-not-found
        index_url, github_url, github_api_url, keep=keep, rekor_url=rekor_url, offline_tlog=rekor_url is None,
        trusted_root=trusted_root, tuf=tuf or TufOptions()))
    if not report.verified:
        err = report.first_error
        raise err if err is not None else VerificationError("release not verified")
    return report


def audit(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] = (),
    *,
    python: str | os.PathLike[str] | None = None,
    policy: str | os.PathLike[str] | None = None,
    update_pins: bool = False,
    evidence: str | os.PathLike[str] | None = None,
    offline: bool = False,
    index_url: str | None = None,
    github_url: str | None = None,
    github_api_url: str | None = None,
    trusted_root: str | os.PathLike[str] | None = None,
    jobs: int = DEFAULT_JOBS,
    directory: str | os.PathLike[str] = ".",
    cache_dir: str | os.PathLike[str] | None = None,
    today: date | None = None,
    timeout: float | None = 1800.0,
    progress: AuditProgress | None = None,
) -> AuditReport:
    """Audit the packages of lockfiles or requirements files (``paths``: one path or several), or of an installed
    environment (no paths: this interpreter's; ``python``: another's), against the policy (``policy``, else
    ``pyslsa.toml`` / ``[tool.pyslsa]`` of ``pyproject.toml`` in ``directory``); see ``pyslsa audit --help``.

    Returns the :class:`pyslsa.report.AuditReport` whatever the verdicts: ``report.verified`` says whether the
    policy holds, ``report.packages`` has each package's verdict, ``report.to_json()`` is the ``pyslsa-audit/1``
    document. A usage or input error (a malformed lockfile, an unknown policy key) raises it (a
    :class:`pyslsa.UsageError`, exit status 2 on the command line). The URLs default to ``$PYSLSA_INDEX_URL``,
    ``$PYSLSA_GITHUB_URL``, ``$PYSLSA_GITHUB_API_URL``, then PyPI and GitHub; ``today`` (the date exceptions expire
    against) to the local date; ``progress(done, total, name)`` is called as packages finish.
    """
    from pyslsa.api.audit import run_audit
    from pyslsa.options import AuditOptions

    def path(value: str | os.PathLike[str] | None) -> str | None:
        return os.fspath(value) if value is not None else None

    report = run_audit(AuditOptions(
        paths=tuple(os.fspath(p) for p in _as_tuple(paths)), python=path(python), policy=path(policy),
        update_pins=update_pins, evidence=path(evidence), offline=offline, index_url=index_url,
        github_url=github_url, github_api_url=github_api_url, trusted_root=path(trusted_root), jobs=jobs,
        today=today, cache_dir=path(cache_dir), directory=os.fspath(directory), timeout=timeout,
        progress=progress))
    if report.error is not None:
        raise report.error
    return report
