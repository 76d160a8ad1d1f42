"""Readers for SLSA provenance predicates: one class per shape, one small interface.

Each reader answers the questions the policy asks (builder id, trigger and source URIs, the branch / tag the
build ran for, workflow inputs) from a *verified* in-toto statement. A missing or ill-typed field raises
:class:`~pyslsa.errors.InvalidProvenanceError` (slsa-verifier's ErrorInvalidDssePayload).

Which reader applies is slsa-verifier's choice (slsaprovenance.ProvenanceFromEnvelope and the ``buildTypeMap`` of
its v0.2 and v1.0 packages): the certificate's builder and the statement's build type, see
:func:`provenance_from_statement`; a build type alone never picks one.

The readers follow slsa-verifier's (verifiers/internal/gha/slsaprovenance): the GitHub context is read from
``github_*`` keys in a v0.2 predicate's ``invocation.environment`` and from ``GITHUB_*`` keys in a BYOB v0.2
environment or a v1 predicate's ``internalParameters``; a BYOB build's tag and branch come from its source URI's
ref (byob.go), every other build's from ``github_ref_type`` / ``github_ref`` (common.go GetTag / GetBranch).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyslsa.core.dsse import Statement
from pyslsa.core.slsa import builders, refs
from pyslsa.errors import (
    InvalidBuilderIDError,
    InvalidBuildTypeError,
    InvalidProvenanceError,
    MalformedURIError,
    MismatchWorkflowInputsError,
    UnsupportedFormatError,
)

SLSA_V02 = "https://slsa.dev/provenance/v0.2"
SLSA_V1 = "https://slsa.dev/provenance/v1"
# Build types (slsa-verifier's slsaprovenance/common/buildtypes.go).
_GENERATOR = "https://github.com/slsa-framework/slsa-github-generator"
BYOB_BUILDTYPE_V0 = _GENERATOR + "/delegator-generic@v0"
CONTAINER_BASED_BUILDTYPE_V01 = "https://slsa.dev/container-based-build/v0.1?draft"
GO_BUILDTYPE_V1 = _GENERATOR + "/go@v1"
GENERIC_BUILDTYPE_V1 = _GENERATOR + "/generic@v1"
CONTAINER_BUILDTYPE_V1 = _GENERATOR + "/container@v1"
LEGACY_GO_BUILDTYPE_V1 = _GENERATOR + "-go@v1"
LEGACY_BUILDTYPE_V1 = _GENERATOR + "@v1"
GITHUB_WORKFLOW_BUILDTYPE = "https://actions.github.io/buildtypes/workflow/v1"


def _invalid(msg: str) -> InvalidProvenanceError:
    return InvalidProvenanceError(f"provenance: {msg}")


def _get_str(m: Mapping[str, Any], key: str, where: str) -> str:
    if key not in m:
        raise _invalid(f"{where}.{key} is missing")
    value = m[key]
    if not isinstance(value, str):
        raise _invalid(f"{where}.{key} is not a string")
    return value


def _get_map(m: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = m.get(key)
    if not isinstance(value, dict):
        raise _invalid(f"{where}.{key} is missing or not an object")
    return value


def _key(field: str, upper: bool) -> str:
    key = f"github_{field}"
    return key.upper() if upper else key


def _env_any(env: Mapping[str, Any], field: str, upper: bool) -> Any:
    """A GitHub context value: ``github_<field>`` (v0.2 environment), or ``GITHUB_<FIELD>`` when ``upper`` (v1
    internal parameters, BYOB). Only that spelling counts, as in slsa-verifier (common.go convertKey)."""
    key = _key(field, upper)
    if key not in env:
        raise _invalid(f"missing value for {key!r}")
    return env[key]


def _env_str(env: Mapping[str, Any], field: str, upper: bool) -> str:
    value = _env_any(env, field, upper)
    if not isinstance(value, str):
        raise _invalid(f"{_key(field, upper)!r} is not a string")
    return value


def _event_payload(env: Mapping[str, Any], upper: bool) -> dict[str, Any]:
    payload = _env_any(env, "event_payload", upper)
    if not isinstance(payload, dict):
        raise _invalid(f"{_key('event_payload', upper)!r} is not an object")
    return payload


def _branch_for_tag(env: Mapping[str, Any], upper: bool) -> str:
    """For a tag build: github base_ref; else for a push the event's base_ref (may be null: no branch), for a
    release the release's target_commitish; else no branch."""
    base_ref = _env_str(env, "base_ref", upper)
    if base_ref:
        return base_ref
    event = _env_str(env, "event_name", upper)
    payload = _event_payload(env, upper)
    if event == "push":
        if "base_ref" not in payload:
            raise _invalid("event payload has no 'base_ref'")
        value = payload["base_ref"]
        return value if isinstance(value, str) else ""
    if event == "release":
        release = payload.get("release")
        if not isinstance(release, dict):
            raise _invalid("release event payload has no 'release' object")
        target = release.get("target_commitish")
        if not isinstance(target, str):
            raise _invalid("release event payload has no 'target_commitish'")
        return "refs/heads/" + target
    return ""


