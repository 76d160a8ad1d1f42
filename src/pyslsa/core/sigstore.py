"""Sigstore verification of one bundle: who signed what, when, and is it in the log.

The order of checks (each failure raises its own error code):

1. the transparency-log entry is proven: SET and/or inclusion proof with a signed checkpoint, by a log of the
   trusted root -> ``invalid-tlog-entry``
2. every RFC 3161 timestamp verifies -> ``invalid-timestamp``; at least one verified time exists (a bundle
   signed with a trusted key needs none: the key has no validity period)
3. the certificate chains to a Fulcio CA of the trusted root, valid at every verified time, with an embedded
   SCT from a trusted CT log -> ``invalid-certificate``
4. the envelope's (or message) signature verifies under the certificate or key -> ``invalid-signature``
5. the entry's body records exactly this signature, payload and certificate -> ``invalid-tlog-entry``

Before all of these, the certificates a v0.1/v0.2 chain carries after the leaf are judged by the verification
profile the command chose (:mod:`pyslsa.core.profile`): ignored (slsa-verifier), or refused when one is a root
(conformance).

No network, no clock: the verified times come from the evidence itself.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from pyslsa.core.bundle import BUNDLE_V01, Bundle, LegacyEnvelope, TlogEntry, parse_document
from pyslsa.core.dsse import Envelope, Statement
from pyslsa.core.profile import Profile
from pyslsa.core.tlog import SignedDigest, VerifiedEntry, bind_entry, verify_entry
from pyslsa.core.trust import TrustedRoot
from pyslsa.core.x509 import (
    ChainMemo,
    FulcioClaims,
    SigningCertificate,
    check_signing_certificate,
    load_certificate,
    verify_signature,
)
from pyslsa.errors import (
    CertificateError,
    InvalidProvenanceError,
    InvalidTimestampError,
    InvalidTlogEntryError,
    MismatchIdentityError,
    TlogEntryNotFoundError,
)


@dataclass(frozen=True)
class VerifiedSignature:
    """What a verified bundle proves. Every field here has been checked."""

    certificate: x509.Certificate | None
    claims: FulcioClaims | None
    envelope: Envelope | None
    tlog_entry: TlogEntry | None  # None only for a key-signed bundle under a root with no logs
    log_url: str
    integrated_time: dt.datetime | None
    verified_times: tuple[dt.datetime, ...]
    #: What was accepted without being used, for ``--debug`` (e.g. the ignored certificates of a chain).
    notes: tuple[str, ...] = ()

    @property
    def log_index(self) -> int | None:
        return self.tlog_entry.log_index if self.tlog_entry is not None else None

    def statement(self) -> Statement:
        """The envelope's statement, parsed on first use and kept (the envelope is immutable and verified)."""
        return self._statement

    @functools.cached_property
    def _statement(self) -> Statement:
        assert self.envelope is not None
        return Statement.from_envelope(self.envelope)


def check_identity(sig: VerifiedSignature, identity: str, issuer: str) -> None:
    """Exact match of the certificate's SAN (URI or e-mail) and of its OIDC issuer extension (verify-bundle's
    ``--certificate-identity`` / ``--certificate-oidc-issuer``)."""
    claims = sig.claims
    if claims is None:
        raise MismatchIdentityError("bundle is signed with a key, not a certificate: no identity to match")
    if claims.san != identity:
        raise MismatchIdentityError(f"certificate identity: expected {identity!r}, got {claims.san!r}")
    if claims.issuer != issuer:
        raise MismatchIdentityError(f"certificate OIDC issuer: expected {issuer!r}, got {claims.issuer!r}")


def _describe_extra(der: bytes) -> str:
    try:
        cert = load_certificate(der, "chain certificate")
    except CertificateError:
        return f"not an X.509 certificate ({len(der)} bytes)"
    subject = cert.subject.rfc4514_string() or "(empty subject)"
    return subject + (" (self-signed)" if cert.subject == cert.issuer else "")


def check_chain_extras(bundle: Bundle, profile: Profile) -> tuple[str, ...]:
    """Judge the certificates after the leaf of the bundle's chain by ``profile``; returns the debug notes.

    They are never used: the leaf is verified against the trusted root's CA chains. ``SLSA_VERIFIER`` ignores
    them unread, as slsa-verifier (verifiers/internal/gha/bundle.go ``getLeafCertFromBundle``) and sigstore-go
    (pkg/bundle/bundle.go ``VerificationContent``) read ``certificates[0]`` only. ``CONFORMANCE`` requires them
    to be certificates and refuses a root (bundle specification; sigstore-conformance
    ``bundle-with-root-cert_fail``)."""
    if not bundle.chain_extra:
        return ()
    if profile.strict_chain_extras:
        for i, der in enumerate(bundle.chain_extra, start=1):
            where = f"bundle.verificationMaterial.x509CertificateChain.certificates[{i}]"
            cert = load_certificate(der, f"{where} (a chain certificate)")
            if cert.subject == cert.issuer:
                raise InvalidProvenanceError(f"{where}: the chain must not contain a root (self-signed) "
                                             f"certificate ({profile} profile): got "
                                             f"{cert.subject.rfc4514_string()!r}")
    shown = "; ".join(f"[{i}] {_describe_extra(der)}" for i, der in enumerate(bundle.chain_extra, start=1))
    return (f"ignored {len(bundle.chain_extra)} extra chain certificate(s) after the leaf ({profile} profile: "
            f"only the leaf is used, CAs come from the trusted root): {shown}",)


