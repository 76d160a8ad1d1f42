"""The release verdict rules (pyslsa.core.release), on provenance made by the local test authority.

A release of two files (a wheel and an sdist) with provenance documents we control: which document claims which
file, tampered files named by a subject, failing documents that claim files, and the PEP 740 side with the real
pypi-attestations vector.
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import pytest

from pyslsa.core.github import normalize_source_uri
from pyslsa.core.profile import SLSA_VERIFIER
from pyslsa.core.release import ReleaseFile, SlsaDocument, decide_release
from pyslsa.core.slsa.policy import SlsaPolicy
from pyslsa.core.trust import TrustedRoot
from tests.authority import GH_ISSUER, Authority
from tests.conftest import PYPI_ATT, vector
from tests.local_provenance import GEN
from tests.local_provenance import gh_claims as _gh_claims
from tests.local_provenance import provenance as _provenance

WHEEL, SDIST = "pkg-1.0-py3-none-any.whl", "pkg-1.0.tar.gz"
WHEEL_BYTES, SDIST_BYTES = b"wheel bytes", b"sdist bytes"


def h(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def auth() -> Authority:
    return Authority()


@pytest.fixture(scope="module")
def root(auth: Authority) -> TrustedRoot:
    return TrustedRoot.from_json(json.dumps(auth.trusted_root()).encode())


def provenance(auth: Authority, subjects: list[tuple[str, bytes]], ref: str = "refs/tags/v1") -> bytes:
    stmt = _provenance(ref=ref)
    stmt["subject"] = [{"name": n, "digest": {"sha256": h(d)}} for n, d in subjects]
    key, cert = auth.leaf(san=GEN + "@refs/tags/v2.1.0", issuer=GH_ISSUER, claims=_gh_claims(ref=ref))
    return json.dumps(auth.dsse_bundle(stmt, key=key, cert=cert)).encode()


FILES = [ReleaseFile(WHEEL, h(WHEEL_BYTES)), ReleaseFile(SDIST, h(SDIST_BYTES))]
POLICY = SlsaPolicy("github.com/o/r", source_tag="v1")


def decide(root: TrustedRoot, docs: list[bytes], files: list[ReleaseFile] = FILES,
           pep740: dict[str, list[tuple[str, bytes]]] | None = None, policy: SlsaPolicy = POLICY) -> dict[str, Any]:
    verdicts = decide_release(files, pep740 or {}, [SlsaDocument(f"doc{i}", d) for i, d in enumerate(docs)],
                              policy, root, profile=SLSA_VERIFIER)
    return {v.filename: (v.verified, v.error.code if v.error else None, [(e.kind, e.source, e.verified)
                                                                         for e in v.evidence]) for v in verdicts}


def test_one_document_covers_both_files(auth: Authority, root: TrustedRoot) -> None:
    out = decide(root, [provenance(auth, [(WHEEL, WHEEL_BYTES), (SDIST, SDIST_BYTES)])])
    assert out == {WHEEL: (True, None, [("slsa", "doc0", True)]), SDIST: (True, None, [("slsa", "doc0", True)])}


def test_one_document_per_file(auth: Authority, root: TrustedRoot) -> None:
    out = decide(root, [provenance(auth, [(WHEEL, WHEEL_BYTES)]), provenance(auth, [(SDIST, SDIST_BYTES)])])
    assert out[WHEEL] == (True, None, [("slsa", "doc0", True)])
    assert out[SDIST] == (True, None, [("slsa", "doc1", True)])


def test_subject_names_the_file_with_another_digest(auth: Authority, root: TrustedRoot) -> None:
    """The provenance says what the wheel's bytes should be; the served wheel differs: mismatch-hash."""
    doc = provenance(auth, [(WHEEL, b"the real wheel"), (SDIST, SDIST_BYTES)])
    out = decide(root, [doc])
    assert out[WHEEL] == (False, "mismatch-hash", [("slsa", "doc0", False)])
    assert out[SDIST] == (True, None, [("slsa", "doc0", True)])


def test_uncovered_file_with_verified_provenance_is_mismatch_hash(auth: Authority, root: TrustedRoot) -> None:
    out = decide(root, [provenance(auth, [("something-else", b"x")])])
    assert out[WHEEL][:2] == (False, "mismatch-hash")


def test_no_evidence_is_unattested(root: TrustedRoot) -> None:
    out = decide(root, [])
    assert out[WHEEL] == (False, "unattested", [])
    assert out[SDIST] == (False, "unattested", [])


def test_failing_document_claims_the_files_it_names(auth: Authority, root: TrustedRoot) -> None:
    """A document whose signature fails still claims (by its unverified subjects) the files it names: the sdist
    fails even though another document verifies it; the wheel, not named by the bad one, passes."""
    good = provenance(auth, [(WHEEL, WHEEL_BYTES), (SDIST, SDIST_BYTES)])
    bad = json.loads(provenance(auth, [(SDIST, SDIST_BYTES)]))
    sig = bad["dsseEnvelope"]["signatures"][0]["sig"]
    bad["dsseEnvelope"]["signatures"][0]["sig"] = sig[:-8] + ("A" * 8 if not sig.endswith("A" * 8) else "B" * 8)
    out = decide(root, [good, json.dumps(bad).encode()])
    assert out[WHEEL] == (True, None, [("slsa", "doc0", True)])
    verified, code, evidence = out[SDIST]
    assert not verified and code in ("invalid-signature", "invalid-tlog-entry")
    assert evidence == [("slsa", "doc0", True), ("slsa", "doc1", False)]


def test_unreadable_document_claims_every_file(auth: Authority, root: TrustedRoot) -> None:
    good = provenance(auth, [(WHEEL, WHEEL_BYTES), (SDIST, SDIST_BYTES)])
    out = decide(root, [good, b'{"mediaType": "nonsense"}'])
    for name in (WHEEL, SDIST):
        assert out[name][0] is False
        assert out[name][2][1] == ("slsa", "doc1", False)