def _branch_ref(env: Mapping[str, Any], upper: bool) -> str:
    """slsa-verifier's common.GetBranch: a branch build's github_ref; for a tag build the branch the tag was
    pushed from, ``""`` when the event names none (a tag on no branch)."""
    ref_type = _env_str(env, "ref_type", upper)
    if ref_type == "branch":
        return _env_str(env, "ref", upper)
    if ref_type == "tag":
        return _branch_for_tag(env, upper)
    raise _invalid(f"unknown ref type {ref_type!r}")


def _tag_ref(env: Mapping[str, Any], upper: bool) -> str:
    """slsa-verifier's common.GetTag: a tag build's github_ref; ``""`` for a branch build (no tag)."""
    ref_type = _env_str(env, "ref_type", upper)
    if ref_type == "branch":
        return ""
    if ref_type == "tag":
        return _env_str(env, "ref", upper)
    raise _invalid(f"unknown ref type {ref_type!r}")


def _byob_source_ref(prov: Provenance) -> tuple[str, str]:
    """A BYOB build's source ref and its type (``heads``, ``tags``), from the source URI (byob.go)."""
    uri = prov.source_uri()
    _, ref = refs.parse_git_uri_and_ref(uri)
    if not ref:
        raise _invalid(f"source URI has no ref to read a branch or tag from: {uri!r}")
    kind, _ = refs.parse_git_ref(ref)
    if kind not in ("heads", "tags"):
        raise _invalid(f"source ref: expected refs/heads/<branch> or refs/tags/<tag>, got {ref!r}")
    return ref, kind


def _event_inputs(env: Mapping[str, Any], upper: bool) -> dict[str, Any]:
    """workflow_dispatch inputs; another trigger is a mismatch, a malformed payload invalid provenance."""
    event = _env_str(env, "event_name", upper)
    if event != "workflow_dispatch":
        raise MismatchWorkflowInputsError(f"workflow inputs: expected a 'workflow_dispatch' trigger, got {event!r}")
    payload = _event_payload(env, upper)
    if "inputs" not in payload:
        raise _invalid("event payload has no 'inputs'")
    inputs = payload["inputs"]
    if not isinstance(inputs, dict):
        raise _invalid("event payload 'inputs' is not an object")
    return inputs


def _opt(m: Mapping[str, Any], key: str) -> str | None:
    value = m.get(key)
    return value if isinstance(value, str) and value else None


class Provenance:
    """Interface: what the SLSA policy reads from a provenance statement."""

    def __init__(self, statement: Statement) -> None:
        self.statement = statement
        self.predicate = statement.predicate

    def builder_id(self) -> str:
        raise NotImplementedError

    def build_type(self) -> str:
        raise NotImplementedError

    def trigger_uri(self) -> str:
        raise NotImplementedError

    def source_uri(self) -> str:
        raise NotImplementedError

    def branch_ref(self) -> str:
        """The branch ref (``refs/heads/...``) the build ran for; ``""`` if it has none (slsa-verifier GetBranch)."""
        raise NotImplementedError

    def tag_ref(self) -> str:
        """The tag ref (``refs/tags/...``) the build ran for; ``""`` if it has none (slsa-verifier GetTag)."""
        raise NotImplementedError

    def checked_ref(self) -> str | None:
        """The ref ``branch_ref`` / ``tag_ref`` are read from, to name it in an error message."""
        return self.ref()

    def workflow_inputs(self) -> dict[str, Any]:
        raise NotImplementedError

    def commit(self) -> str | None:
        return None

    def ref(self) -> str | None:
        """The git ref the build ran for, for display."""
        return None

    def trigger_context(self) -> tuple[str | None, str | None, str | None]:
        """(event name, ref, commit) of the workflow run that triggered the build, as the provenance records
        them; checked against the same facts in the signing certificate."""
        return None, None, None


