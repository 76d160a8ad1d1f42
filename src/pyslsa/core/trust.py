"""The Sigstore trusted root: certificate authorities, transparency logs, CT logs and timestamp authorities.

A :class:`TrustedRoot` is parsed once from the ``trusted_root.json`` bytes and is immutable afterwards; the
verification core receives it as an argument. Every authority keeps its validity window, and every lookup is by
the identifier the evidence names (log id, CT log id), never by "the first key we have".
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from pyslsa.core import jsonutil as j
from pyslsa.errors import TrustedRootError, VerificationError

PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey
_T = TypeVar("_T")

TRUSTED_ROOT_MEDIA_TYPES = frozenset(
    {
        "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "application/vnd.dev.sigstore.trustedroot+json;version=0.2",
        "application/vnd.dev.sigstore.trustedroot.v0.1+json",
        "application/vnd.dev.sigstore.trustedroot.v0.2+json",
    }
)

# Key details we can verify with, and the curve / key type each implies.
_EC_DETAILS: dict[str, type[ec.EllipticCurve]] = {
    "PKIX_ECDSA_P256_SHA_256": ec.SECP256R1,
    "PKIX_ECDSA_P384_SHA_384": ec.SECP384R1,
    "PKIX_ECDSA_P521_SHA_512": ec.SECP521R1,
}
_RSA_DETAILS = frozenset(
    {
        "PKCS1_RSA_PKCS1V5",
        "PKIX_RSA_PKCS1V5",
        "PKIX_RSA_PKCS1V15_2048_SHA256",
        "PKIX_RSA_PKCS1V15_3072_SHA256",
        "PKIX_RSA_PKCS1V15_4096_SHA256",
    }
)
_ED_DETAILS = frozenset({"PKIX_ED25519"})


def parse_time(value: str, path: str) -> dt.datetime:
    """RFC 3339 timestamp as protobuf JSON writes it (``Z`` or an offset, optional fraction)."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise TrustedRootError(f"{path}: not an RFC 3339 timestamp: {value!r}") from None
    if moment.tzinfo is None:
        raise TrustedRootError(f"{path}: timestamp without a time zone: {value!r}")
    return moment.astimezone(dt.timezone.utc)


@dataclass(frozen=True)
class ValidityWindow:
    start: dt.datetime
    end: dt.datetime | None = None

    def contains(self, moment: dt.datetime) -> bool:
        return self.start <= moment and (self.end is None or moment <= self.end)

    def describe(self) -> str:
        end = self.end.isoformat() if self.end else "open-ended"
        return f"[{self.start.isoformat()} .. {end}]"


@dataclass(frozen=True)
class KeyAuthority:
    """A transparency log or CT log: a public key, its id, and when it may be used."""

    base_url: str
    log_id: bytes
    key_details: str
    key: PublicKey | None  # None: a key we cannot use (unknown details); entries naming it fail closed
    unusable_reason: str
    validity: ValidityWindow
    key_der: bytes = b""

    @property
    def log_id_hex(self) -> str:
        return self.log_id.hex()


@dataclass(frozen=True)
class CertificateAuthority:
    """A certificate chain (issuer-most last) and its validity window in the trusted root."""

    uri: str
    chain: tuple[x509.Certificate, ...]
    validity: ValidityWindow


