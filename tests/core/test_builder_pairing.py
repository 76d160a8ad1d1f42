"""Which certificate builder may sign which provenance, and the delegated (BYOB) builder rules, as slsa-verifier
applies them (verifiers/internal/gha: slsaprovenance/v0.2/provenance.go and v1.0/provenance.go ``buildTypeMap``,
provenance.go isValidDelegatorBuilderID / verifyBuilderIDPathPrefix, builder.go VerifyBuilderIdentity).

The real statements of tests/data are signed again by the test authority (tests/authority.py) with certificates
whose builder we choose: a real bundle cannot be tampered with without breaking its signature, and the pairs that
must fail (a delegator signing generic provenance, a generator signing BYOB provenance, ...) exist nowhere else.
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest

import pyslsa
from pyslsa.core.slsa import builders
from pyslsa.core.slsa.provenance import (
    BYOB_BUILDTYPE_V0,
    CONTAINER_BASED_BUILDTYPE_V01,
    CONTAINER_BUILDTYPE_V1,
    GENERIC_BUILDTYPE_V1,
    GITHUB_WORKFLOW_BUILDTYPE,
    GO_BUILDTYPE_V1,
    LEGACY_BUILDTYPE_V1,
    LEGACY_GO_BUILDTYPE_V1,
)
from pyslsa.errors import VerificationError
from tests.authority import FULCIO, Authority
from tests.conftest import BCR, CONTAINER_BASED, DELEGATOR, GENERIC, GO, MAVEN, TRW_BUILDER, vector


def _statement(path: Path) -> dict[str, Any]:
    doc = json.loads(vector(path).splitlines()[0])
    payload: dict[str, Any] = json.loads(base64.b64decode(doc["dsseEnvelope"]["payload"]))
    return payload


GEN = _statement(GENERIC / "binary-linux-amd64-push-v14.intoto.jsonl")
GO_ = _statement(GO / "binary-linux-amd64-push-v14.intoto.jsonl")
DELEG = _statement(DELEGATOR / "binary-linux-amd64-push-v14.build.slsa")
MAVEN_ = _statement(MAVEN / "binary-linux-amd64-push-v14.build.slsa")
CB = _statement(CONTAINER_BASED / "binary-linux-amd64-push-v14.intoto.build.slsa")
BCR_ = _statement(BCR / "MODULE.bazel.intoto.jsonl")

AT = "@refs/tags/v2.1.0"
EXAMPLE = "slsa-framework/example-package"
RULES_LINT = "aspect-build/rules_lint"
#: A repository's own release workflow: what most GitHub artifact attestations are signed by.
OWN = "https://github.com/aspect-build/rules_lint/.github/workflows/release.yml"
OWN_AT = "@refs/tags/v1.3.1"
GENERIC_AT = builders.GENERIC_GENERATOR + AT
DELEGATOR_AT = builders.GENERIC_DELEGATOR + AT
LOWPERMS_AT = builders.LOWPERMS_DELEGATOR + AT


def claims(repo: str = EXAMPLE, ref: str = "refs/tags/v14", sha: str = "4d329c75e7ec1725f7c9ce917a8799d408d06be3",
           trigger: str = "push") -> dict[str, str]:
    """Fulcio's GitHub Actions claims of the run that made the real v2.1.0 statements (or another run)."""
    return {FULCIO + "2": trigger, FULCIO + "3": sha, FULCIO + "5": repo, FULCIO + "6": ref,
            FULCIO + "12": f"https://github.com/{repo}", FULCIO + "13": sha, FULCIO + "14": ref,
            FULCIO + "20": trigger}


BCR_CLAIMS = claims(RULES_LINT, "refs/heads/publish-to-bcr", "8f70009fde0c94ade6ce2a054b94718c819126ec",
                    "workflow_dispatch")


@pytest.fixture(scope="module")
def auth() -> Authority:
    return Authority()


@pytest.fixture(scope="module")
def root(auth: Authority) -> bytes:
    return json.dumps(auth.trusted_root()).encode()


_ABSENT = object()


