"""Trusted builders and builder-id matching (slsa-verifier's TrustedBuilderID rules).

A builder id is ``name@version``, e.g.
``https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.1.0``.
A user may name a builder by its name alone, by ``name@v2.1.0`` (short tag) or by ``name@refs/tags/v2.1.0``
(long tag); all three match the certificate's ``name@refs/tags/v2.1.0``.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyslsa.errors import InvalidProvenanceError, MismatchBuilderIDError

GENERATOR_REPO = "slsa-framework/slsa-github-generator"
_WORKFLOWS = f"https://github.com/{GENERATOR_REPO}/.github/workflows/"

GENERIC_GENERATOR = _WORKFLOWS + "generator_generic_slsa3.yml"
GO_BUILDER = _WORKFLOWS + "builder_go_slsa3.yml"
CONTAINER_BASED_BUILDER = _WORKFLOWS + "builder_container-based_slsa3.yml"
CONTAINER_GENERATOR = _WORKFLOWS + "generator_container_slsa3.yml"
GENERIC_DELEGATOR = _WORKFLOWS + "delegator_generic_slsa3.yml"
LOWPERMS_DELEGATOR = _WORKFLOWS + "delegator_lowperms-generic_slsa3.yml"
#: bazel-contrib's Bazel Central Registry workflows, which sign GitHub artifact attestations
#: (actions/attest-build-provenance) that slsa-verifier reads.
BCR_RELEASER = "https://github.com/bazel-contrib/.github/.github/workflows/release_ruleset.yaml"
BCR_PUBLISHER = "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml"

#: Reusable workflows trusted by default for artifacts (slsa-verifier's defaultArtifactTrustedReusableWorkflows).
DEFAULT_ARTIFACT_BUILDERS = frozenset(
    {GENERIC_GENERATOR, GO_BUILDER, CONTAINER_BASED_BUILDER, GENERIC_DELEGATOR, LOWPERMS_DELEGATOR}
)
#: Trusted by default for container images.
DEFAULT_CONTAINER_BUILDERS = frozenset({CONTAINER_GENERATOR})
#: Delegators sign on behalf of a BYOB builder named in the provenance; a command treats a delegator's
#: signature as BYOB only if it trusts that delegator (slsa-verifier's isTrustedDelegatorBuilder).
DELEGATORS = frozenset({GENERIC_DELEGATOR, LOWPERMS_DELEGATOR})
#: The prefix of slsa-github-generator's own reusable workflows: a BYOB builder under it is trusted without
#: --builder-id (slsa-verifier's verifyBuilderIDPathPrefix).
GENERATOR_WORKFLOWS = _WORKFLOWS


def parse_builder_id(builder_id: str, need_version: bool) -> tuple[str, str]:
    parts = builder_id.split("@")
    if len(parts) == 2:
        if not parts[1]:
            raise InvalidProvenanceError(f"builder id has an empty version: {builder_id!r}")
        return parts[0], parts[1]
    if len(parts) == 1 and not need_version:
        return parts[0], ""
    raise InvalidProvenanceError(f"builder id is not name@version: {builder_id!r}")


@dataclass(frozen=True)
class TrustedBuilderID:
    name: str
    version: str

    @classmethod
    def parse(cls, builder_id: str, need_version: bool = True) -> TrustedBuilderID:
        return cls(*parse_builder_id(builder_id, need_version))

    def __str__(self) -> str:
        return f"{self.name}@{self.version}" if self.version else self.name

    def _version_matches(self, version: str, allow_ref: bool) -> bool:
        return version == self.version or (allow_ref and f"refs/tags/{version}" == self.version)

    def matches_loose(self, expected: str, allow_ref: bool = True) -> None:
        """The names match; when ``expected`` carries a version, it matches too."""
        name, version = parse_builder_id(expected, False)
        if name != self.name:
            raise MismatchBuilderIDError(f"builder id: expected {name!r}, got {self.name!r}")
        if version and not self._version_matches(version, allow_ref):
            raise MismatchBuilderIDError(f"builder version: expected {version!r}, got {self.version!r} "
                                         f"(builder {self.name})")

    def matches_full(self, expected: str, allow_ref: bool = True) -> None:
        """Name and version both match."""
        name, version = parse_builder_id(expected, False)
        if name != self.name:
            raise MismatchBuilderIDError(f"builder id: expected {name!r}, got {self.name!r}")
        if not self._version_matches(version, allow_ref):
            raise MismatchBuilderIDError(f"builder version: expected {version!r}, got {self.version!r} "
                                         f"(builder {self.name})")
