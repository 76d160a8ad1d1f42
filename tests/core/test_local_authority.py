"""Every rejection path, against bundles made on the fly by a throw-away Sigstore (tests/authority.py)."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

import pyslsa
from pyslsa.errors import PyslsaError, VerificationError
from tests.authority import FULCIO, GH_ISSUER, Authority, b64, pem_public_key, spki
from tests.local_provenance import ARTIFACT, DIGEST, GEN, SHA
from tests.local_provenance import gh_claims as _gh_claims
from tests.local_provenance import provenance as _provenance

WF = "https://github.com/o/r/.github/workflows/w.yml@refs/tags/v1.0.0"
EMAIL, EMAIL_ISS = "signer@example.test", "https://accounts.example.test"


def statement(digest: str = DIGEST) -> dict[str, Any]:
    return {"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://example.test/predicate",
            "subject": [{"name": "a", "digest": {"sha256": digest.removeprefix("sha256:")}}], "predicate": {}}


@pytest.fixture(scope="module")
def auth() -> Authority:
    return Authority()


def root(auth: Authority, **kw: Any) -> bytes:
    return json.dumps(auth.trusted_root(**kw)).encode()


def vb(bundle: dict[str, Any], trusted: bytes, **kw: Any) -> Any:
    if "key" not in kw:
        kw.setdefault("identity", WF)
        kw.setdefault("issuer", GH_ISSUER)
    return pyslsa.verify_bundle(kw.pop("artifact", DIGEST), json.dumps(bundle).encode(), trusted_root=trusted, **kw)


def rejects(bundle: dict[str, Any], trusted: bytes, code: str, **kw: Any) -> str:
    with pytest.raises(VerificationError) as info:
        vb(bundle, trusted, **kw)
    assert info.value.code == code, info.value.message
    return info.value.message


@pytest.mark.parametrize("version", ["0.1", "0.2", "0.3"])
@pytest.mark.parametrize("kind", ["dsse", "intoto", "hashedrekord"])
def test_dsse_bundles_of_every_version_verify(auth: Authority, version: str, kind: str) -> None:
    r = vb(auth.dsse_bundle(statement(), version=version, kind=kind), root(auth))
    assert r.builder_id == WF


@pytest.mark.parametrize("version", ["0.1", "0.2", "0.3"])
def test_message_bundles_verify(auth: Authority, version: str) -> None:
    b = auth.message_bundle(ARTIFACT, version=version)
    assert vb(b, root(auth), identity=EMAIL, issuer=EMAIL_ISS).builder_id == EMAIL


def test_v01_requires_the_signed_entry_timestamp(auth: Authority) -> None:
    b = auth.dsse_bundle(statement(), version="0.1")
    del b["verificationMaterial"]["tlogEntries"][0]["inclusionPromise"]
    rejects(b, root(auth), "invalid-tlog-entry")


def test_v02_requires_the_inclusion_proof(auth: Authority) -> None:
    b = auth.dsse_bundle(statement(), version="0.2")
    del b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]
    rejects(b, root(auth), "invalid-tlog-entry")


# -- key-based bundles ----------------------------------------------------------------------------------------


def test_key_based_bundles(auth: Authority) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    msg = auth.message_bundle(ARTIFACT, key=key, cert=None)
    r = vb(msg, root(auth), key=pem_public_key(key))
    assert r.builder_id == "" and r.integrated_time is not None  # no certificate identity: the key is the signer
    dsse = auth.dsse_bundle(statement(), key=key, cert=None)
    assert vb(dsse, root(auth), key=pem_public_key(key)).statement["subject"][0]["name"] == "a"
    other = ec.generate_private_key(ec.SECP256R1())
    rejects(msg, root(auth), "invalid-signature", key=pem_public_key(other))
    rejects(dsse, root(auth), "invalid-signature", key=pem_public_key(other))


def test_key_based_bundle_without_key_is_refused(auth: Authority) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    rejects(auth.message_bundle(ARTIFACT, key=key, cert=None), root(auth), "invalid-certificate",
            identity=EMAIL, issuer=EMAIL_ISS)


def test_certificate_bundle_with_key_is_refused(auth: Authority) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    rejects(auth.message_bundle(ARTIFACT), root(auth), "invalid-certificate", key=pem_public_key(key))


def test_both_certificate_and_key_is_malformed(auth: Authority) -> None:
    b = auth.message_bundle(ARTIFACT)
    b["verificationMaterial"]["publicKey"] = {"hint": "x"}
    rejects(b, root(auth), "invalid-provenance", identity=EMAIL, issuer=EMAIL_ISS)


def test_neither_certificate_nor_key_is_malformed(auth: Authority) -> None:
    b = auth.message_bundle(ARTIFACT)
    del b["verificationMaterial"]["certificate"]
    rejects(b, root(auth), "invalid-provenance", identity=EMAIL, issuer=EMAIL_ISS)


# -- trusted-root edge cases ----------------------------------------------------------------------------------


def test_ca_expired_before_signing(auth: Authority) -> None:
    msg = rejects(auth.dsse_bundle(statement()), root(auth, ca_end=auth.now - dt.timedelta(days=1)),
                  "invalid-certificate")
    assert "not valid then" in msg


def test_ca_not_yet_valid(auth: Authority) -> None:
    rejects(auth.dsse_bundle(statement()), root(auth, ca_start=auth.now + dt.timedelta(days=1)),
            "invalid-certificate")


def test_log_key_not_in_root(auth: Authority) -> None:
    msg = rejects(auth.dsse_bundle(statement()), root(auth, log_key=ec.generate_private_key(ec.SECP256R1())),
                  "invalid-tlog-entry")
    assert "not in the trusted root" in msg


def test_log_key_window_excludes_integrated_time(auth: Authority) -> None:
    rejects(auth.dsse_bundle(statement()), root(auth, tlog_end=auth.now - dt.timedelta(days=1)),
            "invalid-tlog-entry")
    rejects(auth.dsse_bundle(statement()), root(auth, tlog_start=auth.now + dt.timedelta(days=1)),
            "invalid-tlog-entry")


def test_unknown_log_key_details_fail_closed(auth: Authority) -> None:
    msg = rejects(auth.dsse_bundle(statement()), root(auth, key_details="PKIX_FANCY_NEW_ALGORITHM"),
                  "invalid-tlog-entry")
    assert "unsupported key details" in msg


def test_no_ct_log_in_root(auth: Authority) -> None:
    rejects(auth.dsse_bundle(statement()), root(auth, ct=False), "invalid-certificate")


def test_malformed_trusted_root_is_a_usage_error(auth: Authority) -> None:
    for bad in (b"{}", b"not json", json.dumps({"mediaType": "application/x"}).encode()):
        with pytest.raises(PyslsaError) as info:
            vb(auth.dsse_bundle(statement()), bad)
        assert info.value.exit_status == 2


# -- log proofs -------------------------------------------------------------------------------------------------


def _resign_checkpoint(b: dict[str, Any], key: ec.EllipticCurvePrivateKey, auth: Authority) -> None:
    proof = b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]
    forger = copy.copy(auth.log)
    forger.key = key
    text = forger.checkpoint(int(proof["treeSize"]), base64.b64decode(proof["rootHash"]))
    # keep the real log's key hint: only the signature is forged
    head, line = text.rstrip("\n").rsplit("\n", 1)
    name, blob = line.rsplit(" ", 1)
    raw = base64.b64decode(blob)
    proof["checkpoint"]["envelope"] = f"{head}\n{name} {b64(auth.log.log_id[:4] + raw[4:])}\n"


def test_forged_checkpoint(auth: Authority) -> None:
    b = auth.dsse_bundle(statement())
    _resign_checkpoint(b, ec.generate_private_key(ec.SECP256R1()), auth)
    rejects(b, root(auth), "invalid-tlog-entry")


def test_forged_set(auth: Authority) -> None:
    b = auth.dsse_bundle(statement())
    entry = b["verificationMaterial"]["tlogEntries"][0]
    entry["integratedTime"] = str(int(entry["integratedTime"]) - 3600)
    rejects(b, root(auth), "invalid-tlog-entry")


def test_entry_for_another_artifact(auth: Authority) -> None:
    mine = auth.message_bundle(ARTIFACT)
    other = auth.message_bundle(b"another artifact")
    mine["verificationMaterial"]["tlogEntries"] = other["verificationMaterial"]["tlogEntries"]
    rejects(mine, root(auth), "invalid-tlog-entry", identity=EMAIL, issuer=EMAIL_ISS)


# -- certificates -------------------------------------------------------------------------------------------------


def test_certificate_expired_at_integrated_time(auth: Authority) -> None:
    key, cert = auth.leaf(san=WF)
    late = auth.now + dt.timedelta(minutes=30)
    msg = rejects(auth.dsse_bundle(statement(), key=key, cert=cert, integrated_time=late), root(auth),
                  "invalid-certificate")
    assert "not valid at the signing time" in msg


def test_certificate_without_sct(auth: Authority) -> None:
    key, cert = auth.leaf(san=WF, sct=False)
    rejects(auth.dsse_bundle(statement(), key=key, cert=cert), root(auth), "invalid-certificate")


def test_certificate_without_code_signing(auth: Authority) -> None:
    key, cert = auth.leaf(san=WF, code_signing=False)
    rejects(auth.dsse_bundle(statement(), key=key, cert=cert), root(auth), "invalid-certificate")


def test_certificate_from_another_ca(auth: Authority) -> None:
    stranger = Authority(now=auth.now, log=auth.log)
    key, cert = stranger.leaf(san=WF)
    rejects(auth.dsse_bundle(statement(), key=key, cert=cert), root(auth), "invalid-certificate")


def test_identity_policy_exact(auth: Authority) -> None:
    b = auth.dsse_bundle(statement())
    rejects(b, root(auth), "mismatch-identity", identity=WF + "x")
    rejects(b, root(auth), "mismatch-identity", issuer="https://token.actions.githubusercontent.com/")
    key, cert = auth.leaf(email=EMAIL, issuer=EMAIL_ISS)
    rejects(auth.dsse_bundle(statement(), key=key, cert=cert), root(auth), "mismatch-identity",
            identity=EMAIL, issuer=GH_ISSUER)


def test_dsse_subject_must_be_the_artifact(auth: Authority) -> None:
    rejects(auth.dsse_bundle(statement("sha256:" + "0" * 64)), root(auth), "mismatch-hash")


# -- SLSA policy with certificates we control ------------------------------------------------------------------

def _slsa(auth: Authority, stmt: dict[str, Any], san: str = GEN + "@refs/tags/v2.1.0", issuer: str = GH_ISSUER,
          claims: dict[str, str] | None = None, **kw: Any) -> Any:
    key, cert = auth.leaf(san=san, issuer=issuer, claims=claims if claims is not None else _gh_claims())
    bundle = auth.dsse_bundle(stmt, key=key, cert=cert)
    kw.setdefault("source_uri", "github.com/o/r")
    return pyslsa.verify_artifact(DIGEST, json.dumps(bundle).encode(), trusted_root=root(auth), **kw)


def _slsa_rejects(auth: Authority, code: str, stmt: dict[str, Any] | None = None, **kw: Any) -> None:
    with pytest.raises(VerificationError) as info:
        _slsa(auth, stmt or _provenance(), **kw)
    assert info.value.code == code, info.value.message


def test_slsa_local_generator_passes(auth: Authority) -> None:
    r = _slsa(auth, _provenance(), source_tag="v1")
    assert r.commit == SHA and r.ref == "refs/tags/v1"


def test_slsa_builder_not_at_release_tag(auth: Authority) -> None:
    _slsa_rejects(auth, "invalid-ref", san=GEN + "@refs/heads/main")
    _slsa_rejects(auth, "invalid-ref", san=GEN + "@refs/tags/v2.1.0-rc.1")


def test_slsa_untrusted_workflow(auth: Authority) -> None:
    _slsa_rejects(auth, "untrusted-builder", san="https://github.com/evil/r/.github/workflows/w.yml@refs/tags/v1.0.0")


def test_slsa_wrong_issuer(auth: Authority) -> None:
    _slsa_rejects(auth, "invalid-certificate", issuer="https://accounts.example.test")


def test_slsa_provenance_contradicts_certificate(auth: Authority) -> None:
    _slsa_rejects(auth, "invalid-provenance", stmt=_provenance(sha="b" * 40))


def test_slsa_certificate_claims_missing(auth: Authority) -> None:
    claims = _gh_claims()
    for k in (FULCIO + "2", FULCIO + "20"):
        del claims[k]
    _slsa_rejects(auth, "invalid-certificate", claims=claims)


def test_slsa_provenance_builder_differs_from_certificate(auth: Authority) -> None:
    _slsa_rejects(auth, "mismatch-builder-id", stmt=_provenance(builder=GEN + "@refs/tags/v2.0.0"))


def test_slsa_tag_without_branch_is_an_invalid_ref(auth: Authority) -> None:
    # base_ref null: the tag is on no branch. slsa-verifier's GetBranch returns "", which BranchFromGitRef refuses
    # (regression table, row "no branch": ErrorInvalidRef)
    _slsa_rejects(auth, "invalid-ref", source_branch="main")


def test_slsa_branch_build_checked_for_a_tag_is_an_invalid_ref(auth: Authority) -> None:
    """A workflow_dispatch run on a branch has no tag: --source-tag / --source-versioned-tag fail as invalid-ref
    (slsa-verifier: GetTag returns "" for github_ref_type branch, utils.TagFromGitRef refuses it)."""
    stmt = _provenance(ref="refs/heads/main", event="workflow_dispatch")
    claims = _gh_claims(ref="refs/heads/main", trigger="workflow_dispatch")
    assert _slsa(auth, stmt, claims=claims, source_branch="main").ref == "refs/heads/main"
    _slsa_rejects(auth, "mismatch-branch", stmt=stmt, claims=claims, source_branch="dev")
    for kw in ({"source_tag": "v1"}, {"source_versioned_tag": "v1"}, {"source_versioned_tag": "1"},
               {"source_branch": "main", "source_tag": "v1"}):
        _slsa_rejects(auth, "invalid-ref", stmt=stmt, claims=claims, **kw)
    # the branch check comes first: a wrong branch is reported before the missing tag
    _slsa_rejects(auth, "mismatch-branch", stmt=stmt, claims=claims, source_branch="dev", source_tag="v1")


def test_slsa_malformed_ref_in_provenance_is_invalid_ref(auth: Authority) -> None:
    stmt = _provenance()
    stmt["predicate"]["invocation"]["environment"]["github_ref"] = "refs/tags/"
    _slsa_rejects(auth, "invalid-ref", stmt=stmt, source_tag="v1")


def _checkpoint(b: dict[str, Any]) -> dict[str, Any]:
    cp: dict[str, Any] = b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]
    return cp


def test_checkpoint_witness_cosignatures_are_ignored(auth: Authority) -> None:
    b = auth.dsse_bundle(statement())
    witness = b64(b"\x01\x02\x03\x04" + b"\x00" * 64)
    _checkpoint(b)["envelope"] += f"\u2014 witness.example {witness}\n"
    assert vb(b, root(auth)).builder_id == WF


def test_checkpoint_every_log_signature_must_verify(auth: Authority) -> None:
    b = auth.dsse_bundle(statement())
    text = _checkpoint(b)["envelope"]
    bogus = b64(auth.log.log_id[:4] + b"\x30\x06\x02\x01\x01\x02\x01\x01")
    _checkpoint(b)["envelope"] = text + f"\u2014 rekor.test {bogus}\n"
    rejects(b, root(auth), "invalid-tlog-entry")


def _same_log_key_other_origin(auth: Authority, *, bare: bool) -> tuple[dict[str, Any], bytes]:
    other = Authority(now=auth.now)
    other.log.origin_name = "elsewhere.test"
    other.log.bare_origin = bare
    other.log.key = auth.log.key  # same key, but the signed origin names another host than the root's baseUrl
    b = other.dsse_bundle(statement())
    trusted = json.loads(root(auth))
    for t in trusted["tlogs"]:
        t["publicKey"]["rawBytes"] = b64(spki(auth.log.key.public_key()))
    trusted["certificateAuthorities"] = other.trusted_root()["certificateAuthorities"]
    trusted["ctlogs"] = other.trusted_root()["ctlogs"]
    return b, json.dumps(trusted).encode()


def test_checkpoint_origin_v1_names_the_rekor_hostname_not_the_url(auth: Authority) -> None:
    """A Rekor v1 origin (``<hostname> - <tree id>``) is the log's own configured hostname: sigstore-go checks
    only the log key's signature on it (pkg/verify/tlog.go hasRekorV1STH)."""
    b, trusted = _same_log_key_other_origin(auth, bare=False)
    assert _checkpoint(b)["envelope"].startswith("elsewhere.test - ")
    assert vb(b, trusted).builder_id == WF


