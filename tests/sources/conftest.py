"""Fixtures of the verify-release tests: a private TMPDIR (to assert nothing is left in it) and the two hosts (a
package index and a GitHub-like host, tests/release_servers.py): ``hosts`` serves them from memory (through the
HTTP engine's transport seam, tests/memory_net.py), ``loopback_hosts`` on 127.0.0.1 sockets, for the tests of
what only a socket plays (delays, drips, lying lengths), of real processes, and a few end to end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.memory_net import in_memory
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
    """The index and the GitHub-like host, in memory."""
    with in_memory(Host(), "index") as index, in_memory(Host(), "github") as gh:
        yield index, gh


@pytest.fixture
def loopback_hosts(tmpdir_env: Path) -> Iterator[tuple[Host, Host]]:
    """The same two hosts on real loopback sockets."""
    with serve(Host()) as index, serve(Host()) as gh:
        yield index, gh
