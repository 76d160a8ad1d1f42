"""The reports of Verification Summary Attestations: the VSA a verify command wrote (``--vsa``), and
``verify-vsa``'s verdict. Plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pyslsa.errors import PyslsaError

if TYPE_CHECKING:
    from pyslsa.report.trust_root import RootSource

__all__ = ["VerifyVsaReport", "VsaWritten"]


@dataclass(frozen=True)
class VsaWritten:
    """The VSA a verify command wrote with ``--vsa``: where, whether it is signed (and the signature's key id),
    and what it states."""

    path: str
    signed: bool
    keyid: str | None
    verification_result: str  # "PASSED" or "FAILED"
    verified_levels: tuple[str, ...]
    resource_uri: str
    subjects: int

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "signed": self.signed, "keyid": self.keyid,
                "verification_result": self.verification_result, "verified_levels": list(self.verified_levels),
                "resource_uri": self.resource_uri, "subjects": self.subjects}


@dataclass
class VerifyVsaReport:
    """``verify-vsa``: the VSA's fields once it verified (signature, statement and every expectation), or the
    error that refused it (the fields then stay empty: an unverified VSA's content is not reported).

    ``signer``: the key id of the signature that verified (``key <id>``, or ``key`` for a signature without a key
    id), or the certificate identity (SAN) of a Sigstore bundle, whose ``issuer`` is then set too."""

    attestation_path: str
    verified: bool = False
    subjects: list[dict[str, Any]] = field(default_factory=list)  # {"name", "digest": {type: value}}
    verifier_id: str | None = None
    verifier_version: dict[str, str] = field(default_factory=dict)
    resource_uri: str | None = None
    verification_result: str | None = None
    verified_levels: list[str] = field(default_factory=list)
    time_verified: str | None = None
    keyid: str | None = None
    signer: str | None = None
    issuer: str | None = None
    log_index: int | None = None
    statement: dict[str, Any] | None = None
    print_attestation: bool = False
    error: PyslsaError | None = None
    command: str = "verify-vsa"
    #: the trusted root a VSA in a Sigstore bundle was verified with (None: a key-signed VSA needs none)
    root_source: RootSource | None = None

    @property
    def exit_status(self) -> int:
        if self.error is not None:
            return self.error.exit_status
        return 0 if self.verified else 1
