"""verify-bundle on the sigstore-python vectors (production, staging, RFC 3161): passes and rejections."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import pyslsa
from pyslsa.errors import VerificationError
from tests.conftest import DATA, SIGSTORE_PY, vector

STAGING = DATA / "trust-roots" / "staging-trusted_root.json"
GH_ISSUER = "https://token.actions.githubusercontent.com"
WHL_ID = "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2"
TSA = SIGSTORE_PY / "tsa"
TSA_ID, GOOGLE = "alexis.challande@trailofbits.com", "https://accounts.google.com"


def tsa_root(tmp_path: Path) -> Path:
    """The staging trusted root of tsa/trust_config.json with the test TSA of tsa/ca.json (as upstream's tests)."""
    config = json.loads(vector(TSA / "trust_config.json"))
    root = config["trustedRoot"]
    root["timestampAuthorities"] = [json.loads(vector(TSA / "ca.json"))]
    path = tmp_path / "tsa_root.json"
    path.write_text(json.dumps(root))
    return path


def verify(artifact: Path | str, bundle: Path, **kw: Any) -> Any:
    return pyslsa.verify_bundle(str(artifact), vector(bundle), **kw)


def test_production_github_bundle_v02() -> None:
    r = verify(SIGSTORE_PY / "bundle_v3_github.whl", SIGSTORE_PY / "bundle_v3_github.whl.sigstore",
               identity=WHL_ID, issuer=GH_ISSUER)
    assert r.builder_id == WHL_ID and r.integrated_time is not None


def test_production_bundle_by_digest() -> None:
    import hashlib

    digest = hashlib.sha256(vector(SIGSTORE_PY / "bundle_v3_github.whl")).hexdigest()
    assert verify(f"sha256:{digest}", SIGSTORE_PY / "bundle_v3_github.whl.sigstore", identity=WHL_ID,
                  issuer=GH_ISSUER).artifacts[0].sha256 == digest


def test_staging_bundle_v03_needs_staging_root() -> None:
    ok = verify(SIGSTORE_PY / "bundle_v3.txt", SIGSTORE_PY / "bundle_v3.txt.sigstore",
                identity="william@yossarian.net", issuer="https://github.com/login/oauth", trusted_root=STAGING)
    assert ok.builder_id == "william@yossarian.net"
    with pytest.raises(VerificationError) as info:
        verify(SIGSTORE_PY / "bundle_v3.txt", SIGSTORE_PY / "bundle_v3.txt.sigstore",
               identity="william@yossarian.net", issuer="https://github.com/login/oauth")
    assert info.value.code == "invalid-tlog-entry"  # the staging log is not in the production root


@pytest.mark.parametrize(("kw", "code"), [
    ({"identity": WHL_ID.replace("v0.1.2", "v0.1.3"), "issuer": GH_ISSUER}, "mismatch-identity"),
    ({"identity": WHL_ID, "issuer": "https://accounts.google.com"}, "mismatch-identity"),
    ({"identity": WHL_ID[:-1], "issuer": GH_ISSUER}, "mismatch-identity"),
])
def test_identity_policy_is_exact(kw: dict[str, str], code: str) -> None:
    with pytest.raises(VerificationError) as info:
        verify(SIGSTORE_PY / "bundle_v3_github.whl", SIGSTORE_PY / "bundle_v3_github.whl.sigstore", **kw)
    assert info.value.code == code


def test_wrong_artifact() -> None:
    with pytest.raises(VerificationError) as info:
        verify(SIGSTORE_PY / "bundle_v3.txt", SIGSTORE_PY / "bundle_v3_github.whl.sigstore", identity=WHL_ID,
               issuer=GH_ISSUER)
    assert info.value.code in {"mismatch-hash", "invalid-signature"}


def test_cve_2022_36056_log_entry_for_another_artifact() -> None:
    with pytest.raises(VerificationError) as info:
        verify(SIGSTORE_PY / "bundle_cve_2022_36056.txt", SIGSTORE_PY / "bundle_cve_2022_36056.txt.sigstore",
               identity="william@yossarian.net", issuer="https://github.com/login/oauth", trusted_root=STAGING)
    assert info.value.code == "invalid-tlog-entry"


def test_tsa_bundle_verifies_with_the_test_tsa(tmp_path: Path) -> None:
    r = verify(TSA / "bundle.txt", TSA / "bundle.txt.sigstore", identity=TSA_ID, issuer=GOOGLE,
               trusted_root=tsa_root(tmp_path))
    assert r.builder_id == TSA_ID


def test_tsa_timestamps_without_tsa_in_root_fail(tmp_path: Path) -> None:
    root = json.loads(tsa_root(tmp_path).read_text())
    root["timestampAuthorities"] = []
    path = tmp_path / "no_tsa.json"
    path.write_text(json.dumps(root))
    with pytest.raises(VerificationError) as info:
        verify(TSA / "bundle.txt", TSA / "bundle.txt.sigstore", identity=TSA_ID, issuer=GOOGLE, trusted_root=path)
    assert info.value.code == "invalid-timestamp"


def test_unverifiable_timestamps_are_not_counted(tmp_path: Path) -> None:
    """With a root whose TSA did not sign them, the timestamps count for nothing; the SET's time remains."""
    r = verify(TSA / "bundle.txt", TSA / "bundle.txt.sigstore", identity=TSA_ID, issuer=GOOGLE,
               trusted_root=SIGSTORE_PY / "tsa" / "trust_config.json")
    assert r.integrated_time is not None


@pytest.mark.parametrize(("bundle", "code"), [
    ("bundle.duplicate.sigstore", "invalid-timestamp"),
    ("bundle.many_timestamp.sigstore", "invalid-timestamp"),
    ("bundle.txt.late_timestamp.sigstore", None),
])
def test_tsa_rejections(tmp_path: Path, bundle: str, code: str | None) -> None:
    with pytest.raises(VerificationError) as info:
        verify(TSA / "bundle.txt", TSA / bundle, identity=TSA_ID, issuer=GOOGLE, trusted_root=tsa_root(tmp_path))
    if code is not None:
        assert info.value.code == code


BEACON = ("https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/"
          "extremely-dangerous-oidc-beacon.yml@refs/heads/main")


def test_rekor_v2_hashedrekord_with_rfc3161_time() -> None:
    """Rekor v2 (tile log): inclusion proof + Ed25519-signed checkpoint, signing time from a TSA, no SET."""
    r = verify(SIGSTORE_PY / "staging-rekor-v2.txt", SIGSTORE_PY / "staging-rekor-v2.txt.sigstore.json",
               identity="jku@goto.fi", issuer="https://github.com/login/oauth", trusted_root=STAGING)
    assert r.integrated_time is None


def test_rekor_v2_dsse_fails_on_the_subject() -> None:
    """Its signature and log proof are valid, but the statement's subject is not this file."""
    bundle = SIGSTORE_PY / "a.dsse.staging-rekor-v2.txt.sigstore.json"
    with pytest.raises(VerificationError) as info:
        verify(SIGSTORE_PY / "a.dsse.staging-rekor-v2.txt", bundle, identity=BEACON, issuer=GH_ISSUER,
               trusted_root=STAGING)
    assert info.value.code == "mismatch-hash"
    # ... and it does verify for the digest its statement names: everything else in it is sound.
    subject = "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf"
    assert verify(subject, bundle, identity=BEACON, issuer=GH_ISSUER, trusted_root=STAGING).statement


def _rekor_v2(edit: Any) -> bytes:
    doc = json.loads(vector(SIGSTORE_PY / "staging-rekor-v2.txt.sigstore.json"))
    edit(doc)
    return json.dumps(doc).encode()


def _entry(d: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = d["verificationMaterial"]["tlogEntries"][0]
    return entry


@pytest.mark.parametrize(("name", "edit", "code"), [
    ("no timestamp", lambda d: d["verificationMaterial"].pop("timestampVerificationData"), "invalid-timestamp"),
    ("checkpoint size", lambda d: _entry(d)["inclusionProof"]["checkpoint"].update(
        envelope=_entry(d)["inclusionProof"]["checkpoint"]["envelope"].replace("\n646\n", "\n647\n")),
     "invalid-tlog-entry"),
    ("tree size", lambda d: _entry(d)["inclusionProof"].update(treeSize="647"), "invalid-tlog-entry"),
    ("SET on a v2 entry", lambda d: _entry(d).update(inclusionPromise={"signedEntryTimestamp": "MEUCIQ=="},
                                                     integratedTime="1749470255"), "invalid-tlog-entry"),
    ("kind", lambda d: _entry(d)["kindVersion"].update(version="0.0.1"), "invalid-tlog-entry"),
])
def test_rekor_v2_tampering(name: str, edit: Any, code: str) -> None:
    with pytest.raises(VerificationError) as info:
        pyslsa.verify_bundle(str(SIGSTORE_PY / "staging-rekor-v2.txt"), _rekor_v2(edit), identity="jku@goto.fi",
                             issuer="https://github.com/login/oauth", trusted_root=STAGING)
    assert info.value.code == code, (name, info.value.message)


def test_rekor_v2_log_outside_its_window(tmp_path: Path) -> None:
    root = json.loads(vector(STAGING))
    for t in root["tlogs"]:
        if "alpha1" in t["baseUrl"]:
            t["publicKey"]["validFor"]["end"] = "2025-05-01T00:00:00Z"
    path = tmp_path / "root.json"
    path.write_text(json.dumps(root))
    with pytest.raises(VerificationError) as info:
        verify(SIGSTORE_PY / "staging-rekor-v2.txt", SIGSTORE_PY / "staging-rekor-v2.txt.sigstore.json",
               identity="jku@goto.fi", issuer="https://github.com/login/oauth", trusted_root=path)
    assert info.value.code == "invalid-tlog-entry"


def test_cli_verify_bundle(capsys: pytest.CaptureFixture[str]) -> None:
    from pyslsa.cli import main

    base = ["verify-bundle", "--bundle", str(SIGSTORE_PY / "bundle_v3_github.whl.sigstore")]
    art = str(SIGSTORE_PY / "bundle_v3_github.whl")
    assert main([*base, "--certificate-identity", WHL_ID, "--certificate-oidc-issuer", GH_ISSUER, art]) == 0
    assert "signed by " + WHL_ID in capsys.readouterr().out
    assert main([*base, "--certificate-identity", "x", "--certificate-oidc-issuer", GH_ISSUER, art,
                 "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "mismatch-identity"
    assert main([*base, art]) == 2  # neither identity nor key
    assert main([*base, "--key", "/nonexistent.pem", art]) == 2


def _tsa_only_bundle() -> bytes:
    """tsa/bundle.txt.sigstore without its SET: the RFC 3161 timestamps are the only signing time left."""
    doc = json.loads(vector(TSA / "bundle.txt.sigstore"))
    del doc["verificationMaterial"]["tlogEntries"][0]["inclusionPromise"]
    return json.dumps(doc).encode()


def test_tsa_time_alone_is_enough(tmp_path: Path) -> None:
    r = pyslsa.verify_bundle(str(TSA / "bundle.txt"), _tsa_only_bundle(), identity=TSA_ID, issuer=GOOGLE,
                             trusted_root=tsa_root(tmp_path))
    assert r.integrated_time is None


@pytest.mark.parametrize(("start", "end"), [("2024-11-01T00:00:00Z", None), ("2020-01-01T00:00:00Z",
                                                                               "2024-10-31T10:00:00Z")])
def test_timestamp_outside_the_tsa_window(tmp_path: Path, start: str, end: str | None) -> None:
    root = json.loads(tsa_root(tmp_path).read_text())
    window = {"start": start, **({"end": end} if end else {})}
    root["timestampAuthorities"][0]["validFor"] = window
    path = tmp_path / "window.json"
    path.write_text(json.dumps(root))
    with pytest.raises(VerificationError) as info:
        pyslsa.verify_bundle(str(TSA / "bundle.txt"), _tsa_only_bundle(), identity=TSA_ID, issuer=GOOGLE,
                             trusted_root=path)
    assert info.value.code == "invalid-timestamp" and "not valid at" in info.value.message


def test_timestamp_of_another_signature(tmp_path: Path) -> None:
    """A timestamp whose imprint is not this signature's hash does not count."""
    doc = json.loads(_tsa_only_bundle())
    other = json.loads(vector(TSA / "bundle.txt.late_timestamp.sigstore"))
    doc["verificationMaterial"]["timestampVerificationData"] = other["verificationMaterial"][
        "timestampVerificationData"]
    with pytest.raises(VerificationError) as info:
        pyslsa.verify_bundle(str(TSA / "bundle.txt"), json.dumps(doc).encode(), identity=TSA_ID, issuer=GOOGLE,
                             trusted_root=tsa_root(tmp_path))
    assert info.value.code == "invalid-timestamp"


@pytest.mark.parametrize("name", ["trustedroot.badtype.json", "certificate_authority.json",
                                  "certificate_authority.empty.json", "certificate_authority.missingroot.json"])
def test_malformed_trusted_roots_are_usage_errors(name: str) -> None:
    from pyslsa.errors import PyslsaError

    with pytest.raises(PyslsaError) as info:
        verify(SIGSTORE_PY / "bundle_v3_github.whl", SIGSTORE_PY / "bundle_v3_github.whl.sigstore", identity=WHL_ID,
               issuer=GH_ISSUER, trusted_root=SIGSTORE_PY / "trusted_root" / name)
    assert info.value.exit_status == 2 and info.value.code == "invalid-trusted-root"


@pytest.mark.parametrize("name", ["trustedroot.v1.json", "../trust_config.v1.json"])
def test_good_trusted_roots_and_trust_configs(name: str) -> None:
    r = verify(SIGSTORE_PY / "bundle_v3_github.whl", SIGSTORE_PY / "bundle_v3_github.whl.sigstore", identity=WHL_ID,
               issuer=GH_ISSUER, trusted_root=SIGSTORE_PY / "trusted_root" / name)
    assert r.builder_id == WHL_ID


def test_conformance_protocol_alias(capsys: pytest.CaptureFixture[str]) -> None:
    """sigstore-conformance drives clients as `CLIENT verify --bundle B --certificate-identity I
    --certificate-oidc-issuer O [--trusted-root R] FILE_OR_DIGEST`: `pyslsa verify` is that command."""
    from pyslsa.cli import main

    art = str(SIGSTORE_PY / "bundle_v3_github.whl")
    args = ["--bundle", str(SIGSTORE_PY / "bundle_v3_github.whl.sigstore"), "--certificate-identity", WHL_ID,
            "--certificate-oidc-issuer", GH_ISSUER]
    assert main(["verify", *args, art]) == 0
    assert "Sigstore verification passed" in capsys.readouterr().out
    assert main(["verify", *args, "--key", "/dev/null", art]) == 2  # key and identity together: refused
