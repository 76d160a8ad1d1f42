"""``--vsa`` / ``--vsa-key`` / ``--vsa-key-id`` on verify-artifact and verify-release, end to end: what they write
(a signed envelope on one line, or the unsigned statement with a note on stderr), that ``verify-vsa`` accepts it with
the right digests, levels and ids and refuses tampered copies with stable codes, FAILED VSAs, and usage errors."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from pyslsa.cli import main
from pyslsa.core.dsse import INTOTO_PAYLOAD_TYPE
from pyslsa.core.keys import envelope_json, sign_envelope
from pyslsa.core.vsa import TRUSTED_PUBLISHER_LEVEL, VERIFIER_ID, statement_bytes
from pyslsa.sources.settings import VSA_KEY_PASSWORD_ENV
from tests.conftest import EXAMPLE_REPO, GENERATOR_ID, GENERIC, PYPI_ATT, TUF_OFFLINE_WARNING, vector
from tests.release_servers import Host, add_project, add_release
from tests.vsa_helpers import write_key, write_pub

BIN = GENERIC / "binary-linux-amd64"
PROV = GENERIC / "binary-linux-amd64-push-v14.intoto.jsonl"
BIN_SHA = hashlib.sha256(vector(BIN)).hexdigest()
PROV_SHA = hashlib.sha256(vector(PROV)).hexdigest()

KEYS: dict[str, Callable[[], Any]] = {
    "p256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "p384": lambda: ec.generate_private_key(ec.SECP384R1()),
    "ed25519": ed25519.Ed25519PrivateKey.generate,
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def va(*extra: str, tag: str = "v14", artifacts: tuple[str, ...] = (str(BIN),)) -> list[str]:
    return ["verify-artifact", "--provenance-path", str(PROV), "--source-uri", EXAMPLE_REPO, "--source-tag", tag,
            "--offline", *extra, *artifacts]


def vv(vsa: Path, pub: Path | None, *extra: str, digest: str = f"sha256:{BIN_SHA}",
       resource: str = "binary-linux-amd64", verifier: str = VERIFIER_ID) -> list[str]:
    key = ["--public-key-path", str(pub)] if pub is not None else []
    return ["verify-vsa", "--attestation-path", str(vsa), *key, "--subject-digest", digest,
            "--verifier-id", verifier, "--resource-uri", resource, *extra]


def payload(path: Path) -> dict[str, Any]:
    doc = json.loads(path.read_bytes())
    return dict(json.loads(base64.b64decode(doc["payload"]))) if "payload" in doc else dict(doc)


def code_of(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    code, out, _ = run(capsys, *argv, "--format", "json")
    doc = json.loads(out)
    return code, doc["error"]["code"] if doc["error"] else ""


# -- verify-artifact --vsa --vsa-key, then verify-vsa ---------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(KEYS))
@pytest.mark.parametrize("key_id", [None, "ci-vsa-key"])
def test_round_trip(capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str, key_id: str | None) -> None:
    key = KEYS[kind]()
    priv, pub = write_key(tmp_path / "vsa-key.pem", key), write_pub(tmp_path / "vsa-key.pub.pem", key)
    vsa = tmp_path / "binary.vsa.intoto.jsonl"
    id_flags = ["--vsa-key-id", key_id] if key_id else []
    code, out, err = run(capsys, *va("--vsa", str(vsa), "--vsa-key", str(priv), *id_flags, "--format", "json"))
    assert code == 0, err
    data = vsa.read_bytes()
    assert data.endswith(b"\n") and data.count(b"\n") == 1  # one JSON line, like slsa-verifier's vector
    envelope = json.loads(data)
    assert list(envelope) == ["payload", "payloadType", "signatures"]
    keyid = envelope["signatures"][0]["keyid"]
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert keyid == (key_id or hashlib.sha256(der).hexdigest())
    record = json.loads(out)["vsa"]
    assert record == {"path": str(vsa), "signed": True, "keyid": keyid, "verification_result": "PASSED",
                      "verified_levels": ["SLSA_BUILD_LEVEL_3"], "resource_uri": "binary-linux-amd64",
                      "subjects": 1}
    # (then the one line of --offline with no TUF cache: the bundled root)
    assert err == f"pyslsa: wrote the VSA (PASSED, signed, key id {keyid}) to {vsa}\n{TUF_OFFLINE_WARNING}"
    predicate = payload(vsa)["predicate"]
    assert predicate["inputAttestations"] == [{"uri": str(PROV), "digest": {"sha256": PROV_SHA}}]
    assert predicate["policy"]["uri"] == "pyslsa:verify-artifact"
    line = f"pyslsa verify-artifact --source-tag v14 --source-uri {EXAMPLE_REPO}"
    assert predicate["policy"]["annotations"] == {"commandLine": line}
    assert predicate["policy"]["digest"] == {"sha256": hashlib.sha256(line.encode()).hexdigest()}
    assert predicate["timeVerified"].endswith("Z")

    # verify-vsa accepts it, with its key id, and without one when the id is pyslsa's default
    code, out, err = run(capsys, *vv(vsa, pub, "--verified-level", "SLSA_BUILD_LEVEL_3", "--public-key-id", keyid))
    assert code == 0, (out, err)
    assert out.splitlines()[-1] == "PASSED: VSA verification passed"
    code, _, _ = run(capsys, *vv(vsa, pub, "--verified-level", "SLSA_BUILD_LEVEL_2"))
    assert code == (1 if key_id else 0)  # a custom key id must be named with --public-key-id
    # what it does not state fails with the expectation's code
    assert code_of(capsys, vv(vsa, pub, "--public-key-id", keyid, digest=f"sha256:{'0' * 64}")) == (
        1, "mismatch-hash")
    assert code_of(capsys, vv(vsa, pub, "--public-key-id", keyid, verifier="https://example.test/v")) == (
        1, "mismatch-verifier-id")
    assert code_of(capsys, vv(vsa, pub, "--public-key-id", keyid, resource="binary-linux-arm64")) == (
        1, "mismatch-resource-uri")
    assert code_of(capsys, vv(vsa, pub, "--public-key-id", keyid, "--verified-level",
                              TRUSTED_PUBLISHER_LEVEL)) == (1, "mismatch-verified-levels")
    other = write_pub(tmp_path / "other.pub.pem", KEYS[kind]())
    assert code_of(capsys, vv(vsa, other, "--public-key-id", keyid)) == (1, "invalid-signature")


def _resign(path: Path, key: Any, keyid: str, edit: Callable[[dict[str, Any]], None]) -> None:
    statement = payload(path)
    edit(statement)
    path.write_bytes(envelope_json(sign_envelope(INTOTO_PAYLOAD_TYPE, statement_bytes(statement), key, keyid)))


def _subject(st: dict[str, Any]) -> None:
    st["subject"][0]["digest"]["sha256"] = "0" * 64


def _levels(st: dict[str, Any]) -> None:
    st["predicate"]["verifiedLevels"] = ["SLSA_BUILD_LEVEL_1"]


def _verifier(st: dict[str, Any]) -> None:
    st["predicate"]["verifier"]["id"] = "https://github.com/pyslsa/pyslsa-fork"


def _result(st: dict[str, Any]) -> None:
    st["predicate"]["verificationResult"] = "FAILED"


def _predicate_type(st: dict[str, Any]) -> None:
    st["predicateType"] = "https://slsa.dev/provenance/v1"


@pytest.mark.parametrize(("edit", "code_name"), [
    (_subject, "mismatch-hash"),
    (_levels, "mismatch-verified-levels"),
    (_verifier, "mismatch-verifier-id"),
    (_result, "invalid-verification-result"),
    (_predicate_type, "invalid-vsa"),
])
def test_tampered_and_resigned_fails_on_the_field(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  edit: Callable[[dict[str, Any]], None], code_name: str) -> None:
    """A VSA re-signed by the right key after a field changed: the signature holds, the field check refuses it."""
    key = KEYS["p256"]()
    priv, pub = write_key(tmp_path / "k.pem", key), write_pub(tmp_path / "k.pub.pem", key)
    vsa = tmp_path / "vsa.jsonl"
    assert run(capsys, *va("--vsa", str(vsa), "--vsa-key", str(priv), "--vsa-key-id", "k"))[0] == 0
    flags = ("--verified-level", "SLSA_BUILD_LEVEL_3", "--public-key-id", "k")
    assert code_of(capsys, vv(vsa, pub, *flags)) == (0, "")
    _resign(vsa, key, "k", edit)
    assert code_of(capsys, vv(vsa, pub, *flags)) == (1, code_name)


def _flip_signature(env: dict[str, Any]) -> None:
    sig = bytearray(base64.b64decode(env["signatures"][0]["sig"]))
    sig[-1] ^= 0x01
    env["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()


def _edit_payload(env: dict[str, Any]) -> None:
    statement = json.loads(base64.b64decode(env["payload"]))
    statement["predicate"]["verifiedLevels"] = ["SLSA_BUILD_LEVEL_4"]
    env["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()


def _drop_signatures(env: dict[str, Any]) -> None:
    env["signatures"] = []


def _keyid(env: dict[str, Any]) -> None:
    env["signatures"][0]["keyid"] = "another-key"


@pytest.mark.parametrize(("edit", "code_name"), [
    (_flip_signature, "invalid-signature"),
    (_edit_payload, "invalid-signature"),
    (_keyid, "invalid-signature"),
    (_drop_signatures, "unsigned-vsa"),
])
def test_tampered_envelope_fails(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                 edit: Callable[[dict[str, Any]], None], code_name: str) -> None:
    key = KEYS["ed25519"]()
    priv, pub = write_key(tmp_path / "k.pem", key), write_pub(tmp_path / "k.pub.pem", key)
    vsa = tmp_path / "vsa.jsonl"
    assert run(capsys, *va("--vsa", str(vsa), "--vsa-key", str(priv)))[0] == 0
    env = json.loads(vsa.read_bytes())
    edit(env)
    vsa.write_text(json.dumps(env))
    assert code_of(capsys, vv(vsa, pub)) == (1, code_name)


# -- without a key, and when verification fails ----------------------------------------------------------------------


def test_unsigned_vsa_is_the_statement_and_says_so(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    vsa = tmp_path / "vsa.json"
    code, out, err = run(capsys, *va("--vsa", str(vsa)))
    assert code == 0 and out.splitlines()[-1] == "PASSED: SLSA verification passed"
    assert err == (f"pyslsa: wrote an UNSIGNED VSA (PASSED) to {vsa}: no --vsa-key, so nothing vouches for it and "
                   f"verify-vsa refuses it until it is signed (e.g. by actions/attest)\n{TUF_OFFLINE_WARNING}")
    statement = json.loads(vsa.read_bytes())
    assert statement["predicateType"] == "https://slsa.dev/verification_summary/v1"
    assert statement["subject"] == [{"name": "binary-linux-amd64", "digest": {"sha256": BIN_SHA}}]
    pub = write_pub(tmp_path / "k.pub.pem", KEYS["p256"]())
    code, out, _ = run(capsys, *vv(vsa, pub))
    assert code == 1 and "[unsigned-vsa]" in out
    code, out, _ = run(capsys, *va("--vsa", str(vsa), "--format", "json"))
    assert json.loads(out)["vsa"]["signed"] is False


def test_failed_verification_writes_a_failed_vsa_over_the_old_one(capsys: pytest.CaptureFixture[str],
                                                                 tmp_path: Path) -> None:
    """A run that reaches a verdict writes it, FAILED included: a stale PASSED VSA is never left at the path."""
    key = KEYS["p384"]()
    priv, pub = write_key(tmp_path / "k.pem", key), write_pub(tmp_path / "k.pub.pem", key)
    vsa = tmp_path / "vsa.jsonl"
    assert run(capsys, *va("--vsa", str(vsa), "--vsa-key", str(priv)))[0] == 0
    assert code_of(capsys, vv(vsa, pub)) == (0, "")
    code, out, err = run(capsys, *va("--vsa", str(vsa), "--vsa-key", str(priv), tag="v13"))
    assert code == 1 and "[mismatch-tag]" in out and "(FAILED, signed" in err
    predicate = payload(vsa)["predicate"]
    assert predicate["verificationResult"] == "FAILED" and predicate["verifiedLevels"] == ["FAILED"]
    assert code_of(capsys, vv(vsa, pub)) == (1, "invalid-verification-result")


def test_no_verdict_no_vsa(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A run stopped before a verdict (here a missing provenance file) writes nothing and leaves the file alone."""
    vsa = tmp_path / "vsa.jsonl"
    vsa.write_bytes(b"previous\n")
    argv = va("--vsa", str(vsa))
    argv[argv.index("--provenance-path") + 1] = str(tmp_path / "missing.intoto.jsonl")
    code, _, err = run(capsys, *argv)
    assert code == 2 and "not found" in err
    assert vsa.read_bytes() == b"previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vsa.jsonl"]  # no temporary file left