def tamper(stmt: dict[str, Any], build_type: Any = None, builder_id: str | None = None) -> dict[str, Any]:
    """A copy of ``stmt`` with another build type (``_ABSENT`` removes it) and / or builder id."""
    stmt = copy.deepcopy(stmt)
    pred = stmt["predicate"]
    v1 = "buildDefinition" in pred
    holder = pred["buildDefinition"] if v1 else pred
    if build_type is _ABSENT:
        del holder["buildType"]
    elif build_type is not None:
        holder["buildType"] = build_type
    if builder_id is not None:
        (pred["runDetails"]["builder"] if v1 else pred["builder"])["id"] = builder_id
    return stmt


def _digest(stmt: dict[str, Any]) -> str:
    return "sha256:" + stmt["subject"][0]["digest"]["sha256"]


def _bundle(auth: Authority, stmt: dict[str, Any], san: str, cert_claims: dict[str, str]) -> bytes:
    key, cert = auth.leaf(san=san, claims=cert_claims)
    return json.dumps(auth.dsse_bundle(stmt, key=key, cert=cert)).encode()


def run(auth: Authority, root: bytes, stmt: dict[str, Any], san: str, *, command: str = "verify-artifact",
        cert_claims: dict[str, str] | None = None, **kw: Any) -> Any:
    bcr = stmt["predicate"].get("buildDefinition", {}).get("buildType") == GITHUB_WORKFLOW_BUILDTYPE
    kw.setdefault("source_uri", f"github.com/{RULES_LINT if bcr else EXAMPLE}")
    cert_claims = cert_claims if cert_claims is not None else (BCR_CLAIMS if bcr else claims())
    bundle = _bundle(auth, stmt, san, cert_claims)
    verify = pyslsa.verify_artifact if command == "verify-artifact" else pyslsa.verify_github_attestation
    return verify(_digest(stmt), bundle, trusted_root=root, **kw)


def outcome(auth: Authority, root: bytes, stmt: dict[str, Any], san: str, **kw: Any) -> str:
    """``"pass"`` or the error code."""
    try:
        result = run(auth, root, stmt, san, **kw)
    except VerificationError as exc:
        assert "\n" not in exc.message
        return exc.code
    assert result.artifacts[0].sha256 == _digest(stmt)[7:]
    return "pass"


# -- the reader tables: (certificate builder, SLSA version, build type) ----------------------------------------------

