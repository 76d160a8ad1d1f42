"""Verification profiles: where the reference implementations disagree, which one a command answers like.

pyslsa's commands promise to agree with two references. ``verify-artifact``, ``verify-github-attestation``,
``verify-release`` and ``upgrade-provenance`` (and the library's ``verify_artifact`` / ``verify_release``) answer
like slsa-verifier, which verifies bundles with sigstore-go; ``verify-bundle`` (and ``verify_bundle``) answers
like the clients that pass the sigstore-conformance suite. Today they differ on one rule, named here; the command
picks the profile and hands it to the core's verification functions, so no parser ever decides policy.

Certificates after the leaf of a v0.1/v0.2 bundle's ``x509CertificateChain`` (``chain_extras``):

* slsa-verifier (verifiers/internal/gha/bundle.go ``getLeafCertFromBundle``) parses ``certificates[0]`` and
  nothing else; sigstore-go (pkg/bundle/bundle.go ``VerificationContent``) likewise parses only ``certs[0]``.
  The rest of the chain is never read, not even as X.509: intermediates and roots come from the trusted root.
  slsa-github-generator's container builder (v1.7 era) wrote leaf + intermediate + root, and slsa-verifier's
  regression tests require that such bundles pass. Profile ``SLSA_VERIFIER``: the extras are ignored (they
  need not even parse as certificates, exactly as in both references; refusing them would refuse genuine
  evidence for a rule neither reference has, and accepting them proves nothing more, since they are never
  used), and are shown with ``--debug``.
* The bundle specification (protobuf-specs ``X509CertificateChain``) says the chain MUST NOT contain a root,
  and sigstore-conformance's ``bundle-with-root-cert_fail`` expects a client to refuse one. Profile
  ``CONFORMANCE``: every extra must be an X.509 certificate (``invalid-certificate`` otherwise) and none may
  be self-signed (``invalid-provenance``); intermediates are allowed and, as ever, not used.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """A named set of the rules on which the reference implementations differ."""

    name: str
    #: True: the certificates after the leaf must be X.509 and none may be a root (self-signed);
    #: False: they are ignored, unread (see the module docstring).
    strict_chain_extras: bool

    def __str__(self) -> str:
        return self.name


#: slsa-verifier / sigstore-go: only the leaf of a certificate chain is read.
SLSA_VERIFIER = Profile("slsa-verifier", strict_chain_extras=False)

#: sigstore-conformance: no root certificate in a bundle's chain.
CONFORMANCE = Profile("conformance", strict_chain_extras=True)

__all__ = ["CONFORMANCE", "SLSA_VERIFIER", "Profile"]
