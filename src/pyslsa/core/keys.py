"""DSSE envelopes signed with a plain key (no certificate, no transparency log): signing keys, key ids, signing,
and verification with slsa-verifier's ``verify-vsa`` semantics.

slsa-verifier verifies such an envelope with go-securesystemslib's ``dsse.EnvelopeVerifier`` around a
sigstore/sigstore ``signature.Verifier`` (``verifiers/internal/vsa/verifier.go`` verifyEnvelopeSignature). Their
rules, reproduced here:

* The envelope passes when **one** of its signatures verifies (threshold 1). A signature with a ``keyid`` is only
  tried when that id equals the expected key id; a signature without a ``keyid`` is always tried.
  (go-securesystemslib ``dsse/verify.go`` VerifyAndDecode.)
* The expected key id is the one the user gives (``--public-key-id``); when none is given, go-securesystemslib
  computes ``SHA256KeyID``: the OpenSSH ``SHA256:`` fingerprint of the key (``ssh.FingerprintSHA256``). pyslsa
  also accepts, then, its own default key id (:func:`default_keyid`, the hex SHA-256 of the key's DER), so that a
  VSA pyslsa signed without ``--vsa-key-id`` verifies without ``--public-key-id``.
* The hash follows the key (``cli/slsa-verifier/verify/verify_vsa.go`` determineSignatureHashAlgo): ECDSA P-256
  SHA-256, P-384 SHA-384, P-521 SHA-512; RSA PKCS#1 v1.5 SHA-256; Ed25519 pure.
* An ECDSA signature is ASN.1 DER, or IEEE P1363 ``r || s`` when it does not parse as ASN.1 (sigstore/sigstore
  ``pkg/signature/ecdsa.go`` VerifySignature). slsa-verifier's own VSA vector is signed in P1363.

Signing writes what Go's ``ecdsa.SignASN1`` writes (DER) for ECDSA P-256 / P-384, and pure Ed25519.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from pyslsa.core import pem
from pyslsa.core.dsse import Envelope, Signature
from pyslsa.core.trust import PublicKey
from pyslsa.core.x509 import verify_signature
from pyslsa.errors import InvalidSignatureError, UsageError

SigningKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey

#: The curves pyslsa signs with, and the hash each one uses.
_SIGNING_CURVES: dict[type[ec.EllipticCurve], hashes.HashAlgorithm] = {
    ec.SECP256R1: hashes.SHA256(),
    ec.SECP384R1: hashes.SHA384(),
}


# -- Loading a signing key ----------------------------------------------------------------------------------------


def load_private_key_pem(data: bytes, password: bytes | None = None, what: str = "signing key") -> SigningKey:
    """A PEM private key (PKCS#8 ``PRIVATE KEY``, SEC 1 ``EC PRIVATE KEY``, or their encrypted forms with
    ``password``) of a kind pyslsa signs with: ECDSA P-256, ECDSA P-384 or Ed25519. Anything else: UsageError."""
    try:
        try:
            key = serialization.load_pem_private_key(data, password=password)
        except TypeError as exc:
            # A password for a key that is not encrypted (e.g. one set for every run): the key is still the key.
            if password is None or "not encrypted" not in str(exc):
                raise
            key = serialization.load_pem_private_key(data, password=None)
    except TypeError as exc:  # encrypted without a password
        raise UsageError(f"{what} is encrypted and no password was given: {exc}") from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if password is not None and ("password" in msg.lower() or _encrypted_pem(data)):
            # A wrong password decrypts to garbage whose padding is valid about once in 256 tries: the error is
            # then about the key's encoding, not the password, but for an encrypted key it is the same mistake.
            raise UsageError(f"{what}: wrong password, or a damaged key ({msg})") from None
        if b"-----BEGIN PUBLIC KEY-----" in data or b"-----BEGIN RSA PUBLIC KEY-----" in data:
            msg = "it holds a public key (the half verify-vsa's --public-key-path takes)"
        raise UsageError(f"{what} is not a PEM private key (PKCS#8 or SEC 1): {msg}") from None
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if type(key.curve) not in _SIGNING_CURVES:
            raise UsageError(f"{what}: expected an ECDSA P-256 or P-384 key, got curve {key.curve.name}")
        return key
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key
    raise UsageError(f"{what}: expected an ECDSA P-256, ECDSA P-384 or Ed25519 key, got {type(key).__name__}")


def _encrypted_pem(data: bytes) -> bool:
    """PKCS#8 ``ENCRYPTED PRIVATE KEY``, or a traditional (SEC 1) key with ``Proc-Type: 4,ENCRYPTED``."""
    return b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in data or b"Proc-Type: 4,ENCRYPTED" in data