ARTIFACT_PAIRS: list[tuple[str, dict[str, Any], str, dict[str, Any], str]] = [
    # (id, statement, signing workflow, verify-artifact kwargs, expected)
    ("generic signs generic", GEN, GENERIC_AT, {}, "pass"),
    ("generic signs BYOB build type", tamper(GEN, BYOB_BUILDTYPE_V0), GENERIC_AT, {}, "invalid-build-type"),
    ("generic signs go build type", tamper(GEN, GO_BUILDTYPE_V1), GENERIC_AT, {}, "invalid-build-type"),
    ("generic signs no build type", tamper(GEN, _ABSENT), GENERIC_AT, {}, "invalid-build-type"),
    ("generic signs empty build type", tamper(GEN, ""), GENERIC_AT, {}, "invalid-build-type"),
    ("generic signs a non-string build type", tamper(GEN, 7), GENERIC_AT, {}, "invalid-provenance"),
    ("generic signs v1 container-based", tamper(CB, builder_id=GENERIC_AT), GENERIC_AT, {}, "invalid-builder-id"),
    ("generic signs v1 BYOB", DELEG, GENERIC_AT, {}, "invalid-builder-id"),
    # the delegators read BYOB provenance only: a delegator's signature on generic provenance naming a trusted
    # generator is not that generator's provenance (pyslsa used to accept it without --builder-id)
    ("delegator signs generic", GEN, DELEGATOR_AT, {}, "invalid-build-type"),
    ("low-perms delegator signs generic", GEN, LOWPERMS_AT, {"builder_id": builders.GENERIC_GENERATOR},
     "invalid-build-type"),
    ("delegator signs v1 container-based", CB, DELEGATOR_AT, {}, "invalid-build-type"),
    ("delegator signs BYOB", DELEG, DELEGATOR_AT, {"builder_id": TRW_BUILDER}, "pass"),
    ("low-perms delegator signs BYOB", DELEG, LOWPERMS_AT, {"builder_id": TRW_BUILDER}, "pass"),
    ("low-perms delegator signs Maven", MAVEN_, LOWPERMS_AT, {}, "pass"),
    # SLSA v0.2 BYOB: read as BYOB (tag from the source URI, GITHUB_* environment keys, which this one lacks)
    ("delegator signs v0.2 BYOB", tamper(GEN, BYOB_BUILDTYPE_V0, TRW_BUILDER + AT), DELEGATOR_AT,
     {"builder_id": TRW_BUILDER, "source_tag": "v14"}, "pass"),
    ("delegator signs v0.2 BYOB, branch asked", tamper(GEN, BYOB_BUILDTYPE_V0, TRW_BUILDER + AT), DELEGATOR_AT,
     {"builder_id": TRW_BUILDER, "source_branch": "main"}, "invalid-provenance"),
    ("delegator signs GitHub workflow type", tamper(DELEG, GITHUB_WORKFLOW_BUILDTYPE), DELEGATOR_AT,
     {"builder_id": TRW_BUILDER}, "invalid-build-type"),
    ("go signs go", GO_, builders.GO_BUILDER + AT, {}, "pass"),
    ("go signs legacy go build type", tamper(GO_, LEGACY_GO_BUILDTYPE_V1), builders.GO_BUILDER + AT, {}, "pass"),
    ("go signs legacy build type", tamper(GO_, LEGACY_BUILDTYPE_V1), builders.GO_BUILDER + AT, {}, "pass"),
    ("go signs generic build type", tamper(GO_, GENERIC_BUILDTYPE_V1), builders.GO_BUILDER + AT, {},
     "invalid-build-type"),
    ("generic signs legacy go build type", tamper(GEN, LEGACY_GO_BUILDTYPE_V1), GENERIC_AT, {},
     "invalid-build-type"),
    ("container-based signs container-based", CB, builders.CONTAINER_BASED_BUILDER + AT, {}, "pass"),
    ("container-based signs BYOB build type", tamper(CB, BYOB_BUILDTYPE_V0), builders.CONTAINER_BASED_BUILDER + AT,
     {}, "invalid-build-type"),
    ("container-based signs v0.2", tamper(GEN, builder_id=builders.CONTAINER_BASED_BUILDER + AT),
     builders.CONTAINER_BASED_BUILDER + AT, {}, "invalid-builder-id"),
    # the container generator (images) reads its own v0.2 build type, when named
    ("container generator signs container@v1",
     tamper(GEN, CONTAINER_BUILDTYPE_V1, builders.CONTAINER_GENERATOR + AT), builders.CONTAINER_GENERATOR + AT,
     {"builder_id": builders.CONTAINER_GENERATOR}, "pass"),
    ("container generator signs generic", tamper(GEN, builder_id=builders.CONTAINER_GENERATOR + AT),
     builders.CONTAINER_GENERATOR + AT, {"builder_id": builders.CONTAINER_GENERATOR}, "invalid-build-type"),
    ("container generator is not trusted by default",
     tamper(GEN, CONTAINER_BUILDTYPE_V1, builders.CONTAINER_GENERATOR + AT), builders.CONTAINER_GENERATOR + AT, {},
     "untrusted-builder"),
    # GitHub artifact attestations: slsa-verifier's verify-artifact reads the BCR workflows' when named, and no
    # other workflow's
    ("BCR publisher signs its attestation", BCR_, builders.BCR_PUBLISHER + "@refs/tags/v0.0.1",
     {"builder_id": builders.BCR_PUBLISHER}, "pass"),
    ("BCR releaser signs an attestation", tamper(BCR_, builder_id=builders.BCR_RELEASER + "@refs/tags/v0.0.1"),
     builders.BCR_RELEASER + "@refs/tags/v0.0.1", {"builder_id": builders.BCR_RELEASER}, "pass"),
    ("BCR publisher signs BYOB build type", tamper(BCR_, BYOB_BUILDTYPE_V0),
     builders.BCR_PUBLISHER + "@refs/tags/v0.0.1", {"builder_id": builders.BCR_PUBLISHER}, "invalid-build-type"),
    ("own workflow signs an attestation", tamper(BCR_, builder_id=OWN + OWN_AT), OWN + OWN_AT, {"builder_id": OWN},
     "invalid-builder-id"),
    ("delegator signs an attestation", BCR_, DELEGATOR_AT, {"builder_id": TRW_BUILDER}, "invalid-build-type"),
]