def test_checkpoint_bare_origin_must_name_the_log_host(auth: Authority) -> None:
    b, trusted = _same_log_key_other_origin(auth, bare=True)
    assert _checkpoint(b)["envelope"].startswith("elsewhere.test\n")
    msg = rejects(b, trusted, "invalid-tlog-entry")
    assert "origin does not name the log: expected 'rekor.test', got 'elsewhere.test'" in msg


def test_unknown_bundle_fields_are_refused(auth: Authority) -> None:
    for where in ((), ("verificationMaterial",), ("dsseEnvelope",)):
        b = auth.dsse_bundle(statement())
        target = b
        for k in where:
            target = target[k]
        target["surprise"] = 1
        rejects(b, root(auth), "invalid-provenance")


def test_root_certificate_in_the_bundle_chain_is_refused(auth: Authority) -> None:
    b = auth.dsse_bundle(statement(), version="0.2")
    b["verificationMaterial"]["x509CertificateChain"]["certificates"].append(
        {"rawBytes": b64(auth.root.public_bytes(serialization.Encoding.DER))})
    rejects(b, root(auth), "invalid-provenance")


def test_base64_with_line_breaks_is_accepted_like_go(auth: Authority) -> None:
    b = auth.dsse_bundle(statement())
    sig = b["dsseEnvelope"]["signatures"][0]["sig"]
    b["dsseEnvelope"]["signatures"][0]["sig"] = sig[:20] + "\n" + sig[20:]
    assert vb(b, root(auth)).builder_id == WF


def test_key_bundle_without_log_under_a_logless_root(auth: Authority) -> None:
    """A private deployment with no transparency log: a key-signed bundle needs no entry (conformance:
    managed-key-and-trusted-root); with any log in the root, the entry is required."""
    key = ec.generate_private_key(ec.SECP256R1())
    b = auth.message_bundle(ARTIFACT, key=key, cert=None)
    b["verificationMaterial"]["tlogEntries"] = []
    logless = auth.trusted_root()
    logless["tlogs"] = []
    r = vb(b, json.dumps(logless).encode(), key=pem_public_key(key))
    assert r.integrated_time is None and r.artifacts[0].log_index is None
    rejects(b, root(auth), "tlog-entry-not-found", key=pem_public_key(key))
    other = ec.generate_private_key(ec.SECP256R1())
    rejects(b, json.dumps(logless).encode(), "invalid-signature", key=pem_public_key(other))
