"""Shared paths of the audit input tests: the real lockfiles under tests/data/audit (see its README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyslsa.errors import UsageError

AUDIT = Path(__file__).resolve().parents[2] / "data" / "audit"
UV_PROJECT = AUDIT / "uv-project"
HANDWRITTEN = AUDIT / "handwritten"


def data(path: Path) -> Path:
    """A fixture file; a missing one is a failure, never a skip."""
    if not path.is_file():
        pytest.fail(f"test data missing: {path}")
    return path


def usage_error(exc: pytest.ExceptionInfo[UsageError]) -> str:
    """The message of an input error, checked to be one printable line (no control character from the input)."""
    err = exc.value
    assert err.exit_status == 2 and err.code == "usage"
    assert err.message.isprintable(), repr(err.message)
    return err.message
