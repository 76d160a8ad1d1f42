"""Each piece of evidence for one file of an audit, verified: raw bytes in, :class:`EvidenceResult` out (pure).

The file is bound by its SHA-256 (the engine has already checked that the lockfile's digest is the index's): every
piece of evidence must name that digest, and what it proves about the publisher becomes a
:class:`~pyslsa.core.audit.identity.VerifiedIdentity`, which the verdict (:mod:`pyslsa.core.audit.verdict`) holds
against the policy and the pins.

* **PEP 740** (:func:`pep740_results`): the index's provenance object. Every attestation is verified by
  :func:`pyslsa.core.pep740.verify_attestation` with its Trusted Publisher (the certificate must be the
  publisher's, by pypi-attestations' rule for its kind: GitHub, GitLab, Google, CircleCI), exactly as
  ``verify-release`` does; the identity is the publisher's (GitHub or GitLab: repository, workflow, environment;
  Google, CircleCI: the keys of its publisher object), with the source ref and runner environment of the
  certificate. A malformed object is one failure; an object with no attestation is no evidence.
* **GitHub artifact attestations** (:func:`github_attestation_result`): a Sigstore bundle whose in-toto statement
  has SLSA provenance v1 as its predicate (what ``actions/attest-build-provenance`` writes, and what
  ``gh attestation verify`` looks for by default; other predicates -- SBOMs and the like -- say nothing about who
  built the file and are passed over). Verified as a Sigstore bundle (slsa-verifier's profile); a subject must
  carry the file's digest (``mismatch-hash``); the certificate must be GitHub Actions' (``mismatch-identity``)
  and, when the attestation came from a repository's attestation store, name that repository as its source
  (``mismatch-source``, as ``gh attestation verify --repo`` checks).
* **GitHub release SLSA provenance** (:func:`release_results`): the release's documents, verified once
  (:func:`pyslsa.core.release.verify_documents`), claimed and judged per file with verify-release's own rule
  (:func:`pyslsa.core.release.slsa_evidence`: verify-artifact's policy with the release tag: trusted builder,
  repository, tag).

For the certificate-based kinds the identity comes from the Fulcio certificate
(:meth:`pyslsa.core.slsa.policy.WorkflowIdentity.from_claims`, whose consistency rules are slsa-verifier's): the
OIDC issuer, the source repository, the source ref, the workflow from the build config URI (the calling workflow
of the repository; for a reusable workflow the signer is another repository's, but the build config is the
caller's, which is what a publisher names), and the runner environment (``self-hosted`` or ``github-hosted``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pyslsa.core.audit.identity import (
    GITHUB,
    GITLAB,
    EvidenceKind,
    VerifiedIdentity,
    normalize_gitlab_workflow,
    normalize_workflow,
)
from pyslsa.core.audit.verdict import EvidenceResult
from pyslsa.core.bundle import Bundle, parse_document
from pyslsa.core.dsse import Statement
from pyslsa.core.github import GITHUB_ACTIONS_ISSUER, GITHUB_URL
from pyslsa.core.pep740 import SLSA_V1, Publisher, parse_provenance_object, verify_attestation
from pyslsa.core.profile import SLSA_VERIFIER, Profile
from pyslsa.core.release import ReleaseFile, VerifiedDocument, slsa_evidence
from pyslsa.core.sigstore import VerifiedSignature, verify_dsse_bundle
from pyslsa.core.slsa.policy import SlsaPolicy, WorkflowIdentity
from pyslsa.core.trust import TrustedRoot
from pyslsa.core.x509 import (
    OID_BUILD_CONFIG_URI,
    OID_RUNNER_ENVIRONMENT,
    OID_SOURCE_REPOSITORY_REF,
    ChainMemo,
    FulcioClaims,
)
from pyslsa.errors import (
    CertificateError,
    InvalidProvenanceError,
    MismatchHashError,
    MismatchIdentityError,
    MismatchSourceError,
    TlogEntryNotFoundError,
    VerificationError,
)

__all__ = ["SLSA_PROVENANCE_TYPES", "AuditFile", "certificate_identity", "github_attestation_result",
           "pep740_results", "predicate_type", "release_results", "uncovered_by_release"]

#: The predicates a GitHub artifact attestation must carry to count as build provenance.
SLSA_PROVENANCE_TYPES = frozenset({SLSA_V1})


@dataclass(frozen=True)
class AuditFile:
    """One distribution file of the audit: its name and the SHA-256 every piece of evidence must name."""

    filename: str
    sha256: str


# -- identities ---------------------------------------------------------------------------------------------------


def _runner(claims: FulcioClaims) -> bool | None:
    value = claims.get(OID_RUNNER_ENVIRONMENT)
    if value == "self-hosted":
        return True
    if value in ("github-hosted", "gitlab-hosted"):
        return False
    return None  # certificates from before Fulcio recorded it (or another CI): nothing said


def _workflow_from_config(config_uri: str, repository: str) -> str | None:
    """``https://github.com/ORG/REPO/.github/workflows/x.yml@REF`` -> ``x.yml`` (normalize_workflow's form)."""
    if not config_uri.startswith(GITHUB_URL):
        return None
    path = config_uri[len(GITHUB_URL):].rpartition("@")[0] or config_uri[len(GITHUB_URL):]
    try:
        return normalize_workflow(path, repository)
    except ValueError:
        return None


