"""PEP 740 attestations (PyPI's integrity API) verified on the Sigstore core, with a Trusted Publisher policy.

An attestation is ``{"version": 1, "verification_material": {"certificate", "transparency_entries"},
"envelope": {"statement", "signature"}}``: a DSSE envelope over an in-toto Statement v1 whose single subject is
the distribution file (name and SHA-256), signed by a Fulcio certificate and logged in Rekor. It is verified as
the Sigstore bundle it is, then its subject is matched with the file and its certificate with the publisher.

The reference is pypi-attestations, the library PyPI verifies every upload with (0.0.31, the newest release:
``src/pypi_attestations/_impl.py``; ``Attestation.verify`` and each publisher model's ``_as_policy()``). Its
rules are applied here as they are, no stricter and no more lenient: the subject is compared with the file name
once both are parsed as distribution file names, and each publisher kind it knows (GitHub, GitLab, Google,
CircleCI) is held against the certificate's claims exactly as its policy does (:func:`check_claims`). A kind it
does not know is ``unsupported-format``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.x509 import ObjectIdentifier
from packaging.utils import parse_sdist_filename, parse_wheel_filename

from pyslsa.core import jsonutil as j
from pyslsa.core.bundle import BUNDLE_MEDIA_TYPE_V03, parse_bundle
from pyslsa.core.dsse import INTOTO_PAYLOAD_TYPE, Statement
from pyslsa.core.github import GITHUB_ACTIONS_ISSUER
from pyslsa.core.profile import Profile
from pyslsa.core.sigstore import VerifiedSignature, verify_dsse_bundle
from pyslsa.core.trust import TrustedRoot
from pyslsa.core.x509 import (
    OID_BUILD_CONFIG_URI,
    OID_BUILD_SIGNER_URI,
    OID_ISSUER_V1,
    OID_ISSUER_V2,
    OID_SOURCE_REPOSITORY_DIGEST,
    OID_SOURCE_REPOSITORY_REF,
    OID_SOURCE_REPOSITORY_URI,
    ChainMemo,
    FulcioClaims,
)
from pyslsa.errors import (
    InvalidProvenanceError,
    MismatchHashError,
    MismatchIdentityError,
    MismatchSourceError,
    UnsupportedFormatError,
)

PUBLISH_V1 = "https://docs.pypi.org/attestations/publish/v1"
SLSA_V1 = "https://slsa.dev/provenance/v1"

GITHUB = "GitHub"
GITLAB = "GitLab"
GOOGLE = "Google"
CIRCLECI = "CircleCI"
#: The Trusted Publisher kinds pypi-attestations verifies (its ``_Publisher`` union), in its order.
PUBLISHER_KINDS = (GITHUB, GITLAB, GOOGLE, CIRCLECI)

GITLAB_ISSUER = "https://gitlab.com"
GOOGLE_ISSUER = "https://accounts.google.com"
CIRCLECI_ISSUER = "https://oidc.circleci.com"
#: The OIDC issuer each publisher kind implies.
ISSUERS: dict[str, str] = {GITHUB: GITHUB_ACTIONS_ISSUER, GITLAB: GITLAB_ISSUER, GOOGLE: GOOGLE_ISSUER,
                           CIRCLECI: CIRCLECI_ISSUER}


@dataclass(frozen=True)
class Publisher:
    """A Trusted Publisher as the integrity API describes it (pypi-attestations' publisher models).

    ``repository``: GitHub's ``ORG/REPO`` or GitLab's ``NAMESPACE/.../PROJECT``; ``workflow``: GitHub's
    ``workflow`` (the file name in ``.github/workflows/``) or GitLab's ``workflow_filepath`` (the CI
    configuration's path in the project); ``environment``: the optional deployment environment (GitHub, GitLab),
    which no certificate records and so nothing checks; ``email``: a Google publisher's service account;
    ``project_id``, ``pipeline_definition_id`` and the optional ``vcs_origin``, ``vcs_ref``: a CircleCI
    publisher's."""

    kind: str
    repository: str = ""
    workflow: str | None = None
    environment: str | None = None
    email: str | None = None
    project_id: str | None = None
    pipeline_definition_id: str | None = None
    vcs_origin: str | None = None
    vcs_ref: str | None = None

    @classmethod
    def from_json(cls, o: Any) -> Publisher:
        """The publisher object, with the keys its kind requires (as pypi-attestations' pydantic models do: a
        required key missing or empty, or a key of the wrong type, fails the whole provenance object; unknown
        keys are ignored). A kind pypi-attestations does not know keeps only its ``repository`` and fails when
        it is checked (``unsupported-format``)."""
        o = j.obj(o, "publisher")
        kind = j.get_str(o, "kind", "publisher")
        if kind == GITHUB:
            return cls(kind, j.get_str(o, "repository", "publisher"), j.get_str(o, "workflow", "publisher"),
                       j.opt_str(o, "environment", "publisher") or None)
        if kind == GITLAB:
            return cls(kind, j.get_str(o, "repository", "publisher"), j.get_str(o, "workflow_filepath", "publisher"),
                       j.opt_str(o, "environment", "publisher") or None)
        # Google and CircleCI publishers have no environment (the key, if any, is ignored as pydantic ignores it).
        if kind == GOOGLE:
            return cls(kind, email=j.get_str(o, "email", "publisher"))
        if kind == CIRCLECI:
            # vcs_origin / vcs_ref: None (absent or null) skips their check; any string, even "", is checked.
            return cls(kind, project_id=j.get_str(o, "project_id", "publisher"),
                       pipeline_definition_id=j.get_str(o, "pipeline_definition_id", "publisher"),
                       vcs_origin=j.opt_str(o, "vcs_origin", "publisher"),
                       vcs_ref=j.opt_str(o, "vcs_ref", "publisher"))
        return cls(kind, j.opt_str(o, "repository", "publisher") or "",
                   environment=j.opt_str(o, "environment", "publisher") or None)

    @property
    def source(self) -> str | None:
        """The source repository the publisher names, as ``host/path`` (``github.com/ORG/REPO``,
        ``gitlab.com/NAMESPACE/PROJECT``, a CircleCI ``vcs_origin`` as it is), or None when it names none (a
        Google publisher, a CircleCI one without ``vcs_origin``, a kind pyslsa does not support)."""
        if self.kind == GITHUB:
            return f"github.com/{self.repository}"
        if self.kind == GITLAB:
            return f"gitlab.com/{self.repository}"
        if self.kind == CIRCLECI:
            return self.vcs_origin or None
        return None

    def describe(self) -> str:
        """One line: ``GitHub ORG/REPO (release.yml)``, ``Google (email X)``..."""
        if self.kind == GOOGLE:
            return f"{self.kind} ({self.email})"
        if self.kind == CIRCLECI:
            details = [f"project {self.project_id}", f"pipeline definition {self.pipeline_definition_id}"]
            details += [d for d in (self.vcs_origin, self.vcs_ref) if d]
            return f"{self.kind} ({', '.join(details)})"
        text = f"{self.kind} {self.repository}".rstrip()
        return text + (f" ({self.workflow})" if self.workflow else "")


@dataclass(frozen=True)
class VerifiedAttestation:
    signature: VerifiedSignature
    statement: Statement
    predicate_type: str


def attestation_bundle(doc: Any) -> dict[str, Any]:
    """The Sigstore bundle v0.3 an attestation object is (strict shape checks)."""
    doc = j.obj(doc, "attestation")
    version = doc.get("version")
    if version != 1 or isinstance(version, bool):
        raise UnsupportedFormatError(f"attestation version: expected 1, got {version!r}")
    vm = j.get_obj(doc, "verification_material", "attestation")
    env = j.get_obj(doc, "envelope", "attestation")
    cert = j.get_str(vm, "certificate", "attestation.verification_material")
    entries = j.get_list(vm, "transparency_entries", "attestation.verification_material")
    return {
        "mediaType": BUNDLE_MEDIA_TYPE_V03,
        "verificationMaterial": {"certificate": {"rawBytes": cert}, "tlogEntries": entries},
        "dsseEnvelope": {"payload": j.get_str(env, "statement", "attestation.envelope"),
                         "payloadType": INTOTO_PAYLOAD_TYPE,
                         "signatures": [{"sig": j.get_str(env, "signature", "attestation.envelope"),
                                         "keyid": ""}]},
    }


# -- the publisher's rules, one function per kind -----------------------------------------------------------------
# Each cites the pypi-attestations 0.0.31 code it follows (src/pypi_attestations/_impl.py). sigstore-python's
# policies read the DER UTF8String extensions (1.3.6.1.4.1.57264.1.8 and up) except OIDCIssuer, which reads the
# deprecated raw issuer extension (.1); a missing extension fails like a wrong value.


def _claim(claims: FulcioClaims, oid: ObjectIdentifier) -> str | None:
    """The value of one Fulcio extension, None when the certificate does not carry it."""
    return claims.extensions.get(oid.dotted_string)


def _expect_issuer(claims: FulcioClaims, oid: ObjectIdentifier, expected: str) -> None:
    got = _claim(claims, oid)
    if got != expected:
        raise MismatchIdentityError(f"certificate OIDC issuer ({oid.dotted_string}): expected {expected}, got "
                                    f"{got!r}")


def _expect_source(claims: FulcioClaims, expected: str) -> None:
    got = _claim(claims, OID_SOURCE_REPOSITORY_URI)
    if got != expected:
        raise MismatchSourceError(f"publisher repository: expected certificate source repository {expected!r}, got "
                                  f"{got!r}")


def _required(claims: FulcioClaims, oid: ObjectIdentifier, name: str) -> str:
    got = _claim(claims, oid)
    if got is None:
        raise MismatchIdentityError(f"certificate has no {name} ({oid.dotted_string}): the publisher cannot be "
                                    f"checked")
    return got


def _expect_config(claims: FulcioClaims, base: str, suffixes: list[str], what: str) -> None:
    config = _required(claims, OID_BUILD_CONFIG_URI, "Build Config URI")
    expected = [f"{base}@{s}" for s in suffixes]
    if config not in expected:
        raise MismatchIdentityError(f"publisher {what}: expected Build Config URI "
                                    f"{' or '.join(repr(e) for e in expected)}, got {config!r}")


def _check_github(claims: FulcioClaims, p: Publisher) -> None:
    # _GitHubTrustedPublisherPolicy.__init__: AllOf(OIDCIssuerV2(GitHub Actions),
    # OIDCSourceRepositoryURI("https://github.com/" + repository)), checked in that order.
    _expect_issuer(claims, OID_ISSUER_V2, GITHUB_ACTIONS_ISSUER)
    repo_uri = f"https://github.com/{p.repository}"
    _expect_source(claims, repo_uri)
    # _GitHubTrustedPublisherPolicy.verify: the Build Config URI (.18) -- the workflow the publisher registered,
    # the caller of any reusable workflow, not the Build Signer URI (.9) -- must be
    # https://github.com/REPOSITORY/.github/workflows/WORKFLOW@ followed by the Source Repository Digest (.13) or
    # the Source Repository Ref (.14), whichever the certificate carries (at least one of them). The environment
    # is not checked: no certificate records it.
    suffixes = [s for s in (_claim(claims, OID_SOURCE_REPOSITORY_DIGEST), _claim(claims, OID_SOURCE_REPOSITORY_REF))
                if s is not None]
    if not suffixes:
        raise MismatchIdentityError("certificate has neither a Source Repository Digest (1.3.6.1.4.1.57264.1.13) "
                                    "nor a Source Repository Ref (1.3.6.1.4.1.57264.1.14): the publisher's workflow "
                                    "cannot be checked")
    _expect_config(claims, f"{repo_uri}/.github/workflows/{p.workflow}", suffixes, "workflow")


def _check_gitlab(claims: FulcioClaims, p: Publisher) -> None:
    # _GitLabTrustedPublisherPolicy.__init__: AllOf(OIDCIssuerV2("https://gitlab.com"),
    # OIDCSourceRepositoryURI("https://gitlab.com/" + repository)).
    _expect_issuer(claims, OID_ISSUER_V2, GITLAB_ISSUER)
    repo_uri = f"https://gitlab.com/{p.repository}"
    _expect_source(claims, repo_uri)
    # _GitLabTrustedPublisherPolicy.verify: the Build Config URI must be
    # https://gitlab.com/REPOSITORY//WORKFLOW_FILEPATH@ followed by the Source Repository Digest or Ref; unlike
    # GitHub's rule, both extensions are required. The environment is not checked.
    sha = _required(claims, OID_SOURCE_REPOSITORY_DIGEST, "Source Repository Digest")
    ref = _required(claims, OID_SOURCE_REPOSITORY_REF, "Source Repository Ref")
    _expect_config(claims, f"{repo_uri}//{p.workflow}", [sha, ref], "workflow_filepath")


def _check_google(claims: FulcioClaims, p: Publisher) -> None:
    # GooglePublisher._as_policy: sigstore-python's policy.Identity(identity=email,
    # issuer="https://accounts.google.com"): OIDCIssuer, the deprecated raw issuer extension (.1), then the
    # email among the certificate's SAN emails and URIs.
    _expect_issuer(claims, OID_ISSUER_V1, GOOGLE_ISSUER)
    if claims.san_kind not in ("email", "uri") or claims.san != p.email:
        raise MismatchIdentityError(f"publisher service account: expected certificate identity {p.email!r}, got "
                                    f"{claims.san!r}")


def _check_circleci(claims: FulcioClaims, p: Publisher) -> None:
    # _CircleCITrustedPublisherPolicy.__init__: AllOf(OIDCIssuerV2("https://oidc.circleci.com"), and when the
    # publisher has them: OIDCSourceRepositoryURI(vcs_origin) -- "github.com/ORG/REPO", no scheme -- and
    # OIDCSourceRepositoryRef(vcs_ref)).
    _expect_issuer(claims, OID_ISSUER_V2, CIRCLECI_ISSUER)
    if p.vcs_origin is not None:
        _expect_source(claims, p.vcs_origin)
    if p.vcs_ref is not None:
        got = _claim(claims, OID_SOURCE_REPOSITORY_REF)
        if got != p.vcs_ref:
            raise MismatchIdentityError(f"publisher vcs_ref: expected certificate source ref {p.vcs_ref!r}, got "
                                        f"{got!r}")
    # _CircleCITrustedPublisherPolicy.verify: the Build Signer URI (.9) must be
    # https://circleci.com/api/v2/projects/PROJECT_ID/pipeline-definitions/PIPELINE_DEFINITION_ID.
    expected = (f"https://circleci.com/api/v2/projects/{p.project_id}/pipeline-definitions/"
                f"{p.pipeline_definition_id}")
    got = _required(claims, OID_BUILD_SIGNER_URI, "Build Signer URI")
    if got != expected:
        raise MismatchIdentityError(f"publisher pipeline: expected Build Signer URI {expected!r}, got {got!r}")


_CHECKS = {GITHUB: _check_github, GITLAB: _check_gitlab, GOOGLE: _check_google, CIRCLECI: _check_circleci}


def check_claims(claims: FulcioClaims, publisher: Publisher) -> None:
    """The certificate claims are the publisher's, by pypi-attestations' rule for its kind (see the functions
    above): ``mismatch-source`` for another source repository, ``mismatch-identity`` for anything else,
    ``unsupported-format`` for a kind pypi-attestations does not verify either."""
    check = _CHECKS.get(publisher.kind)
    if check is None:
        raise UnsupportedFormatError(f"Trusted Publisher kind {publisher.kind!r} is not supported (supported: "
                                     f"{', '.join(PUBLISHER_KINDS)})")
    check(claims, publisher)


def check_publisher(sig: VerifiedSignature, publisher: Publisher) -> None:
    """The attestation's certificate was issued to the publisher (:func:`check_claims`)."""
    if sig.claims is None:
        raise MismatchIdentityError("attestation is not signed by a Fulcio certificate")
    check_claims(sig.claims, publisher)


def _distribution(name: str) -> tuple[Any, ...] | None:
    """A distribution file name parsed as pypi-attestations' ``_check_dist_filename`` does (a wheel, or an sdist
    ending in .tar.gz or .zip: normalized name, version, and for a wheel build tag and tag set), None if it is
    not one."""
    try:
        if name.endswith(".whl"):
            return tuple(parse_wheel_filename(name))
        if name.endswith((".tar.gz", ".zip")):
            return tuple(parse_sdist_filename(name))
    except ValueError:
        return None
    return None


def verify_attestation(doc: Any, filename: str, sha256_hex: str, root: TrustedRoot,
                       publisher: Publisher | None = None, *, profile: Profile,
                       memo: ChainMemo | None = None) -> VerifiedAttestation:
    """Verify one PEP 740 attestation for the distribution ``filename`` whose SHA-256 is ``sha256_hex``.

    (An attestation carries a single certificate, never a chain, so ``profile`` changes nothing today; it is
    the command's choice all the same.) ``memo``: the run's, when one run verifies many attestations."""
    sig = verify_dsse_bundle(parse_bundle(attestation_bundle(doc)), root, profile=profile, memo=memo)
    statement = sig.statement()
    if statement.type != "https://in-toto.io/Statement/v1":
        raise InvalidProvenanceError(f"attestation statement type: expected in-toto Statement v1, got "
                                     f"{statement.type!r}")
    if statement.predicate_type not in (PUBLISH_V1, SLSA_V1):
        raise UnsupportedFormatError(f"attestation predicateType {statement.predicate_type!r} is not a PEP 740 "
                                     f"one ({PUBLISH_V1}, {SLSA_V1})")
    if len(statement.subjects) != 1:
        raise InvalidProvenanceError(f"attestation must have exactly one subject, got {len(statement.subjects)}")
    subject = statement.subjects[0]
    # Attestation.verify: the subject and the file are compared as parsed distribution file names (so a wheel's
    # compressed tag sets may come in another order, a name or version in another spelling); the subject must
    # parse, and a file that does not is no distribution pypi-attestations can verify.
    want = _distribution(filename)
    if want is None:
        raise UnsupportedFormatError(f"{filename!r} is not a distribution file name (a wheel, or an sdist ending "
                                     f"in .tar.gz or .zip): it cannot carry a PEP 740 attestation")
    got = _distribution(subject.name)
    if got is None:
        raise InvalidProvenanceError(f"attestation subject {subject.name!r} is not a distribution file name")
    if got != want:
        raise MismatchHashError(f"attestation subject: expected file {filename!r}, got {subject.name!r}")
    if subject.digest.get("sha256") != sha256_hex.lower():
        raise MismatchHashError(f"attestation subject digest: expected sha256:{sha256_hex}, got "
                                f"sha256:{subject.digest.get('sha256')}")
    if publisher is not None:
        check_publisher(sig, publisher)
    return VerifiedAttestation(sig, statement, statement.predicate_type)


def parse_provenance_object(data: bytes) -> list[tuple[Publisher, list[Any]]]:
    """The integrity API's Provenance object: ``{"version": 1, "attestation_bundles": [{publisher,
    attestations}]}``."""
    doc = j.obj(j.loads(data, "provenance object"), "provenance")
    if doc.get("version") != 1:
        raise UnsupportedFormatError(f"provenance object version: expected 1, got {doc.get('version')!r}")
    out = []
    for i, b in enumerate(j.get_list(doc, "attestation_bundles", "provenance")):
        b = j.obj(b, f"provenance.attestation_bundles[{i}]")
        out.append((Publisher.from_json(j.get(b, "publisher", f"provenance.attestation_bundles[{i}]")),
                    j.get_list(b, "attestations", f"provenance.attestation_bundles[{i}]")))
    return out
