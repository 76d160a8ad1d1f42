"""The Sigstore layer of the core against real bundles: each one verifies, and every tampered field is
rejected with the error code that names the broken proof."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from pyslsa.core.bundle import parse_bundle, parse_document
from pyslsa.core.profile import SLSA_VERIFIER
from pyslsa.core.sigstore import verify_dsse_bundle
from pyslsa.core.trust import TrustedRoot
from pyslsa.errors import VerificationError
from tests.conftest import BCR, DELEGATOR, GENERIC, vector, vector_json

ROOT = TrustedRoot.production()
V14 = GENERIC / "binary-linux-amd64-push-v14.intoto.jsonl"
V142 = GENERIC / "binary-linux-amd64-push-v14.2.intoto.jsonl"
DISPATCH = GENERIC / "binary-linux-amd64-workflow_dispatch.intoto.jsonl"
DELEG = DELEGATOR / "binary-linux-amd64-push-v14.build.slsa"

VALID = [
    V14, V142, GENERIC / "binary-linux-amd64-push-v13.0.30.intoto.jsonl", DISPATCH,
    DELEG, DELEGATOR / "binary-linux-amd64-push-v14.2.build.slsa",
    DELEGATOR / "binary-linux-amd64-push-v13.0.30.build.slsa",
    DELEGATOR / "binary-linux-amd64-workflow_dispatch.build.slsa",
    BCR / "MODULE.bazel.intoto.jsonl", BCR / "MODULE-wrong-signer.bazel.intoto.jsonl",
]


@pytest.mark.parametrize("path", VALID, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_real_bundles_verify(path: Any) -> None:
    verified = verify_dsse_bundle(parse_bundle(vector_json(path)), ROOT, profile=SLSA_VERIFIER)
    assert verified.integrated_time is not None
    assert verified.claims is not None and verified.claims.issuer == "https://token.actions.githubusercontent.com"
    assert verified.log_url == "https://rekor.sigstore.dev"
    assert verified.statement().subjects


def _flip_b64(value: str, index: int = -1) -> str:
    raw = bytearray(base64.b64decode(value))
    raw[index] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def _entry(d: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = d["verificationMaterial"]["tlogEntries"][0]
    return entry


def _payload_edit(edit: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def apply(d: dict[str, Any]) -> None:
        stmt = json.loads(base64.b64decode(d["dsseEnvelope"]["payload"]))
        edit(stmt)
        d["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(stmt).encode()).decode()
    return apply


def _subject_digest(stmt: dict[str, Any]) -> None:
    stmt["subject"][0]["digest"]["sha256"] = "0" * 64


def _swap_cert(source: Any) -> Callable[[dict[str, Any]], None]:
    def apply(d: dict[str, Any]) -> None:
        vm = vector_json(source)["verificationMaterial"]
        cert = vm["certificate"] if "certificate" in vm else vm["x509CertificateChain"]["certificates"][0]
        d["verificationMaterial"]["certificate"] = cert
    return apply


def _checkpoint_edit(d: dict[str, Any]) -> None:
    proof = _entry(d)["inclusionProof"]
    lines = proof["checkpoint"]["envelope"].split("\n")
    lines[1] = str(int(lines[1]) + 1)
    proof["checkpoint"]["envelope"] = "\n".join(lines)


def _checkpoint_sig(d: dict[str, Any]) -> None:
    proof = _entry(d)["inclusionProof"]
    text = proof["checkpoint"]["envelope"]
    head, sig_line = text.rstrip("\n").rsplit("\n", 1)
    name, blob = sig_line.rsplit(" ", 1)
    proof["checkpoint"]["envelope"] = f"{head}\n{name} {_flip_b64(blob)}\n"


def _proof_hash(i: int) -> Callable[[dict[str, Any]], None]:
    def apply(d: dict[str, Any]) -> None:
        hashes = _entry(d)["inclusionProof"]["hashes"]
        hashes[i] = _flip_b64(hashes[i], 0)
    return apply


def _set(key: str, value: Callable[[Any], Any], where: Callable[[dict[str, Any]], dict[str, Any]] = _entry
         ) -> Callable[[dict[str, Any]], None]:
    def apply(d: dict[str, Any]) -> None:
        target = where(d)
        target[key] = value(target[key])
    return apply


def _proof(d: dict[str, Any]) -> dict[str, Any]:
    proof: dict[str, Any] = _entry(d)["inclusionProof"]
    return proof


TAMPERS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "payload byte": (_set("payload", _flip_b64, lambda d: d["dsseEnvelope"]), "invalid-signature"),
    "payloadType": (_set("payloadType", lambda v: v + "x", lambda d: d["dsseEnvelope"]), "invalid-signature"),
    "subject digest": (_payload_edit(_subject_digest), "invalid-signature"),
    "signature byte": (lambda d: d["dsseEnvelope"]["signatures"][0].update(
        sig=_flip_b64(d["dsseEnvelope"]["signatures"][0]["sig"], 10)), "invalid-signature"),
    "certificate byte (signature)": (_set("rawBytes", _flip_b64,
                                          lambda d: d["verificationMaterial"]["certificate"]),
                                     "invalid-certificate"),
    "certificate byte (tbs)": (_set("rawBytes", lambda v: _flip_b64(v, 200),
                                    lambda d: d["verificationMaterial"]["certificate"]), "invalid-certificate"),
    # The delegator's v14 certificate (issued 21:12:14) is valid at this entry's time (21:12:17): it chains, but
    # its key did not make this signature.
    "certificate swapped, overlapping validity": (_swap_cert(DELEG), "invalid-signature"),
    "certificate swapped, other time": (_swap_cert(DISPATCH), "invalid-certificate"),
    "entry body byte": (_set("canonicalizedBody", lambda v: _flip_b64(v, 40)), "invalid-tlog-entry"),
    "integrated time": (_set("integratedTime", lambda v: str(int(v) + 1)), "invalid-tlog-entry"),
    "log index": (_set("logIndex", lambda v: str(int(v) + 1)), "invalid-tlog-entry"),
    "log id": (lambda d: _entry(d)["logId"].update(keyId=_flip_b64(_entry(d)["logId"]["keyId"])),
               "invalid-tlog-entry"),
    "kind version": (lambda d: _entry(d)["kindVersion"].update(version="0.0.2"), "invalid-tlog-entry"),
    "SET byte": (lambda d: _entry(d)["inclusionPromise"].update(
        signedEntryTimestamp=_flip_b64(_entry(d)["inclusionPromise"]["signedEntryTimestamp"], 12)),
                 "invalid-tlog-entry"),
    "proof root hash": (_set("rootHash", _flip_b64, _proof), "invalid-tlog-entry"),
    "proof tree size": (_set("treeSize", lambda v: str(int(v) + 1), _proof), "invalid-tlog-entry"),
    "proof leaf index": (_set("logIndex", lambda v: str(int(v) - 1), _proof), "invalid-tlog-entry"),
    "proof hash dropped": (lambda d: _proof(d)["hashes"].pop(), "invalid-tlog-entry"),
    "checkpoint size line": (_checkpoint_edit, "invalid-tlog-entry"),
    "checkpoint signature": (_checkpoint_sig, "invalid-tlog-entry"),
    # found by the mutation fuzzer: the signer name on a signature line is not itself signed
    "checkpoint signer name": (lambda d: _proof(d)["checkpoint"].update(
        envelope=_proof(d)["checkpoint"]["envelope"].replace("\u2014 rekor.sigstore.dev", "\u2014 evil.example")),
        "invalid-tlog-entry"),
    "SET removed (proof remains, no trusted time)": (lambda d: _entry(d).pop("inclusionPromise"),
                                                     "invalid-timestamp"),
    "proof removed (v0.3 requires it)": (lambda d: _entry(d).pop("inclusionProof"), "invalid-tlog-entry"),
    "no tlog entries": (lambda d: d["verificationMaterial"].update(tlogEntries=[]), "tlog-entry-not-found"),
    "two tlog entries": (lambda d: d["verificationMaterial"]["tlogEntries"].append(
        copy.deepcopy(_entry(d))), "invalid-tlog-entry"),
    "media type": (lambda d: d.update(mediaType="application/vnd.dev.sigstore.bundle.v0.4+json"),
                   "unsupported-format"),
    "second signature": (lambda d: d["dsseEnvelope"]["signatures"].append(
        d["dsseEnvelope"]["signatures"][0]), "invalid-provenance"),
}
TAMPERS.update({f"proof hash {i}": (_proof_hash(i), "invalid-tlog-entry") for i in (0, 5, 18)})


@pytest.mark.parametrize("name", sorted(TAMPERS))
def test_tampered_bundle_rejected_for_the_right_reason(name: str) -> None:
    edit, code = TAMPERS[name]
    doc = vector_json(V14)
    edit(doc)
    with pytest.raises(VerificationError) as info:
        verify_dsse_bundle(parse_bundle(json.loads(json.dumps(doc))), ROOT, profile=SLSA_VERIFIER)
    assert info.value.code == code, str(info.value)


def test_intoto_002_entry_bound_to_envelope() -> None:
    """The delegator bundle's intoto 0.0.2 entry: swapping in another payload's signature is caught."""
    doc = vector_json(DELEG)
    other = vector_json(DELEGATOR / "binary-linux-amd64-push-v14.2.build.slsa")
    doc["dsseEnvelope"] = other["dsseEnvelope"]
    doc["verificationMaterial"]["x509CertificateChain"] = other["verificationMaterial"]["x509CertificateChain"]
    with pytest.raises(VerificationError) as info:
        verify_dsse_bundle(parse_bundle(doc), ROOT, profile=SLSA_VERIFIER)
    assert info.value.code == "invalid-tlog-entry"


def test_wrong_trusted_root_rejects() -> None:
    staging = TrustedRoot.staging()
    with pytest.raises(VerificationError) as info:
        verify_dsse_bundle(parse_bundle(vector_json(V14)), staging, profile=SLSA_VERIFIER)
    assert info.value.code == "invalid-tlog-entry"
    assert "not in the trusted root" in info.value.message


def test_legacy_envelope_fails_closed_offline() -> None:
    from pyslsa.core.bundle import LegacyEnvelope
    from pyslsa.core.sigstore import verify_legacy_envelope

    doc = parse_document(vector(GENERIC.parent / "v1.7.0" / "binary-linux-amd64-push-v14.intoto.jsonl").strip())
    assert isinstance(doc, LegacyEnvelope)
    with pytest.raises(VerificationError) as info:
        verify_legacy_envelope(doc, ROOT)
    assert info.value.code == "tlog-entry-not-found"
