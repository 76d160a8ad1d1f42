"""The options of ``trust-root``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pyslsa.options.tuf import TufOptions

__all__ = ["TRUST_ROOT_ACTIONS", "TrustRootAction", "TrustRootOptions"]

TrustRootAction = Literal["update", "show", "export", "verify"]
TRUST_ROOT_ACTIONS: tuple[TrustRootAction, ...] = ("update", "show", "export", "verify")


@dataclass(frozen=True)
class TrustRootOptions:
    """``pyslsa trust-root ACTION``: ``update`` (refresh the TUF cache from the network, always), ``show`` (the
    root in force, as a verifying command with the same ``tuf`` options would choose it), ``export`` (that root,
    byte for byte, to ``output`` or stdout), ``verify`` (is ``file`` a well-formed trusted root, and what it
    trusts). ``tuf.refresh`` is ignored by ``update`` (it always refreshes) and ``verify`` (never)."""

    action: TrustRootAction
    tuf: TufOptions = field(default_factory=TufOptions)
    output: str | None = None
    file: str | None = None
