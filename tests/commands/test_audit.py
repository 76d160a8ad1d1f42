"""``pyslsa audit`` end to end through :func:`pyslsa.cli.main`, against the index and GitHub-like host of
tests/audit_world.py serving the real vectors (in memory; the first test on loopback sockets): every format,
``--output``, the exit status (0 the policy holds, 1 it does not, 2 usage or input error, on one line and without a
traceback), a tampered case with its code, the URL environment variables and ``SLSA_VERIFIER_TESTING``."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pyslsa.cli import main
from pyslsa.core.slsa import builders
from tests.audit_world import EX, EX_PROVENANCE, PA, PA_PROVENANCE, RL, SIX, Signer, World, world
from tests.authority import FULCIO
from tests.conftest import DATA, TUF_UNREACHABLE_WARNING

SARIF_SCHEMA = json.loads((DATA / "sarif" / "sarif-schema-2.1.0.json").read_bytes())

POLICY = """\
require = "listed"
[packages.rules-lint]
repository = "github.com/aspect-build/rules_lint"
[packages.example-package]
repository = "github.com/slsa-framework/example-package"
[packages.pypi-attestations]
repository = "github.com/trailofbits/pypi-attestations"
workflow = ".github/workflows/release.yml"
"""


def _world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, loopback: bool = False) -> Iterator[World]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYSLSA_CACHE_DIR", str(tmp_path / "cache"))
    with world(tmp_path, loopback=loopback) as wd:
        wd.standard()
        wd.policy(POLICY)
        monkeypatch.setenv("PYSLSA_INDEX_URL", wd.index_url)
        monkeypatch.setenv("PYSLSA_GITHUB_URL", wd.gh.base)
        monkeypatch.setenv("PYSLSA_GITHUB_API_URL", f"{wd.gh.base}/api")
        yield wd


@pytest.fixture
def w(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The world (in memory), its URLs in the environment (as a CI job sets them), run from its directory (the
    policy is ./pyslsa.toml, inputs are given as relative paths), with a private evidence cache."""
    yield from _world(tmp_path, monkeypatch)


