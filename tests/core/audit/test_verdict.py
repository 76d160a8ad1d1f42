"""The verdict on a file and a package: one table row per rule, and the combinations that decide between rules."""

from __future__ import annotations

from datetime import date

import pytest

from pyslsa.core.audit.identity import GITHUB, Identity, VerifiedIdentity
from pyslsa.core.audit.policy import Policy, parse_policy
from pyslsa.core.audit.verdict import EvidenceResult, FileVerdict, decide_file, first_failure, package_verdict
from pyslsa.core.github import GITHUB_ACTIONS_ISSUER as GITHUB_ISSUER
from pyslsa.errors import (
    DownloadError,
    InvalidSignatureError,
    MismatchHashError,
    NotPinnedError,
    UnattestedError,
)

TODAY = date(2026, 1, 15)
REPO = "python-attrs/attrs"

POLICY = parse_policy(f'''
require = "listed"
[packages.attrs]
repository = "github.com/{REPO}"
workflow = "pypi-package.yml"
environment = "release-pypi"
ref = "refs/tags/*"
[packages.loose]
[[exceptions]]
package = "excused"
reason = "no attestations upstream; reviewed"
owner = "sec@example.com"
expires = 2026-01-15
[[exceptions]]
package = "lapsed"
reason = "was reviewed"
owner = "sec@example.com"
expires = 2026-01-14
[[exceptions]]
package = "attrs"
reason = "listed, and excused while upstream fixes its pipeline"
owner = "sec@example.com"
expires = 2027-01-01
'''.encode(), "pyslsa.toml")


def ident(evidence: str = "pep740", *, repository: str = REPO, workflow: str | None = "pypi-package.yml",
          ref: str | None = "refs/tags/25.1.0", environment: str | None = "release-pypi",
          self_hosted: bool | None = False) -> EvidenceResult:
    v = VerifiedIdentity(evidence, f"https://evidence/{evidence}", GITHUB_ISSUER, repository, workflow, ref,  # type: ignore[arg-type]
                         environment, self_hosted)
    return EvidenceResult(v.evidence, v.url, identity=v)


def err(exc: Exception, evidence: str = "pep740") -> EvidenceResult:
    return EvidenceResult(evidence, f"https://evidence/{evidence}", error=exc)  # type: ignore[arg-type]


CERT = dict(evidence="github-attestation", environment=None)  # a certificate: no environment stated
PIN = Identity(GITHUB, REPO, "pypi-package.yml", "release-pypi")
OTHER_PIN = Identity(GITHUB, "someone/else", "release.yml")


def decide(evidence: list[EvidenceResult], package: str = "attrs", policy: Policy = POLICY,
           pins: tuple[Identity, ...] = (), **kw: object) -> FileVerdict:
    return decide_file(evidence, package=package, policy=policy, today=TODAY, pins=pins, **kw)  # type: ignore[arg-type]


# package "attrs" has a full policy entry and an active exception; "free" has none; "loose" an empty entry.
@pytest.mark.parametrize(("evidence", "package", "pins", "verdict", "code"), [
    # rule 2: the identity against the policy
    ([ident()], "attrs", (), "verified", None),
    ([ident(repository="evil/attrs")], "attrs", (), "failed", "mismatch-source"),
    ([ident(workflow="other.yml")], "attrs", (), "failed", "mismatch-publisher"),
    ([ident(environment="staging")], "attrs", (), "failed", "mismatch-publisher"),
    ([ident(environment=None)], "attrs", (), "failed", "mismatch-publisher"),  # PEP 740 says: no environment
    ([ident(ref="refs/heads/main")], "attrs", (), "failed", "mismatch-publisher"),
    ([ident(self_hosted=True)], "attrs", (), "failed", "self-hosted-runner"),
    ([ident(self_hosted=None)], "attrs", (), "verified", None),  # an older certificate that does not say
    # evidence that cannot show what the policy requires proves nothing, and fails nothing, by itself ...
    ([ident(**CERT)], "attrs", (), "failed", "mismatch-publisher"),
    ([ident(ref=None)], "attrs", (), "failed", "mismatch-publisher"),
    ([ident(workflow=None)], "attrs", (), "failed", "mismatch-publisher"),
    # ... and another piece that proves it verifies the file
    ([ident(**CERT), ident()], "attrs", (), "verified", None),
    # rule 3: verify-release's rule: any failing evidence that names the file fails it, the first one's code
    ([ident(), err(InvalidSignatureError("bad"))], "attrs", (), "failed", "invalid-signature"),
    ([err(MismatchHashError("other bytes")), err(InvalidSignatureError("bad"))], "attrs", (), "failed",
     "mismatch-hash"),
    ([ident(), ident(repository="evil/attrs", evidence="github-attestation", environment=None)], "attrs", (),
     "failed", "mismatch-source"),
    ([err(UnattestedError("none here")), ident()], "attrs", (), "verified", None),  # absence, not failure
    # no policy entry: any repository, any workflow; the runner still counts
    ([ident(repository="anyone/anything", workflow="x.yml", environment=None)], "free", (), "verified", None),
    ([ident(self_hosted=True)], "free", (), "failed", "self-hosted-runner"),
    ([ident(repository="x/y", **CERT)], "loose", (), "verified", None),
    # rule 4: pins
    ([ident()], "attrs", (PIN,), "verified", None),
    ([ident()], "attrs", (OTHER_PIN,), "failed", "publisher-changed"),
    ([ident(repository="someone/else", workflow="release.yml", environment=None)], "free", (PIN,), "failed",
     "publisher-changed"),
    ([ident(**CERT), ident()], "attrs", (PIN,), "verified", None),
    ([], "free", (PIN,), "failed", "attestation-lost"),
    ([err(UnattestedError("none"))], "free", (PIN,), "failed", "attestation-lost"),
    ([ident(repository="evil/attrs")], "attrs", (PIN,), "failed", "mismatch-source"),  # failures come first
    # rule 5: no evidence
    ([], "free", (), "unattested", "unattested"),
    ([], "attrs", (), "allowed", "unattested"),  # listed, required, excused until 2027
    ([], "attrs", (PIN,), "allowed", "attestation-lost"),
    ([], "excused", (), "allowed", "unattested"),  # the exception's last day
    ([], "excused", (PIN,), "allowed", "attestation-lost"),
    ([], "lapsed", (), "unattested", "unattested"),
    ([], "lapsed", (PIN,), "failed", "attestation-lost"),
    # an exception never excuses failing evidence
    ([err(InvalidSignatureError("bad"))], "excused", (), "failed", "invalid-signature"),
    ([ident(repository="evil/attrs")], "attrs", (), "failed", "mismatch-source"),
    ([ident()], "excused", (OTHER_PIN,), "failed", "publisher-changed"),
])
def test_the_rules(evidence: list[EvidenceResult], package: str, pins: tuple[Identity, ...], verdict: str,
                   code: str | None) -> None:
    got = decide(evidence, package, pins=pins)
    assert (got.verdict, got.code) == (verdict, code), got.message
    assert got.message and "\n" not in got.message
    if verdict == "failed":
        assert got.error is not None and got.error.code == code and not got.passes
    if verdict == "verified":
        assert got.identities and got.passes


