"""One frozen options object per command: what the user asked for, and nothing else.

Built once, either from the command line (``options_from(args)`` in ``pyslsa/commands/<command>.py``) or by the
keyword library functions (:func:`pyslsa.verify_artifact` ...), and handed to the library function that runs the
command (``pyslsa.api.run_<command>``). Adding a flag is one field in its options class and one parser line in the
command's module. Plain data: nothing heavy is imported (no cryptography, no HTTP client), and each command's class
is in its own module (``verify``, ``release``, ``upgrade``, ``reproduce``, ``audit``, ``vsa``, ``serve``,
``trust_root``, and the shared ``tuf``; as in :mod:`pyslsa.api`), loaded on first use and importable from here.

Evidence and keys are given as their bytes or as a path (``bytes | str | os.PathLike``); a trusted root also as a
parsed :class:`~pyslsa.core.trust.TrustedRoot`, and ``None`` means the one rule of docs/trust-root.md, with the TUF
options of :class:`TufOptions` (the ``tuf`` field of every verifying command's options): a fresh TUF cache, else a
refresh if ``tuf.refresh``, else the Sigstore public-good root bundled with pyslsa.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, TypeAlias

from pyslsa.lazy import lazy_exports

if TYPE_CHECKING:
    from pyslsa.core.trust import TrustedRoot
    from pyslsa.options.audit import AUDIT_FORMATS, DEFAULT_JOBS, AuditFormat, AuditOptions, AuditProgress
    from pyslsa.options.release import VerifyReleaseOptions
    from pyslsa.options.reproduce import ReproduceOptions
    from pyslsa.options.serve import ServeOptions
    from pyslsa.options.trust_root import TRUST_ROOT_ACTIONS, TrustRootAction, TrustRootOptions
    from pyslsa.options.tuf import TufOptions
    from pyslsa.options.upgrade import UpgradeProvenanceOptions
    from pyslsa.options.verify import VerifyArtifactOptions, VerifyBundleOptions, VerifyGithubAttestationOptions
    from pyslsa.options.vsa import VerifyVsaOptions, VsaOutput

__all__ = [
    "AUDIT_FORMATS",
    "DEFAULT_JOBS",
    "TRUST_ROOT_ACTIONS",
    "Artifact",
    "AuditFormat",
    "AuditOptions",
    "AuditProgress",
    "EvidenceSpec",
    "ReproduceOptions",
    "ServeOptions",
    "TrustRootAction",
    "TrustRootOptions",
    "TrustedRootSpec",
    "TufOptions",
    "UpgradeProvenanceOptions",
    "VerifyArtifactOptions",
    "VerifyBundleOptions",
    "VerifyGithubAttestationOptions",
    "VerifyReleaseOptions",
    "VerifyVsaOptions",
    "VsaOutput",
]

#: An artifact: a file path, or a ``"sha256:<64 hex>"`` digest.
Artifact: TypeAlias = "str | os.PathLike[str]"
#: A provenance file, bundle, attestation or key: its bytes, or its path.
EvidenceSpec: TypeAlias = "bytes | str | os.PathLike[str]"
#: ``None`` (the one rule: a fresh TUF cache, a refresh, or the bundled root), a parsed root, a
#: ``trusted_root.json``'s bytes, or its path.
TrustedRootSpec: TypeAlias = "TrustedRoot | str | os.PathLike[str] | bytes | None"


_MODULES = {
    **dict.fromkeys(("VerifyArtifactOptions", "VerifyBundleOptions", "VerifyGithubAttestationOptions"),
                    "pyslsa.options.verify"),
    "VerifyReleaseOptions": "pyslsa.options.release",
    "UpgradeProvenanceOptions": "pyslsa.options.upgrade",
    "ReproduceOptions": "pyslsa.options.reproduce",
    **dict.fromkeys(("AUDIT_FORMATS", "DEFAULT_JOBS", "AuditFormat", "AuditOptions", "AuditProgress"),
                    "pyslsa.options.audit"),
    **dict.fromkeys(("VerifyVsaOptions", "VsaOutput"), "pyslsa.options.vsa"),
    "ServeOptions": "pyslsa.options.serve",
    "TufOptions": "pyslsa.options.tuf",
    **dict.fromkeys(("TRUST_ROOT_ACTIONS", "TrustRootAction", "TrustRootOptions"), "pyslsa.options.trust_root"),
}


__getattr__ = lazy_exports(__name__, _MODULES)