@pytest.mark.parametrize(("stmt", "san", "kw", "expect"), [p[1:] for p in ARTIFACT_PAIRS],
                         ids=[p[0] for p in ARTIFACT_PAIRS])
def test_verify_artifact_pairs_builder_and_build_type(auth: Authority, root: bytes, stmt: dict[str, Any], san: str,
                                                      kw: dict[str, Any], expect: str) -> None:
    assert outcome(auth, root, stmt, san, **kw) == expect


ATTESTATION_PAIRS: list[tuple[str, dict[str, Any], str, str, str]] = [
    # (id, statement, signing workflow, --builder-id, expected)
    ("BCR publisher", BCR_, builders.BCR_PUBLISHER + "@refs/tags/v0.0.1", builders.BCR_PUBLISHER, "pass"),
    ("BCR releaser", tamper(BCR_, builder_id=builders.BCR_RELEASER + "@refs/tags/v0.0.1"),
     builders.BCR_RELEASER + "@refs/tags/v0.0.1", builders.BCR_RELEASER, "pass"),
    # pyslsa's rule: a workflow the user names, unknown to slsa-verifier's tables, may sign GitHub workflow
    # provenance (slsa-verifier answers invalid-builder-id: it reads only the BCR workflows' attestations) ...
    ("own workflow, named", tamper(BCR_, builder_id=OWN + OWN_AT), OWN + OWN_AT, OWN, "pass"),
    ("own workflow, named with its tag", tamper(BCR_, builder_id=OWN + OWN_AT), OWN + OWN_AT, OWN + "@v1.3.1", "pass"),
    ("own workflow, another named", tamper(BCR_, builder_id=OWN + OWN_AT), OWN + OWN_AT,
     OWN.replace("release", "publish"), "untrusted-builder"),
    ("own workflow, another version named", tamper(BCR_, builder_id=OWN + OWN_AT), OWN + OWN_AT, OWN + "@v1.3.0",
     "untrusted-builder"),
    ("own workflow not at a release tag", tamper(BCR_, builder_id=OWN + "@refs/heads/main"), OWN + "@refs/heads/main",
     OWN, "invalid-ref"),
    ("own workflow, provenance names another builder", tamper(BCR_, builder_id=OWN + "@refs/tags/v1.3.0"),
     OWN + OWN_AT, OWN, "mismatch-builder-id"),
    # ... and nothing else
    ("own workflow, BYOB build type", tamper(BCR_, BYOB_BUILDTYPE_V0, OWN + OWN_AT), OWN + OWN_AT, OWN,
     "invalid-build-type"),
    ("own workflow, container-based build type", tamper(BCR_, CONTAINER_BASED_BUILDTYPE_V01, OWN + OWN_AT),
     OWN + OWN_AT, OWN, "invalid-build-type"),
    ("own workflow, no build type", tamper(BCR_, _ABSENT, OWN + OWN_AT), OWN + OWN_AT, OWN, "invalid-build-type"),
    ("own workflow, SLSA v0.2", tamper(GEN, builder_id=OWN + OWN_AT), OWN + OWN_AT, OWN, "invalid-builder-id"),
    # a builder the tables know keeps its own build types
    ("generic generator, GitHub workflow type", tamper(BCR_, builder_id=GENERIC_AT), GENERIC_AT,
     builders.GENERIC_GENERATOR, "invalid-builder-id"),
    ("container-based, GitHub workflow type", tamper(BCR_, builder_id=builders.CONTAINER_BASED_BUILDER + AT),
     builders.CONTAINER_BASED_BUILDER + AT, builders.CONTAINER_BASED_BUILDER, "invalid-build-type"),
    ("BCR publisher, generic type", tamper(BCR_, GENERIC_BUILDTYPE_V1), builders.BCR_PUBLISHER + "@refs/tags/v0.0.1",
     builders.BCR_PUBLISHER, "invalid-build-type"),
    ("generic generator, its own provenance", GEN, GENERIC_AT, builders.GENERIC_GENERATOR, "pass"),
    ("container-based, its own provenance", CB, builders.CONTAINER_BASED_BUILDER + AT,
     builders.CONTAINER_BASED_BUILDER, "pass"),
    # verify-github-attestation trusts no delegator (slsa-verifier: isTrustedDelegatorBuilder needs the
    # delegator among the command's trusted builders, and it has none), so BYOB provenance never passes
    ("delegator, the BYOB builder named", DELEG, DELEGATOR_AT, TRW_BUILDER, "untrusted-builder"),
    ("delegator, the delegator named", DELEG, DELEGATOR_AT, builders.GENERIC_DELEGATOR, "mismatch-builder-id"),
    ("low-perms delegator, Maven named", MAVEN_, LOWPERMS_AT,
     builders.GENERATOR_WORKFLOWS + "builder_maven_slsa3.yml", "untrusted-builder"),
]


