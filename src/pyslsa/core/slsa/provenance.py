"""Readers for SLSA provenance predicates: one class per shape, one small interface.

Each reader answers the questions the policy asks (builder id, trigger and source URIs, the branch / tag the
build ran for, workflow inputs) from a *verified* in-toto statement. A missing or ill-typed field raises
:class:`~pyslsa.errors.InvalidProvenanceError` (slsa-verifier's ErrorInvalidDssePayload).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyslsa.core.dsse import Statement
from pyslsa.errors import (
    InvalidProvenanceError,
    MalformedURIError,
    MismatchWorkflowInputsError,
    UnsupportedFormatError,
)

SLSA_V02 = "https://slsa.dev/provenance/v0.2"
SLSA_V1 = "https://slsa.dev/provenance/v1"
GITHUB_WORKFLOW_BUILDTYPE = "https://actions.github.io/buildtypes/workflow/v1"
BYOB_BUILDTYPE_V0 = "https://github.com/slsa-framework/slsa-github-generator/delegator-generic@v0"


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


def _env_any(env: Mapping[str, Any], field: str) -> Any:
    """A GitHub context value, ``github_<field>`` (v0.2 environment) or ``GITHUB_<FIELD>`` (v1 parameters)."""
    key = f"github_{field}"
    if key in env:
        return env[key]
    if key.upper() in env:
        return env[key.upper()]
    raise _invalid(f"missing value for {key!r}")


def _env_str(env: Mapping[str, Any], field: str) -> str:
    value = _env_any(env, field)
    if not isinstance(value, str):
        raise _invalid(f"'github_{field}' is not a string")
    return value


def _event_payload(env: Mapping[str, Any]) -> dict[str, Any]:
    payload = _env_any(env, "event_payload")
    if not isinstance(payload, dict):
        raise _invalid("'github_event_payload' is not an object")
    return payload


def _branch_for_tag(env: Mapping[str, Any]) -> str:
    """For a tag build: github base_ref; else for a push the event's base_ref (may be null: no branch), for a
    release the release's target_commitish; else no branch."""
    base_ref = _env_str(env, "base_ref")
    if base_ref:
        return base_ref
    event = _env_str(env, "event_name")
    payload = _event_payload(env)
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


def _branch_ref(env: Mapping[str, Any]) -> str:
    ref_type = _env_str(env, "ref_type")
    if ref_type == "branch":
        return _env_str(env, "ref")
    if ref_type == "tag":
        return _branch_for_tag(env)
    raise _invalid(f"unknown ref type {ref_type!r}")


def _tag_ref(env: Mapping[str, Any]) -> str:
    ref_type = _env_str(env, "ref_type")
    if ref_type == "branch":
        return ""
    if ref_type == "tag":
        return _env_str(env, "ref")
    raise _invalid(f"unknown ref type {ref_type!r}")


def _event_inputs(env: Mapping[str, Any]) -> dict[str, Any]:
    """workflow_dispatch inputs; another trigger is a mismatch, a malformed payload invalid provenance."""
    event = _env_str(env, "event_name")
    if event != "workflow_dispatch":
        raise MismatchWorkflowInputsError(f"workflow inputs: expected a 'workflow_dispatch' trigger, got {event!r}")
    payload = _event_payload(env)
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
        raise NotImplementedError

    def tag_ref(self) -> str:
        raise NotImplementedError

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
        return _branch_ref(self._env())

    def tag_ref(self) -> str:
        return _tag_ref(self._env())

    def workflow_inputs(self) -> dict[str, Any]:
        return _event_inputs(self._env())

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
            return self._env().get("github_ref") if isinstance(self._env().get("github_ref"), str) else None
        except InvalidProvenanceError:
            return None

    def trigger_context(self) -> tuple[str | None, str | None, str | None]:
        env = self._env()
        return _opt(env, "github_event_name"), _opt(env, "github_ref"), _opt(env, "github_sha1")


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
        return _branch_ref(self._internal())

    def tag_ref(self) -> str:
        return _tag_ref(self._internal())

    def workflow_inputs(self) -> dict[str, Any]:
        return _event_inputs(self._internal())

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


class GitHubWorkflowProvenance(ProvenanceV1):
    """SLSA v1 with the GitHub Actions workflow build type (actions/attest-build-provenance)."""

    def _workflow(self) -> dict[str, Any]:
        return _get_map(self._external(), "workflow", "predicate.buildDefinition.externalParameters")

    def _github(self) -> dict[str, Any]:
        return _get_map(self._internal(), "github", "predicate.buildDefinition.internalParameters")

    def trigger_uri(self) -> str:
        wf = self._workflow()
        where = "predicate.buildDefinition.externalParameters.workflow"
        repository = _get_str(wf, "repository", where)
        ref = _get_str(wf, "ref", where)
        if not repository or not ref:
            raise MalformedURIError("workflow repository or ref is empty")
        return f"git+{repository}@{ref}"

    def _workflow_ref(self) -> str:
        return _get_str(self._workflow(), "ref", "predicate.buildDefinition.externalParameters.workflow")

    def branch_ref(self) -> str:
        ref = self._workflow_ref()
        return ref if ref.startswith("refs/heads/") else ""

    def tag_ref(self) -> str:
        ref = self._workflow_ref()
        return ref if ref.startswith("refs/tags/") else ""

    def workflow_inputs(self) -> dict[str, Any]:
        inputs = self._workflow().get("inputs")
        if not isinstance(inputs, dict):
            raise _invalid("predicate.buildDefinition.externalParameters.workflow.inputs is missing")
        return inputs

    def ref(self) -> str | None:
        try:
            return self._workflow_ref()
        except InvalidProvenanceError:
            return None

    def trigger_context(self) -> tuple[str | None, str | None, str | None]:
        return _opt(self._github(), "event_name"), self._workflow_ref(), self.commit()


def provenance_from_statement(statement: Statement) -> Provenance:
    if statement.predicate_type == SLSA_V02:
        return ProvenanceV02(statement)
    if statement.predicate_type == SLSA_V1:
        bd = statement.predicate.get("buildDefinition")
        if isinstance(bd, dict) and bd.get("buildType") == GITHUB_WORKFLOW_BUILDTYPE:
            return GitHubWorkflowProvenance(statement)
        return ProvenanceV1(statement)
    raise UnsupportedFormatError(f"predicateType: expected {SLSA_V02} or {SLSA_V1}, got "
                                 f"{statement.predicate_type!r}")
