"""X.509 for Sigstore: the Fulcio chain at a given time, embedded SCTs, and the Fulcio claim extensions.

Path validation is cryptography's RFC 5280 verifier, with the web-PKI extension policies except for the
extended key usage (a Fulcio leaf is codeSigning, which :func:`check_leaf_profile` requires). The trusted
root's validity window of each CA is applied on top: a CA may only vouch for signing times inside it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import struct
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes, PublicKeyTypes
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


def _load(der: bytes, what: str) -> tuple[x509.Certificate, CertificatePublicKeyTypes,
                                          tuple[dt.datetime, dt.datetime]]:
    try:
        cert = x509.load_der_x509_certificate(der)
        # Force parsing of the parts we read later, so a truncated/garbled certificate fails here.
        _ = cert.extensions
        return cert, cert.public_key(), (cert.not_valid_before_utc, cert.not_valid_after_utc)
    except _CERT_ERRORS as exc:
        raise CertificateError(f"{what} is not a valid X.509 certificate: {exc}") from None


def load_certificate(der: bytes, what: str = "certificate") -> x509.Certificate:
    return _load(der, what)[0]


def read_signing_certificate(der: bytes, what: str = "certificate") -> SigningCertificate:
    """:func:`load_certificate` (same checks, same errors), keeping what it loaded -- the DER, the public key, the
    validity -- and reading the extensions once, for the verification to come."""
    cert, key, validity = _load(der, what)
    return SigningCertificate(cert, der, key=key, validity=validity)


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


def _der_utf8(value: bytes, oid: str) -> str:
    """Decode a DER UTF8String (tag 0x0C) exactly, definite length, no trailing bytes (``oid``: dotted, for the
    error)."""
    if len(value) < 2 or value[0] != 0x0C:
        raise CertificateError(f"certificate extension {oid} is not a DER UTF8String")
    length = value[1]
    offset = 2
    if length & 0x80:
        n = length & 0x7F
        if n == 0 or n > 4 or len(value) < 2 + n:
            raise CertificateError(f"certificate extension {oid} has a bad DER length")
        length = int.from_bytes(value[2:2 + n], "big")
        if length < 0x80 or value[2] == 0:
            raise CertificateError(f"certificate extension {oid} has a non-minimal DER length")
        offset = 2 + n
    if offset + length != len(value):
        raise CertificateError(f"certificate extension {oid} has a bad DER length")
    try:
        return value[offset:].decode("utf-8")
    except UnicodeDecodeError:
        raise CertificateError(f"certificate extension {oid} is not UTF-8") from None


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


# What one pass does with each extension it meets, by OID (a dict lookup is cheaper than spelling an OID out).
_KNOWN_CRITICAL_DOTTED = frozenset(o.dotted_string for o in _KNOWN_CRITICAL)
_OTHERNAME_SAN_DOTTED = OID_OTHERNAME_SAN.dotted_string
_X_OTHER, _X_SAN, _X_KU, _X_EKU, _X_BC, _X_SCT, _X_FULCIO_RAW, _X_FULCIO_DER, _X_FULCIO_SKIP = range(9)
_EXT_KINDS: dict[x509.ObjectIdentifier, tuple[str, int]] = {
    **{oid: (oid.dotted_string, _X_OTHER) for oid in (*_KNOWN_CRITICAL, ExtensionOID.SUBJECT_KEY_IDENTIFIER,
                                                     ExtensionOID.AUTHORITY_KEY_IDENTIFIER)},
    **{x509.ObjectIdentifier(f"{FULCIO}{n}"): (f"{FULCIO}{n}", _X_FULCIO_DER) for n in range(1, 23)},
    **{oid: (oid.dotted_string, _X_FULCIO_RAW) for oid in _RAW_OIDS},
    OID_OTHERNAME_SAN: (_OTHERNAME_SAN_DOTTED, _X_FULCIO_SKIP),
    **{oid: (oid.dotted_string, kind) for oid, kind in (
        (ExtensionOID.SUBJECT_ALTERNATIVE_NAME, _X_SAN), (ExtensionOID.KEY_USAGE, _X_KU),
        (ExtensionOID.EXTENDED_KEY_USAGE, _X_EKU), (ExtensionOID.BASIC_CONSTRAINTS, _X_BC),
        (ExtensionOID.PRECERT_SIGNED_CERTIFICATE_TIMESTAMPS, _X_SCT))},
}


def _ext_kind(oid: x509.ObjectIdentifier) -> tuple[str, int]:
    known = _EXT_KINDS.get(oid)
    if known is not None:
        return known
    dotted = oid.dotted_string
    return dotted, (_X_FULCIO_DER if dotted.startswith(FULCIO) else _X_OTHER)  # a Fulcio OID newer than this list


class SigningCertificate:
    """A signing certificate read once: every extension in one pass (the Fulcio profile, the identity claims, the
    embedded SCTs); its public key and DER loaded at most once.

    Nothing is trusted here. Each finding is kept and each failure raised by the check it belongs to
    (:meth:`check_profile` from :func:`verify_chain`, :meth:`claims`, :meth:`scts` from
    :func:`verify_embedded_sct`), so failures come in the same order, with the same messages, as when every
    check read the certificate again.
    """

    __slots__ = ("_bc", "_claims", "_claims_error", "_der", "_eku", "_key", "_ku", "_read_error", "_san", "_scts",
                 "_unknown_critical", "_validity", "_values", "cert")

    def __init__(self, cert: x509.Certificate, der: bytes | None = None, *,
                 key: CertificatePublicKeyTypes | None = None,
                 validity: tuple[dt.datetime, dt.datetime] | None = None) -> None:
        self.cert = cert
        self._der = der
        self._key = key
        self._read_error = ""
        self._unknown_critical = ""
        self._bc: x509.BasicConstraints | None = None
        self._ku: x509.KeyUsage | None = None
        self._eku: x509.ExtendedKeyUsage | None = None
        self._san: x509.SubjectAlternativeName | None = None
        self._scts: x509.PrecertificateSignedCertificateTimestamps | None = None
        self._values: dict[str, str] = {}
        self._claims_error = ""  # the first Fulcio extension that does not decode
        self._claims: FulcioClaims | None = None
        self._validity = validity
        try:
            exts = cert.extensions
        except _CERT_ERRORS as exc:
            self._read_error = str(exc)
            return
        values, kinds = self._values, _EXT_KINDS
        for ext in exts:
            oid_obj = ext.oid
            known = kinds.get(oid_obj)
            oid, kind = known if known is not None else _ext_kind(oid_obj)
            if ext.critical and not self._unknown_critical and oid not in _KNOWN_CRITICAL_DOTTED:
                self._unknown_critical = oid
            if kind == _X_OTHER:
                continue
            value = ext.value
            if kind >= _X_FULCIO_RAW:
                if (kind == _X_FULCIO_SKIP or self._claims_error
                        or not (type(value) is x509.UnrecognizedExtension
                                or isinstance(value, x509.UnrecognizedExtension))):
                    continue
                if kind == _X_FULCIO_RAW:
                    try:
                        values[oid] = value.value.decode("utf-8")
                    except UnicodeDecodeError:
                        self._claims_error = f"certificate extension {oid} is not UTF-8"
                else:
                    try:
                        values[oid] = _der_utf8(value.value, oid)
                    except CertificateError as exc:
                        self._claims_error = exc.message
            elif kind == _X_SAN:
                self._san = value
            elif kind == _X_KU:
                self._ku = value
            elif kind == _X_EKU:
                self._eku = value
            elif kind == _X_BC:
                self._bc = value
            else:
                self._scts = value

    @classmethod
    def of(cls, cert: x509.Certificate | SigningCertificate) -> SigningCertificate:
        return cert if isinstance(cert, SigningCertificate) else cls(cert)

    @property
    def der(self) -> bytes:
        if self._der is None:
            self._der = self.cert.public_bytes(serialization.Encoding.DER)
        return self._der

    @property
    def public_key(self) -> CertificatePublicKeyTypes:
        if self._key is None:
            self._key = self.cert.public_key()
        return self._key

    @property
    def validity(self) -> tuple[dt.datetime, dt.datetime]:
        if self._validity is None:
            self._validity = (self.cert.not_valid_before_utc, self.cert.not_valid_after_utc)
        return self._validity

    def check_profile(self) -> None:
        """A code-signing end-entity certificate with no unknown critical extension."""
        if self._read_error:
            raise CertificateError(f"certificate extensions do not parse: {self._read_error}")
        if self._unknown_critical:
            raise CertificateError(f"certificate has an unknown critical extension {self._unknown_critical}")
        if self._bc is not None and self._bc.ca:
            raise CertificateError("signing certificate is a CA certificate, expected an end-entity certificate")
        if self._ku is None:
            raise CertificateError("signing certificate has no KeyUsage extension")
        if not self._ku.digital_signature:
            raise CertificateError("signing certificate's KeyUsage lacks digitalSignature")
        if self._eku is None:
            raise CertificateError("signing certificate has no ExtendedKeyUsage extension")
        if ExtendedKeyUsageOID.CODE_SIGNING not in self._eku:
            raise CertificateError("signing certificate's ExtendedKeyUsage lacks codeSigning")

    def claims(self) -> FulcioClaims:
        """The SAN and every Fulcio extension; v2 (DER) values win over the deprecated raw ones."""
        if self._claims is not None:
            return self._claims
        if self._read_error:
            raise CertificateError(f"certificate extensions do not parse: {self._read_error}")
        if self._claims_error:
            raise CertificateError(self._claims_error)
        values = self._values
        issuer = values.get(OID_ISSUER_V2.dotted_string) or values.get(OID_ISSUER_V1.dotted_string, "")
        san, kind = "", ""
        if self._san is not None:
            uris, emails, others = _san_names(self._san)
            names = len(uris) + len(emails) + len(others)
            if names > 1:
                raise CertificateError(f"certificate has {names} identities in its SAN; Fulcio issues exactly one")
            if uris:
                san, kind = uris[0], "uri"
            elif emails:
                san, kind = emails[0], "email"
            elif others:
                san, kind = _der_utf8(others[0].value, _OTHERNAME_SAN_DOTTED), "other"
        self._claims = FulcioClaims(san, kind, issuer, dict(values))
        return self._claims

    def scts(self) -> x509.PrecertificateSignedCertificateTimestamps:
        if self._read_error:
            raise CertificateError(f"embedded SCT list does not parse: {self._read_error}")
        if self._scts is None:
            raise CertificateError("signing certificate has no embedded SCT (not logged to certificate "
                                   "transparency)")
        return self._scts


def _san_names(san: x509.SubjectAlternativeName) -> tuple[list[str], list[str], list[x509.OtherName]]:
    """The URIs, e-mail addresses and Fulcio otherName identities of a SAN, in order: what
    ``get_values_for_type`` gives for each, in one pass (the ABC checks it repeats per type are the slow part)."""
    uris: list[str] = []
    emails: list[str] = []
    others: list[x509.OtherName] = []
    for name in san:
        kind = type(name)
        if kind is not x509.UniformResourceIdentifier and kind is not x509.RFC822Name and kind is not x509.OtherName:
            if isinstance(name, x509.UniformResourceIdentifier):  # a subclass: the general checks
                kind = x509.UniformResourceIdentifier
            elif isinstance(name, x509.RFC822Name):
                kind = x509.RFC822Name
            elif isinstance(name, x509.OtherName):
                kind = x509.OtherName
            else:
                continue  # a DNS name, an IP address...: not an identity Fulcio issues
        if kind is x509.UniformResourceIdentifier:
            uris.append(name.value)
        elif kind is x509.RFC822Name:
            emails.append(name.value)
        elif name.type_id == OID_OTHERNAME_SAN:
            others.append(name)
    return uris, emails, others


def fulcio_claims(cert: x509.Certificate | SigningCertificate) -> FulcioClaims:
    """Read the SAN and every Fulcio extension; v2 (DER) values win over the deprecated raw ones."""
    return SigningCertificate.of(cert).claims()


def _check_window(not_before: dt.datetime, not_after: dt.datetime, at: dt.datetime, what: str) -> None:
    if not not_before <= at <= not_after:
        raise CertificateError(
            f"{what} is not valid at the signing time: expected {at.isoformat()} within "
            f"[{not_before.isoformat()} .. {not_after.isoformat()}]"
        )


def check_leaf_profile(leaf: x509.Certificate | SigningCertificate) -> None:
    """The leaf must be a code-signing end-entity certificate with no unknown critical extension."""
    SigningCertificate.of(leaf).check_profile()


# -- The trusted root's certificate authorities, prepared once per root --------------------------------------------


@dataclass(frozen=True)
class _PreparedCA:
    """What verifying a leaf against one CA of the root needs that depends on the root alone."""

    ca: CertificateAuthority
    #: Every certificate of the chain is a trust anchor (as the reference client does): the chain itself is
    #: vouched for by the trusted root, its internal links checked once (``broken``).
    store: Store
    #: Subject of the first chain certificate not signed by the next one, or ''.
    broken: str
    #: (subject, not before, not after) of each chain certificate.
    windows: tuple[tuple[str, dt.datetime, dt.datetime], ...]
    #: SHA-256 of each chain certificate's SubjectPublicKeyInfo (RFC 6962 issuer_key_hash); b'' if unreadable.
    key_hashes: tuple[bytes, ...]

    def key_hash(self, issuer: x509.Certificate) -> bytes:
        for cert, digest in zip(self.ca.chain, self.key_hashes, strict=True):
            if cert is issuer and digest:
                return digest
        return _spki_sha256(issuer)


def _spki_sha256(cert: x509.Certificate) -> bytes:
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).digest()


def _broken_link(chain: tuple[x509.Certificate, ...]) -> str:
    for depth in range(len(chain) - 1):
        cert = chain[depth]
        try:
            cert.verify_directly_issued_by(chain[depth + 1])
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            return cert.subject.rfc4514_string()
    return ""


def _prepare_ca(ca: CertificateAuthority) -> _PreparedCA:
    hashes_: list[bytes] = []
    for cert in ca.chain:
        try:
            hashes_.append(_spki_sha256(cert))
        except (ValueError, TypeError, UnsupportedAlgorithm):
            hashes_.append(b"")
    windows = tuple((c.subject.rfc4514_string(), c.not_valid_before_utc, c.not_valid_after_utc) for c in ca.chain)
    return _PreparedCA(ca, Store(list(ca.chain)), _broken_link(ca.chain), windows, tuple(hashes_))


def _prepare_cas(root: TrustedRoot) -> tuple[_PreparedCA, ...]:
    return tuple(_prepare_ca(ca) for ca in root.certificate_authorities)


def _prepared_cas(root: TrustedRoot) -> tuple[_PreparedCA, ...]:
    return root.derived("x509.certificate_authorities", _prepare_cas)


def _policies() -> tuple[ExtensionPolicy, ExtensionPolicy]:
    # RFC 5280 / CA-B-forum-like defaults, except that the ExtendedKeyUsage of a Fulcio leaf is codeSigning
    # (checked by check_leaf_profile), not the serverAuth/clientAuth the web PKI defaults insist on.
    ca_policy = ExtensionPolicy.webpki_defaults_ca().may_be_present(x509.ExtendedKeyUsage,
                                                                     Criticality.NON_CRITICAL, None)
    ee_policy = ExtensionPolicy.webpki_defaults_ee().may_be_present(x509.ExtendedKeyUsage,
                                                                     Criticality.NON_CRITICAL, None)
    return ca_policy, ee_policy


_POLICIES = _policies()


def verify_chain(leaf: x509.Certificate | SigningCertificate, root: TrustedRoot, at: dt.datetime
                 ) -> tuple[CertificateAuthority, x509.Certificate]:
    """Prove ``leaf`` was issued by a certificate authority of ``root`` and everything is valid at ``at``.
    Returns the authority and the certificate that issued ``leaf``.

    Path validation is cryptography's RFC 5280 verifier (signatures, validity of every certificate at ``at``,
    basic constraints, key usage, name constraints, critical extensions); the Fulcio profile of the leaf and
    the trusted root's validity window of each CA are checked here.
    """
    prepared, issuer = _verify_chain(SigningCertificate.of(leaf), root, at)
    return prepared.ca, issuer


def _verify_chain(leaf: SigningCertificate, root: TrustedRoot, at: dt.datetime
                  ) -> tuple[_PreparedCA, x509.Certificate]:
    leaf.check_profile()
    _check_window(*leaf.validity, at, "signing certificate")
    reasons: list[str] = []
    for prepared in _prepared_cas(root):
        ca = prepared.ca
        if not ca.validity.contains(at):
            reasons.append(f"{ca.uri or 'CA'} not valid then {ca.validity.describe()}")
            continue
        verifier = (PolicyBuilder().store(prepared.store).time(at)
                    .extension_policies(ca_policy=_POLICIES[0], ee_policy=_POLICIES[1]).build_client_verifier())
        try:
            path = verifier.verify(leaf.cert, []).chain
        except (X509VerificationError, ValueError, TypeError) as exc:
            reasons.append(f"{ca.uri or 'CA'}: {exc}")
            continue
        if prepared.broken:
            raise CertificateError(f"trusted-root chain of {ca.uri} is broken at {prepared.broken}")
        for subject, not_before, not_after in prepared.windows:
            _check_window(not_before, not_after, at, f"CA certificate {subject}")
        # The issuer as the verified path has it (never looked up by name: names can be duplicated).
        return prepared, path[1]
    detail = "; ".join(reasons) if reasons else "the trusted root has no certificate authority"
    raise CertificateError(f"signing certificate does not chain to a trusted Fulcio CA at "
                           f"{at.isoformat()}: {detail}")


# -- Signed certificate timestamps (RFC 6962 §3.2) ----------------------------------------------------------------


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def verify_embedded_sct(leaf: x509.Certificate | SigningCertificate, issuer: x509.Certificate, root: TrustedRoot
                        ) -> None:
    """At least one embedded SCT must verify under a CT log of ``root`` valid at the SCT's time."""
    _verify_embedded_sct(SigningCertificate.of(leaf), _issuer_key_hash(issuer, root), root)


