"""Certificate chains that carry more than the leaf, judged by the verification profile (pyslsa.core.profile).

slsa-verifier and sigstore-go read only the leaf of a v0.1/v0.2 ``x509CertificateChain``; the conformance suite
wants a root in the chain refused. The real vectors are the delegator's v0.2 bundles with the real Fulcio
intermediate and root (from the production trusted root) appended, as slsa-github-generator's container builder
wrote them; the test authority covers v0.1 and message-signature bundles.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

import pyslsa
from pyslsa.cli import main
from pyslsa.core.bundle import parse_bundle
from pyslsa.core.profile import CONFORMANCE, SLSA_VERIFIER
from pyslsa.core.release import Evidence, FileVerdict, ReleaseFile, SlsaDocument, decide_release
from pyslsa.core.sigstore import verify_dsse_bundle
from pyslsa.core.slsa.policy import SlsaPolicy
from pyslsa.core.trust import TrustedRoot
from pyslsa.core.x509 import fulcio_claims, load_certificate
from pyslsa.errors import VerificationError
from pyslsa.formats import debug_lines
from pyslsa.report import ReleaseReport
from tests.authority import GH_ISSUER, Authority, b64
from tests.conftest import DATA, DELEGATOR, EXAMPLE_REPO, TRW_BUILDER, TUF_UNREACHABLE_WARNING, vector, vector_json
from tests.local_provenance import DIGEST, GEN
from tests.local_provenance import gh_claims as _gh_claims
from tests.local_provenance import provenance as _provenance

PROD = DATA / "trust-roots" / "production-trusted_root.json"
BIN = DELEGATOR / "binary-linux-amd64"
DOCS = ["push-v14", "push-v14.2", "push-v13.0.30", "workflow_dispatch"]
TAGS = {"push-v14": "v14", "push-v14.2": "v14.2", "push-v13.0.30": "v13.0.30"}
CONFORMANCE_ROOT_CASE = DATA / "sigstore-conformance" / "bundle-with-root-cert_fail"


def doc(name: str = "push-v14") -> dict[str, Any]:
    d = vector_json(DELEGATOR / f"binary-linux-amd64-{name}.build.slsa")
    assert d["mediaType"].endswith("version=0.2")
    return d


def chain(d: dict[str, Any]) -> list[dict[str, str]]:
    certs: list[dict[str, str]] = d["verificationMaterial"]["x509CertificateChain"]["certificates"]
    return certs


def fulcio_ca_chain() -> list[dict[str, str]]:
    """The real Fulcio intermediate and root, in chain order, from the production trusted root."""
    (ca,) = [ca for ca in vector_json(PROD)["certificateAuthorities"] if len(ca["certChain"]["certificates"]) == 2]
    certs: list[dict[str, str]] = ca["certChain"]["certificates"]
    subjects = [load_certificate(base64.b64decode(c["rawBytes"])).subject.rfc4514_string() for c in certs]
    assert subjects == ["CN=sigstore-intermediate,O=sigstore.dev", "CN=sigstore,O=sigstore.dev"]
    return [{"rawBytes": c["rawBytes"]} for c in certs]


def with_extras(d: dict[str, Any], extras: list[dict[str, str]]) -> dict[str, Any]:
    d = copy.deepcopy(d)
    chain(d).extend(extras)
    return d


def raw(d: dict[str, Any]) -> bytes:
    return json.dumps(d).encode()


def va(d: dict[str, Any], name: str = "push-v14", **kw: Any) -> pyslsa.VerificationResult:
    if name in TAGS:
        kw.setdefault("source_tag", TAGS[name])
    return pyslsa.verify_artifact(str(BIN), raw(d), source_uri=EXAMPLE_REPO, builder_id=TRW_BUILDER, **kw)


def leaf_identity(d: dict[str, Any]) -> tuple[str, str]:
    claims = fulcio_claims(load_certificate(base64.b64decode(chain(d)[0]["rawBytes"])))
    return claims.san, claims.issuer


def vb(d: dict[str, Any]) -> pyslsa.VerificationResult:
    identity, issuer = leaf_identity(d)
    return pyslsa.verify_bundle(str(BIN), raw(d), identity=identity, issuer=issuer)


def code_of(fn: Any, *args: Any, **kw: Any) -> str:
    with pytest.raises(VerificationError) as info:
        fn(*args, **kw)
    return info.value.code


# -- real vectors: verify-artifact (slsa-verifier profile) -------------------------------------------------------


@pytest.mark.parametrize("name", DOCS)
def test_real_v02_bundle_with_fulcio_intermediate_and_root_verifies(name: str) -> None:
    plain = va(doc(name), name)
    extended = va(with_extras(doc(name), fulcio_ca_chain()), name)
    a, b = plain.artifacts[0], extended.artifacts[0]
    assert (a.builder_id, a.ref, a.commit, a.log_index, a.sha256) == (b.builder_id, b.ref, b.commit, b.log_index,
                                                                      b.sha256)
    assert a.notes == ()
    (note,) = b.notes
    assert note.startswith("ignored 2 extra chain certificate(s) after the leaf (slsa-verifier profile")
    assert "[1] CN=sigstore-intermediate,O=sigstore.dev; [2] CN=sigstore,O=sigstore.dev (self-signed)" in note


def test_extra_certificates_in_any_order_and_number_are_ignored() -> None:
    inter, root = fulcio_ca_chain()
    for extras in ([root, inter], [root], [inter, root, inter, root]):  # root first: as in the conformance vector
        assert va(with_extras(doc(), extras)).builder_id == TRW_BUILDER + "@refs/tags/v2.1.0"


def test_extras_that_are_not_certificates_are_ignored_like_sigstore_go() -> None:
    """slsa-verifier and sigstore-go never parse them (only certificates[0]); they only need to be protobuf-JSON
    bytes. The debug note says what they were."""
    garbage = {"rawBytes": b64(b"not a certificate")}
    r = va(with_extras(doc(), [garbage, *fulcio_ca_chain()]))
    assert "[1] not an X.509 certificate (17 bytes); [2] CN=sigstore-intermediate" in r.artifacts[0].notes[0]


@pytest.mark.parametrize("extra", [{"rawBytes": "!!not base64!!"}, {}, "MIIB", {"rawBytes": 3}])
def test_extras_that_are_not_protobuf_json_are_refused_by_the_parser(extra: Any) -> None:
    d = with_extras(doc(), [extra])
    assert code_of(va, d) == "invalid-provenance"
    assert code_of(vb, d) == "invalid-provenance"


def test_a_chain_whose_leaf_is_swapped_still_fails() -> None:
    inter, root = fulcio_ca_chain()
    other_leaf = chain(doc("push-v14.2"))[0]
    swapped = doc()
    chain(swapped)[:] = [other_leaf, inter, root]
    assert code_of(va, swapped) == "invalid-signature"  # another run's certificate did not sign this envelope
    ca_first = doc()
    chain(ca_first)[:] = [inter, chain(doc())[0], root]  # the real leaf demoted: the CA is now the "leaf"
    assert code_of(va, ca_first) == "invalid-certificate"
    root_only = doc()
    chain(root_only)[:] = [root, chain(doc())[0]]
    assert code_of(va, root_only) == "invalid-certificate"


def test_cli_verify_artifact_passes_and_shows_the_ignored_chain_only_with_debug(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    prov = tmp_path / "extended.build.slsa"
    prov.write_bytes(raw(with_extras(doc(), fulcio_ca_chain())))
    argv = ["verify-artifact", "--provenance-path", str(prov), "--source-uri", EXAMPLE_REPO, "--source-tag", "v14",
            "--builder-id", TRW_BUILDER, str(BIN)]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    # Sigstore's TUF repository is unreachable in the tests: the bundled root, and one line saying so.
    assert out.splitlines()[-1] == "PASSED: SLSA verification passed" and err == TUF_UNREACHABLE_WARNING
    assert main([*argv, "--debug"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[-1] == "PASSED: SLSA verification passed"
    (warning, root, line) = err.splitlines()
    assert warning == TUF_UNREACHABLE_WARNING.rstrip("\n")
    assert root.startswith("debug: trusted root: bundled, ")
    assert line.startswith(f"debug: {BIN}: ignored 2 extra chain certificate(s)")
    assert "CN=sigstore,O=sigstore.dev (self-signed)" in line
    assert main([*argv, "--debug", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["verified"] is True and "notes" not in json.loads(out)["artifacts"][0]
    assert err.splitlines()[2].startswith(f"debug: {BIN}: ignored 2 extra chain certificate(s)")


# -- real vectors: verify-bundle (conformance profile) -----------------------------------------------------------


def test_verify_bundle_refuses_the_same_bundle_because_of_its_root() -> None:
    assert vb(doc()).builder_id == leaf_identity(doc())[0]  # the control: the plain bundle passes verify-bundle
    inter, root = fulcio_ca_chain()
    with pytest.raises(VerificationError) as info:
        vb(with_extras(doc(), [inter, root]))
    assert info.value.code == "invalid-provenance"
    assert "certificates[2]" in info.value.message and "CN=sigstore,O=sigstore.dev" in info.value.message
    assert code_of(vb, with_extras(doc(), [root, inter])) == "invalid-provenance"
    # intermediates are allowed (and unused) in the conformance profile too
    r = vb(with_extras(doc(), [inter]))
    assert r.artifacts[0].notes[0].startswith("ignored 1 extra chain certificate(s) after the leaf (conformance")
    # ... but they must be certificates
    assert code_of(vb, with_extras(doc(), [{"rawBytes": b64(b"not a certificate")}])) == "invalid-certificate"


def test_cli_verify_bundle_fails_with_the_conformance_code(capsys: pytest.CaptureFixture[str],
                                                           tmp_path: Path) -> None:
    bundle = tmp_path / "extended.sigstore.json"
    bundle.write_bytes(raw(with_extras(doc(), fulcio_ca_chain())))
    identity, issuer = leaf_identity(doc())
    code = main(["verify-bundle", "--bundle", str(bundle), "--certificate-identity", identity,
                 "--certificate-oidc-issuer", issuer, str(BIN)])
    out, _ = capsys.readouterr()
    assert code == 1 and "[invalid-provenance]" in out and "root (self-signed)" in out


def test_real_conformance_vector_fails_on_its_root() -> None:
    """sigstore-conformance's own bundle-with-root-cert_fail (leaf, root, intermediate). Its inclusion proof has no
    checkpoint either (sigstore-go refuses it for that); the conformance profile refuses the root first."""
    case = CONFORMANCE_ROOT_CASE
    bundle = vector(case / "bundle.sigstore.json")
    with pytest.raises(VerificationError) as info:
        pyslsa.verify_bundle(str(case / "artifact"), bundle, identity="a@tny.town",
                             issuer="https://github.com/login/oauth")
    assert info.value.code == "invalid-provenance" and "CN=sigstore,O=sigstore.dev" in info.value.message
    d = json.loads(bundle)
    del chain(d)[1]  # without the root, the next refusal is the missing checkpoint, as in sigstore-go
    with pytest.raises(VerificationError) as info:
        pyslsa.verify_bundle(str(case / "artifact"), raw(d), identity="a@tny.town",
                             issuer="https://github.com/login/oauth")
    assert info.value.code == "invalid-tlog-entry" and "checkpoint" in info.value.message


# -- the core: the parser keeps, the profile decides ---------------------------------------------------------------


def test_the_parser_keeps_the_extras_unparsed_and_the_profile_decides() -> None:
    extras = [*fulcio_ca_chain(), {"rawBytes": b64(b"junk")}]
    bundle = parse_bundle(with_extras(doc(), extras))
    assert bundle.chain_extra == tuple(base64.b64decode(e["rawBytes"]) for e in extras)
    assert bundle.certificate is not None and bundle.certificate.public_bytes(serialization.Encoding.DER) == \
        base64.b64decode(chain(doc())[0]["rawBytes"])
    root = TrustedRoot.production()
    sig = verify_dsse_bundle(bundle, root, profile=SLSA_VERIFIER)
    assert len(sig.notes) == 1 and "ignored 3 extra" in sig.notes[0]
    with pytest.raises(VerificationError) as info:
        verify_dsse_bundle(bundle, root, profile=CONFORMANCE)
    assert info.value.code == "invalid-provenance"
    assert verify_dsse_bundle(parse_bundle(doc()), root, profile=CONFORMANCE).notes == ()


# -- the test authority: v0.1 bundles, message signatures, releases -----------------------------------------------


@pytest.fixture(scope="module")
def auth() -> Authority:
    return Authority()


def authority_chain(auth: Authority) -> list[dict[str, str]]:
    return [{"rawBytes": b64(c.public_bytes(serialization.Encoding.DER))} for c in (auth.inter, auth.root)]


def slsa_bundle(auth: Authority, version: str) -> dict[str, Any]:
    key, cert = auth.leaf(san=GEN + "@refs/tags/v2.1.0", issuer=GH_ISSUER, claims=_gh_claims())
    return auth.dsse_bundle(_provenance(), key=key, cert=cert, version=version)


@pytest.mark.parametrize("version", ["0.1", "0.2"])
def test_authority_bundles_with_extra_certificates(auth: Authority, version: str) -> None:
    trusted = json.dumps(auth.trusted_root()).encode()
    b = with_extras(slsa_bundle(auth, version), authority_chain(auth))
    assert b["mediaType"].endswith(f"version={version}")
    r = pyslsa.verify_artifact(DIGEST, raw(b), source_uri="github.com/o/r", trusted_root=trusted)
    assert r.builder_id == GEN + "@refs/tags/v2.1.0"
    note = r.artifacts[0].notes[0]
    assert "[1] CN=test-intermediate,O=pyslsa-test; [2] CN=test-root,O=pyslsa-test (self-signed)" in note
    with pytest.raises(VerificationError) as info:
        pyslsa.verify_bundle(DIGEST, raw(b), identity=GEN + "@refs/tags/v2.1.0", issuer=GH_ISSUER,
                             trusted_root=trusted)
    assert info.value.code == "invalid-provenance"
    # the leaf is still all that counts: a chain whose leaf comes from another signing fails
    _, other = auth.leaf(san=GEN + "@refs/tags/v2.1.0", issuer=GH_ISSUER, claims=_gh_claims())
    chain(b)[0] = {"rawBytes": b64(other.public_bytes(serialization.Encoding.DER))}
    with pytest.raises(VerificationError) as info:
        pyslsa.verify_artifact(DIGEST, raw(b), source_uri="github.com/o/r", trusted_root=trusted)
    assert info.value.code == "invalid-signature"


def test_authority_message_bundle_v01_with_an_intermediate_passes_verify_bundle(auth: Authority) -> None:
    trusted = json.dumps(auth.trusted_root()).encode()
    artifact = b"the artifact"
    b = auth.message_bundle(artifact, version="0.1")
    inter, root = authority_chain(auth)
    digest = "sha256:" + hashlib.sha256(artifact).hexdigest()
    kw: dict[str, Any] = {"identity": "signer@example.test", "issuer": "https://accounts.example.test",
                          "trusted_root": trusted}
    r = pyslsa.verify_bundle(digest, raw(with_extras(b, [inter])), **kw)
    assert "[1] CN=test-intermediate,O=pyslsa-test" in r.artifacts[0].notes[0]
    with pytest.raises(VerificationError) as info:
        pyslsa.verify_bundle(digest, raw(with_extras(b, [inter, root])), **kw)
    assert info.value.code == "invalid-provenance"


def test_release_evidence_keeps_the_notes_for_debug(auth: Authority) -> None:
    root = TrustedRoot.from_json(json.dumps(auth.trusted_root()).encode())
    b = with_extras(slsa_bundle(auth, "0.2"), authority_chain(auth))
    f = ReleaseFile("a", DIGEST.removeprefix("sha256:"))
    policy = SlsaPolicy("github.com/o/r", source_tag="v1")
    (v,) = decide_release([f], {}, [SlsaDocument("multiple.intoto.jsonl", raw(b))], policy, root,
                          profile=SLSA_VERIFIER)
    assert v.verified
    (ev,) = v.evidence
    assert "ignored 2 extra chain certificate(s)" in ev.notes[0]
    report = ReleaseReport("pkg==1", "https://index.test/simple/", files=[v])
    (line,) = debug_lines(report)
    assert line.startswith("debug: a: slsa multiple.intoto.jsonl: ignored 2 extra chain certificate(s)")
    quiet = ReleaseReport("pkg==1", "", files=[FileVerdict("a", "00", [Evidence("slsa", "x", verified=True)])])
    assert debug_lines(quiet) == []