class ProvenanceV02(Provenance):
    """SLSA v0.2 from slsa-github-generator (generic, Go, container generators)."""

    _upper = False

    def _invocation(self) -> dict[str, Any]:
        return _get_map(self.predicate, "invocation", "predicate")

    def _env(self) -> dict[str, Any]:
        return _get_map(self._invocation(), "environment", "predicate.invocation")

    def builder_id(self) -> str:
        return _get_str(_get_map(self.predicate, "builder", "predicate"), "id", "predicate.builder")

    def build_type(self) -> str:
        return _get_str(self.predicate, "buildType", "predicate")

    def trigger_uri(self) -> str:
        cs = _get_map(self._invocation(), "configSource", "predicate.invocation")
        return _get_str(cs, "uri", "predicate.invocation.configSource")

    def source_uri(self) -> str:
        materials = self.predicate.get("materials")
        if not isinstance(materials, list) or not materials:
            raise _invalid("predicate.materials: no material")
        first = materials[0]
        if not isinstance(first, dict):
            raise _invalid("predicate.materials[0] is not an object")
        return _get_str(first, "uri", "predicate.materials[0]")

    def branch_ref(self) -> str:
        return _branch_ref(self._env(), self._upper)

    def tag_ref(self) -> str:
        return _tag_ref(self._env(), self._upper)

    def workflow_inputs(self) -> dict[str, Any]:
        return _event_inputs(self._env(), self._upper)

    def commit(self) -> str | None:
        try:
            cs = _get_map(self._invocation(), "configSource", "predicate.invocation")
            digest = cs.get("digest")
            if isinstance(digest, dict) and isinstance(digest.get("sha1"), str):
                return str(digest["sha1"])
        except InvalidProvenanceError:
            pass
        return None

    def ref(self) -> str | None:
        try:
            value = self._env().get(_key("ref", self._upper))
        except InvalidProvenanceError:
            return None
        return value if isinstance(value, str) else None

    def trigger_context(self) -> tuple[str | None, str | None, str | None]:
        env = self._env()
        return _opt(env, "github_event_name"), _opt(env, "github_ref"), _opt(env, "github_sha1")


class ByobProvenanceV02(ProvenanceV02):
    """SLSA v0.2 from a BYOB delegator: ``GITHUB_*`` keys; tag and branch from the source URI's ref."""

    _upper = True

    def tag_ref(self) -> str:
        ref, kind = _byob_source_ref(self)
        return ref if kind == "tags" else ""

    def branch_ref(self) -> str:
        ref, kind = _byob_source_ref(self)
        return ref if kind == "heads" else _branch_ref(self._env(), upper=True)

    def checked_ref(self) -> str | None:
        return _uri_ref(self)

    def trigger_context(self) -> tuple[str | None, str | None, str | None]:
        env = self._env()
        return _opt(env, "GITHUB_EVENT_NAME"), _opt(env, "GITHUB_REF"), _opt(env, "GITHUB_SHA")


