"""``verify-bundle``: any Sigstore bundle over an artifact (or its digest), with an identity or key policy."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from pyslsa.commands.verify_artifact import load_provenance, load_trusted_root
from pyslsa.core.bundle import Bundle, parse_document
from pyslsa.core.dsse import Statement
from pyslsa.core.pem import PemError, public_key_der
from pyslsa.core.profile import CONFORMANCE
from pyslsa.core.sigstore import VerifiedSignature, check_identity, verify_dsse_bundle, verify_message_bundle
from pyslsa.core.trust import TrustedRoot
from pyslsa.errors import (
    InvalidProvenanceError,
    MismatchHashError,
    UsageError,
    VerificationError,
)
from pyslsa.report import ArtifactOutcome, Report
from pyslsa.sources.files import artifact_digest, read_evidence


@dataclass(frozen=True)
class BundleVerdict:
    artifact: str
    sha256: str
    signature: VerifiedSignature
    statement: Statement | None


def load_public_key_pem(data: bytes, flag: str = "--key") -> tuple[object, bytes]:
    """The key and its SubjectPublicKeyInfo DER, read as cosign and sigstore-go read ``--key`` (sigstore
    ``cryptoutils.UnmarshalPEMToPublicKey``): Go's PEM rules (:mod:`pyslsa.core.pem`; e.g. base64 whose last
    character has non-zero unused bits is accepted, as Go's decoder accepts it), then Go's DER rules as far as
    re-encoding the key must give back the same bytes (``PUBLIC KEY``: PKIX, ``RSA PUBLIC KEY``: PKCS #1).
    A file that is not such a key is a usage error (exit 2), naming ``flag``. (verify-vsa's
    ``--public-key-path`` is read the same way: slsa-verifier uses the same function.)"""
    try:
        kind, der = public_key_der(data)
    except PemError as exc:
        raise UsageError(f"{flag} is not a PEM public key: {exc}") from None
    try:
        key = serialization.load_der_public_key(der)
        fmt = (serialization.PublicFormat.PKCS1 if kind == "RSA PUBLIC KEY"
               else serialization.PublicFormat.SubjectPublicKeyInfo)
        canonical = key.public_bytes(serialization.Encoding.DER, fmt)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise UsageError(f"{flag}: the {kind} block does not hold a usable public key: {exc}") from None
    if canonical != der:
        raise UsageError(f"{flag}: the {kind} block is not a DER-encoded "
                         f"{'PKCS #1 RSA' if kind == 'RSA PUBLIC KEY' else 'SubjectPublicKeyInfo'} public key")
    spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key, spki


def verify_bundle_bytes(name: str, sha256_hex: str, data: bytes, root: TrustedRoot, *, identity: str | None,
                        issuer: str | None, key: tuple[object, bytes] | None) -> BundleVerdict:
    """The pure part: one bundle's bytes, an artifact digest, a trust root and a policy -> verdict or error.

    verify-bundle answers like the clients that pass sigstore-conformance (profile ``CONFORMANCE``)."""
    doc = parse_document(data, "bundle")
    if not isinstance(doc, Bundle):
        raise InvalidProvenanceError("bundle: a bare DSSE envelope is not a Sigstore bundle")
    k, kder = key if key is not None else (None, None)
    digest = bytes.fromhex(sha256_hex)
    statement = None
    if doc.message_signature is not None:
        md = doc.message_signature
        if md.digest and (md.digest_algorithm != "SHA2_256" or md.digest != digest):
            raise MismatchHashError(f"bundle message digest: expected sha256 {sha256_hex}, got "
                                    f"{md.digest_algorithm} {md.digest.hex()}")
        sig = verify_message_bundle(doc, digest, root, profile=CONFORMANCE, key=k, key_der=kder)
    else:
        sig = verify_dsse_bundle(doc, root, profile=CONFORMANCE, key=k, key_der=kder)
        statement = sig.statement()
        statement.require_subject(sha256_hex)
    if key is None:
        assert identity is not None and issuer is not None
        check_identity(sig, identity, issuer)
    return BundleVerdict(name, sha256_hex, sig, statement)


def run(*, artifact: str | os.PathLike[str], bundle_path: str, identity: str | None, issuer: str | None,
        key_path: str | None, trusted_root_path: str | None) -> Report:
    if key_path is None and not (identity and issuer):
        raise UsageError("give --certificate-identity and --certificate-oidc-issuer, or --key")
    if key_path is not None and (identity or issuer):
        raise UsageError("--key cannot be combined with --certificate-identity / --certificate-oidc-issuer")
    root = load_trusted_root(trusted_root_path)
    key = load_public_key_pem(read_evidence(key_path, "key file")) if key_path else None
    data = load_provenance(bundle_path, "bundle file")
    name, digest = artifact_digest(artifact)
    outcome = ArtifactOutcome(path=name, sha256=digest)
    try:
        verdict = verify_bundle_bytes(name, digest, data, root, identity=identity, issuer=issuer, key=key)
    except VerificationError as exc:
        outcome.error = exc
    else:
        outcome.verified = True
        claims = verdict.signature.claims
        if claims is not None:
            outcome.builder_id = claims.san
        elif key is not None:
            outcome.builder_id = f"key sha256:{hashlib.sha256(key[1]).hexdigest()}"
        outcome.integrated_time = verdict.signature.integrated_time
        outcome.log_index = verdict.signature.log_index
        outcome.notes = list(verdict.signature.notes)
        outcome.statement = verdict.statement.raw if verdict.statement is not None else None
    return Report("verify-bundle", [outcome])
