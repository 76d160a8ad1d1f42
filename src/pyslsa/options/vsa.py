"""The options of ``verify-vsa``, and of the VSA that ``--vsa`` asks a verify command to write."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from pyslsa.options.tuf import TufOptions

__all__ = ["VerifyVsaOptions", "VsaOutput"]


@dataclass(frozen=True)
class VerifyVsaOptions:
    """``pyslsa verify-vsa``: slsa-verifier's flags, plus a Sigstore identity for VSAs in Sigstore bundles.

    ``public_key_id`` empty: a signature's key id must be the key's OpenSSH ``SHA256:`` fingerprint (slsa-verifier's
    default) or pyslsa's default id (hex SHA-256 of the key's DER); a signature without a key id is always tried.
    ``trusted_root_path`` None: the Sigstore public-good root bundled with pyslsa (used for a VSA in a bundle only).
    """

    attestation_path: str | os.PathLike[str]
    subject_digests: tuple[str, ...]
    verifier_id: str
    resource_uri: str
    verified_levels: tuple[str, ...] = ()
    public_key_path: str | os.PathLike[str] | None = None
    public_key_id: str = ""
    certificate_identity: str | None = None
    certificate_oidc_issuer: str | None = None
    trusted_root_path: str | os.PathLike[str] | None = None
    print_attestation: bool = False
    tuf: TufOptions = field(default_factory=TufOptions)


@dataclass(frozen=True)
class VsaOutput:
    """``--vsa FILE`` on a verify command: write one Verification Summary Attestation for the verified set to
    ``path`` (atomically, once the command reached a verdict, PASSED or FAILED).

    ``key``: a PEM private key (ECDSA P-256 / P-384, Ed25519; an encrypted one is opened with
    ``$PYSLSA_VSA_KEY_PASSWORD``) that signs it as a DSSE envelope, whose signature's key id is ``key_id`` (default:
    the hex SHA-256 of the public key's DER). Without a key the file is the unsigned in-toto Statement.
    ``resource_uri``: the VSA's ``resourceUri`` where the command has no natural one (``verify-artifact``: default
    the artifact's file name, required for several artifacts)."""

    path: str | os.PathLike[str]
    key: str | os.PathLike[str] | None = None
    key_id: str | None = None
    resource_uri: str | None = None
