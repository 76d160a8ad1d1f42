"""``pyslsa verify-vsa`` end to end: slsa-verifier's real VSA vector with the exact flags of its README, its wrong
and empty key-id failures, the outputs (text, JSON, --print-attestation), usage errors (exit 2), and a keyless VSA
in a Sigstore bundle made by the test authority, verified with an identity."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from pyslsa.cli import main
from pyslsa.core.vsa import VERIFIER_ID
from tests.authority import GH_ISSUER, Authority
from tests.conftest import GENERIC, TUF_UNREACHABLE_WARNING, vector
from tests.vsa_helpers import (
    GCE_KEY_ID,
    GCE_RESOURCE,
    GCE_VERIFIER,
    GCE_VSA,
    gce_argv,
)

BIG = GENERIC / "binary-linux-amd64"  # a file far larger than any PEM key


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


# -- slsa-verifier's vector (tests/data/README.md, the vsa row) ------------------------------------------------------


def test_vector_passes_with_the_readme_flags(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *gce_argv())
    assert code == 0, err
    first, last = out.splitlines()
    assert first == (f"PASSED: {GCE_VSA}: signed by key {GCE_KEY_ID}; verifier {GCE_VERIFIER}; resource "
                     f"{GCE_RESOURCE}; levels BCID_L1, SLSA_BUILD_LEVEL_2; verified 2024-06-12T07:24:34.351608Z; "
                     f"1 subject")
    assert last == "PASSED: VSA verification passed"
    assert err == ""


def test_vector_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *gce_argv(), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["verified"] is True and doc["error"] is None
    assert doc["subjects"] == [{"name": "_", "digest": {"gce_image_id": "8970095005306000053"}}]
    assert doc["verifier"]["id"] == GCE_VERIFIER
    assert doc["resource_uri"] == GCE_RESOURCE
    assert doc["verification_result"] == "PASSED"
    assert doc["verified_levels"] == ["BCID_L1", "SLSA_BUILD_LEVEL_2"]
    assert doc["time_verified"] == "2024-06-12T07:24:34.351608Z"
    assert doc["keyid"] == GCE_KEY_ID and doc["signer"] == f"key {GCE_KEY_ID}"
    assert doc["issuer"] is None and "attestation" not in doc
    assert doc["trusted_root"] is None  # a key-signed VSA is checked against no trusted root


def test_print_attestation_puts_the_statement_alone_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *gce_argv(), "--print-attestation")
    assert code == 0
    statement = json.loads(out)  # stdout holds exactly the statement
    envelope = json.loads(vector(GCE_VSA))
    assert statement == json.loads(base64.b64decode(envelope["payload"]))
    assert err.splitlines()[-1] == "PASSED: VSA verification passed"
    code, out, _ = run(capsys, *gce_argv(), "--print-attestation", "--format", "json")
    assert json.loads(out)["attestation"] == statement


@pytest.mark.parametrize("key_id", ["", "my_key_id"])
def test_vector_with_an_empty_or_wrong_key_id_fails(capsys: pytest.CaptureFixture[str], key_id: str) -> None:
    code, out, err = run(capsys, *gce_argv(public_key_id=key_id))
    assert code == 1 and err == ""
    first, last = out.splitlines()
    assert first.startswith(f"FAILED: {GCE_VSA}: [invalid-signature] no valid signature: signature keyid expected ")
    assert f"got '{GCE_KEY_ID}'" in first
    assert last == "FAILED: VSA verification failed"
    code, out, _ = run(capsys, *gce_argv(public_key_id=key_id), "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["verified"] is False and doc["error"]["code"] == "invalid-signature"
    assert doc["subjects"] == [] and doc["verifier"] is None  # nothing of an unverified VSA is reported


def test_no_public_key_id_uses_the_default_ids_and_fails_on_the_vector(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *gce_argv(public_key_id=None))
    assert code == 1 and "[invalid-signature]" in out and "SHA256:" in out


@pytest.mark.parametrize(("flag", "value", "code_name"), [
    ("--subject-digest", "gce_image_id:1", "mismatch-hash"),
    ("--verifier-id", "https://bcid.corp.google.com/verifier/other", "mismatch-verifier-id"),
    ("--resource-uri", "gce_image://other", "mismatch-resource-uri"),
    ("--verified-level", "SLSA_BUILD_LEVEL_3", "mismatch-verified-levels"),
    ("--verified-level", "FEDRAMP_LOW", "mismatch-verified-levels"),
])
def test_vector_against_other_expectations(capsys: pytest.CaptureFixture[str], flag: str, value: str,
                                           code_name: str) -> None:
    argv = gce_argv()
    if flag == "--verified-level":
        argv += [flag, value]
    else:
        argv[argv.index(flag) + 1] = value
    code, out, _ = run(capsys, *argv, "--format", "json")
    assert code == 1 and json.loads(out)["error"]["code"] == code_name


# -- usage errors: exit 2, one line, no traceback -------------------------------------------------------------------


def _without(argv: list[str], flag: str) -> list[str]:
    i = argv.index(flag)
    return argv[:i] + argv[i + 2:]


@pytest.mark.parametrize(("edit", "needle"), [
    (lambda a: [*a[:2], "sha256", *a[3:]], "--subject-digest must be <digest type>:<digest value>"),
    (lambda a: [*a[:2], ":abc", *a[3:]], "--subject-digest must be"),
    (lambda a: _without(a, "--subject-digest"), "--subject-digest"),
    (lambda a: _without(a, "--verifier-id"), "--verifier-id"),
    (lambda a: _without(a, "--public-key-path"), "give --public-key-path"),
    (lambda a: [*a, "--certificate-identity", "x"], "give both"),
    (lambda a: [*a, "--certificate-identity", "x", "--certificate-oidc-issuer", "y"], "cannot be combined"),
    (lambda a: [*a, "--verified-level", "SLSA_BUILD_LEVEL_X"], "invalid SLSA level"),
    (lambda a: [*_without(a, "--public-key-path"), "--public-key-path", str(GCE_VSA)], "not a PEM public key"),
    (lambda a: [*_without(a, "--public-key-path"), "--public-key-path", str(BIG)], "larger than 64 KiB"),
    (lambda a: [*_without(a, "--attestation-path"), "--attestation-path", "/nonexistent/vsa.jsonl"], "not found"),
    (lambda a: [*a, "--trusted-root", "/nonexistent/trusted_root.json"], "trusted root file not found"),
])
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], edit: Any, needle: str) -> None:
    code, out, err = run(capsys, *edit(gce_argv()))
    assert code == 2, (out, err)
    assert needle in err and "Traceback" not in err


@pytest.mark.parametrize("data", [b"", b"not json", b"[]", b'{"payloadType": "x"}', b"\xff" * 10])
def test_malformed_vsa_files_fail_with_a_code(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                              data: bytes) -> None:
    path = tmp_path / "vsa.jsonl"
    path.write_bytes(data)
    argv = gce_argv()
    argv[argv.index("--attestation-path") + 1] = str(path)
    code, out, err = run(capsys, *argv, "--format", "json")
    assert code == 1 and json.loads(out)["error"]["code"] == "invalid-vsa" and "Traceback" not in err


def test_a_file_too_large_to_be_a_vsa_is_invalid_vsa(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Refused as a VSA (slsa-verifier: ErrorInvalidDssePayload), not as a 'provenance document'."""
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as fh:
        fh.truncate(33 * 1024 * 1024)  # sparse: 33 MiB of zeros
    argv = gce_argv()
    argv[argv.index("--attestation-path") + 1] = str(path)
    code, out, err = run(capsys, *argv)
    assert code == 1 and "Traceback" not in err
    assert f"[invalid-vsa] attestation file {path} is larger than 32 MiB: not a VSA" in out