def test_policy_failure_is_the_files_error(auth: Authority, root: TrustedRoot) -> None:
    doc = provenance(auth, [(WHEEL, WHEEL_BYTES), (SDIST, SDIST_BYTES)])
    out = decide(root, [doc], policy=SlsaPolicy("github.com/o/r", source_tag="v2"))
    assert out[WHEEL][:2] == (False, "mismatch-tag")
    out = decide(root, [doc], policy=SlsaPolicy("github.com/o/other", source_tag="v1"))
    assert out[SDIST][:2] == (False, "mismatch-source")


def test_document_for_another_tag(auth: Authority, root: TrustedRoot) -> None:
    doc = provenance(auth, [(WHEEL, WHEEL_BYTES), (SDIST, SDIST_BYTES)], ref="refs/tags/v0.9")
    assert decide(root, [doc])[WHEEL][:2] == (False, "mismatch-tag")


def test_evidence_names_its_document(auth: Authority, root: TrustedRoot) -> None:
    """Each piece of evidence names the file it was read from and that file's SHA-256 (a VSA's inputAttestations):
    the whole file for a document of a multi-document file, the document itself when it stands alone; failing
    evidence too."""
    good = provenance(auth, [(WHEEL, WHEEL_BYTES), (SDIST, SDIST_BYTES)])
    file_sha = h(good + b"\n" + b"{}")
    docs = [SlsaDocument("multiple.intoto.jsonl#1", good, "https://gh.test/multiple.intoto.jsonl", file_sha),
            SlsaDocument("alone", b'{"mediaType": "nonsense"}')]
    verdicts = decide_release(FILES, {}, docs, POLICY, root, profile=SLSA_VERIFIER)
    for v in verdicts:
        assert [(e.verified, e.document_uri, e.document_sha256) for e in v.evidence] == [
            (True, "https://gh.test/multiple.intoto.jsonl", file_sha),
            (False, "alone", h(b'{"mediaType": "nonsense"}'))]


# -- PEP 740 side (real vector, production root) ----------------------------------------------------------------

PA_SDIST = "pypi_attestations-0.0.19.tar.gz"
PA_BYTES = vector(PYPI_ATT / PA_SDIST)
PA_PROV = vector(PYPI_ATT / f"{PA_SDIST}.provenance")
PA_FILE = [ReleaseFile(PA_SDIST, h(PA_BYTES))]
PA_POLICY = SlsaPolicy("github.com/trailofbits/pypi-attestations", source_tag="v0.0.19")


def pep740(obj: bytes, policy: SlsaPolicy = PA_POLICY, files: list[ReleaseFile] = PA_FILE) -> Any:
    (v,) = decide_release(files, {files[0].filename: [("prov", obj)]}, [], policy, TrustedRoot.production(),
                          profile=SLSA_VERIFIER)
    return v


def test_pep740_passes() -> None:
    v = pep740(PA_PROV)
    assert v.verified and v.evidence[0].signer == "GitHub trailofbits/pypi-attestations (release.yml)"
    assert (v.evidence[0].document_uri, v.evidence[0].document_sha256) == ("prov", h(PA_PROV))
    bad = pep740(b"{")  # a malformed object still names itself
    assert (bad.evidence[0].verified, bad.evidence[0].document_sha256) == (False, h(b"{"))


def _edit(f: Any) -> bytes:
    doc = json.loads(PA_PROV)
    f(doc)
    return json.dumps(doc).encode()


@pytest.mark.parametrize(("edit", "code"), [
    (lambda d: d.update(version=2), "unsupported-format"),
    (lambda d: d.update(attestation_bundles=[]), "unattested"),
    (lambda d: d["attestation_bundles"][0].update(attestations=[]), "unattested"),
    (lambda d: d["attestation_bundles"][0]["publisher"].update(repository="trailofbits/other"), "mismatch-source"),
    (lambda d: d["attestation_bundles"][0]["attestations"][0].update(version=2), "unsupported-format"),
    (lambda d: d["attestation_bundles"][0]["attestations"][0]["envelope"].update(signature="AAAA"),
     "invalid-signature"),
    (lambda d: d["attestation_bundles"][0]["attestations"][0]["verification_material"].update(
        transparency_entries=[]), "tlog-entry-not-found"),
])
def test_pep740_tampering(edit: Any, code: str) -> None:
    v = pep740(_edit(edit))
    assert not v.verified
    assert v.error is not None and v.error.code == code, v.error


def test_pep740_one_good_one_bad_attestation_fails() -> None:
    def dup_bad(d: Any) -> None:
        atts = d["attestation_bundles"][0]["attestations"]
        bad = copy.deepcopy(atts[0])
        bad["envelope"]["signature"] = "AAAA"
        atts.append(bad)

    v = pep740(_edit(dup_bad))
    assert [e.verified for e in v.evidence] == [True, False]
    assert not v.verified


def test_pep740_attestation_is_bound_to_the_file_name() -> None:
    renamed = [ReleaseFile("pypi_attestations-0.0.19-py3-none-any.whl", h(PA_BYTES))]
    v = pep740(PA_PROV, files=renamed)
    assert v.error is not None and v.error.code == "mismatch-hash"


@pytest.mark.parametrize(("uri", "repo"), [
    ("github.com/o/r", "o/r"), ("https://github.com/o/r", "o/r"), ("git+https://github.com/o/r.git", "o/r"),
    ("github.com/o/r/", "o/r"),
])
def test_expected_repository(uri: str, repo: str) -> None:
    assert normalize_source_uri(uri, "repository") == repo
