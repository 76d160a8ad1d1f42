"""The library API: verify artifacts against provenance, in-process, offline by default."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pyslsa.core.trust import TrustedRoot
from pyslsa.errors import VerificationError

Artifact = str | os.PathLike[str]
TrustedRootSpec = TrustedRoot | str | os.PathLike[str] | bytes | None


@dataclass(frozen=True)
class ArtifactResult:
    """One verified artifact."""

    artifact: str
    sha256: str
    builder_id: str
    source_uri: str
    ref: str | None
    commit: str | None
    statement: dict[str, Any]
    integrated_time: dt.datetime | None
    log_index: int | None
    #: Material the evidence carried that was accepted but not used (e.g. the certificates after the leaf of a
    #: bundle's chain, which the slsa-verifier profile ignores): what the CLI shows with ``--debug``.
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class VerificationResult:
    """Every artifact verified. The shortcut properties describe the first artifact; ``artifacts`` lists all."""

    artifacts: tuple[ArtifactResult, ...]

    @property
    def builder_id(self) -> str:
        return self.artifacts[0].builder_id

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


def _as_list(artifact: Artifact | Sequence[Artifact]) -> list[Artifact]:
    if isinstance(artifact, (str, os.PathLike)):
        return [artifact]
    return list(artifact)


def _result(report: Any) -> VerificationResult:
    items = []
    for a in report.artifacts:
        if not a.verified:
            assert isinstance(a.error, VerificationError) or a.error is not None
            raise a.error
        items.append(ArtifactResult(a.path, a.sha256, a.builder_id or "", a.source_uri or "", a.ref, a.commit,
                                    a.statement or {}, a.integrated_time, a.log_index, tuple(a.notes)))
    return VerificationResult(tuple(items))


def _digest_pairs(artifacts: list[Artifact]) -> list[tuple[str, str]]:
    from pyslsa.errors import UsageError
    from pyslsa.sources.files import artifact_digest

    if not artifacts:
        raise UsageError("no artifact given")
    return [artifact_digest(a) for a in artifacts]


def verify_artifact(
    artifact: Artifact | Sequence[Artifact],
    provenance: bytes | str | os.PathLike[str],
    *,
    source_uri: str,
    source_tag: str | None = None,
    source_branch: str | None = None,
    source_versioned_tag: str | None = None,
    builder_id: str | None = None,
    build_workflow_inputs: Mapping[str, str] | None = None,
    trusted_root: TrustedRootSpec = None,
    rekor_url: str | None = None,
) -> VerificationResult:
    """Verify artifact(s) against SLSA provenance with slsa-verifier's ``verify-artifact`` semantics.

    Offline unless ``rekor_url`` is given: a legacy (bare-envelope) provenance then has its Rekor entry looked
    up there and verified; without it, it fails with ``tlog-entry-not-found``.

    ``artifact`` is a path, a ``"sha256:<64 hex>"`` digest, or a list of these. ``provenance`` is the file's
    bytes or its path. ``trusted_root=None`` uses the bundled Sigstore production root (no network).
    Raises :class:`pyslsa.VerificationError` (with ``.code``) unless every artifact verifies.
    """
    from pyslsa.commands.verify_artifact import (
        _outcomes,
        _resolver,
        evaluate,
        load_provenance,
        load_trusted_root,
        testing_enabled,
    )
    from pyslsa.core.slsa.builders import DEFAULT_ARTIFACT_BUILDERS
    from pyslsa.core.slsa.policy import SlsaPolicy
    from pyslsa.report import Report

    if source_tag is not None and source_versioned_tag is not None:
        from pyslsa.errors import UsageError

        raise UsageError("give at most one of source_tag, source_versioned_tag")
    policy = SlsaPolicy(source_uri, source_tag, source_branch, source_versioned_tag, builder_id or None,
                        dict(build_workflow_inputs or {}), testing=testing_enabled())
    root = load_trusted_root(trusted_root)
    data = load_provenance(provenance)
    results = evaluate(_digest_pairs(_as_list(artifact)), data, policy, root, DEFAULT_ARTIFACT_BUILDERS,
                       _resolver(rekor_url, offline=rekor_url is None))
    return _result(Report("verify-artifact", _outcomes(results)))


def verify_github_attestation(
    artifact: Artifact | Sequence[Artifact],
    attestation: bytes | str | os.PathLike[str],
    *,
    source_uri: str,
    builder_id: str | None = None,
    trusted_root: TrustedRootSpec = None,
) -> VerificationResult:
    """Verify artifact(s) against a GitHub artifact attestation (actions/attest-build-provenance).

    There are no default trusted builders: without ``builder_id`` this raises ``untrusted-builder``.
    """
    from pyslsa.commands.verify_artifact import _outcomes, evaluate, load_provenance, load_trusted_root, testing_enabled
    from pyslsa.core.slsa.policy import SlsaPolicy
    from pyslsa.errors import UntrustedBuilderError
    from pyslsa.report import Report

    if not builder_id:
        raise UntrustedBuilderError("GitHub attestations have no default trusted builder: pass builder_id")
    root = load_trusted_root(trusted_root)
    data = load_provenance(attestation, "attestation file")
    policy = SlsaPolicy(source_uri, builder_id=builder_id, testing=testing_enabled())
    results = evaluate(_digest_pairs(_as_list(artifact)), data, policy, root, frozenset(), named_workflows=True)
    return _result(Report("verify-github-attestation", _outcomes(results)))


def verify_bundle(
    artifact_or_digest: Artifact,
    bundle: bytes | str | os.PathLike[str],
    *,
    identity: str | None = None,
    issuer: str | None = None,
    key: bytes | None = None,
    trusted_root: TrustedRootSpec = None,
) -> VerificationResult:
    """Verify a Sigstore bundle over an artifact (path or ``"sha256:<hex>"``).

    Policy: the certificate's SAN equals ``identity`` and its OIDC issuer equals ``issuer`` (both required), or
    ``key`` (PEM public key bytes) made the signature. Raises :class:`pyslsa.VerificationError` otherwise.
    """
    from pyslsa.commands.verify_artifact import load_provenance, load_trusted_root
    from pyslsa.commands.verify_bundle import load_public_key_pem, verify_bundle_bytes
    from pyslsa.errors import UsageError
    from pyslsa.sources.files import artifact_digest

    if key is None and not (identity and issuer):
        raise UsageError("give identity and issuer, or key")
    root = load_trusted_root(trusted_root)
    data = load_provenance(bundle, "bundle file")
    name, digest = artifact_digest(artifact_or_digest)
    verdict = verify_bundle_bytes(name, digest, data, root, identity=identity, issuer=issuer,
                                  key=load_public_key_pem(key) if key is not None else None)
    sig = verdict.signature
    signer = sig.claims.san if sig.claims is not None else ""
    stmt = verdict.statement.raw if verdict.statement is not None else {}
    item = ArtifactResult(name, digest, signer, "", None, None, stmt, sig.integrated_time,
                          sig.log_index, sig.notes)
    return VerificationResult((item,))


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
) -> Any:
    """Verify every file of ``NAME==VERSION`` (see ``pyslsa verify-release --help``).

    Returns the :class:`pyslsa.report.ReleaseReport` when every selected file verified; raises the first file's
    :class:`pyslsa.VerificationError` otherwise. Downloads go to a temporary directory removed afterwards, or to
    ``keep``. Legacy provenance is looked up in Rekor only if ``rekor_url`` is given.
    """
    from pyslsa.commands.verify_release import run

    report = run(requirement=requirement, source_uri=source_uri, release_tag=release_tag,
                 provenance_path=os.fspath(provenance) if provenance is not None else None, builder_id=builder_id,
                 only=only, index_url=index_url, github_url=github_url, github_api_url=github_api_url,
                 keep=os.fspath(keep) if keep is not None else None, rekor_url=rekor_url,
                 offline_tlog=rekor_url is None,
                 trusted_root_path=os.fspath(trusted_root) if trusted_root is not None else None)
    if not report.verified:
        err = report.first_error
        raise err if err is not None else VerificationError("release not verified")
    return report