def _issuer_key_hash(issuer: x509.Certificate, root: TrustedRoot) -> bytes:
    for prepared in _prepared_cas(root):
        if any(cert is issuer for cert in prepared.ca.chain):
            return prepared.key_hash(issuer)
    return _spki_sha256(issuer)


def _verify_embedded_sct(leaf: SigningCertificate, issuer_key_hash: bytes, root: TrustedRoot) -> None:
    scts = leaf.scts()
    try:
        tbs = leaf.cert.tbs_precertificate_bytes
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


# -- The whole certificate check, and its memo for one run ----------------------------------------------------------


class ChainMemo:
    """The certificate checks that passed during one run (one ``verify-release``, one ``verify-artifact`` of a
    multi-document provenance file), so a certificate shared by many documents -- one signing session for many
    files -- has its chain and SCT verified once per verified time instead of once per document.

    Keys are the certificate's exact DER bytes with the verified time (the chain: validity is a matter of time)
    or with the issuer's key hash (the SCT, which no verified time enters). Only passes are kept: a failing
    certificate is checked again, and fails again, every time; another certificate (even one with the same
    subject and claims) or the same one at another time is never matched. A memo is bound to the trusted root
    it was made for and is ignored under any other. Create one per run, pass it down, drop it with the run:
    never keep one in a global, never share one between runs. The run's worker threads may share it (entries
    are only ever added, each one a complete pass; two threads may both do a check, never skip one); the
    counters are then approximate.
    """

    def __init__(self, root: TrustedRoot) -> None:
        self.root = root
        self._chains: dict[tuple[bytes, dt.datetime], tuple[_PreparedCA, x509.Certificate]] = {}
        self._scts: set[tuple[bytes, bytes]] = set()
        #: Chain checks answered from the memo / done in full (for the benchmark and the tests).
        self.hits = 0
        self.misses = 0


