"""PEM read as Go reads it (pyslsa.core.pem): ``verify-bundle --key``, a legacy envelope's certificate, and the
verifier PEM in Rekor entry bodies.

The real vector is sigstore-conformance's managed-key bundle (production Rekor) and its key. Go's base64 decoder
is not Strict: a last character whose unused bits are not zero decodes to the same bytes, so the same key
re-encoded that way must verify; cryptography's PEM reader refused it (exit 2).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

import pyslsa
from pyslsa.cli import main
from pyslsa.core import pem
from pyslsa.core.bundle import LegacyEnvelope, TlogEntry, parse_document
from pyslsa.core.tlog import SignedDigest, bind_entry
from pyslsa.errors import CertificateError, UsageError, VerificationError
from tests.authority import Authority, b64, legacy_envelope
from tests.conftest import DATA, vector, vector_json
from tests.local_provenance import DIGEST, GEN
from tests.local_provenance import gh_claims as _gh_claims
from tests.local_provenance import provenance as _provenance
from tests.memory_net import rekor_in_memory
from tests.rekor_server import RekorState

CONF = DATA / "sigstore-conformance"
BUNDLE = CONF / "managed-key-happy-path" / "bundle.sigstore.json"
KEY = CONF / "managed-key-happy-path" / "key.pub"
OFF_CURVE_KEY = CONF / "managed-key-wrong-key_fail" / "key.pub"
ARTIFACT = CONF / "a.txt"
ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def with_trailing_bits(text: bytes, bits: int = 1) -> bytes:
    """The same PEM, with ``bits`` set in the unused low bits of the last base64 character before the padding."""
    lines = text.split(b"\n")
    i = max(k for k, line in enumerate(lines) if line and not line.startswith(b"-----"))
    line = lines[i]
    pad = len(line) - len(line.rstrip(b"="))
    assert pad in (1, 2), "this DER's length is a multiple of 3: no unused bits to set"
    value = ALPHABET.index(line[-pad - 1])
    assert value & ((1 << (2 * pad)) - 1) == 0 and 0 < bits < (1 << (2 * pad))
    lines[i] = line[:-pad - 1] + bytes([ALPHABET[value | bits]]) + line[-pad:]
    return b"\n".join(lines)


def der_of(text: bytes) -> bytes:
    block, _ = pem.decode(text)
    assert block is not None
    return block.der


def verify_with_key(key: bytes) -> pyslsa.VerificationResult:
    return pyslsa.verify_bundle(str(ARTIFACT), vector(BUNDLE), key=key)


def cli(capsys: pytest.CaptureFixture[str], key_path: Path) -> tuple[int, str]:
    code = main(["verify-bundle", "--bundle", str(BUNDLE), "--key", str(key_path), str(ARTIFACT)])
    out, err = capsys.readouterr()
    return code, out + err


def rekor_log_key_pem() -> bytes:
    """A real P-256 key that did not sign the bundle: the production Rekor log's."""
    tlog = vector_json(DATA / "trust-roots" / "production-trusted_root.json")["tlogs"][0]
    key = serialization.load_der_public_key(base64.b64decode(tlog["publicKey"]["rawBytes"]))
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


# -- verify-bundle --key: the real key ---------------------------------------------------------------------------


def test_real_key_verifies_as_given() -> None:
    assert verify_with_key(vector(KEY)).builder_id == ""  # a key, no identity


@pytest.mark.parametrize("bits", range(1, 16))
def test_real_key_with_nonzero_trailing_bits_verifies(bits: int) -> None:
    text = with_trailing_bits(vector(KEY), bits)
    assert text != vector(KEY) and der_of(text) == der_of(vector(KEY))
    with pytest.raises(ValueError):  # what refused it before: cryptography's strict PEM reader
        serialization.load_pem_public_key(text)
    r = verify_with_key(text)
    assert r.artifacts[0].log_index == int(vector_json(BUNDLE)["verificationMaterial"]["tlogEntries"][0]
                                           ["logIndex"])