# -- a keyless VSA in a Sigstore bundle (the test authority) ------------------------------------------------------

WF = "https://github.com/o/r/.github/workflows/w.yml@refs/tags/v1.0.0"  # the authority's default leaf identity
WHEEL_SHA = "ab" * 32


def _statement(**predicate: Any) -> dict[str, Any]:
    return {"_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": "demo-1.0-py3-none-any.whl", "digest": {"sha256": WHEEL_SHA}}],
            "predicateType": "https://slsa.dev/verification_summary/v1",
            "predicate": {"verifier": {"id": VERIFIER_ID, "version": {"pyslsa": "0.1.0"}},
                          "timeVerified": "2025-06-01T12:00:00Z", "resourceUri": "pkg:pypi/demo@1.0",
                          "policy": {"uri": "pyslsa:verify-release", "digest": {"sha256": "00" * 32}},
                          "inputAttestations": [], "verificationResult": "PASSED",
                          "verifiedLevels": ["SLSA_BUILD_LEVEL_0", "PYSLSA_TRUSTED_PUBLISHER"], "slsaVersion": "1.0",
                          **predicate}}


@pytest.fixture(scope="module")
def authority() -> Authority:
    return Authority()


def bundle_argv(tmp_path: Path, auth: Authority, statement: dict[str, Any], *extra: str) -> list[str]:
    bundle = tmp_path / "vsa.sigstore.json"
    bundle.write_text(json.dumps(auth.dsse_bundle(statement)))
    root = tmp_path / "trusted_root.json"
    root.write_text(json.dumps(auth.trusted_root()))
    return ["verify-vsa", "--attestation-path", str(bundle), "--trusted-root", str(root),
            "--subject-digest", f"sha256:{WHEEL_SHA}", "--verifier-id", VERIFIER_ID,
            "--resource-uri", "pkg:pypi/demo@1.0", "--verified-level", "PYSLSA_TRUSTED_PUBLISHER", *extra]


