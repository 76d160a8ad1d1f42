"""Transparency-log (Rekor) entries: signed entry timestamps, inclusion proofs, checkpoints, and entry bodies.

Everything here is pure: bytes and a :class:`~pyslsa.core.trust.TrustedRoot` in, a verdict out.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from pyslsa.core import jsonutil as j
from pyslsa.core import pem
from pyslsa.core.bundle import InclusionProof, TlogEntry
from pyslsa.core.dsse import Envelope
from pyslsa.core.trust import KeyAuthority, TrustedRoot
from pyslsa.core.x509 import load_certificate, verify_signature
from pyslsa.errors import (
    CertificateError,
    InvalidSignatureError,
    InvalidTlogEntryError,
    VerificationError,
)

_SIG_PREFIX = "\u2014 "  # "— " starts every signature line of a signed note
_SIZE = re.compile(r"0|[1-9][0-9]{0,18}")  # ASCII digits only (str.isdigit would take any script's digits)

#: Entry kinds of Rekor v2 (tile logs): no signed entry timestamp, no integrated time.
REKOR_V2_KINDS = frozenset({("dsse", "0.0.2"), ("hashedrekord", "0.0.2")})


def _fail(msg: str) -> InvalidTlogEntryError:
    return InvalidTlogEntryError(msg)


# -- Merkle trees (RFC 6962 / RFC 9162) -----------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: tuple[bytes, ...]) -> bytes:
    """RFC 9162 §2.1.3.2: the root a proof leads to; raises when the proof's shape is wrong."""
    if size <= 0 or index >= size:
        raise _fail(f"inclusion proof: leaf index {index} is not inside a tree of size {size}")
    fn, sn, r = index, size - 1, leaf
    sha256 = hashlib.sha256
    for p in proof:
        if sn == 0:
            raise _fail("inclusion proof has more hashes than the tree size allows")
        if fn & 1 or fn == sn:
            r = sha256(b"\x01" + p + r).digest()
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = sha256(b"\x01" + r + p).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise _fail("inclusion proof has fewer hashes than the tree size needs")
    return r


# -- Signed notes / checkpoints ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedCheckpoint:
    origin: str
    tree_size: int
    root_hash: bytes
    other: tuple[str, ...]
    body: bytes
    signatures: tuple[tuple[str, bytes, bytes], ...]  # (name, key hint, signature)


def parse_checkpoint(text: str) -> SignedCheckpoint:
    sep = text.find("\n\n")
    if sep < 0:
        raise _fail("checkpoint is not a signed note (no blank line before the signatures)")
    body, sig_block = text[: sep + 1], text[sep + 2:]
    lines = body.split("\n")[:-1]
    if len(lines) < 3:
        raise _fail("checkpoint body must have an origin, a tree size and a root hash")
    origin, size_s, root_s = lines[0], lines[1], lines[2]
    if not origin or not _SIZE.fullmatch(size_s):
        raise _fail(f"checkpoint has a bad origin or tree size line: {size_s!r}")
    try:
        root = base64.b64decode(root_s, validate=True)
    except (binascii.Error, ValueError):
        raise _fail("checkpoint root hash is not base64") from None
    if len(root) != 32:
        raise _fail(f"checkpoint root hash: expected 32 bytes, got {len(root)}")
    sigs: list[tuple[str, bytes, bytes]] = []
    if not sig_block.endswith("\n"):
        raise _fail("checkpoint signature block does not end with a newline")
    for line in sig_block[:-1].split("\n"):
        if not line.startswith(_SIG_PREFIX):
            raise _fail(f"checkpoint has a malformed signature line: {line[:60]!r}")
        parts = line[len(_SIG_PREFIX):].split(" ")
        if len(parts) != 2 or not parts[0]:
            raise _fail(f"checkpoint has a malformed signature line: {line[:60]!r}")
        try:
            blob = base64.b64decode(parts[1], validate=True)
        except (binascii.Error, ValueError):
            raise _fail("checkpoint signature is not base64") from None
        if len(blob) < 5:
            raise _fail("checkpoint signature is too short")
        sigs.append((parts[0], blob[:4], blob[4:]))
    if not sigs:
        raise _fail("checkpoint carries no signature")
    return SignedCheckpoint(origin, int(size_s), root, tuple(lines[3:]), body.encode("utf-8"), tuple(sigs))