@pytest.mark.parametrize(("require", "package", "passes"), [
    ("all", "free", False), ("all", "loose", False),
    ("listed", "free", True), ("listed", "loose", False),
    ("none", "free", True), ("none", "loose", True),
])
def test_require_decides_whether_unattested_fails(require: str, package: str, passes: bool) -> None:
    policy = parse_policy(f'require = "{require}"\n[packages.loose]\n'.encode(), "p")
    got = decide([], package, policy=policy)
    assert got.verdict == "unattested" and got.required is (not passes) and got.passes is passes


def test_an_input_error_fails_the_file_whatever_the_evidence() -> None:
    got = decide([ident()], "excused", input_error=NotPinnedError("foo: no exact version"))
    assert (got.verdict, got.code, got.passes) == ("failed", "not-pinned", False)
    got = decide([], "attrs", input_error=DownloadError("index down"))
    assert (got.verdict, got.code) == ("failed", "download-failed")


def test_messages_say_what_was_expected_and_what_was_found() -> None:
    assert "expected 'github.com/python-attrs/attrs', got 'github.com/evil/attrs'" in decide(
        [ident(repository="evil/attrs")]).message
    assert "expected 'pypi-package.yml', got 'other.yml'" in decide([ident(workflow="other.yml")]).message
    assert "cannot show the GitHub environment" in decide([ident(**CERT)]).message
    assert "self-hosted" in decide([ident(self_hosted=True)], "free").message
    allowed = decide([], "excused")
    assert "sec@example.com" in allowed.message and "2026-01-15" in allowed.message
    assert allowed.exception is not None and allowed.exception.package == "excused"
    assert "expired on 2026-01-14" in decide([], "lapsed").message
    changed = decide([ident()], "attrs", pins=(OTHER_PIN,)).message
    assert "someone/else" in changed and REPO in changed


def test_a_workflow_list_and_the_ref_glob() -> None:
    policy = parse_policy(f'[packages.attrs]\nrepository = "github.com/{REPO}"\nworkflow = ["a.yml", "b.yml"]\n'
                          f'ref = "refs/tags/v*"\n'.encode(), "p")
    assert decide([ident(workflow="b.yml", ref="refs/tags/v1.0")], policy=policy).verdict == "verified"
    assert decide([ident(workflow="c.yml", ref="refs/tags/v1.0")], policy=policy).code == "mismatch-publisher"
    assert decide([ident(workflow="a.yml", ref="refs/tags/1.0")], policy=policy).code == "mismatch-publisher"
    assert decide([ident(workflow="a.yml", ref="refs/tags/V1.0")], policy=policy).code == "mismatch-publisher"


def test_self_hosted_runners_when_allowed() -> None:
    policy = parse_policy(b"self-hosted-runners = true\n", "p")
    assert decide([ident(self_hosted=True)], "free", policy=policy).verdict == "verified"


def test_first_failure_is_verify_releases_rule() -> None:
    a, b = InvalidSignatureError("a"), MismatchHashError("b")
    assert first_failure([ident(), err(a), err(b)]) is a
    assert first_failure([err(UnattestedError("none")), ident()]) is None
    assert first_failure([]) is None


def test_an_evidence_result_has_one_outcome() -> None:
    v = ident().identity
    with pytest.raises(ValueError, match="exactly one"):
        EvidenceResult("pep740", "u")
    with pytest.raises(ValueError, match="exactly one"):
        EvidenceResult("pep740", "u", identity=v, error=InvalidSignatureError("x"))


def test_the_package_verdict_is_its_worst_files() -> None:
    verified = decide([ident()])
    allowed = decide([], "excused")
    unattested = decide([], "free")
    failed = decide([ident(repository="evil/attrs")])
    assert package_verdict([verified, allowed]) is allowed
    assert package_verdict([allowed, unattested, verified]) is unattested
    assert package_verdict([verified, failed, unattested]) is failed
    first = decide([err(InvalidSignatureError("first"))])
    assert package_verdict([first, failed]) is first  # the first of equals
    assert package_verdict([verified]) is verified
    empty = package_verdict([])
    assert (empty.verdict, empty.code, empty.passes) == ("failed", "not-found", False)