def test_several_artifacts_need_a_resource_uri(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    vsa = tmp_path / "vsa.json"
    two = (str(BIN), f"sha256:{BIN_SHA}")
    code, _, err = run(capsys, *va("--vsa", str(vsa), artifacts=two))
    assert code == 2 and "--vsa-resource-uri" in err and not vsa.exists()
    code, _, _ = run(capsys, *va("--vsa", str(vsa), "--vsa-resource-uri", "example-package@v14", artifacts=two))
    assert code == 0
    statement = json.loads(vsa.read_bytes())
    assert statement["predicate"]["resourceUri"] == "example-package@v14"
    assert [s["name"] for s in statement["subject"]] == ["binary-linux-amd64", f"sha256:{BIN_SHA}"]


# -- usage errors: exit 2 before any verification ---------------------------------------------------------------------


def _encrypted(tmp_path: Path) -> Path:
    return write_key(tmp_path / "enc.pem", KEYS["p256"](), serialization.PrivateFormat.PKCS8,
                     serialization.BestAvailableEncryption(b"s3cret"))


def _fifo(tmp_path: Path) -> Path:
    os.mkfifo(tmp_path / "fifo")
    return tmp_path / "fifo"


def _link(tmp_path: Path) -> Path:
    (tmp_path / "link.json").symlink_to(tmp_path / "elsewhere.json")
    return tmp_path / "link.json"


@pytest.mark.parametrize(("make_flags", "needle"), [
    (lambda t: ["--vsa", str(t / "v.json"), "--vsa-key", str(t / "nope.pem")], "not found"),
    (lambda t: ["--vsa", str(t / "v.json"), "--vsa-key", str(PROV)], "not a PEM private key"),
    (lambda t: ["--vsa", str(t / "v.json"), "--vsa-key", str(BIN)], "larger than 64 KiB: not a PEM key"),
    (lambda t: ["--vsa", str(t / "v.json"), "--vsa-key", str(write_pub(t / "p.pem", KEYS["p256"]()))],
     "not a PEM private key (PKCS#8 or SEC 1): it holds a public key"),
    (lambda t: ["--vsa", str(t / "v.json"), "--vsa-key", str(write_key(t / "r.pem", rsa.generate_private_key(
        65537, 2048)))], "expected an ECDSA P-256, ECDSA P-384 or Ed25519 key"),
    (lambda t: ["--vsa", str(t / "v.json"), "--vsa-key", str(write_key(t / "p521.pem", ec.generate_private_key(
        ec.SECP521R1())))], "P-256 or P-384"),
    (lambda t: ["--vsa", str(t / "v.json"), "--vsa-key", str(_encrypted(t))], VSA_KEY_PASSWORD_ENV),
    (lambda t: ["--vsa-key", str(t / "k.pem")], "without --vsa"),
    (lambda t: ["--vsa", str(t / "v.json"), "--vsa-key-id", "k"], "--vsa-key-id needs --vsa-key"),
    (lambda t: ["--vsa", str(t / "no" / "dir" / "v.json")], "no directory"),
    (lambda t: ["--vsa", str(t)], "directory"),
    (lambda t: ["--vsa", ""], "expected a file name, got ''"),
    (lambda t: ["--vsa", os.devnull], "refusing to replace /dev/null: it is not a regular file"),
    (lambda t: ["--vsa", str(_fifo(t))], "not a regular file"),
    (lambda t: ["--vsa", str(_link(t))], "symbolic link"),
    (lambda t: ["--vsa", str(BIN)], "an input of the command"),
    (lambda t: ["--vsa", str(PROV)], "an input of the command"),
])
def test_usage_errors_exit_2_before_verifying(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch, make_flags: Any, needle: str) -> None:
    monkeypatch.delenv(VSA_KEY_PASSWORD_ENV, raising=False)
    before = vector(BIN), vector(PROV)
    code, out, err = run(capsys, *va(*make_flags(tmp_path)))
    assert code == 2, (out, err)
    assert needle in err and "Traceback" not in err
    assert out == "" and not (tmp_path / "v.json").exists()
    assert (vector(BIN), vector(PROV)) == before


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc (no file can be created there)")
def test_an_unwritable_place_is_found_before_verifying(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The place is tried (a file created and removed) before the work: a usage error then, not after a verdict."""
    import pyslsa.api.verify

    def no_work(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("verified although the VSA could not be written")

    monkeypatch.setattr(pyslsa.api.verify, "evaluate", no_work)
    code, out, err = run(capsys, *va("--vsa", "/proc/pyslsa-test.vsa.json"))
    assert code == 2 and out == "" and "Traceback" not in err
    assert "--vsa: cannot write /proc/pyslsa-test.vsa.json: cannot create a file in /proc" in err


def test_encrypted_key_opens_with_the_password_variable(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    priv = _encrypted(tmp_path)
    monkeypatch.setenv(VSA_KEY_PASSWORD_ENV, "wrong")
    code, _, err = run(capsys, *va("--vsa", str(tmp_path / "v.json"), "--vsa-key", str(priv)))
    assert code == 2 and "wrong password" in err
    monkeypatch.setenv(VSA_KEY_PASSWORD_ENV, "s3cret")
    code, _, err = run(capsys, *va("--vsa", str(tmp_path / "v.json"), "--vsa-key", str(priv)))
    assert code == 0 and "signed" in err


# -- verify-release --vsa against the loopback index and GitHub-like host ---------------------------------------------

WHEEL = "example_package-14-py3-none-any.whl"
SDIST_740 = "pypi_attestations-0.0.19.tar.gz"
PROVENANCE_740 = vector(PYPI_ATT / f"{SDIST_740}.provenance")


def vr(index: Host, gh: Host, *args: str) -> list[str]:
    return ["verify-release", *args, "--index-url", f"{index.base}/simple/", "--github-url", gh.base,
            "--github-api-url", f"{gh.base}/api"]


def test_release_vsa_slsa(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                          release_hosts: tuple[Host, Host]) -> None:
    index, gh = release_hosts
    add_project(index, "example-package", {WHEEL: vector(BIN)})
    add_release(gh, "slsa-framework/example-package", "v14", {"multiple.intoto.jsonl": vector(PROV)})
    key = KEYS["p256"]()
    priv, pub = write_key(tmp_path / "k.pem", key), write_pub(tmp_path / "k.pub.pem", key)
    vsa = tmp_path / "release.vsa.jsonl"
    code, out, err = run(capsys, *vr(index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO, "--vsa", str(vsa),
                                     "--vsa-key", str(priv), "--format", "json"))
    assert code == 0, (out, err)
    doc = json.loads(out)
    assert doc["vsa"]["resource_uri"] == "pkg:pypi/example-package@14" and doc["vsa"]["signed"] is True
    statement = payload(vsa)
    assert statement["subject"] == [{"name": WHEEL, "digest": {"sha256": BIN_SHA}}]
    predicate = statement["predicate"]
    assert predicate["verifiedLevels"] == ["SLSA_BUILD_LEVEL_3"]
    asset_url = f"{gh.base}/slsa-framework/example-package/releases/download/v14/multiple.intoto.jsonl"
    assert predicate["inputAttestations"] == [{"uri": asset_url, "digest": {"sha256": PROV_SHA}}]
    assert predicate["policy"]["annotations"]["commandLine"] == (
        f"pyslsa verify-release --release-tag v14 --source-uri {EXAMPLE_REPO}")
    assert f"{GENERATOR_ID}@refs/tags/v2.1.0" in json.dumps(doc)
    flags = ("--verified-level", "SLSA_BUILD_LEVEL_3")
    assert code_of(capsys, vv(vsa, pub, *flags, resource="pkg:pypi/example-package@14")) == (0, "")
    assert code_of(capsys, vv(vsa, pub, *flags, resource="pkg:pypi/example-package@15")) == (
        1, "mismatch-resource-uri")


def test_release_vsa_pep740_proves_a_publisher_not_a_build_level(capsys: pytest.CaptureFixture[str],
                                                                 tmp_path: Path,
                                                                 release_hosts: tuple[Host, Host]) -> None:
    index, gh = release_hosts
    sdist = vector(PYPI_ATT / SDIST_740)
    add_project(index, "pypi-attestations", {SDIST_740: sdist}, provenance={SDIST_740: PROVENANCE_740})
    key = KEYS["ed25519"]()
    priv, pub = write_key(tmp_path / "k.pem", key), write_pub(tmp_path / "k.pub.pem", key)
    vsa = tmp_path / "release.vsa.jsonl"
    code, out, err = run(capsys, *vr(index, gh, "pypi-attestations==0.0.19", "--source-uri",
                                     "github.com/trailofbits/pypi-attestations", "--no-github", "--vsa", str(vsa),
                                     "--vsa-key", str(priv)))
    assert code == 0, (out, err)
    predicate = payload(vsa)["predicate"]
    assert predicate["resourceUri"] == "pkg:pypi/pypi-attestations@0.0.19"
    assert predicate["verifiedLevels"] == ["SLSA_BUILD_LEVEL_0", TRUSTED_PUBLISHER_LEVEL]
    (used,) = predicate["inputAttestations"]
    assert used["uri"].startswith(f"{index.base}/") and used["uri"].endswith("/provenance")
    assert used["digest"] == {"sha256": hashlib.sha256(PROVENANCE_740).hexdigest()}
    assert "--no-github" in predicate["policy"]["annotations"]["commandLine"]
    sdist_digest = f"sha256:{hashlib.sha256(sdist).hexdigest()}"
    resource = "pkg:pypi/pypi-attestations@0.0.19"
    assert code_of(capsys, vv(vsa, pub, "--verified-level", TRUSTED_PUBLISHER_LEVEL, digest=sdist_digest,
                              resource=resource)) == (0, "")
    assert code_of(capsys, vv(vsa, pub, "--verified-level", "SLSA_BUILD_LEVEL_1", digest=sdist_digest,
                              resource=resource)) == (1, "mismatch-verified-levels")


def test_release_with_an_unattested_file_writes_a_failed_vsa(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                             release_hosts: tuple[Host, Host]) -> None:
    index, gh = release_hosts
    add_project(index, "example-package", {WHEEL: vector(BIN), "example_package-14.tar.gz": b"not attested"})
    add_release(gh, "slsa-framework/example-package", "v14", {"multiple.intoto.jsonl": vector(PROV)})
    vsa = tmp_path / "release.vsa.json"
    code, out, err = run(capsys, *vr(index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO,
                                     "--vsa", str(vsa)))
    assert code == 1 and "[mismatch-hash]" in out  # the provenance lists another digest for the sdist
    assert "UNSIGNED VSA (FAILED)" in err
    statement = json.loads(vsa.read_bytes())
    assert statement["predicate"]["verificationResult"] == "FAILED"
    assert len(statement["subject"]) == 2


def test_release_refuses_a_resource_uri(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                        release_hosts: tuple[Host, Host]) -> None:
    index, gh = release_hosts
    code, _, err = run(capsys, *vr(index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO, "--vsa",
                                   str(tmp_path / "v.json"), "--vsa-resource-uri", "x"))
    assert code == 2 and "unrecognized arguments: --vsa-resource-uri" in err
    assert index.requests == []
