"""The one error taxonomy of pyslsa.

Every failure the tool can report is one of two things:

* :class:`VerificationError` -- the evidence was examined and is *not proven valid*. Each subclass carries a
  stable, kebab-case :attr:`~VerificationError.code` (part of the public contract: scripts match on it) and a
  one-line message that names what was expected and what was found. The CLI exits with status 1.
* :class:`UsageError` -- the request itself could not be carried out (a missing file, a bad flag, an unreadable
  trusted root). The CLI exits with status 2.

Nothing else escapes the public API: parsers convert every low-level exception into one of these.
"""

from __future__ import annotations

__all__ = [
    "CODES",
    "AttestationLostError",
    "CertificateError",
    "DownloadError",
    "InvalidBuildTypeError",
    "InvalidBuilderIDError",
    "InvalidProvenanceError",
    "InvalidRefError",
    "InvalidSemverError",
    "InvalidSignatureError",
    "InvalidTimestampError",
    "InvalidTlogEntryError",
    "InvalidVerificationResultError",
    "InvalidVsaError",
    "MalformedURIError",
    "MismatchBranchError",
    "MismatchBuilderIDError",
    "MismatchHashError",
    "MismatchIdentityError",
    "MismatchIndexDigestError",
    "MismatchPublisherError",
    "MismatchResourceURIError",
    "MismatchSourceError",
    "MismatchTagError",
    "MismatchVerifiedLevelsError",
    "MismatchVerifierIDError",
    "MismatchVersionedTagError",
    "MismatchWorkflowInputsError",
    "NotFoundError",
    "NotPinnedError",
    "PublisherChangedError",
    "PyslsaError",
    "ReleaseNotFoundError",
    "SelfHostedRunnerError",
    "TlogEntryNotFoundError",
    "TlogUnreachableError",
    "TrustedRootError",
    "TufError",
    "TufUnreachableError",
    "UnattestedError",
    "UnsignedVsaError",
    "UnsupportedFormatError",
    "UntrustedBuilderError",
    "UsageError",
    "VerificationError",
    "error_for_code",
]