def test_cli_real_key_with_nonzero_trailing_bits_exits_0(capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path) -> None:
    key = tmp_path / "key.pub"
    key.write_bytes(with_trailing_bits(vector(KEY), 5))
    code, text = cli(capsys, key)
    assert code == 0 and "PASSED: Sigstore verification passed" in text


@pytest.mark.parametrize("reshape", [
    lambda t: t.replace(b"\n", b"\r\n"),  # CRLF
    lambda t: t.replace(b"\n", b" \t\n"),  # trailing blanks on every line
    lambda t: t.replace(b"KoZIzj0CAQYI", b"KoZI zj0C\tAQYI"),  # blanks inside the base64
    lambda t: b"a comment line\n" + t + b"trailing text\n",  # text around the block
    lambda t: t.replace(b"-----\n", b"-----\nComment: a header\n\n", 1),  # an RFC 1421 header
    lambda t: t.rstrip(b"\n"),  # no final newline
    lambda t: b"-----BEGIN PUBLIC KEY-----\nnot base64!\n-----END PUBLIC KEY-----\n" + t,  # a broken block first
])
def test_pem_layouts_go_accepts(reshape: Any) -> None:
    text = reshape(with_trailing_bits(vector(KEY), 3))
    assert verify_with_key(text).builder_id == ""


