"""The SLSA policy of slsa-verifier's ``verify-artifact``, in its order, on a Sigstore-verified envelope.

Order (the first failure is reported, as slsa-verifier does):

1. certificate identity: OIDC issuer is GitHub Actions; the signing workflow (SAN) is a trusted builder, or
   matches ``--builder-id``; the builder runs at a release tag ``vX.Y.Z``          (untrusted-builder, invalid-ref)
2. the certificate's source repository is ``--source-uri``                                     (mismatch-source)
3. the provenance reader, picked by the certificate's builder and the provenance's build type (slsa-verifier's
   buildTypeMap)                                                        (invalid-builder-id, invalid-build-type)
4. the provenance's builder id matches the certificate's; for a delegator (BYOB), it is name@<release tag> and
   matches the user's --builder-id, or lies under slsa-github-generator's workflows without one
                                                          (mismatch-builder-id, invalid-builder-id, invalid-ref)
5. its trigger and source URIs are ``--source-uri``        (mismatch-source, malformed-uri, invalid-provenance)
6. a subject has the artifact's SHA-256                                                          (mismatch-hash)
7. branch, tag, versioned tag, workflow inputs      (mismatch-branch/-tag/-versioned-tag, invalid-ref/-semver,
                                                                                     mismatch-workflow-inputs)

Step 7 reads the provenance's branch or tag ref and requires it to be one (slsa-verifier's VerifyBranch, VerifyTag,
VerifyVersionedTag through utils.BranchFromGitRef / TagFromGitRef): a build that did not run for a tag (a branch
push, a workflow_dispatch run) checked with --source-tag or --source-versioned-tag, or a tag on no branch checked
with --source-branch, fails as invalid-ref before any comparison.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography import x509

from pyslsa.core.dsse import Statement
from pyslsa.core.github import GITHUB_ACTIONS_ISSUER, GITHUB_URL, normalize_source_uri
from pyslsa.core.sigstore import VerifiedSignature
from pyslsa.core.slsa import refs
from pyslsa.core.slsa.builders import (
    DEFAULT_ARTIFACT_BUILDERS,
    DELEGATORS,
    GENERATOR_REPO,
    GENERATOR_WORKFLOWS,
    TrustedBuilderID,
)
from pyslsa.core.slsa.provenance import BYOB_BUILDTYPE_V0, Provenance, provenance_from_statement
from pyslsa.core.x509 import (
    OID_BUILD_CONFIG_DIGEST,
    OID_BUILD_CONFIG_URI,
    OID_BUILD_TRIGGER,
    OID_GITHUB_WORKFLOW_REF,
    OID_GITHUB_WORKFLOW_REPOSITORY,
    OID_GITHUB_WORKFLOW_SHA,
    OID_GITHUB_WORKFLOW_TRIGGER,
    OID_ISSUER_V1,
    OID_ISSUER_V2,
    OID_SOURCE_REPOSITORY_DIGEST,
    OID_SOURCE_REPOSITORY_REF,
    OID_SOURCE_REPOSITORY_URI,
    FulcioClaims,
)
from pyslsa.errors import (
    CertificateError,
    InvalidBuilderIDError,
    InvalidProvenanceError,
    InvalidRefError,
    MalformedURIError,
    MismatchBranchError,
    MismatchBuilderIDError,
    MismatchSourceError,
    MismatchTagError,
    MismatchWorkflowInputsError,
    UntrustedBuilderError,
    VerificationError,
)

#: JReleaser's BYOB builder is released at tags vX.Y.Z-java (slsa-github-generator issue 2035). A plain prefix of
#: the builder's name, with no trailing slash, as slsa-verifier's JReleaserRepository.
JRELEASER_PREFIX = "https://github.com/jreleaser/release-action"
#: slsa-verifier's e2e test repository: its BYOB builds may use a builder at refs/heads/main under
#: SLSA_VERIFIER_TESTING.
E2E_REPOSITORY = "slsa-framework/example-package"


@dataclass(frozen=True)
class SlsaPolicy:
    """What the user expects (slsa-verifier's flags)."""

    source_uri: str
    source_tag: str | None = None
    source_branch: str | None = None
    source_versioned_tag: str | None = None
    builder_id: str | None = None
    build_workflow_inputs: Mapping[str, str] = field(default_factory=dict)
    #: slsa-verifier's SLSA_VERIFIER_TESTING: builders of slsa-framework's own e2e repositories may run at
    #: refs/heads/main or a prerelease tag. For reproducing slsa-verifier's regression tests only.
    testing: bool = False


@dataclass(frozen=True)
class WorkflowIdentity:
    """The GitHub Actions identity Fulcio certified."""

    issuer: str
    job_workflow_ref: str  # SAN: https://github.com/ORG/REPO/.github/workflows/X.yml@REF
    source_repository: str  # ORG/REPO
    source_sha: str
    source_ref: str
    trigger: str

    @classmethod
    def from_claims(cls, claims: FulcioClaims) -> WorkflowIdentity:
        """Read the identity, requiring the deprecated and current forms of each claim to agree (and at least
        one to be present), as slsa-verifier does: a certificate contradicting itself is not trusted."""
        if claims.san_kind != "uri" or not claims.san:
            raise CertificateError("signing certificate has no URI identity (expected a GitHub Actions "
                                   "workflow)")

        def pair(old: x509.ObjectIdentifier, new: x509.ObjectIdentifier, what: str) -> str:
            a, b = claims.get(old), claims.get(new)
            if a and b and a != b:
                raise CertificateError(f"certificate {what} claims disagree: {a!r} ({old.dotted_string}) != "
                                       f"{b!r} ({new.dotted_string})")
            if not (a or b):
                raise CertificateError(f"certificate has no {what} claim ({old.dotted_string} / "
                                       f"{new.dotted_string})")
            return b or a

        trigger = pair(OID_GITHUB_WORKFLOW_TRIGGER, OID_BUILD_TRIGGER, "build trigger")
        sha = pair(OID_GITHUB_WORKFLOW_SHA, OID_SOURCE_REPOSITORY_DIGEST, "source commit")
        config_sha = claims.get(OID_BUILD_CONFIG_DIGEST)
        if config_sha and config_sha != sha:
            raise CertificateError(f"certificate build config digest {config_sha!r} differs from the source "
                                   f"commit {sha!r}")
        issuer = pair(OID_ISSUER_V1, OID_ISSUER_V2, "OIDC issuer")
        old_repo, uri = claims.get(OID_GITHUB_WORKFLOW_REPOSITORY), claims.get(OID_SOURCE_REPOSITORY_URI)
        if old_repo and uri and GITHUB_URL + old_repo != uri:
            raise CertificateError(f"certificate source repository claims disagree: {old_repo!r} != {uri!r}")
        repo = uri.removeprefix(GITHUB_URL) or old_repo
        config_uri = claims.get(OID_BUILD_CONFIG_URI)
        if config_uri:
            # slsa-verifier's GetWorkflowInfoFromCertificate: the calling workflow lies in the source repository
            parts = config_uri.split("@")
            if len(parts) != 2 or not parts[0].startswith(f"{GITHUB_URL}{repo}/"):
                raise CertificateError(f"certificate build config URI: expected {GITHUB_URL}{repo}/<path>@<ref>, "
                                       f"got {config_uri!r}")
        return cls(
            issuer=issuer,
            job_workflow_ref=claims.san,
            source_repository=repo,
            source_sha=sha,
            source_ref=claims.get(OID_SOURCE_REPOSITORY_REF) or claims.get(OID_GITHUB_WORKFLOW_REF),
            trigger=trigger,
        )


@dataclass(frozen=True)
class SlsaVerdict:
    """A passed verification: what was proven about the artifact."""

    builder_id: str
    source_uri: str
    ref: str | None
    commit: str | None
    statement: Statement
    signature: VerifiedSignature


# -- 1. builder identity from the certificate ------------------------------------------------------------------


def verify_builder_identity(wf: WorkflowIdentity, expected_id: str | None,
                            default_builders: frozenset[str], testing: bool = False) -> tuple[TrustedBuilderID, bool]:
    """The certificate's workflow is a trusted builder; returns (builder id, is-delegator).

    slsa-verifier's VerifyBuilderIdentity: the SAN is ``https://github.com/<path>@<ref>``, split at its last
    ``@`` (SubjectWorkflowName / SubjectWorkflowRef), nothing trimmed. A delegator counts as BYOB only if the
    command trusts it (``default_builders``; isTrustedDelegatorBuilder): verify-github-attestation trusts none.
    """
    if wf.issuer != GITHUB_ACTIONS_ISSUER:
        raise CertificateError(f"certificate OIDC issuer: expected {GITHUB_ACTIONS_ISSUER}, got {wf.issuer!r}")
    if not wf.job_workflow_ref.startswith(GITHUB_URL):
        raise MalformedURIError(f"certificate workflow identity is not on github.com: {wf.job_workflow_ref!r}")
    path, at, tag = wf.job_workflow_ref[len(GITHUB_URL):].rpartition("@")
    if not at or not path or not tag:
        raise MalformedURIError(f"certificate workflow identity is not <workflow>@<ref>: {wf.job_workflow_ref!r}")
    cert_name = GITHUB_URL + path
    if not expected_id and cert_name not in default_builders:
        raise UntrustedBuilderError(f"signing workflow is not a trusted builder: got {cert_name} "
                                    f"(pass --builder-id to trust another builder)")
    try:
        cert_builder = TrustedBuilderID.parse(f"{cert_name}@{tag}", need_version=True)
    except VerificationError as exc:
        raise MalformedURIError(str(exc)) from None
    byob = cert_name in DELEGATORS and cert_name in default_builders
    if expected_id and not byob:
        try:
            cert_builder.matches_loose(expected_id, allow_ref=True)
        except MismatchBuilderIDError as exc:
            raise UntrustedBuilderError(f"signing workflow does not match --builder-id: {exc}") from None
    _verify_builder_ref(wf, tag, testing)
    return cert_builder, byob


_E2E_REPOSITORIES = frozenset({GENERATOR_REPO, E2E_REPOSITORY})


def _verify_builder_ref(wf: WorkflowIdentity, ref: str, testing: bool = False) -> None:
    """Trusted builders are used at release tags vX.Y.Z (no prerelease, no build metadata); under testing, the
    builder and e2e repositories' own builds may use refs/heads/main or a prerelease (verifyTrustedBuilderRef)."""
    if testing and wf.source_repository in _E2E_REPOSITORIES:
        if ref == "refs/heads/main":
            return
        pin = refs.tag_from_ref(ref)
        if not refs.is_testing_tag(pin):
            raise InvalidRefError(f"builder ref: expected a tag vX.Y.Z[-pre], got {pin!r}")
        return
    pin = refs.tag_from_ref(ref)
    if not refs.is_release_tag(pin):
        raise InvalidRefError(f"builder ref: expected a release tag vX.Y.Z, got {pin!r}")


def verify_certificate_source(wf: WorkflowIdentity, source_uri: str) -> None:
    expected = normalize_source_uri(source_uri, "certificate-repository")
    if wf.source_repository != expected:
        raise MismatchSourceError(f"certificate source repository: expected {expected!r}, got "
                                  f"{wf.source_repository!r}")


# -- 2. the provenance ---------------------------------------------------------------------------------------------


def verify_source_uri(prov: Provenance, expected_source: str) -> None:
    source = normalize_source_uri(expected_source, "git-uri")
    if not source.startswith("git+https://github.com/"):
        raise MalformedURIError(f"--source-uri must be a github.com repository, got {expected_source!r}")
    full_trigger = prov.trigger_uri()
    trigger, trigger_ref = refs.parse_git_uri_and_ref(full_trigger)
    if trigger != source:
        raise MismatchSourceError(f"provenance trigger: expected {source!r}, got {full_trigger!r}")
    if not trigger_ref:
        raise MalformedURIError(f"provenance trigger URI has no ref: {full_trigger!r}")
    full_source = prov.source_uri()
    src, src_ref = refs.parse_git_uri_and_ref(full_source)
    if src != source:
        raise MismatchSourceError(f"provenance source: expected {source!r}, got {full_source!r}")
    if not src_ref:
        if prov.build_type() == BYOB_BUILDTYPE_V0:
            return  # BYOB builders may build another commit than the trigger's; the ref is then omitted
        raise MalformedURIError(f"provenance source URI has no ref: {full_source!r}")
    if full_trigger != full_source:
        # slsa-verifier: ErrorInvalidDssePayload (the provenance contradicts itself), not a source mismatch
        raise InvalidProvenanceError(f"provenance trigger and source disagree: {full_trigger!r} != "
                                     f"{full_source!r}")


def verify_digest(statement: Statement, sha256_hex: str) -> None:
    statement.require_subject(sha256_hex)


def _built_from(prov: Provenance) -> str:
    ref = prov.checked_ref()
    return f"one from {ref!r}" if ref else "one that names no ref"


def provenance_branch(prov: Provenance, want: str = "a branch") -> str:
    """slsa-verifier's GetBranch + utils.BranchFromGitRef: the branch the build ran for (for a tag build, the
    branch the tag was pushed from). A build with no branch (a tag on no branch) is invalid-ref."""
    ref = prov.branch_ref()
    if not ref:
        raise InvalidRefError(f"branch: expected a build from {want}, got {_built_from(prov)}, on no branch")
    try:
        return refs.branch_from_ref(ref)
    except InvalidRefError as exc:
        raise InvalidRefError(f"branch: {exc}") from None


def provenance_tag(prov: Provenance, want: str = "a tag", what: str = "tag") -> str:
    """slsa-verifier's GetTag + utils.TagFromGitRef: the tag the build ran for. A build that did not run for a
    tag (a branch push, a workflow_dispatch run on a branch) has none: invalid-ref, not a tag mismatch."""
    ref = prov.tag_ref()
    if not ref:
        raise InvalidRefError(f"{what}: expected a build from {want}, got {_built_from(prov)}, not a tag")
    try:
        return refs.tag_from_ref(ref)
    except InvalidRefError as exc:
        raise InvalidRefError(f"{what}: {exc}") from None


def verify_branch(prov: Provenance, expected: str) -> None:
    branch = provenance_branch(prov, f"branch {expected!r}")
    if branch != expected:
        raise MismatchBranchError(f"branch: expected {expected!r}, got {branch!r}")


def verify_tag(prov: Provenance, expected: str) -> None:
    tag = provenance_tag(prov, f"tag {expected!r}")
    if tag != expected:
        raise MismatchTagError(f"tag: expected {expected!r}, got {tag!r}")


def verify_versioned_tag(prov: Provenance, expected: str) -> None:
    # The provenance's tag is read first: a build not from a tag is invalid-ref even if ``expected`` is not a
    # semantic version (slsa-verifier's VerifyVersionedTag calls TagFromGitRef before utils.VerifyVersionedTag).
    refs.verify_versioned_tag(provenance_tag(prov, f"a tag matching version {expected!r}", "versioned tag"), expected)


def verify_workflow_inputs(prov: Provenance, expected: Mapping[str, str]) -> None:
    inputs = prov.workflow_inputs()
    for key, want in sorted(expected.items()):
        got = inputs.get(key)
        if not isinstance(got, str):
            raise MismatchWorkflowInputsError(f"workflow input {key!r}: expected {want!r}, got "
                                              f"{'no such input' if key not in inputs else repr(got)}")
        if got != want:
            raise MismatchWorkflowInputsError(f"workflow input: expected {key}={want!r}, got {key}={got!r}")


def verify_delegated_builder_ref(prov: Provenance, testing: bool = False) -> tuple[str, str]:
    """slsa-verifier's isValidDelegatorBuilderID: the BYOB builder id is ``name@ref``, the ref a release tag
    vX.Y.Z; JReleaser's builders (a name starting with its repository) a tag vX.Y.Z-java. Under testing, the
    e2e repository's builds may use a builder at refs/heads/main. Returns (name, ref)."""
    prov_id = prov.builder_id()
    parts = prov_id.split("@")
    if len(parts) != 2:
        raise InvalidBuilderIDError(f"delegated builder id: expected name@ref, got {prov_id!r}")
    name, ref = parts
    if name.startswith(JRELEASER_PREFIX):
        pin = refs.tag_from_ref(ref)
        if not refs.is_jreleaser_tag(pin):
            raise InvalidRefError(f"JReleaser builder ref: expected a tag vX.Y.Z-java, got {pin!r}")
        return name, ref
    source_repo, _ = refs.parse_git_uri_and_ref(prov.source_uri())
    e2e_repo = normalize_source_uri(GITHUB_URL + E2E_REPOSITORY, "git-uri")
    if testing and ref == "refs/heads/main" and source_repo == e2e_repo:
        return name, ref
    pin = refs.tag_from_ref(ref)
    if not refs.is_release_tag(pin):
        raise InvalidRefError(f"delegated builder ref: expected a release tag vX.Y.Z, got {pin!r}")
    return name, ref


def verify_provenance(prov: Provenance, policy: SlsaPolicy, sha256_hex: str, cert_builder: TrustedBuilderID,
                      byob: bool) -> TrustedBuilderID:
    """Steps 4 to 7 (slsa-verifier's VerifyProvenance after ProvenanceFromEnvelope); returns the builder id to
    report."""
    if byob:
        name, _ = verify_delegated_builder_ref(prov, policy.testing)
        if policy.builder_id:
            expected = policy.builder_id
        elif name.startswith(GENERATOR_WORKFLOWS):
            expected = name
        else:
            raise InvalidBuilderIDError(f"delegated builder: expected one under {GENERATOR_WORKFLOWS} (or one "
                                        f"named by --builder-id), got {name}")
        prov_id = prov.builder_id()
        TrustedBuilderID.parse(prov_id, need_version=False).matches_loose(expected, allow_ref=True)
        reported = TrustedBuilderID.parse(prov_id, need_version=True)
    else:
        TrustedBuilderID.parse(prov.builder_id(), need_version=False).matches_full(str(cert_builder), allow_ref=True)
        reported = cert_builder
    verify_source_uri(prov, policy.source_uri)
    verify_digest(prov.statement, sha256_hex)
    if policy.source_branch is not None:
        verify_branch(prov, policy.source_branch)
    if policy.source_tag is not None:
        verify_tag(prov, policy.source_tag)
    if policy.source_versioned_tag is not None:
        verify_versioned_tag(prov, policy.source_versioned_tag)
    if policy.build_workflow_inputs:
        verify_workflow_inputs(prov, policy.build_workflow_inputs)
    return reported


def verify_matches_certificate(prov: Provenance, wf: WorkflowIdentity) -> None:
    """The provenance's trigger context (event, ref, commit) is the one Fulcio certified for the signing run.

    Runs after slsa-verifier's own checks, so it never changes which failure is reported first; it only
    refuses provenance whose unsigned-by-GitHub claims contradict the certificate.
    """
    event, ref, sha = prov.trigger_context()
    for what, claimed, certified in (("trigger", event, wf.trigger), ("ref", ref, wf.source_ref),
                                     ("commit", sha, wf.source_sha)):
        if claimed and certified and claimed != certified:
            raise InvalidProvenanceError(f"provenance {what} contradicts its certificate: expected {certified!r} "
                                         f"(certificate), got {claimed!r}")


def verify_slsa(signature: VerifiedSignature, sha256_hex: str, policy: SlsaPolicy,
                default_builders: frozenset[str] = DEFAULT_ARTIFACT_BUILDERS, *,
                named_workflows: bool = False) -> SlsaVerdict:
    """Run the whole SLSA policy on a Sigstore-verified envelope, for one artifact digest.

    ``default_builders``: the workflows trusted without --builder-id (slsa-verifier's defaultBuilders map of the
    command). ``named_workflows``: verify-github-attestation's rule, under which a workflow the user names with
    --builder-id may sign GitHub Actions workflow provenance even if slsa-verifier's reader table does not list
    it (see :func:`~pyslsa.core.slsa.provenance.provenance_from_statement`).
    """
    if signature.claims is None:
        raise CertificateError("provenance is not signed by a Fulcio certificate")
    wf = WorkflowIdentity.from_claims(signature.claims)
    cert_builder, byob = verify_builder_identity(wf, policy.builder_id, default_builders, policy.testing)
    verify_certificate_source(wf, policy.source_uri)
    statement = signature.statement()
    prov = provenance_from_statement(statement, cert_builder.name,
                                     named_workflow=named_workflows and bool(policy.builder_id))
    reported = verify_provenance(prov, policy, sha256_hex, cert_builder, byob)
    verify_matches_certificate(prov, wf)
    return SlsaVerdict(
        builder_id=str(reported),
        source_uri=policy.source_uri,
        ref=prov.ref() or wf.source_ref or None,
        commit=prov.commit() or wf.source_sha or None,
        statement=statement,
        signature=signature,
    )