@pytest.fixture
def loopback_w(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The same world on loopback sockets."""
    yield from _world(tmp_path, monkeypatch, loopback=True)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["audit", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def requirements(w: World, *dists: Any) -> str:
    w.requirements(list(dists))
    return "requirements.txt"


def package(doc: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(p for p in doc["packages"] if p["name"] == name)
    return found


# -- formats and exit status ----------------------------------------------------------------------------------------


def test_table_when_the_policy_holds(loopback_w: World, capsys: pytest.CaptureFixture[str]) -> None:
    """End to end on loopback sockets."""
    w = loopback_w
    code, out, err = run(capsys, requirements(w, PA, RL, EX, SIX))
    assert code == 0, out + err
    lines = out.splitlines()
    assert lines[0].split() == ["PACKAGE", "VERSION", "VERDICT", "PUBLISHER", "/", "PROBLEM", "PINNED", "AT"]
    row = next(line for line in lines if line.startswith("pypi-attestations "))
    assert row.split()[1:3] == ["0.0.19", "verified"] and "trailofbits/pypi-attestations" in row
    assert row.endswith("requirements.txt:1")
    assert next(line for line in lines if line.startswith("six ")).split()[2] == "unattested"
    assert lines[-1] == "3 verified, 1 unattested, 0 failed"
    # no progress bar (stderr is not a terminal); Sigstore's TUF repository is unreachable in the tests: the
    # bundled root, and its one line
    assert err == TUF_UNREACHABLE_WARNING


def test_required_unattested_fails_with_exit_1(w: World, capsys: pytest.CaptureFixture[str]) -> None:
    w.policy(POLICY.replace('require = "listed"', 'require = "all"'))
    code, out, _ = run(capsys, requirements(w, PA, SIX))
    assert code == 1
    assert "FAILED: six==1.0.0 (requirements.txt:2): [unattested]" in out
    assert out.splitlines()[-1] == "1 verified, 1 unattested, 0 failed -- the policy does not hold"


def test_json_is_the_contract(w: World, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, requirements(w, PA, RL, EX, SIX), "--format", "json")
    doc = json.loads(out)
    assert code == 0 and err == TUF_UNREACHABLE_WARNING
    assert doc["trusted_root"]["kind"] == "bundled" and doc["trusted_root"]["warning"] in err
    assert doc["schema"] == "pyslsa-audit/1" and doc["verified"] is True and doc["error"] is None
    assert doc["summary"] == {"packages": 4, "files": 4, "verified": 3, "unattested": 1, "allowed": 0, "failed": 0}
    pa = package(doc, "pypi-attestations")
    assert pa["pinned_at"] == "requirements.txt:1" and pa["files"][0]["sha256"] == PA.sha256
    assert pa["files"][0]["evidence"][0]["identity"]["repository"] == "trailofbits/pypi-attestations"
    assert package(doc, "example-package")["files"][0]["evidence"][0]["kind"] == "github-release"
    assert package(doc, "rules-lint")["files"][0]["evidence"][0]["kind"] == "github-attestation"


def test_markdown_is_a_pr_comment(w: World, capsys: pytest.CaptureFixture[str]) -> None:
    w.policy(POLICY.replace('require = "listed"', 'require = "all"'))
    code, out, _ = run(capsys, requirements(w, PA, SIX), "--format", "markdown")
    assert code == 1
    assert out.startswith("### pyslsa audit: ❌ the policy does not hold\n")
    assert "| ⚠️ | six | 1.0.0 | unattested (required) `unattested` |" in out
    assert "<summary>Verified (1)</summary>" in out and "| pypi-attestations | 0.0.19 |" in out


def test_sarif_annotates_the_lockfile_line(w: World, capsys: pytest.CaptureFixture[str]) -> None:
    w.publish(PA, provenance=PA_PROVENANCE, listed_digest="ab" * 32)  # the index lists other bytes than the lock
    code, out, _ = run(capsys, requirements(w, RL, PA, SIX), "--format", "sarif")
    doc = json.loads(out)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(doc)
    assert code == 1
    results = {r["ruleId"]: r for r in doc["runs"][0]["results"]}
    assert set(results) == {"mismatch-index-digest", "unattested"}
    location = results["mismatch-index-digest"]["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "requirements.txt"}, "region": {"startLine": 2}}
    assert results["mismatch-index-digest"]["level"] == "error"
    assert results["unattested"]["level"] == "note"  # not required by the policy


@pytest.mark.parametrize(("field", "code"), [("signature", "invalid-signature"), ("statement", "invalid-signature")])
def test_tampered_attestation_fails_with_its_code(w: World, capsys: pytest.CaptureFixture[str], field: str,
                                                  code: str) -> None:
    obj = json.loads(PA_PROVENANCE)
    envelope = obj["attestation_bundles"][0]["attestations"][0]["envelope"]
    raw = envelope[field]
    envelope[field] = raw[:20] + ("A" if raw[20] != "A" else "B") + raw[21:]
    w.publish(PA, provenance=json.dumps(obj).encode())
    status, out, _ = run(capsys, requirements(w, PA), "--format", "json")
    pa = package(json.loads(out), "pypi-attestations")
    assert status == 1
    assert (pa["verdict"], pa["code"]) == ("failed", code), pa


def test_moved_repository_is_mismatch_source(w: World, capsys: pytest.CaptureFixture[str]) -> None:
    w.policy(POLICY.replace("trailofbits/pypi-attestations", "someone-else/pypi-attestations"))
    status, out, _ = run(capsys, requirements(w, PA))
    assert status == 1
    assert "FAILED: pypi-attestations==0.0.19 (requirements.txt:1): [mismatch-source]" in out


# -- --output ---------------------------------------------------------------------------------------------------------


def test_output_file_takes_the_view(w: World, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, requirements(w, PA, SIX), "--format", "json", "--output", "audit.json")
    assert code == 0 and out == ""
    assert err == TUF_UNREACHABLE_WARNING + "1 verified, 1 unattested, 0 failed\n"
    doc = json.loads(Path("audit.json").read_text())
    assert doc["schema"] == "pyslsa-audit/1" and doc["summary"]["verified"] == 1
    assert doc["trusted_root"]["kind"] == "bundled"  # the file carries the root too


def test_output_format_files_from_one_run(w: World, capsys: pytest.CaptureFixture[str]) -> None:
    w.policy(POLICY.replace('require = "listed"', 'require = "all"'))
    code, out, _ = run(capsys, requirements(w, PA, SIX), "--output", "sarif=audit.sarif",
                       "--output", "markdown=comment.md", "--output", "json=audit.json")
    assert code == 1
    assert out.splitlines()[-1] == "1 verified, 1 unattested, 0 failed -- the policy does not hold"  # the table
    sarif = json.loads(Path("audit.sarif").read_text())
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(sarif)
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["unattested"]
    assert Path("comment.md").read_text().startswith("### pyslsa audit: ❌")
    assert json.loads(Path("audit.json").read_text())["verified"] is False
    assert sum(p.startswith("/simple/pypi-attestations/") for p, _, _ in w.index.requests) == 1  # one run
    assert not list(Path().glob(".*.tmp"))  # the atomic writer's temporary files are gone


def test_output_table_file_is_plain_text(w: World, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, requirements(w, PA), "--output", "audit.txt")
    assert code == 0 and out == ""
    text = Path("audit.txt").read_text()
    assert text.startswith("PACKAGE") and "\x1b" not in text and text.endswith("1 verified, 0 unattested, 0 failed\n")


def test_output_files_carry_an_input_error(w: World, capsys: pytest.CaptureFixture[str]) -> None:
    """A run that stops on an input error still replaces every --output file with that error (a CI step never
    uploads the previous run's report as this one's)."""
    for name in ("audit.txt", "audit.json"):
        Path(name).write_text("the previous run\n")
    code, out, err = run(capsys, "nosuch/requirements.txt", "--output", "audit.txt", "--output", "json=audit.json")
    assert code == 2 and out == ""
    assert err == "ERROR: [usage] requirements file not found: nosuch/requirements.txt\n"
    assert Path("audit.txt").read_text() == err
    assert json.loads(Path("audit.json").read_text())["error"]["code"] == "usage"


def test_output_refuses_a_symbolic_link_before_fetching(w: World, capsys: pytest.CaptureFixture[str]) -> None:
    Path("target").write_text("keep me")
    Path("audit.json").symlink_to("target")
    code, out, err = run(capsys, requirements(w, PA), "--format", "json", "--output", "audit.json")
    assert code == 2 and out == ""
    assert err == "ERROR: [usage] --output audit.json: refusing to replace a symbolic link\n"
    assert Path("target").read_text() == "keep me"
    assert w.index.requests == []  # refused before any fetch


# -- usage and input errors: exit 2, one line, no traceback -----------------------------------------------------------


@pytest.mark.parametrize(("argv", "message"), [
    (["nosuch/requirements.txt"], "requirements file not found: nosuch/requirements.txt"),
    (["requirements.txt", "--policy", "nosuch.toml"], "policy file not found: nosuch.toml"),
    (["requirements.txt", "--policy", "bad.toml"], "policy bad.toml: unknown key 'foo'"),
    (["requirements.txt", "--policy", "broken.toml"], "broken.toml"),
    (["loop.txt"], "loop"),
    (["requirements.txt", "--jobs", "0"], "--jobs must be a whole number from 1 to 64, got 0"),
    (["requirements.txt", "--index-url", "ftp://example.org/simple/"], "--index-url"),
    (["requirements.txt", "--output", "nosuch/audit.txt"], "--output nosuch/audit.txt: no directory nosuch"),
    (["requirements.txt", "--output", "a.txt", "--output", "b.txt"], "--output FILE given twice"),
    (["requirements.txt", "--output", "same", "--output", "json=same"], "'same' is named twice"),
    (["requirements.txt", "--python", "x"], "give input files or --python, not both"),
])
def test_usage_errors(w: World, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    w.requirements([PA])
    Path("bad.toml").write_text("foo = 1\n")
    Path("broken.toml").write_text("require = \n")
    Path("loop.txt").write_text("-r loop.txt\n")
    code, out, err = run(capsys, *argv)
    assert code == 2, out + err
    assert out == ""
    assert err.startswith("ERROR: [usage] ") and err.count("\n") == 1 and message in err, err
    assert w.index.requests == []


@pytest.mark.parametrize("fmt", ["json", "sarif", "markdown"])
def test_usage_error_in_each_format(w: World, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    """A refused flag (``options_from``) and an input error (the run) both come in the format asked for."""
    for argv in (["--output", "a", "--output", "b"], ["nosuch/requirements.txt"]):
        code, out, err = run(capsys, *argv, "--format", fmt)
        assert code == 2 and err == ""
        if fmt == "json":
            doc = json.loads(out)
            assert doc["schema"] == "pyslsa-audit/1" and doc["verified"] is False and doc["packages"] == []
            assert doc["error"]["code"] == "usage"
        elif fmt == "sarif":
            doc = json.loads(out)
            jsonschema.Draft4Validator(SARIF_SCHEMA).validate(doc)
            assert doc["runs"][0]["invocations"][0]["executionSuccessful"] is False
        else:
            assert out.startswith("### pyslsa audit: error")


def test_unknown_format_is_argparse_usage(w: World, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["audit", "requirements.txt", "--format", "xml"])
    _, err = capsys.readouterr()
    assert info.value.code == 2
    assert err.splitlines()[0] == ("pyslsa: error: argument --format: invalid choice: 'xml' (choose from 'table', "
                                   "'json', 'markdown', 'sarif')")


@pytest.mark.parametrize("variable", ["PYSLSA_INDEX_URL", "PYSLSA_GITHUB_URL", "PYSLSA_GITHUB_API_URL"])
def test_an_invalid_url_variable_is_named(w: World, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, "ftp://example.org/")
    code, out, err = run(capsys, requirements(w, PA))
    assert code == 2 and out == ""
    assert err.startswith(f"ERROR: [usage] {variable} must be an http(s) URL"), err


def test_flags_win_over_the_variables(w: World, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("PYSLSA_INDEX_URL", "PYSLSA_GITHUB_URL", "PYSLSA_GITHUB_API_URL"):
        monkeypatch.setenv(variable, "http://127.0.0.1:9/")  # a closed port
    code, out, _ = run(capsys, requirements(w, PA, RL, EX), "--index-url", w.index_url, "--github-url", w.gh.base,
                       "--github-api-url", f"{w.gh.base}/api")
    assert code == 0 and out.splitlines()[-1] == "3 verified, 0 unattested, 0 failed", out


# -- SLSA_VERIFIER_TESTING --------------------------------------------------------------------------------------------


def test_release_provenance_honours_slsa_verifier_testing(w: World, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """slsa-verifier's test switch (verifiers/internal/gha/builder.go, verifyTrustedBuilderRef): the e2e
    repository's runs may use the generic generator at refs/heads/main. Without it such provenance fails
    (invalid-ref), as in verify-artifact; with SLSA_VERIFIER_TESTING=1 it verifies."""
    signer = Signer(tmp_path)
    envelope = json.loads(EX_PROVENANCE.splitlines()[0])
    statement = json.loads(base64.b64decode(envelope["dsseEnvelope"]["payload"]))
    main_ref = builders.GENERIC_GENERATOR + "@refs/heads/main"
    predicate = statement["predicate"]
    predicate.get("runDetails", predicate)["builder"]["id"] = main_ref  # v1 or v0.2
    repo, sha = "slsa-framework/example-package", "4d329c75e7ec1725f7c9ce917a8799d408d06be3"
    claims = {FULCIO + "2": "push", FULCIO + "3": sha, FULCIO + "5": repo, FULCIO + "6": "refs/tags/v14",
              FULCIO + "9": main_ref, FULCIO + "11": "github-hosted", FULCIO + "12": f"https://github.com/{repo}",
              FULCIO + "13": sha, FULCIO + "14": "refs/tags/v14",
              FULCIO + "18": f"https://github.com/{repo}/.github/workflows/release.yml@refs/tags/v14",
              FULCIO + "19": sha, FULCIO + "20": "push"}
    key, cert = signer.auth.leaf(san=main_ref, claims=claims)
    bundle = json.dumps(signer.auth.dsse_bundle(statement, key=key, cert=cert)).encode()
    w.release(repo, "v14", {"multiple.intoto.jsonl": bundle})
    argv = (requirements(w, EX), "--trusted-root", str(signer.root_path), "--format", "json")

    monkeypatch.delenv("SLSA_VERIFIER_TESTING", raising=False)
    code, out, _ = run(capsys, *argv)
    ex = package(json.loads(out), "example-package")
    assert code == 1 and (ex["verdict"], ex["code"]) == ("failed", "invalid-ref"), ex

    monkeypatch.setenv("SLSA_VERIFIER_TESTING", "1")
    code, out, _ = run(capsys, *argv)
    ex = package(json.loads(out), "example-package")
    assert code == 0 and ex["verdict"] == "verified", ex


# -- the parser and the library ---------------------------------------------------------------------------------------


def test_parser_constants_match_the_options() -> None:
    from pyslsa.commands import audit as command
    from pyslsa.options import AUDIT_FORMATS, DEFAULT_JOBS

    assert tuple(AUDIT_FORMATS) == command.FORMATS and DEFAULT_JOBS == command.DEFAULT_JOBS


def test_help_lists_every_flag_of_the_issue(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["audit", "--help"])
    out, _ = capsys.readouterr()
    assert info.value.code == 0
    for flag in ("--python", "--policy", "--update-pins", "--evidence", "--offline", "--index-url", "--github-url",
                 "--github-api-url", "--trusted-root", "--jobs", "--format", "--output"):
        assert flag in out, flag
    assert "examples:" in out and "pyslsa audit requirements.txt" in out


def test_library_keyword_returns_the_report(w: World) -> None:
    import pyslsa
    from pyslsa.errors import UsageError

    w.policy(POLICY.replace('require = "listed"', 'require = "all"'))
    report = pyslsa.audit(w.requirements([PA, SIX]), directory=w.tmp)
    assert report.verified is False and report.exit_status == 1
    assert report.to_json()["summary"]["verified"] == 1
    with pytest.raises(UsageError, match="requirements file not found"):
        pyslsa.audit(w.tmp / "nosuch" / "requirements.txt")