def check_signing_certificate(leaf: x509.Certificate | SigningCertificate, root: TrustedRoot,
                              times: tuple[dt.datetime, ...], memo: ChainMemo | None = None) -> None:
    """The certificate chains to a Fulcio CA of ``root``, valid at every one of ``times``, and carries an
    embedded SCT from a CT log of ``root``."""
    signing = SigningCertificate.of(leaf)
    use = memo if memo is not None and memo.root is root else None
    found: tuple[_PreparedCA, x509.Certificate] | None = None
    for moment in times:
        if use is None:
            found = _verify_chain(signing, root, moment)
            continue
        key = (signing.der, moment)
        found = use._chains.get(key)
        if found is None:
            use.misses += 1
            found = _verify_chain(signing, root, moment)
            use._chains[key] = found
        else:
            use.hits += 1
    assert found is not None
    prepared, issuer = found
    issuer_key_hash = prepared.key_hash(issuer)
    if use is not None and (signing.der, issuer_key_hash) in use._scts:
        return
    _verify_embedded_sct(signing, issuer_key_hash, root)
    if use is not None:
        use._scts.add((signing.der, issuer_key_hash))


def _verify_sct_signature(key: PublicKeyTypes | None, signature: bytes, hash_alg: hashes.HashAlgorithm | None,
                          data: bytes) -> None:
    if not isinstance(hash_alg, hashes.SHA256):
        raise InvalidSignature
    if isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, data, _ECDSA_SHA256)
    elif isinstance(key, rsa.RSAPublicKey):
        key.verify(signature, data, _PKCS1V15, _SHA256)
    else:
        raise InvalidSignature