class PyslsaError(Exception):
    """Base class of every error pyslsa raises on purpose.

    Every subclass that names its own :attr:`code` registers itself in :data:`CODES` when it is defined (so a code
    cannot exist without being listed); two classes may not claim the same code. Define error classes here, so
    that ``CODES`` is complete as soon as :mod:`pyslsa.errors` is imported."""

    code: str = "error"
    exit_status: int = 1

    def __init_subclass__(cls, *, register: bool = True, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if not register or "code" not in cls.__dict__:
            return
        other = CODES.get(cls.code)
        if other is not None and other is not cls:
            raise TypeError(f"error code {cls.code!r} of {cls.__qualname__} is already {other.__qualname__}'s")
        CODES[cls.code] = cls

    def __init__(self, message: str) -> None:
        # One line, always: the CLI prints it as is.
        message = " ".join(str(message).split())
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"

    def to_json(self) -> dict[str, str]:
        """How every JSON output states an error."""
        return {"code": self.code, "message": self.message}


#: Every stable error code (verification failures, exit 1, and the usage errors with a code of their own, exit 2),
#: mapped to its class. Filled by :meth:`PyslsaError.__init_subclass__`; the two bases' generic codes
#: (``verification-failed``, ``usage``) are not in it.
CODES: dict[str, type[PyslsaError]] = {}


class UsageError(PyslsaError, register=False):
    """The request cannot be carried out: bad arguments, missing or unreadable input files."""

    code = "usage"
    exit_status = 2


class VerificationError(PyslsaError, register=False):
    """The evidence is not proven valid. ``code`` says why, in a stable kebab-case word."""

    code = "verification-failed"
    exit_status = 1

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


# -- SLSA policy (slsa-verifier's errors, one for one) ---------------------------------------------------------


class MismatchSourceError(VerificationError):
    """slsa-verifier ErrorMismatchSource: the provenance or certificate names another source repository."""

    code = "mismatch-source"


class MismatchBranchError(VerificationError):
    """slsa-verifier ErrorMismatchBranch."""

    code = "mismatch-branch"


class MismatchTagError(VerificationError):
    """slsa-verifier ErrorMismatchTag."""

    code = "mismatch-tag"


class MismatchVersionedTagError(VerificationError):
    """slsa-verifier ErrorMismatchVersionedTag."""

    code = "mismatch-versioned-tag"


class InvalidSemverError(VerificationError):
    """slsa-verifier ErrorInvalidSemver: a tag that should be a semantic version is not one."""

    code = "invalid-semver"


class MismatchHashError(VerificationError):
    """slsa-verifier ErrorMismatchHash: no subject of the statement has the artifact's digest."""

    code = "mismatch-hash"


class MismatchBuilderIDError(VerificationError):
    """slsa-verifier ErrorMismatchBuilderID: the builder is not the one the user asked for."""

    code = "mismatch-builder-id"


class UntrustedBuilderError(VerificationError):
    """slsa-verifier ErrorUntrustedReusableWorkflow: the signing workflow is not a trusted builder."""

    code = "untrusted-builder"


class InvalidBuilderIDError(VerificationError):
    """slsa-verifier ErrorInvalidBuilderID: a builder id that cannot be accepted as such: a signing workflow with
    no provenance reader for the statement's SLSA version, a delegated (BYOB) builder id that is not
    ``name@ref``, or a delegated builder outside slsa-github-generator when no ``--builder-id`` names it."""

    code = "invalid-builder-id"


class InvalidBuildTypeError(VerificationError):
    """slsa-verifier ErrorInvalidBuildType: the provenance's build type is not one the signing builder makes."""

    code = "invalid-build-type"


class InvalidRefError(VerificationError):
    """slsa-verifier ErrorInvalidRef: a git ref that is neither a branch nor a tag where one is required."""

    code = "invalid-ref"


class MismatchWorkflowInputsError(VerificationError):
    """slsa-verifier ErrorMismatchWorkflowInputs."""

    code = "mismatch-workflow-inputs"


class MalformedURIError(VerificationError):
    """slsa-verifier ErrorMalformedURI: a URI in the provenance or certificate cannot be parsed."""

    code = "malformed-uri"


# -- Sigstore / cryptography --------------------------------------------------------------------------------------


class CertificateError(VerificationError):
    """The signing certificate does not chain to a trusted CA, is outside its validity, or lacks a proof."""

    code = "invalid-certificate"


class InvalidSignatureError(VerificationError):
    """A signature (DSSE, message, checkpoint) does not verify."""

    code = "invalid-signature"


class InvalidTlogEntryError(VerificationError):
    """The transparency-log entry is not proven: bad SET, bad inclusion proof, or a body for something else."""

    code = "invalid-tlog-entry"


class TlogEntryNotFoundError(VerificationError):
    """No transparency-log entry is available for the evidence (e.g. a legacy envelope offline)."""

    code = "tlog-entry-not-found"


class TlogUnreachableError(VerificationError):
    """The transparency log could not be reached (network error, timeouts, 5xx after retries)."""

    code = "tlog-unreachable"


class InvalidTimestampError(VerificationError):
    """An RFC 3161 signed timestamp does not verify, or no trusted time could be established."""

    code = "invalid-timestamp"


class MismatchIdentityError(VerificationError):
    """The certificate's identity (SAN) or OIDC issuer is not the one the policy requires."""

    code = "mismatch-identity"


# -- Input format -------------------------------------------------------------------------------------------------


class InvalidProvenanceError(VerificationError):
    """The provenance / bundle / statement is malformed: not JSON, wrong type, missing key, bad base64."""

    code = "invalid-provenance"


class UnsupportedFormatError(VerificationError):
    """A well-formed document of a kind pyslsa does not verify (unknown media type, entry kind, predicate)."""

    code = "unsupported-format"


# -- Fetching release files and their evidence --------------------------------------------------------------------


class DownloadError(VerificationError):
    """A file or document could not be fetched: network error, timeout, HTTP error, too large, a hostile name.

    Evidence that cannot be fetched is not evidence: the verdict is a failure (exit 1), never a pass."""

    code = "download-failed"


class MismatchIndexDigestError(VerificationError):
    """A downloaded file's SHA-256 is not the digest the package index lists for it."""

    code = "mismatch-index-digest"


class UnattestedError(VerificationError):
    """No evidence (PEP 740 attestation, SLSA provenance) covers the file."""

    code = "unattested"


# -- Verification Summary Attestations (slsa-verifier verify-vsa) ------------------------------------------------


class MismatchVerifierIDError(VerificationError):
    """slsa-verifier ErrorMismatchVerifierID: the VSA's ``verifier.id`` is not the expected verifier."""

    code = "mismatch-verifier-id"


class MismatchResourceURIError(VerificationError):
    """slsa-verifier ErrorMismatchResourceURI: the VSA's ``resourceUri`` is not the expected resource."""

    code = "mismatch-resource-uri"


class MismatchVerifiedLevelsError(VerificationError):
    """slsa-verifier ErrorMismatchVerifiedLevels: an expected level is missing from (or above) the VSA's
    ``verifiedLevels``."""

    code = "mismatch-verified-levels"


class InvalidVerificationResultError(VerificationError):
    """slsa-verifier ErrorInvalidVerificationResult: the VSA records a verification that did not pass."""

    code = "invalid-verification-result"


class InvalidVsaError(VerificationError):
    """slsa-verifier ErrorInvalidDssePayload / ErrorEmptyRequiredField / ErrorInvalidSLSALevel for a VSA: not a
    well-formed Verification Summary Attestation (envelope, statement, predicate type, field types)."""

    code = "invalid-vsa"


class UnsignedVsaError(VerificationError):
    """The VSA is a bare in-toto Statement (or an envelope without signatures): nothing vouches for it."""

    code = "unsigned-vsa"


# -- The trusted root's lifecycle (TUF) ------------------------------------------------------------------------


class TufError(VerificationError):
    """A TUF update or a replay of the TUF cache failed one of TUF's checks: expired metadata (a freeze), a version
    rollback, a snapshot/targets version that does not match (mix-and-match), too few valid signatures, a length or
    hash mismatch, an oversized or endless answer, or a repository without the trusted root target.

    The message names the check. A TUF failure never falls back to an unverified file."""

    code = "tuf-failed"

    def __init__(self, message: str, *, check: str = "repository", code: str | None = None,
                 detail: str | None = None) -> None:
        super().__init__(message, code=code)
        #: which check failed: expiry, version, signature, length-or-hash, size-limit, slow-retrieval, repository
        #: (TUF's own checks); target-format (the verified target is not a usable trusted root); cache-unreadable,
        #: cache-incomplete (the cache, replayed offline); unreachable (TufUnreachableError)
        self.check = check
        #: what went wrong, without the operation it ended (for a warning that names the operation itself)
        self.detail = detail if detail is not None else message


class TufUnreachableError(TufError):
    """The TUF repository could not be reached (connection refused, DNS, timeouts, an HTTP error answer after the
    retries). A verifying command then falls back to the trusted root bundled with pyslsa, with a warning (see
    docs/trust-root.md); ``pyslsa trust-root update`` fails with it."""

    code = "tuf-unreachable"

    def __init__(self, message: str, *, check: str = "unreachable", code: str | None = None,
                 detail: str | None = None) -> None:
        super().__init__(message, check=check, code=code, detail=detail)


# -- Auditing dependencies (``audit``) ----------------------------------------------------------------------------


class MismatchPublisherError(VerificationError):
    """The evidence was signed by the policy's repository, but from another workflow, GitHub environment or source
    ref than the policy names (or the evidence cannot show the one it names)."""

    code = "mismatch-publisher"


class SelfHostedRunnerError(VerificationError):
    """The signing certificate says the build ran on a self-hosted runner, and the policy does not allow that."""

    code = "self-hosted-runner"


class PublisherChangedError(VerificationError):
    """The evidence verified, but its identity (issuer, repository, workflow, environment) is not one the pins
    recorded for the package: the publisher changed since the pins were written."""

    code = "publisher-changed"


class AttestationLostError(VerificationError):
    """The package has pinned identities, but no evidence verifies for this file any more."""

    code = "attestation-lost"


class NotPinnedError(VerificationError):
    """The input does not pin the requirement to one exact version (``==`` / ``===``), so there is no one file
    whose evidence could be checked."""

    code = "not-pinned"


class NotFoundError(VerificationError):
    """The index has no such project, version or file for a pinned dependency."""

    code = "not-found"


# -- Input errors with a code of their own (exit 2) --------------------------------------------------------------


class ReleaseNotFoundError(UsageError):
    """The package index has no such project or version (an input error: exit 2)."""

    code = "release-not-found"


class TrustedRootError(UsageError):
    """The trusted root document itself is malformed or of an unsupported kind (a usage error: exit 2)."""

    code = "invalid-trusted-root"


def error_for_code(code: str, message: str) -> PyslsaError:
    """Build the error of the class registered for ``code`` (a plain VerificationError for unknown codes)."""
    cls = CODES.get(code)
    if cls is None:
        return VerificationError(message, code=code)
    return cls(message)
