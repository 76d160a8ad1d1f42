"""The branch and tag a build ran for, read as slsa-verifier reads them, on the real statements and tampered copies.

slsa-verifier (verifiers/internal/gha/provenance.go VerifyBranch / VerifyTag / VerifyVersionedTag) takes the
provenance's branch or tag ref (slsaprovenance/common/common.go GetBranch / GetTag; for BYOB builds byob.go, which
reads the source URI's ref) through utils.BranchFromGitRef / TagFromGitRef, which refuse anything that is not
``refs/heads/<name>`` / ``refs/tags/<name>`` with ErrorInvalidRef, before comparing anything.
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from pyslsa.core.dsse import Statement
from pyslsa.core.slsa import builders, policy, refs
from pyslsa.core.slsa.provenance import (
    BYOB_BUILDTYPE_V0,
    CONTAINER_BASED_BUILDTYPE_V01,
    GENERIC_BUILDTYPE_V1,
    GITHUB_WORKFLOW_BUILDTYPE,
    GO_BUILDTYPE_V1,
    ByobProvenanceV02,
    ByobProvenanceV1,
    GitHubWorkflowProvenance,
    Provenance,
    ProvenanceV02,
    ProvenanceV1,
    provenance_from_statement,
)
from pyslsa.errors import VerificationError
from tests.conftest import BCR, CONTAINER_BASED, DELEGATOR, GENERIC, GO, MAVEN, vector


def _statement(path: Path) -> dict[str, Any]:
    doc = json.loads(vector(path).splitlines()[0])
    payload: dict[str, Any] = json.loads(base64.b64decode(doc["dsseEnvelope"]["payload"]))
    return payload


def _signer(path: Path) -> str:
    """The builder the vector's real certificate names: its SAN without the ref (what picks the reader)."""
    doc = json.loads(vector(path).splitlines()[0])
    vm = doc["verificationMaterial"]
    raw = (vm.get("certificate") or vm["x509CertificateChain"]["certificates"][0])["rawBytes"]
    cert = x509.load_der_x509_certificate(base64.b64decode(raw))
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    name: str = san.get_values_for_type(x509.UniformResourceIdentifier)[0].rpartition("@")[0]
    return name


#: The certificate builder that signs each build type in the real vectors (checked by
#: test_reader_by_certificate_builder_and_build_type against the certificates themselves).
SIGNER_OF_BUILD_TYPE = {
    GENERIC_BUILDTYPE_V1: builders.GENERIC_GENERATOR,
    GO_BUILDTYPE_V1: builders.GO_BUILDER,
    BYOB_BUILDTYPE_V0: builders.GENERIC_DELEGATOR,
    CONTAINER_BASED_BUILDTYPE_V01: builders.CONTAINER_BASED_BUILDER,
    GITHUB_WORKFLOW_BUILDTYPE: builders.BCR_PUBLISHER,
}


GEN_WD = _statement(GENERIC / "binary-linux-amd64-workflow_dispatch.intoto.jsonl")
GEN_V14 = _statement(GENERIC / "binary-linux-amd64-push-v14.intoto.jsonl")
DELEG_WD = _statement(DELEGATOR / "binary-linux-amd64-workflow_dispatch.build.slsa")
DELEG_V14 = _statement(DELEGATOR / "binary-linux-amd64-push-v14.build.slsa")
CB_WD = _statement(CONTAINER_BASED / "binary-linux-amd64-workflow_dispatch.intoto.build.slsa")
CB_V14 = _statement(CONTAINER_BASED / "binary-linux-amd64-push-v14.intoto.build.slsa")


def _build_type(stmt: dict[str, Any]) -> str:
    pred = stmt["predicate"]
    bt: str = pred["buildType"] if "buildType" in pred else pred["buildDefinition"]["buildType"]
    return bt


def prov(stmt: dict[str, Any], builder: str | None = None) -> Provenance:
    """The reader for ``stmt`` signed by ``builder`` (by default, the builder that signs its build type)."""
    return provenance_from_statement(Statement.from_bytes(json.dumps(stmt).encode()),
                                     builder or SIGNER_OF_BUILD_TYPE[_build_type(stmt)])


