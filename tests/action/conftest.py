"""Fixtures of the GitHub Action and pre-commit tests: a clean environment (nothing of a real runner, of the
developer's pyslsa settings or of GitHub's token leaks in), and whether ``pyslsa audit`` is wired yet."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

VENV_BIN = str(Path(sys.executable).parent)
# The install step stubbed: the test venv's Python, where pyslsa is installed from this checkout.
STUB_INSTALL = {"install": {"python": sys.executable, "version": "0.1.0"}}


def audit_wired() -> bool:
    proc = subprocess.run([sys.executable, "-m", "pyslsa", "audit", "--help"], capture_output=True, text=True,
                          check=False)
    return proc.returncode == 0


AUDIT_NOT_WIRED = "audit CLI not wired yet"
needs_audit = pytest.mark.skipif(not audit_wired(), reason=AUDIT_NOT_WIRED)


@pytest.fixture
def clean_env(tmp_path: Path) -> dict[str, str]:
    """The environment a step sees: this one without runner, pyslsa, pip-index or token variables, the test
    venv's bin first on PATH (it stands for actions/setup-python), and a private TMPDIR."""
    drop = ("GITHUB_", "RUNNER_", "PYSLSA_", "INPUT_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop) and k not in ("GH_TOKEN", "CI")}
    env["PATH"] = os.pathsep.join([VENV_BIN, env.get("PATH", "")])
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    env["TMPDIR"] = str(tmp)
    return env