def certificate_identity(claims: FulcioClaims | None, evidence: EvidenceKind, url: str) -> VerifiedIdentity:
    """Who a Fulcio certificate was issued to, as the audit compares it. The certificate must be GitHub Actions'
    (``mismatch-identity`` otherwise) and consistent with itself (slsa-verifier's rules: ``invalid-certificate``)."""
    if claims is None:
        raise MismatchIdentityError("the evidence is not signed by a Fulcio certificate (a key signed it): no "
                                    "publisher identity")
    if claims.issuer != GITHUB_ACTIONS_ISSUER:
        raise MismatchIdentityError(f"certificate OIDC issuer: expected {GITHUB_ACTIONS_ISSUER}, got "
                                    f"{claims.issuer!r}")
    wf = WorkflowIdentity.from_claims(claims)
    if not wf.source_repository or wf.source_repository.count("/") != 1:
        raise CertificateError(f"certificate source repository {wf.source_repository!r} is not ORG/REPO")
    return VerifiedIdentity(
        evidence=evidence, url=url, issuer=wf.issuer, repository=wf.source_repository,
        workflow=_workflow_from_config(claims.get(OID_BUILD_CONFIG_URI), wf.source_repository),
        ref=wf.source_ref or None, self_hosted=_runner(claims), kind=GITHUB)


def _publisher_keys(publisher: Publisher) -> tuple[tuple[str, str], ...]:
    """A Google or CircleCI publisher's own keys, as a pin keeps them (PEP 740's names, sorted)."""
    keys = {"email": publisher.email, "project_id": publisher.project_id,
            "pipeline_definition_id": publisher.pipeline_definition_id, "vcs_origin": publisher.vcs_origin,
            "vcs_ref": publisher.vcs_ref}
    return tuple(sorted((k, v) for k, v in keys.items() if v is not None))


def _pep740_identity(publisher: Publisher, sig: VerifiedSignature, url: str) -> VerifiedIdentity:
    """A PEP 740 publisher whose certificate :func:`~pyslsa.core.pep740.check_publisher` has already bound to it
    (it refuses the kinds it does not know)."""
    claims = sig.claims
    assert claims is not None  # check_publisher refused anything else
    workflow = None
    if publisher.workflow and publisher.kind in (GITHUB, GITLAB):
        try:
            workflow = (normalize_workflow(publisher.workflow, publisher.repository) if publisher.kind == GITHUB
                        else normalize_gitlab_workflow(publisher.workflow))
        except ValueError:
            raise InvalidProvenanceError(f"Trusted Publisher workflow {publisher.workflow!r} is not a workflow "
                                         f"file name") from None
    ref = claims.get(OID_SOURCE_REPOSITORY_REF) or None
    extra: tuple[tuple[str, str], ...] = ()
    repository = publisher.repository
    if publisher.kind not in (GITHUB, GITLAB):
        repository, extra = "", _publisher_keys(publisher)
    return VerifiedIdentity(evidence="pep740", url=url, issuer=claims.issuer, repository=repository,
                            workflow=workflow, ref=ref, environment=publisher.environment,
                            self_hosted=_runner(claims), kind=publisher.kind, extra=extra)


# -- PEP 740 ------------------------------------------------------------------------------------------------------


def pep740_results(f: AuditFile, url: str, provenance_object: bytes, root: TrustedRoot, *,
                   kind: EvidenceKind = "pep740", profile: Profile = SLSA_VERIFIER,
                   memo: ChainMemo | None = None) -> list[EvidenceResult]:
    """Every attestation of a PEP 740 provenance object, verified for ``f`` (``kind``: where the object came
    from, ``pep740`` from the index or ``local`` from ``--evidence DIR``). An object without any attestation is
    no evidence (an empty list); one that does not parse is one failure. ``memo``: the run's ChainMemo."""
    try:
        bundles = parse_provenance_object(provenance_object)
    except VerificationError as exc:
        return [EvidenceResult(kind, url, error=exc)]
    out: list[EvidenceResult] = []
    for publisher, attestations in bundles:
        for i, doc in enumerate(attestations):
            where = f"{url}#{i + 1}" if len(attestations) > 1 else url
            try:
                verified = verify_attestation(doc, f.filename, f.sha256, root, publisher, profile=profile,
                                              memo=memo)
                out.append(EvidenceResult(kind, where, identity=_pep740_identity(publisher, verified.signature,
                                                                                 where)))
            except VerificationError as exc:
                out.append(EvidenceResult(kind, where, error=exc))
    return out


# -- GitHub artifact attestations ---------------------------------------------------------------------------------


def predicate_type(raw: bytes) -> str | None:
    """The predicate type an (unverified) Sigstore bundle's statement declares, to pass over attestations that
    are not build provenance; None when it cannot be read (it is then verified, and fails, as it is)."""
    try:
        parsed = parse_document(raw, "attestation bundle")
        if not isinstance(parsed, Bundle) or parsed.envelope is None:
            return None
        return Statement.from_envelope(parsed.envelope).predicate_type
    except VerificationError:
        return None


