"""pyslsa.api.vsa, the library the commands call: verify-vsa from files with slsa-verifier's flags, the --vsa-key
loader, what --vsa writes, and VSAs made from real verify-artifact / verify-release verdicts."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from pyslsa.api import run_verify_artifact
from pyslsa.api.vsa import (
    artifact_policy_flags,
    artifact_summary,
    load_vsa_signing_key,
    open_vsa_output,
    release_inputs,
    release_policy_flags,
    release_summary,
    render_vsa,
    run_verify_vsa,
    verify_vsa,
)
from pyslsa.core.profile import SLSA_VERIFIER
from pyslsa.core.release import Evidence, FileVerdict, ReleaseFile, decide_release
from pyslsa.core.slsa.policy import SlsaPolicy
from pyslsa.core.trust import TrustedRoot
from pyslsa.core.vsa import TRUSTED_PUBLISHER_LEVEL, VERIFIER_ID, build_statement, command_policy, descriptor
from pyslsa.errors import UsageError, VerificationError
from pyslsa.options import VerifyArtifactOptions, VerifyReleaseOptions, VerifyVsaOptions, VsaOutput
from pyslsa.report import ReleaseReport
from pyslsa.sources.settings import VSA_KEY_PASSWORD_ENV
from tests.conftest import EXAMPLE_REPO, GENERIC, PYPI_ATT, vector
from tests.vsa_helpers import GCE, gce_options
from tests.vsa_helpers import write_key as _write_key
from tests.vsa_helpers import write_pub as _write_pub

WHEN = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.timezone.utc)


def test_vector_passes() -> None:
    verified = verify_vsa(gce_options())
    assert verified.signer == "key keystore://76574:prod:vsa_signing_public_key"
    assert json.loads(verified.payload)["predicate"]["verificationResult"] == "PASSED"


@pytest.mark.parametrize("key_id", ["", "my_key_id"])
def test_vector_with_empty_or_wrong_key_id_fails(key_id: str) -> None:
    with pytest.raises(VerificationError) as info:
        verify_vsa(gce_options(public_key_id=key_id, subject_digests=("x:y",)))
    assert info.value.code == "invalid-signature"  # the signature is checked before anything else


@pytest.mark.parametrize(("kw", "needle"), [
    ({"public_key_path": None}, "--public-key-path"),
    ({"certificate_identity": "x", "certificate_oidc_issuer": "y"}, "cannot be combined"),
    ({"public_key_path": None, "certificate_identity": "x"}, "both"),
    ({"attestation_path": "/nonexistent/vsa.jsonl"}, "not found"),
    ({"public_key_path": str(GCE / "gke-gce-pre.bcid-vsa.jsonl")}, "PEM public key"),
    ({"subject_digests": ()}, "--subject-digest"),
])
def test_usage_errors(kw: dict[str, Any], needle: str) -> None:
    with pytest.raises(UsageError) as info:
        verify_vsa(gce_options(**kw))
    assert needle in info.value.message


def test_identity_flags_on_a_key_signed_envelope_are_a_usage_error() -> None:
    with pytest.raises(UsageError, match="public-key-path"):
        verify_vsa(gce_options(public_key_path=None, certificate_identity="x", certificate_oidc_issuer="y"))


# -- --vsa-key files -------------------------------------------------------------------------------------------------


def write_key(tmp_path: Path, key: Any, fmt: serialization.PrivateFormat,
              enc: serialization.KeySerializationEncryption | None = None) -> Path:
    return _write_key(tmp_path / "vsa-key.pem", key, fmt, enc)


def write_pub(tmp_path: Path, key: Any) -> Path:
    return _write_pub(tmp_path / "vsa-key.pub.pem", key)


def test_encrypted_key_needs_the_password_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    path = write_key(tmp_path, key, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"s3"))
    monkeypatch.delenv(VSA_KEY_PASSWORD_ENV, raising=False)
    with pytest.raises(UsageError) as info:
        load_vsa_signing_key(path)
    assert VSA_KEY_PASSWORD_ENV in info.value.message and info.value.exit_status == 2
    monkeypatch.setenv(VSA_KEY_PASSWORD_ENV, "wrong")
    with pytest.raises(UsageError, match="password"):
        load_vsa_signing_key(path)
    monkeypatch.setenv(VSA_KEY_PASSWORD_ENV, "s3")
    assert isinstance(load_vsa_signing_key(path), ec.EllipticCurvePrivateKey)


def test_missing_key_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not found"):
        load_vsa_signing_key(tmp_path / "nope.pem")


def test_unsigned_vsa_is_the_bare_statement_and_refused(tmp_path: Path) -> None:
    statement = build_statement(artifact_summary(_generic_report().artifacts, command="verify-artifact",
                                                 policy_flags=[], input_attestations=[], time_verified=WHEN,
                                                 verifier_version="0.1.0"))
    doc = render_vsa(statement)
    assert not doc.signed and doc.keyid is None and json.loads(doc.data) == statement
    with pytest.raises(UsageError, match="--vsa-key"):
        render_vsa(statement, key_id="k")
    path = tmp_path / "vsa.json"
    path.write_bytes(doc.data)
    key = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(VerificationError) as info:
        verify_vsa(VerifyVsaOptions(str(path), (f"sha256:{_sha(GENERIC / 'binary-linux-amd64')}",), VERIFIER_ID,
                                    "binary-linux-amd64", public_key_path=str(write_pub(tmp_path, key))))
    assert info.value.code == "unsigned-vsa"


# -- Round trips from real verdicts --------------------------------------------------------------------------------


def _sha(path: Path) -> str:
    return hashlib.sha256(vector(path)).hexdigest()


def _generic_report() -> Any:
    return run_verify_artifact(VerifyArtifactOptions((str(GENERIC / "binary-linux-amd64"),),
                                                     str(GENERIC / "binary-linux-amd64-push-v14.intoto.jsonl"),
                                                     EXAMPLE_REPO, source_tag="v14", offline=True))


FORMATS: dict[str, tuple[Callable[[], Any], serialization.PrivateFormat]] = {
    "p256-pkcs8": (lambda: ec.generate_private_key(ec.SECP256R1()), serialization.PrivateFormat.PKCS8),
    "p256-sec1": (lambda: ec.generate_private_key(ec.SECP256R1()), serialization.PrivateFormat.TraditionalOpenSSL),
    "p384-sec1": (lambda: ec.generate_private_key(ec.SECP384R1()), serialization.PrivateFormat.TraditionalOpenSSL),
    "ed25519-pkcs8": (ed25519.Ed25519PrivateKey.generate, serialization.PrivateFormat.PKCS8),
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_verify_artifact_vsa_round_trip(tmp_path: Path, fmt: str) -> None:
    """verify-artifact on slsa-verifier's generic-generator vector -> a VSA at SLSA_BUILD_LEVEL_3, signed with
    each key type and format; verify-vsa accepts it with and without the key id, and refuses tampered copies."""
    report = _generic_report()
    assert report.verified
    prov = GENERIC / "binary-linux-amd64-push-v14.intoto.jsonl"
    summary = artifact_summary(report.artifacts, command="verify-artifact",
                               policy_flags=[("--source-uri", EXAMPLE_REPO), ("--source-tag", "v14")],
                               input_attestations=[descriptor(prov.name, vector(prov))], time_verified=WHEN,
                               verifier_version="0.1.0")
    make, private_format = FORMATS[fmt]
    key = make()
    signing_key = load_vsa_signing_key(write_key(tmp_path, key, private_format))
    doc = render_vsa(build_statement(summary), signing_key, "ci-vsa-key" if fmt.endswith("sec1") else None)
    assert doc.signed and doc.data.endswith(b"\n") and doc.data.count(b"\n") == 1
    vsa_path = tmp_path / "vsa.intoto.jsonl"
    vsa_path.write_bytes(doc.data)
    pub = write_pub(tmp_path, key)
    digest = _sha(GENERIC / "binary-linux-amd64")
    options = VerifyVsaOptions(str(vsa_path), (f"sha256:{digest}",), VERIFIER_ID, "binary-linux-amd64",
                               ("SLSA_BUILD_LEVEL_3",), str(pub), doc.keyid or "")
    verified = verify_vsa(options)
    predicate = verified.vsa.statement["predicate"]
    assert predicate["verifiedLevels"] == ["SLSA_BUILD_LEVEL_3"]
    assert predicate["inputAttestations"] == [{"uri": prov.name, "digest": {"sha256": _sha(prov)}}]
    assert predicate["policy"]["annotations"]["commandLine"] == (
        f"pyslsa verify-artifact --source-tag v14 --source-uri {EXAMPLE_REPO}")
    if doc.keyid != "ci-vsa-key":
        assert verify_vsa(VerifyVsaOptions(**{**options.__dict__, "public_key_id": ""})).keyid == doc.keyid

    def rejected(**kw: Any) -> str:
        with pytest.raises(VerificationError) as info:
            verify_vsa(VerifyVsaOptions(**{**options.__dict__, **kw}))
        return info.value.code

    assert rejected(subject_digests=(f"sha256:{'0' * 64}",)) == "mismatch-hash"
    assert rejected(verifier_id="https://bcid.corp.google.com/verifier") == "mismatch-verifier-id"
    assert rejected(resource_uri="binary-linux-arm64") == "mismatch-resource-uri"
    assert rejected(verified_levels=("SLSA_BUILD_LEVEL_4",)) == "mismatch-verified-levels"
    assert rejected(public_key_id="another-id") == "invalid-signature"
    envelope = json.loads(doc.data)
    sig = bytearray(base64.b64decode(envelope["signatures"][0]["sig"]))
    sig[-1] ^= 0x01
    envelope["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
    vsa_path.write_text(json.dumps(envelope))
    assert rejected() == "invalid-signature"


def test_failed_verification_gives_a_failed_vsa(tmp_path: Path) -> None:
    report = run_verify_artifact(VerifyArtifactOptions((str(GENERIC / "binary-linux-amd64"),),
                                                       str(GENERIC / "binary-linux-amd64-push-v14.intoto.jsonl"),
                                                       EXAMPLE_REPO, source_tag="v13", offline=True))
    assert not report.verified
    statement = build_statement(artifact_summary(report.artifacts, command="verify-artifact",
                                                 policy_flags=[("--source-tag", "v13")], input_attestations=[],
                                                 time_verified=WHEN, verifier_version="0.1.0"))
    assert statement["predicate"]["verificationResult"] == "FAILED"
    assert statement["predicate"]["verifiedLevels"] == ["FAILED"]
    key = ed25519.Ed25519PrivateKey.generate()
    path = tmp_path / "vsa.jsonl"
    path.write_bytes(render_vsa(statement, key).data)
    with pytest.raises(VerificationError) as info:
        verify_vsa(VerifyVsaOptions(str(path), (f"sha256:{_sha(GENERIC / 'binary-linux-amd64')}",), VERIFIER_ID,
                                    "binary-linux-amd64", public_key_path=str(write_pub(tmp_path, key))))
    assert info.value.code == "invalid-verification-result"


def test_several_artifacts_need_a_resource_uri() -> None:
    report = _generic_report()
    with pytest.raises(UsageError, match="resource URI"):
        artifact_summary(report.artifacts * 2, command="verify-artifact", policy_flags=[], input_attestations=[],
                         time_verified=WHEN, verifier_version="0.1.0")


def test_release_with_a_publish_attestation_proves_a_publisher_not_a_build_level() -> None:
    """verify-release's verdict on the real pypi-attestations sdist (PEP 740 publish attestation only):
    pkg:pypi/pypi-attestations@0.0.19, SLSA_BUILD_LEVEL_0 and the Trusted Publisher level."""
    sdist = "pypi_attestations-0.0.19.tar.gz"
    prov = vector(PYPI_ATT / f"{sdist}.provenance")
    files = decide_release([ReleaseFile(sdist, _sha(PYPI_ATT / sdist))], {sdist: [("prov-url", prov)]}, [],
                           SlsaPolicy("github.com/trailofbits/pypi-attestations", source_tag="v0.0.19"),
                           TrustedRoot.production(), profile=SLSA_VERIFIER)
    report = ReleaseReport(requirement="pypi_attestations==0.0.19", index_url="https://pypi.test/simple/",
                           files=files)
    assert report.verified
    summary = release_summary(report, policy=command_policy("verify-release", [
        ("--source-uri", "github.com/trailofbits/pypi-attestations")]),
        input_attestations=[descriptor("https://pypi.test/integrity/pypi-attestations/0.0.19/x/provenance", prov)],
        time_verified=WHEN, verifier_version="0.1.0")
    predicate = build_statement(summary)["predicate"]
    assert predicate["resourceUri"] == "pkg:pypi/pypi-attestations@0.0.19"
    assert predicate["verifiedLevels"] == ["SLSA_BUILD_LEVEL_0", TRUSTED_PUBLISHER_LEVEL]


# -- The pieces verify-artifact / verify-release --vsa use --------------------------------------------------------


def test_run_verify_vsa_reports_instead_of_raising() -> None:
    report = run_verify_vsa(gce_options())
    assert report.verified and report.exit_status == 0
    assert report.keyid == "keystore://76574:prod:vsa_signing_public_key"
    assert report.statement is not None and report.statement["predicate"]["verificationResult"] == "PASSED"
    failed = run_verify_vsa(gce_options(public_key_id=""))
    assert not failed.verified and failed.exit_status == 1 and failed.error is not None
    assert failed.error.code == "invalid-signature" and failed.statement is None
    with pytest.raises(UsageError):  # flags and files: exit 2, raised
        run_verify_vsa(gce_options(subject_digests=("nocolon",)))


def test_open_vsa_output_checks_before_any_work(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    priv = write_key(tmp_path, key, serialization.PrivateFormat.PKCS8)
    sink = open_vsa_output(VsaOutput(tmp_path / "v.json", priv, "kid"))
    assert sink.key is not None and sink.key_id == "kid" and sink.path == tmp_path / "v.json"
    artifact = tmp_path / "artifact.bin"
    artifact.write_bytes(b"x")
    for output, needle in [
        (VsaOutput(tmp_path / "v.json", key_id="k"), "--vsa-key-id needs --vsa-key"),
        (VsaOutput(tmp_path / "v.json", priv, key_id=" "), "must not be empty"),
        (VsaOutput(tmp_path), "directory"),
        (VsaOutput(tmp_path / "none" / "v.json"), "no directory"),
        (VsaOutput(artifact), "an input of the command"),
        (VsaOutput(priv, priv), "an input of the command"),  # the signing key itself
    ]:
        with pytest.raises(UsageError, match=needle):
            open_vsa_output(output, (str(artifact), None, b"bytes"))
    (tmp_path / "link").symlink_to(tmp_path / "v.json")
    with pytest.raises(UsageError, match="symbolic link"):
        open_vsa_output(VsaOutput(tmp_path / "link"))


def test_policy_flags_are_what_decides_the_verdict() -> None:
    options = VerifyArtifactOptions(("a", "b"), "prov.jsonl", EXAMPLE_REPO, source_branch="main", builder_id="B",
                                    build_workflow_inputs={"z": "1", "a": "2"}, trusted_root="root.json",
                                    rekor_url="https://rekor.test", offline=True)
    assert artifact_policy_flags(options) == [
        ("--source-uri", EXAMPLE_REPO), ("--source-branch", "main"), ("--builder-id", "B"),
        ("--build-workflow-input", "a=2"), ("--build-workflow-input", "z=1"), ("--trusted-root", "root.json")]
    release = VerifyReleaseOptions("x==1", EXAMPLE_REPO, only="sdist", pep740=False, index_url="https://i.test/")
    assert release_policy_flags(release, "v1") == [("--source-uri", EXAMPLE_REPO), ("--release-tag", "v1"),
                                                   ("--only", "sdist"), ("--no-pep740", None)]
    assert command_policy("verify-release", release_policy_flags(release, "v1")).annotations == {
        "commandLine": f"pyslsa verify-release --no-pep740 --only sdist --release-tag v1 "
                       f"--source-uri {EXAMPLE_REPO}"}


def test_release_inputs_are_each_document_once() -> None:
    doc = ("https://gh.test/multiple.intoto.jsonl", "1" * 64)
    prov = ("https://pypi.test/integrity/x/1/x-1.tar.gz/provenance", "2" * 64)
    files = [FileVerdict("x-1.tar.gz", "a" * 64, [
                 Evidence("slsa", "multiple.intoto.jsonl#1", document_uri=doc[0], document_sha256=doc[1]),
                 Evidence("pep740", prov[0], document_uri=prov[0], document_sha256=prov[1])]),
             FileVerdict("x-1-py3-none-any.whl", "b" * 64, [
                 Evidence("slsa", "multiple.intoto.jsonl#2", document_uri=doc[0], document_sha256=doc[1])])]
    assert [(d.uri, d.sha256) for d in release_inputs(files)] == [doc, prov]
