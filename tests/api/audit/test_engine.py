"""``run_audit`` end to end on hosts serving the real vectors (in memory; the first test on loopback sockets): every
kind of evidence verified, and each way it can fail (unattested, tampered, wrong publisher, moved repository, wrong
tag, index digest) with its code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pyslsa.api.audit import AuditReport, run_audit
from tests.audit_world import (
    BCR,
    BCR_BUNDLE,
    BCR_WRONG_SIGNER,
    EX,
    EX_PROVENANCE,
    PA,
    PA_PROVENANCE,
    RFC,
    RL,
    SIX,
    STAGING_ROOT,
    World,
    rfc_provenance,
    world,
)


@pytest.fixture
def w(tmp_path: Path) -> Any:
    with world(tmp_path) as wd:
        yield wd


@pytest.fixture
def loopback_w(tmp_path: Path) -> Any:
    with world(tmp_path, loopback=True) as wd:
        yield wd


def pkg(report: AuditReport, name: str) -> dict[str, Any]:
    doc = report.to_json()
    return next(p for p in doc["packages"] if p["name"] == name)


POLICY = """
require = "listed"
[packages.rules-lint]
repository = "github.com/aspect-build/rules_lint"
[packages.example-package]
repository = "github.com/slsa-framework/example-package"
[packages.pypi-attestations]
repository = "github.com/trailofbits/pypi-attestations"
workflow = ".github/workflows/release.yml"
ref = "refs/tags/v*"
"""


def test_every_kind_of_real_evidence_verifies(loopback_w: World) -> None:
    """End to end on loopback sockets."""
    w = loopback_w
    w.standard()
    w.policy(POLICY)
    report = run_audit(w.options(w.requirements([PA, RL, EX, SIX])))
    doc = report.to_json()
    assert doc["schema"] == "pyslsa-audit/1" and doc["error"] is None
    assert report.exit_status == 0 and doc["verified"] is True
    assert doc["summary"] == {"packages": 4, "files": 4, "verified": 3, "unattested": 1, "allowed": 0, "failed": 0}
    pa = pkg(report, "pypi-attestations")
    ev = pa["files"][0]["evidence"]
    assert [e["kind"] for e in ev] == ["pep740"]
    assert ev[0]["identity"] == {"issuer": "https://token.actions.githubusercontent.com",
                                 "repository": "trailofbits/pypi-attestations", "workflow": "release.yml",
                                 "ref": "refs/tags/v0.0.19", "environment": None}
    assert pa["pinned_at"].endswith("requirements.txt:1") and pa["files"][0]["sha256"] == PA.sha256
    rl = pkg(report, "rules-lint")
    assert rl["verdict"] == "verified"
    assert [(e["kind"], e["identity"]["repository"]) for e in rl["files"][0]["evidence"]] == [
        ("github-attestation", "aspect-build/rules_lint")]
    ex = pkg(report, "example-package")
    assert ex["verdict"] == "verified"
    (e,) = ex["files"][0]["evidence"]
    assert e["kind"] == "github-release" and e["identity"]["ref"] == "refs/tags/v14"
    assert e["url"].endswith("/slsa-framework/example-package/releases/download/v14/multiple.intoto.jsonl")
    six = pkg(report, "six")
    assert (six["verdict"], six["code"]) == ("unattested", "unattested")
    # the verified PEP 740 publisher's repository was asked for GitHub attestations of the sdist too
    asked = [p for p, _, _ in w.gh.requests if "/attestations/" in p]
    assert f"/api/repos/trailofbits/pypi-attestations/attestations/sha256:{PA.sha256}" in asked
    assert f"/api/repos/aspect-build/rules_lint/attestations/sha256:{RL.sha256}" in asked


def test_required_unattested_fails_and_an_exception_allows_it(w: World) -> None:
    w.standard()
    req = w.requirements([SIX])
    w.policy('require = "all"\n')
    report = run_audit(w.options(req))
    assert report.exit_status == 1 and pkg(report, "six")["verdict"] == "unattested"
    w.policy('require = "all"\n[[exceptions]]\npackage = "six"\nreason = "reviewed"\nowner = "sec@example.com"\n'
             'expires = 2027-06-30\n')
    from datetime import date

    report = run_audit(w.options(req, today=date(2027, 6, 30)))
    six = pkg(report, "six")
    assert report.exit_status == 0 and (six["verdict"], six["code"]) == ("allowed", "unattested")
    assert "sec@example.com" in six["message"]
    report = run_audit(w.options(req, today=date(2027, 7, 1)))  # expired: the exception no longer applies
    six = pkg(report, "six")
    assert report.exit_status == 1 and six["verdict"] == "unattested" and "expired on 2027-06-30" in six["message"]


def test_bundle_url_snappy_shape(w: World) -> None:
    w.publish(RL)
    w.attest("aspect-build/rules_lint", RL.sha256, [BCR_BUNDLE], via_url=True)
    w.policy('[packages.rules-lint]\nrepository = "github.com/aspect-build/rules_lint"\n')
    report = run_audit(w.options(w.requirements([RL])))
    rl = pkg(report, "rules-lint")
    assert rl["verdict"] == "verified", rl
    assert rl["files"][0]["evidence"][0]["url"].startswith(f"{w.gh.base}/blobs/")
    # the storage host got no credentials
    blob = [h for p, _, h in w.gh.requests if p.startswith("/blobs/")]
    assert blob and all("Authorization" not in h and "authorization" not in h for h in blob)


def test_github_token_goes_to_the_api_only(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "tok-123")
    w.publish(RL)
    w.attest("aspect-build/rules_lint", RL.sha256, [BCR_BUNDLE], via_url=True)
    w.policy('[packages.rules-lint]\nrepository = "github.com/aspect-build/rules_lint"\n')
    assert run_audit(w.options(w.requirements([RL]))).exit_status == 0
    for path, _, headers in w.gh.requests:
        auth = {k.lower(): v for k, v in headers.items()}.get("authorization")
        if path.startswith("/api/"):
            assert auth == "Bearer tok-123"
        else:
            assert auth is None, path
    assert all("authorization" not in {k.lower() for k in h} for _, _, h in w.index.requests)


@pytest.mark.parametrize(("policy", "code"), [
    ('repository = "github.com/trailofbits/pypi-attestations-moved"', "mismatch-source"),
    ('repository = "github.com/trailofbits/pypi-attestations"\nworkflow = "other.yml"', "mismatch-publisher"),
    ('repository = "github.com/trailofbits/pypi-attestations"\nenvironment = "pypi"', "mismatch-publisher"),
    ('repository = "github.com/trailofbits/pypi-attestations"\nref = "refs/heads/*"', "mismatch-publisher"),
])
def test_pep740_against_the_policy(w: World, policy: str, code: str) -> None:
    w.publish(PA, provenance=PA_PROVENANCE)
    w.policy(f"[packages.pypi-attestations]\n{policy}\n")
    report = run_audit(w.options(w.requirements([PA])))
    pa = pkg(report, "pypi-attestations")
    assert (report.exit_status, pa["verdict"], pa["code"]) == (1, "failed", code), pa["message"]


def test_wrong_publisher_on_the_index(w: World) -> None:
    """The index names another publisher than the certificate's: the certificate is not the publisher's."""
    obj = json.loads(PA_PROVENANCE)
    obj["attestation_bundles"][0]["publisher"]["repository"] = "attacker/pypi-attestations"
    w.publish(PA, provenance=json.dumps(obj).encode())
    report = run_audit(w.options(w.requirements([PA])))
    assert pkg(report, "pypi-attestations")["code"] == "mismatch-source"
    obj["attestation_bundles"][0]["publisher"]["repository"] = "trailofbits/pypi-attestations"
    obj["attestation_bundles"][0]["publisher"]["workflow"] = "evil.yml"
    w.publish(PA, provenance=json.dumps(obj).encode())
    report = run_audit(w.options(w.requirements([PA])))
    assert pkg(report, "pypi-attestations")["code"] == "mismatch-identity"


@pytest.mark.parametrize(("field", "code"), [
    ("signature", "invalid-signature"), ("statement", "invalid-signature"), ("certificate", "invalid-certificate"),
])
def test_tampered_pep740(w: World, field: str, code: str) -> None:
    obj = json.loads(PA_PROVENANCE)
    att = obj["attestation_bundles"][0]["attestations"][0]
    if field == "certificate":
        att["verification_material"]["certificate"] = att["verification_material"]["certificate"][:-8] + "AAAAAAA="
    else:
        raw = att["envelope"][field]
        att["envelope"][field] = raw[:20] + ("A" if raw[20] != "A" else "B") + raw[21:]
    w.publish(PA, provenance=json.dumps(obj).encode())
    report = run_audit(w.options(w.requirements([PA])))
    pa = pkg(report, "pypi-attestations")
    assert pa["verdict"] == "failed" and pa["code"] in (code, "invalid-provenance", "invalid-tlog-entry"), pa
    assert report.exit_status == 1


def test_tampered_file_and_index_digest(w: World) -> None:
    """The lock pins other bytes than the index lists: mismatch-index-digest, no download; the index and the lock
    agree on bytes the attestation does not name: mismatch-hash."""
    w.publish(PA, provenance=PA_PROVENANCE, listed_digest="ab" * 32)
    report = run_audit(w.options(w.requirements([PA])))
    pa = pkg(report, "pypi-attestations")
    assert pa["code"] == "mismatch-index-digest", pa
    assert not any(p.startswith("/files/") for p, _, _ in w.index.requests)  # nothing downloaded
    from dataclasses import replace

    evil = replace(PA, content=PA.content + b"\0")
    w.publish(evil, provenance=PA_PROVENANCE)
    report = run_audit(w.options(w.requirements([evil])))
    assert pkg(report, "pypi-attestations")["code"] == "mismatch-hash"


def test_staging_attestation_needs_the_staging_root_and_is_not_the_publishers(w: World) -> None:
    w.publish(RFC, provenance=rfc_provenance())
    req = w.requirements([RFC])
    prod = pkg(run_audit(w.options(req)), "rfc8785")
    staging = pkg(run_audit(w.options(req, trusted_root=str(STAGING_ROOT))), "rfc8785")
    assert prod["verdict"] == staging["verdict"] == "failed"
    # production: the staging log and CA are unknown; staging: everything verifies but the certificate is an
    # e-mail identity, not the GitHub publisher the index names
    assert prod["code"] in ("invalid-tlog-entry", "invalid-certificate") and prod["code"] != staging["code"]
    assert staging["code"] == "mismatch-identity" and "issuer" in staging["message"]


def test_github_attestation_of_another_repository(w: World) -> None:
    """A store that answers an attestation signed for another repository (slsa-verifier's wrong-signer vector)."""
    from dataclasses import replace

    wrong = replace(RL, content=(BCR / "MODULE-wrong-signer.bazel").read_bytes())
    w.publish(wrong)
    w.attest("aspect-build/rules_lint", wrong.sha256, [BCR_WRONG_SIGNER])
    w.policy('[packages.rules-lint]\nrepository = "github.com/aspect-build/rules_lint"\n')
    rl = pkg(run_audit(w.options(w.requirements([wrong]))), "rules-lint")
    assert (rl["verdict"], rl["code"]) == ("failed", "mismatch-source"), rl


def test_github_attestation_for_other_bytes(w: World) -> None:
    from dataclasses import replace

    other = replace(RL, content=b"not the attested bytes")
    w.publish(other)
    w.attest("aspect-build/rules_lint", other.sha256, [BCR_BUNDLE])  # the store answers for the wrong digest
    w.policy('[packages.rules-lint]\nrepository = "github.com/aspect-build/rules_lint"\n')
    assert pkg(run_audit(w.options(w.requirements([other]))), "rules-lint")["code"] == "mismatch-hash"


def test_release_provenance_tag_and_bytes(w: World) -> None:
    w.publish(EX)
    w.release("slsa-framework/example-package", "v14", {"multiple.intoto.jsonl": EX_PROVENANCE})
    w.policy('[packages.example-package]\nrepository = "github.com/slsa-framework/example-package"\n'
             'release-tag = "release-{version}"\n')
    w.release("slsa-framework/example-package", "release-14", {"multiple.intoto.jsonl": EX_PROVENANCE})
    ex = pkg(run_audit(w.options(w.requirements([EX]))), "example-package")
    assert ex["code"] == "mismatch-tag", ex  # built from v14, published as release-14
    from dataclasses import replace

    other = replace(EX, content=b"other bytes")
    w.publish(other)
    w.policy('[packages.example-package]\nrepository = "github.com/slsa-framework/example-package"\n')
    ex = pkg(run_audit(w.options(w.requirements([other]))), "example-package")
    assert ex["code"] == "mismatch-hash" and "release's provenance" in ex["message"], ex


def test_not_pinned_and_not_found(w: World) -> None:
    w.standard()
    req = w.tmp / "requirements.txt"
    req.write_text("six>=1.0\nmissing==1.0\npypi-attestations==9.9\n")
    report = run_audit(w.options(req))
    assert report.exit_status == 1
    assert pkg(report, "six")["code"] == "not-pinned" and pkg(report, "six")["files"] == []
    assert pkg(report, "missing")["code"] == "not-found"
    assert pkg(report, "pypi-attestations")["code"] == "not-found"


def test_requirements_without_hashes_examine_every_file(w: World) -> None:
    w.standard()
    report = run_audit(w.options(w.requirements([PA, SIX], hashes=False)))
    assert report.exit_status == 0
    assert pkg(report, "pypi-attestations")["files"][0]["sha256"] == PA.sha256  # the index's digest


def test_network_failure_is_per_package(w: World) -> None:
    w.standard()
    w.index.route("/simple/six/#json", status=500, body=b"boom")
    w.index.route("/simple/six/#html", status=500, body=b"boom")
    report = run_audit(w.options(w.requirements([PA, SIX]), timeout=30))
    assert pkg(report, "six")["code"] == "download-failed"
    assert pkg(report, "pypi-attestations")["verdict"] == "verified"
    assert report.exit_status == 1


def test_github_rate_limit_fails_closed_and_is_not_asked_again(w: World) -> None:
    w.standard()
    w.gh.route(f"/api/repos/trailofbits/pypi-attestations/attestations/sha256:{PA.sha256}", status=403,
               body=b'{"message": "API rate limit exceeded"}')
    report = run_audit(w.options(w.requirements([PA]), jobs=1))
    pa = pkg(report, "pypi-attestations")
    assert pa["code"] == "download-failed" and "GITHUB_TOKEN" in pa["message"]


def test_usage_errors_are_the_report_error(w: World) -> None:
    bad = w.tmp / "requirements.txt"
    bad.write_text("-r requirements.txt\n")
    report = run_audit(w.options(bad))
    assert report.exit_status == 2 and report.to_json()["error"]["code"] == "usage"
    w.policy("require = 'some'\n")
    report = run_audit(w.options(w.requirements([SIX])))
    assert report.exit_status == 2 and "require" in report.to_json()["error"]["message"]
    w.policy("[packages.six\n")
    assert run_audit(w.options(w.requirements([SIX]))).exit_status == 2
    (w.tmp / "pyslsa.toml").unlink()
    assert run_audit(w.options(jobs=0)).exit_status == 2
    assert run_audit(w.options(w.requirements([SIX]), python="/usr/bin/python3")).exit_status == 2


def test_progress_reports_every_package(w: World) -> None:
    w.standard()
    seen: list[tuple[int, int, str]] = []
    report = run_audit(w.options(w.requirements([PA, RL, SIX]), progress=lambda d, t, n: seen.append((d, t, n))))
    assert report.exit_status == 0
    assert [d for d, _, _ in seen] == [1, 2, 3] and {t for _, t, _ in seen} == {3}
    assert sorted(n for _, _, n in seen) == ["pypi-attestations", "rules-lint", "six"]


def test_ctrl_c_stops_the_workers(w: World) -> None:
    import threading

    w.standard()

    def interrupt(done: int, total: int, name: str) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_audit(w.options(w.requirements([PA, RL, EX, SIX]), progress=interrupt))
    assert not [t for t in threading.enumerate() if t.name.startswith("pyslsa-audit")]
