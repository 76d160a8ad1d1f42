"""PEP 740 Trusted Publishers held against the certificate by pypi-attestations' rules (0.0.31,
``src/pypi_attestations/_impl.py``): real attestations and certificates of every kind it verifies (GitHub, GitLab,
Google, CircleCI), and the throw-away Sigstore (tests/authority.py) for what they do not cover: a GitHub release
published through another repository's reusable workflow, GitLab subgroups and paths, and every claim tampered.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import pytest

from pyslsa.core.pep740 import (
    PUBLISH_V1,
    Publisher,
    check_claims,
    parse_provenance_object,
    verify_attestation,
)
from pyslsa.core.profile import SLSA_VERIFIER
from pyslsa.core.release import ReleaseFile, decide_release
from pyslsa.core.slsa.policy import SlsaPolicy
from pyslsa.core.trust import TrustedRoot
from pyslsa.core.x509 import (
    OID_SOURCE_REPOSITORY_DIGEST,
    OID_SOURCE_REPOSITORY_REF,
    fulcio_claims,
    load_pem_certificate,
)
from pyslsa.errors import VerificationError
from tests.authority import GH_ISSUER, Authority
from tests.conftest import PYPI_ATT, PYPI_ATT_031, vector, vector_json

F = "1.3.6.1.4.1.57264.1."
PROD = TrustedRoot.production()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def code_of(fn: Any, *args: Any, **kw: Any) -> str | None:
    try:
        fn(*args, **kw)
    except VerificationError as exc:
        return exc.code
    return None


# -- real attestations ----------------------------------------------------------------------------------------------

GL_SDIST = "gitlab_oidc_project-0.0.3.tar.gz"
GL_SHA = sha(vector(PYPI_ATT / GL_SDIST))
GL_PUB = Publisher("GitLab", "facutuesca/gitlab-oidc-project", ".gitlab-ci.yml")
GCB_SDIST = "gcb_attestation_test-0.0.0.tar.gz"
CCI_WHEEL = "circleci_sign_publish_example-0.0.1.dev137-py3-none-any.whl"


def gl_attestation() -> Any:
    return vector_json(PYPI_ATT / f"{GL_SDIST}.publish.attestation")


def test_real_gitlab_attestation() -> None:
    v = verify_attestation(gl_attestation(), GL_SDIST, GL_SHA, PROD, GL_PUB, profile=SLSA_VERIFIER)
    assert v.predicate_type == PUBLISH_V1
    assert v.signature.claims is not None and v.signature.claims.issuer == "https://gitlab.com"


@pytest.mark.parametrize(("publisher", "code"), [
    (dataclasses.replace(GL_PUB, workflow="wrong.yml"), "mismatch-identity"),  # pypi-attestations' own test
    (dataclasses.replace(GL_PUB, workflow="/.gitlab-ci.yml"), "mismatch-identity"),
    (dataclasses.replace(GL_PUB, repository="facutuesca/other"), "mismatch-source"),
    (dataclasses.replace(GL_PUB, repository="facutuesca", workflow="gitlab-oidc-project/.gitlab-ci.yml"),
     "mismatch-source"),
    (Publisher("GitHub", "facutuesca/gitlab-oidc-project", ".gitlab-ci.yml"), "mismatch-identity"),  # the issuer
    (Publisher("Google", email="facutuesca@gitlab.com"), "mismatch-identity"),
    (Publisher("ActiveState", "facutuesca/gitlab-oidc-project"), "unsupported-format"),
])
def test_real_gitlab_attestation_wrong_publisher(publisher: Publisher, code: str) -> None:
    assert code_of(verify_attestation, gl_attestation(), GL_SDIST, GL_SHA, PROD, publisher,
                   profile=SLSA_VERIFIER) == code


def test_real_google_cloud_attestation() -> None:
    (publisher, attestations), = parse_provenance_object(vector(PYPI_ATT_031 / f"{GCB_SDIST}.provenance"))
    assert publisher == Publisher("Google", email="919436158236-compute@developer.gserviceaccount.com")
    assert publisher.source is None
    digest = sha(vector(PYPI_ATT_031 / GCB_SDIST))
    for att in attestations:
        verify_attestation(att, GCB_SDIST, digest, PROD, publisher, profile=SLSA_VERIFIER)
        for wrong, code in ((dataclasses.replace(publisher, email="other@developer.gserviceaccount.com"),
                             "mismatch-identity"),
                            (Publisher("GitHub", "o/r", "release.yml"), "mismatch-identity")):
            assert code_of(verify_attestation, att, GCB_SDIST, digest, PROD, wrong, profile=SLSA_VERIFIER) == code


def test_real_circleci_attestation() -> None:
    (publisher, attestations), = parse_provenance_object(vector(PYPI_ATT_031 / f"{CCI_WHEEL}.provenance"))
    assert publisher == Publisher("CircleCI", project_id="fdd9283f-e619-46af-8f9c-851f7d3e8b2b",
                                  pipeline_definition_id="8e4f8ab2-8d7c-4827-9f15-de076d6d647f",
                                  vcs_origin="github.com/CircleCI-Public/sign-and-publish-examples",
                                  vcs_ref="refs/heads/pypi")
    digest = sha(vector(PYPI_ATT_031 / CCI_WHEEL))
    (att,) = attestations

    def check(p: Publisher) -> str | None:
        return code_of(verify_attestation, att, CCI_WHEEL, digest, PROD, p, profile=SLSA_VERIFIER)

    assert check(publisher) is None
    assert check(dataclasses.replace(publisher, vcs_origin=None, vcs_ref=None)) is None  # both optional
    assert check(dataclasses.replace(publisher, project_id="00000000-e619-46af-8f9c-851f7d3e8b2b")) == \
        "mismatch-identity"
    assert check(dataclasses.replace(publisher, pipeline_definition_id="wrong-pipeline-id")) == "mismatch-identity"
    assert check(dataclasses.replace(publisher, vcs_origin="github.com/evil/fork")) == "mismatch-source"
    assert check(dataclasses.replace(publisher, vcs_origin="")) == "mismatch-source"  # named, so checked
    assert check(dataclasses.replace(publisher, vcs_ref="refs/heads/main")) == "mismatch-identity"


# -- real certificates (pypi-attestations' policy tests) --------------------------------------------------------------


def test_real_github_certificate_without_a_source_ref() -> None:
    claims = fulcio_claims(load_pem_certificate(vector(PYPI_ATT / "no-source-repository-ref-extension.pem")))
    assert OID_SOURCE_REPOSITORY_REF.dotted_string not in claims.extensions  # only the digest: one is enough
    assert OID_SOURCE_REPOSITORY_DIGEST.dotted_string in claims.extensions
    check_claims(claims, Publisher("GitHub", "SWIFTSIM/swiftgalaxy", "python-publish.yml"))
    assert code_of(check_claims, claims, Publisher("GitHub", "SWIFTSIM/swiftgalaxy", "release.yml")) == \
        "mismatch-identity"


def test_real_google_certificate() -> None:
    claims = fulcio_claims(load_pem_certificate(vector(PYPI_ATT / "200170367.pem")))
    check_claims(claims, Publisher("Google", email="919436158236-compute@developer.gserviceaccount.com"))
    assert code_of(check_claims, claims, Publisher("Google", email="919436158236@developer.gserviceaccount.com")) \
        == "mismatch-identity"


def test_real_circleci_certificate() -> None:
    claims = fulcio_claims(load_pem_certificate(vector(PYPI_ATT_031 / "circleci-oidc.pem")))
    ids = {"project_id": "fdd9283f-e619-46af-8f9c-851f7d3e8b2b",
           "pipeline_definition_id": "8e4f8ab2-8d7c-4827-9f15-de076d6d647f"}
    check_claims(claims, Publisher("CircleCI", **ids))
    check_claims(claims, Publisher("CircleCI", **ids, vcs_origin="github.com/CircleCI-Public/sign-and-publish-examples",
                                   vcs_ref="refs/heads/pypi"))
    assert code_of(check_claims, claims, Publisher("CircleCI", **{**ids, "pipeline_definition_id": "x"})) == \
        "mismatch-identity"


# -- the throw-away Sigstore ------------------------------------------------------------------------------------------

NAME = "pkg-1.0.tar.gz"
CONTENT = b"an sdist"
COMMIT = "c0ffee" * 6 + "c0ff"
REPO_URI = "https://github.com/org/repo"
CONFIG = f"{REPO_URI}/.github/workflows/release.yml@refs/tags/v1"
#: The reusable workflow the release job calls: the Build Signer URI (and SAN), in another repository.
SIGNER = "https://github.com/pypa/reusable/.github/workflows/publish.yml@refs/heads/main"
GH = Publisher("GitHub", "org/repo", "release.yml", "pypi")

GL_URI = "https://gitlab.com/group/sub/proj"
GL_CONFIG = f"{GL_URI}//ci/release.yml@refs/heads/main"
GL = Publisher("GitLab", "group/sub/proj", "ci/release.yml", "pypi")


@pytest.fixture(scope="module")
def auth() -> Authority:
    return Authority()


@pytest.fixture(scope="module")
def root(auth: Authority) -> TrustedRoot:
    return TrustedRoot.from_json(json.dumps(auth.trusted_root()).encode())


def github_claims(**changes: str | None) -> dict[str, str]:
    claims: dict[str, str | None] = {
        F + "9": SIGNER, F + "10": "d" * 40, F + "11": "github-hosted", F + "12": REPO_URI, F + "13": COMMIT,
        F + "14": "refs/tags/v1", F + "18": CONFIG, F + "19": COMMIT, F + "20": "push"}
    claims.update({F + k: v for k, v in changes.items()})
    return {k: v for k, v in claims.items() if v is not None}


def gitlab_claims(**changes: str | None) -> dict[str, str]:
    claims: dict[str, str | None] = {
        F + "9": GL_CONFIG, F + "10": COMMIT, F + "11": "gitlab-hosted", F + "12": GL_URI, F + "13": COMMIT,
        F + "14": "refs/heads/main", F + "18": GL_CONFIG, F + "19": COMMIT, F + "20": "push"}
    claims.update({F + k: v for k, v in changes.items()})
    return {k: v for k, v in claims.items() if v is not None}


def attestation(auth: Authority, claims: dict[str, str], *, issuer: str = GH_ISSUER, san: str | None = None,
                email: str | None = None, issuer_extensions: tuple[str, ...] = ("1", "8")) -> dict[str, Any]:
    """A PEP 740 attestation of NAME, as PyPI stores it, signed by a leaf with these claims."""
    key, cert = auth.leaf(san=san if san is not None or email else claims.get(F + "9"), email=email, issuer=issuer,
                          claims=claims, issuer_extensions=issuer_extensions)
    statement = {"_type": "https://in-toto.io/Statement/v1", "predicateType": PUBLISH_V1, "predicate": None,
                 "subject": [{"name": NAME, "digest": {"sha256": sha(CONTENT)}}]}
    bundle = auth.dsse_bundle(statement, key=key, cert=cert)
    vm = bundle["verificationMaterial"]
    return {"version": 1,
            "verification_material": {"certificate": vm["certificate"]["rawBytes"],
                                      "transparency_entries": vm["tlogEntries"]},
            "envelope": {"statement": bundle["dsseEnvelope"]["payload"],
                         "signature": bundle["dsseEnvelope"]["signatures"][0]["sig"]}}


def check(root: TrustedRoot, att: dict[str, Any], publisher: Publisher) -> str | None:
    return code_of(verify_attestation, att, NAME, sha(CONTENT), root, publisher, profile=SLSA_VERIFIER)


def test_github_release_through_another_repositorys_reusable_workflow(auth: Authority, root: TrustedRoot) -> None:
    """The publisher is the caller (release.yml of org/repo), whatever reusable workflow signs: PyPI registers the
    caller, and pypi-attestations checks the Build Config URI, never the Build Signer URI."""
    att = attestation(auth, github_claims())
    assert check(root, att, GH) is None
    # the reusable workflow is not the publisher, in its own repository or by its file name
    assert check(root, att, Publisher("GitHub", "pypa/reusable", "publish.yml")) == "mismatch-source"
    assert check(root, att, dataclasses.replace(GH, workflow="publish.yml")) == "mismatch-identity"
    # the same, verified by verify-release's rule with --source-uri
    assert decide(root, att, GH, "https://github.com/org/repo") == (True, None)


@pytest.mark.parametrize("changes", [
    {"18": f"{REPO_URI}/.github/workflows/release.yml@{COMMIT}"},  # the config at the commit
    {"14": None, "18": f"{REPO_URI}/.github/workflows/release.yml@{COMMIT}"},  # only the digest: one is enough
    {"13": None},  # only the Source Repository Ref
    {"9": CONFIG},  # no reusable workflow: signer and config are the same
    {"11": None, "20": None, "10": None, "19": None},  # claims the rule does not read
])
def test_github_publisher_accepts(auth: Authority, root: TrustedRoot, changes: dict[str, str | None]) -> None:
    assert check(root, attestation(auth, github_claims(**changes), san=SIGNER), GH) is None


@pytest.mark.parametrize(("changes", "issuer", "code"), [
    ({}, "https://gitlab.com", "mismatch-identity"),
    ({}, "https://token.actions.githubusercontent.com/", "mismatch-identity"),
    ({"12": "https://github.com/org/other"}, GH_ISSUER, "mismatch-source"),
    ({"12": "https://github.com/org/repo/"}, GH_ISSUER, "mismatch-source"),
    ({"12": "https://github.com/ORG/repo"}, GH_ISSUER, "mismatch-source"),
    ({"12": None}, GH_ISSUER, "mismatch-source"),
    ({"18": f"{REPO_URI}/.github/workflows/other.yml@refs/tags/v1"}, GH_ISSUER, "mismatch-identity"),
    ({"18": "https://github.com/org/fork/.github/workflows/release.yml@refs/tags/v1"}, GH_ISSUER,
     "mismatch-identity"),
    ({"18": f"{REPO_URI}/.github/workflows/release.yml@refs/heads/evil"}, GH_ISSUER, "mismatch-identity"),
    ({"18": f"{REPO_URI}/.github/workflows/release.yml"}, GH_ISSUER, "mismatch-identity"),
    ({"18": f"{REPO_URI}/.github/workflows/sub/release.yml@refs/tags/v1"}, GH_ISSUER, "mismatch-identity"),
    ({"18": SIGNER}, GH_ISSUER, "mismatch-identity"),  # the config is the reusable workflow: not release.yml
    ({"18": None}, GH_ISSUER, "mismatch-identity"),
    ({"14": "refs/tags/v2"}, GH_ISSUER, "mismatch-identity"),  # the config's ref is neither the ref nor the commit
    ({"13": None, "14": None}, GH_ISSUER, "mismatch-identity"),
    ({"14": None}, GH_ISSUER, "mismatch-identity"),  # the config is at a ref the certificate does not state
])
def test_github_publisher_tampered(auth: Authority, root: TrustedRoot, changes: dict[str, str | None], issuer: str,
                                   code: str) -> None:
    assert check(root, attestation(auth, github_claims(**changes), issuer=issuer, san=SIGNER), GH) == code


def test_github_issuer_is_the_v2_extension(auth: Authority, root: TrustedRoot) -> None:
    """pypi-attestations reads the issuer from the DER extension (.8) only (sigstore-python's OIDCIssuerV2): the
    deprecated raw one (.1) alone does not do."""
    assert check(root, attestation(auth, github_claims(), issuer_extensions=("8",)), GH) is None
    assert check(root, attestation(auth, github_claims(), issuer_extensions=("1",)), GH) == "mismatch-identity"


@pytest.mark.parametrize(("publisher", "code"), [
    (dataclasses.replace(GH, repository="org/other"), "mismatch-source"),
    (dataclasses.replace(GH, repository="org"), "mismatch-source"),
    (dataclasses.replace(GH, workflow="other.yml"), "mismatch-identity"),
    (dataclasses.replace(GH, workflow=".github/workflows/release.yml"), "mismatch-identity"),
    (dataclasses.replace(GH, workflow="release"), "mismatch-identity"),
    (dataclasses.replace(GH, environment="other"), None),  # no certificate records the environment
    (dataclasses.replace(GH, kind="GitLab"), "mismatch-identity"),
    (dataclasses.replace(GH, kind="github"), "unsupported-format"),
])
def test_github_publisher_of_another_identity(auth: Authority, root: TrustedRoot, publisher: Publisher,
                                              code: str | None) -> None:
    assert check(root, attestation(auth, github_claims()), publisher) == code


def test_gitlab_publisher(auth: Authority, root: TrustedRoot) -> None:
    att = attestation(auth, gitlab_claims(), issuer="https://gitlab.com")
    assert check(root, att, GL) is None
    assert check(root, attestation(auth, gitlab_claims(**{"18": f"{GL_URI}//ci/release.yml@{COMMIT}"}),
                                   issuer="https://gitlab.com"), GL) is None  # the config at the commit
    assert decide(root, att, GL, "gitlab.com/group/sub/proj") == (True, None)
    assert decide(root, att, GL, "https://gitlab.com/group/sub/proj.git") == (True, None)
    assert decide(root, att, GL, "github.com/group/sub/proj") == (False, "mismatch-source")
    assert decide(root, att, GL, "gitlab.com/group/proj") == (False, "mismatch-source")


@pytest.mark.parametrize(("changes", "issuer", "code"), [
    ({}, "https://gitlab.example.com", "mismatch-identity"),  # a self-managed GitLab: not the reference's issuer
    ({}, GH_ISSUER, "mismatch-identity"),
    ({"12": "https://gitlab.com/group/proj"}, "https://gitlab.com", "mismatch-source"),
    ({"12": "https://gitlab.com/group/sub"}, "https://gitlab.com", "mismatch-source"),
    ({"12": None}, "https://gitlab.com", "mismatch-source"),
    ({"18": f"{GL_URI}//ci/other.yml@refs/heads/main"}, "https://gitlab.com", "mismatch-identity"),
    ({"18": f"{GL_URI}/ci/release.yml@refs/heads/main"}, "https://gitlab.com", "mismatch-identity"),
    ({"18": "https://gitlab.com/group/sub/fork//ci/release.yml@refs/heads/main"}, "https://gitlab.com",
     "mismatch-identity"),
    ({"18": f"{GL_URI}//ci/release.yml@refs/heads/evil"}, "https://gitlab.com", "mismatch-identity"),
    ({"18": None}, "https://gitlab.com", "mismatch-identity"),
    ({"13": None}, "https://gitlab.com", "mismatch-identity"),  # GitLab's rule needs the digest and the ref
    ({"14": None}, "https://gitlab.com", "mismatch-identity"),
])
def test_gitlab_publisher_tampered(auth: Authority, root: TrustedRoot, changes: dict[str, str | None], issuer: str,
                                   code: str) -> None:
    assert check(root, attestation(auth, gitlab_claims(**changes), issuer=issuer), GL) == code


@pytest.mark.parametrize(("publisher", "code"), [
    (dataclasses.replace(GL, repository="group/proj"), "mismatch-source"),
    (dataclasses.replace(GL, repository="group/sub/proj/"), "mismatch-source"),
    (dataclasses.replace(GL, workflow="release.yml"), "mismatch-identity"),
    (dataclasses.replace(GL, workflow=".gitlab-ci.yml"), "mismatch-identity"),
    (dataclasses.replace(GL, environment=None), None),
    (dataclasses.replace(GL, kind="GitHub"), "mismatch-identity"),
])
def test_gitlab_publisher_of_another_identity(auth: Authority, root: TrustedRoot, publisher: Publisher,
                                              code: str | None) -> None:
    assert check(root, attestation(auth, gitlab_claims(), issuer="https://gitlab.com"), publisher) == code


def test_google_publisher(auth: Authority, root: TrustedRoot) -> None:
    """sigstore-python's Identity policy: the deprecated raw issuer extension (.1), and the SAN."""
    email = "builder@project.iam.gserviceaccount.com"
    google = Publisher("Google", email=email)
    assert check(root, attestation(auth, {}, issuer="https://accounts.google.com", email=email), google) is None
    assert check(root, attestation(auth, {}, issuer="https://accounts.google.com", email="other@x.test"),
                 google) == "mismatch-identity"
    assert check(root, attestation(auth, {}, issuer="https://accounts.google.com", san=f"https://{email}"),
                 google) == "mismatch-identity"
    assert check(root, attestation(auth, {}, issuer="https://accounts.example.com", email=email),
                 google) == "mismatch-identity"
    assert check(root, attestation(auth, {}, issuer="https://accounts.google.com", email=email,
                                   issuer_extensions=("8",)), google) == "mismatch-identity"
    att = attestation(auth, {}, issuer="https://accounts.google.com", email=email)
    # verify-release: a Google publisher names no repository, so it cannot be --source-uri's
    assert decide(root, att, google, "github.com/org/repo") == (False, "mismatch-source")


def decide(root: TrustedRoot, att: dict[str, Any], publisher: Publisher, source_uri: str) -> tuple[bool, str | None]:
    """verify-release's verdict on NAME with one attestation under ``publisher``."""
    pub = {"kind": publisher.kind, "repository": publisher.repository, "environment": publisher.environment}
    if publisher.kind == "GitHub":
        pub["workflow"] = publisher.workflow
    elif publisher.kind == "GitLab":
        pub["workflow_filepath"] = publisher.workflow
    elif publisher.kind == "Google":
        pub = {"kind": "Google", "email": publisher.email}
    obj = json.dumps({"version": 1, "attestation_bundles": [{"publisher": pub, "attestations": [att]}]}).encode()
    (v,) = decide_release([ReleaseFile(NAME, sha(CONTENT))], {NAME: [("p", obj)]}, [], SlsaPolicy(source_uri), root,
                          profile=SLSA_VERIFIER)
    return v.verified, v.error.code if v.error is not None else None


def test_verify_release_with_the_real_vectors() -> None:
    def obj(publisher: dict[str, Any], att: Any) -> bytes:
        return json.dumps({"version": 1, "attestation_bundles": [{"publisher": publisher,
                                                                  "attestations": [att]}]}).encode()

    def run(name: str, digest: str, provenance: bytes, source_uri: str) -> tuple[bool, str | None]:
        (v,) = decide_release([ReleaseFile(name, digest)], {name: [("p", provenance)]}, [], SlsaPolicy(source_uri),
                              PROD, profile=SLSA_VERIFIER)
        return v.verified, v.error.code if v.error is not None else None

    gitlab = obj({"kind": "GitLab", "repository": "facutuesca/gitlab-oidc-project",
                  "workflow_filepath": ".gitlab-ci.yml", "environment": None}, gl_attestation())
    assert run(GL_SDIST, GL_SHA, gitlab, "gitlab.com/facutuesca/gitlab-oidc-project") == (True, None)
    assert run(GL_SDIST, GL_SHA, gitlab, "github.com/facutuesca/gitlab-oidc-project") == (False, "mismatch-source")
    cci = vector(PYPI_ATT_031 / f"{CCI_WHEEL}.provenance")
    cci_sha = sha(vector(PYPI_ATT_031 / CCI_WHEEL))
    assert run(CCI_WHEEL, cci_sha, cci, "github.com/CircleCI-Public/sign-and-publish-examples") == (True, None)
    assert run(CCI_WHEEL, cci_sha, cci, "github.com/CircleCI-Public/other") == (False, "mismatch-source")
    gcb = vector(PYPI_ATT_031 / f"{GCB_SDIST}.provenance")
    assert run(GCB_SDIST, sha(vector(PYPI_ATT_031 / GCB_SDIST)), gcb, "github.com/o/r") == (False, "mismatch-source")


# -- the publisher object: pypi-attestations' models ------------------------------------------------------------------


def provenance(publisher: Any) -> bytes:
    return json.dumps({"version": 1, "attestation_bundles": [{"publisher": publisher, "attestations": []}]}).encode()


@pytest.mark.parametrize(("publisher", "want"), [
    ({"kind": "GitHub", "repository": "o/r", "workflow": "release.yml", "environment": None},
     Publisher("GitHub", "o/r", "release.yml")),
    ({"kind": "GitHub", "repository": "o/r", "workflow": "release.yml", "environment": "pypi", "claims": {}},
     Publisher("GitHub", "o/r", "release.yml", "pypi")),  # an unknown key is ignored, as pydantic ignores it
    ({"kind": "GitLab", "repository": "g/s/p", "workflow_filepath": "ci/x.yml"},
     Publisher("GitLab", "g/s/p", "ci/x.yml")),
    ({"kind": "Google", "email": "a@b.test", "environment": 3}, Publisher("Google", email="a@b.test")),
    ({"kind": "CircleCI", "project_id": "p", "pipeline_definition_id": "d", "vcs_origin": None},
     Publisher("CircleCI", project_id="p", pipeline_definition_id="d")),
    ({"kind": "CircleCI", "project_id": "p", "pipeline_definition_id": "d", "vcs_origin": "", "vcs_ref": "r"},
     Publisher("CircleCI", project_id="p", pipeline_definition_id="d", vcs_origin="", vcs_ref="r")),
    ({"kind": "ActiveState", "organization": "o"}, Publisher("ActiveState")),
])
def test_publisher_objects(publisher: Any, want: Publisher) -> None:
    (got, _), = parse_provenance_object(provenance(publisher))
    assert got == want


@pytest.mark.parametrize("publisher", [
    {"kind": "GitHub", "repository": "o/r"},  # pypi-attestations' GitHubPublisher requires the workflow
    {"kind": "GitHub", "repository": "o/r", "workflow": None},
    {"kind": "GitHub", "repository": "o/r", "workflow": ""},
    {"kind": "GitHub", "workflow": "release.yml"},
    {"kind": "GitHub", "repository": "o/r", "workflow": "release.yml", "environment": 1},
    {"kind": "GitLab", "repository": "g/p", "workflow": ".gitlab-ci.yml"},  # GitLab's key is workflow_filepath
    {"kind": "Google"},
    {"kind": "Google", "email": 5},
    {"kind": "CircleCI", "project_id": "p"},
    {"kind": "CircleCI", "project_id": "p", "pipeline_definition_id": "d", "vcs_ref": 1},
    {"repository": "o/r", "workflow": "release.yml"},
    "GitHub",
])
def test_malformed_publisher_objects(publisher: Any) -> None:
    with pytest.raises(VerificationError) as info:
        parse_provenance_object(provenance(publisher))
    assert info.value.code == "invalid-provenance"


def test_describe() -> None:
    assert GH.describe() == "GitHub org/repo (release.yml)" and GH.source == "github.com/org/repo"
    assert GL.describe() == "GitLab group/sub/proj (ci/release.yml)" and GL.source == "gitlab.com/group/sub/proj"
    assert Publisher("Google", email="a@b.test").describe() == "Google (a@b.test)"
    cci = Publisher("CircleCI", project_id="p", pipeline_definition_id="d", vcs_origin="github.com/o/r")
    assert cci.describe() == "CircleCI (project p, pipeline definition d, github.com/o/r)"
    assert cci.source == "github.com/o/r" and dataclasses.replace(cci, vcs_origin=None).source is None


@pytest.mark.parametrize(("subject", "filename", "code"), [
    ("Pkg_Name-1.0.tar.gz", "pkg_name-1.0.tar.gz", None),
    ("pkg.name-1.0.0.tar.gz", "pkg_name-1.0.tar.gz", None),
    # an sdist's parsed name has no extension: the digest, checked exactly, is what binds the bytes
    ("pkg_name-1.0.zip", "pkg_name-1.0.tar.gz", None),
    ("pkg_name-1.1.tar.gz", "pkg_name-1.0.tar.gz", "mismatch-hash"),
    ("other-1.0.tar.gz", "pkg_name-1.0.tar.gz", "mismatch-hash"),
    ("pkg_name-1.0-py3-none-any.whl", "pkg_name-1.0.tar.gz", "mismatch-hash"),
    ("pkg_name-1.0.tar.gz", "pkg_name-1.0-py3-none-any.whl", "mismatch-hash"),
    ("pkg_name", "pkg_name-1.0.tar.gz", "invalid-provenance"),
    ("pkg_name-1.0.tar.bz2", "pkg_name-1.0.tar.gz", "invalid-provenance"),
    ("", "pkg_name-1.0.tar.gz", "invalid-provenance"),
    ("pkg_name-1.0.tar.bz2", "pkg_name-1.0.tar.bz2", "unsupported-format"),
])
def test_subject_names(auth: Authority, root: TrustedRoot, subject: str, filename: str, code: str | None) -> None:
    key, cert = auth.leaf(claims=github_claims(), san=SIGNER)
    statement = {"_type": "https://in-toto.io/Statement/v1", "predicateType": PUBLISH_V1, "predicate": None,
                 "subject": [{"name": subject, "digest": {"sha256": sha(CONTENT)}}]}
    bundle = auth.dsse_bundle(statement, key=key, cert=cert)
    att = {"version": 1, "verification_material": {"certificate": bundle["verificationMaterial"]["certificate"][
        "rawBytes"], "transparency_entries": bundle["verificationMaterial"]["tlogEntries"]},
           "envelope": {"statement": bundle["dsseEnvelope"]["payload"],
                        "signature": bundle["dsseEnvelope"]["signatures"][0]["sig"]}}
    assert code_of(verify_attestation, att, filename, sha(CONTENT), root, GH, profile=SLSA_VERIFIER) == code
