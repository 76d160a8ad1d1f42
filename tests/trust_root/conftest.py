"""No test here may read or write the real user cache or data directories."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _private_user_dirs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PYSLSA_CACHE_DIR", str(tmp_path / "user-cache"))
    monkeypatch.setenv("PYSLSA_DATA_DIR", str(tmp_path / "user-data"))