def code_of(fn: Any, *args: Any) -> str:
    with pytest.raises(VerificationError) as info:
        fn(*args)
    assert "\n" not in info.value.message
    return info.value.code


def env(stmt: dict[str, Any]) -> dict[str, Any]:
    pred = stmt["predicate"]
    out: dict[str, Any] = (pred["invocation"]["environment"] if "invocation" in pred
                           else pred["buildDefinition"]["internalParameters"])
    return out


def set_source_uri(stmt: dict[str, Any], uri: str) -> dict[str, Any]:
    stmt = copy.deepcopy(stmt)
    pred = stmt["predicate"]
    if "materials" in pred:
        pred["materials"][0]["uri"] = uri
    else:
        pred["buildDefinition"]["resolvedDependencies"][0]["uri"] = uri
    return stmt


def with_env(stmt: dict[str, Any], **changes: Any) -> dict[str, Any]:
    stmt = copy.deepcopy(stmt)
    e = env(stmt)
    for k, v in changes.items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v
    return stmt


# -- which reader -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "cls"), [
    (GENERIC / "binary-linux-amd64-workflow_dispatch.intoto.jsonl", ProvenanceV02),
    (DELEGATOR / "binary-linux-amd64-workflow_dispatch.build.slsa", ByobProvenanceV1),
    (CONTAINER_BASED / "binary-linux-amd64-workflow_dispatch.intoto.build.slsa", ProvenanceV1),
    (GO / "binary-linux-amd64-workflow_dispatch.intoto.jsonl", ProvenanceV02),
    (MAVEN / "binary-linux-amd64-workflow_dispatch.build.slsa", ByobProvenanceV1),
    (BCR / "MODULE.bazel.intoto.jsonl", GitHubWorkflowProvenance),
], ids=lambda v: v.parent.parent.name + "/" + v.name if isinstance(v, Path) else v.__name__)
def test_reader_by_certificate_builder_and_build_type(path: Path, cls: type) -> None:
    """slsa-verifier's ProvenanceFromEnvelope: the certificate's builder and the build type pick the reader."""
    stmt, signer = _statement(path), _signer(path)
    assert type(prov(stmt, signer)) is cls
    if _build_type(stmt) == BYOB_BUILDTYPE_V0:
        assert signer in builders.DELEGATORS  # both delegators sign BYOB provenance (Maven's: the low-perms one)
    else:
        assert signer == SIGNER_OF_BUILD_TYPE[_build_type(stmt)]


def test_v02_byob_build_type_gets_the_byob_reader() -> None:
    stmt = copy.deepcopy(GEN_WD)
    stmt["predicate"]["buildType"] = BYOB_BUILDTYPE_V0
    stmt["predicate"]["invocation"]["environment"] = {k.upper(): v for k, v in env(GEN_WD).items()}
    p = prov(stmt, builders.LOWPERMS_DELEGATOR)
    assert type(p) is ByobProvenanceV02
    assert p.branch_ref() == "refs/heads/main" and p.tag_ref() == ""
    assert code_of(policy.verify_tag, p, "v1") == "invalid-ref"
    assert p.trigger_context() == ("workflow_dispatch", "refs/heads/main", None)


# -- the real builds ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stmt", [GEN_WD, DELEG_WD, CB_WD], ids=["v0.2", "byob-v1", "container-based-v1"])
def test_branch_build_has_a_branch_and_no_tag(stmt: dict[str, Any]) -> None:
    p = prov(stmt)
    assert p.tag_ref() == "" and p.branch_ref() == "refs/heads/main"
    policy.verify_branch(p, "main")
    assert code_of(policy.verify_branch, p, "dev") == "mismatch-branch"
    assert code_of(policy.verify_tag, p, "v1.2.3") == "invalid-ref"
    assert code_of(policy.verify_versioned_tag, p, "v1") == "invalid-ref"
    # the ref is read before the expected version is parsed (VerifyVersionedTag: TagFromGitRef first)
    assert code_of(policy.verify_versioned_tag, p, "not-semver") == "invalid-ref"