@dataclass(frozen=True)
class TrustedRoot:
    certificate_authorities: tuple[CertificateAuthority, ...]
    tlogs: tuple[KeyAuthority, ...]
    ctlogs: tuple[KeyAuthority, ...]
    timestamp_authorities: tuple[CertificateAuthority, ...]
    media_type: str = ""
    _tlog_by_id: dict[bytes, list[KeyAuthority]] = field(default_factory=dict, repr=False, compare=False)
    _ctlog_by_id: dict[bytes, list[KeyAuthority]] = field(default_factory=dict, repr=False, compare=False)
    _derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for log in self.tlogs:
            self._tlog_by_id.setdefault(log.log_id, []).append(log)
        for log in self.ctlogs:
            self._ctlog_by_id.setdefault(log.log_id, []).append(log)

    def tlogs_for(self, log_id: bytes) -> Sequence[KeyAuthority]:
        return self._tlog_by_id.get(log_id, ())

    def ctlogs_for(self, log_id: bytes) -> Sequence[KeyAuthority]:
        return self._ctlog_by_id.get(log_id, ())

    def derived(self, name: str, build: Callable[[TrustedRoot], _T]) -> _T:
        """``build(self)``, computed on first use and kept with this root for its lifetime.

        For what follows from the root alone and is the same on every call (verifier stores built, the CA
        chains' own signatures checked, key hashes), so each verification does only the work its evidence
        needs. The root is immutable, so the result can never be stale; it is never a verdict on evidence.
        """
        try:
            return self._derived[name]  # type: ignore[no-any-return]
        except KeyError:
            value = build(self)
            return self._derived.setdefault(name, value)  # type: ignore[no-any-return]

    # -- construction --------------------------------------------------------------------------------------------

    @classmethod
    def from_json(cls, data: bytes | str) -> TrustedRoot:
        """Parse a ``trusted_root.json`` (TrustedRoot v0.1/v0.2) or a ClientTrustConfig holding one."""
        try:
            doc = j.loads(data, "trusted root")
        except VerificationError as exc:
            raise TrustedRootError(str(exc)) from None
        try:
            return _parse_trusted_root(doc)
        except VerificationError as exc:  # jsonutil raises InvalidProvenanceError for shape errors
            raise TrustedRootError(f"trusted root: {exc}") from None

    @classmethod
    def production(cls) -> TrustedRoot:
        """The Sigstore public-good trusted root shipped with pyslsa (no network)."""
        return _bundled("production")

    @classmethod
    def staging(cls) -> TrustedRoot:
        """The Sigstore staging trusted root shipped with pyslsa (no network)."""
        return _bundled("staging")


@functools.lru_cache(maxsize=4)
def _bundled(name: str) -> TrustedRoot:
    from importlib.resources import files

    data = files("pyslsa").joinpath("data").joinpath(f"trusted_root.{name}.json").read_bytes()
    return TrustedRoot.from_json(data)


def _parse_validity(o: dict[str, Any], path: str) -> ValidityWindow:
    vf = j.opt_obj(o, "validFor", path)
    if vf is None:
        raise TrustedRootError(f"{path}: missing validFor")
    start = j.opt_str(vf, "start", f"{path}.validFor")
    if not start:
        raise TrustedRootError(f"{path}.validFor: missing start")
    end = j.opt_str(vf, "end", f"{path}.validFor")
    window = ValidityWindow(
        parse_time(start, f"{path}.validFor.start"),
        parse_time(end, f"{path}.validFor.end") if end else None,
    )
    if window.end is not None and window.end < window.start:
        raise TrustedRootError(f"{path}.validFor: end is before start")
    return window


def load_public_key(der: bytes, details: str) -> tuple[PublicKey | None, str]:
    """Load a DER SubjectPublicKeyInfo, checking it is of the kind ``details`` declares."""
    try:
        key = serialization.load_der_public_key(der)
    except (ValueError, UnsupportedAlgorithm) as exc:
        return None, f"public key does not parse: {exc}"
    if details in _EC_DETAILS:
        if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, _EC_DETAILS[details]):
            return None, f"public key is not of the declared kind {details}"
        return key, ""
    if details in _ED_DETAILS:
        if not isinstance(key, ed25519.Ed25519PublicKey):
            return None, f"public key is not of the declared kind {details}"
        return key, ""
    if details in _RSA_DETAILS:
        if not isinstance(key, rsa.RSAPublicKey) or key.key_size < 2048:
            return None, f"public key is not of the declared kind {details}"
        return key, ""
    return None, f"unsupported key details {details!r}"


