"""The options of ``verify-vsa``."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["VerifyVsaOptions"]


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