# -- Signatures by a certificate's or a trusted key ---------------------------------------------------------------


# Signature algorithms are immutable: made once, not on every verification.
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())
_ECDSA_SHA384 = ec.ECDSA(hashes.SHA384())
_ECDSA_SHA512 = ec.ECDSA(hashes.SHA512())
_ECDSA_PREHASHED_SHA256 = ec.ECDSA(Prehashed(hashes.SHA256()))
_PKCS1V15 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()
_PREHASHED_SHA256 = Prehashed(hashes.SHA256())


def verify_signature(key: PublicKeyTypes, signature: bytes, data: bytes, what: str = "signature", *,
                     prehashed_sha256: bool = False) -> None:
    """Verify with the algorithm the key implies (ECDSA with the curve's hash, Ed25519, RSA PKCS#1 v1.5).

    With ``prehashed_sha256`` ``data`` is the SHA-256 digest of the signed message (message signatures).
    """
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            if prehashed_sha256:
                algorithm = _ECDSA_PREHASHED_SHA256
            else:
                curve = key.curve
                algorithm = (_ECDSA_SHA384 if isinstance(curve, ec.SECP384R1) else
                             _ECDSA_SHA512 if isinstance(curve, ec.SECP521R1) else _ECDSA_SHA256)
            key.verify(signature, data, algorithm)
        elif isinstance(key, ed25519.Ed25519PublicKey):
            if prehashed_sha256:
                raise InvalidSignatureError(f"{what}: an Ed25519 signature needs the artifact, not its digest")
            key.verify(signature, data)
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, _PKCS1V15, _PREHASHED_SHA256 if prehashed_sha256 else _SHA256)
        else:
            raise InvalidSignatureError(f"{what}: unsupported public key type {type(key).__name__}")
    except InvalidSignature:
        raise InvalidSignatureError(f"{what} does not verify") from None
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise InvalidSignatureError(f"{what} does not verify: {exc}") from None