# -- Loading a verification key -----------------------------------------------------------------------------------


def load_public_key_pem(data: bytes, flag: str = "--key") -> tuple[PublicKeyTypes, bytes]:
    """The key and its SubjectPublicKeyInfo DER, read as cosign and sigstore-go read ``--key`` (sigstore
    ``cryptoutils.UnmarshalPEMToPublicKey``): Go's PEM rules (:mod:`pyslsa.core.pem`; e.g. base64 whose last
    character has non-zero unused bits is accepted, as Go's decoder accepts it), then Go's DER rules as far as
    re-encoding the key must give back the same bytes (``PUBLIC KEY``: PKIX, ``RSA PUBLIC KEY``: PKCS #1).
    A file that is not such a key is a usage error (exit 2), naming ``flag``. (verify-vsa's
    ``--public-key-path`` is read the same way: slsa-verifier uses the same function.) Any PKIX key is returned,
    as Go returns it: one that no verifier supports (DSA, X25519...) fails later as ``invalid-signature``."""
    try:
        kind, der = pem.public_key_der(data)
    except pem.PemError as exc:
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


# -- Key ids ------------------------------------------------------------------------------------------------------


def _public(key: PublicKeyTypes) -> PublicKey:
    if isinstance(key, (ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey, rsa.RSAPublicKey)):
        return key
    raise UsageError(f"unsupported public key type {type(key).__name__}")


def public_key_der(key: PublicKeyTypes) -> bytes:
    """The SubjectPublicKeyInfo DER of a public key."""
    return _public(key).public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def default_keyid(key: PublicKeyTypes) -> str:
    """pyslsa's default DSSE key id: the hex SHA-256 of the public key's SubjectPublicKeyInfo DER."""
    return hashlib.sha256(public_key_der(key)).hexdigest()


def ssh_fingerprint_keyid(key: PublicKeyTypes) -> str | None:
    """go-securesystemslib's ``SHA256KeyID``: ``SHA256:`` and the unpadded base64 SHA-256 of the key's SSH wire
    encoding (what ``ssh-keygen -l`` prints). None for a key SSH cannot encode (go-securesystemslib then has no
    default id and tries every signature)."""
    try:
        line = _public(key).public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        wire = base64.b64decode(line.split()[1])
    except (UsageError, ValueError, TypeError, IndexError, UnsupportedAlgorithm):
        return None
    return "SHA256:" + base64.b64encode(hashlib.sha256(wire).digest()).decode().rstrip("=")


# -- Signing ------------------------------------------------------------------------------------------------------


def sign_envelope(payload_type: str, payload: bytes, key: SigningKey, keyid: str | None = None) -> Envelope:
    """A DSSE envelope over ``payload`` with one signature by ``key``; ``keyid`` None: :func:`default_keyid`."""
    env = Envelope(payload_type, payload, ())
    if isinstance(key, ed25519.Ed25519PrivateKey):
        sig = key.sign(env.pae)
    else:
        sig = key.sign(env.pae, ec.ECDSA(_SIGNING_CURVES[type(key.curve)]))
    kid = default_keyid(key.public_key()) if keyid is None else keyid
    return Envelope(payload_type, payload, (Signature(sig, kid),))