#: sigstore-go (pkg/verify/tlog.go ``hasRekorV1STH``): a checkpoint is a Rekor v1 signed tree head when its text
#: has at least 4 lines and its first line matches ``.* - [0-9]+$`` (``<hostname> - <tree id>``).
_V1_STH_ORIGIN = re.compile(r"(.*) - [0-9]+\Z", re.DOTALL)


def rekor_v1_origin_name(text: str) -> str | None:
    """The hostname a Rekor v1 checkpoint's origin names (``rekor.sigstore.dev - 1193050959916656506`` ->
    ``rekor.sigstore.dev``), or None when the checkpoint is not Rekor v1-shaped by sigstore-go's rule."""
    lines = text.split("\n")
    if len(lines) < 4:
        return None
    m = _V1_STH_ORIGIN.fullmatch(lines[0])
    return m.group(1) if m else None


def go_url_hostname(url: str) -> str:
    """Go's ``url.Parse(url).Hostname()``: the host without port or IPv6 brackets, case kept (Python's
    ``urlsplit().hostname`` lowercases it, so it is not used: the checkpoint origin is compared exactly)."""
    host = urlsplit(url).netloc.rpartition("@")[2]
    head, colon, port = host.rpartition(":")
    if colon and port.isascii() and (port == "" or port.isdigit()):
        host = head
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host


def verify_checkpoint(text: str, log: KeyAuthority) -> SignedCheckpoint:
    """Parse a checkpoint and require the log's signature on it.

    Which name the checkpoint must carry follows sigstore-go (pkg/verify/tlog.go ``VerifyTlogEntry``):

    * a Rekor v1 signed tree head (``rekor_v1_origin_name``: origin ``<hostname> - <tree id>``) is checked by its
      signature under the log's key only; its hostname is Rekor's own configuration (``rekor_server.hostname``,
      by default the machine's name), not necessarily the host of the URL the log is served from, and
      sigstore-go does not compare it with anything (rekor pkg/verify ``VerifyCheckpointSignature``);
    * any other checkpoint (Rekor v2: the origin is the bare host) must have the origin
      ``Hostname(baseUrl)`` of the trusted root's log (rekor-tiles note verifier); a log without ``baseUrl``
      cannot verify one.

    Signature lines count when their key hint is the log id's and their (unsigned) name is the origin's name
    (for Rekor v1 the hostname, which Rekor signs under: rekor pkg/util ``CreateAndSignCheckpoint``); others
    (witness cosignatures) are ignored. At least one must be there, and every one of them must verify.
    """
    cp = parse_checkpoint(text)
    assert log.key is not None
    hint = log.log_id[:4]
    v1_name = rekor_v1_origin_name(text)
    if v1_name is not None:
        name = v1_name
    else:
        if not log.base_url:
            raise _fail(f"checkpoint origin {cp.origin!r} is not a Rekor v1 one (<host> - <tree id>), and the "
                        f"trusted root gives no baseUrl for the log to name it")
        name = go_url_hostname(log.base_url)
        if cp.origin != name:
            raise _fail(f"checkpoint origin does not name the log: expected {name!r}, got {cp.origin!r}")
    candidates = [s for s in cp.signatures if s[1] == hint and s[0] == name]
    if not candidates:
        raise _fail(f"checkpoint is not signed by the log: expected a signature by {name!r} with key hint "
                    f"{hint.hex()}, got {', '.join(f'{s[0]} {s[1].hex()}' for s in cp.signatures)}")
    for _name, _hint, sig in candidates:
        try:
            verify_signature(log.key, sig, cp.body, "checkpoint signature")
        except InvalidSignatureError:
            raise _fail(f"checkpoint signature by {log.base_url or name} does not verify") from None
    return cp