@pytest.mark.parametrize("stmt", [GEN_V14, DELEG_V14, CB_V14], ids=["v0.2", "byob-v1", "container-based-v1"])
def test_tag_build_has_its_tag_and_the_branch_it_was_pushed_from(stmt: dict[str, Any]) -> None:
    p = prov(stmt)
    assert p.tag_ref() == "refs/tags/v14" and p.branch_ref() == "refs/heads/main"
    policy.verify_tag(p, "v14")
    policy.verify_versioned_tag(p, "v14.0")
    policy.verify_branch(p, "main")
    assert code_of(policy.verify_tag, p, "v13") == "mismatch-tag"
    assert code_of(policy.verify_versioned_tag, p, "v13") == "mismatch-versioned-tag"
    assert code_of(policy.verify_versioned_tag, p, "14") == "invalid-semver"
    assert code_of(policy.verify_branch, p, "dev") == "mismatch-branch"


# -- a tag build's branch -----------------------------------------------------------------------------------------


def _payload_key(stmt: dict[str, Any]) -> str:
    return "github_event_payload" if "github_event_payload" in env(stmt) else "GITHUB_EVENT_PAYLOAD"


@pytest.mark.parametrize("stmt", [GEN_V14, DELEG_V14, CB_V14], ids=["v0.2", "byob-v1", "container-based-v1"])
def test_tag_on_no_branch_is_an_invalid_ref(stmt: dict[str, Any]) -> None:
    stmt = copy.deepcopy(stmt)
    env(stmt)[_payload_key(stmt)]["base_ref"] = None
    p = prov(stmt)
    assert p.branch_ref() == ""
    assert code_of(policy.verify_branch, p, "main") == "invalid-ref"
    policy.verify_tag(p, "v14")  # the tag itself is fine


@pytest.mark.parametrize("stmt", [GEN_V14, DELEG_V14], ids=["v0.2", "byob-v1"])
def test_branch_of_a_tag_build_by_event(stmt: dict[str, Any]) -> None:
    upper = "GITHUB_EVENT_NAME" in env(stmt)
    name, base = ("GITHUB_EVENT_NAME", "GITHUB_BASE_REF") if upper else ("github_event_name", "github_base_ref")
    # a workflow_dispatch run on a tag names no branch
    p = prov(with_env(stmt, **{name: "workflow_dispatch"}))
    assert code_of(policy.verify_branch, p, "main") == "invalid-ref"
    # a release: the release's target_commitish
    rel = with_env(stmt, **{name: "release", _payload_key(stmt): {"release": {"target_commitish": "stable"}}})
    policy.verify_branch(prov(rel), "stable")
    broken = with_env(stmt, **{name: "release", _payload_key(stmt): {}})
    assert code_of(policy.verify_branch, prov(broken), "stable") == "invalid-provenance"
    # github base_ref wins when set
    policy.verify_branch(prov(with_env(stmt, **{base: "refs/heads/rel"})), "rel")
    # a push without the payload's base_ref is malformed
    no_base = copy.deepcopy(stmt)
    del env(no_base)[_payload_key(stmt)]["base_ref"]
    assert code_of(policy.verify_branch, prov(no_base), "main") == "invalid-provenance"


# -- BYOB: the source URI's ref decides -----------------------------------------------------------------------------


def test_byob_tag_comes_from_the_source_uri_not_the_environment() -> None:
    # GITHUB_REF_TYPE still says tag, but the source is a branch: no tag
    p = prov(set_source_uri(DELEG_V14, "git+https://github.com/slsa-framework/example-package@refs/heads/main"))
    assert code_of(policy.verify_tag, p, "v14") == "invalid-ref"
    policy.verify_branch(p, "main")
    # and the other way round: a tag source of a branch-triggered run has that tag
    p = prov(set_source_uri(DELEG_WD, "git+https://github.com/slsa-framework/example-package@refs/tags/v9"))
    policy.verify_tag(p, "v9")
    policy.verify_branch(p, "main")  # a tag source: the branch comes from the environment (a branch run)