@pytest.mark.parametrize(("stmt", "san", "builder_id", "expect"), [p[1:] for p in ATTESTATION_PAIRS],
                         ids=[p[0] for p in ATTESTATION_PAIRS])
def test_verify_github_attestation_pairs_builder_and_build_type(auth: Authority, root: bytes, stmt: dict[str, Any],
                                                                san: str, builder_id: str, expect: str) -> None:
    assert outcome(auth, root, stmt, san, command="verify-github-attestation", builder_id=builder_id) == expect


def test_pairing_comes_after_the_certificate_checks(auth: Authority, root: bytes) -> None:
    """slsa-verifier reads the provenance (and so pairs it) after the builder identity and the certificate's
    source: an untrusted signer or another repository is reported first."""
    bad = tamper(GEN, BYOB_BUILDTYPE_V0)
    assert outcome(auth, root, bad, GENERIC_AT, source_uri="github.com/o/r") == "mismatch-source"
    assert outcome(auth, root, bad, GENERIC_AT.replace("v2.1.0", "v2.1.0-rc.1")) == "invalid-ref"
    assert outcome(auth, root, bad, OWN + OWN_AT) == "untrusted-builder"
    # and before the builder id, the source URIs and the subject
    assert outcome(auth, root, tamper(bad, builder_id=TRW_BUILDER + AT), GENERIC_AT) == "invalid-build-type"
    assert outcome(auth, root, bad, GENERIC_AT, source_tag="v13") == "invalid-build-type"


def test_pairing_messages_name_expected_and_got(auth: Authority, root: bytes) -> None:
    with pytest.raises(VerificationError) as info:
        run(auth, root, tamper(GEN, BYOB_BUILDTYPE_V0), GENERIC_AT)
    assert BYOB_BUILDTYPE_V0 in info.value.message and GENERIC_BUILDTYPE_V1 in info.value.message
    assert builders.GENERIC_GENERATOR in info.value.message
    with pytest.raises(VerificationError) as info:
        run(auth, root, DELEG, GENERIC_AT)
    assert "SLSA v1" in info.value.message and builders.GENERIC_GENERATOR in info.value.message


# -- delegated (BYOB) builder ids: isValidDelegatorBuilderID, verifyBuilderIDPathPrefix --------------------------------

JRELEASER = "https://github.com/jreleaser/release-action/.github/workflows/builder_slsa3.yml"


def byob(auth: Authority, root: bytes, prov_id: str, **kw: Any) -> str:
    """The outcome for the real delegator statement naming ``prov_id`` as its builder, signed by the delegator."""
    return outcome(auth, root, tamper(DELEG, builder_id=prov_id), DELEGATOR_AT, **kw)


