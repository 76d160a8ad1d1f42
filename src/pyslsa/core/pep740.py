"""PEP 740 attestations (PyPI's integrity API) verified on the Sigstore core, with a Trusted Publisher policy.

An attestation is ``{"version": 1, "verification_material": {"certificate", "transparency_entries"},
"envelope": {"statement", "signature"}}``: a DSSE envelope over an in-toto Statement v1 whose single subject is
the distribution file (name and SHA-256), signed by a Fulcio certificate and logged in Rekor. It is verified as
the Sigstore bundle it is, then its subject is matched with the file and its certificate with the publisher.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyslsa.core import jsonutil as j
from pyslsa.core.bundle import BUNDLE_MEDIA_TYPE_V03, parse_bundle
from pyslsa.core.dsse import INTOTO_PAYLOAD_TYPE, Statement
from pyslsa.core.profile import Profile
from pyslsa.core.sigstore import VerifiedSignature, verify_dsse_bundle
from pyslsa.core.trust import TrustedRoot
from pyslsa.core.x509 import OID_BUILD_SIGNER_URI, OID_SOURCE_REPOSITORY_URI
from pyslsa.errors import (
    InvalidProvenanceError,
    MismatchHashError,
    MismatchIdentityError,
    MismatchSourceError,
    UnsupportedFormatError,
)

PUBLISH_V1 = "https://docs.pypi.org/attestations/publish/v1"
SLSA_V1 = "https://slsa.dev/provenance/v1"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"


@dataclass(frozen=True)
class Publisher:
    """A Trusted Publisher as the integrity API describes it (GitHub only, for now)."""

    kind: str
    repository: str
    workflow: str | None = None
    environment: str | None = None

    @classmethod
    def from_json(cls, o: Any) -> Publisher:
        o = j.obj(o, "publisher")
        return cls(j.get_str(o, "kind", "publisher"), j.opt_str(o, "repository", "publisher") or "",
                   j.opt_str(o, "workflow", "publisher") or None, j.opt_str(o, "environment", "publisher") or None)


@dataclass(frozen=True)
class VerifiedAttestation:
    signature: VerifiedSignature
    statement: Statement
    predicate_type: str


def attestation_bundle(doc: Any) -> dict[str, Any]:
    """The Sigstore bundle v0.3 an attestation object is (strict shape checks)."""
    doc = j.obj(doc, "attestation")
    version = doc.get("version")
    if version != 1 or isinstance(version, bool):
        raise UnsupportedFormatError(f"attestation version: expected 1, got {version!r}")
    vm = j.get_obj(doc, "verification_material", "attestation")
    env = j.get_obj(doc, "envelope", "attestation")
    cert = j.get_str(vm, "certificate", "attestation.verification_material")
    entries = j.get_list(vm, "transparency_entries", "attestation.verification_material")
    return {
        "mediaType": BUNDLE_MEDIA_TYPE_V03,
        "verificationMaterial": {"certificate": {"rawBytes": cert}, "tlogEntries": entries},
        "dsseEnvelope": {"payload": j.get_str(env, "statement", "attestation.envelope"),
                         "payloadType": INTOTO_PAYLOAD_TYPE,
                         "signatures": [{"sig": j.get_str(env, "signature", "attestation.envelope"),
                                         "keyid": ""}]},
    }


def check_publisher(sig: VerifiedSignature, publisher: Publisher) -> None:
    """The certificate was issued to the publisher's repository (and workflow, when the publisher names one)."""
    claims = sig.claims
    if claims is None:
        raise MismatchIdentityError("attestation is not signed by a Fulcio certificate")
    if publisher.kind != "GitHub":
        raise UnsupportedFormatError(f"Trusted Publisher kind {publisher.kind!r} is not supported (GitHub only)")
    if claims.issuer != GITHUB_ISSUER:
        raise MismatchIdentityError(f"certificate OIDC issuer: expected {GITHUB_ISSUER}, got {claims.issuer!r}")
    want_repo = f"https://github.com/{publisher.repository}"
    got_repo = claims.get(OID_SOURCE_REPOSITORY_URI)
    if got_repo != want_repo:
        raise MismatchSourceError(f"publisher repository: expected {want_repo!r}, got {got_repo!r}")
    if publisher.workflow:
        signer = claims.get(OID_BUILD_SIGNER_URI) or claims.san
        prefix = f"{want_repo}/.github/workflows/{publisher.workflow}@"
        if not signer.startswith(prefix):
            raise MismatchIdentityError(f"publisher workflow: expected {prefix}..., got {signer!r}")


def verify_attestation(doc: Any, filename: str, sha256_hex: str, root: TrustedRoot,
                       publisher: Publisher | None = None, *, profile: Profile) -> VerifiedAttestation:
    """Verify one PEP 740 attestation for the distribution ``filename`` whose SHA-256 is ``sha256_hex``.

    (An attestation carries a single certificate, never a chain, so ``profile`` changes nothing today; it is
    the command's choice all the same.)"""
    sig = verify_dsse_bundle(parse_bundle(attestation_bundle(doc)), root, profile=profile)
    statement = sig.statement()
    if statement.type != "https://in-toto.io/Statement/v1":
        raise InvalidProvenanceError(f"attestation statement type: expected in-toto Statement v1, got "
                                     f"{statement.type!r}")
    if statement.predicate_type not in (PUBLISH_V1, SLSA_V1):
        raise UnsupportedFormatError(f"attestation predicateType {statement.predicate_type!r} is not a PEP 740 "
                                     f"one ({PUBLISH_V1}, {SLSA_V1})")
    if len(statement.subjects) != 1:
        raise InvalidProvenanceError(f"attestation must have exactly one subject, got {len(statement.subjects)}")
    subject = statement.subjects[0]
    if subject.name != filename:
        raise MismatchHashError(f"attestation subject: expected file {filename!r}, got {subject.name!r}")
    if subject.digest.get("sha256") != sha256_hex.lower():
        raise MismatchHashError(f"attestation subject digest: expected sha256:{sha256_hex}, got "
                                f"sha256:{subject.digest.get('sha256')}")
    if publisher is not None:
        check_publisher(sig, publisher)
    return VerifiedAttestation(sig, statement, statement.predicate_type)


def parse_provenance_object(data: bytes) -> list[tuple[Publisher, list[Any]]]:
    """The integrity API's Provenance object: ``{"version": 1, "attestation_bundles": [{publisher,
    attestations}]}``."""
    doc = j.obj(j.loads(data, "provenance object"), "provenance")
    if doc.get("version") != 1:
        raise UnsupportedFormatError(f"provenance object version: expected 1, got {doc.get('version')!r}")
    out = []
    for i, b in enumerate(j.get_list(doc, "attestation_bundles", "provenance")):
        b = j.obj(b, f"provenance.attestation_bundles[{i}]")
        out.append((Publisher.from_json(j.get(b, "publisher", f"provenance.attestation_bundles[{i}]")),
                    j.get_list(b, "attestations", f"provenance.attestation_bundles[{i}]")))
    return out