def github_attestation_result(f: AuditFile, url: str, raw: bytes, root: TrustedRoot, *,
                              repository: str | None = None, kind: EvidenceKind = "github-attestation",
                              profile: Profile = SLSA_VERIFIER, memo: ChainMemo | None = None
                              ) -> EvidenceResult | None:
    """One GitHub artifact attestation (a Sigstore bundle) verified for ``f``; None when it is another kind of
    attestation than build provenance. ``repository`` (``ORG/REPO``): the repository whose attestation store
    served it, which the certificate must name as its source. ``memo``: the run's ChainMemo."""
    declared = predicate_type(raw)
    if declared is not None and declared not in SLSA_PROVENANCE_TYPES:
        return None
    try:
        parsed = parse_document(raw, "attestation bundle")
        if not isinstance(parsed, Bundle):
            raise TlogEntryNotFoundError("a bare DSSE envelope is not a GitHub attestation: expected a Sigstore "
                                         "bundle")
        sig = verify_dsse_bundle(parsed, root, profile=profile, memo=memo)
        statement = sig.statement()
        if statement.type != "https://in-toto.io/Statement/v1":
            raise InvalidProvenanceError(f"attestation statement type: expected in-toto Statement v1, got "
                                         f"{statement.type!r}")
        if statement.predicate_type not in SLSA_PROVENANCE_TYPES:
            raise InvalidProvenanceError(f"attestation predicateType {statement.predicate_type!r} is not SLSA "
                                         f"provenance")
        if not statement.matching_subjects(f.sha256):
            names = ", ".join(s.name or "?" for s in statement.subjects[:4])
            raise MismatchHashError(f"no subject of the attestation has sha256:{f.sha256} (subjects: {names})")
        identity = certificate_identity(sig.claims, "github-attestation", url)
        if repository is not None and identity.repository.lower() != repository.lower():
            raise MismatchSourceError(f"attestation stored in {repository!r} was signed for the repository "
                                      f"{identity.repository!r}")
        return EvidenceResult(kind, url, identity=identity)
    except VerificationError as exc:
        return EvidenceResult(kind, url, error=exc)


# -- GitHub release SLSA provenance -------------------------------------------------------------------------------


def release_results(f: AuditFile, docs: Sequence[VerifiedDocument], *, source_uri: str | None, tag: str,
                    kind: EvidenceKind = "github-release", url_of: dict[str, str] | None = None,
                    testing: bool = False) -> list[EvidenceResult]:
    """The release's verified documents that claim ``f``, judged with verify-artifact's policy (trusted builder,
    the repository ``source_uri`` -- ``github.com/ORG/REPO`` --, the tag ``tag``). ``source_uri`` None: the
    repository each document's certificate names (local provenance for a package the policy does not list: the
    identity is then held against the pins only). ``url_of`` maps a document's source to the URL reported.
    ``testing``: slsa-verifier's ``SLSA_VERIFIER_TESTING`` (:attr:`pyslsa.core.slsa.policy.SlsaPolicy.testing`),
    as ``verify-artifact`` and ``verify-release`` honour it."""
    out: list[EvidenceResult] = []
    rf = ReleaseFile(f.filename, f.sha256)
    for d in docs:
        url = (url_of or {}).get(d.source, d.source)
        expected = source_uri
        if expected is None:
            if d.signature is None or d.signature.claims is None:
                expected = "github.com/-/-"  # nothing to take it from: the document fails on its own anyway
            else:
                try:
                    expected = "github.com/" + WorkflowIdentity.from_claims(d.signature.claims).source_repository
                except VerificationError as exc:
                    out.append(EvidenceResult(kind, url, error=exc))
                    continue
        ev = slsa_evidence(d, rf, SlsaPolicy(expected, source_tag=tag, testing=testing))
        if ev is None:
            continue
        if ev.error is not None:
            out.append(EvidenceResult(kind, url, error=ev.error))
            continue
        assert d.signature is not None
        try:
            out.append(EvidenceResult(kind, url, identity=certificate_identity(d.signature.claims, "github-release",
                                                                               url)))
        except VerificationError as exc:
            out.append(EvidenceResult(kind, url, error=exc))
    return out


def uncovered_by_release(f: AuditFile, docs: Sequence[VerifiedDocument]) -> VerificationError | None:
    """verify-release's rule for a file no evidence covers: when the release's verified provenance exists and none
    of its subjects is the file, ``mismatch-hash`` (these bytes are not what was built); None otherwise."""
    statements = [d.statement for d in docs if d.signature is not None and d.statement is not None]
    if not statements:
        return None
    names = sorted({s.name or s.digest.get("sha256", "?") for st in statements for s in st.subjects})
    shown = ", ".join(names[:4]) + (f" (+{len(names) - 4} more)" if len(names) > 4 else "")
    return MismatchHashError(f"no subject of the release's provenance has sha256:{f.sha256} (subjects: {shown})")

