"""The action's composite steps run with bash by tests/action/runner.py, as a runner would: one passing and one
failing case per command (real vectors; verify-release and audit against the loopback hosts), then the input
errors and the injection attempts. The install step is stubbed here (the test venv's pyslsa); test_install.py runs
it for real."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.action.conftest import STUB_INSTALL
from tests.action.runner import Result, run_action
from tests.conftest import EXAMPLE_REPO, GENERIC, PYPI_ATT, vector
from tests.release_servers import Host, add_project, add_release, serve, sha256

ROOT = Path(__file__).resolve().parents[2]
BINARY_SHA256 = "376e7e01348585b6e6643bc6663146b9d525d9b41228bf180eaeb4d4a3706caa"
WHEEL = "example_package-14-py3-none-any.whl"
SDIST_740 = "pypi_attestations-0.0.19.tar.gz"
PA_REPO = "github.com/trailofbits/pypi-attestations"


@pytest.fixture
def hosts() -> Iterator[tuple[Host, Host]]:
    with serve(Host()) as index, serve(Host()) as gh:
        yield index, gh


def examples(workspace: Path) -> None:
    for name in ("binary-linux-amd64", "binary-linux-amd64-push-v14.intoto.jsonl"):
        shutil.copy(ROOT / "examples" / name, workspace / name)


def artifact_args(tag: str) -> Callable[[Path, Host, Host], str]:
    def make(workspace: Path, index: Host, gh: Host) -> str:
        examples(workspace)
        return (f"--provenance-path binary-linux-amd64-push-v14.intoto.jsonl --source-uri {EXAMPLE_REPO} "
                f"--source-tag {tag} binary-linux-amd64")

    return make


def release_args(source_uri: str) -> Callable[[Path, Host, Host], str]:
    """The real binary and its real provenance, released (GitHub release v14) in the repository of source_uri."""

    def make(workspace: Path, index: Host, gh: Host) -> str:
        add_project(index, "example-package", {WHEEL: vector(GENERIC / "binary-linux-amd64")})
        add_release(gh, source_uri.removeprefix("github.com/"), "v14",
                    {"multiple.intoto.jsonl": vector(GENERIC / "binary-linux-amd64-push-v14.intoto.jsonl")})
        return (f"example-package==14 --source-uri {source_uri} --index-url {index.base}/simple/ "
                f"--github-url {gh.base} --github-api-url {gh.base}/api")

    return make


def audit_args(with_unattested: bool) -> Callable[[Path, Host, Host], str]:
    """A requirements file pinning the real attested sdist (and, failing, a package without any attestation)
    under a policy that requires evidence for every package."""

    def make(workspace: Path, index: Host, gh: Host) -> str:
        sdist = vector(PYPI_ATT / SDIST_740)
        add_project(index, "pypi-attestations", {SDIST_740: sdist},
                    provenance={SDIST_740: vector(PYPI_ATT / f"{SDIST_740}.provenance")})
        lines = [f"pypi-attestations==0.0.19 --hash=sha256:{sha256(sdist)}"]
        if with_unattested:
            plain = b"no attestation for these bytes"
            add_project(index, "plain-package", {"plain_package-1.0.tar.gz": plain})
            lines.append(f"plain-package==1.0 --hash=sha256:{sha256(plain)}")
        (workspace / "requirements.txt").write_text("\n".join(lines) + "\n")
        (workspace / "pyslsa.toml").write_text(f'require = "all"\n[packages.pypi-attestations]\n'
                                               f'repository = "{PA_REPO}"\n')
        return (f"requirements.txt --index-url {index.base}/simple/ --github-url {gh.base} "
                f"--github-api-url {gh.base}/api")

    return make


@dataclass
class Case:
    command: str
    make: Callable[[Path, Host, Host], str]
    status: int
    summary: list[str]
    check: Callable[[Path], None] | None = None  # on the report file
    inputs: dict[str, str] = field(default_factory=dict)
    code: str = ""  # the error code the failure annotation names (verify-* with JSON)


def json_report(verified: bool, code: str | None = None) -> Callable[[Path], None]:
    def check(report: Path) -> None:
        doc = json.loads(report.read_text())
        assert doc["verified"] is verified
        assert (doc["error"] or {}).get("code") == code

    return check


def markdown_report(*needles: str) -> Callable[[Path], None]:
    def check(report: Path) -> None:
        text = report.read_text()
        assert all(n in text for n in needles), text

    return check


CASES = [
    pytest.param(Case("verify-artifact", artifact_args("v14"), 0,
                      ["### pyslsa verify-artifact: ✅ verified", "`binary-linux-amd64`", f"`{BINARY_SHA256[:16]}`",
                       "`refs/tags/v14`", "✅ verified"], json_report(True)), id="verify-artifact-pass"),
    pytest.param(Case("verify-artifact", artifact_args("v13"), 1,
                      ["### pyslsa verify-artifact: ❌ verification failed", "❌ `mismatch-tag`",
                       "tag: expected 'v13', got 'v14'"], json_report(False, "mismatch-tag"),
                      code="mismatch-tag"),
                 id="verify-artifact-fail"),
    pytest.param(Case("verify-release", release_args(EXAMPLE_REPO), 0,
                      ["### pyslsa verify-release: ✅ verified", "`example-package==14`", f"`{WHEEL}`", "`slsa`",
                       "generator_generic_slsa3.yml@refs/tags/v2.1.0"], json_report(True)),
                 id="verify-release-pass"),
    pytest.param(Case("verify-release", release_args("github.com/someone-else/example-package"), 1,
                      ["### pyslsa verify-release: ❌ verification failed", f"`{WHEEL}`", "❌ `mismatch-source`"],
                      json_report(False, "mismatch-source"), code="mismatch-source"), id="verify-release-fail"),
    pytest.param(Case("verify-artifact", artifact_args("v14"), 0,
                      ["### pyslsa verify-artifact: ✅ verified", "```text", "PASSED: binary-linux-amd64"],
                      markdown_report("PASSED: binary-linux-amd64"), {"format": "text"}),
                 id="verify-artifact-text"),
    pytest.param(Case("audit", audit_args(False), 0, ["pypi-attestations"], markdown_report("pypi-attestations")),
                 id="audit-pass"),
    pytest.param(Case("audit", audit_args(True), 1, ["plain-package", "unattested"],
                      markdown_report("plain-package", "unattested")), id="audit-fail"),
]


def run_case(tmp_path: Path, clean_env: dict[str, str], hosts: tuple[Host, Host], case: Case,
             **extra: str) -> Result:
    workspace = tmp_path / "work" / "workspace"
    workspace.mkdir(parents=True)
    args = case.make(workspace, *hosts)
    inputs = {"command": case.command, "args": args, **case.inputs, **extra}
    return run_action(inputs=inputs, work=tmp_path / "work", env=clean_env, stubs=STUB_INSTALL)


@pytest.mark.parametrize("case", CASES)
def test_command(tmp_path: Path, clean_env: dict[str, str], hosts: tuple[Host, Host], case: Case) -> None:
    result = run_case(tmp_path, clean_env, hosts, case)
    assert result.status == case.status, result.log
    assert result.outputs["exit-code"] == str(case.status)
    assert result.outputs["verified"] == ("true" if case.status == 0 else "false")
    assert result.outputs["sarif-path"] == ""
    report = Path(result.outputs["report-path"])
    assert report.is_file() and report.is_relative_to(tmp_path / "work" / "temp")
    if case.check is not None:
        case.check(report)
    for needle in case.summary:
        assert needle in result.summary, result.summary
    # setup-python is a uses: step (skipped here); the comment step ran although the command failed, and the
    # last step exited with the command's status
    assert result.skipped == ["Set up Python (uses: actions/setup-python@ece7cb06caefa5fff74198d8649806c4678c61a1)"]
    assert result.ran == ["install (stub)", "run", "comment", "Exit with the command's status"]
    # pyslsa's output went to the log with workflow commands stopped, and they were resumed afterwards
    stop = [line for line in result.log.splitlines() if line.startswith("::stop-commands::")]
    assert len(stop) >= 1 and f"::{stop[0].split('::')[2]}::" in result.log
    if case.status == 1:
        code = f" [{case.code}]" if case.code else ""
        assert f"::error title=pyslsa::{case.command}: verification failed{code} (details" in result.log


def test_audit_sarif_file(tmp_path: Path, clean_env: dict[str, str], hosts: tuple[Host, Host]) -> None:
    case = Case("audit", audit_args(True), 1, [], inputs={"sarif-file": "pyslsa.sarif", "format": "json"})
    result = run_case(tmp_path, clean_env, hosts, case)
    assert result.status == 1, result.log
    sarif = Path(result.outputs["sarif-path"])
    assert sarif == tmp_path / "work" / "workspace" / "pyslsa.sarif"
    doc = json.loads(sarif.read_text())
    assert doc["version"] == "2.1.0"
    assert any(r["ruleId"] == "unattested" for r in doc["runs"][0]["results"])
    assert json.loads(Path(result.outputs["report-path"]).read_text())["verified"] is False
    assert "plain-package" in result.summary  # the Markdown view, from the same run
    runs = [line for line in result.log.splitlines() if line.startswith("$ ") and " -m pyslsa audit " in line]
    assert len(runs) == 1, runs  # one audit wrote the report, the Markdown and the SARIF
    assert "1 verified, 1 unattested, 0 failed -- the policy does not hold" in result.log  # the table, in the log


INPUT_ERRORS = [
    ({"command": "bogus"}, "command must be one of audit, verify-release, verify-artifact, got 'bogus'"),
    ({"command": "verify-artifact", "args": "--source-uri 'unbalanced"}, "args: No closing quotation"),
    ({"command": "verify-artifact", "args": "--format text x"}, "args: --format is set by the action"),
    ({"command": "audit", "args": "--output=x.json"}, "args: --output is set by the action (the report is at the "
                                                      "output report-path, SARIF where the input sarif-file says)"),
    ({"command": "audit", "args": "--policy b.toml", "policy": "a.toml"}, "args: --policy is set by the action"),
    ({"command": "verify-release", "policy": "pyslsa.toml"}, "policy and sarif-file are for command audit"),
    ({"command": "verify-artifact", "sarif-file": "x.sarif"}, "policy and sarif-file are for command audit"),
    ({"command": "verify-artifact", "format": "sarif"}, "format for verify-artifact must be one of json, text"),
    ({"command": "verify-artifact", "comment": "maybe"}, "comment must be true, false or always"),
]


@pytest.mark.parametrize(("inputs", "message"), INPUT_ERRORS,
                         ids=["command", "quote", "format-arg", "output-arg", "policy-arg", "policy", "sarif", "format",
                              "comment"])
def test_input_errors(tmp_path: Path, clean_env: dict[str, str], inputs: dict[str, str], message: str) -> None:
    result = run_action(inputs=inputs, work=tmp_path / "work", env=clean_env, stubs=STUB_INSTALL)
    assert result.status == 2, result.log
    (line,) = [ln for ln in result.log.splitlines() if ln.startswith("::error title=pyslsa::")]
    assert message in line
    assert "could not run (exit status 2: usage or input error)" in result.summary
    assert result.ran == ["install (stub)", "run"]  # the failing step ends the action, as on a runner


def test_usage_error_of_pyslsa(tmp_path: Path, clean_env: dict[str, str]) -> None:
    """pyslsa's own usage error (exit 2): reported, with its message, not mistaken for a verdict."""
    result = run_action(inputs={"command": "verify-artifact", "args": "--no-such-flag"}, work=tmp_path / "work",
                        env=clean_env, stubs=STUB_INSTALL)
    assert result.status == 2
    assert result.outputs["verified"] == "false" and result.outputs["exit-code"] == "2"
    assert result.outputs["report-path"] == ""  # pyslsa wrote no report
    assert "could not run (exit status 2: usage or input error)" in result.summary
    assert "the following arguments are required" in result.summary