# -- Entry verification -----------------------------------------------------------------------------------------


def find_log(entry: TlogEntry, root: TrustedRoot) -> KeyAuthority:
    logs = root.tlogs_for(entry.log_id)
    if not logs:
        raise _fail(f"log entry is from an unknown transparency log: logId {entry.log_id.hex()} is not in "
                    f"the trusted root")
    usable = [log for log in logs if log.key is not None]
    if not usable:
        raise _fail(f"the trusted root's key for log {entry.log_id.hex()} is unusable: {logs[0].unusable_reason}")
    return usable[0]


def set_payload(entry: TlogEntry) -> bytes:
    """What a signed entry timestamp signs: the canonical JSON (RFC 8785) of body, integratedTime, logID and
    logIndex. Written out directly: the keys are fixed and sorted, the values integers, base64 and hex (nothing
    to escape), so this is exactly ``jsonutil.canonical`` of the same object."""
    body = entry.canonicalized_body_b64 or base64.b64encode(entry.canonicalized_body).decode()
    return (f'{{"body":"{body}","integratedTime":{entry.integrated_time:d},"logID":"{entry.log_id.hex()}",'
            f'"logIndex":{entry.log_index:d}}}').encode()


def verify_set(entry: TlogEntry, log: KeyAuthority) -> None:
    assert entry.signed_entry_timestamp is not None and log.key is not None
    payload = set_payload(entry)
    try:
        verify_signature(log.key, entry.signed_entry_timestamp, payload, "signed entry timestamp")
    except InvalidSignatureError:
        raise _fail(f"signed entry timestamp (SET) does not verify under the key of "
                    f"{log.base_url or log.log_id_hex}") from None


def verify_inclusion_proof(entry: TlogEntry, proof: InclusionProof, log: KeyAuthority) -> SignedCheckpoint:
    computed = root_from_inclusion_proof(proof.log_index, proof.tree_size, leaf_hash(entry.canonicalized_body),
                                         proof.hashes)
    if computed != proof.root_hash:
        raise _fail(f"inclusion proof does not lead to its root hash: expected {proof.root_hash.hex()}, "
                    f"got {computed.hex()}")
    if proof.checkpoint is None:
        raise _fail("inclusion proof has no signed checkpoint")
    cp = verify_checkpoint(proof.checkpoint.envelope, log)
    if cp.tree_size != proof.tree_size or cp.root_hash != proof.root_hash:
        raise _fail(f"checkpoint does not match the inclusion proof: expected size {proof.tree_size} root "
                    f"{proof.root_hash.hex()}, got size {cp.tree_size} root {cp.root_hash.hex()}")
    return cp


@dataclass(frozen=True)
class VerifiedEntry:
    entry: TlogEntry
    log: KeyAuthority
    integrated_time: dt.datetime | None  # set only when a SET vouches for it
    checkpoint: SignedCheckpoint | None


