"""Finding and reading the audit policy: ``--policy FILE``, else ``pyslsa.toml``, else ``[tool.pyslsa]`` of
``pyproject.toml`` in the directory (the current one by default), else the default policy."""

from __future__ import annotations

from pathlib import Path

from pyslsa.core.audit.policy import DEFAULT_POLICY, Policy, parse_policy, policy_from_pyproject
from pyslsa.errors import UsageError
from pyslsa.sources.inputs.common import read_input_bytes

__all__ = ["MAX_POLICY_BYTES", "POLICY_FILENAME", "find_policy", "load_policy"]

POLICY_FILENAME = "pyslsa.toml"
#: Largest policy (or pyproject.toml) read.
MAX_POLICY_BYTES = 4 * 1024 * 1024


def _read(path: Path) -> bytes:
    return read_input_bytes(str(path), "policy file", MAX_POLICY_BYTES)


def find_policy(directory: str | Path = ".") -> tuple[str, Policy] | None:
    """The policy a directory holds, and the file it came from: ``pyslsa.toml``, else a ``pyproject.toml`` with a
    ``[tool.pyslsa]`` table; None when it has neither."""
    base = Path(directory)
    own = base / POLICY_FILENAME
    if own.is_file():
        return str(own), parse_policy(_read(own), str(own))
    pyproject = base / "pyproject.toml"
    if pyproject.is_file():
        policy = policy_from_pyproject(_read(pyproject), str(pyproject))
        if policy is not None:
            return str(pyproject), policy
    return None


def load_policy(path: str | None = None, directory: str | Path = ".") -> Policy:
    """``--policy PATH`` (a ``pyproject.toml`` given there is read for its ``[tool.pyslsa]`` table), else what
    :func:`find_policy` finds in ``directory``, else :data:`~pyslsa.core.audit.policy.DEFAULT_POLICY`."""
    if path is not None:
        if Path(path).name == "pyproject.toml":
            policy = policy_from_pyproject(_read(Path(path)), path)
            if policy is None:
                raise UsageError(f"--policy {path}: no [tool.pyslsa] table in it")
            return policy
        return parse_policy(_read(Path(path)), path)
    found = find_policy(directory)
    return found[1] if found is not None else DEFAULT_POLICY
