"""The options of ``serve``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pyslsa.options.tuf import TufOptions

__all__ = ["SERVE_MODES", "SERVE_ON_FAIL", "ServeMode", "ServeOnFail", "ServeOptions"]

ServeMode = Literal["enforce", "warn", "dry-run"]
ServeOnFail = Literal["block", "hide"]
SERVE_MODES: tuple[ServeMode, ...] = ("enforce", "warn", "dry-run")
SERVE_ON_FAIL: tuple[ServeOnFail, ...] = ("block", "hide")


@dataclass(frozen=True)
class ServeOptions:
    """Every flag of ``pyslsa serve``, plus what a library caller or a test sets: ``directory`` (where the policy
    -- ``pyslsa.toml``, else ``[tool.pyslsa]`` of ``pyproject.toml`` -- and, without ``pins``, a
    ``pyslsa.pins.toml`` are looked for: the current directory, as for ``audit``). ``cache_dir`` None: the user
    cache directory + ``pyslsa/serve``; ``github_url`` / ``github_api_url`` None: GitHub's."""

    upstream: str = "https://pypi.org/simple/"
    policy: str | None = None
    pins: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    mode: ServeMode = "enforce"
    on_fail: ServeOnFail = "block"
    cache_dir: str | None = None
    log_file: str | None = None
    github_url: str | None = None
    github_api_url: str | None = None
    trusted_root: str | None = None
    directory: str = "."
    tuf: TufOptions = field(default_factory=TufOptions)
