"""X.509 for Sigstore: the Fulcio chain at a given time, embedded SCTs, and the Fulcio claim extensions.

Path validation is cryptography's RFC 5280 verifier, with the web-PKI extension policies except for the
extended key usage (a Fulcio leaf is codeSigning, which :func:`check_leaf_profile` requires). The trusted
root's validity window of each CA is applied on top: a CA may only vouch for signing times inside it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import struct
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID
from cryptography.x509.verification import Criticality, ExtensionPolicy, PolicyBuilder, Store
from cryptography.x509.verification import VerificationError as X509VerificationError

from pyslsa.core.pem import PemError, certificate_ders
from pyslsa.core.trust import CertificateAuthority, TrustedRoot
from pyslsa.errors import CertificateError, InvalidSignatureError

# -- Fulcio claim extensions (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md) -------------------
FULCIO = "1.3.6.1.4.1.57264.1."
OID_ISSUER_V1 = x509.ObjectIdentifier(FULCIO + "1")  # raw string (deprecated)
OID_GITHUB_WORKFLOW_TRIGGER = x509.ObjectIdentifier(FULCIO + "2")  # raw (deprecated)
OID_GITHUB_WORKFLOW_SHA = x509.ObjectIdentifier(FULCIO + "3")  # raw (deprecated)
OID_GITHUB_WORKFLOW_NAME = x509.ObjectIdentifier(FULCIO + "4")  # raw (deprecated)
OID_GITHUB_WORKFLOW_REPOSITORY = x509.ObjectIdentifier(FULCIO + "5")  # raw (deprecated)
OID_GITHUB_WORKFLOW_REF = x509.ObjectIdentifier(FULCIO + "6")  # raw (deprecated)
OID_OTHERNAME_SAN = x509.ObjectIdentifier(FULCIO + "7")
OID_ISSUER_V2 = x509.ObjectIdentifier(FULCIO + "8")  # DER UTF8String from here on
OID_BUILD_SIGNER_URI = x509.ObjectIdentifier(FULCIO + "9")
OID_BUILD_SIGNER_DIGEST = x509.ObjectIdentifier(FULCIO + "10")
OID_RUNNER_ENVIRONMENT = x509.ObjectIdentifier(FULCIO + "11")
OID_SOURCE_REPOSITORY_URI = x509.ObjectIdentifier(FULCIO + "12")
OID_SOURCE_REPOSITORY_DIGEST = x509.ObjectIdentifier(FULCIO + "13")
OID_SOURCE_REPOSITORY_REF = x509.ObjectIdentifier(FULCIO + "14")
OID_SOURCE_REPOSITORY_IDENTIFIER = x509.ObjectIdentifier(FULCIO + "15")
OID_SOURCE_REPOSITORY_OWNER_URI = x509.ObjectIdentifier(FULCIO + "16")
OID_SOURCE_REPOSITORY_OWNER_IDENTIFIER = x509.ObjectIdentifier(FULCIO + "17")
OID_BUILD_CONFIG_URI = x509.ObjectIdentifier(FULCIO + "18")
OID_BUILD_CONFIG_DIGEST = x509.ObjectIdentifier(FULCIO + "19")
OID_BUILD_TRIGGER = x509.ObjectIdentifier(FULCIO + "20")
OID_RUN_INVOCATION_URI = x509.ObjectIdentifier(FULCIO + "21")
OID_SOURCE_REPOSITORY_VISIBILITY = x509.ObjectIdentifier(FULCIO + "22")

_RAW_OIDS = frozenset(
    {OID_ISSUER_V1, OID_GITHUB_WORKFLOW_TRIGGER, OID_GITHUB_WORKFLOW_SHA, OID_GITHUB_WORKFLOW_NAME,
     OID_GITHUB_WORKFLOW_REPOSITORY, OID_GITHUB_WORKFLOW_REF}
)

# Extensions a Fulcio leaf may mark critical; anything else critical is refused (RFC 5280 §4.2).
_KNOWN_CRITICAL = frozenset(
    {ExtensionOID.KEY_USAGE, ExtensionOID.EXTENDED_KEY_USAGE, ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
     ExtensionOID.BASIC_CONSTRAINTS, ExtensionOID.NAME_CONSTRAINTS, ExtensionOID.POLICY_CONSTRAINTS}
)


#: Everything cryptography may raise on a malformed certificate.
_CERT_ERRORS = (ValueError, TypeError, UnsupportedAlgorithm, x509.InvalidVersion, x509.DuplicateExtension,
                x509.UnsupportedGeneralNameType)


def load_certificate(der: bytes, what: str = "certificate") -> x509.Certificate:
    try:
        cert = x509.load_der_x509_certificate(der)
        # Force parsing of the parts we read later, so a truncated/garbled certificate fails here.
        _ = cert.extensions, cert.public_key(), cert.not_valid_before_utc, cert.not_valid_after_utc
    except _CERT_ERRORS as exc:
        raise CertificateError(f"{what} is not a valid X.509 certificate: {exc}") from None
    return cert


def load_pem_certificate(data: bytes, what: str = "certificate") -> x509.Certificate:
    """Exactly one certificate in PEM, read as slsa-verifier reads a legacy envelope's ``cert``
    (verifiers/internal/gha/rekor.go: ``cryptoutils.UnmarshalCertificatesFromPEM``, then one certificate):
    Go's PEM rules (:mod:`pyslsa.core.pem`)."""
    try:
        ders = certificate_ders(data)
    except PemError as exc:
        raise CertificateError(f"{what} is not a valid PEM certificate: {exc}") from None
    if len(ders) != 1:
        raise CertificateError(f"{what}: expected exactly 1 PEM certificate, got {len(ders)}")
    return load_certificate(ders[0], what)