@pytest.mark.parametrize(("prov_id", "kw", "expect"), [
    (TRW_BUILDER + AT, {"builder_id": TRW_BUILDER}, "pass"),
    # not name@ref: ErrorInvalidBuilderID, whether or not the user names a builder
    (TRW_BUILDER, {"builder_id": TRW_BUILDER}, "invalid-builder-id"),
    (TRW_BUILDER, {}, "invalid-builder-id"),
    (TRW_BUILDER + "@refs/tags/v2.1.0@x", {"builder_id": TRW_BUILDER}, "invalid-builder-id"),
    # name@ref, but not a release tag
    (TRW_BUILDER + "@", {"builder_id": TRW_BUILDER}, "invalid-ref"),
    (TRW_BUILDER + "@v2.1.0", {"builder_id": TRW_BUILDER}, "invalid-ref"),
    (TRW_BUILDER + "@refs/heads/main", {"builder_id": TRW_BUILDER}, "invalid-ref"),
    (TRW_BUILDER + "@refs/tags/v2.1.0-rc.1", {"builder_id": TRW_BUILDER}, "invalid-ref"),
    (TRW_BUILDER + "@refs/tags/v2.1", {"builder_id": TRW_BUILDER}, "invalid-ref"),
    # the ref is checked before the builder is matched or its path prefix checked
    (TRW_BUILDER + "@refs/heads/main", {"builder_id": TRW_BUILDER + "x"}, "invalid-ref"),
    (TRW_BUILDER + "@refs/heads/main", {}, "invalid-ref"),
    # outside slsa-github-generator, without --builder-id: ErrorInvalidBuilderID
    (TRW_BUILDER + AT, {}, "invalid-builder-id"),
    (builders.GENERATOR_WORKFLOWS + "builder_maven_slsa3.yml" + AT, {}, "pass"),
    ("https://github.com/slsa-framework/slsa-github-generator/.github/workflowsX/b.yml" + AT, {},
     "invalid-builder-id"),
    (TRW_BUILDER + AT, {"builder_id": TRW_BUILDER + "@v2.0.0"}, "mismatch-builder-id"),
    # JReleaser's builders are released at vX.Y.Z-java; its repository is a plain prefix of the name
    (JRELEASER + "@refs/tags/v1.2.3-java", {"builder_id": JRELEASER}, "pass"),
    (JRELEASER + "@refs/tags/v1.2.3", {"builder_id": JRELEASER}, "invalid-ref"),
    (JRELEASER + "@refs/tags/v1.2.3-go", {"builder_id": JRELEASER}, "invalid-ref"),
    (JRELEASER + "@refs/tags/v1.2.3-java+1", {"builder_id": JRELEASER}, "invalid-ref"),
    (JRELEASER.replace("release-action", "release-action-x") + "@refs/tags/v1.2.3-java",
     {"builder_id": JRELEASER.replace("release-action", "release-action-x")}, "pass"),
    (JRELEASER.replace("release-action", "release-action-x") + "@refs/tags/v1.2.3",
     {"builder_id": JRELEASER.replace("release-action", "release-action-x")}, "invalid-ref"),
    (JRELEASER + "@refs/tags/v1.2.3-java", {}, "invalid-builder-id"),
])
def test_delegated_builder_id(auth: Authority, root: bytes, prov_id: str, kw: dict[str, Any], expect: str) -> None:
    assert byob(auth, root, prov_id, **kw) == expect


def test_delegated_builder_id_message(auth: Authority, root: bytes) -> None:
    with pytest.raises(VerificationError) as info:
        run(auth, root, DELEG, DELEGATOR_AT)
    assert info.value.code == "invalid-builder-id"
    assert TRW_BUILDER in info.value.message and builders.GENERATOR_WORKFLOWS in info.value.message
    with pytest.raises(VerificationError) as info:
        run(auth, root, tamper(DELEG, builder_id=TRW_BUILDER), DELEGATOR_AT, builder_id=TRW_BUILDER)
    assert info.value.code == "invalid-builder-id" and "name@ref" in info.value.message


# -- SLSA_VERIFIER_TESTING --------------------------------------------------------------------------------------------


def _from_generator(stmt: dict[str, Any]) -> dict[str, Any]:
    """``stmt`` as if built from slsa-github-generator's own repository."""
    text = json.dumps(stmt).replace(EXAMPLE, builders.GENERATOR_REPO)
    out: dict[str, Any] = json.loads(text)
    return out


