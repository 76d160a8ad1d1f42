"""The options of ``upgrade-provenance``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pyslsa.options.tuf import TufOptions

if TYPE_CHECKING:
    from pyslsa.options import EvidenceSpec, TrustedRootSpec

__all__ = ["UpgradeProvenanceOptions"]


@dataclass(frozen=True)
class UpgradeProvenanceOptions:
    """``pyslsa upgrade-provenance``: the legacy provenance file, and where to write the bundle."""

    provenance: EvidenceSpec
    output: str | os.PathLike[str]
    rekor_url: str | None = None
    trusted_root: TrustedRootSpec = None
    tuf: TufOptions = field(default_factory=TufOptions)
