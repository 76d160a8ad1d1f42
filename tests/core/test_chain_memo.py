"""The per-run certificate memo (pyslsa.core.x509.ChainMemo) and the work each verification does only once.

The memo may only spare a repeated check of the *same* certificate (DER bytes) at the *same* verified time under
the *same* trusted root; it must never turn a failure into a pass. Each test below fails if the memo matched on
less (the subject, the claims, the key, the certificate at another time, another root) or remembered a failure.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from pyslsa.core.bundle import parse_bundle
from pyslsa.core.profile import SLSA_VERIFIER
from pyslsa.core.release import ReleaseFile, decide_release
from pyslsa.core.sigstore import VerifiedSignature, verify_dsse_bundle
from pyslsa.core.slsa.policy import SlsaPolicy
from pyslsa.core.trust import TrustedRoot
from pyslsa.core.x509 import ChainMemo, fulcio_claims
from pyslsa.errors import VerificationError
from tests.authority import FULCIO, GH_ISSUER, Authority, b64

WF = "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1.0.0"
#: What a GitHub Trusted Publisher's certificate carries (pyslsa.core.pep740 checks the workflow by these).
CLAIMS = {FULCIO + "9": WF, FULCIO + "12": "https://github.com/o/r", FULCIO + "13": "a" * 40,
          FULCIO + "14": "refs/tags/v1.0.0", FULCIO + "18": WF, FULCIO + "20": "push"}


def statement(name: str, data: bytes) -> dict[str, Any]:
    return {"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://docs.pypi.org/attestations/publish/v1",
            "subject": [{"name": name, "digest": {"sha256": hashlib.sha256(data).hexdigest()}}], "predicate": {}}


@pytest.fixture(scope="module")
def auth() -> Authority:
    return Authority()


@pytest.fixture(scope="module")
def root(auth: Authority) -> TrustedRoot:
    return TrustedRoot.from_json(json.dumps(auth.trusted_root()).encode())


@pytest.fixture(scope="module")
def session(auth: Authority) -> tuple[ec.EllipticCurvePrivateKey, Any]:
    """One signing session: one key, one certificate, used for many documents."""
    return auth.leaf(san=WF, issuer=GH_ISSUER, claims=CLAIMS)


def bundle(auth: Authority, session: tuple[ec.EllipticCurvePrivateKey, Any], name: str = "a", **kw: Any
           ) -> dict[str, Any]:
    key, cert = session
    return auth.dsse_bundle(statement(name, name.encode()), key=key, cert=cert, **kw)


def verify(doc: dict[str, Any], root: TrustedRoot, memo: ChainMemo | None) -> VerifiedSignature:
    return verify_dsse_bundle(parse_bundle(copy.deepcopy(doc)), root, profile=SLSA_VERIFIER, memo=memo)


def code(doc: dict[str, Any], root: TrustedRoot, memo: ChainMemo | None) -> str:
    with pytest.raises(VerificationError) as info:
        verify(doc, root, memo)
    return info.value.code


def test_same_certificate_same_time_is_checked_once(auth: Authority, root: TrustedRoot, session: Any) -> None:
    memo = ChainMemo(root)
    for i in range(5):
        sig = verify(bundle(auth, session, f"f{i}"), root, memo)
        assert sig.claims is not None and sig.claims.san == WF
    assert (memo.misses, memo.hits) == (1, 4)


def test_same_certificate_at_another_time_is_checked_again(auth: Authority, root: TrustedRoot, session: Any
                                                            ) -> None:
    memo = ChainMemo(root)
    verify(bundle(auth, session, "a"), root, memo)  # at auth.now + 30 s
    later = auth.now + dt.timedelta(minutes=5)  # still inside the 10-minute certificate
    verify(bundle(auth, session, "b", integrated_time=later), root, memo)
    assert (memo.misses, memo.hits) == (2, 0)
    # ... and outside the certificate's validity it fails, although the same certificate passed twice.
    expired = auth.now + dt.timedelta(hours=1)
    assert code(bundle(auth, session, "c", integrated_time=expired), root, memo) == "invalid-certificate"
    assert code(bundle(auth, session, "c", integrated_time=expired), root, None) == "invalid-certificate"


def test_a_failure_is_never_remembered(auth: Authority, root: TrustedRoot, session: Any) -> None:
    memo = ChainMemo(root)
    expired = bundle(auth, session, "x", integrated_time=auth.now + dt.timedelta(hours=1))
    for _ in range(3):
        assert code(expired, root, memo) == "invalid-certificate"
    assert memo.hits == 0 and not memo._chains and not memo._scts


def test_forged_certificate_with_the_same_names_is_not_matched(auth: Authority, root: TrustedRoot,
                                                               session: Any) -> None:
    """A rogue CA with the same subject names issues a certificate with the same key, identity and claims: only
    the signature (so the DER) differs. The genuine certificate's pass must not vouch for it."""
    memo = ChainMemo(root)
    key, genuine = session
    verify(bundle(auth, session), root, memo)
    rogue = Authority(now=auth.now)
    _, forged = rogue.leaf(san=WF, issuer=GH_ISSUER, claims=CLAIMS, key=key, not_before=genuine.not_valid_before_utc)
    assert forged.subject == genuine.subject and forged.issuer == genuine.issuer
    assert fulcio_claims(forged) == fulcio_claims(genuine)
    doc = auth.dsse_bundle(statement("a", b"a"), key=key, cert=forged)  # logged in the genuine log
    assert code(doc, root, memo) == "invalid-certificate"
    assert memo.hits == 0


