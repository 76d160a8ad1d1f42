"""The sigstore-conformance ``bundle-verify`` cases (docs/design/sigstore-verify-spec.md §9.2), one test id each.

Each case rebuilds the fixture's situation with the throw-away Sigstore of tests/authority.py (or uses a real
vector from tests/data) and asserts the verdict and, for a ``_fail`` case, the error code. The conformance suite
only asks for a non-zero exit; the code says *which* check refused, so a case that fails for the wrong reason
is caught here.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

import pyslsa
from pyslsa.errors import PyslsaError, VerificationError
from tests.authority import (
    GH_ISSUER,
    TSA,
    Authority,
    Log,
    _cert,
    b64,
    pem_public_key,
    spki,
)
from tests.conftest import DATA, SIGSTORE_PY, vector

ARTIFACT = b"the artifact"
DIGEST = "sha256:" + hashlib.sha256(ARTIFACT).hexdigest()
WF = "https://github.com/o/r/.github/workflows/w.yml@refs/tags/v1.0.0"
EMAIL, EMAIL_ISS = "signer@example.test", "https://accounts.example.test"
STAGING = DATA / "trust-roots" / "staging-trusted_root.json"

Case = Callable[[Authority, Path], None]
CASES: dict[str, Case] = {}

# The conformance harness runs every case twice: with the artifact's path, and with "sha256:<hex>" (DIGEST).
_INPUT: dict[str, str] = {"artifact": DIGEST}


def case(name: str) -> Callable[[Case], Case]:
    def register(fn: Case) -> Case:
        assert name not in CASES, name
        CASES[name] = fn
        return fn
    return register


@pytest.fixture(scope="module")
def auth() -> Authority:
    return Authority()


# -- helpers ------------------------------------------------------------------------------------------------------


def statement(digest: str = DIGEST, **extra: Any) -> dict[str, Any]:
    return {"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://example.test/predicate",
            "subject": [{"name": "a", "digest": {"sha256": digest.removeprefix("sha256:")}}], "predicate": extra}


def root(auth: Authority, **kw: Any) -> bytes:
    return json.dumps(auth.trusted_root(**kw)).encode()


def _policy(b: dict[str, Any], kw: dict[str, Any]) -> dict[str, Any]:
    if "key" not in kw and "identity" not in kw:
        if "messageSignature" in b:
            kw.update(identity=EMAIL, issuer=EMAIL_ISS)
        else:
            kw.update(identity=WF, issuer=GH_ISSUER)
    return kw


def passes(b: dict[str, Any], trusted: bytes, **kw: Any) -> Any:
    kw = _policy(b, kw)
    return pyslsa.verify_bundle(kw.pop("artifact", _INPUT["artifact"]), json.dumps(b).encode(),
                                trusted_root=trusted, **kw)


def fails(b: dict[str, Any] | bytes, trusted: bytes, code: str, **kw: Any) -> str:
    raw = b if isinstance(b, bytes) else json.dumps(b).encode()
    kw = _policy(b if isinstance(b, dict) else {}, kw)
    with pytest.raises(VerificationError) as info:
        pyslsa.verify_bundle(kw.pop("artifact", _INPUT["artifact"]), raw, trusted_root=trusted, **kw)
    assert info.value.code == code, info.value.message
    return info.value.message


def entry(b: dict[str, Any]) -> dict[str, Any]:
    e: dict[str, Any] = b["verificationMaterial"]["tlogEntries"][0]
    return e


def cp_text(b: dict[str, Any]) -> str:
    text: str = entry(b)["inclusionProof"]["checkpoint"]["envelope"]
    return text


def set_cp(b: dict[str, Any], text: str) -> None:
    entry(b)["inclusionProof"]["checkpoint"]["envelope"] = text


def note_and_sigs(text: str) -> tuple[str, list[str]]:
    note, sigs = text.split("\n\n")
    return note + "\n", sigs.splitlines()


def cosig(note: str, name: str = "witness.test") -> str:
    """A witness cosignature line: another name, another key (so another key hint)."""
    key = ed25519.Ed25519PrivateKey.generate()
    hint = hashlib.sha256(name.encode() + key.public_key().public_bytes_raw()).digest()[:4]
    return f"\u2014 {name} {b64(hint + key.sign(note.encode()))}"


def stamps(b: dict[str, Any], items: list[dict[str, str]]) -> None:
    b["verificationMaterial"]["timestampVerificationData"] = {"rfc3161Timestamps": items}


def sig_of(b: dict[str, Any]) -> bytes:
    if "messageSignature" in b:
        return base64.b64decode(b["messageSignature"]["signature"])
    return base64.b64decode(b["dsseEnvelope"]["signatures"][0]["sig"])


def t_in(auth: Authority) -> dt.datetime:
    """Inside the default leaf lifetime [now, now + 10 min]."""
    return auth.now + dt.timedelta(seconds=40)


def t_out(auth: Authority) -> dt.datetime:
    """After the default leaf lifetime."""
    return auth.now + dt.timedelta(hours=1)


REAL_V2 = SIGSTORE_PY / "staging-rekor-v2.txt.sigstore.json"  # hashedrekord 0.0.2, Ed25519 checkpoint, staging TSA
REAL_V2_POLICY = {"identity": "jku@goto.fi", "issuer": "https://github.com/login/oauth"}


def real_v2(doc: dict[str, Any] | None = None, trusted: dict[str, Any] | None = None) -> Any:
    """Verify the real Rekor v2 vector (optionally edited, optionally under an edited staging root)."""
    data = json.dumps(doc).encode() if doc is not None else vector(REAL_V2)
    root_data = json.dumps(trusted).encode() if trusted is not None else vector(STAGING)
    return pyslsa.verify_bundle(str(SIGSTORE_PY / "staging-rekor-v2.txt"), data, trusted_root=root_data,
                                **REAL_V2_POLICY)


def v2_msg(auth: Authority, **kw: Any) -> dict[str, Any]:
    kw.setdefault("timestamps", (t_in(auth),))
    return auth.message_bundle(ARTIFACT, rekor="v2", **kw)


def v2_dsse(auth: Authority, stmt: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    kw.setdefault("timestamps", (t_in(auth),))
    kw.setdefault("kind", "hashedrekord")
    return auth.dsse_bundle(stmt or statement(), rekor="v2", **kw)


def resign_dsse(b: dict[str, Any], key: ec.EllipticCurvePrivateKey, payload: bytes | None = None) -> bytes:
    """Replace the envelope's signature (and payload) with a fresh signature by ``key``; returns it."""
    env = b["dsseEnvelope"]
    if payload is not None:
        env["payload"] = b64(payload)
    body = base64.b64decode(env["payload"])
    ptype = env["payloadType"].encode()
    pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype, len(body), body)
    sig = key.sign(pae, ec.ECDSA(hashes.SHA256()))
    env["signatures"][0]["sig"] = b64(sig)
    return sig


# -- Must PASS ----------------------------------------------------------------------------------------------------