def _der_utf8(value: bytes, oid: x509.ObjectIdentifier) -> str:
    """Decode a DER UTF8String (tag 0x0C) exactly, definite length, no trailing bytes."""
    if len(value) < 2 or value[0] != 0x0C:
        raise CertificateError(f"certificate extension {oid.dotted_string} is not a DER UTF8String")
    length = value[1]
    offset = 2
    if length & 0x80:
        n = length & 0x7F
        if n == 0 or n > 4 or len(value) < 2 + n:
            raise CertificateError(f"certificate extension {oid.dotted_string} has a bad DER length")
        length = int.from_bytes(value[2:2 + n], "big")
        if length < 0x80 or value[2] == 0:
            raise CertificateError(f"certificate extension {oid.dotted_string} has a non-minimal DER length")
        offset = 2 + n
    if offset + length != len(value):
        raise CertificateError(f"certificate extension {oid.dotted_string} has a bad DER length")
    try:
        return value[offset:].decode("utf-8")
    except UnicodeDecodeError:
        raise CertificateError(f"certificate extension {oid.dotted_string} is not UTF-8") from None


@dataclass(frozen=True)
class FulcioClaims:
    """The identity claims Fulcio wrote into a certificate (empty string: not present)."""

    san: str
    san_kind: str  # "uri", "email", "other" or ""
    issuer: str
    extensions: dict[str, str]

    def get(self, oid: x509.ObjectIdentifier) -> str:
        return self.extensions.get(oid.dotted_string, "")

    @property
    def build_signer_uri(self) -> str:
        return self.get(OID_BUILD_SIGNER_URI)


def fulcio_claims(cert: x509.Certificate) -> FulcioClaims:
    """Read the SAN and every Fulcio extension; v2 (DER) values win over the deprecated raw ones."""
    values: dict[str, str] = {}
    try:
        exts = cert.extensions
    except _CERT_ERRORS as exc:
        raise CertificateError(f"certificate extensions do not parse: {exc}") from None
    for ext in exts:
        oid = ext.oid
        if not oid.dotted_string.startswith(FULCIO):
            continue
        if not isinstance(ext.value, x509.UnrecognizedExtension):
            continue
        raw = ext.value.value
        if oid in _RAW_OIDS:
            try:
                values[oid.dotted_string] = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise CertificateError(f"certificate extension {oid.dotted_string} is not UTF-8") from None
        elif oid == OID_OTHERNAME_SAN:
            continue
        else:
            values[oid.dotted_string] = _der_utf8(raw, oid)
    issuer = values.get(OID_ISSUER_V2.dotted_string) or values.get(OID_ISSUER_V1.dotted_string, "")
    san, kind = "", ""
    try:
        san_ext = exts.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        san_ext = None
    if san_ext is not None:
        uris = san_ext.get_values_for_type(x509.UniformResourceIdentifier)
        emails = san_ext.get_values_for_type(x509.RFC822Name)
        others = [o for o in san_ext.get_values_for_type(x509.OtherName) if o.type_id == OID_OTHERNAME_SAN]
        names = len(uris) + len(emails) + len(others)
        if names > 1:
            raise CertificateError(f"certificate has {names} identities in its SAN; Fulcio issues exactly one")
        if uris:
            san, kind = uris[0], "uri"
        elif emails:
            san, kind = emails[0], "email"
        elif others:
            san, kind = _der_utf8(others[0].value, OID_OTHERNAME_SAN), "other"
    return FulcioClaims(san, kind, issuer, values)


def _check_time(cert: x509.Certificate, at: dt.datetime, what: str) -> None:
    if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
        raise CertificateError(
            f"{what} is not valid at the signing time: expected {at.isoformat()} within "
            f"[{cert.not_valid_before_utc.isoformat()} .. {cert.not_valid_after_utc.isoformat()}]"
        )


