"""``reproduce``'s report (re-exported by :mod:`pyslsa.report`)."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pyslsa.errors import PyslsaError

if TYPE_CHECKING:
    from pyslsa.core.reproduce import WheelOutcome
    from pyslsa.core.reproduce.outcome import Verdict as ReproduceVerdict

__all__ = ["ReproduceReport", "SourceFile"]


@dataclass
class SourceFile:
    """A file ``reproduce`` used: from the index (``origin`` ``index``, with its URL and upload time) or ``local``."""

    filename: str
    sha256: str
    origin: str  # "index" | "local"
    url: str | None = None
    upload_time: dt.datetime | None = None


@dataclass
class ReproduceReport:
    """What ``reproduce`` found: the sdist, and per wheel the inferred build, every attempt and the comparison
    (:class:`pyslsa.core.reproduce.WheelOutcome`)."""

    command: str = "reproduce"
    error: PyslsaError | None = None
    requirement: str | None = None
    index_url: str | None = None
    sdist: SourceFile | None = None
    wheels: list[WheelOutcome] = field(default_factory=list)
    wheel_files: dict[str, SourceFile] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    python: str = field(default_factory=lambda: sys.version.split()[0])
    seconds: float = 0.0
    kept: str | None = None

    @property
    def verdict(self) -> ReproduceVerdict:
        from pyslsa.core.reproduce import overall_verdict

        return overall_verdict(self.wheels)

    @property
    def exit_status(self) -> int:
        from pyslsa.core.reproduce import REPRODUCIBLE

        if self.error is not None:
            return self.error.exit_status
        return 0 if self.verdict == REPRODUCIBLE else 1