def verify_entry(entry: TlogEntry, root: TrustedRoot, *, require_set: bool, require_proof: bool) -> VerifiedEntry:
    """Prove the entry is in the log: its SET and/or its inclusion proof with a signed checkpoint."""
    log = find_log(entry, root)
    if entry.signed_entry_timestamp is None and entry.inclusion_proof is None:
        raise _fail("log entry carries neither a signed entry timestamp nor an inclusion proof")
    if require_set and entry.signed_entry_timestamp is None:
        raise _fail("log entry lacks the signed entry timestamp this bundle version requires")
    if require_proof and entry.inclusion_proof is None:
        raise _fail("log entry lacks the inclusion proof this bundle version requires")
    integrated: dt.datetime | None = None
    if entry.signed_entry_timestamp is not None and (entry.kind, entry.version) in REKOR_V2_KINDS:
        raise _fail(f"a {entry.kind} {entry.version} entry (Rekor v2) carries no signed entry timestamp")
    if entry.signed_entry_timestamp is not None:
        verify_set(entry, log)
        integrated = dt.datetime.fromtimestamp(entry.integrated_time, dt.timezone.utc)
        if not log.validity.contains(integrated):
            raise _fail(f"log key of {log.base_url} was not valid at the integrated time: expected "
                        f"{integrated.isoformat()} within {log.validity.describe()}")
    cp = None
    if entry.inclusion_proof is not None:
        if (entry.kind, entry.version) in REKOR_V2_KINDS and entry.log_index != entry.inclusion_proof.log_index:
            # A Rekor v2 shard has no global index: the entry's index is its leaf index (what rekor-tiles checks).
            raise _fail(f"log index of a {entry.kind} {entry.version} entry (Rekor v2): expected the inclusion "
                        f"proof's {entry.inclusion_proof.log_index}, got {entry.log_index}")
        cp = verify_inclusion_proof(entry, entry.inclusion_proof, log)
    return VerifiedEntry(entry, log, integrated, cp)


# -- Entry bodies: bind the log entry to *this* signature and certificate ---------------------------------------


def _body(entry: TlogEntry) -> dict[str, Any]:
    try:
        doc = j.obj(j.loads(entry.canonicalized_body, "log entry body", InvalidTlogEntryError), "body")
        kind = j.get_str(doc, "kind", "body")
        api = j.get_str(doc, "apiVersion", "body")
        spec = j.get_obj(doc, "spec", "body")
    except VerificationError as exc:
        raise _fail(f"log entry body is malformed: {exc}") from None
    if (kind, api) != (entry.kind, entry.version):
        raise _fail(f"log entry body kind: expected {entry.kind} {entry.version}, got {kind} {api}")
    return spec


def _b64_pem_certificate(der: bytes) -> str:
    """``der`` as the base64 of the PEM CERTIFICATE block Sigstore clients upload (64-column lines, final
    newline), as a log entry's body spells a verifier."""
    body = base64.b64encode(der)
    lines = b"\n".join([body[i:i + 64] for i in range(0, len(body), 64)])
    return base64.b64encode(b"-----BEGIN CERTIFICATE-----\n" + lines + b"\n-----END CERTIFICATE-----\n").decode()


def _cert_der_from_b64_pem(value: Any, path: str, expect: bytes | None = None) -> bytes:
    """The DER inside a base64-wrapped PEM verifier, read as rekor reads it (pkg/pki/x509 ``NewPublicKey``: the
    text trimmed, then Go's PEM rules, :mod:`pyslsa.core.pem`): one ``CERTIFICATE`` (compared byte for byte
    with the bundle's certificate, so no X.509 parse is needed), one ``PUBLIC KEY`` (key-based signing; its
    SubjectPublicKeyInfo), or a chain of up to 10 certificates, of which the first is the signer's (as
    sigstore-go's ``Entry.PublicKey`` takes the first block).

    ``expect``: the DER the caller will compare with. When ``value`` spells exactly that DER as one certificate
    in the usual layout, it is returned without decoding anything (encoding is the cheaper direction); any
    other spelling takes the general path, to the same answer."""
    if expect is not None and value == _b64_pem_certificate(expect):
        return expect
    raw = j.b64decode(value, path).strip(b" \t\n\v\f\r")
    block, rest = pem.decode(raw)
    if block is None:
        raise _fail(f"{path} is not PEM")
    if rest:
        try:
            chain = pem.certificate_ders(raw)
            for der in chain:
                load_certificate(der, f"{path} chain certificate")
        except (pem.PemError, CertificateError) as exc:
            raise _fail(f"{path} is not a PEM certificate chain: {exc}") from None
        return chain[0]
    if block.type == "CERTIFICATE":
        return block.der
    if block.type != "PUBLIC KEY":
        raise _fail(f"{path}: expected a PEM CERTIFICATE or PUBLIC KEY, got {block.type!r}")
    try:
        key = serialization.load_der_public_key(block.der)
        return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise _fail(f"{path} is not a usable PEM public key") from None


