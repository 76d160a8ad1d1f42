"""pyslsa: verify SLSA provenance and Sigstore attestations of release artifacts, offline, in pure Python.

>>> import pyslsa
>>> result = pyslsa.verify_artifact("binary", "binary.intoto.jsonl",
...                                 source_uri="github.com/org/repo", source_tag="v1.2.3")  # doctest: +SKIP

Each command is also a function taking its options object and returning its report
(``pyslsa.run_verify_artifact(pyslsa.VerifyArtifactOptions(...))``), which never raises for a verdict.
Attributes are imported lazily, so ``import pyslsa`` (and the CLI's start-up) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyslsa.lazy import lazy_exports

__version__ = "0.1.0"

__all__ = [
    "ArtifactResult",
    "PyslsaError",
    "ReleaseReport",
    "Report",
    "TrustedRoot",
    "UpgradeProvenanceOptions",
    "UpgradeReport",
    "UsageError",
    "VerificationError",
    "VerificationResult",
    "VerifyArtifactOptions",
    "VerifyBundleOptions",
    "VerifyGithubAttestationOptions",
    "VerifyReleaseOptions",
    "VerifyVsaOptions",
    "VerifyVsaReport",
    "VsaOutput",
    "__version__",
    "audit",
    "run_audit",
    "run_reproduce",
    "run_upgrade_provenance",
    "run_verify_artifact",
    "run_verify_bundle",
    "run_verify_github_attestation",
    "run_verify_release",
    "run_verify_vsa",
    "verify_artifact",
    "verify_bundle",
    "verify_github_attestation",
    "verify_release",
]

_LAZY = {
    "audit": "pyslsa.api.keywords",  # not pyslsa.api: there, "audit" is the engine's module
    "verify_artifact": "pyslsa.api",
    "verify_github_attestation": "pyslsa.api",
    "verify_bundle": "pyslsa.api",
    "verify_release": "pyslsa.api",
    "run_verify_artifact": "pyslsa.api",
    "run_verify_github_attestation": "pyslsa.api",
    "run_verify_bundle": "pyslsa.api",
    "run_verify_release": "pyslsa.api",
    "run_upgrade_provenance": "pyslsa.api",
    "run_reproduce": "pyslsa.api",
    "run_audit": "pyslsa.api",
    "run_verify_vsa": "pyslsa.api",
    "VerificationResult": "pyslsa.api",
    "ArtifactResult": "pyslsa.api",
    "VerifyArtifactOptions": "pyslsa.options",
    "VerifyGithubAttestationOptions": "pyslsa.options",
    "VerifyBundleOptions": "pyslsa.options",
    "VerifyReleaseOptions": "pyslsa.options",
    "UpgradeProvenanceOptions": "pyslsa.options",
    "VerifyVsaOptions": "pyslsa.options",
    "VsaOutput": "pyslsa.options",
    "VerifyVsaReport": "pyslsa.report",
    "Report": "pyslsa.report",
    "ReleaseReport": "pyslsa.report",
    "UpgradeReport": "pyslsa.report",
    "TrustedRoot": "pyslsa.core.trust",
    "VerificationError": "pyslsa.errors",
    "UsageError": "pyslsa.errors",
    "PyslsaError": "pyslsa.errors",
}

if TYPE_CHECKING:
    from pyslsa.api import (
        ArtifactResult,
        VerificationResult,
        run_audit,
        run_reproduce,
        run_upgrade_provenance,
        run_verify_artifact,
        run_verify_bundle,
        run_verify_github_attestation,
        run_verify_release,
        run_verify_vsa,
        verify_artifact,
        verify_bundle,
        verify_github_attestation,
        verify_release,
    )
    from pyslsa.api.keywords import audit
    from pyslsa.core.trust import TrustedRoot
    from pyslsa.errors import PyslsaError, UsageError, VerificationError
    from pyslsa.options import (
        UpgradeProvenanceOptions,
        VerifyArtifactOptions,
        VerifyBundleOptions,
        VerifyGithubAttestationOptions,
        VerifyReleaseOptions,
        VerifyVsaOptions,
        VsaOutput,
    )
    from pyslsa.report import ReleaseReport, Report, UpgradeReport, VerifyVsaReport


__getattr__ = lazy_exports(__name__, _LAZY)


def __dir__() -> list[str]:
    return sorted(__all__)