@pytest.mark.parametrize(("value", "testing"), [
    ("1", True), ("true", True), ("True", True), ("TRUE", True), ("t", True), ("T", True),
    ("0", False), ("false", False), ("FALSE", False), ("f", False), ("F", False), ("yes", False), ("on", False),
    ("", False), (" 1", False),
])
def test_testing_switch_parses_like_go(auth: Authority, root: bytes, monkeypatch: pytest.MonkeyPatch, value: str,
                                       testing: bool) -> None:
    """options.TestingEnabled: strconv.ParseBool(SLSA_VERIFIER_TESTING), false when it does not parse."""
    monkeypatch.setenv("SLSA_VERIFIER_TESTING", value)
    got = byob(auth, root, TRW_BUILDER + "@refs/heads/main", builder_id=TRW_BUILDER)
    assert got == ("pass" if testing else "invalid-ref")


@pytest.mark.parametrize(("prov_id", "from_generator", "expect"), [
    # the e2e repository's BYOB builds may use a builder at refs/heads/main, nothing else
    (TRW_BUILDER + "@refs/heads/main", False, "pass"),
    (TRW_BUILDER + "@refs/heads/dev", False, "invalid-ref"),
    (TRW_BUILDER + "@refs/tags/v2.1.0-rc.1", False, "invalid-ref"),
    (TRW_BUILDER + AT, False, "pass"),
    # slsa-github-generator's own builds get no exemption for BYOB builders (pyslsa used to accept any ref)
    (TRW_BUILDER + "@refs/heads/main", True, "invalid-ref"),
    (TRW_BUILDER + "@refs/tags/v2.1.0-rc.1", True, "invalid-ref"),
    (TRW_BUILDER + "@refs/tags/anything", True, "invalid-ref"),
    (TRW_BUILDER + AT, True, "pass"),
    # JReleaser's rule comes first: no main-branch exemption for it
    (JRELEASER + "@refs/heads/main", False, "invalid-ref"),
    (JRELEASER + "@refs/tags/v1.2.3-java", False, "pass"),
])
def test_testing_switch_for_delegated_builders(auth: Authority, root: bytes, monkeypatch: pytest.MonkeyPatch,
                                               prov_id: str, from_generator: bool, expect: str) -> None:
    monkeypatch.setenv("SLSA_VERIFIER_TESTING", "1")
    stmt = _from_generator(DELEG) if from_generator else DELEG
    repo = builders.GENERATOR_REPO if from_generator else EXAMPLE
    name = prov_id.rpartition("@")[0]
    got = outcome(auth, root, tamper(stmt, builder_id=prov_id), DELEGATOR_AT, cert_claims=claims(repo),
                  source_uri=f"github.com/{repo}", builder_id=name)
    assert got == expect


def test_testing_switch_for_certificate_builders(auth: Authority, root: bytes, monkeypatch: pytest.MonkeyPatch
                                                 ) -> None:
    """verifyTrustedBuilderRef: under testing, the builder and e2e repositories' own runs may use a trusted
    builder at refs/heads/main or a prerelease tag; other repositories may not."""
    main = GENERIC_AT.replace("refs/tags/v2.1.0", "refs/heads/main")
    rc = GENERIC_AT.replace("v2.1.0", "v2.1.0-rc.1")
    for san in (main, rc):
        stmt = tamper(GEN, builder_id=san)
        assert outcome(auth, root, stmt, san) == "invalid-ref"
        monkeypatch.setenv("SLSA_VERIFIER_TESTING", "1")
        assert outcome(auth, root, stmt, san) == "pass"
        gen = _from_generator(stmt)
        assert outcome(auth, root, gen, san, cert_claims=claims(builders.GENERATOR_REPO),
                       source_uri=f"github.com/{builders.GENERATOR_REPO}") == "pass"
        other = json.loads(json.dumps(stmt).replace(EXAMPLE, "o/r"))
        assert outcome(auth, root, other, san, cert_claims=claims("o/r"), source_uri="github.com/o/r") == "invalid-ref"
        monkeypatch.delenv("SLSA_VERIFIER_TESTING")