def _hash_field(o: Any, path: str) -> str:
    o = j.obj(o, path)
    alg = j.get_str(o, "algorithm", path)
    if alg != "sha256":
        raise _fail(f"{path}.algorithm: expected sha256, got {alg!r}")
    value = j.get_str(o, "value", path)
    return value.lower()


@dataclass(frozen=True)
class SignedDigest:
    """What a message signature signs: the SHA-256 digest of the artifact, and the signature over it."""

    signature: bytes
    digest_sha256: bytes


def bind_entry(entry: TlogEntry, signed: Envelope | SignedDigest, verifier: bytes, *,
               raw_envelope: bytes | None = None) -> None:
    """The entry's body records exactly what was signed (``signed``: a DSSE envelope, or a message signature over
    an artifact's digest) and its signer ``verifier`` (the certificate's DER, or the trusted key's
    SubjectPublicKeyInfo). Every path that binds a log entry to its evidence comes here; a failure is
    ``invalid-tlog-entry``.

    Kinds recording a DSSE envelope: ``dsse`` 0.0.1 and 0.0.2, ``intoto`` 0.0.1 (legacy uploads) and 0.0.2, and
    ``hashedrekord`` 0.0.1 and 0.0.2 over the SHA-256 of the PAE (Rekor v2 clients, and some Rekor v1 ones).
    ``raw_envelope``: the exact bytes uploaded, when known (legacy ``.intoto.jsonl``). Kinds recording a message
    signature: ``hashedrekord`` 0.0.1 and 0.0.2.
    """
    kv = (entry.kind, entry.version)
    try:
        if isinstance(signed, SignedDigest):
            if kv == ("hashedrekord", "0.0.2"):
                _bind_hashedrekord_002(_body(entry), signed.signature, signed.digest_sha256, verifier)
            elif kv == ("hashedrekord", "0.0.1"):
                _bind_hashedrekord_001(_body(entry), signed.signature, signed.digest_sha256, verifier)
            else:
                raise _fail(f"log entry kind {entry.kind} {entry.version} cannot record a message signature")
            return
        spec = _body(entry)
        if kv == ("dsse", "0.0.1"):
            _bind_dsse_001(spec, signed, verifier)
        elif kv == ("intoto", "0.0.2"):
            _bind_intoto_002(spec, signed, verifier)
        elif kv == ("intoto", "0.0.1"):
            _bind_intoto_001(spec, signed, verifier, raw_envelope)
        elif kv == ("dsse", "0.0.2"):
            _bind_dsse_002(spec, signed, verifier)
        elif kv == ("hashedrekord", "0.0.2"):
            _bind_hashedrekord_002(spec, signed.signatures[0].sig, hashlib.sha256(signed.pae).digest(), verifier)
        elif kv == ("hashedrekord", "0.0.1"):
            _bind_hashedrekord_001(spec, signed.signatures[0].sig, hashlib.sha256(signed.pae).digest(), verifier)
        else:
            raise _fail(f"log entry kind {entry.kind} {entry.version} cannot record a DSSE envelope")
    except InvalidTlogEntryError:
        raise
    except VerificationError as exc:
        raise _fail(f"log entry body is malformed: {exc}") from None