def test_wrong_but_valid_key_with_nonzero_trailing_bits_fails_as_invalid_signature(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    wrong = with_trailing_bits(rekor_log_key_pem(), 9)
    with pytest.raises(VerificationError) as info:
        verify_with_key(wrong)
    assert info.value.code == "invalid-signature"
    key = tmp_path / "wrong.pub"
    key.write_bytes(wrong)
    code, text = cli(capsys, key)
    assert code == 1 and "[invalid-signature]" in text


BROKEN = {
    "conformance wrong key (a point not on P-256)": lambda t: vector(OFF_CURVE_KEY),
    "padding removed": lambda t: t.replace(b"==\n", b"\n"),
    "one padding character": lambda t: t.replace(b"==\n", b"=\n"),
    "padding in the middle": lambda t: t.replace(b"KoZIzj0C", b"KoZIzj==", 1),
    "a character outside base64": lambda t: t.replace(b"KoZIzj0C", b"KoZIzj!C", 1),
    "a quantum of one character": lambda t: t.replace(b"==\n", b"==\nQ\n"),
    "no END line": lambda t: t.replace(b"-----END PUBLIC KEY-----", b""),
    "END of another type": lambda t: t.replace(b"END PUBLIC KEY", b"END PRIVATE KEY"),
    "text after the END line": lambda t: t.replace(b"END PUBLIC KEY-----", b"END PUBLIC KEY----- x"),
    "a certificate, not a key": lambda t: t.replace(b"PUBLIC KEY", b"CERTIFICATE"),
    "PKCS #1 type around a PKIX key": lambda t: t.replace(b"PUBLIC KEY", b"RSA PUBLIC KEY"),
    "empty": lambda t: b"",
    "DER, not PEM": lambda t: der_of(t),
}


@pytest.mark.parametrize("what", sorted(BROKEN))
def test_a_genuinely_broken_key_is_a_usage_error(what: str, capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    text = BROKEN[what](with_trailing_bits(vector(KEY), 1))
    with pytest.raises(UsageError):
        verify_with_key(text)
    key = tmp_path / "key.pub"
    key.write_bytes(text)
    code, out = cli(capsys, key)
    assert code == 2 and "[usage] --key" in out and "Traceback" not in out


def test_rsa_keys_in_both_pem_types_load() -> None:
    from pyslsa.core.keys import load_public_key_pem

    key = rsa.generate_private_key(65537, 2048).public_key()
    spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    for fmt in (serialization.PublicFormat.SubjectPublicKeyInfo, serialization.PublicFormat.PKCS1):
        text = key.public_bytes(serialization.Encoding.PEM, fmt)
        assert load_public_key_pem(text)[1] == spki
    pkcs1_as_pkix = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1).replace(
        b"RSA PUBLIC KEY", b"PUBLIC KEY")
    with pytest.raises(UsageError):
        load_public_key_pem(pkcs1_as_pkix)


# -- Go's decoder, directly ---------------------------------------------------------------------------------------


def test_decode_returns_the_rest_and_skips_malformed_blocks() -> None:
    good = b"-----BEGIN X-----\nAAEC\n-----END X-----\n"
    block, rest = pem.decode(b"junk\n-----BEGIN X-----\n!!\n-----END X-----\n" + good + b"tail")
    assert block is not None and (block.type, block.der, rest) == ("X", b"\x00\x01\x02", b"tail")
    assert pem.decode(b"no pem here") == (None, b"no pem here")
    block, _ = pem.decode(b"-----BEGIN X-----\n-----END X-----\n")  # an empty block is a block
    assert block is not None and block.der == b""
    block, _ = pem.decode(b"-----BEGIN X-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: x\n\nAAEC\n-----END X-----\n")
    assert block is not None and block.headers == (("Proc-Type", "4,ENCRYPTED"), ("DEK-Info", "x"))


@pytest.mark.parametrize(("text", "out"), [
    (b"QQ==", b"A"), (b"QR==", b"A"), (b"QUJ=", b"AB"), (b"QUI=", b"AB"), (b"QUJD", b"ABC"),
    (b"QU\r\nJD", b"ABC"), (b"", b""), (b"QQ", None), (b"QQ=", None), (b"Q===", None), (b"QQ==QQ==", None),
    (b"QU JD", None), (b"QUJD=", None), (b"Q", None), (b"QQ-_", None),
])
def test_go_std_b64decode(text: bytes, out: bytes | None) -> None:
    assert pem.go_std_b64decode(text) == out


def test_certificate_ders_is_blocks_and_nothing_else() -> None:
    one = b"-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n"
    assert pem.certificate_ders(b"\n  " + one + b"\n") == [b"\x00\x01\x02"]
    assert pem.certificate_ders(one + one) == [b"\x00\x01\x02"] * 2
    for bad in (one + b"garbage", b"garbage", one.replace(b"AAEC", b"AAE")):
        with pytest.raises(pem.PemError):
            pem.certificate_ders(bad)
    with pytest.raises(pem.PemError):
        pem.certificate_ders(one * (pem.MAX_BLOCKS + 1))


# -- a legacy envelope's certificate, and the verifier in a log entry body -----------------------------------------


@pytest.fixture(scope="module")
def auth() -> Authority:
    return Authority()


def padded_leaf(auth: Authority) -> tuple[ec.EllipticCurvePrivateKey, Any]:
    """A leaf whose DER length leaves unused base64 bits (not a multiple of 3)."""
    for _ in range(50):
        key, cert = auth.leaf(san=GEN + "@refs/tags/v2.1.0", claims=_gh_claims())
        if len(cert.public_bytes(serialization.Encoding.DER)) % 3:
            return key, cert
    raise AssertionError("no leaf with a padded encoding")


def test_legacy_envelope_certificate_read_like_slsa_verifier(auth: Authority) -> None:
    key, cert = padded_leaf(auth)
    der = cert.public_bytes(serialization.Encoding.DER)
    line, _ = legacy_envelope(auth, _provenance(), san="", cert=(key, cert),
                              pem_text=lambda t: with_trailing_bits(t).replace(b"\n", b"\r\n"))
    legacy = parse_document(line.strip())
    assert isinstance(legacy, LegacyEnvelope)
    assert legacy.certificate.public_bytes(serialization.Encoding.DER) == der
    doc = json.loads(line)
    sig = doc["signatures"][0]
    for text, why in ((sig["cert"] * 2, "exactly 1"), (sig["cert"][:-30], "not a valid PEM")):
        sig["cert"] = text
        with pytest.raises(CertificateError) as info:
            parse_document(json.dumps(doc).encode())
        assert why in info.value.message


@pytest.mark.parametrize("kind", ["intoto", "dsse"])
def test_legacy_lookup_end_to_end_with_go_style_pem(auth: Authority, tmp_path: Path, kind: str) -> None:
    key, cert = padded_leaf(auth)
    line, answer = legacy_envelope(auth, _provenance(), san="", kind=kind, cert=(key, cert),
                                   pem_text=lambda t: with_trailing_bits(t, 2))
    prov = tmp_path / "legacy.intoto.jsonl"
    prov.write_bytes(line)
    state = RekorState()
    state.add(line, answer)
    with rekor_in_memory(state) as url:
        r = pyslsa.verify_artifact(DIGEST, prov, source_uri="github.com/o/r", source_tag="v1",
                                   trusted_root=json.dumps(auth.trusted_root()).encode(), rekor_url=url)
    assert r.builder_id == GEN + "@refs/tags/v2.1.0"


def hashedrekord(verifier_pem: bytes, signature: bytes, digest: bytes) -> TlogEntry:
    body = {"apiVersion": "0.0.1", "kind": "hashedrekord", "spec": {
        "data": {"hash": {"algorithm": "sha256", "value": digest.hex()}},
        "signature": {"content": b64(signature), "publicKey": {"content": b64(verifier_pem)}}}}
    return TlogEntry(1, b"\x00" * 32, "hashedrekord", "0.0.1", 0, None, None, json.dumps(body).encode())


def test_entry_body_verifier_pem_read_like_rekor(auth: Authority) -> None:
    _, cert = padded_leaf(auth)
    der = cert.public_bytes(serialization.Encoding.DER)
    text = cert.public_bytes(serialization.Encoding.PEM)
    inter = auth.inter.public_bytes(serialization.Encoding.PEM)
    sig, digest = b"signature", hashlib.sha256(b"artifact").digest()
    for good in (text, with_trailing_bits(text), with_trailing_bits(text).replace(b"\n", b"\r\n") + b"\n\n",
                 text + inter):  # a chain: the first certificate is the signer's, as sigstore-go takes it
        bind_entry(hashedrekord(good, sig, digest), SignedDigest(sig, digest), der)
    for bad in (text.replace(b"CERTIFICATE", b"X509 CERTIFICATE"), text + b"garbage", inter + text,
                text + text.replace(b"MII", b"MIJ", 1)):
        with pytest.raises(VerificationError) as info:
            bind_entry(hashedrekord(bad, sig, digest), SignedDigest(sig, digest), der)
        assert info.value.code == "invalid-tlog-entry"
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    key_pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    bind_entry(hashedrekord(with_trailing_bits(key_pem, 7), sig, digest), SignedDigest(sig, digest), spki)


# -- verify-vsa --public-key-path: slsa-verifier reads it with the same UnmarshalPEMToPublicKey --------------------


def test_verify_vsa_public_key_with_nonzero_trailing_bits(tmp_path: Path) -> None:
    from pyslsa.api.vsa import verify_vsa
    from tests.vsa_helpers import GCE, gce_options

    key = tmp_path / "vsa.pub"
    key.write_bytes(with_trailing_bits(vector(GCE / "vsa_signing_public_key.pem"), 11).replace(b"\n", b"\r\n"))
    verified = verify_vsa(gce_options(public_key_path=str(key)))
    assert verified.signer == "key keystore://76574:prod:vsa_signing_public_key"
    key.write_bytes(with_trailing_bits(rekor_log_key_pem(), 3))  # a real key, not the VSA signer's
    with pytest.raises(VerificationError) as info:
        verify_vsa(gce_options(public_key_path=str(key)))
    assert info.value.code == "invalid-signature"
    key.write_bytes(vector(OFF_CURVE_KEY))
    with pytest.raises(UsageError) as usage:
        verify_vsa(gce_options(public_key_path=str(key)))
    assert usage.value.message.startswith("--public-key-path: the PUBLIC KEY block does not hold a usable")