INJECTIONS = [
    'binary; touch "$GITHUB_WORKSPACE/pwned1" $(touch pwned2) `touch pwned3` && touch pwned4 | touch pwned5',
    "$(touch pwned6)\ntouch pwned7\n",
]


@pytest.mark.parametrize("args", INJECTIONS)
def test_args_are_data(tmp_path: Path, clean_env: dict[str, str], args: str) -> None:
    """Shell syntax in the input args reaches pyslsa as literal words: nothing is executed, nothing expanded."""
    result = run_action(inputs={"command": "verify-artifact", "args": args}, work=tmp_path / "work",
                        env=clean_env, stubs=STUB_INSTALL)
    assert result.status == 2  # pyslsa's usage error: the words are no valid verify-artifact call
    assert not [p for p in tmp_path.rglob("pwned*")]
    if args.startswith("binary"):
        assert "'$GITHUB_WORKSPACE/pwned1'" in result.log and "'$(touch' 'pwned2)'" in result.log


@pytest.mark.parametrize("field_name", ["command", "format", "policy", "pyslsa-version", "comment"])
def test_other_inputs_are_data(tmp_path: Path, clean_env: dict[str, str], field_name: str) -> None:
    inputs: dict[str, Any] = {"command": "verify-artifact", field_name: '"; touch pwned; echo "$(touch pwned)'}
    stubs = {} if field_name == "pyslsa-version" else STUB_INSTALL
    result = run_action(inputs=inputs, work=tmp_path / "work", env=clean_env, stubs=stubs)
    assert result.status == 2, result.log
    assert not [p for p in tmp_path.rglob("pwned*")]
    assert "::error title=pyslsa::" in result.log