def test_github_attestation_honours_the_testing_switch(auth: Authority, root: bytes, monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    main = GENERIC_AT.replace("refs/tags/v2.1.0", "refs/heads/main")
    stmt = tamper(GEN, builder_id=main)
    kw = {"command": "verify-github-attestation", "builder_id": builders.GENERIC_GENERATOR}
    assert outcome(auth, root, stmt, main, **kw) == "invalid-ref"
    monkeypatch.setenv("SLSA_VERIFIER_TESTING", "1")
    assert outcome(auth, root, stmt, main, **kw) == "pass"


# -- the certificate's workflow: split at its last '@', nothing trimmed (SubjectWorkflowName / SubjectWorkflowRef) --


@pytest.mark.parametrize(("san", "kw", "expect"), [
    (GENERIC_AT, {}, "pass"),
    # a name that is not the trusted one byte for byte is another workflow (pyslsa used to trim slashes)
    (builders.GENERIC_GENERATOR + "/" + AT, {}, "untrusted-builder"),
    (builders.GENERIC_GENERATOR + "/" + AT, {"builder_id": builders.GENERIC_GENERATOR}, "untrusted-builder"),
    (GENERIC_AT.replace("github.com/", "github.com//"), {}, "untrusted-builder"),
    # a ref that is not refs/tags/vX.Y.Z byte for byte is not a release
    (builders.GENERIC_GENERATOR + "@/refs/tags/v2.1.0", {}, "invalid-ref"),
    (builders.GENERIC_GENERATOR + "@refs/tags/v2.1.0/", {}, "invalid-ref"),
    (builders.GENERIC_GENERATOR + "@", {}, "malformed-uri"),
    (builders.GENERIC_GENERATOR, {}, "malformed-uri"),
])
def test_certificate_workflow_is_read_exactly(auth: Authority, root: bytes, san: str, kw: dict[str, Any],
                                              expect: str) -> None:
    # the provenance names the builder the trimmed identity would have been: only the certificate decides
    assert outcome(auth, root, GEN, san, **kw) == expect


# -- GitHub workflow provenance is read as slsa-verifier reads it -----------------------------------------------------


@pytest.mark.parametrize(("kw", "expect"), [
    ({}, "pass"),
    # slsa-verifier's GithubAttestProvenance overrides only TriggerURI: the branch, tag and inputs are read from
    # GITHUB_* internal parameters, which actions/attest-build-provenance does not write
    ({"source_branch": "publish-to-bcr"}, "invalid-provenance"),
    ({"source_tag": "v1"}, "invalid-provenance"),
    ({"source_versioned_tag": "v1"}, "invalid-provenance"),
    ({"build_workflow_inputs": {"a": "b"}}, "invalid-provenance"),
])
def test_github_workflow_provenance_has_no_branch_or_tag_for_slsa_verifier(auth: Authority, root: bytes,
                                                                           kw: dict[str, Any], expect: str) -> None:
    san = builders.BCR_PUBLISHER + "@refs/tags/v0.0.1"
    assert outcome(auth, root, BCR_, san, builder_id=builders.BCR_PUBLISHER, **kw) == expect


@pytest.mark.parametrize(("field", "value", "expect"), [
    ("repository", "", "mismatch-source"),  # "git+@ref" is not the source
    ("ref", "", "malformed-uri"),  # the trigger URI has no ref
    ("repository", 7, "invalid-provenance"),
])
def test_github_workflow_trigger_uri(auth: Authority, root: bytes, field: str, value: Any, expect: str) -> None:
    stmt = copy.deepcopy(BCR_)
    stmt["predicate"]["buildDefinition"]["externalParameters"]["workflow"][field] = value
    san = builders.BCR_PUBLISHER + "@refs/tags/v0.0.1"
    assert outcome(auth, root, stmt, san, command="verify-github-attestation",
                   builder_id=builders.BCR_PUBLISHER) == expect


def test_trigger_and_source_that_disagree_are_invalid_provenance(auth: Authority, root: bytes) -> None:
    """Both name the expected repository but not the same ref: slsa-verifier's verifySourceURI answers
    ErrorInvalidDssePayload (the provenance contradicts itself), not a source mismatch."""
    stmt = copy.deepcopy(GEN)
    stmt["predicate"]["materials"][0]["uri"] = f"git+https://github.com/{EXAMPLE}@refs/heads/main"
    assert outcome(auth, root, stmt, GENERIC_AT) == "invalid-provenance"
    stmt["predicate"]["materials"][0]["uri"] = f"git+https://github.com/{EXAMPLE}x@refs/tags/v14"
    assert outcome(auth, root, stmt, GENERIC_AT) == "mismatch-source"