def _basic_constraints(cert: x509.Certificate) -> x509.BasicConstraints | None:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return None


def check_leaf_profile(leaf: x509.Certificate) -> None:
    """The leaf must be a code-signing end-entity certificate with no unknown critical extension."""
    try:
        exts = leaf.extensions
    except _CERT_ERRORS as exc:
        raise CertificateError(f"certificate extensions do not parse: {exc}") from None
    for ext in exts:
        if ext.critical and ext.oid not in _KNOWN_CRITICAL:
            raise CertificateError(f"certificate has an unknown critical extension {ext.oid.dotted_string}")
    bc = _basic_constraints(leaf)
    if bc is not None and bc.ca:
        raise CertificateError("signing certificate is a CA certificate, expected an end-entity certificate")
    try:
        ku = exts.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        raise CertificateError("signing certificate has no KeyUsage extension") from None
    if not ku.digital_signature:
        raise CertificateError("signing certificate's KeyUsage lacks digitalSignature")
    try:
        eku = exts.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        raise CertificateError("signing certificate has no ExtendedKeyUsage extension") from None
    if ExtendedKeyUsageOID.CODE_SIGNING not in eku:
        raise CertificateError("signing certificate's ExtendedKeyUsage lacks codeSigning")


@functools.lru_cache(maxsize=64)
def _store(ca: CertificateAuthority) -> Store:
    """Every certificate of a trusted-root CA chain is a trust anchor (as the reference client does): the
    chain itself is vouched for by the trusted root, its internal links checked once by :func:`_broken_link`."""
    return Store(list(ca.chain))


@functools.lru_cache(maxsize=64)
def _broken_link(ca: CertificateAuthority) -> str:
    """The signatures linking a trusted-root CA chain (a property of the root alone, so checked once per chain).
    Returns the subject of the first certificate not signed by the next one, or ''."""
    for depth in range(len(ca.chain) - 1):
        cert = ca.chain[depth]
        try:
            cert.verify_directly_issued_by(ca.chain[depth + 1])
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            return cert.subject.rfc4514_string()
    return ""


def _policies() -> tuple[ExtensionPolicy, ExtensionPolicy]:
    # RFC 5280 / CA-B-forum-like defaults, except that the ExtendedKeyUsage of a Fulcio leaf is codeSigning
    # (checked by check_leaf_profile), not the serverAuth/clientAuth the web PKI defaults insist on.
    ca_policy = ExtensionPolicy.webpki_defaults_ca().may_be_present(x509.ExtendedKeyUsage,
                                                                     Criticality.NON_CRITICAL, None)
    ee_policy = ExtensionPolicy.webpki_defaults_ee().may_be_present(x509.ExtendedKeyUsage,
                                                                     Criticality.NON_CRITICAL, None)
    return ca_policy, ee_policy


_POLICIES = _policies()


def verify_chain(leaf: x509.Certificate, root: TrustedRoot, at: dt.datetime
                 ) -> tuple[CertificateAuthority, x509.Certificate]:
    """Prove ``leaf`` was issued by a certificate authority of ``root`` and everything is valid at ``at``.
    Returns the authority and the certificate that issued ``leaf``.

    Path validation is cryptography's RFC 5280 verifier (signatures, validity of every certificate at ``at``,
    basic constraints, key usage, name constraints, critical extensions); the Fulcio profile of the leaf and
    the trusted root's validity window of each CA are checked here.
    """
    check_leaf_profile(leaf)
    _check_time(leaf, at, "signing certificate")
    reasons: list[str] = []
    for ca in root.certificate_authorities:
        if not ca.validity.contains(at):
            reasons.append(f"{ca.uri or 'CA'} not valid then {ca.validity.describe()}")
            continue
        verifier = (PolicyBuilder().store(_store(ca)).time(at)
                    .extension_policies(ca_policy=_POLICIES[0], ee_policy=_POLICIES[1]).build_client_verifier())
        try:
            path = verifier.verify(leaf, []).chain
        except (X509VerificationError, ValueError, TypeError) as exc:
            reasons.append(f"{ca.uri or 'CA'}: {exc}")
            continue
        broken = _broken_link(ca)
        if broken:
            raise CertificateError(f"trusted-root chain of {ca.uri} is broken at {broken}")
        for cert in ca.chain:
            _check_time(cert, at, f"CA certificate {cert.subject.rfc4514_string()}")
        # The issuer as the verified path has it (never looked up by name: names can be duplicated).
        return ca, path[1]
    detail = "; ".join(reasons) if reasons else "the trusted root has no certificate authority"
    raise CertificateError(f"signing certificate does not chain to a trusted Fulcio CA at "
                           f"{at.isoformat()}: {detail}")