class ProvenanceV1(Provenance):
    """SLSA v1 from slsa-github-generator's BYOB framework (delegators) and the container-based builder."""

    def _build_definition(self) -> dict[str, Any]:
        return _get_map(self.predicate, "buildDefinition", "predicate")

    def _internal(self) -> dict[str, Any]:
        return _get_map(self._build_definition(), "internalParameters", "predicate.buildDefinition")

    def _external(self) -> dict[str, Any]:
        return _get_map(self._build_definition(), "externalParameters", "predicate.buildDefinition")

    def builder_id(self) -> str:
        rd = _get_map(self.predicate, "runDetails", "predicate")
        return _get_str(_get_map(rd, "builder", "predicate.runDetails"), "id", "predicate.runDetails.builder")

    def build_type(self) -> str:
        return _get_str(self._build_definition(), "buildType", "predicate.buildDefinition")

    def trigger_uri(self) -> str:
        workflow_ref = _get_str(self._internal(), "GITHUB_WORKFLOW_REF",
                                "predicate.buildDefinition.internalParameters")
        parts = workflow_ref.split("@")
        if len(parts) != 2:
            raise _invalid(f"GITHUB_WORKFLOW_REF is not repository/path@ref: {workflow_ref!r}")
        repo_path, ref = parts
        segments = repo_path.split("/")
        if len(segments) < 2:
            raise _invalid(f"GITHUB_WORKFLOW_REF has no owner/repository: {workflow_ref!r}")
        repo = "/".join(segments[:2])
        if not repo or not ref:
            raise MalformedURIError(f"GITHUB_WORKFLOW_REF: repository or ref is empty: {workflow_ref!r}")
        return f"git+https://github.com/{repo}@{ref}"

    def _dependency(self) -> dict[str, Any]:
        deps = self._build_definition().get("resolvedDependencies")
        if not isinstance(deps, list) or not deps or not isinstance(deps[0], dict):
            raise _invalid("predicate.buildDefinition.resolvedDependencies: empty or malformed")
        return deps[0]

    def source_uri(self) -> str:
        uri = _get_str(self._dependency(), "uri", "predicate.buildDefinition.resolvedDependencies[0]")
        if not uri:
            raise MalformedURIError("provenance source URI is empty")
        return uri

    def branch_ref(self) -> str:
        return _branch_ref(self._internal(), upper=True)

    def tag_ref(self) -> str:
        return _tag_ref(self._internal(), upper=True)

    def workflow_inputs(self) -> dict[str, Any]:
        return _event_inputs(self._internal(), upper=True)

    def commit(self) -> str | None:
        try:
            digest = self._dependency().get("digest")
        except InvalidProvenanceError:
            return None
        if isinstance(digest, dict) and isinstance(digest.get("gitCommit"), str):
            return str(digest["gitCommit"])
        return None

    def ref(self) -> str | None:
        try:
            value = self._internal().get("GITHUB_REF")
        except InvalidProvenanceError:
            return None
        return value if isinstance(value, str) else None

    def trigger_context(self) -> tuple[str | None, str | None, str | None]:
        ip = self._internal()
        return _opt(ip, "GITHUB_EVENT_NAME"), _opt(ip, "GITHUB_REF"), _opt(ip, "GITHUB_SHA")


class ByobProvenanceV1(ProvenanceV1):
    """SLSA v1 from a BYOB delegator (slsa-verifier's BYOBProvenance): tag and branch from the source URI's ref."""

    def tag_ref(self) -> str:
        ref, kind = _byob_source_ref(self)
        return ref if kind == "tags" else ""

    def branch_ref(self) -> str:
        ref, kind = _byob_source_ref(self)
        return ref if kind == "heads" else _branch_ref(self._internal(), upper=True)

    def checked_ref(self) -> str | None:
        return _uri_ref(self)


class GitHubWorkflowProvenance(ProvenanceV1):
    """SLSA v1 with the GitHub Actions workflow build type (actions/attest-build-provenance)."""

    def _workflow(self) -> dict[str, Any]:
        return _get_map(self._external(), "workflow", "predicate.buildDefinition.externalParameters")

    def _github(self) -> dict[str, Any]:
        return _get_map(self._internal(), "github", "predicate.buildDefinition.internalParameters")

    def trigger_uri(self) -> str:
        # slsa-verifier's GithubAttestProvenance.TriggerURI: no emptiness check here; an empty repository then
        # fails as mismatch-source, an empty ref as malformed-uri (verifySourceURI).
        wf = self._workflow()
        where = "predicate.buildDefinition.externalParameters.workflow"
        repository = _get_str(wf, "repository", where)
        ref = _get_str(wf, "ref", where)
        return f"git+{repository}@{ref}"

    def _workflow_ref(self) -> str:
        return _get_str(self._workflow(), "ref", "predicate.buildDefinition.externalParameters.workflow")

    # Branch, tag and workflow inputs are read as for any v1 provenance (slsa-verifier's GithubAttestProvenance
    # overrides only TriggerURI): from GITHUB_* internal parameters, which actions/attest-build-provenance does
    # not write, so --source-branch / --source-tag / --source-versioned-tag / --build-workflow-input fail closed
    # with invalid-provenance, as in slsa-verifier.

    def ref(self) -> str | None:
        try:
            return self._workflow_ref()
        except InvalidProvenanceError:
            return None

    def trigger_context(self) -> tuple[str | None, str | None, str | None]:
        return _opt(self._github(), "event_name"), self._workflow_ref(), self.commit()


def _uri_ref(prov: Provenance) -> str | None:
    try:
        return refs.parse_git_uri_and_ref(prov.source_uri())[1]
    except (InvalidProvenanceError, MalformedURIError):
        return None


_Readers = Mapping[str, type[Provenance]]

