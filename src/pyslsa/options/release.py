"""The options of ``verify-release``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pyslsa.options.tuf import TufOptions

if TYPE_CHECKING:
    from pyslsa.options.vsa import VsaOutput

__all__ = ["VerifyReleaseOptions"]


@dataclass(frozen=True)
class VerifyReleaseOptions:
    """``pyslsa verify-release NAME==VERSION``. ``timeout``: seconds for all the run's downloads and lookups
    (None: no overall limit; each request keeps its own). ``vsa``: also write a Verification Summary Attestation
    of the release (resource ``pkg:pypi/NAME@VERSION``)."""

    requirement: str
    source_uri: str
    release_tag: str | None = None
    provenance: str | os.PathLike[str] | None = None
    builder_id: str | None = None
    only: Literal["wheel", "sdist"] | None = None
    index_url: str | None = None
    github_url: str | None = None
    github_api_url: str | None = None
    pep740: bool = True
    github: bool = True
    keep: str | os.PathLike[str] | None = None
    rekor_url: str | None = None
    offline_tlog: bool = False
    trusted_root: str | os.PathLike[str] | None = None
    timeout: float | None = 1800.0
    vsa: VsaOutput | None = None
    tuf: TufOptions = field(default_factory=TufOptions)
