"""Fixtures of the proxy's tests: a loopback upstream index, the rules decider, and the real proxy (uvicorn in a
thread on a free loopback port), plus helpers to run pip and uv against it in isolation from this machine's
configuration (no pip.conf, no PIP_* / UV_* variables, no cache)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import Any

import pytest

from pyslsa.serve import Limits, ServeConfig, running
from tests.serve.rules import RulesDecider
from tests.serve.upstream_index import Index, serve_index


@pytest.fixture
def index() -> Iterator[Index]:
    with serve_index(Index()) as idx:
        yield idx


@pytest.fixture
def rules(tmp_path: Path) -> RulesDecider:
    d = RulesDecider(tmp_path / "rules.json")
    d.write({})
    return d


class Proxy:
    """A running proxy: its URL, config, cache and log."""

    def __init__(self, url: str, config: ServeConfig) -> None:
        self.url = url
        self.config = config

    @property
    def simple(self) -> str:
        return f"{self.url}/simple/"

    def log(self) -> list[dict[str, Any]]:
        assert self.config.log_file is not None
        if not self.config.log_file.exists():
            return []
        return [json.loads(line) for line in self.config.log_file.read_text("utf-8").splitlines()]

    def blobs(self) -> list[str]:
        assert self.config.cache_dir is not None
        return sorted(p.name for p in (self.config.cache_dir / "blobs").rglob("*") if p.is_file())

    def parts(self) -> list[Path]:
        assert self.config.cache_dir is not None
        return sorted((self.config.cache_dir / "tmp").glob("*"))


StartProxy = Callable[..., Proxy]


@pytest.fixture
def start_proxy(tmp_path: Path, index: Index, rules: RulesDecider) -> Iterator[StartProxy]:
    """start_proxy(**ServeConfig fields, limits=Limits(...), decider=...) -> a running Proxy (stopped after)."""
    stack = ExitStack()
    n = [0]

    def start(*, decider: Any = None, **kw: Any) -> Proxy:
        n[0] += 1
        kw.setdefault("upstream", f"{index.base}/simple/")
        kw.setdefault("cache_dir", tmp_path / f"cache{n[0]}")
        kw.setdefault("log_file", tmp_path / f"decisions{n[0]}.jsonl")
        kw.setdefault("port", 0)
        kw.setdefault("limits", Limits(connect_timeout=5, read_timeout=5, page_deadline=20, file_deadline=60))
        config = ServeConfig(**kw)
        cm: AbstractContextManager[str] = running(config, decider if decider is not None else rules)
        return Proxy(stack.enter_context(cm), config)

    with stack:
        yield start


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["UV_NO_CONFIG"] = "1"
    env["UV_PYTHON_DOWNLOADS"] = "never"
    return env


def pip_install(index_url: str, target: Path, *reqs: str, extra: tuple[str, ...] = ()
                ) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pip", "install", "--isolated", "--no-cache-dir", "--no-input", "--index-url",
           index_url, "--target", str(target), *extra, *reqs]
    return subprocess.run(cmd, capture_output=True, text=True, env=clean_env(), timeout=600, check=False)


def pip_download(index_url: str, dest: Path, *reqs: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pip", "download", "--isolated", "--no-cache-dir", "--no-input", "--no-deps",
           "--index-url", index_url, "--dest", str(dest), *reqs]
    return subprocess.run(cmd, capture_output=True, text=True, env=clean_env(), timeout=600, check=False)


def uv_binary() -> str:
    found = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not Path(found).exists():
        pytest.fail("uv is a test dependency (pip install -e '.[test]'): not found")
    return found


def uv_install(index_url: str, target: Path, *reqs: str) -> subprocess.CompletedProcess[str]:
    cmd = [uv_binary(), "pip", "install", "--no-config", "--no-cache", "--python", sys.executable, "--index-url",
           index_url, "--target", str(target), *reqs]
    return subprocess.run(cmd, capture_output=True, text=True, env=clean_env(), timeout=600, check=False)
