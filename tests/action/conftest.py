"""Fixtures of the GitHub Action and pre-commit tests: a clean environment (nothing of a real runner, of the
developer's pyslsa settings or of GitHub's token leaks in)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

VENV_BIN = str(Path(sys.executable).parent)
# The install step stubbed: the test venv's Python, where pyslsa is installed from this checkout.
STUB_INSTALL = {"install": {"python": sys.executable, "version": "0.1.0"}}


@pytest.fixture
def clean_env(tmp_path: Path) -> dict[str, str]:
    """The environment a step sees: this one without runner, pyslsa, pip-index or token variables, the test
    venv's bin first on PATH (it stands for actions/setup-python), a private TMPDIR and evidence cache."""
    drop = ("GITHUB_", "RUNNER_", "PYSLSA_", "INPUT_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop) and k not in ("GH_TOKEN", "CI")}
    env["PATH"] = os.pathsep.join([VENV_BIN, env.get("PATH", "")])
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    env["TMPDIR"] = str(tmp)
    env["PYSLSA_CACHE_DIR"] = str(tmp_path / "pyslsa-cache")  # audit's evidence cache: not the user's
    return env
