"""Publisher identities: the one workflow form, and what each kind of evidence states."""

from __future__ import annotations

import pytest

from pyslsa.core.audit.identity import GITHUB, ISSUERS, Identity, VerifiedIdentity, normalize_workflow
from pyslsa.core.github import GITHUB_ACTIONS_ISSUER as GITHUB_ISSUER


@pytest.mark.parametrize(("text", "repository", "want"), [
    ("release.yml", None, "release.yml"),
    ("release.yaml", None, "release.yaml"),
    (".github/workflows/release.yml", None, "release.yml"),
    ("org/repo/.github/workflows/release.yml", "org/repo", "release.yml"),
    ("org/repo/.github/workflows/release.yml", None, "org/repo/.github/workflows/release.yml"),
    ("slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml", "org/repo",
     "slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml"),
])
def test_workflow_forms(text: str, repository: str | None, want: str) -> None:
    assert normalize_workflow(text, repository) == want


@pytest.mark.parametrize("text", ["", "release", "release.yml@refs/tags/v1", ".github/workflows/a/b.yml",
                                  "../release.yml", "org/../.github/workflows/x.yml", "o/r/ci/x.yml",
                                  "release .yml", ".github/workflows/", "o/r/.github/workflows/../x.yml"])
def test_not_workflows(text: str) -> None:
    with pytest.raises(ValueError, match="not a GitHub workflow"):
        normalize_workflow(text)


def test_identities() -> None:
    ident = Identity(GITHUB, "org/repo", "release.yml", "pypi")
    assert ident.issuer == GITHUB_ISSUER == ISSUERS["GitHub"]
    assert ident.describe() == "GitHub org/repo (release.yml, environment pypi)"
    assert Identity("Unknown", "x").issuer is None and Identity("Unknown", "x").describe() == "Unknown x"
    pep740 = VerifiedIdentity("pep740", "u", GITHUB_ISSUER, "org/repo", "release.yml", "refs/tags/v1", "pypi")
    cert = VerifiedIdentity("github-attestation", "u", GITHUB_ISSUER, "org/repo", "release.yml", "refs/tags/v1",
                            "ignored")
    assert pep740.states_environment and not cert.states_environment
    assert pep740.identity() == ident
    # a certificate cannot state an environment: its identity carries none
    assert cert.identity() == Identity(GITHUB, "org/repo", "release.yml", None)
