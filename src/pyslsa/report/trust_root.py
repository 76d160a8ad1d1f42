"""The ``trust-root`` reports (re-exported by :mod:`pyslsa.report`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from pyslsa.errors import PyslsaError

__all__ = ["SOURCE_KINDS", "AuthorityInfo", "AuthorityKind", "ExportResult", "RepositoryState", "RootSource",
           "RootSourceKind", "TrustRootReport", "UpdateResult", "iso_utc"]


#: Where a trusted root came from (:attr:`RootSource.kind`).
RootSourceKind = Literal["file", "given", "tuf", "tuf-cache", "bundled"]
SOURCE_KINDS: tuple[RootSourceKind, ...] = ("file", "given", "tuf", "tuf-cache", "bundled")
#: An authority of a trusted root (:attr:`AuthorityInfo.kind`).
AuthorityKind = Literal["tlog", "ctlog", "ca", "tsa"]


def iso_utc(moment: dt.datetime | None) -> str | None:
    """A moment in UTC, ISO 8601 with ``Z`` (how the trust-root outputs write times); None stays None."""
    return moment.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z") if moment is not None else None


@dataclass(frozen=True)
class RootSource:
    """Where the trusted root in force came from.

    ``kind``: ``file`` (``--trusted-root FILE``), ``given`` (a root a library caller passed as an object or as
    bytes), ``tuf`` (refreshed from the TUF repository just now),
    ``tuf-cache`` (the TUF cache, re-verified from the bootstrap root and unexpired), ``bundled`` (the copy shipped
    with pyslsa). ``repository``: the TUF repository URL (for ``bundled``: the one it stands in for). ``path``: the
    file, or the cache's mirror file. ``date``: when the root was obtained (``tuf``/``tuf-cache``: the last
    successful refresh; ``bundled``: the start date of the newest authority it lists). ``expires``: when the TUF
    metadata vouching for it expires (the earliest expiry of the top-level roles). ``versions``: the TUF roles'
    versions. ``sha256``: of the trusted_root.json bytes. ``warning``: one line to show the user, if any.
    """

    kind: RootSourceKind
    repository: str | None = None
    path: str | None = None
    date: dt.datetime | None = None
    expires: dt.datetime | None = None
    versions: Mapping[str, int] | None = None
    sha256: str = ""
    warning: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "repository": self.repository, "path": self.path,
                "date": iso_utc(self.date), "expires": iso_utc(self.expires),
                "versions": dict(self.versions) if self.versions is not None else None,
                "sha256": self.sha256, "warning": self.warning}

    def describe(self) -> str:
        """One line, for ``--debug``."""
        parts = [f"trusted root: {self.kind}"]
        if self.repository:
            parts.append(f"repository {self.repository}")
        if self.path:
            parts.append(f"path {self.path}")
        if self.date:
            parts.append(f"date {iso_utc(self.date)}")
        if self.expires:
            parts.append(f"TUF metadata expires {iso_utc(self.expires)}")
        if self.versions:
            parts.append("versions " + " ".join(f"{k}={v}" for k, v in self.versions.items()))
        parts.append(f"sha256 {self.sha256}")
        return ", ".join(parts)


@dataclass(frozen=True)
class AuthorityInfo:
    """One authority of a trusted root, as ``trust-root show`` lists it.

    ``kind``: ``tlog``, ``ctlog``, ``ca`` (a Fulcio CA) or ``tsa``. ``name``: base URL or URI. ``ident``: the log id
    (hex) or, for a CA / TSA, the SHA-256 fingerprint of its last (issuer-most) certificate. ``detail``: key details,
    or the chain's subjects. ``active``: the validity window contains now. ``problem``: why it cannot be used
    ("" if it can)."""

    kind: AuthorityKind
    name: str
    ident: str
    detail: str
    valid_from: dt.datetime
    valid_until: dt.datetime | None
    active: bool
    problem: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "id": self.ident, "detail": self.detail,
                "valid_from": iso_utc(self.valid_from), "valid_until": iso_utc(self.valid_until), "active": self.active,
                "problem": self.problem or None}


@dataclass(frozen=True)
class TrustRootReport:
    """``trust-root show`` / ``trust-root verify``: a trusted root, where it came from, and what it trusts."""

    source: RootSource
    media_type: str
    authorities: tuple[AuthorityInfo, ...]
    warnings: tuple[str, ...] = field(default=())
    command: str = "trust-root"
    error: PyslsaError | None = None

    @property
    def exit_status(self) -> int:
        """0: a root parsed (its warnings do not change that); errors are raised, not reported."""
        return 0

    @property
    def root_source(self) -> RootSource:
        """The root this report describes, as every report that verified against one records it (the JSON output's
        ``trusted_root``)."""
        return self.source

    def of_kind(self, kind: str) -> tuple[AuthorityInfo, ...]:
        return tuple(a for a in self.authorities if a.kind == kind)


class RepositoryState(Protocol):
    """A TUF repository state as reports show it (:class:`pyslsa.sources.tuf.TufState` is one)."""

    @property
    def expires(self) -> dt.datetime: ...

    @property
    def sha256(self) -> str: ...

    @property
    def saved(self) -> dt.datetime | None: ...

    def versions(self) -> dict[str, int]: ...


@dataclass(frozen=True)
class UpdateResult:
    """What ``trust-root update`` did. ``before`` is None when there was no usable cache (``cache_problem`` says
    why, if there was a cache)."""

    repository: str
    cache: str
    before: RepositoryState | None
    after: RepositoryState
    cache_problem: str | None = None
    command: str = "trust-root"
    error: PyslsaError | None = None
    #: the trusted root the update left in force (kind ``tuf``)
    root_source: RootSource | None = None

    @property
    def exit_status(self) -> int:
        """0: the cache holds a state TUF verified just now (a failed update raises)."""
        return 0

    @property
    def changed(self) -> bool:
        """Did the trusted root, or any TUF role, change?"""
        return (self.before is None or self.before.sha256 != self.after.sha256
                or self.before.versions() != self.after.versions())

    @property
    def trusted_root_changed(self) -> bool:
        return self.before is None or self.before.sha256 != self.after.sha256


@dataclass(frozen=True)
class ExportResult:
    """What ``trust-root export`` exported: the root in force, byte for byte (``data``), where it came from
    (``root_source``, shown like every verifying command's), and the file written (``output``; None: stdout)."""

    data: bytes
    root_source: RootSource
    output: str | None = None
    command: str = "trust-root"
    error: PyslsaError | None = None

    @property
    def exit_status(self) -> int:
        return 0