def envelope_json(env: Envelope) -> bytes:
    """The envelope as one line of JSON (no newline), in the field order of slsa-verifier's VSA vector."""
    doc = {
        "payload": base64.b64encode(env.payload).decode(),
        "payloadType": env.payload_type,
        "signatures": [{"sig": base64.b64encode(s.sig).decode(), "keyid": s.keyid} for s in env.signatures],
    }
    return json.dumps(doc, separators=(",", ":")).encode()


# -- Verifying ----------------------------------------------------------------------------------------------------


def _asn1_prefix(sig: bytes) -> bool:
    """Would Go's ``asn1.Unmarshal`` read a SEQUENCE of two INTEGERs at the start of ``sig``? (It ignores what
    follows; sigstore then takes the DER path, whose strict check rejects anything but exact DER.)"""

    def tlv(data: bytes, at: int, tag: int) -> int | None:
        if at + 2 > len(data) or data[at] != tag:
            return None
        length, at = data[at + 1], at + 2
        if length & 0x80:
            n = length & 0x7F
            if n == 0 or n > 4 or at + n > len(data):
                return None
            length, at = int.from_bytes(data[at:at + n], "big"), at + n
        end = at + length
        return end if end <= len(data) else None

    if tlv(sig, 0, 0x30) is None:
        return False
    hdr = 2 + (sig[1] & 0x7F if sig[1] & 0x80 else 0)
    first = tlv(sig, hdr, 0x02)
    return first is not None and tlv(sig, first, 0x02) is not None


def ecdsa_signature_der(sig: bytes) -> bytes:
    """A DER ECDSA signature as is; an IEEE P1363 ``r || s`` one converted to DER (sigstore accepts both)."""
    try:
        decode_dss_signature(sig)
        return sig
    except ValueError:
        pass
    if _asn1_prefix(sig):
        return sig  # Go reads it as ASN.1 and its strict DER check fails: so does ours
    if not sig or len(sig) > 132 or len(sig) % 2:
        raise InvalidSignatureError(f"ECDSA signature is neither ASN.1 DER nor IEEE P1363 ({len(sig)} bytes)")
    half = len(sig) // 2
    return encode_dss_signature(int.from_bytes(sig[:half], "big"), int.from_bytes(sig[half:], "big"))


def expected_keyids(key: PublicKeyTypes, public_key_id: str | None) -> tuple[str, ...]:
    """The key ids a signature may carry to be tried with ``key`` (see the module docstring)."""
    if public_key_id:
        return (public_key_id,)
    ssh = ssh_fingerprint_keyid(key)
    return (ssh, default_keyid(key)) if ssh is not None else ()


def verify_envelope_with_key(env: Envelope, key: PublicKeyTypes, public_key_id: str | None,
                             what: str = "DSSE envelope signature") -> Signature:
    """The first signature of ``env`` that ``key`` made and whose key id is acceptable; InvalidSignatureError
    (slsa-verifier ErrorNoValidSignature) naming the expected and found key ids otherwise."""
    wanted = expected_keyids(key, public_key_id)
    tried = 0
    for s in env.signatures:
        if s.keyid and wanted and s.keyid not in wanted:
            continue
        tried += 1
        sig = s.sig
        if isinstance(key, ec.EllipticCurvePublicKey):
            try:
                sig = ecdsa_signature_der(sig)
            except InvalidSignatureError:
                continue
        try:
            verify_signature(key, sig, env.pae, what)
        except InvalidSignatureError:
            continue
        return s
    if not tried:
        got = ", ".join(repr(s.keyid) for s in env.signatures)
        expected = " or ".join(repr(k) for k in wanted)
        source = "--public-key-id" if public_key_id else "the key's default ids"
        raise InvalidSignatureError(f"no valid signature: signature keyid expected {expected} ({source}), "
                                    f"got {got}")
    raise InvalidSignatureError(f"no valid signature: {what} does not verify with the given public key "
                                f"({tried} signature(s) tried)")