def _single_entry(bundle: Bundle) -> TlogEntry:
    if not bundle.tlog_entries:
        raise TlogEntryNotFoundError("bundle carries no transparency-log entry")
    if len(bundle.tlog_entries) != 1:
        raise InvalidTlogEntryError(f"expected exactly 1 transparency-log entry, got {len(bundle.tlog_entries)}")
    return bundle.tlog_entries[0]


def _prove_entry(bundle: Bundle, entry: TlogEntry, root: TrustedRoot) -> VerifiedEntry:
    return verify_entry(entry, root, require_set=bundle.version == BUNDLE_V01,
                        require_proof=bundle.version != BUNDLE_V01)


def _verified_times(bundle: Bundle, proven: VerifiedEntry, root: TrustedRoot, signature: bytes, *,
                    required: bool) -> tuple[dt.datetime, ...]:
    """The signing times the evidence proves: the SET's integrated time, every verified RFC 3161 time.

    A certificate needs one (``required``): it is only valid for minutes. A trusted key has no validity period,
    so a key-signed bundle may prove no time at all (conformance: intoto-canonical-log-entry); timestamps it
    does carry must still verify."""
    times: list[dt.datetime] = []
    reasons: list[str] = []
    if proven.integrated_time is not None:
        times.append(proven.integrated_time)
    if bundle.rfc3161_timestamps:
        from pyslsa.core.timestamps import verify_timestamps

        stamped, reasons = verify_timestamps(bundle.rfc3161_timestamps, signature, root)
        times.extend(stamped)
    if not times and not required and not reasons:
        return ()
    if not times:
        why = "; ".join(reasons) if reasons else ("the log entry has no signed entry timestamp and the bundle "
                                                  "has no RFC 3161 timestamp")
        raise InvalidTimestampError(f"no verified signing time: {why}")
    if proven.integrated_time is None:
        # No SET (Rekor v2): the log must have been a trusted log at the time the timestamps prove.
        for moment in times:
            if not proven.log.validity.contains(moment):
                raise InvalidTlogEntryError(f"log {proven.log.base_url} was not valid at the signing time: "
                                            f"expected {moment.isoformat()} within {proven.log.validity.describe()}")
    return tuple(times)


def check_certificate(cert: x509.Certificate | SigningCertificate, root: TrustedRoot,
                      times: tuple[dt.datetime, ...], memo: ChainMemo | None = None) -> None:
    check_signing_certificate(cert, root, times, memo)


def _signing_certificate(bundle: Bundle) -> SigningCertificate | None:
    if bundle.signing_certificate is not None and bundle.signing_certificate.cert is bundle.certificate:
        return bundle.signing_certificate
    return SigningCertificate(bundle.certificate) if bundle.certificate is not None else None


def _signer(bundle: Bundle, key: PublicKeyTypes | None, leaf: SigningCertificate | None) -> PublicKeyTypes:
    """The key that must have made the signature: the certificate's, or the caller's trusted key."""
    if key is not None:
        if bundle.certificate is not None:
            raise CertificateError("bundle carries a certificate, but a public key was given to verify it with")
        return key
    if leaf is None:
        raise CertificateError("bundle is signed with a public key, but no trusted key was given")
    return leaf.public_key


def _verifier(leaf: SigningCertificate | None, key_der: bytes | None) -> bytes:
    """What the log entry must name as the verifier: the certificate's DER, or the trusted key's."""
    if leaf is not None:
        return leaf.der
    assert key_der is not None
    return key_der


def _unlogged_key_bundle(bundle: Bundle, root: TrustedRoot, key: PublicKeyTypes | None) -> bool:
    """A bundle signed with a trusted key needs no log when the trusted root has no log at all (a private,
    log-less deployment: the key is the whole trust). With any log in the root, an entry is required."""
    return key is not None and not bundle.tlog_entries and not root.tlogs and not bundle.rfc3161_timestamps