@pytest.mark.parametrize(("uri", "code"), [
    ("git+https://github.com/slsa-framework/example-package", "invalid-provenance"),  # no ref: BYOB may omit it
    ("git+https://github.com/slsa-framework/example-package@refs/pull/1/merge", "invalid-provenance"),
    ("git+https://github.com/slsa-framework/example-package@main", "invalid-provenance"),
    ("git+https://github.com/slsa-framework/example-package@refs/tags/", "invalid-ref"),
    ("https://github.com/slsa-framework/example-package@refs/tags/v14", "malformed-uri"),
])
def test_byob_source_ref_that_is_neither_branch_nor_tag(uri: str, code: str) -> None:
    p = prov(set_source_uri(DELEG_V14, uri))
    assert code_of(policy.verify_tag, p, "v14") == code
    if code != "invalid-ref":
        assert code_of(policy.verify_branch, p, "main") == code


# -- the environment: one spelling per reader, known ref types ------------------------------------------------------


def test_v02_environment_keys_are_lower_case_only() -> None:
    stmt = copy.deepcopy(GEN_WD)
    stmt["predicate"]["invocation"]["environment"] = {k.upper(): v for k, v in env(GEN_WD).items()}
    p = prov(stmt)
    assert code_of(policy.verify_tag, p, "v1") == "invalid-provenance"
    assert code_of(policy.verify_branch, p, "main") == "invalid-provenance"


def test_v1_internal_parameters_are_upper_case_only() -> None:
    stmt = copy.deepcopy(CB_WD)
    stmt["predicate"]["buildDefinition"]["internalParameters"] = {k.lower(): v for k, v in env(CB_WD).items()}
    p = prov(stmt)
    assert code_of(policy.verify_tag, p, "v1") == "invalid-provenance"
    assert code_of(policy.verify_branch, p, "main") == "invalid-provenance"


@pytest.mark.parametrize("stmt", [GEN_WD, CB_WD], ids=["v0.2", "v1"])
def test_ref_type_and_ref_must_be_well_formed(stmt: dict[str, Any]) -> None:
    upper = "GITHUB_REF_TYPE" in env(stmt)
    rt, ref = ("GITHUB_REF_TYPE", "GITHUB_REF") if upper else ("github_ref_type", "github_ref")
    for bad in ("pull", 1, None):
        p = prov(with_env(stmt, **{rt: bad}))
        assert code_of(policy.verify_tag, p, "v1") == "invalid-provenance"
        assert code_of(policy.verify_branch, p, "main") == "invalid-provenance"
    # a "tag" build whose ref is a branch ref: TagFromGitRef refuses it
    p = prov(with_env(stmt, **{rt: "tag"}))
    assert code_of(policy.verify_tag, p, "main") == "invalid-ref"
    # a "branch" build whose ref is a tag ref: BranchFromGitRef refuses it
    p = prov(with_env(stmt, **{ref: "refs/tags/v1"}))
    assert code_of(policy.verify_branch, p, "v1") == "invalid-ref"
    p = prov(with_env(stmt, **{ref: 7}))
    assert code_of(policy.verify_branch, p, "main") == "invalid-provenance"


# -- refs ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("ref", "out"), [
    ("refs/tags/v1", ("tags", "v1")), ("refs/heads/feat/x", ("heads", "feat/x")), ("refs/tags/", ("tags", "")),
    ("refs/tags", ("", "refs/tags")), ("tags/v1/x", ("", "tags/v1/x")), ("", ("", "")),
])
def test_parse_git_ref(ref: str, out: tuple[str, str]) -> None:
    assert refs.parse_git_ref(ref) == out


@pytest.mark.parametrize("ref", ["refs/tags/", "refs/tags", "v1", "", "refs/heads/v1", "Refs/tags/v1"])
def test_tag_from_ref_refuses(ref: str) -> None:
    assert code_of(refs.tag_from_ref, ref) == "invalid-ref"