@case("happy-path")
def _happy_path(auth: Authority, tmp: Path) -> None:
    assert passes(auth.message_bundle(ARTIFACT), root(auth)).builder_id == EMAIL
    whl_id = "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2"
    r = pyslsa.verify_bundle(str(SIGSTORE_PY / "bundle_v3_github.whl"),  # a real production bundle
                             vector(SIGSTORE_PY / "bundle_v3_github.whl.sigstore"), identity=whl_id, issuer=GH_ISSUER)
    assert r.builder_id == whl_id


@case("happy-path-v0.1")
def _happy_v01(auth: Authority, tmp: Path) -> None:
    b = auth.message_bundle(ARTIFACT, version="0.1")
    assert "x509CertificateChain" in b["verificationMaterial"] and "inclusionProof" not in entry(b)
    assert passes(b, root(auth)).integrated_time is not None


@case("happy-path-v0.2")
def _happy_v02(auth: Authority, tmp: Path) -> None:
    assert passes(auth.message_bundle(ARTIFACT, version="0.2"), root(auth)).builder_id == EMAIL


@case("happy-path-v0.3")
def _happy_v03(auth: Authority, tmp: Path) -> None:
    b = auth.message_bundle(ARTIFACT)
    b["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.3"
    assert passes(b, root(auth)).builder_id == EMAIL


@case("happy-path-v0.3-new-mediaType")
def _happy_v03_new(auth: Authority, tmp: Path) -> None:
    b = auth.message_bundle(ARTIFACT)
    assert b["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json"
    assert passes(b, root(auth)).builder_id == EMAIL


@case("happy-path-intoto-in-dsse-v3")
def _happy_intoto_in_dsse(auth: Authority, tmp: Path) -> None:
    r = passes(auth.dsse_bundle(statement()), root(auth))
    assert r.statement["_type"] == "https://in-toto.io/Statement/v1"


@case("bundle-with-sct-with-extensions")
def _sct_extensions(auth: Authority, tmp: Path) -> None:
    key, cert = auth.leaf(email=EMAIL, issuer=EMAIL_ISS, sct_extensions=b"\x00\x01\x02\x03 sct extension")
    scts = cert.extensions.get_extension_for_class(x509.PrecertificateSignedCertificateTimestamps).value
    assert next(iter(scts)).extension_bytes == b"\x00\x01\x02\x03 sct extension"
    assert passes(auth.message_bundle(ARTIFACT, key=key, cert=cert), root(auth)).builder_id == EMAIL


@case("intoto-with-custom-trust-root")
def _intoto_custom_root(auth: Authority, tmp: Path) -> None:
    b = auth.dsse_bundle(statement(), kind="intoto")
    assert entry(b)["kindVersion"] == {"kind": "intoto", "version": "0.0.2"} and "inclusionPromise" in entry(b)
    assert passes(b, root(auth)).builder_id == WF


def _one_leaf_authority(auth: Authority, *, v2: bool = False) -> Authority:
    """A custom deployment whose log holds exactly one entry: root hash = SHA-256(0x00 || body)."""
    log = Log(leaves=[], pad_after=0, v2=v2, bare_origin=True)
    return Authority(now=auth.now, log=log, log2=log)


def _key_hint(key: ec.EllipticCurvePrivateKey) -> str:
    return b64(hashlib.sha256(spki(key.public_key())).digest())


@case("intoto-canonical-log-entry")
def _intoto_canonical(auth: Authority, tmp: Path) -> None:
    custom = _one_leaf_authority(auth)
    key = ec.generate_private_key(ec.SECP256R1())
    b = custom.dsse_bundle(statement(), key=key, cert=None, kind="intoto", public_key_hint=_key_hint(key))
    e = entry(b)
    del e["inclusionPromise"]  # inclusion proof only: no SET, and no TSA either
    body = json.loads(base64.b64decode(e["canonicalizedBody"]))
    assert "payload" not in body["spec"]["content"]["envelope"]  # the canonical body omits the payload
    proof = e["inclusionProof"]
    assert proof["treeSize"] == "1" and proof["hashes"] == []
    assert base64.b64decode(proof["rootHash"]) == hashlib.sha256(b"\x00" + base64.b64decode(
        e["canonicalizedBody"])).digest()
    assert cp_text(b).startswith("rekor.test\n1\n")  # three-line checkpoint named after the log's host
    r = passes(b, root(custom, tsas=[], v2_log=False), key=pem_public_key(key))
    assert r.integrated_time is None and r.builder_id == ""
    # the body still binds: another key fails
    fails(b, root(custom, tsas=[], v2_log=False), "invalid-signature",
          key=pem_public_key(ec.generate_private_key(ec.SECP256R1())))


@case("managed-key-happy-path")
def _managed_key(auth: Authority, tmp: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    b = auth.message_bundle(ARTIFACT, key=key, cert=None)
    assert passes(b, root(auth), key=pem_public_key(key)).builder_id == ""


@case("managed-key-and-trusted-root")
def _managed_key_root(auth: Authority, tmp: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    b = auth.message_bundle(ARTIFACT, key=key, cert=None)
    del b["verificationMaterial"]["tlogEntries"]
    bare = json.dumps({"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}).encode()
    r = passes(b, bare, key=pem_public_key(key))
    assert r.artifacts[0].log_index is None


@case("rekor2-happy-path")
def _rekor2_happy(auth: Authority, tmp: Path) -> None:
    b = v2_msg(auth)
    e = entry(b)
    assert e["kindVersion"] == {"kind": "hashedrekord", "version": "0.0.2"}
    assert "inclusionPromise" not in e and "integratedTime" not in e
    assert e["logIndex"] == e["inclusionProof"]["logIndex"]
    r = passes(b, root(auth))
    assert r.integrated_time is None and r.builder_id == EMAIL
    assert real_v2().integrated_time is None  # the real thing (staging)


@case("rekor2-dsse-happy-path")
def _rekor2_dsse_happy(auth: Authority, tmp: Path) -> None:
    for kind in ("hashedrekord", "dsse"):  # current encoding (SHA-256 of the PAE), then the older dsse 0.0.2
        b = v2_dsse(auth, kind=kind)
        assert entry(b)["kindVersion"] == {"kind": kind, "version": "0.0.2"}
        assert passes(b, root(auth)).builder_id == WF


@case("dsse-with-hashedrekord-happy-path")
def _dsse_hashedrekord_happy(auth: Authority, tmp: Path) -> None:
    b = auth.dsse_bundle(statement(), kind="hashedrekord")
    assert entry(b)["kindVersion"] == {"kind": "hashedrekord", "version": "0.0.1"}
    assert passes(b, root(auth)).builder_id == WF


@case("rekor2-checkpoint-cosigned")
def _cp_cosigned(auth: Authority, tmp: Path) -> None:
    b = v2_msg(auth)
    note, sigs = note_and_sigs(cp_text(b))
    set_cp(b, note + "\n" + "\n".join([*sigs, cosig(note)]) + "\n")
    passes(b, root(auth))
    doc = json.loads(vector(REAL_V2))  # and a witness cosignature added to the real staging checkpoint
    note, sigs = note_and_sigs(cp_text(doc))
    set_cp(doc, note + "\n" + "\n".join([*sigs, cosig(note)]) + "\n")
    assert real_v2(doc).builder_id == REAL_V2_POLICY["identity"]


@case("rekor2-checkpoint-multiple-cosigs")
def _cp_multiple_cosigs(auth: Authority, tmp: Path) -> None:
    b = v2_msg(auth)
    note, sigs = note_and_sigs(cp_text(b))
    set_cp(b, note + "\n" + "\n".join([*sigs, *(cosig(note, f"w{i}.test") for i in range(4))]) + "\n")
    passes(b, root(auth))


@case("rekor2-checkpoint-origin-not-first")
def _cp_origin_not_first(auth: Authority, tmp: Path) -> None:
    b = v2_msg(auth)
    note, sigs = note_and_sigs(cp_text(b))
    set_cp(b, note + "\n" + "\n".join([cosig(note), *sigs]) + "\n")
    passes(b, root(auth))


@case("rekor2-checkpoint-two-sigs-cosigned")
def _cp_two_sigs_cosigned(auth: Authority, tmp: Path) -> None:
    b = v2_msg(auth)
    note, sigs = note_and_sigs(cp_text(b))
    set_cp(b, note + "\n" + "\n".join([*sigs, cosig(note, "other-log.test"), cosig(note)]) + "\n")
    passes(b, root(auth))


@case("rekor2-checkpoint-two-sigs-from-origin")
def _cp_two_sigs_from_origin(auth: Authority, tmp: Path) -> None:
    b = v2_msg(auth)
    note, sigs = note_and_sigs(cp_text(b))
    # a second line named as the origin, by another key (another hint): not the log's signature, ignored
    set_cp(b, note + "\n" + "\n".join([cosig(note, auth.log2.origin_name), *sigs]) + "\n")
    passes(b, root(auth))


@case("rekor2-timestamp-with-embedded-cert")
def _ts_embedded(auth: Authority, tmp: Path) -> None:
    passes(v2_msg(auth), root(auth))


@case("rekor2-timestamp-without-embedded-cert")
def _ts_not_embedded(auth: Authority, tmp: Path) -> None:
    b = v2_msg(auth)
    stamps(b, [auth.timestamper.stamp(sig_of(b), t_in(auth), embed_cert=False)])
    passes(b, root(auth))


@case("rekor2-timestamp-with-expired-cert-chain")
def _ts_expired_chain(auth: Authority, tmp: Path) -> None:
    short = TSA(now=auth.now, name="short-tsa", leaf_validity=(auth.now - dt.timedelta(days=1),
                                                                auth.now + dt.timedelta(hours=1)))
    assert short.leaf.not_valid_after_utc < dt.datetime.now(dt.timezone.utc)  # expired today, valid at genTime
    b = v2_msg(auth)
    stamps(b, [short.stamp(sig_of(b), t_in(auth))])
    passes(b, root(auth, tsas=[short.authority()]))


@case("sct-duplicate-intermediate-name")
def _sct_duplicate_intermediate(auth: Authority, tmp: Path) -> None:
    decoy_key = ec.generate_private_key(ec.SECP384R1())
    nb, na = auth.now - dt.timedelta(days=30), auth.now + dt.timedelta(days=30)
    decoy = _cert("test-intermediate", auth.root.subject, decoy_key.public_key(), auth.root_key, nb, na, True, 0)
    assert decoy.subject == auth.inter.subject and decoy.public_key() != auth.inter.public_key()
    trusted = auth.trusted_root()
    genuine = trusted["certificateAuthorities"][0]
    decoy_ca = copy.deepcopy(genuine)
    decoy_ca["uri"] = "https://decoy.test"
    decoy_ca["certChain"]["certificates"][0] = {"rawBytes": b64(decoy.public_bytes(serialization.Encoding.DER))}
    trusted["certificateAuthorities"] = [decoy_ca, genuine]  # the decoy is prepended
    passes(auth.message_bundle(ARTIFACT), json.dumps(trusted).encode())


@case("trust-root-tlog-validity-end-inclusive")
def _tlog_end_inclusive(auth: Authority, tmp: Path) -> None:
    when = auth.now + dt.timedelta(seconds=50)
    b = auth.message_bundle(ARTIFACT, integrated_time=when)
    passes(b, root(auth, tlog_end=when))  # integratedTime == validFor.end
    fails(b, root(auth, tlog_end=when - dt.timedelta(seconds=1)), "invalid-tlog-entry")


@case("trust-root-tsa-validity-end-inclusive")
def _tsa_end_inclusive(auth: Authority, tmp: Path) -> None:
    when = t_in(auth)
    b = v2_msg(auth, timestamps=(when,))
    passes(b, root(auth, tsas=[auth.timestamper.authority(end=when)]))  # genTime == validFor.end
    fails(b, root(auth, tsas=[auth.timestamper.authority(end=when - dt.timedelta(seconds=1))]),
          "invalid-timestamp")
    # the real staging vector, its TSA window ending exactly at the token's genTime (2025-06-09T11:57:38Z)
    trusted = json.loads(vector(STAGING))
    for tsa in trusted["timestampAuthorities"]:
        tsa["validFor"]["end"] = "2025-06-09T11:57:38Z"
    real_v2(trusted=trusted)
    for tsa in trusted["timestampAuthorities"]:
        tsa["validFor"]["end"] = "2025-06-09T11:57:37.999Z"
    with pytest.raises(VerificationError) as info:
        real_v2(trusted=trusted)
    assert info.value.code == "invalid-timestamp"


# -- Must FAIL: bundle format ---------------------------------------------------------------------------------------


@case("bundle-empty-certificate-chain_fail")
def _empty_chain(auth: Authority, tmp: Path) -> None:
    b = auth.message_bundle(ARTIFACT, version="0.2")
    b["verificationMaterial"]["x509CertificateChain"]["certificates"] = []
    fails(b, root(auth), "invalid-provenance")


@case("bundle-from-wrong-instance_fail")
def _wrong_instance(auth: Authority, tmp: Path) -> None:
    other = Authority(now=auth.now)
    fails(other.message_bundle(ARTIFACT), root(auth), "invalid-tlog-entry")  # unknown log
    # the real thing: a staging bundle checked against the production root
    with pytest.raises(VerificationError) as info:
        pyslsa.verify_bundle(str(SIGSTORE_PY / "bundle_v3.txt"), vector(SIGSTORE_PY / "bundle_v3.txt.sigstore"),
                             identity="william@yossarian.net", issuer="https://github.com/login/oauth")
    assert info.value.code == "invalid-tlog-entry"


@case("bundle-invalid-base64-signature_fail")
def _invalid_base64(auth: Authority, tmp: Path) -> None:
    b = auth.message_bundle(ARTIFACT)
    b["messageSignature"]["signature"] = "MEUCIQ!!" + b["messageSignature"]["signature"][8:]
    fails(b, root(auth), "invalid-provenance")


@case("bundle-malformed-json_fail")
def _malformed_json(auth: Authority, tmp: Path) -> None:
    raw = json.dumps(auth.message_bundle(ARTIFACT)).encode()
    fails(raw[:-20], root(auth), "invalid-provenance", identity=EMAIL, issuer=EMAIL_ISS)


@case("bundle-negative-log-index_fail")
def _negative_log_index(auth: Authority, tmp: Path) -> None:
    for value in ("-1", -1):
        b = auth.message_bundle(ARTIFACT)
        entry(b)["logIndex"] = value
        fails(b, root(auth), "invalid-provenance")
    b = auth.message_bundle(ARTIFACT)
    entry(b)["inclusionProof"]["logIndex"] = "-3"
    fails(b, root(auth), "invalid-provenance")


@case("bundle-unknown-version_fail")
def _unknown_version(auth: Authority, tmp: Path) -> None:
    b = auth.message_bundle(ARTIFACT)
    b["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=99.9"
    fails(b, root(auth), "unsupported-format")


@case("bundle-with-root-cert_fail")
def _root_in_chain(auth: Authority, tmp: Path) -> None:
    b = auth.message_bundle(ARTIFACT, version="0.2")
    chain = b["verificationMaterial"]["x509CertificateChain"]["certificates"]
    chain += [{"rawBytes": b64(c.public_bytes(serialization.Encoding.DER))} for c in (auth.inter, auth.root)]
    fails(b, root(auth), "invalid-provenance")


# -- Must FAIL: checkpoints and inclusion proofs --------------------------------------------------------------------


@case("checkpoint-bad-keyhint_fail")
def _bad_keyhint(auth: Authority, tmp: Path) -> None:
    b = auth.message_bundle(ARTIFACT)
    note, sigs = note_and_sigs(cp_text(b))
    name, blob = sigs[0].removeprefix("\u2014 ").split(" ")
    raw = base64.b64decode(blob)
    set_cp(b, note + "\n" + f"\u2014 {name} {b64(bytes(x ^ 0xFF for x in raw[:4]) + raw[4:])}\n")
    assert "not signed by the log" in fails(b, root(auth), "invalid-tlog-entry")


@case("checkpoint-wrong-roothash_fail")
def _cp_wrong_root(auth: Authority, tmp: Path) -> None:
    b = auth.message_bundle(ARTIFACT)
    proof = entry(b)["inclusionProof"]
    set_cp(b, auth.log.checkpoint(int(proof["treeSize"]), hashlib.sha256(b"another tree").digest()))  # signed
    assert "checkpoint does not match" in fails(b, root(auth), "invalid-tlog-entry")


@case("invalid-checkpoint-signature_fail")
def _cp_bad_signature(auth: Authority, tmp: Path) -> None:
    b = auth.message_bundle(ARTIFACT)
    note, sigs = note_and_sigs(cp_text(b))
    name, blob = sigs[0].removeprefix("\u2014 ").split(" ")
    raw = bytearray(base64.b64decode(blob))
    raw[-1] ^= 1
    set_cp(b, note + "\n" + f"\u2014 {name} {b64(bytes(raw))}\n")
    assert "does not verify" in fails(b, root(auth), "invalid-tlog-entry")


@case("inclusion-proof-corrupted-hash_fail")
def _corrupted_proof_hash(auth: Authority, tmp: Path) -> None:
    b = auth.message_bundle(ARTIFACT)
    hashes_ = entry(b)["inclusionProof"]["hashes"]
    h = bytearray(base64.b64decode(hashes_[0]))
    h[0] ^= 0x80
    hashes_[0] = b64(bytes(h))
    fails(b, root(auth), "invalid-tlog-entry")


@case("invalid-inclusion-proof_fail")
def _invalid_inclusion_proof(auth: Authority, tmp: Path) -> None:
    b = auth.message_bundle(ARTIFACT)
    old = auth.message_bundle(ARTIFACT)
    proof = entry(old)["inclusionProof"]  # a proof for another entry, and with no checkpoint
    del proof["checkpoint"]
    entry(b)["inclusionProof"] = proof
    fails(b, root(auth), "invalid-tlog-entry")
    b = auth.message_bundle(ARTIFACT)
    del entry(b)["inclusionProof"]["checkpoint"]  # the right proof, but no checkpoint
    fails(b, root(auth), "invalid-tlog-entry")


@case("incorrect-public-key_fail")
def _incorrect_public_key(auth: Authority, tmp: Path) -> None:
    b = auth.message_bundle(ARTIFACT)
    _, other = auth.leaf(email=EMAIL, issuer=EMAIL_ISS)
    body = json.loads(base64.b64decode(entry(b)["canonicalizedBody"]))
    body["spec"]["signature"]["publicKey"]["content"] = b64(other.public_bytes(serialization.Encoding.PEM))
    entry(b)["canonicalizedBody"] = b64(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())
    fails(b, root(auth), "invalid-tlog-entry")  # the SET and the Merkle leaf no longer match


@case("integrated-time-in-future_fail")
def _integrated_time_future(auth: Authority, tmp: Path) -> None:
    b = auth.message_bundle(ARTIFACT, integrated_time=auth.now + dt.timedelta(days=1))  # SET signs this time
    fails(b, root(auth), "invalid-certificate")


@case("set-invalid-signature_fail")
def _set_invalid(auth: Authority, tmp: Path) -> None:
    b = auth.message_bundle(ARTIFACT)
    entry(b)["inclusionPromise"]["signedEntryTimestamp"] = b64(auth.log.key.sign(b"something else",
                                                                               ec.ECDSA(hashes.SHA256())))
    assert "SET" in fails(b, root(auth), "invalid-tlog-entry")


# -- Must FAIL: signatures and log-entry bodies ---------------------------------------------------------------------


@case("signature-mismatch_fail")
def _signature_mismatch(auth: Authority, tmp: Path) -> None:
    b = auth.message_bundle(ARTIFACT)
    other = ec.generate_private_key(ec.SECP256R1())
    b["messageSignature"]["signature"] = b64(other.sign(ARTIFACT, ec.ECDSA(hashes.SHA256())))
    fails(b, root(auth), "invalid-signature")


@case("message-digest-mismatch_fail")
def _message_digest_mismatch(auth: Authority, tmp: Path) -> None:
    b = auth.message_bundle(ARTIFACT)
    b["messageSignature"]["messageDigest"]["digest"] = b64(hashlib.sha256(b"not the artifact").digest())
    fails(b, root(auth), "mismatch-hash")


@case("wrong-material_fail")
def _wrong_material(auth: Authority, tmp: Path) -> None:
    b = auth.message_bundle(ARTIFACT)
    wrong = "sha256:" + hashlib.sha256(b"other material").hexdigest()
    fails(b, root(auth), "mismatch-hash", artifact=wrong)  # the bundle's messageDigest names another artifact
    del b["messageSignature"]["messageDigest"]
    fails(b, root(auth), "invalid-signature", artifact=wrong)  # no digest field: the signature itself fails
    fails(auth.dsse_bundle(statement()), root(auth), "mismatch-hash", artifact=wrong)


def _swap_entry(b: dict[str, Any], donor: dict[str, Any]) -> dict[str, Any]:
    b["verificationMaterial"]["tlogEntries"] = donor["verificationMaterial"]["tlogEntries"]
    return b


@case("wrong-hashedrekord-artifact_fail")
def _wrong_hashedrekord_artifact(auth: Authority, tmp: Path) -> None:
    key, cert = auth.leaf(email=EMAIL, issuer=EMAIL_ISS)
    b = auth.message_bundle(ARTIFACT, key=key, cert=cert)
    donor = auth.message_bundle(b"another artifact", key=key, cert=cert)  # same signer, another artifact
    fails(_swap_entry(b, donor), root(auth), "invalid-tlog-entry")


@case("wrong-hashedrekord-cert-and-sig_fail")
def _wrong_hashedrekord_cert_sig(auth: Authority, tmp: Path) -> None:
    b = auth.message_bundle(ARTIFACT)
    donor = auth.message_bundle(ARTIFACT)  # same artifact, another certificate and signature
    fails(_swap_entry(b, donor), root(auth), "invalid-tlog-entry")


@case("wrong-hashedrekord-entry_fail")
def _wrong_hashedrekord_entry(auth: Authority, tmp: Path) -> None:
    key, cert = auth.leaf(email=EMAIL, issuer=EMAIL_ISS)
    b = auth.message_bundle(ARTIFACT, key=key, cert=cert)
    # a properly logged entry with this very signature and certificate, but over another digest
    body = json.loads(base64.b64decode(entry(b)["canonicalizedBody"]))
    body["spec"]["data"]["hash"]["value"] = hashlib.sha256(b"x").hexdigest()
    raw = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    logged = auth.log.add(raw, int(t_in(auth).timestamp()), "hashedrekord", "0.0.1")
    b["verificationMaterial"]["tlogEntries"] = [logged]
    assert "another artifact" in fails(b, root(auth), "invalid-tlog-entry")


@case("cve-2022-36056-swapped-tlog-entry_fail")
def _cve_2022_36056(auth: Authority, tmp: Path) -> None:
    with pytest.raises(VerificationError) as info:
        pyslsa.verify_bundle(str(SIGSTORE_PY / "bundle_cve_2022_36056.txt"),
                             vector(SIGSTORE_PY / "bundle_cve_2022_36056.txt.sigstore"),
                             identity="william@yossarian.net", issuer="https://github.com/login/oauth",
                             trusted_root=STAGING)
    assert info.value.code == "invalid-tlog-entry"
    donor = auth.dsse_bundle(statement())  # a valid entry of another signing
    fails(_swap_entry(auth.dsse_bundle(statement()), donor), root(auth), "invalid-tlog-entry")


def _dsse_cases(auth: Authority, *, kind: str, rekor: str = "v1") -> dict[str, dict[str, Any]]:
    """invalid-sig / mismatch-envelope / mismatch-sig variants of one DSSE bundle (with fresh timestamps over
    the changed signature for Rekor v2, so that only the named check can refuse)."""
    key, cert = auth.leaf(san=WF)
    def make(stmt: dict[str, Any], **kw: Any) -> dict[str, Any]:
        return v2_dsse(auth, stmt, **kw) if rekor == "v2" else auth.dsse_bundle(stmt, **kw)

    out: dict[str, dict[str, Any]] = {}

    def restamp(b: dict[str, Any]) -> None:
        if rekor == "v2":
            stamps(b, [auth.timestamper.stamp(sig_of(b), t_in(auth))])

    invalid = make(statement(), key=key, cert=cert, kind=kind)
    resign_dsse(invalid, ec.generate_private_key(ec.SECP256R1()))  # a signature by another key
    restamp(invalid)
    out["invalid-sig"] = invalid
    envelope = make(statement(), key=key, cert=cert, kind=kind)
    resign_dsse(envelope, key, json.dumps(statement(note="another envelope")).encode())  # same key, new payload
    restamp(envelope)
    out["mismatch-envelope"] = envelope
    sig = make(statement(), key=key, cert=cert, kind=kind)
    before = sig_of(sig)
    resign_dsse(sig, key)  # the same PAE signed again: a valid signature, but not the logged one
    assert sig_of(sig) != before
    restamp(sig)
    out["mismatch-sig"] = sig
    return out


@case("dsse-invalid-sig_fail")
def _dsse_invalid_sig(auth: Authority, tmp: Path) -> None:
    fails(_dsse_cases(auth, kind="dsse")["invalid-sig"], root(auth), "invalid-signature")
    b = auth.dsse_bundle(statement())
    sig = bytearray(sig_of(b))
    sig[-1] ^= 1
    b["dsseEnvelope"]["signatures"][0]["sig"] = b64(bytes(sig))
    fails(b, root(auth), "invalid-signature")


@case("dsse-mismatch-envelope_fail")
def _dsse_mismatch_envelope(auth: Authority, tmp: Path) -> None:
    assert "another payload" in fails(_dsse_cases(auth, kind="dsse")["mismatch-envelope"], root(auth),
                                      "invalid-tlog-entry")


@case("dsse-mismatch-sig_fail")
def _dsse_mismatch_sig(auth: Authority, tmp: Path) -> None:
    fails(_dsse_cases(auth, kind="dsse")["mismatch-sig"], root(auth), "invalid-tlog-entry")


@case("dsse-with-hashedrekord-invalid-sig_fail")
def _dsse_hr_invalid_sig(auth: Authority, tmp: Path) -> None:
    fails(_dsse_cases(auth, kind="hashedrekord")["invalid-sig"], root(auth), "invalid-signature")


@case("dsse-with-hashedrekord-mismatch-envelope_fail")
def _dsse_hr_mismatch_envelope(auth: Authority, tmp: Path) -> None:
    fails(_dsse_cases(auth, kind="hashedrekord")["mismatch-envelope"], root(auth), "invalid-tlog-entry")
    # the digest check alone: a logged entry with this very signature and certificate, over another PAE
    b = auth.dsse_bundle(statement(), kind="hashedrekord")
    body = json.loads(base64.b64decode(entry(b)["canonicalizedBody"]))
    body["spec"]["data"]["hash"]["value"] = hashlib.sha256(b"DSSEv1 another PAE").hexdigest()
    raw = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    b["verificationMaterial"]["tlogEntries"] = [auth.log.add(raw, int(t_in(auth).timestamp()), "hashedrekord",
                                                             "0.0.1")]
    assert "another artifact" in fails(b, root(auth), "invalid-tlog-entry")  # SHA-256(PAE) != data.hash


@case("dsse-with-hashedrekord-mismatch-sig_fail")
def _dsse_hr_mismatch_sig(auth: Authority, tmp: Path) -> None:
    assert "another signature" in fails(_dsse_cases(auth, kind="hashedrekord")["mismatch-sig"], root(auth),
                                        "invalid-tlog-entry")


def _managed_key_v2_statement(auth: Authority, stmt: dict[str, Any]) -> tuple[dict[str, Any], bytes, bytes]:
    """Managed key, hashedrekord 0.0.2, one-leaf log (the PR #405 fixtures' shape)."""
    custom = _one_leaf_authority(auth, v2=True)
    key = ec.generate_private_key(ec.SECP256R1())
    b = custom.dsse_bundle(stmt, key=key, cert=None, rekor="v2", kind="hashedrekord")
    return b, root(custom, tsas=[], v2_log=False), pem_public_key(key)


@case("dsse-statement-missing-type_fail")
def _statement_missing_type(auth: Authority, tmp: Path) -> None:
    good, trusted, key = _managed_key_v2_statement(auth, statement())
    assert passes(good, trusted, key=key).statement["_type"] == "https://in-toto.io/Statement/v1"  # the control
    stmt = statement()
    del stmt["_type"]
    b, trusted, key = _managed_key_v2_statement(auth, stmt)
    assert "_type" in fails(b, trusted, "invalid-provenance", key=key)


@case("dsse-statement-unknown-type_fail")
def _statement_unknown_type(auth: Authority, tmp: Path) -> None:
    stmt = statement()
    stmt["_type"] = "https://in-toto.io/Statement/v2"
    b, trusted, key = _managed_key_v2_statement(auth, stmt)
    assert "_type" in fails(b, trusted, "unsupported-format", key=key)


# -- Must FAIL: intoto entries --------------------------------------------------------------------------------------


@case("intoto-expired-certificate_fail")
def _intoto_expired_cert(auth: Authority, tmp: Path) -> None:
    b = auth.dsse_bundle(statement(), kind="intoto")
    fails(b, root(auth, ca_end=auth.now - dt.timedelta(days=1)), "invalid-certificate")  # CA window is over
    key, cert = auth.leaf(san=WF, not_before=auth.now - dt.timedelta(days=2))  # expired at the SET time
    fails(auth.dsse_bundle(statement(), key=key, cert=cert, kind="intoto"), root(auth), "invalid-certificate")


@case("intoto-log-entry-mismatch_fail")
def _intoto_entry_mismatch(auth: Authority, tmp: Path) -> None:
    assert "another payload" in fails(_dsse_cases(auth, kind="intoto")["mismatch-envelope"], root(auth),
                                      "invalid-tlog-entry")
    fails(_dsse_cases(auth, kind="intoto")["mismatch-sig"], root(auth), "invalid-tlog-entry")


@case("intoto-missing-inclusion-proof_fail")
def _intoto_missing_proof(auth: Authority, tmp: Path) -> None:
    b = auth.dsse_bundle(statement(), kind="intoto")
    del entry(b)["inclusionProof"]
    fails(b, root(auth), "invalid-tlog-entry")


@case("intoto-set-outside-signing-cert-validity_fail")
def _intoto_set_outside(auth: Authority, tmp: Path) -> None:
    fails(auth.dsse_bundle(statement(), kind="intoto", integrated_time=t_out(auth)), root(auth),
          "invalid-certificate")


@case("intoto-tsa-timestamp-outside-cert-validity_fail")
def _intoto_tsa_outside(auth: Authority, tmp: Path) -> None:
    good = auth.dsse_bundle(statement(), kind="intoto", timestamps=(t_in(auth),))
    passes(good, root(auth))  # the control: SET time and TSA time both inside
    b = auth.dsse_bundle(statement(), kind="intoto", timestamps=(t_out(auth),))  # SET inside, TSA after
    fails(b, root(auth), "invalid-certificate")


# -- Must FAIL: certificates, CT, keys ------------------------------------------------------------------------------


@case("invalid-ct-key_fail")
def _invalid_ct_key(auth: Authority, tmp: Path) -> None:
    b = auth.message_bundle(ARTIFACT)
    wrong = spki(ec.generate_private_key(ec.SECP256R1()).public_key())
    same_id = auth.trusted_root()
    same_id["ctlogs"][0]["publicKey"]["rawBytes"] = b64(wrong)  # the SCT's log id, another key
    fails(b, json.dumps(same_id).encode(), "invalid-certificate")
    own_id = auth.trusted_root()
    own_id["ctlogs"][0]["publicKey"]["rawBytes"] = b64(wrong)
    own_id["ctlogs"][0]["logId"]["keyId"] = b64(hashlib.sha256(wrong).digest())  # a consistent, other CT log
    fails(b, json.dumps(own_id).encode(), "invalid-certificate")


@case("managed-key-no-key_fail")
def _managed_key_no_key(auth: Authority, tmp: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    b = auth.message_bundle(ARTIFACT, key=key, cert=None)
    fails(b, root(auth), "invalid-certificate", identity=EMAIL, issuer=EMAIL_ISS)  # no certificate to match


@case("managed-key-wrong-key_fail")
def _managed_key_wrong_key(auth: Authority, tmp: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    for b in (auth.message_bundle(ARTIFACT, key=key, cert=None), auth.dsse_bundle(statement(), key=key, cert=None)):
        fails(b, root(auth), "invalid-signature", key=pem_public_key(ec.generate_private_key(ec.SECP256R1())))


@case("managed-key-and-client-identity_fail")
def _managed_key_and_identity(auth: Authority, tmp: Path) -> None:
    from pyslsa.cli import main

    key = ec.generate_private_key(ec.SECP256R1())
    (tmp / "b.json").write_text(json.dumps(auth.message_bundle(ARTIFACT, key=key, cert=None)))
    (tmp / "key.pub").write_bytes(pem_public_key(key))
    (tmp / "root.json").write_bytes(root(auth))
    (tmp / "a.txt").write_bytes(ARTIFACT)
    common = ["verify-bundle", "--bundle", str(tmp / "b.json"), "--trusted-root", str(tmp / "root.json")]
    assert main([*common, "--key", str(tmp / "key.pub"), str(tmp / "a.txt")]) == 0  # the control
    assert main([*common, "--key", str(tmp / "key.pub"), "--certificate-identity", EMAIL,
                 "--certificate-oidc-issuer", EMAIL_ISS, str(tmp / "a.txt")]) == 2
    assert main([*common, "--key", str(tmp / "key.pub"), "--certificate-identity", EMAIL, str(tmp / "a.txt")]) == 2


# -- Must FAIL: Rekor v2 checkpoints ---------------------------------------------------------------------------------


def _v2_cp_lines(auth: Authority) -> tuple[dict[str, Any], list[str], list[str]]:
    b = v2_msg(auth)
    note, sigs = note_and_sigs(cp_text(b))
    return b, note.splitlines(), sigs


def _join(body: list[str], sigs: list[str]) -> str:
    return "\n".join(body) + "\n\n" + "\n".join(sigs) + "\n"


@case("rekor2-checkpoint-missing-log-signature_fail")
def _cp_missing_log_sig(auth: Authority, tmp: Path) -> None:
    b, body, _ = _v2_cp_lines(auth)
    note = "\n".join(body) + "\n"
    set_cp(b, _join(body, [cosig(note), cosig(note, "w2.test")]))  # only the cosignatures remain
    assert "not signed by the log" in fails(b, root(auth), "invalid-tlog-entry")


@case("rekor2-checkpoint-missing-origin_fail")
def _cp_missing_origin(auth: Authority, tmp: Path) -> None:
    b, body, sigs = _v2_cp_lines(auth)
    set_cp(b, _join(body[1:], sigs))
    fails(b, root(auth), "invalid-tlog-entry")


@case("rekor2-checkpoint-missing-root-hash_fail")
def _cp_missing_root(auth: Authority, tmp: Path) -> None:
    b, body, sigs = _v2_cp_lines(auth)
    set_cp(b, _join(body[:2], sigs))
    fails(b, root(auth), "invalid-tlog-entry")


@case("rekor2-checkpoint-missing-size_fail")
def _cp_missing_size(auth: Authority, tmp: Path) -> None:
    b, body, sigs = _v2_cp_lines(auth)
    set_cp(b, _join([body[0], body[2]], sigs))
    fails(b, root(auth), "invalid-tlog-entry")


@case("rekor2-checkpoint-no-matching-signature_fail")
def _cp_no_matching_sig(auth: Authority, tmp: Path) -> None:
    b, body, _ = _v2_cp_lines(auth)
    note = "\n".join(body) + "\n"
    set_cp(b, _join(body, [cosig(note, auth.log2.origin_name)]))  # the right name, another key
    assert "not signed by the log" in fails(b, root(auth), "invalid-tlog-entry")


# -- Must FAIL: Rekor v2 DSSE ---------------------------------------------------------------------------------------


@case("rekor2-dsse-invalid-sig_fail")
def _rekor2_dsse_invalid_sig(auth: Authority, tmp: Path) -> None:
    for kind in ("hashedrekord", "dsse"):
        fails(_dsse_cases(auth, kind=kind, rekor="v2")["invalid-sig"], root(auth), "invalid-signature")


@case("rekor2-dsse-mismatch-envelope_fail")
def _rekor2_dsse_mismatch_envelope(auth: Authority, tmp: Path) -> None:
    for kind in ("hashedrekord", "dsse"):
        fails(_dsse_cases(auth, kind=kind, rekor="v2")["mismatch-envelope"], root(auth), "invalid-tlog-entry")


@case("rekor2-dsse-mismatch-sig_fail")
def _rekor2_dsse_mismatch_sig(auth: Authority, tmp: Path) -> None:
    for kind in ("hashedrekord", "dsse"):
        fails(_dsse_cases(auth, kind=kind, rekor="v2")["mismatch-sig"], root(auth), "invalid-tlog-entry")


@case("rekor2-no-inclusion-proof_fail")
def _rekor2_no_proof(auth: Authority, tmp: Path) -> None:
    b = v2_msg(auth)
    del entry(b)["inclusionProof"]
    fails(b, root(auth), "invalid-tlog-entry")


@case("rekor2-no-timestamp_fail")
def _rekor2_no_timestamp(auth: Authority, tmp: Path) -> None:
    fails(v2_msg(auth, timestamps=()), root(auth), "invalid-timestamp")
    b = v2_msg(auth)
    stamps(b, [])
    fails(b, root(auth), "invalid-timestamp")


# -- Must FAIL: RFC 3161 timestamps ---------------------------------------------------------------------------------


@case("rekor2-timestamp-outside-trust-root-tsa-validity_fail")
def _ts_outside_tsa_window(auth: Authority, tmp: Path) -> None:
    b = v2_msg(auth)
    fails(b, root(auth, tsas=[auth.timestamper.authority(end=auth.now)]), "invalid-timestamp")  # ended before
    fails(b, root(auth, tsas=[auth.timestamper.authority(start=t_out(auth))]), "invalid-timestamp")  # not begun


@case("rekor2-timestamp-outside-tsa-cert-validity_fail")
def _ts_outside_tsa_cert(auth: Authority, tmp: Path) -> None:
    expired = TSA(now=auth.now, name="expired-tsa", leaf_validity=(auth.now - dt.timedelta(days=10),
                                                                    auth.now - dt.timedelta(days=1)))
    b = v2_msg(auth)
    stamps(b, [expired.stamp(sig_of(b), t_in(auth))])
    fails(b, root(auth, tsas=[expired.authority()]), "invalid-timestamp")


@case("rekor2-timestamp-payload-mismatch_fail")
def _ts_payload_mismatch(auth: Authority, tmp: Path) -> None:
    b = v2_msg(auth)
    stamps(b, [auth.timestamper.stamp(sig_of(b) + b"!", t_in(auth))])  # the imprint of another signature
    fails(b, root(auth), "invalid-timestamp")
    doc = json.loads(vector(REAL_V2))  # the real token, next to another bundle's timestamp
    doc["verificationMaterial"]["timestampVerificationData"] = json.loads(vector(
        SIGSTORE_PY / "a.dsse.staging-rekor-v2.txt.sigstore.json"))["verificationMaterial"][
        "timestampVerificationData"]
    with pytest.raises(VerificationError) as info:
        real_v2(doc)
    assert info.value.code == "invalid-timestamp"


@case("rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail")
def _ts_untrusted_embedded(auth: Authority, tmp: Path) -> None:
    rogue = TSA(now=auth.now, name=auth.timestamper.name)  # same names, other keys
    b = v2_msg(auth)
    stamps(b, [rogue.stamp(sig_of(b), t_in(auth))])
    fails(b, root(auth), "invalid-timestamp")


@case("rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail")
def _ts_untrusted_bare(auth: Authority, tmp: Path) -> None:
    rogue = TSA(now=auth.now, name=auth.timestamper.name)
    b = v2_msg(auth)
    stamps(b, [rogue.stamp(sig_of(b), t_in(auth), embed_cert=False)])
    fails(b, root(auth), "invalid-timestamp")


@case("rekor2-timestamp-with-incorrect-time_fail")
def _ts_incorrect_time(auth: Authority, tmp: Path) -> None:
    fails(v2_msg(auth, timestamps=(t_out(auth),)), root(auth), "invalid-certificate")  # after the leaf expired
    fails(v2_msg(auth, timestamps=(auth.now - dt.timedelta(minutes=1),)), root(auth),
          "invalid-certificate")  # before it was issued


@case("rekor2-multiple-timestamps-one-outside-cert-validity_fail")
def _ts_one_outside(auth: Authority, tmp: Path) -> None:
    passes(v2_msg(auth, timestamps=(t_in(auth), t_in(auth) + dt.timedelta(seconds=1))), root(auth))  # control
    fails(v2_msg(auth, timestamps=(t_in(auth), t_out(auth))), root(auth), "invalid-certificate")
    fails(v2_msg(auth, timestamps=(t_out(auth), t_in(auth))), root(auth), "invalid-certificate")


@case("rekor2-timestamp-wrong-tsa-validity-borrow_fail")
def _ts_borrow(auth: Authority, tmp: Path) -> None:
    b = v2_msg(auth)
    expired = auth.timestamper.authority(end=auth.now)  # the TSA that signed: its window ended before genTime
    covering = {"start": "2025-01-01T00:00:00Z", "end": "2025-12-31T00:00:00Z"}
    empty = {"subject": {"organization": "unrelated", "commonName": "unrelated-tsa"}, "uri": "https://unrelated.invalid",
             "certChain": {"certificates": []}, "validFor": covering}
    fails(b, root(auth, tsas=[expired, empty]), "invalid-timestamp")
    unrelated = TSA(now=auth.now, name="unrelated-tsa").authority()
    unrelated["validFor"] = covering  # a real, unrelated TSA whose window covers the time: no borrowing either
    fails(b, root(auth, tsas=[expired, unrelated]), "invalid-timestamp")
    fails(b, root(auth, tsas=[unrelated, expired]), "invalid-timestamp")
    # the fixture's own shape: the real staging token, its TSA's window ended, an empty-chain TSA covering it
    trusted = json.loads(vector(STAGING))
    trusted["timestampAuthorities"][0]["validFor"]["end"] = "2025-06-01T00:00:00Z"
    trusted["timestampAuthorities"].append({**empty, "validFor": {"start": "2025-06-01T00:00:00Z",
                                                                  "end": "2025-07-01T00:00:00Z"}})
    with pytest.raises(VerificationError) as info:
        real_v2(trusted=trusted)
    assert info.value.code == "invalid-timestamp"


# -- Must FAIL: trusted root ----------------------------------------------------------------------------------------


@case("trust-root-tlog-missing-validity-start_fail")
def _tlog_missing_start(auth: Authority, tmp: Path) -> None:
    b = auth.message_bundle(ARTIFACT)
    for window in ({"end": "2030-01-01T00:00:00Z"}, {}):
        trusted = auth.trusted_root()
        trusted["tlogs"][0]["publicKey"]["validFor"] = window
        with pytest.raises(PyslsaError) as info:
            passes(b, json.dumps(trusted).encode())
        assert info.value.code == "invalid-trusted-root" and info.value.exit_status == 2


# -- the parametrized test: one id per case ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["digest", "path"])
@pytest.mark.parametrize("name", list(CASES))
def test_conformance_case(name: str, mode: str, auth: Authority, tmp_path: Path) -> None:
    if mode == "path":
        (tmp_path / "artifact").write_bytes(ARTIFACT)
        _INPUT["artifact"] = str(tmp_path / "artifact")
    try:
        CASES[name](auth, tmp_path)
    finally:
        _INPUT["artifact"] = DIGEST


# -- the local TSA's other rejection paths (not conformance cases of their own) -----------------------------------


def test_tsa_duplicate_timestamps_are_refused(auth: Authority) -> None:
    b = v2_msg(auth)
    item = b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"][0]
    stamps(b, [item, item])
    assert "more than once" in fails(b, root(auth), "invalid-timestamp")


def test_tsa_at_most_32_timestamps(auth: Authority) -> None:
    b = v2_msg(auth)
    many = [auth.timestamper.stamp(sig_of(b), t_in(auth) + dt.timedelta(seconds=i)) for i in range(33)]
    stamps(b, many[:32])
    passes(b, root(auth))
    stamps(b, many)
    assert "more than the 32" in fails(b, root(auth), "invalid-timestamp")


def test_tsa_timestamps_need_a_tsa_in_the_root(auth: Authority) -> None:
    b = v2_msg(auth)
    fails(b, root(auth, tsas=[]), "invalid-timestamp")
    fails(auth.message_bundle(ARTIFACT, timestamps=(t_in(auth),)), root(auth, tsas=[]), "invalid-timestamp")


@pytest.mark.parametrize("status", [2, 1])  # rejection; grantedWithMods (rfc3161-client insists on granted)
def test_tsa_response_not_granted(auth: Authority, status: int) -> None:
    b = v2_msg(auth)
    stamps(b, [auth.timestamper.stamp(sig_of(b), t_in(auth), status=status)])
    fails(b, root(auth), "invalid-timestamp")


def test_tsa_garbage_token(auth: Authority) -> None:
    b = v2_msg(auth)
    stamps(b, [{"signedTimestamp": b64(b"\x30\x03\x02\x01\x00")}])
    fails(b, root(auth), "invalid-timestamp")


def test_tsa_bad_stamps_are_skipped_when_another_verifies(auth: Authority) -> None:
    b = v2_msg(auth)
    good = b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"][0]
    rogue = TSA(now=auth.now, name="rogue")
    stamps(b, [rogue.stamp(sig_of(b), t_in(auth)), good,
               auth.timestamper.stamp(b"another signature", t_in(auth))])
    r = passes(b, root(auth))
    assert r.integrated_time is None


def test_tsa_second_authority_verifies_with_its_own_window(auth: Authority) -> None:
    second = TSA(now=auth.now, name="second-tsa")
    b = v2_msg(auth)
    stamps(b, [second.stamp(sig_of(b), t_in(auth))])
    passes(b, root(auth, tsas=[auth.timestamper.authority(), second.authority()]))
    fails(b, root(auth, tsas=[auth.timestamper.authority(), second.authority(end=auth.now)]), "invalid-timestamp")


def test_tsa_with_rekor_v1_set_both_times_are_checked(auth: Authority) -> None:
    r = passes(auth.message_bundle(ARTIFACT, timestamps=(t_in(auth),)), root(auth))
    assert r.integrated_time is not None
    fails(auth.message_bundle(ARTIFACT, timestamps=(t_out(auth),)), root(auth), "invalid-certificate")


def test_key_bundle_timestamps_must_verify(auth: Authority) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    b = auth.message_bundle(ARTIFACT, key=key, cert=None, rekor="v2", timestamps=(t_in(auth),))
    passes(b, root(auth), key=pem_public_key(key))
    stamps(b, [auth.timestamper.stamp(b"another signature", t_in(auth))])
    fails(b, root(auth), "invalid-timestamp", key=pem_public_key(key))
    stamps(b, [])
    passes(b, root(auth), key=pem_public_key(key))  # no time needed for a trusted key


def test_rekor_v2_log_index_is_the_leaf_index(auth: Authority) -> None:
    b = v2_msg(auth)
    entry(b)["logIndex"] = str(int(entry(b)["logIndex"]) + 1)
    assert "log index" in fails(b, root(auth), "invalid-tlog-entry")


def test_rekor_v2_entries_carry_no_set(auth: Authority) -> None:
    b = v2_msg(auth)
    donor = auth.message_bundle(ARTIFACT)
    entry(b)["inclusionPromise"] = entry(donor)["inclusionPromise"]
    fails(b, root(auth), "invalid-tlog-entry")


def test_tsa_chain_with_an_intermediate(auth: Authority) -> None:
    chained = TSA(now=auth.now, name="chained-tsa", intermediate=True)
    assert len(chained.chain) == 3
    b = v2_msg(auth)
    stamps(b, [chained.stamp(sig_of(b), t_in(auth))])
    passes(b, root(auth, tsas=[chained.authority()]))
    # without its intermediate the trusted root cannot vouch for the leaf
    fails(b, root(auth, tsas=[chained.authority(chain=[chained.leaf, chained.root])]), "invalid-timestamp")


def test_tsa_leaf_needs_a_critical_timestamping_eku(auth: Authority) -> None:
    lax = TSA(now=auth.now, name="lax-tsa", eku_critical=False)
    b = v2_msg(auth)
    stamps(b, [lax.stamp(sig_of(b), t_in(auth))])
    fails(b, root(auth, tsas=[lax.authority()]), "invalid-timestamp")
