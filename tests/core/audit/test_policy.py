"""The audit policy: the issue's contract parses to the values it says; every malformed policy is an input error
naming the key and its table."""

from __future__ import annotations

from datetime import date

import pytest

from pyslsa.core.audit.policy import (
    DEFAULT_POLICY,
    PackagePolicy,
    Policy,
    PolicyException,
    expired_exceptions,
    parse_policy,
    policy_from_pyproject,
)
from pyslsa.errors import UsageError

CONTRACT = b'''
require = "listed"            # "all" | "listed" | "none": which packages must carry verified evidence
self-hosted-runners = false   # refuse certificates whose runner environment is self-hosted
[packages.aws-lambda-powertools]
repository = "github.com/aws-powertools/powertools-lambda-python"   # required source repository
workflow = ".github/workflows/release.yml"    # optional: signer workflow path (PEP 740 publisher / cert build config)
environment = "release"                       # optional: PEP 740 GitHub environment
ref = "refs/tags/v*"                          # optional: glob on the source ref
evidence = ["pep740", "github-attestation", "github-release"]   # optional: where to look (default: all that apply)
[[exceptions]]
package = "six"
reason = "no attestations upstream; reviewed"
owner = "security@example.com"
expires = 2027-06-30          # past this date the exception no longer applies
'''


def error(text: str | bytes, source: str = "pyslsa.toml") -> str:
    with pytest.raises(UsageError) as exc:
        parse_policy(text, source)
    assert exc.value.exit_status == 2 and exc.value.message.isprintable()
    return exc.value.message


def test_the_contract_parses_to_what_it_says() -> None:
    policy = parse_policy(CONTRACT, "pyslsa.toml")
    assert policy.require == "listed" and policy.self_hosted_runners is False and policy.source == "pyslsa.toml"
    assert policy.packages == (PackagePolicy(
        "aws-lambda-powertools", "github.com/aws-powertools/powertools-lambda-python", ("release.yml",), "release",
        "refs/tags/v*", ("pep740", "github-attestation", "github-release"), "v{version}"),)
    entry = policy.package("AWS_Lambda.Powertools")
    assert entry is not None and entry.expected_repository == "aws-powertools/powertools-lambda-python"
    assert entry.tag_for("3.1.0") == "v3.1.0"
    assert policy.exceptions == (PolicyException("six", "no attestations upstream; reviewed", "security@example.com",
                                                 date(2027, 6, 30)),)


def test_require_decides_which_packages_need_evidence() -> None:
    listed = parse_policy(CONTRACT, "p")
    assert listed.requires_evidence("aws-lambda-powertools") and not listed.requires_evidence("six")
    every = parse_policy(b'require = "all"\n', "p")
    assert every.requires_evidence("anything")
    nothing = parse_policy(CONTRACT.replace(b'require = "listed"', b'require = "none"'), "p")
    assert not nothing.requires_evidence("aws-lambda-powertools")
    assert DEFAULT_POLICY.require == "listed" and not DEFAULT_POLICY.requires_evidence("x")
    assert parse_policy(b"", "empty") == Policy(source="empty")


def test_an_exception_applies_until_its_date_included() -> None:
    policy = parse_policy(CONTRACT, "p")
    assert policy.exception("Six", date(2027, 6, 30)) is not None
    assert policy.exception("six", date(2027, 7, 1)) is None
    assert policy.expired_exception("six", date(2027, 7, 1)) == policy.exceptions[0]
    assert policy.expired_exception("six", date(2027, 6, 30)) is None
    assert expired_exceptions(policy, date(2030, 1, 1)) == policy.exceptions
    assert expired_exceptions(policy, date(2020, 1, 1)) == ()
    assert policy.exception("other", date(2020, 1, 1)) is None


@pytest.mark.parametrize("value", [
    "github.com/org/repo", "https://github.com/org/repo", "git+https://github.com/org/repo.git",
    "github.com/org/repo/", "GitHub.com/org/repo", " https://github.com/org/repo ",
])
def test_repository_forms(value: str) -> None:
    policy = parse_policy(f'[packages.x]\nrepository = "{value}"\n', "p")
    assert policy.packages[0].repository == "github.com/org/repo"
    assert policy.packages[0].expected_repository == "org/repo"


@pytest.mark.parametrize("value", ["org/repo", "github.com/org", "github.com/a/b/c", "github.com/../x",
                                   "https://github.com/o/r?x=1", "github.com/o/r e", "", "github.com//r"])
def test_bad_repositories(value: str) -> None:
    assert "repository" in error(f'[packages.x]\nrepository = "{value}"\n')


def test_another_host_keeps_its_path() -> None:
    policy = parse_policy(b'[packages.x]\nrepository = "https://gitlab.com/group/sub/proj"\n', "p")
    assert policy.packages[0].repository == "gitlab.com/group/sub/proj"


@pytest.mark.parametrize(("value", "want"), [
    ('"release.yml"', ("release.yml",)),
    ('".github/workflows/release.yml"', ("release.yml",)),
    ('"org/repo/.github/workflows/release.yml"', ("release.yml",)),
    ('"other/builder/.github/workflows/build.yaml"', ("other/builder/.github/workflows/build.yaml",)),
    ('["ci.yml", ".github/workflows/release.yml"]', ("ci.yml", "release.yml")),
])
def test_workflow_forms(value: str, want: tuple[str, ...]) -> None:
    policy = parse_policy(f'[packages.x]\nrepository = "github.com/org/repo"\nworkflow = {value}\n', "p")
    assert policy.packages[0].workflows == want


