"""A throw-away Sigstore for tests: a Fulcio-like CA, a CT log, Rekor-like logs and an RFC 3161 timestamp
authority, all made with `cryptography`.

It issues certificates with embedded SCTs, signs DSSE envelopes and messages, logs the entries in a real Merkle
tree (RFC 6962) with a signed checkpoint and a signed entry timestamp (Rekor v1) or a checkpoint only (Rekor v2,
Ed25519 signed note), stamps signatures with DER TimeStampResp tokens (CMS SignedData built by hand below), and
writes the matching ``trusted_root.json``: everything a bundle needs, so every rejection path can be exercised
without a network.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
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
    """A Rekor-like log: a tree of leaves, checkpoints, and (Rekor v1) signed entry timestamps.

    Rekor v1 (default): an ECDSA P-256 key, log id = SHA-256(SPKI), checkpoint origin ``<host> - <tree id>``,
    a SET and an integrated time on every entry, a global log index. Rekor v2 (``v2=True``): no SET, no
    integrated time, log index = index in the tree, checkpoint origin = the bare host; with ``ed_key`` the log
    signs its checkpoints with Ed25519 and its id is the signed-note key id SHA-256(origin || 0x0A || 0x01 || pk).
    """

    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    origin_name: str = "rekor.test"
    tree_id: int = 1234567890
    leaves: list[bytes] = field(default_factory=lambda: [_leaf_hash(b"filler %d" % i) for i in range(5)])
    base_url: str = "https://rekor.test"
    v2: bool = False
    ed_key: ed25519.Ed25519PrivateKey | None = None
    pad_after: int = 3  # leaves appended after each entry (the tree grew before the proof was fetched)
    bare_origin: bool = False  # a Rekor v1 log whose checkpoints name the bare host (custom test deployments)

    @property
    def public_spki(self) -> bytes:
        if self.ed_key is not None:
            return self.ed_key.public_key().public_bytes(serialization.Encoding.DER,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo)
        return spki(self.key.public_key())

    @property
    def key_details(self) -> str:
        return "PKIX_ED25519" if self.ed_key is not None else "PKIX_ECDSA_P256_SHA_256"

    @property
    def log_id(self) -> bytes:
        if self.ed_key is not None:
            raw = self.ed_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return hashlib.sha256(self.origin_name.encode() + b"\n\x01" + raw).digest()
        return hashlib.sha256(self.public_spki).digest()

    def sign_note(self, body: bytes) -> bytes:
        if self.ed_key is not None:
            return self.ed_key.sign(body)
        return self.key.sign(body, ec.ECDSA(hashes.SHA256()))

    def checkpoint(self, size: int, root: bytes) -> str:
        origin = self.origin_name if self.v2 or self.bare_origin else f"{self.origin_name} - {self.tree_id}"
        body = f"{origin}\n{size}\n{b64(root)}\n"
        sig = self.sign_note(body.encode())
        return body + "\n" + f"\u2014 {self.origin_name} {b64(self.log_id[:4] + sig)}\n"

    def trust_entry(self, start: str, end: str | None = None) -> dict[str, Any]:
        window = {"start": start, **({"end": end} if end else {})}
        return {"baseUrl": self.base_url, "hashAlgorithm": "SHA2_256",
                "publicKey": {"rawBytes": b64(self.public_spki), "keyDetails": self.key_details,
                              "validFor": window},
                "logId": {"keyId": b64(self.log_id)}}

    def add(self, body: bytes, integrated_time: int, kind: str, version: str) -> dict[str, Any]:
        self.leaves.append(_leaf_hash(body))
        index = len(self.leaves) - 1
        leaves = list(self.leaves) + [_leaf_hash(b"later %d" % i) for i in range(self.pad_after)]
        size = len(leaves)
        root = merkle_root(leaves)
        proof = {
            "logIndex": str(index), "rootHash": b64(root), "treeSize": str(size),
            "hashes": [b64(h) for h in inclusion_path(index, leaves)],
            "checkpoint": {"envelope": self.checkpoint(size, root)},
        }
        if self.v2:
            return {"logIndex": str(index), "logId": {"keyId": b64(self.log_id)},
                    "kindVersion": {"kind": kind, "version": version}, "inclusionProof": proof,
                    "canonicalizedBody": b64(body)}
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
            "inclusionProof": proof,
            "canonicalizedBody": b64(body),
        }


def rekor_v2_log() -> Log:
    """A rekor-tiles-like shard: Ed25519 signed notes, no SETs."""
    return Log(origin_name="log2025.rekor.test", base_url="https://log2025.rekor.test", v2=True,
               ed_key=ed25519.Ed25519PrivateKey.generate(), leaves=[_leaf_hash(b"v2 filler %d" % i) for i in range(6)])


# -- DER, just enough for CMS SignedData / RFC 3161 -------------------------------------------------------------


def der(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _der_len(len(content)) + content


def der_seq(*items: bytes) -> bytes:
    return der(0x30, b"".join(items))


def der_set(*items: bytes) -> bytes:
    return der(0x31, b"".join(sorted(items)))  # DER: SET OF elements in order of their encodings


def der_int(n: int) -> bytes:
    return der(0x02, n.to_bytes(n.bit_length() // 8 + 1, "big", signed=True))


def der_oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    out = bytearray()
    for arc in [40 * arcs[0] + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return der(0x06, bytes(out))


def der_octets(data: bytes) -> bytes:
    return der(0x04, data)


def der_time(moment: dt.datetime) -> bytes:
    return der(0x18, moment.astimezone(UTC).strftime("%Y%m%d%H%M%SZ").encode())


OID_SHA256 = "2.16.840.1.101.3.4.2.1"
OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
OID_TST_INFO = "1.2.840.113549.1.9.16.1.4"
OID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
OID_SIGNING_CERT_V2 = "1.2.840.113549.1.9.16.2.47"
OID_ECDSA_SHA256 = "1.2.840.10045.4.3.2"
TSA_POLICY = "1.3.6.1.4.1.57264.2"


@dataclass
class TSA:
    """An RFC 3161 timestamp authority: a TSA root CA and a leaf with the (critical) timeStamping EKU.

    ``leaf_validity`` bounds the leaf certificate (default: the CA's years); ``intermediate`` puts a CA between
    root and leaf; ``eku_critical`` False makes the leaf break RFC 3161 §2.3. :meth:`response` answers with a
    DER TimeStampResp whose token is a CMS SignedData over a TSTInfo imprinting SHA-256 of the message.
    """

    now: dt.datetime = field(default_factory=lambda: dt.datetime(2025, 6, 1, 12, 0, tzinfo=UTC))
    name: str = "test-tsa"
    leaf_validity: tuple[dt.datetime, dt.datetime] | None = None
    uri: str = "https://tsa.test/api/v1/timestamp"
    intermediate: bool = False
    eku_critical: bool = True

    def __post_init__(self) -> None:
        self.root_key = ec.generate_private_key(ec.SECP384R1())
        self.leaf_key = ec.generate_private_key(ec.SECP256R1())
        nb, na = self.now - dt.timedelta(days=365), self.now + dt.timedelta(days=3650)
        self.root = _cert(f"{self.name}-root", None, self.root_key.public_key(), self.root_key, nb, na,  # type: ignore[arg-type]
                          True, 1 if self.intermediate else 0)
        issuer, issuer_key = self.root, self.root_key
        self.cas = [self.root]
        if self.intermediate:
            self.inter_key = ec.generate_private_key(ec.SECP384R1())
            issuer = _cert(f"{self.name}-intermediate", self.root.subject, self.inter_key.public_key(),
                           self.root_key, nb, na, True, 0)
            issuer_key = self.inter_key
            self.cas.insert(0, issuer)
        lnb, lna = self.leaf_validity or (nb, na)
        pub = self.leaf_key.public_key()
        self.leaf = (x509.CertificateBuilder()
                     .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "pyslsa-test"),
                                              x509.NameAttribute(NameOID.COMMON_NAME, self.name)]))
                     .issuer_name(issuer.subject).public_key(pub).serial_number(x509.random_serial_number())
                     .not_valid_before(lnb).not_valid_after(lna)
                     .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                     .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                                  key_encipherment=False, data_encipherment=False,
                                                  key_agreement=False, key_cert_sign=False, crl_sign=False,
                                                  encipher_only=False, decipher_only=False), critical=True)
                     .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                                    critical=self.eku_critical)
                     .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False)
                     .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                                    critical=False)
                     .sign(issuer_key, hashes.SHA384()))
        self._serial = 1

    @property
    def chain(self) -> list[x509.Certificate]:
        return [self.leaf, *self.cas]

    def authority(self, start: dt.datetime | None = None, end: dt.datetime | None = None,
                  chain: list[x509.Certificate] | None = None) -> dict[str, Any]:
        """This TSA as a trusted-root ``timestampAuthorities`` entry."""
        window = {"start": _rfc3339(start or self.now - dt.timedelta(days=365))}
        if end is not None:
            window["end"] = _rfc3339(end)
        certs = self.chain if chain is None else chain
        return {"subject": {"organization": "pyslsa-test", "commonName": self.name}, "uri": self.uri,
                "certChain": {"certificates": [{"rawBytes": b64(c.public_bytes(serialization.Encoding.DER))}
                                               for c in certs]},
                "validFor": window}

    def response(self, message: bytes, at: dt.datetime, *, embed_cert: bool = True, status: int = 0) -> bytes:
        """A DER TimeStampResp over SHA-256(``message``) with genTime ``at``."""
        self._serial += 1
        tst_info = der_seq(
            der_int(1), der_oid(TSA_POLICY),
            der_seq(der_seq(der_oid(OID_SHA256)), der_octets(hashlib.sha256(message).digest())),
            der_int(self._serial), der_time(at), der_int(int.from_bytes(hashlib.sha256(message).digest()[:8], "big")),
        )
        leaf_der = self.leaf.public_bytes(serialization.Encoding.DER)
        attrs = [
            der_seq(der_oid(OID_CONTENT_TYPE), der_set(der_oid(OID_TST_INFO))),
            der_seq(der_oid(OID_MESSAGE_DIGEST), der_set(der_octets(hashlib.sha256(tst_info).digest()))),
            der_seq(der_oid(OID_SIGNING_CERT_V2),
                    der_set(der_seq(der_seq(der_seq(der_octets(hashlib.sha256(leaf_der).digest())))))),
        ]
        signed_attrs = der_set(*attrs)
        signature = self.leaf_key.sign(signed_attrs, ec.ECDSA(hashes.SHA256()))
        signer_info = der_seq(
            der_int(1),
            der_seq(self.leaf.issuer.public_bytes(), der_int(self.leaf.serial_number)),
            der_seq(der_oid(OID_SHA256)),
            b"\xa0" + signed_attrs[1:],  # [0] IMPLICIT SET OF Attribute
            der_seq(der_oid(OID_ECDSA_SHA256)),
            der_octets(signature),
        )
        signed_data = der_seq(
            der_int(3), der_set(der_seq(der_oid(OID_SHA256))),
            der_seq(der_oid(OID_TST_INFO), der(0xA0, der_octets(tst_info))),
            der(0xA0, leaf_der) if embed_cert else b"",  # certificates [0] IMPLICIT
            der_set(signer_info),
        )
        token = der_seq(der_oid(OID_SIGNED_DATA), der(0xA0, signed_data))
        return der_seq(der_seq(der_int(status)), token)

    def stamp(self, message: bytes, at: dt.datetime, **kw: Any) -> dict[str, str]:
        """A bundle ``rfc3161Timestamps`` item."""
        return {"signedTimestamp": b64(self.response(message, at, **kw))}


def _rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Authority:
    """Root and intermediate CA, CT log, transparency logs (Rekor v1 ``log``, Rekor v2 ``log2``), timestamp
    authority; issues leaves and bundles."""

    now: dt.datetime = field(default_factory=lambda: dt.datetime(2025, 6, 1, 12, 0, tzinfo=UTC))
    log: Log = field(default_factory=Log)
    log2: Log = field(default_factory=rekor_v2_log)
    tsa: TSA | None = None

    def __post_init__(self) -> None:
        if self.tsa is None:
            self.tsa = TSA(now=self.now)
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

    @property
    def timestamper(self) -> TSA:
        assert self.tsa is not None
        return self.tsa

    def _sct(self, tbs: bytes, when: dt.datetime, extensions: bytes = b"") -> bytes:
        ts = int(when.timestamp() * 1000)
        issuer_key_hash = hashlib.sha256(spki(self.inter_key.public_key())).digest()
        exts = struct.pack(">H", len(extensions)) + extensions
        signed = (b"\x00\x00" + struct.pack(">Q", ts) + b"\x00\x01" + issuer_key_hash
                  + len(tbs).to_bytes(3, "big") + tbs + exts)
        sig = self.ct_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        sct = (b"\x00" + self.ct_log_id + struct.pack(">Q", ts) + exts + b"\x04\x03"
               + struct.pack(">H", len(sig)) + sig)
        sct_list = struct.pack(">H", len(sct)) + sct
        sct_list = struct.pack(">H", len(sct_list)) + sct_list
        return bytes([0x04]) + _der_len(len(sct_list)) + sct_list  # OCTET STRING

    def leaf(self, *, san: str | None = None, email: str | None = None, issuer: str = GH_ISSUER,
             claims: dict[str, str] | None = None, not_before: dt.datetime | None = None,
             lifetime: dt.timedelta = dt.timedelta(minutes=10), sct: bool = True, code_signing: bool = True,
             key: ec.EllipticCurvePrivateKey | None = None, sct_extensions: bytes = b"",
             issuer_extensions: tuple[str, ...] = ("1", "8")
             ) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        """A Fulcio-like leaf. ``issuer`` goes into the deprecated raw issuer extension (.1) and the DER one (.8),
        or only those of ``issuer_extensions``; ``claims``: more Fulcio extensions by dotted OID."""
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
                   .add_extension(x509.SubjectAlternativeName(names), critical=True))
        if "1" in issuer_extensions:
            builder = builder.add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier(FULCIO + "1"),
                                                                       issuer.encode()), critical=False)
        if "8" in issuer_extensions:
            builder = builder.add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier(FULCIO + "8"),
                                                                       der_utf8(issuer)), critical=False)
        for oid, value in (claims or {}).items():
            raw = value.encode() if int(oid.rsplit(".", 1)[1]) <= 6 else der_utf8(value)
            builder = builder.add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier(oid), raw),
                                            critical=False)
        if sct:
            pre = builder.sign(self.inter_key, hashes.SHA384())
            ext = x509.UnrecognizedExtension(ExtensionOID.PRECERT_SIGNED_CERTIFICATE_TIMESTAMPS,
                                             self._sct(pre.tbs_certificate_bytes, nb, sct_extensions))
            builder = builder.add_extension(ext, critical=False)
        return key, builder.sign(self.inter_key, hashes.SHA384())

    # -- trusted root ------------------------------------------------------------------------------------------

    def trusted_root(self, *, ca_start: dt.datetime | None = None, ca_end: dt.datetime | None = None,
                     tlog_start: dt.datetime | None = None, tlog_end: dt.datetime | None = None,
                     log_key: ec.EllipticCurvePrivateKey | None = None, ct: bool = True,
                     key_details: str = "PKIX_ECDSA_P256_SHA_256", v2_log: bool = True,
                     tsas: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The trusted root of this authority; ``tsas`` None: the authority's own TSA, open-ended."""
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
                       "logId": {"keyId": b64(hashlib.sha256(spki(lk)).digest())}}]
                     + ([self.log2.trust_entry(window(tlog_start, None)["start"])] if v2_log else []),
            "certificateAuthorities": [{
                "subject": {"organization": "pyslsa-test", "commonName": "test"}, "uri": "https://fulcio.test",
                "certChain": {"certificates": [{"rawBytes": b64(c.public_bytes(serialization.Encoding.DER))}
                                               for c in (self.inter, self.root)]},
                "validFor": window(ca_start, ca_end)}],
            "ctlogs": [{"baseUrl": "https://ct.test", "hashAlgorithm": "SHA2_256",
                        "publicKey": {"rawBytes": b64(spki(self.ct_key.public_key())),
                                      "keyDetails": "PKIX_ECDSA_P256_SHA_256", "validFor": window(None, None)},
                        "logId": {"keyId": b64(self.ct_log_id)}}] if ct else [],
            "timestampAuthorities": [self.timestamper.authority()] if tsas is None else tsas,
        }

    # -- bundles -----------------------------------------------------------------------------------------------

    def dsse_bundle(self, statement: dict[str, Any], *, key: ec.EllipticCurvePrivateKey | None = None,
                    cert: x509.Certificate | None = None, version: str = "0.3", kind: str = "dsse",
                    integrated_time: dt.datetime | None = None, public_key_hint: str | None = None,
                    rekor: str = "v1", timestamps: tuple[dt.datetime, ...] = (), log: Log | None = None
                    ) -> dict[str, Any]:
        """A DSSE bundle of ``statement``. With ``cert`` None and ``key`` given: a key-based bundle.

        ``kind``: the log entry recording it (Rekor v1: dsse 0.0.1, intoto 0.0.2, hashedrekord 0.0.1 over the
        PAE; ``rekor="v2"``: hashedrekord 0.0.2 over the PAE, or dsse 0.0.2). ``timestamps``: genTimes of RFC 3161
        timestamps over the signature by the authority's TSA. ``log``: another log to record the entry in."""
        if key is None:
            key, cert = self.leaf(san="https://github.com/o/r/.github/workflows/w.yml@refs/tags/v1.0.0")
        payload = json.dumps(statement).encode()
        ptype = "application/vnd.in-toto+json"
        pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype.encode(), len(payload), payload)
        sig = key.sign(pae, ec.ECDSA(hashes.SHA256()))
        verifier_pem = (cert.public_bytes(serialization.Encoding.PEM) if cert is not None
                        else key.public_key().public_bytes(serialization.Encoding.PEM,
                                                           serialization.PublicFormat.SubjectPublicKeyInfo))
        if rekor == "v2":
            body, kv = _v2_body(kind, sig, _v2_verifier(cert, key), pae=pae, payload=payload)
        elif kind == "dsse":
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
        entry = (log or (self.log2 if rekor == "v2" else self.log)).add(raw_body, int(when.timestamp()), *kv)
        return {
            "mediaType": _media(version),
            "verificationMaterial": self._material(cert, key, version, entry, public_key_hint, sig, timestamps),
            "dsseEnvelope": {"payload": b64(payload), "payloadType": ptype,
                             "signatures": [{"sig": b64(sig), "keyid": ""}]},
        }

    def message_bundle(self, artifact: bytes, *, key: ec.EllipticCurvePrivateKey | None = None,
                       cert: x509.Certificate | None = None, version: str = "0.3",
                       integrated_time: dt.datetime | None = None, rekor: str = "v1",
                       timestamps: tuple[dt.datetime, ...] = (), log: Log | None = None) -> dict[str, Any]:
        """A message-signature bundle over ``artifact``, logged as hashedrekord 0.0.1 (or 0.0.2: ``rekor="v2"``)."""
        if key is None:
            key, cert = self.leaf(email="signer@example.test", issuer="https://accounts.example.test")
        digest = hashlib.sha256(artifact).digest()
        sig = key.sign(artifact, ec.ECDSA(hashes.SHA256()))
        verifier_pem = (cert.public_bytes(serialization.Encoding.PEM) if cert is not None
                        else key.public_key().public_bytes(serialization.Encoding.PEM,
                                                           serialization.PublicFormat.SubjectPublicKeyInfo))
        body: dict[str, Any] = {"apiVersion": "0.0.1", "kind": "hashedrekord", "spec": {
            "data": {"hash": {"algorithm": "sha256", "value": digest.hex()}},
            "signature": {"content": b64(sig), "publicKey": {"content": b64(verifier_pem)}}}}
        if rekor == "v2":
            body, _ = _v2_body("hashedrekord", sig, _v2_verifier(cert, key), digest=digest)
        raw_body = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        when = integrated_time or (self.now + dt.timedelta(seconds=30))
        entry = (log or (self.log2 if rekor == "v2" else self.log)).add(
            raw_body, int(when.timestamp()), "hashedrekord", "0.0.2" if rekor == "v2" else "0.0.1")
        return {
            "mediaType": _media(version),
            "verificationMaterial": self._material(cert, key, version, entry, None, sig, timestamps),
            "messageSignature": {"messageDigest": {"algorithm": "SHA2_256", "digest": b64(digest)},
                                 "signature": b64(sig)},
        }

    def _material(self, cert: x509.Certificate | None, key: Any, version: str, entry: dict[str, Any],
                  hint: str | None, signature: bytes, timestamps: tuple[dt.datetime, ...]) -> dict[str, Any]:
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
        if timestamps:
            vm["timestampVerificationData"] = {"rfc3161Timestamps": [self.timestamper.stamp(signature, t)
                                                                      for t in timestamps]}
        return vm