def _bind_dsse_001(spec: dict[str, Any], envelope: Envelope, verifier: bytes) -> None:
    got = _hash_field(j.get(spec, "payloadHash", "spec"), "spec.payloadHash")
    if got != envelope.payload_sha256:
        raise _fail(f"log entry is for another payload: expected sha256 {envelope.payload_sha256}, got {got}")
    sigs = j.get_list(spec, "signatures", "spec")
    if len(sigs) != len(envelope.signatures):
        raise _fail(f"log entry records {len(sigs)} signatures, the envelope has {len(envelope.signatures)}")
    recorded = set()
    for i, s in enumerate(sigs):
        s = j.obj(s, f"spec.signatures[{i}]")
        recorded.add((j.get_b64(s, "signature", f"spec.signatures[{i}]"),
                      _cert_der_from_b64_pem(j.get(s, "verifier", f"spec.signatures[{i}]"),
                                             f"spec.signatures[{i}].verifier", verifier)))
    expected = {(sig.sig, verifier) for sig in envelope.signatures}
    if recorded != expected:
        raise _fail("log entry records another signature or signing certificate than the envelope's")


def _bind_intoto_001(spec: dict[str, Any], envelope: Envelope, verifier: bytes, raw: bytes | None) -> None:
    """``intoto`` 0.0.1 (cosign's in-toto upload): payload hash and signing certificate; the envelope hash too
    when the exact uploaded bytes are at hand. (The body has no signature: the certificate, whose key made the
    envelope's signature over this very payload, is what binds it.)"""
    content = j.get_obj(spec, "content", "spec")
    got = _hash_field(j.get(content, "payloadHash", "spec.content"), "spec.content.payloadHash")
    if got != envelope.payload_sha256:
        raise _fail(f"log entry is for another payload: expected sha256 {envelope.payload_sha256}, got {got}")
    if raw is not None:
        want = hashlib.sha256(raw.strip()).hexdigest()
        if _hash_field(j.get(content, "hash", "spec.content"), "spec.content.hash") != want:
            raise _fail("log entry records another envelope (envelope hash differs)")
    if _cert_der_from_b64_pem(j.get(spec, "publicKey", "spec"), "spec.publicKey", verifier) != verifier:
        raise _fail("log entry records another signing certificate than the envelope's")


def _double_b64(value: Any, path: str) -> bytes:
    inner = j.b64decode(value, path)
    try:
        text = inner.decode("ascii")
    except UnicodeDecodeError:
        raise _fail(f"{path} is not base64-wrapped base64") from None
    return j.b64decode(text, path)


def _bind_intoto_002(spec: dict[str, Any], envelope: Envelope, verifier: bytes) -> None:
    content = j.get_obj(spec, "content", "spec")
    got = _hash_field(j.get(content, "payloadHash", "spec.content"), "spec.content.payloadHash")
    if got != envelope.payload_sha256:
        raise _fail(f"log entry is for another payload: expected sha256 {envelope.payload_sha256}, got {got}")
    env = j.get_obj(content, "envelope", "spec.content")
    ptype = j.get_str(env, "payloadType", "spec.content.envelope")
    if ptype != envelope.payload_type:
        raise _fail(f"log entry payloadType: expected {envelope.payload_type!r}, got {ptype!r}")
    if env.get("payload") is not None and _double_b64(env["payload"], "spec.content.envelope.payload") != \
            envelope.payload:
        raise _fail("log entry records another payload than the envelope's")
    sigs = j.get_list(env, "signatures", "spec.content.envelope")
    if len(sigs) != len(envelope.signatures):
        raise _fail(f"log entry records {len(sigs)} signatures, the envelope has {len(envelope.signatures)}")
    recorded = set()
    for i, s in enumerate(sigs):
        p = f"spec.content.envelope.signatures[{i}]"
        s = j.obj(s, p)
        recorded.add((_double_b64(j.get(s, "sig", p), f"{p}.sig"),
                      _cert_der_from_b64_pem(j.get(s, "publicKey", p), f"{p}.publicKey", verifier)))
    expected = {(sig.sig, verifier) for sig in envelope.signatures}
    if recorded != expected:
        raise _fail("log entry records another signature or signing certificate than the envelope's")