IDENTITY = ("--certificate-identity", WF, "--certificate-oidc-issuer", GH_ISSUER)


def test_keyless_bundle_passes_with_the_identity(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                 authority: Authority) -> None:
    code, out, err = run(capsys, *bundle_argv(tmp_path, authority, _statement(), *IDENTITY))
    assert code == 0, (out, err)
    assert out.splitlines()[0].startswith(f"PASSED: {tmp_path / 'vsa.sigstore.json'}: signed by {WF} (issuer "
                                          f"{GH_ISSUER}); verifier {VERIFIER_ID}; resource pkg:pypi/demo@1.0; ")
    code, out, _ = run(capsys, *bundle_argv(tmp_path, authority, _statement(), *IDENTITY), "--format", "json")
    doc = json.loads(out)
    assert doc["signer"] == WF and doc["issuer"] == GH_ISSUER and doc["keyid"] is None
    assert isinstance(doc["log_index"], int)
    assert doc["trusted_root"]["kind"] == "file" and doc["trusted_root"]["path"] == str(tmp_path / "trusted_root.json")


@pytest.mark.parametrize(("extra", "code_name"), [
    (("--certificate-identity", WF.replace("v1.0.0", "v1.0.1"), "--certificate-oidc-issuer", GH_ISSUER),
     "mismatch-identity"),
    (("--certificate-identity", WF, "--certificate-oidc-issuer", "https://accounts.google.com"), "mismatch-identity"),
])
def test_keyless_bundle_with_another_identity_fails(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                    authority: Authority, extra: tuple[str, ...],
                                                    code_name: str) -> None:
    code, out, _ = run(capsys, *bundle_argv(tmp_path, authority, _statement(), *extra), "--format", "json")
    assert code == 1 and json.loads(out)["error"]["code"] == code_name


def test_keyless_bundle_checks_the_vsa(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                       authority: Authority) -> None:
    failed = _statement(verificationResult="FAILED", verifiedLevels=["FAILED"])
    code, out, _ = run(capsys, *bundle_argv(tmp_path, authority, failed, *IDENTITY), "--format", "json")
    assert code == 1 and json.loads(out)["error"]["code"] == "invalid-verification-result"
    lower = _statement(verifiedLevels=["SLSA_BUILD_LEVEL_0"])
    code, out, _ = run(capsys, *bundle_argv(tmp_path, authority, lower, *IDENTITY), "--format", "json")
    assert code == 1 and json.loads(out)["error"]["code"] == "mismatch-verified-levels"


def test_keyless_bundle_under_the_public_good_root_fails(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                         authority: Authority) -> None:
    argv = bundle_argv(tmp_path, authority, _statement(), *IDENTITY)
    i = argv.index("--trusted-root")
    code, out, err = run(capsys, *argv[:i], *argv[i + 2:], "--format", "json")  # the bundled production root
    assert code == 1 and json.loads(out)["error"]["code"] in {"invalid-tlog-entry", "invalid-certificate"}
    assert json.loads(out)["trusted_root"]["kind"] == "bundled" and err == TUF_UNREACHABLE_WARNING


def test_keyless_bundle_needs_the_identity_flags(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                 authority: Authority) -> None:
    code, _, err = run(capsys, *bundle_argv(tmp_path, authority, _statement()))
    assert code == 2 and "--certificate-identity" in err


def test_envelope_given_identity_flags_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [*_without(gce_argv(), "--public-key-path"), *IDENTITY]
    code, _, err = run(capsys, *argv)
    assert code == 2 and "--public-key-path" in err
