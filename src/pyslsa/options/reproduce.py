"""The options of ``reproduce``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["ReproduceOptions"]


@dataclass(frozen=True)
class ReproduceOptions:
    """``pyslsa reproduce``: ``requirement`` (``NAME==VERSION``, from the index), or a local ``sdist`` with the
    ``wheels`` to compare. ``build_requirements`` pin what the build installs; ``env`` is set for the build last;
    ``timeout``: seconds per build attempt; ``keep``: a new or empty directory to keep everything in."""

    requirement: str | None = None
    sdist: str | None = None
    wheels: tuple[str, ...] = ()
    index_url: str | None = None
    build_requirements: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 600.0
    keep: str | os.PathLike[str] | None = None
