"""``verify-artifact``, ``verify-github-attestation``, ``verify-bundle``: options in, a :class:`~pyslsa.report.Report`
out (one outcome per artifact). Reads the files the options name (:mod:`pyslsa.sources.files`), looks legacy entries
up in Rekor when allowed (:mod:`pyslsa.sources.rekor`), and leaves every decision to :mod:`pyslsa.core.verify`.

An error that stops the whole command (a missing file, a bad flag) is raised; a verdict on an artifact is in its
outcome.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace

from pyslsa.api.trust_root import resolve_root
from pyslsa.core.slsa.builders import DEFAULT_ARTIFACT_BUILDERS
from pyslsa.core.slsa.policy import SlsaPolicy
from pyslsa.core.verify import ArtifactVerdict, evaluate, verify_bundle_bytes
from pyslsa.errors import UntrustedBuilderError, UsageError, VerificationError
from pyslsa.options import (
    Artifact,
    TufOptions,
    VerifyArtifactOptions,
    VerifyBundleOptions,
    VerifyGithubAttestationOptions,
)
from pyslsa.report import ArtifactOutcome, Report
from pyslsa.sources.files import artifact_digest, load_evidence
from pyslsa.sources.rekor import make_resolver
from pyslsa.sources.settings import testing_enabled

__all__ = ["run_verify_artifact", "run_verify_bundle", "run_verify_github_attestation"]


def _digests(artifacts: Sequence[Artifact]) -> list[tuple[str, str]]:
    if not artifacts:
        raise UsageError("no artifact given")
    return [artifact_digest(a) for a in artifacts]


def _outcomes(results: Sequence[ArtifactVerdict]) -> list[ArtifactOutcome]:
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


def run_verify_artifact(options: VerifyArtifactOptions) -> Report:
    """Verify artifacts against SLSA provenance with slsa-verifier's ``verify-artifact`` semantics."""
    if options.source_tag is not None and options.source_versioned_tag is not None:
        raise UsageError("give at most one of source_tag, source_versioned_tag")
    policy = SlsaPolicy(options.source_uri, options.source_tag, options.source_branch, options.source_versioned_tag,
                        options.builder_id or None, dict(options.build_workflow_inputs),
                        testing=testing_enabled())
    sink = None
    if options.vsa is not None:  # the key and the place checked before any work (usage errors first)
        from pyslsa.api.vsa import open_vsa_output

        sink = open_vsa_output(options.vsa, (*options.artifacts, options.provenance, options.trusted_root))
        if len(options.artifacts) > 1 and sink.resource_uri is None:
            raise UsageError("a VSA over several artifacts needs a resource URI: give --vsa-resource-uri")
    data = load_evidence(options.provenance)
    digests = _digests(options.artifacts)
    root = resolve_root(options.trusted_root, _no_refresh_if(options.offline, options.tuf))
    results = evaluate(digests, data, policy, root.trusted_root, DEFAULT_ARTIFACT_BUILDERS,
                       make_resolver(options.rekor_url, options.offline))
    report = Report("verify-artifact", _outcomes(results), print_provenance=options.print_provenance,
                    root_source=root.source)
    if sink is not None:  # a verdict was reached (PASSED or FAILED): its VSA
        from pyslsa.api.vsa import provenance_descriptor, write_artifact_vsa

        report.vsa = write_artifact_vsa(sink, report, options, provenance_descriptor(options.provenance, data))
    return report


def run_verify_github_attestation(options: VerifyGithubAttestationOptions) -> Report:
    """Verify artifacts against a GitHub artifact attestation; without ``builder_id`` every artifact fails with
    ``untrusted-builder`` (there is no default trusted builder)."""
    data = load_evidence(options.attestation, "attestation file")
    digests = _digests(options.artifacts)
    if not options.builder_id:
        err = UntrustedBuilderError("GitHub attestations have no default trusted builder: pass --builder-id "
                                    "with the workflow you trust")
        return Report("verify-github-attestation",
                      [ArtifactOutcome(path=n, sha256=d, error=err) for n, d in digests],
                      print_provenance=options.print_provenance)
    root = resolve_root(options.trusted_root, options.tuf)
    policy = SlsaPolicy(options.source_uri, builder_id=options.builder_id, testing=testing_enabled())
    results = evaluate(digests, data, policy, root.trusted_root, frozenset(), named_workflows=True)
    return Report("verify-github-attestation", _outcomes(results), print_provenance=options.print_provenance,
                  root_source=root.source)


def run_verify_bundle(options: VerifyBundleOptions) -> Report:
    """Verify a Sigstore bundle over one artifact: the certificate's identity and issuer must be the ones given
    (both), or ``key`` must have made the signature (the key wins when both are given)."""
    if options.key is None and not (options.identity and options.issuer):
        raise UsageError("give identity and issuer, or key")
    from pyslsa.core.keys import load_public_key_pem  # verify-bundle's alone: the others never load it

    key = load_public_key_pem(load_evidence(options.key, "key file")) if options.key is not None else None
    data = load_evidence(options.bundle, "bundle file")
    name, digest = artifact_digest(options.artifact)
    root = resolve_root(options.trusted_root, options.tuf)
    outcome = ArtifactOutcome(path=name, sha256=digest)
    try:
        verdict = verify_bundle_bytes(name, digest, data, root.trusted_root, identity=options.identity,
                                      issuer=options.issuer, key=key)
    except VerificationError as exc:
        outcome.error = exc
    else:
        outcome.verified = True
        claims = verdict.signature.claims
        if claims is not None:
            outcome.signer = claims.san
        elif key is not None:
            outcome.signer_key_sha256 = hashlib.sha256(key[1]).hexdigest()
        outcome.integrated_time = verdict.signature.integrated_time
        outcome.log_index = verdict.signature.log_index
        outcome.notes = list(verdict.signature.notes)
        outcome.statement = verdict.statement.raw if verdict.statement is not None else None
    return Report("verify-bundle", [outcome], root_source=root.source)


def _no_refresh_if(offline: bool, tuf: TufOptions) -> TufOptions:
    """``offline`` (a command's "no network at all") implies no TUF refresh either."""
    return replace(tuf, refresh=False) if offline and tuf.refresh else tuf
