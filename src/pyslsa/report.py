"""Results as the commands hand them to the output formats (plain data; no I/O)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

from pyslsa.errors import PyslsaError


class CommandReport(Protocol):
    """What every command hands to the output formats: its name, an error that stopped it (if any), and the
    exit status its verdict implies. :class:`Report` (verify-*), the release and reproduce reports are ones."""

    command: str
    error: PyslsaError | None

    @property
    def exit_status(self) -> int: ...


@dataclass
class ArtifactOutcome:
    """The verdict for one artifact."""

    path: str
    sha256: str
    verified: bool = False
    builder_id: str | None = None
    source_uri: str | None = None
    ref: str | None = None
    commit: str | None = None
    error: PyslsaError | None = None
    statement: dict[str, Any] | None = None
    integrated_time: dt.datetime | None = None
    log_index: int | None = None
    log_url: str | None = None
    notes: list[str] = field(default_factory=list)  # accepted but unused material: shown with --debug only

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "sha256": self.sha256,
            "verified": self.verified,
            "builder_id": self.builder_id,
            "source_uri": self.source_uri,
            "ref": self.ref,
            "commit": self.commit,
        }
        if self.integrated_time is not None:
            out["integrated_time"] = self.integrated_time.isoformat()
        if self.log_index is not None:
            out["log_index"] = self.log_index
        if self.error is not None:
            out["error"] = self.error.to_json()
        return out


class _Verdicts:
    """A report over items (artifacts, files) that each have ``verified`` and ``error``: verified when nothing
    stopped the command and every item verified; the first error decides the exit status."""

    error: PyslsaError | None

    def _items(self) -> list[Any]:
        raise NotImplementedError

    @property
    def verified(self) -> bool:
        items = self._items()
        return self.error is None and bool(items) and all(i.verified for i in items)

    @property
    def first_error(self) -> PyslsaError | None:
        if self.error is not None:
            return self.error
        for i in self._items():
            if i.error is not None:
                err: PyslsaError = i.error
                return err
        return None

    @property
    def exit_status(self) -> int:
        if self.verified:
            return 0
        err = self.first_error
        return err.exit_status if err is not None else 1


@dataclass
class Report(_Verdicts):
    """The result of one command run: per-artifact outcomes, or one error that stopped everything."""

    command: str
    artifacts: list[ArtifactOutcome] = field(default_factory=list)
    error: PyslsaError | None = None
    print_provenance: bool = False

    def _items(self) -> list[Any]:
        return self.artifacts


@dataclass
class ReleaseReport(_Verdicts):
    """``verify-release``: the release, where its evidence came from, and a verdict per file."""

    requirement: str
    index_url: str
    files: list[Any] = field(default_factory=list)  # core.release.FileVerdict
    sources: list[str] = field(default_factory=list)  # what was consulted, for the record
    notes: list[str] = field(default_factory=list)  # e.g. "kept downloads in DIR", "release v1 not found"
    error: PyslsaError | None = None
    command: str = "verify-release"

    def _items(self) -> list[Any]:
        return self.files
