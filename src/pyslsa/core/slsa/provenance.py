"""Readers for SLSA provenance predicates: one class per shape, one small interface.

Each reader answers the questions the policy asks (builder id, trigger and source URIs, the branch / tag the
build ran for, workflow inputs) from a *verified* in-toto statement. A missing or ill-typed field raises
:class:`~pyslsa.errors.InvalidProvenanceError` (slsa-verifier's ErrorInvalidDssePayload).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyslsa.core.dsse import Statement
from pyslsa.errors import InvalidProvenanceError, MalformedURIError, UnsupportedFormatError

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


def _branch_ref(env: Mapping[str, Any], keys: tuple[str, str, str, str], where: str) -> str:
    """The branch ref of a build: ``github_ref`` for a branch build; for a tag build the event's ``base_ref``,
    else ``github_base_ref`` (which may well be empty: a tag need not belong to a branch)."""
    ref_type_key, ref_key, payload_key, base_ref_key = keys
    ref_type = _get_str(env, ref_type_key, where)
    if ref_type == "branch":
        return _get_str(env, ref_key, where)
    if ref_type == "tag":
        payload = env.get(payload_key)
        if isinstance(payload, dict):
            base = payload.get("base_ref")
            if isinstance(base, str):
                return base
        return _get_str(env, base_ref_key, where)
    raise _invalid(f"{where}.{ref_type_key}: unknown ref type {ref_type!r}")


def _tag_ref(env: Mapping[str, Any], keys: tuple[str, str], where: str) -> str:
    ref_type_key, ref_key = keys
    ref_type = _get_str(env, ref_type_key, where)
    if ref_type == "branch":
        return ""
    if ref_type == "tag":
        return _get_str(env, ref_key, where)
    raise _invalid(f"{where}.{ref_type_key}: unknown ref type {ref_type!r}")


def _event_inputs(env: Mapping[str, Any], payload_key: str, where: str) -> dict[str, Any]:
    payload = env.get(payload_key)
    if not isinstance(payload, dict):
        raise _invalid(f"{where}.{payload_key} is missing or not an object")
    inputs = payload.get("inputs")
    if not isinstance(inputs, dict):
        raise _invalid(f"{where}.{payload_key}.inputs is missing or not an object")
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
        return _branch_ref(self._env(), ("github_ref_type", "github_ref", "github_event_payload",
                                         "github_base_ref"), "predicate.invocation.environment")

    def tag_ref(self) -> str:
        return _tag_ref(self._env(), ("github_ref_type", "github_ref"), "predicate.invocation.environment")

    def workflow_inputs(self) -> dict[str, Any]:
        return _event_inputs(self._env(), "github_event_payload", "predicate.invocation.environment")

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

    _KEYS = ("GITHUB_REF_TYPE", "GITHUB_REF", "GITHUB_EVENT_PAYLOAD", "GITHUB_BASE_REF")

    def branch_ref(self) -> str:
        return _branch_ref(self._internal(), self._KEYS, "predicate.buildDefinition.internalParameters")

    def tag_ref(self) -> str:
        return _tag_ref(self._internal(), self._KEYS[:2], "predicate.buildDefinition.internalParameters")

    def workflow_inputs(self) -> dict[str, Any]:
        return _event_inputs(self._internal(), "GITHUB_EVENT_PAYLOAD",
                             "predicate.buildDefinition.internalParameters")

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
