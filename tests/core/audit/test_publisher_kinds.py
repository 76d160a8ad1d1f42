"""The audit with PEP 740 publishers other than GitHub, on the real attestations of pypi-attestations' test assets:
the identity each proves, the policy's repository and workflow, and pins in PEP 751's shape."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

import pytest

from pyslsa.core.audit.evidence import AuditFile, pep740_results
from pyslsa.core.audit.identity import GITLAB, Identity, VerifiedIdentity, normalize_gitlab_workflow
from pyslsa.core.audit.pins import compare_pins, identities_to_pin, identity_from_table, identity_table
from pyslsa.core.audit.policy import parse_policy
from pyslsa.core.audit.verdict import EvidenceResult, decide_file
from pyslsa.core.trust import TrustedRoot
from pyslsa.errors import UsageError
from tests.conftest import PYPI_ATT, PYPI_ATT_031, vector, vector_json

PROD = TrustedRoot.production()
GL_SDIST = "gitlab_oidc_project-0.0.3.tar.gz"
GCB_SDIST = "gcb_attestation_test-0.0.0.tar.gz"
CCI_WHEEL = "circleci_sign_publish_example-0.0.1.dev137-py3-none-any.whl"
TODAY = date(2026, 1, 1)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def gitlab_provenance(**publisher: Any) -> bytes:
    pub = {"kind": "GitLab", "repository": "facutuesca/gitlab-oidc-project", "workflow_filepath": ".gitlab-ci.yml",
           "environment": None, **publisher}
    att = vector_json(PYPI_ATT / f"{GL_SDIST}.publish.attestation")
    return json.dumps({"version": 1, "attestation_bundles": [{"publisher": pub, "attestations": [att]}]}).encode()


def gitlab_identity(**publisher: Any) -> VerifiedIdentity:
    (result,) = pep740_results(AuditFile(GL_SDIST, sha(vector(PYPI_ATT / GL_SDIST))), "u",
                               gitlab_provenance(**publisher), PROD)
    assert result.identity is not None, result.error
    return result.identity


def test_a_gitlab_publisher_proves_its_project() -> None:
    ident = gitlab_identity(environment="release")
    assert (ident.kind, ident.issuer, ident.repository, ident.workflow, ident.ref, ident.environment,
            ident.self_hosted) == (GITLAB, "https://gitlab.com", "facutuesca/gitlab-oidc-project", ".gitlab-ci.yml",
                                   "refs/heads/main", "release", False)
    assert ident.source == "gitlab.com/facutuesca/gitlab-oidc-project"
    assert ident.describe() == "GitLab facutuesca/gitlab-oidc-project (.gitlab-ci.yml, environment release)"


@pytest.mark.parametrize(("publisher", "code"), [
    ({"repository": "facutuesca/other"}, "mismatch-source"),
    ({"workflow_filepath": "release.yml"}, "mismatch-identity"),
])
def test_a_gitlab_publisher_the_certificate_does_not_prove(publisher: dict[str, str], code: str) -> None:
    (result,) = pep740_results(AuditFile(GL_SDIST, sha(vector(PYPI_ATT / GL_SDIST))), "u",
                               gitlab_provenance(**publisher), PROD)
    assert result.error is not None and result.error.code == code


def decide(identity: VerifiedIdentity, policy: str, pins: tuple[Identity, ...] = ()) -> tuple[str, str | None]:
    verdict = decide_file([EvidenceResult("pep740", "u", identity=identity)], package="pkg",
                          policy=parse_policy(policy, "p"), today=TODAY, pins=pins)
    return verdict.verdict, verdict.code


@pytest.mark.parametrize(("policy", "want"), [
    ('[packages.pkg]\nrepository = "gitlab.com/facutuesca/gitlab-oidc-project"\n', ("verified", None)),
    ('[packages.pkg]\nrepository = "https://GitLab.com/facutuesca/gitlab-oidc-project.git"\n', ("verified", None)),
    ('[packages.pkg]\nrepository = "gitlab.com/facutuesca/gitlab-oidc-project"\nworkflow = ".gitlab-ci.yml"\n',
     ("verified", None)),
    ('[packages.pkg]\nrepository = "gitlab.com/facutuesca/gitlab-oidc-project"\nworkflow = "ci/release.yml"\n',
     ("failed", "mismatch-publisher")),
    ('[packages.pkg]\nrepository = "gitlab.com/facutuesca/gitlab-oidc-project"\nenvironment = "pypi"\n',
     ("failed", "mismatch-publisher")),
    ('[packages.pkg]\nrepository = "github.com/facutuesca/gitlab-oidc-project"\n', ("failed", "mismatch-source")),
    ('[packages.pkg]\nrepository = "gitlab.com/facutuesca/other"\n', ("failed", "mismatch-source")),
])
def test_the_policy_on_a_gitlab_identity(policy: str, want: tuple[str, str | None]) -> None:
    assert decide(gitlab_identity(), policy) == want


def test_gitlab_pins_in_pep751_shape() -> None:
    ident = gitlab_identity(environment="release")
    (pin,) = identities_to_pin([ident])
    table = identity_table(pin)
    assert table == {"kind": "GitLab", "repository": "facutuesca/gitlab-oidc-project",
                     "workflow_filepath": ".gitlab-ci.yml", "environment": "release"}
    assert identity_from_table(table, "t") == pin
    assert compare_pins((pin,), [ident])[0] == "ok"
    assert compare_pins((pin,), [gitlab_identity()])[0] == "publisher-changed"  # the environment went away
    assert decide(ident, "", (pin,)) == ("verified", None)
    moved = Identity(GITLAB, "facutuesca/other", ".gitlab-ci.yml", "release")
    assert decide(ident, "", (moved,)) == ("failed", "publisher-changed")


def test_google_and_circleci_identities_keep_their_keys() -> None:
    (google,) = pep740_results(AuditFile(GCB_SDIST, sha(vector(PYPI_ATT_031 / GCB_SDIST))), "u",
                               vector(PYPI_ATT_031 / f"{GCB_SDIST}.provenance"), PROD)
    assert google.identity is not None and google.identity.source is None
    assert google.identity.extra == (("email", "919436158236-compute@developer.gserviceaccount.com"),)
    assert identity_table(google.identity.identity()) == {
        "kind": "Google", "email": "919436158236-compute@developer.gserviceaccount.com"}
    (cci,) = pep740_results(AuditFile(CCI_WHEEL, sha(vector(PYPI_ATT_031 / CCI_WHEEL))), "u",
                            vector(PYPI_ATT_031 / f"{CCI_WHEEL}.provenance"), PROD)
    assert cci.identity is not None and cci.identity.source == "github.com/CircleCI-Public/sign-and-publish-examples"
    assert cci.identity.ref == "refs/heads/pypi" and cci.identity.self_hosted is None
    table = identity_table(cci.identity.identity())
    assert table == {"kind": "CircleCI", "pipeline_definition_id": "8e4f8ab2-8d7c-4827-9f15-de076d6d647f",
                     "project_id": "fdd9283f-e619-46af-8f9c-851f7d3e8b2b",
                     "vcs_origin": "github.com/CircleCI-Public/sign-and-publish-examples",
                     "vcs_ref": "refs/heads/pypi"}
    pin = identity_from_table(table, "t")
    assert compare_pins((pin,), [cci.identity])[0] == "ok"
    assert compare_pins((pin,), [google.identity])[0] == "publisher-changed"
    # a policy naming a repository: CircleCI's vcs_origin can prove it, a Google service account cannot
    assert decide(cci.identity, '[packages.pkg]\nrepository = "github.com/CircleCI-Public/sign-and-publish-examples"'
                                '\n') == ("verified", None)
    assert decide(google.identity, '[packages.pkg]\nrepository = "github.com/o/r"\n') == ("failed", "mismatch-source")


@pytest.mark.parametrize(("text", "ok"), [
    (".gitlab-ci.yml", True), ("ci/release.yml", True), (" ci/x.yml ", True), ("", False), ("/abs.yml", False),
    ("ci//x.yml", False), ("../x.yml", False), ("ci/./x.yml", False), ("a b.yml", False), ("x\n.yml", False),
])
def test_gitlab_workflow_paths(text: str, ok: bool) -> None:
    if ok:
        assert normalize_gitlab_workflow(text) == text.strip()
    else:
        with pytest.raises(ValueError, match="not a GitLab CI configuration path"):
            normalize_gitlab_workflow(text)


def test_a_gitlab_policy_takes_a_configuration_path() -> None:
    policy = parse_policy('[packages.pkg]\nrepository = "gitlab.com/g/s/p"\nworkflow = "ci/release.yml"\n', "p")
    entry = policy.package("pkg")
    assert entry is not None and entry.workflows == ("ci/release.yml",)
    with pytest.raises(UsageError, match="GitLab CI configuration"):
        parse_policy('[packages.pkg]\nrepository = "gitlab.com/g/p"\nworkflow = "../x.yml"\n', "p")
    with pytest.raises(UsageError, match="must be a workflow file"):  # GitHub's forms for a GitHub repository
        parse_policy('[packages.pkg]\nrepository = "github.com/g/p"\nworkflow = "ci/release.yml"\n', "p")