def test_certificate_without_sct_fails_every_time(auth: Authority, root: TrustedRoot) -> None:
    """The chain passes (and is remembered); the SCT check still runs, and fails, every time."""
    no_sct = auth.leaf(san=WF, issuer=GH_ISSUER, claims=CLAIMS, sct=False)
    memo = ChainMemo(root)
    for i in range(3):
        assert code(bundle(auth, no_sct, f"n{i}"), root, memo) == "invalid-certificate"
    assert memo.hits == 2 and not memo._scts


def test_memo_of_another_root_is_ignored(auth: Authority, root: TrustedRoot, session: Any) -> None:
    memo = ChainMemo(root)
    doc = bundle(auth, session)
    verify(doc, root, memo)
    # The same evidence under a root whose CA window ended before the signing: the memo (of `root`) must not
    # answer for `other`.
    other = TrustedRoot.from_json(json.dumps(auth.trusted_root(ca_end=auth.now - dt.timedelta(days=1))).encode())
    assert code(doc, other, memo) == "invalid-certificate"
    assert memo.hits == 0


def test_release_of_many_files_with_one_certificate(auth: Authority, root: TrustedRoot, session: Any) -> None:
    """PEP 740 attestations of one signing session: every file verified, the certificate checked once; one
    tampered attestation among them still fails."""
    files: list[ReleaseFile] = []
    pep740: dict[str, list[tuple[str, bytes]]] = {}
    for i in range(6):
        name, data = f"pkg-1.0-{i}-py3-none-any.whl", b"wheel %d" % i
        b = auth.dsse_bundle(statement(name, data), key=session[0], cert=session[1])
        att: dict[str, Any] = {"version": 1,
                               "verification_material": {
                                   "certificate": b["verificationMaterial"]["certificate"]["rawBytes"],
                                   "transparency_entries": b["verificationMaterial"]["tlogEntries"]},
                               "envelope": {"statement": b["dsseEnvelope"]["payload"],
                                            "signature": b["dsseEnvelope"]["signatures"][0]["sig"]}}
        if i == 3:
            att["envelope"]["signature"] = b64(b"\x30\x06\x02\x01\x01\x02\x01\x01")
        obj = {"version": 1, "attestation_bundles": [
            {"publisher": {"kind": "GitHub", "repository": "o/r", "workflow": "release.yml"},
             "attestations": [att]}]}
        files.append(ReleaseFile(name, hashlib.sha256(data).hexdigest()))
        pep740[name] = [(f"{name}.provenance", json.dumps(obj).encode())]
    memo = ChainMemo(root)
    verdicts = decide_release(files, pep740, [], SlsaPolicy("github.com/o/r", source_tag="v1.0.0"), root,
                              profile=SLSA_VERIFIER, memo=memo)
    got = [(v.verified, v.error.code if v.error else None) for v in verdicts]
    assert got == [(True, None)] * 3 + [(False, "invalid-signature")] + [(True, None)] * 2
    assert (memo.misses, memo.hits) == (1, 5)
    plain = decide_release(files, pep740, [], SlsaPolicy("github.com/o/r", source_tag="v1.0.0"), root,
                           profile=SLSA_VERIFIER)
    assert [(v.verified, v.error.code if v.error else None) for v in plain] == got


def test_audit_evidence_of_one_session_uses_the_runs_memo(auth: Authority, root: TrustedRoot, session: Any) -> None:
    """audit's evidence readers pass the run's memo down: PEP 740 objects and GitHub attestations of one signing
    session check the certificate once, and each still proves (or fails) on its own."""
    from pyslsa.core.audit.evidence import AuditFile, github_attestation_result, pep740_results

    memo = ChainMemo(root)
    for i in range(3):
        name, data = f"pkg-1.0-{i}-py3-none-any.whl", b"wheel %d" % i
        b = auth.dsse_bundle(statement(name, data), key=session[0], cert=session[1])
        att = {"version": 1,
               "verification_material": {"certificate": b["verificationMaterial"]["certificate"]["rawBytes"],
                                         "transparency_entries": b["verificationMaterial"]["tlogEntries"]},
               "envelope": {"statement": b["dsseEnvelope"]["payload"],
                            "signature": b["dsseEnvelope"]["signatures"][0]["sig"]}}
        obj = json.dumps({"version": 1, "attestation_bundles": [
            {"publisher": {"kind": "GitHub", "repository": "o/r", "workflow": "release.yml"},
             "attestations": [att]}]}).encode()
        f = AuditFile(name, hashlib.sha256(data).hexdigest())
        (result,) = pep740_results(f, "u", obj, root, memo=memo)
        assert result.error is None, result.error
        other = AuditFile(name, hashlib.sha256(b"another file").hexdigest())
        (wrong,) = pep740_results(other, "u", obj, root, memo=memo)
        assert wrong.error is not None and wrong.error.code == "mismatch-hash"
    slsa = {"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://slsa.dev/provenance/v1",
            "subject": [{"name": "x", "digest": {"sha256": "ab" * 32}}], "predicate": {}}
    raw = json.dumps(auth.dsse_bundle(slsa, key=session[0], cert=session[1])).encode()
    result = github_attestation_result(AuditFile("x", "ab" * 32), "u", raw, root, memo=memo)
    assert result is not None and result.error is None, result
    assert (memo.misses, memo.hits) == (1, 6)