def _verify_signed(bundle: Bundle, signed: Envelope | SignedDigest, root: TrustedRoot, profile: Profile,
                   key: PublicKeyTypes | None, key_der: bytes | None, memo: ChainMemo | None) -> VerifiedSignature:
    """The one skeleton of a bundle's verification (the module docstring's order); ``signed`` is the only
    difference between a DSSE bundle (the envelope: its signature over the PAE) and a message-signature bundle
    (a signature over the artifact's SHA-256)."""
    if isinstance(signed, Envelope):
        signature, data, what, prehashed = signed.signatures[0].sig, signed.pae, "DSSE envelope signature", False
    else:
        signature, data, what, prehashed = signed.signature, signed.digest_sha256, "message signature", True
    envelope = signed if isinstance(signed, Envelope) else None
    notes = check_chain_extras(bundle, profile)
    cert = bundle.certificate
    leaf = _signing_certificate(bundle)
    signer = _signer(bundle, key, leaf)
    if _unlogged_key_bundle(bundle, root, key):
        verify_signature(signer, signature, data, what, prehashed_sha256=prehashed)
        return VerifiedSignature(None, None, envelope, None, "", None, (), notes)
    entry = _single_entry(bundle)
    proven = _prove_entry(bundle, entry, root)
    times = _verified_times(bundle, proven, root, signature, required=cert is not None)
    if leaf is not None:
        check_signing_certificate(leaf, root, times, memo)
    verify_signature(signer, signature, data, what, prehashed_sha256=prehashed)
    bind_entry(entry, signed, _verifier(leaf, key_der))
    return VerifiedSignature(cert, leaf.claims() if leaf is not None else None, envelope, entry,
                             proven.log.base_url, proven.integrated_time, times, notes)


def verify_dsse_bundle(bundle: Bundle, root: TrustedRoot, *, profile: Profile, key: PublicKeyTypes | None = None,
                       key_der: bytes | None = None, memo: ChainMemo | None = None) -> VerifiedSignature:
    """Verify a bundle whose content is a DSSE envelope, signed by a Fulcio certificate (or by ``key``).

    ``memo``: the run's :class:`~pyslsa.core.x509.ChainMemo`, when one run verifies many documents."""
    if bundle.envelope is None:
        raise InvalidProvenanceError("bundle holds a message signature, expected a DSSE envelope")
    return _verify_signed(bundle, bundle.envelope, root, profile, key, key_der, memo)


def verify_message_bundle(bundle: Bundle, digest_sha256: bytes, root: TrustedRoot, *, profile: Profile,
                          key: PublicKeyTypes | None = None, key_der: bytes | None = None,
                          memo: ChainMemo | None = None) -> VerifiedSignature:
    """Verify a ``messageSignature`` bundle over an artifact whose SHA-256 is ``digest_sha256``."""
    msg = bundle.message_signature
    if msg is None:
        raise InvalidProvenanceError("bundle holds a DSSE envelope, expected a message signature")
    return _verify_signed(bundle, SignedDigest(msg.signature, digest_sha256), root, profile, key, key_der, memo)


def verify_legacy_envelope(legacy: LegacyEnvelope, root: TrustedRoot) -> VerifiedSignature:
    """A bare envelope cannot be verified offline: its signing time lives only in Rekor."""
    verify_signature(legacy.certificate.public_key(), legacy.envelope.signatures[0].sig, legacy.envelope.pae,
                     "DSSE envelope signature")
    raise TlogEntryNotFoundError(
        "legacy DSSE envelope carries no transparency-log entry (slsa-github-generator <= v2.0.0 format) and "
        "lookups are off: its Rekor entry must be looked up online (drop --offline), or verify a bundle made "
        "by 'pyslsa upgrade-provenance'"
    )


#: Finds and verifies a legacy envelope's log entry, given the digests of the artifacts it should name: the
#: network edge (sources/rekor.py), handed to the core as a function; None means no lookups.
Resolver = Callable[[LegacyEnvelope, Sequence[str], TrustedRoot], VerifiedSignature]


def verify_document(raw: bytes, root: TrustedRoot, digests: Sequence[str] = (),
                    resolver: Resolver | None = None, *, profile: Profile, memo: ChainMemo | None = None,
                    parsed: dict[str, Any] | None = None) -> VerifiedSignature:
    """One provenance document: a Sigstore bundle with a DSSE envelope, or a legacy envelope whose log entry the
    ``resolver`` finds (without one it fails with ``tlog-entry-not-found``). A legacy envelope carries exactly
    one certificate (as slsa-verifier requires), so the profile's chain rule has nothing to judge there.
    ``parsed``: ``raw``'s JSON when already read (:func:`~pyslsa.core.bundle.parse_document`)."""
    document = parse_document(raw, parsed=parsed)
    if isinstance(document, Bundle):
        return verify_dsse_bundle(document, root, profile=profile, memo=memo)
    if resolver is None:
        return verify_legacy_envelope(document, root)
    return resolver(document, digests, root)


def certificate_der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)