def _v2_verifier(cert: x509.Certificate | None, key: Any) -> dict[str, Any]:
    if cert is not None:
        return {"keyDetails": "PKIX_ECDSA_P256_SHA_256",
                "x509Certificate": {"rawBytes": b64(cert.public_bytes(serialization.Encoding.DER))}}
    return {"keyDetails": "PKIX_ECDSA_P256_SHA_256", "publicKey": {"rawBytes": b64(spki(key.public_key()))}}


def _v2_body(kind: str, sig: bytes, verifier: dict[str, Any], *, pae: bytes | None = None,
             payload: bytes | None = None, digest: bytes | None = None) -> tuple[dict[str, Any], tuple[str, str]]:
    """A Rekor v2 entry body: hashedrekord 0.0.2 (over ``digest``, or the PAE's SHA-256) or dsse 0.0.2."""
    if kind == "dsse":
        assert payload is not None
        return {"apiVersion": "0.0.2", "kind": "dsse", "spec": {"dsseV002": {
            "payloadHash": {"algorithm": "SHA2_256", "digest": b64(hashlib.sha256(payload).digest())},
            "signatures": [{"content": b64(sig), "verifier": verifier}]}}}, ("dsse", "0.0.2")
    if digest is None:
        assert pae is not None
        digest = hashlib.sha256(pae).digest()
    return {"apiVersion": "0.0.2", "kind": "hashedrekord", "spec": {"hashedRekordV002": {
        "data": {"algorithm": "SHA2_256", "digest": b64(digest)},
        "signature": {"content": b64(sig), "verifier": verifier}}}}, ("hashedrekord", "0.0.2")


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
                    integrated_time: dt.datetime | None = None,
                    pem_text: Callable[[bytes], bytes] | None = None,
                    cert: tuple[ec.EllipticCurvePrivateKey, x509.Certificate] | None = None,
                    ) -> tuple[bytes, dict[str, Any]]:
    """A slsa-github-generator <= v2.0.0 style envelope (one JSON line, certificate inside the signature) and
    the Rekor API answer ``{uuid: LogEntry}`` an online lookup would return for it. ``pem_text`` rewrites the
    certificate's PEM text (in the envelope and in the log entry alike); ``cert``: the signing key and leaf."""
    key, leaf = cert or auth.leaf(san=san, claims=claims)
    payload = json.dumps(statement).encode()
    ptype = "application/vnd.in-toto+json"
    pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype.encode(), len(payload), payload)
    sig = key.sign(pae, ec.ECDSA(hashes.SHA256()))
    pem = leaf.public_bytes(serialization.Encoding.PEM)
    if pem_text is not None:
        pem = pem_text(pem)
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
