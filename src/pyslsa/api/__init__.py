"""The library: verify artifacts against provenance, in-process, offline by default.

Two layers, the same engine:

* one function per command taking its options object (:mod:`pyslsa.options`) and returning its report
  (:mod:`pyslsa.report`): :func:`run_verify_artifact`, :func:`run_verify_github_attestation`,
  :func:`run_verify_bundle` (``pyslsa.api.verify``), :func:`run_verify_release` (``.release``),
  :func:`run_upgrade_provenance` (``.upgrade``), :func:`run_reproduce` (``.reproduce``), :func:`run_audit`
  (``.audit``), :func:`run_verify_vsa` (``.vsa``, which also writes the VSAs of ``--vsa``), :func:`run_serve`
  (``.serve``: the verifying index proxy, in the foreground), :func:`run_trust_root` (``.trust_root``, with the one
  rule that chooses the trusted root: :func:`resolve_root`). The command line calls these (``pyslsa/commands/``); a
  verdict on an artifact is in the report, an error that stops the command raises.
* the keyword functions (:func:`verify_artifact`, :func:`verify_github_attestation`, :func:`verify_bundle`,
  :func:`verify_release`, in ``.keywords``): thin wrappers that build the options, run the command, and return a
  result when everything verified or raise the first :class:`~pyslsa.errors.VerificationError`;
  ``pyslsa.audit`` (:func:`pyslsa.api.keywords.audit`) returns its report whatever the verdicts. It is not
  re-exported here: in this package, ``audit`` is the engine's module (:mod:`pyslsa.api.audit`).

Every name is imported from its module on first use, so a command or a library call pays only for the imports it
needs. This package never imports the command line (``pyslsa.cli``, ``pyslsa.commands``) or the views.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyslsa.lazy import lazy_exports

if TYPE_CHECKING:
    from pyslsa.api.audit import run_audit
    from pyslsa.api.keywords import (
        ArtifactResult,
        VerificationResult,
        verify_artifact,
        verify_bundle,
        verify_github_attestation,
        verify_release,
    )
    from pyslsa.api.release import run_verify_release
    from pyslsa.api.reproduce import run_reproduce
    from pyslsa.api.serve import run_serve
    from pyslsa.api.trust_root import resolve_root, run_trust_root
    from pyslsa.api.upgrade import run_upgrade_provenance
    from pyslsa.api.verify import run_verify_artifact, run_verify_bundle, run_verify_github_attestation
    from pyslsa.api.vsa import run_verify_vsa
    from pyslsa.report import ReleaseReport

__all__ = [
    "ArtifactResult",
    "ReleaseReport",
    "VerificationResult",
    "resolve_root",
    "run_audit",
    "run_reproduce",
    "run_serve",
    "run_trust_root",
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

_MODULES = {
    **dict.fromkeys(("ArtifactResult", "VerificationResult", "verify_artifact", "verify_bundle",
                     "verify_github_attestation", "verify_release"), "pyslsa.api.keywords"),
    **dict.fromkeys(("run_verify_artifact", "run_verify_github_attestation", "run_verify_bundle"),
                    "pyslsa.api.verify"),
    "run_verify_release": "pyslsa.api.release",
    "run_upgrade_provenance": "pyslsa.api.upgrade",
    "run_reproduce": "pyslsa.api.reproduce",
    **dict.fromkeys(("resolve_root", "run_trust_root"), "pyslsa.api.trust_root"),
    "run_audit": "pyslsa.api.audit",
    "run_verify_vsa": "pyslsa.api.vsa",
    "run_serve": "pyslsa.api.serve",
    "ReleaseReport": "pyslsa.report",
}


__getattr__ = lazy_exports(__name__, _MODULES)