# -- Signed certificate timestamps (RFC 6962 §3.2) ----------------------------------------------------------------


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


@functools.lru_cache(maxsize=64)
def _key_hash(issuer: x509.Certificate) -> bytes:
    """SHA-256 of the issuer's SubjectPublicKeyInfo (RFC 6962 issuer_key_hash); issuers come from the root."""
    spki = issuer.public_key().public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).digest()


def verify_embedded_sct(leaf: x509.Certificate, issuer: x509.Certificate, root: TrustedRoot) -> None:
    """At least one embedded SCT must verify under a CT log of ``root`` valid at the SCT's time."""
    try:
        scts = leaf.extensions.get_extension_for_class(x509.PrecertificateSignedCertificateTimestamps).value
    except x509.ExtensionNotFound:
        raise CertificateError("signing certificate has no embedded SCT (not logged to certificate transparency)"
                               ) from None
    except _CERT_ERRORS as exc:
        raise CertificateError(f"embedded SCT list does not parse: {exc}") from None
    issuer_key_hash = _key_hash(issuer)
    try:
        tbs = leaf.tbs_precertificate_bytes
    except _CERT_ERRORS as exc:
        raise CertificateError(f"cannot rebuild the precertificate: {exc}") from None
    reasons: list[str] = []
    for sct in scts:
        logs = root.ctlogs_for(sct.log_id)
        if not logs:
            reasons.append(f"unknown CT log {sct.log_id.hex()}")
            continue
        if sct.version != x509.certificate_transparency.Version.v1:
            reasons.append("SCT version is not v1")
            continue
        if sct.entry_type != x509.certificate_transparency.LogEntryType.PRE_CERTIFICATE:
            reasons.append("SCT is not for a precertificate")
            continue
        ext_bytes = sct.extension_bytes
        moment = sct.timestamp.replace(tzinfo=dt.timezone.utc)
        ts_ms = (moment - _EPOCH) // dt.timedelta(milliseconds=1)
        signed = (
            b"\x00\x00" + struct.pack(">Q", ts_ms) + b"\x00\x01" + issuer_key_hash
            + len(tbs).to_bytes(3, "big") + tbs + struct.pack(">H", len(ext_bytes)) + ext_bytes
        )
        for log in logs:
            if log.key is None:
                reasons.append(f"CT log {log.base_url} key unusable: {log.unusable_reason}")
                continue
            if not log.validity.contains(moment):
                reasons.append(f"CT log {log.base_url} not valid at {moment.isoformat()}")
                continue
            try:
                _verify_sct_signature(log.key, sct.signature, sct.signature_hash_algorithm, signed)
            except InvalidSignature:
                reasons.append(f"SCT signature by {log.base_url} does not verify")
                continue
            return
    raise CertificateError("no embedded SCT verifies: " + ("; ".join(reasons) or "no SCTs"))


def _verify_sct_signature(key: object, signature: bytes, hash_alg: hashes.HashAlgorithm | None,
                          data: bytes) -> None:
    if not isinstance(hash_alg, hashes.SHA256):
        raise InvalidSignature
    if isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    elif isinstance(key, rsa.RSAPublicKey):
        key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    else:
        raise InvalidSignature


# -- Signatures by a certificate's or a trusted key ---------------------------------------------------------------


def verify_signature(key: object, signature: bytes, data: bytes, what: str = "signature", *,
                     prehashed_sha256: bool = False) -> None:
    """Verify with the algorithm the key implies (ECDSA with the curve's hash, Ed25519, RSA PKCS#1 v1.5).

    With ``prehashed_sha256`` ``data`` is the SHA-256 digest of the signed message (message signatures).
    """
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            h: hashes.HashAlgorithm
            if prehashed_sha256:
                h = hashes.SHA256()
            elif isinstance(key.curve, ec.SECP384R1):
                h = hashes.SHA384()
            elif isinstance(key.curve, ec.SECP521R1):
                h = hashes.SHA512()
            else:
                h = hashes.SHA256()
            key.verify(signature, data, ec.ECDSA(Prehashed(h) if prehashed_sha256 else h))
        elif isinstance(key, ed25519.Ed25519PublicKey):
            if prehashed_sha256:
                raise InvalidSignatureError(f"{what}: an Ed25519 signature needs the artifact, not its digest")
            key.verify(signature, data)
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(),
                       Prehashed(hashes.SHA256()) if prehashed_sha256 else hashes.SHA256())
        else:
            raise InvalidSignatureError(f"{what}: unsupported public key type {type(key).__name__}")
    except InvalidSignature:
        raise InvalidSignatureError(f"{what} does not verify") from None
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise InvalidSignatureError(f"{what} does not verify: {exc}") from None
