"""``verify-artifact`` and ``verify-github-attestation``: gather bytes, run the core, build a report.

The same engine serves the library API (:func:`pyslsa.verify_artifact`) and the CLI.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pyslsa.core.bundle import LegacyEnvelope
from pyslsa.core.profile import SLSA_VERIFIER
from pyslsa.core.sigstore import Resolver, VerifiedSignature, verify_document
from pyslsa.core.slsa.builders import DEFAULT_ARTIFACT_BUILDERS
from pyslsa.core.slsa.policy import SlsaPolicy, SlsaVerdict, verify_slsa
from pyslsa.core.trust import TrustedRoot
from pyslsa.errors import MismatchHashError, UntrustedBuilderError, UsageError, VerificationError
from pyslsa.report import ArtifactOutcome, Report
from pyslsa.sources.files import artifact_digest, read_evidence, split_evidence

Artifact = str | os.PathLike[str]


#: The spellings of "true" Go's strconv.ParseBool accepts; anything else (including what it cannot parse) is false.
_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})


def testing_enabled() -> bool:
    """slsa-verifier's test switch, honoured identically (options.TestingEnabled: strconv.ParseBool of
    SLSA_VERIFIER_TESTING, false when it does not parse). It only widens what slsa-framework's own e2e
    repositories may use as builder refs."""
    return os.environ.get("SLSA_VERIFIER_TESTING", "") in _GO_TRUE


def load_trusted_root(spec: TrustedRoot | str | os.PathLike[str] | bytes | None) -> TrustedRoot:
    if spec is None:
        return TrustedRoot.production()
    if isinstance(spec, TrustedRoot):
        return spec
    if isinstance(spec, bytes):
        return TrustedRoot.from_json(spec)
    return TrustedRoot.from_json(read_evidence(spec, "trusted root file"))


def load_provenance(provenance: bytes | str | os.PathLike[str], what: str = "provenance file") -> bytes:
    if isinstance(provenance, (bytes, bytearray, memoryview)):
        return bytes(provenance)
    return read_evidence(provenance, what)


@dataclass
class _Document:
    signature: VerifiedSignature | None
    error: VerificationError | None


def _verify_documents(data: bytes, root: TrustedRoot, digests: Sequence[str], resolver: Resolver | None
                      ) -> list[_Document]:
    docs: list[_Document] = []
    for raw in split_evidence(data):
        try:
            # verify-artifact and verify-github-attestation answer like slsa-verifier (pyslsa.core.profile).
            docs.append(_Document(verify_document(raw, root, digests, resolver, profile=SLSA_VERIFIER), None))
        except VerificationError as exc:
            docs.append(_Document(None, exc))
    return docs


def _names(signature: VerifiedSignature, digest: str) -> bool:
    try:
        return bool(signature.statement().matching_subjects(digest))
    except VerificationError:
        return False


def evaluate(artifacts: Sequence[tuple[str, str]], data: bytes, policy: SlsaPolicy, root: TrustedRoot,
             default_builders: frozenset[str], resolver: Resolver | None = None, *, named_workflows: bool = False,
             ) -> list[tuple[str, str, SlsaVerdict | None, VerificationError | None]]:
    """Verify each (name, sha256) against every document of the provenance file; the first that passes wins.

    ``default_builders`` and ``named_workflows`` are the command's builder trust (see
    :func:`pyslsa.core.slsa.policy.verify_slsa`).

    With one document (the usual case) its first failure is reported, exactly as slsa-verifier orders its
    checks. With several (JSON Lines), a failure from a document that names the artifact is preferred to
    the digest mismatches of the others.
    """
    docs = _verify_documents(data, root, [d for _, d in artifacts], resolver)
    results: list[tuple[str, str, SlsaVerdict | None, VerificationError | None]] = []
    for name, digest in artifacts:
        verdict: SlsaVerdict | None = None
        naming: list[VerificationError] = []  # failures of documents whose statement names this artifact
        others: list[VerificationError] = []
        for doc in docs:
            if doc.error is not None:
                others.append(doc.error)
                continue
            assert doc.signature is not None
            try:
                verdict = verify_slsa(doc.signature, digest, policy, default_builders,
                                      named_workflows=named_workflows)
                break
            except VerificationError as exc:
                names_it = len(docs) > 1 and _names(doc.signature, digest)
                (naming if names_it else others).append(exc)
        if verdict is not None:
            results.append((name, digest, verdict, None))
            continue
        relevant = naming or [e for e in others if not isinstance(e, MismatchHashError)] or others
        results.append((name, digest, None, relevant[0]))
    return results


def _outcomes(results: list[tuple[str, str, SlsaVerdict | None, VerificationError | None]]
              ) -> list[ArtifactOutcome]:
    out = []
    for name, digest, verdict, error in results:
        o = ArtifactOutcome(path=name, sha256=digest, verified=verdict is not None, error=error)
        if verdict is not None:
            o.builder_id = verdict.builder_id
            o.source_uri = verdict.source_uri
            o.ref = verdict.ref
            o.commit = verdict.commit
            o.statement = verdict.statement.raw
            o.integrated_time = verdict.signature.integrated_time
            o.log_index = verdict.signature.log_index
            o.log_url = verdict.signature.log_url
            o.notes = list(verdict.signature.notes)
        out.append(o)
    return out


def _digests(artifacts: Sequence[Artifact]) -> list[tuple[str, str]]:
    if not artifacts:
        raise UsageError("no artifact given")
    return [artifact_digest(a) for a in artifacts]


def run(*, artifacts: Sequence[Artifact], provenance_path: str, source_uri: str, source_tag: str | None = None,
        source_branch: str | None = None, source_versioned_tag: str | None = None, builder_id: str | None = None,
        build_workflow_inputs: Mapping[str, str] | None = None, trusted_root_path: str | None = None,
        print_provenance: bool = False, rekor_url: str | None = None, offline: bool = False) -> Report:
    policy = SlsaPolicy(source_uri, source_tag, source_branch, source_versioned_tag, builder_id or None,
                        dict(build_workflow_inputs or {}), testing=testing_enabled())
    root = load_trusted_root(trusted_root_path)
    data = load_provenance(provenance_path)
    digests = _digests(artifacts)
    results = evaluate(digests, data, policy, root, DEFAULT_ARTIFACT_BUILDERS, _resolver(rekor_url, offline))
    return Report("verify-artifact", _outcomes(results), print_provenance=print_provenance)


def _resolver(rekor_url: str | None, offline: bool) -> Resolver | None:
    """Online Rekor lookups for legacy envelopes unless ``offline``; the import happens only if needed."""
    if offline:
        return None

    def resolve(legacy: LegacyEnvelope, digests: Sequence[str], root: TrustedRoot) -> VerifiedSignature:
        from pyslsa.sources.rekor import resolver

        return resolver(rekor_url)(legacy, digests, root)

    return resolve


def run_github_attestation(*, artifacts: Sequence[Artifact], attestation_path: str, source_uri: str,
                           builder_id: str | None, trusted_root_path: str | None = None,
                           print_provenance: bool = False) -> Report:
    root = load_trusted_root(trusted_root_path)
    data = load_provenance(attestation_path, "attestation file")
    digests = _digests(artifacts)
    if not builder_id:
        err = UntrustedBuilderError("GitHub attestations have no default trusted builder: pass --builder-id "
                                    "with the workflow you trust")
        return Report("verify-github-attestation",
                      [ArtifactOutcome(path=n, sha256=d, error=err) for n, d in digests],
                      print_provenance=print_provenance)
    policy = SlsaPolicy(source_uri, builder_id=builder_id, testing=testing_enabled())
    results = evaluate(digests, data, policy, root, frozenset(), named_workflows=True)
    return Report("verify-github-attestation", _outcomes(results), print_provenance=print_provenance)