@pytest.mark.parametrize("value", ['"release.yml@refs/heads/main"', '".github/workflows/sub/x.yml"', '"../x.yml"',
                                   '"x.txt"', '""', "[]", "3", '["ok.yml", 3]'])
def test_bad_workflows(value: str) -> None:
    assert "workflow" in error(f"[packages.x]\nworkflow = {value}\n")


@pytest.mark.parametrize(("text", "needles"), [
    ("colour = 1\n", ("unknown key 'colour'", "policy pyslsa.toml:", "require")),
    ("[packages.x]\nrepo = 'github.com/o/r'\n", ("unknown key 'repo'", "[packages.x]", "repository")),
    ("[[exceptions]]\npackage = 'x'\nreason = 'r'\nowner = 'o'\nexpires = 2027-01-01\nuntil = 1\n",
     ("unknown key 'until'", "[exceptions] #1")),
    ('require = "some"\n', ("'require' must be one of",)),
    ("require = 1\n", ("'require' must be one of",)),
    ('self-hosted-runners = "no"\n', ("'self-hosted-runners' must be true or false",)),
    ("packages = []\n", ("'packages' must be a table",)),
    ("[packages]\nx = 1\n", ("[packages.x] must be a table",)),
    ("exceptions = {}\n", ("'exceptions' must be an array",)),
    ("[packages.x]\nenvironment = 3\n", ("'environment' must be a string", "[packages.x]")),
    ('[packages.x]\nenvironment = "a\\tb"\n', ("printable",)),
    ('[packages.x]\nref = ""\n', ("'ref' must be a non-empty",)),
    ('[packages.x]\nevidence = "pep740"\n', ("'evidence' must be a non-empty list",)),
    ("[packages.x]\nevidence = []\n", ("'evidence' must be a non-empty list",)),
    ('[packages.x]\nevidence = ["pep740", "sbom"]\n', ("unknown evidence kind 'sbom'",)),
    ('[packages.x]\nrelease-tag = "v{ver}"\n', ("release-tag",)),
    ('[packages.x]\nrelease-tag = "v{version}{x}"\n', ("release-tag",)),
    ('[packages.x]\nrelease-tag = "v {version}"\n', ("release-tag",)),
    ("[packages.Foo_Bar]\n[packages.foo-bar]\n", ("listed twice", "'foo-bar'")),
    ('[packages."f\\u00f6\\u00f6"]\n', ("invalid package name", "\\xf6")),
    ('[packages."evil\\u001b[2J"]\n', ("invalid package name",)),
    ("[[exceptions]]\npackage = 'x'\nreason = 'r'\nowner = 'o'\n", ("missing 'expires'", "an exception needs an end")),
    ("[[exceptions]]\npackage = 'x'\nowner = 'o'\nexpires = 2027-01-01\n", ("missing 'reason'",)),
    ("[[exceptions]]\nreason = 'r'\nowner = 'o'\nexpires = 2027-01-01\n", ("missing 'package'",)),
    ("[[exceptions]]\npackage = 'x'\nreason = 'r'\nexpires = 2027-01-01\n", ("missing 'owner'",)),
    ("[[exceptions]]\npackage = 'x'\nreason = 'r'\nowner = 'o'\nexpires = '2027-01-01'\n", ("must be a TOML date",)),
    ("[[exceptions]]\npackage = 'x'\nreason = 'r'\nowner = 'o'\nexpires = 2027-01-01T00:00:00Z\n",
     ("must be a TOML date",)),
    ("[[exceptions]]\npackage = 'x'\nreason = 'r'\nowner = 'o'\nexpires = 2027-01-01\n"
     "[[exceptions]]\npackage = 'X'\nreason = 'r'\nowner = 'o'\nexpires = 2028-01-01\n", ("two exceptions",)),
    ('require = "all"\nrequire = "none"\n', ("not valid TOML", "line 2, column")),
    ("[packages.x\n", ("not valid TOML", "line 1, column")),
])
def test_malformed_policies_are_input_errors(text: str, needles: tuple[str, ...]) -> None:
    msg = error(text)
    for needle in needles:
        assert needle in msg, msg


def test_not_utf8() -> None:
    assert "not UTF-8" in error(b"require = '\xff'\n")


def test_the_tool_table_of_a_pyproject() -> None:
    text = b'[project]\nname = "x"\n[tool.pyslsa]\nrequire = "all"\n[tool.pyslsa.packages.attrs]\nfoo = 1\n'
    with pytest.raises(UsageError, match=r"\[tool.pyslsa.packages.attrs\]: unknown key 'foo'"):
        policy_from_pyproject(text, "pyproject.toml")
    good = policy_from_pyproject(text.replace(b"foo = 1", b'repository = "github.com/python-attrs/attrs"'),
                                 "pyproject.toml")
    assert good is not None and good.require == "all" and good.package("attrs") is not None
    assert policy_from_pyproject(b'[project]\nname = "x"\n', "pyproject.toml") is None
    assert policy_from_pyproject(b"[tool.black]\nline-length = 1\n", "pyproject.toml") is None
    with pytest.raises(UsageError, match=r"\[tool.pyslsa\] must be a table"):
        policy_from_pyproject(b"[tool]\npyslsa = 1\n", "pyproject.toml")
