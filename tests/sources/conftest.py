"""Fixtures of the verify-release tests: a private TMPDIR (to assert nothing is left in it) and the two loopback
hosts (a package index and a GitHub-like host, tests/release_servers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.release_servers import Host, serve


@pytest.fixture
def tmpdir_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A TMPDIR of our own, so the test can assert the command leaves nothing behind in it."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    monkeypatch.delenv("PYSLSA_INDEX_URL", raising=False)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    return tmp


@pytest.fixture
def hosts(tmpdir_env: Path) -> Iterator[tuple[Host, Host]]:
    with serve(Host()) as index, serve(Host()) as gh:
        yield index, gh
