"""The options of ``verify-artifact``, ``verify-github-attestation`` and ``verify-bundle``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pyslsa.options.tuf import TufOptions

if TYPE_CHECKING:
    from pyslsa.options import Artifact, EvidenceSpec, TrustedRootSpec
    from pyslsa.options.vsa import VsaOutput

__all__ = ["VerifyArtifactOptions", "VerifyBundleOptions", "VerifyGithubAttestationOptions"]


@dataclass(frozen=True)
class VerifyArtifactOptions:
    """``pyslsa verify-artifact``: slsa-verifier's flags. Legacy provenance is looked up in Rekor (``rekor_url``,
    default ``$PYSLSA_REKOR_URL`` or the public instance) unless ``offline``. ``vsa``: also write a Verification
    Summary Attestation of the run."""

    artifacts: tuple[Artifact, ...]
    provenance: EvidenceSpec
    source_uri: str
    source_tag: str | None = None
    source_branch: str | None = None
    source_versioned_tag: str | None = None
    builder_id: str | None = None
    build_workflow_inputs: Mapping[str, str] = field(default_factory=dict)
    trusted_root: TrustedRootSpec = None
    rekor_url: str | None = None
    offline: bool = False
    print_provenance: bool = False
    vsa: VsaOutput | None = None
    tuf: TufOptions = field(default_factory=TufOptions)


@dataclass(frozen=True)
class VerifyGithubAttestationOptions:
    """``pyslsa verify-github-attestation``: there is no default trusted builder, ``builder_id`` names it."""

    artifacts: tuple[Artifact, ...]
    attestation: EvidenceSpec
    source_uri: str
    builder_id: str | None = None
    trusted_root: TrustedRootSpec = None
    print_provenance: bool = False
    tuf: TufOptions = field(default_factory=TufOptions)


@dataclass(frozen=True)
class VerifyBundleOptions:
    """``pyslsa verify-bundle``: the signer's ``identity`` (SAN) and OIDC ``issuer``, or a PEM public ``key``."""

    artifact: Artifact
    bundle: EvidenceSpec
    identity: str | None = None
    issuer: str | None = None
    key: EvidenceSpec | None = None
    trusted_root: TrustedRootSpec = None
    tuf: TufOptions = field(default_factory=TufOptions)
