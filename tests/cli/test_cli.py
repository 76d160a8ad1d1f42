"""The CLI as a user meets it: exit status, one-line errors, JSON shape, and no traceback for any input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pyslsa.cli import main
from tests.conftest import BCR, DELEGATOR, EXAMPLE_REPO, GENERIC, TRW_BUILDER, TUF_UNREACHABLE_WARNING, vector

BIN = str(GENERIC / "binary-linux-amd64")
V14 = str(GENERIC / "binary-linux-amd64-push-v14.intoto.jsonl")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def va(*extra: str, prov: str = V14, artifacts: tuple[str, ...] = (BIN,)) -> list[str]:
    return ["verify-artifact", "--provenance-path", prov, "--source-uri", EXAMPLE_REPO, *extra, *artifacts]


def test_pass_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *va("--source-tag", "v14"))
    assert code == 0
    assert out.splitlines()[0].startswith(f"PASSED: {BIN}")
    assert "generator_generic_slsa3.yml@refs/tags/v2.1.0" in out
    assert out.splitlines()[-1] == "PASSED: SLSA verification passed"
    # Sigstore's TUF repository is unreachable in the tests: the bundled root, and one line saying so.
    assert err == TUF_UNREACHABLE_WARNING


def test_fail_text_names_code_expected_and_got(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *va("--source-tag", "v13"))
    assert code == 1
    line = out.splitlines()[0]
    assert line.startswith("FAILED:") and "[mismatch-tag]" in line and "'v13'" in line and "'v14'" in line


def test_json_shape_pass(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *va("--source-tag", "v14", "--format", "json"))
    doc = json.loads(out)
    assert code == 0 and doc["verified"] is True and doc["error"] is None
    (a,) = doc["artifacts"]
    assert {"path", "sha256", "verified", "builder_id", "source_uri", "ref", "commit"} <= set(a)
    assert a["sha256"] == "376e7e01348585b6e6643bc6663146b9d525d9b41228bf180eaeb4d4a3706caa"
    assert a["ref"] == "refs/tags/v14" and a["commit"] == "4d329c75e7ec1725f7c9ce917a8799d408d06be3"


def test_json_shape_fail(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *va("--source-uri", "github.com/other/repo", "--format", "json"))
    doc = json.loads(out)
    assert code == 1 and doc["verified"] is False
    assert doc["error"]["code"] == "mismatch-source"
    assert doc["artifacts"][0]["verified"] is False


def test_multiple_artifacts_one_bad(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.write_bytes(b"not the binary")
    code, out, _ = run(capsys, *va("--format", "json", artifacts=(BIN, str(other))))
    doc = json.loads(out)
    assert code == 1
    assert [a["verified"] for a in doc["artifacts"]] == [True, False]
    assert doc["artifacts"][1]["error"]["code"] == "mismatch-hash"


def test_print_provenance_keeps_stdout_pure(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *va("--print-provenance"))
    assert code == 0
    stmt = json.loads(out)
    assert stmt["_type"] == "https://in-toto.io/Statement/v0.1"
    assert "PASSED" in err


def test_workflow_inputs_flag(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *va("--build-workflow-input", "x=y"))
    assert code == 1 and "[mismatch-workflow-inputs]" in out


WD = str(GENERIC / "binary-linux-amd64-workflow_dispatch.intoto.jsonl")
WD_DIGEST = "sha256:376e7e01348585b6e6643bc6663146b9d525d9b41228bf180eaeb4d4a3706caa"
DELEG_WD = str(DELEGATOR / "binary-linux-amd64-workflow_dispatch.build.slsa")


@pytest.mark.parametrize(("flags", "prov", "artifact"), [
    (("--source-tag", "v1.2.3"), WD, WD_DIGEST),
    (("--source-versioned-tag", "v1"), WD, BIN),
    (("--source-branch", "main", "--source-tag", "v1.2.3"), WD, WD_DIGEST),
    (("--builder-id", TRW_BUILDER, "--source-tag", "v14"), DELEG_WD, str(DELEGATOR / "binary-linux-amd64")),
    (("--builder-id", TRW_BUILDER, "--source-versioned-tag", "v14"), DELEG_WD, str(DELEGATOR / "binary-linux-amd64")),
])
def test_branch_build_checked_for_a_tag_is_invalid_ref(capsys: pytest.CaptureFixture[str], flags: tuple[str, ...],
                                                       prov: str, artifact: str) -> None:
    """A workflow_dispatch run on main has no tag: exit 1, invalid-ref (slsa-verifier: ErrorInvalidRef)."""
    code, out, err = run(capsys, *va(*flags, prov=prov, artifacts=(artifact,)))
    assert code == 1 and err == TUF_UNREACHABLE_WARNING
    line = out.splitlines()[0]
    assert line.startswith("FAILED:") and "[invalid-ref]" in line
    assert "'refs/heads/main'" in line and f"'{flags[-1]}'" in line
    assert out.splitlines()[-1].startswith("FAILED: SLSA verification failed")
    code, out, _ = run(capsys, *va(*flags, "--format", "json", prov=prov, artifacts=(artifact,)))
    doc = json.loads(out)
    assert code == 1 and doc["verified"] is False
    assert doc["error"]["code"] == "invalid-ref" and doc["artifacts"][0]["error"]["code"] == "invalid-ref"
    assert "'refs/heads/main'" in doc["error"]["message"]
    # the same build passes when asked for its branch
    builder = flags[:2] if flags[0] == "--builder-id" else ()
    branch_flags = (*builder, "--source-branch", "main")
    assert run(capsys, *va(*branch_flags, prov=prov, artifacts=(artifact,)))[0] == 0


def test_delegator_needs_builder_id(capsys: pytest.CaptureFixture[str]) -> None:
    prov = str(DELEGATOR / "binary-linux-amd64-push-v14.build.slsa")
    art = (str(DELEGATOR / "binary-linux-amd64"),)
    assert run(capsys, *va(prov=prov, artifacts=art))[0] == 1
    assert run(capsys, *va("--builder-id", TRW_BUILDER, prov=prov, artifacts=art))[0] == 0
    # slsa-verifier's ErrorInvalidBuilderID (verifyBuilderIDPathPrefix), in text and JSON
    code, out, _ = run(capsys, *va(prov=prov, artifacts=art))
    assert code == 1 and "[invalid-builder-id]" in out and TRW_BUILDER in out
    code, out, _ = run(capsys, *va("--format", "json", prov=prov, artifacts=art))
    assert code == 1 and json.loads(out)["artifacts"][0]["error"]["code"] == "invalid-builder-id"


def test_github_attestation(capsys: pytest.CaptureFixture[str]) -> None:
    base = ["verify-github-attestation", "--attestation-path", str(BCR / "MODULE.bazel.intoto.jsonl"),
            "--source-uri", "github.com/aspect-build/rules_lint"]
    builder = "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml"
    assert run(capsys, *base, "--builder-id", builder, str(BCR / "MODULE.bazel"))[0] == 0
    code, out, _ = run(capsys, *base, str(BCR / "MODULE.bazel"))
    assert code == 1 and "[untrusted-builder]" in out


# -- usage errors: exit 2 -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    [],
    ["verify-artifact"],
    ["verify-artifact", "--provenance-path", V14, BIN],  # no --source-uri
    ["verify-artifact", "--provenance-path", V14, "--source-uri", EXAMPLE_REPO],  # no artifact
    ["verify-artifact", "--bogus", "x"],
    va("--source-tag", "v1", "--source-versioned-tag", "v1"),
    va("--build-workflow-input", "novalue"),
    ["no-such-command"],
])
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        code = main(argv)
        raise SystemExit(code)
    assert info.value.code == 2
    _, err = capsys.readouterr()
    assert "Traceback" not in err


@pytest.mark.parametrize(("what", "argv"), [
    ("missing provenance", va(prov="/nonexistent/prov.jsonl")),
    ("missing artifact", va(artifacts=("/nonexistent/binary",))),
    ("directory as artifact", va(artifacts=(str(GENERIC),))),
    ("directory as provenance", va(prov=str(GENERIC))),
    ("bad digest", va(artifacts=("sha256:1234",))),
    ("missing trusted root", va("--trusted-root", "/nonexistent/root.json")),
])
def test_input_errors_exit_2(capsys: pytest.CaptureFixture[str], what: str, argv: list[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2, what
    assert len(err.strip().splitlines()) == 1 and err.startswith("FAILED: [usage]")
    assert "Traceback" not in out + err


def _write(tmp_path: Path, name: str, data: bytes) -> str:
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


def _truncated() -> bytes:
    data = vector(GENERIC / "binary-linux-amd64-push-v14.intoto.jsonl")
    return data[: len(data) // 2]


def _bad_b64() -> bytes:
    doc = json.loads(vector(GENERIC / "binary-linux-amd64-push-v14.intoto.jsonl"))
    doc["dsseEnvelope"]["payload"] = "%%%not base64%%%"
    return json.dumps(doc).encode()


def _media(mt: Any) -> bytes:
    doc = json.loads(vector(GENERIC / "binary-linux-amd64-push-v14.intoto.jsonl"))
    doc["mediaType"] = mt
    return json.dumps(doc).encode()


MALFORMED: dict[str, tuple[bytes, str]] = {
    "empty": (b"", "invalid-provenance"),
    "whitespace": (b"  \n\n ", "invalid-provenance"),
    "not json": (b"hello world", "invalid-provenance"),
    "json array": (b"[1, 2, 3]", "invalid-provenance"),
    "json string": (b'"bundle"', "invalid-provenance"),
    "json null": (b"null", "invalid-provenance"),
    "unknown object": (b'{"a": 1}', "unsupported-format"),
    "binary garbage": (bytes(range(256)) * 4, "invalid-provenance"),
    "deep nesting": (b"[" * 100000 + b"]" * 100000, "invalid-provenance"),
    "huge number": (b'{"mediaType": 1' + b"0" * 5000 + b"}", "invalid-provenance"),
    "NaN": (b'{"mediaType": NaN}', "invalid-provenance"),
    "duplicate keys": (b'{"mediaType": "a", "mediaType": "b"}', "invalid-provenance"),
    "truncated bundle": (_truncated(), "invalid-provenance"),
    "bad base64": (_bad_b64(), "invalid-provenance"),
    "wrong media type": (_media("application/json"), "unsupported-format"),
    "media type not a string": (_media(3), "invalid-provenance"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_provenance_one_line_no_traceback(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                    name: str) -> None:
    data, code = MALFORMED[name]
    prov = _write(tmp_path, "p.jsonl", data)
    status, out, err = run(capsys, *va("--format", "json", prov=prov))
    assert status == 1
    doc = json.loads(out)
    assert doc["verified"] is False and doc["error"]["code"] == code, doc["error"]
    assert "\n" not in doc["error"]["message"]
    assert "Traceback" not in err


def test_huge_provenance_line_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p = tmp_path / "huge.jsonl"
    with p.open("wb") as fh:
        fh.write(b'{"mediaType": "')
        fh.write(b"A" * (50 * 1024 * 1024))
        fh.write(b'"}\n')
    status, _, err = run(capsys, *va(prov=str(p)))
    assert status == 1 and err.startswith("FAILED: [invalid-provenance]") and "larger than" in err


def test_console_script_runs_as_a_process() -> None:
    env = dict(os.environ)
    proc = subprocess.run([sys.executable, "-m", "pyslsa", *va("--source-tag", "v14")], capture_output=True,
                          text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "PASSED: SLSA verification passed" in proc.stdout
    bad = subprocess.run([sys.executable, "-m", "pyslsa", *va(prov="/dev/null")], capture_output=True, text=True,
                         check=False)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("pyslsa ")


def test_internal_error_is_one_line_without_debug(capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import pyslsa.api.verify as cmd

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(cmd, "evaluate", boom)
    code, _, err = run(capsys, *va())
    assert code == 1 and "Traceback" not in err and err.count("\n") == 1 and "internal error" in err
    with pytest.raises(RuntimeError):
        main(va("--debug"))


def test_ctrl_c_exits_130(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import pyslsa.api.verify as cmd

    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cmd, "evaluate", interrupted)
    code, _, err = run(capsys, *va())
    assert code == 130 and "interrupted" in err and "Traceback" not in err


def test_usage_error_in_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *va("--format", "json", prov="/nonexistent.jsonl"))
    doc = json.loads(out)
    assert code == 2 and doc["verified"] is False and doc["error"]["code"] == "usage"


def test_text_output_escapes_control_characters_from_evidence(capsys: pytest.CaptureFixture[str]) -> None:
    """A value quoted from the evidence or the command line cannot drive the terminal or forge a line."""
    code = main(["verify-artifact", "--provenance-path", str(GENERIC / "binary-linux-amd64-push-v14.intoto.jsonl"),
                 "--source-uri", EXAMPLE_REPO, "--source-tag", "v13\x1b[2K\rPASSED: forged",
                 str(GENERIC / "binary-linux-amd64")])
    out, _ = capsys.readouterr()
    assert code == 1
    assert "\x1b" not in out and "\r" not in out
    assert "[2K" in out and "PASSED: forged" in out  # shown, escaped
    assert not any(line.startswith("PASSED") for line in out.splitlines())


def test_text_renderer_escapes_every_line() -> None:
    from pyslsa.errors import MismatchTagError
    from pyslsa.formats import printable, renderer
    from pyslsa.report import ArtifactOutcome, Report

    report = Report("verify-artifact", [ArtifactOutcome("a\x1b]0;x\x07", "0" * 64,
                                                        error=MismatchTagError("got \x1b[31m\u202eevil"))])
    out, err = renderer("text")(report)
    assert "\x1b" not in out + err and "\u202e" not in out + err and "\x07" not in out + err
    assert "\\x1b[31m\\u202eevil" in out
    assert printable("tab\tkept") == "tab\tkept"
