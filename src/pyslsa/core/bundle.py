"""Sigstore bundles v0.1 -- v0.3 and legacy DSSE envelopes, parsed into one typed model.

Only parsing happens here (strictly, fail-closed); nothing is trusted yet. :mod:`pyslsa.core.sigstore`
verifies what this module produces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cryptography import x509

from pyslsa.core import jsonutil as j
from pyslsa.core.dsse import Envelope
from pyslsa.core.x509 import SigningCertificate, load_pem_certificate, read_signing_certificate
from pyslsa.errors import InvalidProvenanceError, UnsupportedFormatError

BUNDLE_V01 = "0.1"
BUNDLE_V02 = "0.2"
BUNDLE_V03 = "0.3"

BUNDLE_MEDIA_TYPES: dict[str, str] = {
    "application/vnd.dev.sigstore.bundle+json;version=0.1": BUNDLE_V01,
    "application/vnd.dev.sigstore.bundle+json;version=0.2": BUNDLE_V02,
    "application/vnd.dev.sigstore.bundle+json;version=0.3": BUNDLE_V03,
    "application/vnd.dev.sigstore.bundle.v0.3+json": BUNDLE_V03,
}

#: Upper bound on inclusion-proof length: a tree of 2**64 leaves has at most 64 hashes.
MAX_PROOF_HASHES = 64

# Fields a bundle may carry (protobuf JSON, camelCase). Like the reference clients (protojson without
# DiscardUnknown, sigstore-models with extra="forbid"), anything else is refused.
_BUNDLE_KEYS = frozenset({"mediaType", "verificationMaterial", "dsseEnvelope", "messageSignature"})
_MATERIAL_KEYS = frozenset({"publicKey", "x509CertificateChain", "certificate", "tlogEntries",
                            "timestampVerificationData"})
_ENTRY_KEYS = frozenset({"logIndex", "logId", "kindVersion", "integratedTime", "inclusionPromise", "inclusionProof",
                         "canonicalizedBody"})
_PROOF_KEYS = frozenset({"logIndex", "rootHash", "treeSize", "hashes", "checkpoint"})
_ENVELOPE_KEYS = frozenset({"payload", "payloadType", "signatures"})
_SIGNATURE_KEYS = frozenset({"sig", "keyid"})


def _only(o: dict[str, Any], allowed: frozenset[str], path: str) -> None:
    if not allowed.issuperset(o):
        raise InvalidProvenanceError(f"{path}: unknown field(s) {sorted(set(o) - allowed)}")


@dataclass(frozen=True)
class Checkpoint:
    envelope: str


@dataclass(frozen=True)
class InclusionProof:
    log_index: int
    root_hash: bytes
    tree_size: int
    hashes: tuple[bytes, ...]
    checkpoint: Checkpoint | None


@dataclass(frozen=True)
class TlogEntry:
    log_index: int
    log_id: bytes
    kind: str
    version: str
    integrated_time: int  # 0 when absent (Rekor v2)
    signed_entry_timestamp: bytes | None
    inclusion_proof: InclusionProof | None
    canonicalized_body: bytes
    #: ``canonicalized_body`` as standard padded base64, when the evidence carried exactly that (what the signed
    #: entry timestamp covers, so it need not be encoded again); '' when unknown.
    canonicalized_body_b64: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True)
class MessageSignature:
    digest_algorithm: str
    digest: bytes
    signature: bytes


@dataclass(frozen=True)
class Bundle:
    media_type: str
    version: str
    certificate: x509.Certificate | None
    public_key_hint: str | None
    tlog_entries: tuple[TlogEntry, ...]
    rfc3161_timestamps: tuple[bytes, ...]
    envelope: Envelope | None
    message_signature: MessageSignature | None
    #: The DER bytes of the certificates after the leaf of a v0.1/v0.2 ``x509CertificateChain``: unsigned,
    #: unparsed material, never used to verify (intermediates come from the trusted root). What may be there is
    #: the verification profile's decision (:mod:`pyslsa.core.profile`), not the parser's.
    chain_extra: tuple[bytes, ...] = ()
    #: ``certificate`` as read for verification: its DER exactly as the bundle carries it, its key, its extensions.
    signing_certificate: SigningCertificate | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class LegacyEnvelope:
    """A bare DSSE envelope whose signature carries the Fulcio certificate (slsa-github-generator <= v2.0.0)."""

    envelope: Envelope
    certificate: x509.Certificate
    raw: bytes


def _parse_proof(o: Any, path: str) -> InclusionProof:
    o = j.obj(o, path)
    _only(o, _PROOF_KEYS, path)
    hashes_raw = j.get_list(o, "hashes", path) if "hashes" in o else []
    if len(hashes_raw) > MAX_PROOF_HASHES:
        raise InvalidProvenanceError(f"{path}.hashes: {len(hashes_raw)} hashes is more than any tree needs")
    hashes = j.b64decode_each(hashes_raw, f"{path}.hashes")
    for i, h in enumerate(hashes):
        if len(h) != 32:
            raise InvalidProvenanceError(f"{path}.hashes[{i}]: expected 32 bytes, got {len(h)}")
    root = j.get_b64(o, "rootHash", path)
    if len(root) != 32:
        raise InvalidProvenanceError(f"{path}.rootHash: expected 32 bytes, got {len(root)}")
    cp = j.opt_obj(o, "checkpoint", path)
    checkpoint = Checkpoint(j.get_str(cp, "envelope", f"{path}.checkpoint")) if cp is not None else None
    return InclusionProof(
        log_index=j.get_int(o, "logIndex", path) if "logIndex" in o else 0,
        root_hash=root,
        tree_size=j.get_int(o, "treeSize", path),
        hashes=hashes,
        checkpoint=checkpoint,
    )


def _parse_tlog_entry(o: Any, path: str) -> TlogEntry:
    o = j.obj(o, path)
    _only(o, _ENTRY_KEYS, path)
    kv = j.get_obj(o, "kindVersion", path)
    promise = j.opt_obj(o, "inclusionPromise", path)
    proof = j.opt_obj(o, "inclusionProof", path)
    body = j.get_b64(o, "canonicalizedBody", path)
    body_b64 = o["canonicalizedBody"]
    return TlogEntry(
        log_index=j.get_int(o, "logIndex", path) if "logIndex" in o else 0,
        log_id=j.get_b64(j.get_obj(o, "logId", path), "keyId", f"{path}.logId"),
        kind=j.get_str(kv, "kind", f"{path}.kindVersion"),
        version=j.get_str(kv, "version", f"{path}.kindVersion"),
        integrated_time=j.get_int(o, "integratedTime", path) if "integratedTime" in o else 0,
        signed_entry_timestamp=(j.get_b64(promise, "signedEntryTimestamp", f"{path}.inclusionPromise")
                                if promise is not None else None),
        inclusion_proof=_parse_proof(proof, f"{path}.inclusionProof") if proof is not None else None,
        canonicalized_body=body,
        canonicalized_body_b64=body_b64 if j.is_canonical_b64(body_b64, body) else "",
    )


def parse_bundle(doc: Any) -> Bundle:
    """Parse a Sigstore bundle JSON object (already decoded)."""
    doc = j.obj(doc, "bundle")
    _only(doc, _BUNDLE_KEYS, "bundle")
    media_type = j.get_str(doc, "mediaType", "bundle")
    version = BUNDLE_MEDIA_TYPES.get(media_type)
    if version is None:
        raise UnsupportedFormatError(f"bundle mediaType: expected a Sigstore bundle v0.1-v0.3, got {media_type!r}")
    vm = j.get_obj(doc, "verificationMaterial", "bundle")
    path = "bundle.verificationMaterial"
    _only(vm, _MATERIAL_KEYS, path)
    present = [k for k in ("x509CertificateChain", "certificate", "publicKey") if vm.get(k) is not None]
    if len(present) != 1:
        raise InvalidProvenanceError(
            f"{path}: expected exactly one of x509CertificateChain, certificate, publicKey; got {present or 'none'}")
    cert: x509.Certificate | None = None
    signing: SigningCertificate | None = None
    hint: str | None = None
    chain_extra: tuple[bytes, ...] = ()
    if present[0] == "x509CertificateChain":
        if version == BUNDLE_V03:
            raise InvalidProvenanceError(f"{path}: a v0.3 bundle must carry 'certificate', not a chain")
        certs = j.get_list(j.get_obj(vm, "x509CertificateChain", path), "certificates",
                           f"{path}.x509CertificateChain")
        if not certs:
            raise InvalidProvenanceError(f"{path}.x509CertificateChain: no certificates")
        # Only the leaf is used; the rest of the chain is kept, unparsed, for the verification profile to judge.
        extra: list[bytes] = []
        for i, other in enumerate(certs[1:], start=1):
            ep = f"{path}.x509CertificateChain.certificates[{i}]"
            extra.append(j.get_b64(j.obj(other, ep), "rawBytes", ep))
        chain_extra = tuple(extra)
        leaf = j.obj(certs[0], f"{path}.x509CertificateChain.certificates[0]")
        signing = read_signing_certificate(j.get_b64(leaf, "rawBytes",
                                                     f"{path}.x509CertificateChain.certificates[0]"),
                                           "bundle certificate")
        cert = signing.cert
    elif present[0] == "certificate":
        c_obj = j.get_obj(vm, "certificate", path)
        signing = read_signing_certificate(j.get_b64(c_obj, "rawBytes", f"{path}.certificate"), "bundle certificate")
        cert = signing.cert
    else:
        pk = j.get_obj(vm, "publicKey", path)
        hint = j.opt_str(pk, "hint", f"{path}.publicKey") or ""
    entries = tuple(_parse_tlog_entry(e, f"{path}.tlogEntries[{i}]")
                    for i, e in enumerate(j.opt_list(vm, "tlogEntries", path)))
    tvd = j.opt_obj(vm, "timestampVerificationData", path)
    stamps: list[bytes] = []
    if tvd is not None:
        for i, t in enumerate(j.opt_list(tvd, "rfc3161Timestamps", f"{path}.timestampVerificationData")):
            tp = f"{path}.timestampVerificationData.rfc3161Timestamps[{i}]"
            stamps.append(j.get_b64(j.obj(t, tp), "signedTimestamp", tp))
    has_env = doc.get("dsseEnvelope") is not None
    has_msg = doc.get("messageSignature") is not None
    if has_env == has_msg:
        raise InvalidProvenanceError("bundle: expected exactly one of dsseEnvelope, messageSignature")
    if has_env:
        env_doc = j.obj(doc["dsseEnvelope"], "bundle.dsseEnvelope")
        _only(env_doc, _ENVELOPE_KEYS, "bundle.dsseEnvelope")
        for i, sig in enumerate(j.get_list(env_doc, "signatures", "bundle.dsseEnvelope")):
            _only(j.obj(sig, f"bundle.dsseEnvelope.signatures[{i}]"), _SIGNATURE_KEYS,
                  f"bundle.dsseEnvelope.signatures[{i}]")
    envelope = Envelope.from_json_obj(doc["dsseEnvelope"], "bundle.dsseEnvelope") if has_env else None
    msg = None
    if has_msg:
        m = j.get_obj(doc, "messageSignature", "bundle")
        md = j.opt_obj(m, "messageDigest", "bundle.messageSignature")
        alg, digest = "", b""
        if md is not None:
            alg = j.get_str(md, "algorithm", "bundle.messageSignature.messageDigest")
            digest = j.get_b64(md, "digest", "bundle.messageSignature.messageDigest")
        msg = MessageSignature(alg, digest, j.get_b64(m, "signature", "bundle.messageSignature"))
    return Bundle(media_type, version, cert, hint, entries, tuple(stamps), envelope, msg, chain_extra, signing)


def parse_legacy_envelope(doc: Any, raw: bytes) -> LegacyEnvelope:
    """A bare envelope ``{payloadType, payload, signatures: [{keyid, sig, cert}]}``."""
    env = Envelope.from_json_obj(doc, "envelope")
    sig0 = j.obj(j.get_list(doc, "signatures", "envelope")[0], "envelope.signatures[0]")
    cert_pem = j.opt_str(sig0, "cert", "envelope.signatures[0]")
    if not cert_pem:
        raise InvalidProvenanceError("envelope.signatures[0]: no 'cert' field: a bare DSSE envelope needs the "
                                     "signing certificate to be verified")
    cert = load_pem_certificate(cert_pem.encode(), "envelope certificate")
    return LegacyEnvelope(env, cert, raw)


def parse_document(raw: bytes, what: str = "provenance", *, parsed: dict[str, Any] | None = None
                   ) -> Bundle | LegacyEnvelope:
    """One JSON document: a Sigstore bundle (has ``mediaType``) or a legacy DSSE envelope.

    ``parsed``: ``raw`` as :func:`jsonutil.loads` already read it (the first line of a JSON Lines file, which
    :func:`pyslsa.core.verify.split_documents` reads to tell the two layouts apart), so it is not read twice."""
    doc = parsed if parsed is not None else j.loads(raw, what)
    if not isinstance(doc, dict):
        raise InvalidProvenanceError(f"{what}: expected a JSON object, got {j.type_name(doc)}")
    if "mediaType" in doc:
        return parse_bundle(doc)
    if "payloadType" in doc and "signatures" in doc:
        return parse_legacy_envelope(doc, raw)
    if "dsseEnvelope" in doc or "verificationMaterial" in doc:
        raise InvalidProvenanceError(f"{what}: bundle has no mediaType")
    raise UnsupportedFormatError(f"{what}: neither a Sigstore bundle nor a DSSE envelope "
                                 f"(keys: {sorted(doc)[:6]})")


def bundle_json(envelope: Envelope, certificate: x509.Certificate, entry: TlogEntry) -> dict[str, Any]:
    """A Sigstore bundle holding a verified envelope, its certificate and its log entry.

    v0.3 when the entry has an inclusion proof (with its checkpoint), else v0.1 (signed entry timestamp only).
    """
    import base64

    from cryptography.hazmat.primitives import serialization

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    tlog: dict[str, Any] = {
        "logIndex": str(entry.log_index),
        "logId": {"keyId": b64(entry.log_id)},
        "kindVersion": {"kind": entry.kind, "version": entry.version},
        "integratedTime": str(entry.integrated_time),
        "canonicalizedBody": b64(entry.canonicalized_body),
    }
    if entry.signed_entry_timestamp is not None:
        tlog["inclusionPromise"] = {"signedEntryTimestamp": b64(entry.signed_entry_timestamp)}
    proof = entry.inclusion_proof
    if proof is not None and proof.checkpoint is not None:
        tlog["inclusionProof"] = {
            "logIndex": str(proof.log_index), "rootHash": b64(proof.root_hash), "treeSize": str(proof.tree_size),
            "hashes": [b64(h) for h in proof.hashes], "checkpoint": {"envelope": proof.checkpoint.envelope},
        }
    der = b64(certificate.public_bytes(serialization.Encoding.DER))
    material: dict[str, Any]
    if "inclusionProof" in tlog:
        media, material = BUNDLE_MEDIA_TYPE_V03, {"certificate": {"rawBytes": der}}
    else:
        media, material = "application/vnd.dev.sigstore.bundle+json;version=0.1", {
            "x509CertificateChain": {"certificates": [{"rawBytes": der}]}}
    return {
        "mediaType": media,
        "verificationMaterial": {**material, "tlogEntries": [tlog]},
        "dsseEnvelope": {"payload": b64(envelope.payload), "payloadType": envelope.payload_type,
                         "signatures": [{"sig": b64(s.sig), "keyid": s.keyid} for s in envelope.signatures]},
    }


BUNDLE_MEDIA_TYPE_V03 = "application/vnd.dev.sigstore.bundle.v0.3+json"
