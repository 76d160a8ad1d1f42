"""The options of ``audit``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from pyslsa.options.tuf import TufOptions

__all__ = ["AUDIT_FORMATS", "DEFAULT_JOBS", "AuditFormat", "AuditOptions", "AuditProgress"]


#: ``audit``: worker threads fetching by default (each request waits on the network, not the CPU).
DEFAULT_JOBS = 16
#: ``audit``: called as packages finish: (packages done, packages in all, the package just done).
AuditProgress = Callable[[int, int, str], None]
AuditFormat = Literal["table", "json", "markdown", "sarif"]
AUDIT_FORMATS: tuple[AuditFormat, ...] = ("table", "json", "markdown", "sarif")


@dataclass(frozen=True)
class AuditOptions:
    """Every flag of ``pyslsa audit`` (``paths``: the ``PATH`` arguments; none: the environment of ``python``, or
    the current interpreter's), plus what a library caller or a test sets: ``today`` (for exceptions; None: the
    local date), ``cache_dir`` (None: ``$PYSLSA_CACHE_DIR`` or the user cache directory), ``directory`` (where
    the policy is looked for, and where an environment's ``pyslsa.pins.toml`` lives), ``timeout`` (one limit for
    all the fetches of the run) and ``progress``. ``format``, ``output`` and ``format_outputs`` are the CLI's (the
    report does not depend on them): ``output`` receives the ``format`` rendering instead of stdout, and each
    ``(format, path)`` of ``format_outputs`` (``--output FORMAT=FILE``) one more rendering of the same report."""

    paths: tuple[str, ...] = ()
    python: str | None = None
    policy: str | None = None
    update_pins: bool = False
    evidence: str | None = None
    offline: bool = False
    index_url: str | None = None
    github_url: str | None = None
    github_api_url: str | None = None
    trusted_root: str | None = None
    jobs: int = DEFAULT_JOBS
    format: AuditFormat = "table"
    output: str | None = None
    format_outputs: tuple[tuple[AuditFormat, str], ...] = ()
    today: date | None = None
    cache_dir: str | None = None
    directory: str = "."
    timeout: float | None = 1800.0
    progress: AuditProgress | None = field(default=None, compare=False)
    tuf: TufOptions = field(default_factory=TufOptions)
