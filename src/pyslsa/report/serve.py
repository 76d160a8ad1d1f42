"""``serve``'s report (re-exported by :mod:`pyslsa.report`): how the proxy stopped, or why it could not start."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pyslsa.errors import PyslsaError

if TYPE_CHECKING:
    from pyslsa.report.trust_root import RootSource

__all__ = ["ServeReport"]


@dataclass
class ServeReport:
    """``stopped_by``: the signal that stopped the proxy (``SIGINT``, ``SIGTERM``; None if it stopped by itself);
    ``error``: why it could not start (a usage error: exit status 2). The decisions are in the proxy's log and on
    its status page, not here."""

    command: str = "serve"
    error: PyslsaError | None = None
    upstream: str | None = None
    stopped_by: str | None = None
    #: the trusted root the proxy verified evidence with, chosen once at start-up (None: it could not start)
    root_source: RootSource | None = None

    @property
    def exit_status(self) -> int:
        return self.error.exit_status if self.error is not None else 0

    def to_json(self) -> dict[str, Any]:
        return {"command": self.command, "upstream": self.upstream, "stopped_by": self.stopped_by,
                "error": self.error.to_json() if self.error is not None else None}