def _v2_verifier(o: Any, path: str) -> bytes:
    """Rekor v2 verifier: ``{"keyDetails", "x509Certificate": {"rawBytes"}}`` or ``{"publicKey": {"rawBytes"}}``."""
    o = j.obj(o, path)
    cert = j.opt_obj(o, "x509Certificate", path)
    key = j.opt_obj(o, "publicKey", path)
    if (cert is None) == (key is None):
        raise _fail(f"{path}: expected exactly one of x509Certificate, publicKey")
    holder = cert if cert is not None else key
    assert holder is not None
    return j.get_b64(holder, "rawBytes", f"{path}.{'x509Certificate' if cert is not None else 'publicKey'}")


def _digest_field(o: Any, path: str) -> bytes:
    o = j.obj(o, path)
    alg = j.get_str(o, "algorithm", path)
    if alg != "SHA2_256":
        raise _fail(f"{path}.algorithm: expected SHA2_256, got {alg!r}")
    return j.get_b64(o, "digest", path)


def _bind_hashedrekord_002(spec: dict[str, Any], signature: bytes, digest: bytes, verifier: bytes) -> None:
    inner = j.get_obj(spec, "hashedRekordV002", "spec")
    sig = j.get_obj(inner, "signature", "spec.hashedRekordV002")
    if j.get_b64(sig, "content", "spec.hashedRekordV002.signature") != signature:
        raise _fail("log entry records another signature than the bundle's")
    if _v2_verifier(j.get(sig, "verifier", "spec.hashedRekordV002.signature"),
                    "spec.hashedRekordV002.signature.verifier") != verifier:
        raise _fail("log entry records another signing certificate or key than the bundle's")
    got = _digest_field(j.get(inner, "data", "spec.hashedRekordV002"), "spec.hashedRekordV002.data")
    if got != digest:
        raise _fail(f"log entry is for another artifact: expected sha256 {digest.hex()}, got {got.hex()}")


def _bind_dsse_002(spec: dict[str, Any], envelope: Envelope, verifier: bytes) -> None:
    inner = j.get_obj(spec, "dsseV002", "spec")
    got = _digest_field(j.get(inner, "payloadHash", "spec.dsseV002"), "spec.dsseV002.payloadHash")
    if got.hex() != envelope.payload_sha256:
        raise _fail(f"log entry is for another payload: expected sha256 {envelope.payload_sha256}, got {got.hex()}")
    sigs = j.get_list(inner, "signatures", "spec.dsseV002")
    recorded = set()
    for i, s in enumerate(sigs):
        p = f"spec.dsseV002.signatures[{i}]"
        s = j.obj(s, p)
        recorded.add((j.get_b64(s, "content", p), _v2_verifier(j.get(s, "verifier", p), f"{p}.verifier")))
    if recorded != {(sig.sig, verifier) for sig in envelope.signatures}:
        raise _fail("log entry records another signature or signing certificate than the envelope's")


def _bind_hashedrekord_001(spec: dict[str, Any], signature: bytes, digest_sha256: bytes, verifier: bytes) -> None:
    sig = j.get_obj(spec, "signature", "spec")
    if j.get_b64(sig, "content", "spec.signature") != signature:
        raise _fail("log entry records another signature than the bundle's")
    pk = j.get_obj(sig, "publicKey", "spec.signature")
    if _cert_der_from_b64_pem(j.get(pk, "content", "spec.signature.publicKey"),
                              "spec.signature.publicKey.content", verifier) != verifier:
        raise _fail("log entry records another signing certificate or key than the bundle's")
    data = j.get_obj(spec, "data", "spec")
    got = _hash_field(j.get(data, "hash", "spec.data"), "spec.data.hash")
    if got != digest_sha256.hex():
        raise _fail(f"log entry is for another artifact: expected sha256 {digest_sha256.hex()}, got {got}")
