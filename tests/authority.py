"""A throw-away Sigstore for tests: a Fulcio-like CA, a CT log, a Rekor-like log, all made with `cryptography`.

It issues certificates with embedded SCTs, signs DSSE envelopes and messages, logs the entries in a real Merkle
tree (RFC 6962) with a signed checkpoint and a signed entry timestamp, and writes the matching
``trusted_root.json``: everything a bundle needs, so every rejection path can be exercised without a network.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import struct
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID

UTC = dt.timezone.utc
GH_ISSUER = "https://token.actions.githubusercontent.com"
FULCIO = "1.3.6.1.4.1.57264.1."


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def spki(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def der_utf8(value: str) -> bytes:
    raw = value.encode()
    if len(raw) < 0x80:
        return bytes([0x0C, len(raw)]) + raw
    n = (len(raw).bit_length() + 7) // 8
    return bytes([0x0C, 0x80 | n]) + len(raw).to_bytes(n, "big") + raw


def _leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node(a: bytes, b: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + a + b).digest()


def merkle_root(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return _node(merkle_root(leaves[:k]), merkle_root(leaves[k:]))


def inclusion_path(index: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    if index < k:
        return [*inclusion_path(index, leaves[:k]), merkle_root(leaves[k:])]
    return [*inclusion_path(index - k, leaves[k:]), merkle_root(leaves[:k])]


def _cert(subject: str, issuer_name: x509.Name, pub: Any, signer: Any, nb: dt.datetime, na: dt.datetime,
          ca: bool, path_len: int | None = None) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "pyslsa-test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name or name).public_key(pub)
               .serial_number(x509.random_serial_number()).not_valid_before(nb).not_valid_after(na)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=path_len), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=not ca, content_commitment=False,
                                            key_encipherment=False, data_encipherment=False, key_agreement=False,
                                            key_cert_sign=ca, crl_sign=ca, encipher_only=False,
                                            decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False))
    return builder.sign(signer, hashes.SHA384())


@dataclass
class Log:
    """A Rekor-like log: an ECDSA P-256 key, a tree of leaves, SETs and checkpoints."""

    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    origin_name: str = "rekor.test"
    tree_id: int = 1234567890
    leaves: list[bytes] = field(default_factory=lambda: [_leaf_hash(b"filler %d" % i) for i in range(5)])
    base_url: str = "https://rekor.test"

    @property
    def log_id(self) -> bytes:
        return hashlib.sha256(spki(self.key.public_key())).digest()

    def checkpoint(self, size: int, root: bytes) -> str:
        body = f"{self.origin_name} - {self.tree_id}\n{size}\n{b64(root)}\n"
        sig = self.key.sign(body.encode(), ec.ECDSA(hashes.SHA256()))
        return body + "\n" + f"\u2014 {self.origin_name} {b64(self.log_id[:4] + sig)}\n"

    def add(self, body: bytes, integrated_time: int, kind: str, version: str) -> dict[str, Any]:
        self.leaves.append(_leaf_hash(body))
        index = len(self.leaves) - 1
        leaves = list(self.leaves) + [_leaf_hash(b"later %d" % i) for i in range(3)]
        size = len(leaves)
        root = merkle_root(leaves)
        global_index = 1_000_000 + index
        set_payload = json.dumps({"body": b64(body), "integratedTime": integrated_time,
                                  "logID": self.log_id.hex(), "logIndex": global_index},
                                 sort_keys=True, separators=(",", ":")).encode()
        return {
            "logIndex": str(global_index),
            "logId": {"keyId": b64(self.log_id)},
            "kindVersion": {"kind": kind, "version": version},
            "integratedTime": str(integrated_time),
            "inclusionPromise": {"signedEntryTimestamp": b64(self.key.sign(set_payload,
                                                                               ec.ECDSA(hashes.SHA256())))},
            "inclusionProof": {
                "logIndex": str(index), "rootHash": b64(root), "treeSize": str(size),
                "hashes": [b64(h) for h in inclusion_path(index, leaves)],
                "checkpoint": {"envelope": self.checkpoint(size, root)},
            },
            "canonicalizedBody": b64(body),
        }


@dataclass
class Authority:
    """Root and intermediate CA, CT log, transparency log; issues leaves and bundles."""

    now: dt.datetime = field(default_factory=lambda: dt.datetime(2025, 6, 1, 12, 0, tzinfo=UTC))
    log: Log = field(default_factory=Log)

    def __post_init__(self) -> None:
        self.root_key = ec.generate_private_key(ec.SECP384R1())
        self.inter_key = ec.generate_private_key(ec.SECP384R1())
        self.ct_key = ec.generate_private_key(ec.SECP256R1())
        nb, na = self.now - dt.timedelta(days=365), self.now + dt.timedelta(days=3650)
        self.root = _cert("test-root", None, self.root_key.public_key(), self.root_key, nb, na, True, 1)  # type: ignore[arg-type]
        self.inter = _cert("test-intermediate", self.root.subject, self.inter_key.public_key(), self.root_key, nb,
                           na, True, 0)

    @property
    def ct_log_id(self) -> bytes:
        return hashlib.sha256(spki(self.ct_key.public_key())).digest()

    # -- certificates ------------------------------------------------------------------------------------------

    def _sct(self, tbs: bytes, when: dt.datetime) -> bytes:
        ts = int(when.timestamp() * 1000)
        issuer_key_hash = hashlib.sha256(spki(self.inter_key.public_key())).digest()
        signed = (b"\x00\x00" + struct.pack(">Q", ts) + b"\x00\x01" + issuer_key_hash
                  + len(tbs).to_bytes(3, "big") + tbs + b"\x00\x00")
        sig = self.ct_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        sct = (b"\x00" + self.ct_log_id + struct.pack(">Q", ts) + b"\x00\x00" + b"\x04\x03"
               + struct.pack(">H", len(sig)) + sig)
        sct_list = struct.pack(">H", len(sct)) + sct
        sct_list = struct.pack(">H", len(sct_list)) + sct_list
        return bytes([0x04]) + _der_len(len(sct_list)) + sct_list  # OCTET STRING

    def leaf(self, *, san: str | None = None, email: str | None = None, issuer: str = GH_ISSUER,
             claims: dict[str, str] | None = None, not_before: dt.datetime | None = None,
             lifetime: dt.timedelta = dt.timedelta(minutes=10), sct: bool = True, code_signing: bool = True,
             key: ec.EllipticCurvePrivateKey | None = None) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        key = key or ec.generate_private_key(ec.SECP256R1())
        nb = not_before or self.now
        names: list[x509.GeneralName] = []
        if san:
            names.append(x509.UniformResourceIdentifier(san))
        if email:
            names.append(x509.RFC822Name(email))
        builder = (x509.CertificateBuilder().subject_name(x509.Name([])).issuer_name(self.inter.subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(nb).not_valid_after(nb + lifetime)
                   .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                                key_encipherment=False, data_encipherment=False,
                                                key_agreement=False, key_cert_sign=False, crl_sign=False,
                                                encipher_only=False, decipher_only=False), critical=True)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING if code_signing
                                                         else ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.inter_key.public_key()),
                                  critical=False)
                   .add_extension(x509.SubjectAlternativeName(names), critical=True)
                   .add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier(FULCIO + "1"), issuer.encode()),
                                  critical=False)
                   .add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier(FULCIO + "8"), der_utf8(issuer)),
                                  critical=False))
        for oid, value in (claims or {}).items():
            raw = value.encode() if int(oid.rsplit(".", 1)[1]) <= 6 else der_utf8(value)
            builder = builder.add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier(oid), raw),
                                            critical=False)
        if sct:
            pre = builder.sign(self.inter_key, hashes.SHA384())
            ext = x509.UnrecognizedExtension(ExtensionOID.PRECERT_SIGNED_CERTIFICATE_TIMESTAMPS,
                                             self._sct(pre.tbs_certificate_bytes, nb))
            builder = builder.add_extension(ext, critical=False)
        return key, builder.sign(self.inter_key, hashes.SHA384())

    # -- trusted root ------------------------------------------------------------------------------------------

    def trusted_root(self, *, ca_start: dt.datetime | None = None, ca_end: dt.datetime | None = None,
                     tlog_start: dt.datetime | None = None, tlog_end: dt.datetime | None = None,
                     log_key: ec.EllipticCurvePrivateKey | None = None, ct: bool = True,
                     key_details: str = "PKIX_ECDSA_P256_SHA_256") -> dict[str, Any]:
        def window(start: dt.datetime | None, end: dt.datetime | None) -> dict[str, str]:
            w = {"start": (start or self.now - dt.timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")}
            if end is not None:
                w["end"] = end.strftime("%Y-%m-%dT%H:%M:%SZ")
            return w

        lk = (log_key or self.log.key).public_key()
        return {
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [{"baseUrl": self.log.base_url, "hashAlgorithm": "SHA2_256",
                       "publicKey": {"rawBytes": b64(spki(lk)), "keyDetails": key_details,
                                     "validFor": window(tlog_start, tlog_end)},
                       "logId": {"keyId": b64(hashlib.sha256(spki(lk)).digest())}}],
            "certificateAuthorities": [{
                "subject": {"organization": "pyslsa-test", "commonName": "test"}, "uri": "https://fulcio.test",
                "certChain": {"certificates": [{"rawBytes": b64(c.public_bytes(serialization.Encoding.DER))}
                                               for c in (self.inter, self.root)]},
                "validFor": window(ca_start, ca_end)}],
            "ctlogs": [{"baseUrl": "https://ct.test", "hashAlgorithm": "SHA2_256",
                        "publicKey": {"rawBytes": b64(spki(self.ct_key.public_key())),
                                      "keyDetails": "PKIX_ECDSA_P256_SHA_256", "validFor": window(None, None)},
                        "logId": {"keyId": b64(self.ct_log_id)}}] if ct else [],
            "timestampAuthorities": [],
        }

    # -- bundles -----------------------------------------------------------------------------------------------

    def dsse_bundle(self, statement: dict[str, Any], *, key: ec.EllipticCurvePrivateKey | None = None,
                    cert: x509.Certificate | None = None, version: str = "0.3", kind: str = "dsse",
                    integrated_time: dt.datetime | None = None, public_key_hint: str | None = None
                    ) -> dict[str, Any]:
        """A DSSE bundle of ``statement``. With ``cert`` None and ``key`` given: a key-based bundle."""
        if key is None:
            key, cert = self.leaf(san="https://github.com/o/r/.github/workflows/w.yml@refs/tags/v1.0.0")
        payload = json.dumps(statement).encode()
        ptype = "application/vnd.in-toto+json"
        pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype.encode(), len(payload), payload)
        sig = key.sign(pae, ec.ECDSA(hashes.SHA256()))
        verifier_pem = (cert.public_bytes(serialization.Encoding.PEM) if cert is not None
                        else key.public_key().public_bytes(serialization.Encoding.PEM,
                                                           serialization.PublicFormat.SubjectPublicKeyInfo))
        if kind == "dsse":
            body = {"apiVersion": "0.0.1", "kind": "dsse", "spec": {
                "envelopeHash": {"algorithm": "sha256", "value": "00" * 32},
                "payloadHash": {"algorithm": "sha256", "value": hashlib.sha256(payload).hexdigest()},
                "signatures": [{"signature": b64(sig), "verifier": b64(verifier_pem)}]}}
            kv = ("dsse", "0.0.1")
        elif kind == "hashedrekord":  # a DSSE envelope logged as a signature over its PAE (Rekor v1 clients)
            body = {"apiVersion": "0.0.1", "kind": "hashedrekord", "spec": {
                "data": {"hash": {"algorithm": "sha256", "value": hashlib.sha256(pae).hexdigest()}},
                "signature": {"content": b64(sig), "publicKey": {"content": b64(verifier_pem)}}}}
            kv = ("hashedrekord", "0.0.1")
        else:
            body = {"apiVersion": "0.0.2", "kind": "intoto", "spec": {"content": {
                "envelope": {"payloadType": ptype, "signatures": [
                    {"sig": b64(b64(sig).encode()), "publicKey": b64(verifier_pem)}]},
                "hash": {"algorithm": "sha256", "value": "00" * 32},
                "payloadHash": {"algorithm": "sha256", "value": hashlib.sha256(payload).hexdigest()}}}}
            kv = ("intoto", "0.0.2")
        raw_body = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        when = integrated_time or (self.now + dt.timedelta(seconds=30))
        entry = self.log.add(raw_body, int(when.timestamp()), *kv)
        return {
            "mediaType": _media(version),
            "verificationMaterial": self._material(cert, key, version, entry, public_key_hint),
            "dsseEnvelope": {"payload": b64(payload), "payloadType": ptype,
                             "signatures": [{"sig": b64(sig), "keyid": ""}]},
        }

    def message_bundle(self, artifact: bytes, *, key: ec.EllipticCurvePrivateKey | None = None,
                       cert: x509.Certificate | None = None, version: str = "0.3",
                       integrated_time: dt.datetime | None = None) -> dict[str, Any]:
        if key is None:
            key, cert = self.leaf(email="signer@example.test", issuer="https://accounts.example.test")
        digest = hashlib.sha256(artifact).digest()
        sig = key.sign(artifact, ec.ECDSA(hashes.SHA256()))
        verifier_pem = (cert.public_bytes(serialization.Encoding.PEM) if cert is not None
                        else key.public_key().public_bytes(serialization.Encoding.PEM,
                                                           serialization.PublicFormat.SubjectPublicKeyInfo))
        body = {"apiVersion": "0.0.1", "kind": "hashedrekord", "spec": {
            "data": {"hash": {"algorithm": "sha256", "value": digest.hex()}},
            "signature": {"content": b64(sig), "publicKey": {"content": b64(verifier_pem)}}}}
        raw_body = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        when = integrated_time or (self.now + dt.timedelta(seconds=30))
        entry = self.log.add(raw_body, int(when.timestamp()), "hashedrekord", "0.0.1")
        return {
            "mediaType": _media(version),
            "verificationMaterial": self._material(cert, key, version, entry, None),
            "messageSignature": {"messageDigest": {"algorithm": "SHA2_256", "digest": b64(digest)},
                                 "signature": b64(sig)},
        }

    def _material(self, cert: x509.Certificate | None, key: Any, version: str, entry: dict[str, Any],
                  hint: str | None) -> dict[str, Any]:
        vm: dict[str, Any] = {"tlogEntries": [entry]}
        if cert is None:
            vm["publicKey"] = {"hint": hint or ""}
        elif version == "0.3":
            vm["certificate"] = {"rawBytes": b64(cert.public_bytes(serialization.Encoding.DER))}
        else:
            vm["x509CertificateChain"] = {"certificates": [
                {"rawBytes": b64(cert.public_bytes(serialization.Encoding.DER))}]}
        if version == "0.1":
            del entry["inclusionProof"]
        return vm


def _media(version: str) -> str:
    if version == "0.3":
        return "application/vnd.dev.sigstore.bundle.v0.3+json"
    return f"application/vnd.dev.sigstore.bundle+json;version={version}"


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def pem_public_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def legacy_envelope(auth: Authority, statement: dict[str, Any], *, san: str,
                    claims: dict[str, str] | None = None, kind: str = "intoto",
                    integrated_time: dt.datetime | None = None) -> tuple[bytes, dict[str, Any]]:
    """A slsa-github-generator <= v2.0.0 style envelope (one JSON line, certificate inside the signature) and
    the Rekor API answer ``{uuid: LogEntry}`` an online lookup would return for it."""
    key, cert = auth.leaf(san=san, claims=claims)
    payload = json.dumps(statement).encode()
    ptype = "application/vnd.in-toto+json"
    pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype.encode(), len(payload), payload)
    sig = key.sign(pae, ec.ECDSA(hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM)
    line = json.dumps({"payloadType": ptype, "payload": b64(payload),
                       "signatures": [{"keyid": "", "sig": b64(sig), "cert": pem.decode()}]},
                      separators=(",", ":")).encode()
    if kind == "intoto":
        body = {"apiVersion": "0.0.1", "kind": "intoto", "spec": {
            "content": {"hash": {"algorithm": "sha256", "value": hashlib.sha256(line).hexdigest()},
                        "payloadHash": {"algorithm": "sha256", "value": hashlib.sha256(payload).hexdigest()}},
            "publicKey": b64(pem)}}
    else:
        body = {"apiVersion": "0.0.1", "kind": "dsse", "spec": {
            "envelopeHash": {"algorithm": "sha256", "value": hashlib.sha256(line).hexdigest()},
            "payloadHash": {"algorithm": "sha256", "value": hashlib.sha256(payload).hexdigest()},
            "signatures": [{"signature": b64(sig), "verifier": b64(pem)}]}}
    raw_body = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    when = integrated_time or (auth.now + dt.timedelta(seconds=30))
    entry = auth.log.add(raw_body, int(when.timestamp()), body["kind"], "0.0.1")
    proof = entry["inclusionProof"]
    api_entry = {
        "body": entry["canonicalizedBody"],
        "integratedTime": int(entry["integratedTime"]),
        "logID": auth.log.log_id.hex(),
        "logIndex": int(entry["logIndex"]),
        "verification": {
            "signedEntryTimestamp": entry["inclusionPromise"]["signedEntryTimestamp"],
            "inclusionProof": {
                "logIndex": int(proof["logIndex"]), "treeSize": int(proof["treeSize"]),
                "rootHash": base64.b64decode(proof["rootHash"]).hex(),
                "hashes": [base64.b64decode(h).hex() for h in proof["hashes"]],
                "checkpoint": proof["checkpoint"]["envelope"],
            },
        },
    }
    uuid = "24296fb24b8ad77a" + hashlib.sha256(b"\x00" + raw_body).hexdigest()
    return line + b"\n", {uuid: api_entry}
