"""One frozen options object per command: what the user asked for, and nothing else.

Built once, either from the command line (``options_from(args)`` in ``pyslsa/commands/<command>.py``) or by the
keyword library functions (:func:`pyslsa.verify_artifact` ...), and handed to the library function that runs the
command (``pyslsa.api.run_<command>``). Adding a flag is one field here and one parser line in the command's
module. Plain data: importing this module imports nothing heavy (no cryptography, no HTTP client).

Evidence and keys are given as their bytes or as a path (``bytes | str | os.PathLike``); a trusted root also as a
parsed :class:`~pyslsa.core.trust.TrustedRoot`, and ``None`` means the Sigstore public-good root bundled with pyslsa.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Literal, TypeAlias

if TYPE_CHECKING:
    from pyslsa.core.trust import TrustedRoot

__all__ = [
    "AUDIT_FORMATS",
    "DEFAULT_JOBS",
    "Artifact",
    "AuditFormat",
    "AuditOptions",
    "AuditProgress",
    "EvidenceSpec",
    "ReproduceOptions",
    "TrustedRootSpec",
    "UpgradeProvenanceOptions",
    "VerifyArtifactOptions",
    "VerifyBundleOptions",
    "VerifyGithubAttestationOptions",
    "VerifyReleaseOptions",
    "VerifyVsaOptions",
]

#: An artifact: a file path, or a ``"sha256:<64 hex>"`` digest.
Artifact: TypeAlias = "str | os.PathLike[str]"
#: A provenance file, bundle, attestation or key: its bytes, or its path.
EvidenceSpec: TypeAlias = "bytes | str | os.PathLike[str]"
#: ``None`` (the bundled public-good root), a parsed root, a ``trusted_root.json``'s bytes, or its path.
TrustedRootSpec: TypeAlias = "TrustedRoot | str | os.PathLike[str] | bytes | None"


@dataclass(frozen=True)
class VerifyArtifactOptions:
    """``pyslsa verify-artifact``: slsa-verifier's flags. Legacy provenance is looked up in Rekor (``rekor_url``,
    default ``$PYSLSA_REKOR_URL`` or the public instance) unless ``offline``."""

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


@dataclass(frozen=True)
class VerifyGithubAttestationOptions:
    """``pyslsa verify-github-attestation``: there is no default trusted builder, ``builder_id`` names it."""

    artifacts: tuple[Artifact, ...]
    attestation: EvidenceSpec
    source_uri: str
    builder_id: str | None = None
    trusted_root: TrustedRootSpec = None
    print_provenance: bool = False


@dataclass(frozen=True)
class VerifyBundleOptions:
    """``pyslsa verify-bundle``: the signer's ``identity`` (SAN) and OIDC ``issuer``, or a PEM public ``key``."""

    artifact: Artifact
    bundle: EvidenceSpec
    identity: str | None = None
    issuer: str | None = None
    key: EvidenceSpec | None = None
    trusted_root: TrustedRootSpec = None


@dataclass(frozen=True)
class VerifyReleaseOptions:
    """``pyslsa verify-release NAME==VERSION``. ``timeout``: seconds for all the run's downloads and lookups
    (None: no overall limit; each request keeps its own)."""

    requirement: str
    source_uri: str
    release_tag: str | None = None
    provenance: str | os.PathLike[str] | None = None
    builder_id: str | None = None
    only: Literal["wheel", "sdist"] | None = None
    index_url: str | None = None
    github_url: str | None = None
    github_api_url: str | None = None
    pep740: bool = True
    github: bool = True
    keep: str | os.PathLike[str] | None = None
    rekor_url: str | None = None
    offline_tlog: bool = False
    trusted_root: str | os.PathLike[str] | None = None
    timeout: float | None = 1800.0


@dataclass(frozen=True)
class UpgradeProvenanceOptions:
    """``pyslsa upgrade-provenance``: the legacy provenance file, and where to write the bundle."""

    provenance: EvidenceSpec
    output: str | os.PathLike[str]
    rekor_url: str | None = None
    trusted_root: TrustedRootSpec = None


@dataclass(frozen=True)
class ReproduceOptions:
    """``pyslsa reproduce``: ``requirement`` (``NAME==VERSION``, from the index), or a local ``sdist`` with the
    ``wheels`` to compare. ``build_requirements`` pin what the build installs; ``env`` is set for the build last;
    ``timeout``: seconds per build attempt; ``keep``: a new or empty directory to keep everything in."""

    requirement: str | None = None
    sdist: str | None = None
    wheels: tuple[str, ...] = ()
    index_url: str | None = None
    build_requirements: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 600.0
    keep: str | os.PathLike[str] | None = None


#: ``audit``: worker threads fetching by default (each request waits on the network, not the CPU).
DEFAULT_JOBS = 16
#: ``audit``: called as packages finish: (packages done, packages in all, the package just done).
AuditProgress = Callable[[int, int, str], None]
AuditFormat = Literal["table", "json", "markdown", "sarif"]
AUDIT_FORMATS: tuple[AuditFormat, ...] = ("table", "json", "markdown", "sarif")


@dataclass(frozen=True)
class AuditOptions:
    """Every flag of ``pyslsa audit`` (``paths``: the ``PATH`` arguments; none: the environment of ``python``, or
    the current interpreter's), plus what a library caller or a test sets: ``today`` (for exceptions; None: the
    local date), ``cache_dir`` (None: ``$PYSLSA_CACHE_DIR`` or the user cache directory), ``directory`` (where
    the policy is looked for, and where an environment's ``pyslsa.pins.toml`` lives), ``timeout`` (one limit for
    all the fetches of the run) and ``progress``. ``format`` and ``output`` are the CLI's (the report does not
    depend on them)."""

    paths: tuple[str, ...] = ()
    python: str | None = None
    policy: str | None = None
    update_pins: bool = False
    evidence: str | None = None
    offline: bool = False
    index_url: str | None = None
    github_url: str | None = None
    github_api_url: str | None = None
    trusted_root: str | None = None
    jobs: int = DEFAULT_JOBS
    format: AuditFormat = "table"
    output: str | None = None
    today: date | None = None
    cache_dir: str | None = None
    directory: str = "."
    timeout: float | None = 1800.0
    progress: AuditProgress | None = field(default=None, compare=False)


@dataclass(frozen=True)
class VerifyVsaOptions:
    """``pyslsa verify-vsa``: slsa-verifier's flags, plus a Sigstore identity for VSAs in Sigstore bundles.

    ``public_key_id`` empty: a signature's key id must be the key's OpenSSH ``SHA256:`` fingerprint (slsa-verifier's
    default) or pyslsa's default id (hex SHA-256 of the key's DER); a signature without a key id is always tried.
    """

    attestation_path: str
    subject_digests: tuple[str, ...]
    verifier_id: str
    resource_uri: str
    verified_levels: tuple[str, ...] = ()
    public_key_path: str | None = None
    public_key_id: str = ""
    certificate_identity: str | None = None
    certificate_oidc_issuer: str | None = None
    trusted_root_path: str | None = None
    print_attestation: bool = False
