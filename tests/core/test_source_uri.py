"""The one source-URI normaliser: slsa-verifier's two forms exactly as slsa-verifier has them (differences
included), pyslsa's lenient forms for what slsa-verifier has no say over."""

from __future__ import annotations

import pytest

from pyslsa.core.github import normalize_source_uri


@pytest.mark.parametrize(("given", "git_uri", "certificate"), [
    # utils.NormalizeGitURI / VerifyCertficateSourceRepository (slsa-verifier), case by case
    ("github.com/org/repo", "git+https://github.com/org/repo", "org/repo"),
    ("git+https://github.com/org/repo", "git+https://github.com/org/repo", "org/repo"),
    ("https://github.com/org/repo", "git+https://github.com/org/repo", "https://github.com/org/repo"),
    ("git+ssh://github.com/org/repo", "git+ssh://github.com/org/repo", "git+ssh://github.com/org/repo"),
    ("github.com/org/repo.git", "git+https://github.com/org/repo.git", "org/repo.git"),
    ("GitHub.com/Org/Repo/", "git+https://GitHub.com/Org/Repo/", "GitHub.com/Org/Repo/"),
])
def test_slsa_verifier_forms(given: str, git_uri: str, certificate: str) -> None:
    assert normalize_source_uri(given, "git-uri") == git_uri
    assert normalize_source_uri(given, "certificate-repository") == certificate


@pytest.mark.parametrize(("given", "host_path", "repository"), [
    ("github.com/org/repo", "github.com/org/repo", "org/repo"),
    ("https://github.com/org/repo.git", "github.com/org/repo", "org/repo"),
    ("git+https://github.com/org/repo/", "github.com/org/repo", "org/repo"),
    ("http://GitHub.com/org/repo", "GitHub.com/org/repo", "org/repo"),
    (" github.com/org/repo ", "github.com/org/repo", "org/repo"),
    ("gitlab.com/group/sub/repo", "gitlab.com/group/sub/repo", "gitlab.com/group/sub/repo"),
    ("git+ssh://github.com/org/repo", "git+ssh://github.com/org/repo", "git+ssh://github.com/org/repo"),
])
def test_pyslsa_forms(given: str, host_path: str, repository: str) -> None:
    assert normalize_source_uri(given, "host-path") == host_path
    assert normalize_source_uri(given, "repository") == repository
