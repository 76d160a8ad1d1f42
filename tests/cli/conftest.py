"""Fixtures of the CLI tests: the loopback package index and GitHub-like host of tests/release_servers.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.release_servers import Host, serve


@pytest.fixture
def release_hosts(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Host, Host]]:
    """A package index and a GitHub-like host on 127.0.0.1 (nothing from the environment points elsewhere)."""
    monkeypatch.delenv("PYSLSA_INDEX_URL", raising=False)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    with serve(Host()) as index, serve(Host()) as gh:
        yield index, gh