#: slsa-verifier's reader tables (slsaprovenance/v0.2/provenance.go and v1.0/provenance.go ``buildTypeMap``):
#: the certificate's builder (the signing workflow, without its ref) picks the build types it may record, and
#: each build type its reader. npm's builders (actions/runner) are left out: pyslsa does not verify npm packages.
_V02_READERS: Mapping[str, _Readers] = {
    builders.GENERIC_DELEGATOR: {BYOB_BUILDTYPE_V0: ByobProvenanceV02},
    builders.LOWPERMS_DELEGATOR: {BYOB_BUILDTYPE_V0: ByobProvenanceV02},
    builders.GO_BUILDER: {GO_BUILDTYPE_V1: ProvenanceV02, LEGACY_BUILDTYPE_V1: ProvenanceV02,
                          LEGACY_GO_BUILDTYPE_V1: ProvenanceV02},
    builders.GENERIC_GENERATOR: {GENERIC_BUILDTYPE_V1: ProvenanceV02},
    builders.CONTAINER_GENERATOR: {CONTAINER_BUILDTYPE_V1: ProvenanceV02},
}
_V1_READERS: Mapping[str, _Readers] = {
    builders.GENERIC_DELEGATOR: {BYOB_BUILDTYPE_V0: ByobProvenanceV1},
    builders.LOWPERMS_DELEGATOR: {BYOB_BUILDTYPE_V0: ByobProvenanceV1},
    builders.CONTAINER_BASED_BUILDER: {CONTAINER_BASED_BUILDTYPE_V01: ProvenanceV1},
    builders.BCR_RELEASER: {GITHUB_WORKFLOW_BUILDTYPE: GitHubWorkflowProvenance},
    builders.BCR_PUBLISHER: {GITHUB_WORKFLOW_BUILDTYPE: GitHubWorkflowProvenance},
}
#: Every builder the tables know: their build types are exactly those above, in every command.
KNOWN_BUILDERS = frozenset(_V02_READERS) | frozenset(_V1_READERS)
#: What verify-github-attestation reads from a workflow the user named that the tables do not know.
_NAMED_WORKFLOW_READERS: _Readers = {GITHUB_WORKFLOW_BUILDTYPE: GitHubWorkflowProvenance}


def _build_type(statement: Statement) -> str:
    """The build type, ``""`` when absent or null (as Go decodes it); any other non-string is malformed."""
    pred = statement.predicate
    if statement.predicate_type == SLSA_V1:
        bd = pred.get("buildDefinition")
        if bd is None:
            bd = {}
        if not isinstance(bd, dict):
            raise _invalid("predicate.buildDefinition is not an object")
        value = bd.get("buildType")
        where = "predicate.buildDefinition.buildType"
    else:
        value = pred.get("buildType")
        where = "predicate.buildType"
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _invalid(f"{where} is not a string")
    return value


def provenance_from_statement(statement: Statement, builder: str, *, named_workflow: bool = False) -> Provenance:
    """The reader for the statement, chosen as slsa-verifier's ProvenanceFromEnvelope chooses it: by predicate
    type, then by ``builder`` (the certificate's builder id without its ref), then by build type.

    A builder with no reader for the predicate's SLSA version is invalid-builder-id; a build type the builder does
    not make is invalid-build-type (slsa-verifier's ErrorInvalidBuilderID / ErrorInvalidBuildType).

    ``named_workflow`` (verify-github-attestation, where the user names the signing workflow with --builder-id):
    a workflow the tables do not know may sign SLSA v1 provenance of the GitHub Actions workflow build type
    (actions/attest-build-provenance), and nothing else. Known builders keep their own build types.
    """
    if statement.predicate_type == SLSA_V02:
        table, version = _V02_READERS, "v0.2"
    elif statement.predicate_type == SLSA_V1:
        table, version = _V1_READERS, "v1"
    else:
        raise UnsupportedFormatError(f"predicateType: expected {SLSA_V02} or {SLSA_V1}, got "
                                     f"{statement.predicate_type!r}")
    readers = table.get(builder)
    if readers is None and named_workflow and version == "v1" and builder not in KNOWN_BUILDERS:
        readers = _NAMED_WORKFLOW_READERS
    if readers is None:
        raise InvalidBuilderIDError(f"builder id: expected a builder that makes SLSA {version} provenance, got "
                                    f"{builder!r}")
    build_type = _build_type(statement)
    reader = readers.get(build_type)
    if reader is None:
        raise InvalidBuildTypeError(f"build type: expected {' or '.join(sorted(readers))} for builder "
                                    f"{builder}, got {build_type!r}")
    return reader(statement)