def test_no_expression_in_any_script() -> None:
    """The rule the two tests above rely on: action.yml puts inputs in env:, never ${{ }} inside a run: script."""
    from tests.action.runner import load

    for step in load()["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step


def test_token_goes_to_the_github_api_only(tmp_path: Path, clean_env: dict[str, str],
                                           hosts: tuple[Host, Host]) -> None:
    """The input token reaches pyslsa as GITHUB_TOKEN (rate limits of shared runners): sent to the releases API,
    never with a download or to the storage host it redirects to."""
    index, gh = hosts
    add_project(index, "example-package", {WHEEL: vector(GENERIC / "binary-linux-amd64")})
    add_release(gh, "slsa-framework/example-package", "v14",  # no multiple.intoto.jsonl: the API lists assets
                {"binary.intoto.jsonl": vector(GENERIC / "binary-linux-amd64-push-v14.intoto.jsonl")})
    args = (f"example-package==14 --source-uri {EXAMPLE_REPO} --index-url {index.base}/simple/ "
            f"--github-url {gh.base} --github-api-url {gh.base}/api")
    result = run_action(inputs={"command": "verify-release", "args": args, "token": "ghs_input-token"},
                        work=tmp_path / "work", env=clean_env, stubs=STUB_INSTALL)
    assert result.status == 0, result.log
    sent = {path: headers.get("Authorization") for path, _, headers in gh.requests}
    assert sent["/api/repos/slsa-framework/example-package/releases/tags/v14"] == "Bearer ghs_input-token"
    downloads = [p for p in sent if not p.startswith("/api/")]
    assert downloads and all(sent[p] is None for p in downloads)
    assert all(h.get("Authorization") is None for _, _, h in index.requests)
    assert "ghs_input-token" not in result.log
