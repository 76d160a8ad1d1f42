"""The verdict on each file of an audit, and on each package (its worst file's), from what the evidence proved.

Input, per file: the results of every piece of evidence *that names the file* (the engine attaches a document to a
file with verify-release's claim rule: a subject with the file's digest or name, and every file when it cannot
even be read), each a verified identity or a :class:`~pyslsa.errors.VerificationError`; the policy; the pinned
identities of the package; ``today`` (for exceptions); and an ``input_error`` when the file could not be examined
at all (``not-pinned``, ``not-found``, ``download-failed``, ``mismatch-index-digest``...).

The rules, in order:

1. ``input_error`` -> ``failed`` with its code.
2. Each verified identity is held against the package's policy entry: a ``repository`` other than the policy's is
   ``mismatch-source`` (as in verify-release); a ``workflow``, GitHub ``environment`` or ``ref`` (glob) other than
   the policy's is ``mismatch-publisher``; a self-hosted runner when ``self-hosted-runners = false`` is
   ``self-hosted-runner`` (a certificate that does not say -- issued before Fulcio recorded it -- is not refused).
   An identity that contradicts the policy is failing evidence; one that cannot show a field the policy requires
   (an environment, from a certificate; a missing ref or workflow) proves nothing either way. A package without a
   policy entry accepts any publisher (only the runner rule applies): its pins are what watch it.
3. verify-release's rule (:func:`pyslsa.core.release.decide_release`): a file passes when at least one piece of
   evidence verifies for it and none that names it fails; so any failing evidence fails the file, with the first
   failure's code. An ``unattested`` result is no evidence, not a failure.
4. Pins: every passing identity must match one of the package's pins (``publisher-changed``); with pins and no
   passing identity, the file is ``attestation-lost``. Pins never turn a failure into a pass.
5. Evidence that passed: ``verified``. Evidence that only could not show what the policy requires:
   ``failed``/``mismatch-publisher``. No evidence: ``unattested`` -- which fails the audit where the policy
   requires evidence (``require``) -- or ``attestation-lost`` when pinned; an unexpired exception turns either
   into ``allowed`` (and nothing else: an exception never excuses evidence that fails).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pyslsa.core.audit.identity import EvidenceKind, Identity, VerifiedIdentity
from pyslsa.core.audit.pins import check_pins
from pyslsa.core.audit.policy import PackagePolicy, Policy, PolicyException
from pyslsa.errors import (
    AttestationLostError,
    MismatchPublisherError,
    MismatchSourceError,
    NotFoundError,
    SelfHostedRunnerError,
    UnattestedError,
    VerificationError,
)

__all__ = ["EvidenceResult", "FileVerdict", "Verdict", "check_identity", "decide_file", "first_failure",
           "package_verdict"]

Verdict = Literal["verified", "unattested", "allowed", "failed"]
_RANK: dict[Verdict, int] = {"verified": 0, "allowed": 1, "unattested": 2, "failed": 3}


@dataclass(frozen=True)
class EvidenceResult:
    """One piece of evidence about one file: what it proved (``identity``) or why not (``error``)."""

    kind: EvidenceKind
    url: str
    identity: VerifiedIdentity | None = None
    error: VerificationError | None = None

    def __post_init__(self) -> None:
        if (self.identity is None) == (self.error is None):
            raise ValueError("an evidence result has exactly one of identity and error")


@dataclass(frozen=True)
class FileVerdict:
    """The verdict on one file. ``code`` is None when verified; for ``allowed``, the code it would have had.
    ``required``: whether the policy requires evidence for the package. ``identities``: the verified identities
    that satisfied the policy (what ``--update-pins`` records)."""

    verdict: Verdict
    code: str | None
    message: str
    required: bool = False
    identities: tuple[VerifiedIdentity, ...] = ()
    exception: PolicyException | None = None
    error: VerificationError | None = None

    @property
    def passes(self) -> bool:
        """Whether the policy holds for this file (``unattested`` passes only where evidence is not required)."""
        return self.verdict in ("verified", "allowed") or (self.verdict == "unattested" and not self.required)


def first_failure(results: Sequence[EvidenceResult]) -> VerificationError | None:
    """verify-release's rule for the evidence that names a file: the first failing piece fails the file
    (``unattested`` is the absence of evidence, not a failure)."""
    return next((r.error for r in results if r.error is not None and not isinstance(r.error, UnattestedError)),
                None)


def check_identity(identity: VerifiedIdentity, entry: PackagePolicy | None,
                   self_hosted_runners: bool) -> VerificationError | str | None:
    """One verified identity against the package's policy: None if it satisfies it, the error if it contradicts
    it, or a reason (str) if it cannot show a field the policy requires."""
    where = f"{identity.evidence} evidence ({identity.url})"
    if entry is not None:
        want_repo = entry.repository
        if want_repo is not None and identity.source != want_repo:
            got = repr(identity.source) if identity.source else f"none ({identity.describe()})"
            return MismatchSourceError(f"{where}: repository: expected {want_repo!r}, got {got}")
        if entry.workflows:
            if identity.workflow is None:
                return f"{where} does not show the workflow"
            if identity.workflow not in entry.workflows:
                want = " or ".join(repr(w) for w in entry.workflows)
                return MismatchPublisherError(f"{where}: workflow: expected {want}, got {identity.workflow!r}")
        if entry.environment is not None:
            if not identity.states_environment:
                return f"{where} cannot show the GitHub environment"
            if identity.environment != entry.environment:
                return MismatchPublisherError(f"{where}: environment: expected {entry.environment!r}, got "
                                              f"{identity.environment!r}")
        if entry.ref is not None:
            if identity.ref is None:
                return f"{where} does not show the source ref"
            if not fnmatch.fnmatchcase(identity.ref, entry.ref):
                return MismatchPublisherError(f"{where}: ref: expected {entry.ref!r}, got {identity.ref!r}")
    if identity.self_hosted is True and not self_hosted_runners:
        return SelfHostedRunnerError(f"{where}: the certificate says the build ran on a self-hosted runner, and the "
                                     f"policy does not allow them (self-hosted-runners = false)")
    return None


def _failed(error: VerificationError, required: bool) -> FileVerdict:
    return FileVerdict("failed", error.code, error.message, required, error=error)


def decide_file(evidence: Sequence[EvidenceResult], *, package: str, policy: Policy, today: date,
                pins: Sequence[Identity] = (), input_error: VerificationError | None = None) -> FileVerdict:
    """The verdict on one file of ``package`` (see the module docstring for the rules)."""
    required = policy.requires_evidence(package)
    if input_error is not None:
        return _failed(input_error, required)
    entry = policy.package(package)
    passing: list[VerifiedIdentity] = []
    failing: list[EvidenceResult] = []
    unproven: list[str] = []
    for result in evidence:
        if result.identity is None:
            failing.append(result)
            continue
        outcome = check_identity(result.identity, entry, policy.self_hosted_runners)
        if outcome is None:
            passing.append(result.identity)
        elif isinstance(outcome, str):
            unproven.append(outcome)
        else:
            failing.append(EvidenceResult(result.kind, result.url, error=outcome))
    failure = first_failure(failing)
    if failure is not None:
        return _failed(failure, required)
    pin_error = check_pins(pins, passing)
    if passing:
        if pin_error is not None:
            return _failed(pin_error, required)
        names = "; ".join(sorted({i.describe() for i in passing}))
        return FileVerdict("verified", None, f"verified: {names}", required, tuple(passing))
    if unproven:
        return _failed(MismatchPublisherError(f"no evidence proves what the policy requires: {unproven[0]}"),
                       required)
    missing: VerificationError = pin_error if isinstance(pin_error, AttestationLostError) else UnattestedError(
        "no evidence covers the file")
    exception = policy.exception(package, today)
    if exception is not None:
        return FileVerdict("allowed", missing.code, f"{missing.message}; allowed by the exception owned by "
                                                    f"{exception.owner} until {exception.expires.isoformat()}: "
                                                    f"{exception.reason}", required, exception=exception)
    expired = policy.expired_exception(package, today)
    note = f" (its exception expired on {expired.expires.isoformat()})" if expired is not None else ""
    if isinstance(missing, AttestationLostError):
        return _failed(AttestationLostError(missing.message + note), required)
    return FileVerdict("unattested", missing.code, missing.message + note, required, error=missing)


def package_verdict(files: Sequence[FileVerdict]) -> FileVerdict:
    """A package's verdict: its worst file's (failed > unattested > allowed > verified; the first of equals). A
    package with no file at all has nothing proven: ``failed``/``not-found``."""
    if not files:
        return _failed(NotFoundError("no file of the package was found to examine"), False)
    worst = files[0]
    for f in files[1:]:
        if _RANK[f.verdict] > _RANK[worst.verdict]:
            worst = f
    return worst