def _parse_key_authority(o: Any, path: str) -> KeyAuthority:
    o = j.obj(o, path)
    base_url = j.opt_str(o, "baseUrl", path) or ""
    pk = j.get_obj(o, "publicKey", path)
    raw = j.get_b64(pk, "rawBytes", f"{path}.publicKey")
    details = j.opt_str(pk, "keyDetails", f"{path}.publicKey") or "PUBLIC_KEY_DETAILS_UNSPECIFIED"
    validity = _parse_validity(pk, f"{path}.publicKey")
    log_id_obj = j.get_obj(o, "logId", path)
    log_id = j.get_b64(log_id_obj, "keyId", f"{path}.logId")
    key, reason = load_public_key(raw, details)
    if key is not None and details not in _ED_DETAILS and hashlib.sha256(raw).digest() != log_id:
        # For ECDSA/RSA logs the id is the SHA-256 of the DER key; a mismatch means a broken root.
        key, reason = None, "logId.keyId is not the SHA-256 of the public key"
    return KeyAuthority(base_url, log_id, details, key, reason, validity, raw)


def _parse_ca(o: Any, path: str) -> CertificateAuthority:
    o = j.obj(o, path)
    raw_certs = _chain_list(o, path)
    if not raw_certs:
        raise TrustedRootError(f"{path}.certChain: no certificates")
    certs = []
    for i, c in enumerate(raw_certs):
        der = j.get_b64(j.obj(c, f"{path}.certChain.certificates[{i}]"), "rawBytes",
                        f"{path}.certChain.certificates[{i}]")
        try:
            certs.append(x509.load_der_x509_certificate(der))
        except (ValueError, x509.InvalidVersion) as exc:
            raise TrustedRootError(f"{path}.certChain.certificates[{i}]: not a certificate: {exc}") from None
    return CertificateAuthority(j.opt_str(o, "uri", path) or "", tuple(certs), _parse_validity(o, path))


def _chain_list(o: dict[str, Any], path: str) -> list[Any]:
    return j.get_list(j.get_obj(o, "certChain", path), "certificates", f"{path}.certChain")


def _parse_tsas(doc: dict[str, Any]) -> tuple[CertificateAuthority, ...]:
    """Timestamp authorities. One with no certificate can verify no token, so it is left out (as the
    specification advises; it must never lend its validity window to another authority's token:
    conformance rekor2-timestamp-wrong-tsa-validity-borrow_fail)."""
    tsas = []
    for i, c in enumerate(j.opt_list(doc, "timestampAuthorities", "$")):
        path = f"$.timestampAuthorities[{i}]"
        if not _chain_list(j.obj(c, path), path):
            continue
        tsas.append(_parse_ca(c, path))
    return tuple(tsas)


def _parse_trusted_root(doc: Any) -> TrustedRoot:
    doc = j.obj(doc, "$")
    media_type = j.opt_str(doc, "mediaType", "$") or ""
    if media_type.startswith("application/vnd.dev.sigstore.clienttrustconfig"):
        doc = j.get_obj(doc, "trustedRoot", "$")
        media_type = j.opt_str(doc, "mediaType", "$.trustedRoot") or ""
    if media_type not in TRUSTED_ROOT_MEDIA_TYPES:
        raise TrustedRootError(f"unsupported trusted root media type: expected one of "
                               f"{sorted(TRUSTED_ROOT_MEDIA_TYPES)}, got {media_type!r}")
    cas = tuple(_parse_ca(c, f"$.certificateAuthorities[{i}]")
                for i, c in enumerate(j.opt_list(doc, "certificateAuthorities", "$")))
    tsas = _parse_tsas(doc)
    tlogs = tuple(_parse_key_authority(t, f"$.tlogs[{i}]") for i, t in enumerate(j.opt_list(doc, "tlogs", "$")))
    ctlogs = tuple(_parse_key_authority(t, f"$.ctlogs[{i}]")
                   for i, t in enumerate(j.opt_list(doc, "ctlogs", "$")))
    return TrustedRoot(cas, tlogs, ctlogs, tsas, media_type)
