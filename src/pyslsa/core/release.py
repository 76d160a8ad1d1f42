"""The verdict on a release: every file, every piece of evidence, decided from bytes (no I/O, no clock).

Evidence for a file is of two kinds:

* **PEP 740**: the attestations the index serves for the file (the integrity API's provenance object). Each one
  claims the file it is attached to: it must verify as a Sigstore bundle, its single subject must be the file
  (name and SHA-256), its certificate must be the Trusted Publisher's, and the publisher must be the expected
  repository (``--source-uri``).
* **SLSA**: the provenance documents of the release (one per line of ``multiple.intoto.jsonl``, or several
  files). A verified document claims a file when one of its subjects has the file's SHA-256, or the file's name
  (a subject with the name but another digest is a tampered file: ``mismatch-hash``); the file must then pass
  verify-artifact's policy with the release tag as the expected tag. A document that does *not* verify claims
  every file its (unverified) statement names, and every file if it cannot even be read: failing evidence is
  never ignored.

A file passes when at least one piece of evidence verifies for it and none that claims it fails. A file that no
evidence covers is ``unattested``, or ``mismatch-hash`` when the release's verified provenance exists but lists
another digest for everything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from pyslsa.core.bundle import parse_document
from pyslsa.core.dsse import Statement
from pyslsa.core.github import normalize_source_uri
from pyslsa.core.pep740 import PUBLISHER_KINDS, Publisher, parse_provenance_object, verify_attestation
from pyslsa.core.profile import Profile
from pyslsa.core.sigstore import Resolver, VerifiedSignature, verify_document
from pyslsa.core.slsa.builders import DEFAULT_ARTIFACT_BUILDERS
from pyslsa.core.slsa.policy import SlsaPolicy, verify_slsa
from pyslsa.core.trust import TrustedRoot
from pyslsa.core.x509 import ChainMemo
from pyslsa.errors import (
    MismatchHashError,
    MismatchSourceError,
    UnattestedError,
    VerificationError,
)

#: Where a piece of a release's evidence comes from.
ReleaseEvidenceKind = Literal["pep740", "slsa"]
PEP740: Final = "pep740"
SLSA: Final = "slsa"


@dataclass(frozen=True)
class ReleaseFile:
    filename: str
    sha256: str


@dataclass
class Evidence:
    """One piece of evidence about one file, and what became of it."""

    kind: ReleaseEvidenceKind
    source: str  # where it came from: a URL, an asset name, a path (with '#N' for the N-th document)
    verified: bool = False
    signer: str | None = None  # the builder id (SLSA) or the Trusted Publisher (PEP 740)
    detail: str | None = None  # predicate type (PEP 740), or source ref and commit (SLSA)
    error: VerificationError | None = None
    log_index: int | None = None
    notes: tuple[str, ...] = ()  # accepted but unused material, shown with --debug
    #: The document this evidence was read from, as fetched: where (a URL or a path, without the '#N' of
    #: ``source``) and the SHA-256 of its bytes (a VSA's ``inputAttestations``).
    document_uri: str | None = None
    document_sha256: str | None = None


@dataclass
class FileVerdict:
    filename: str
    sha256: str
    evidence: list[Evidence] = field(default_factory=list)
    error: VerificationError | None = None

    @property
    def verified(self) -> bool:
        return self.error is None and any(e.verified for e in self.evidence)


@dataclass(frozen=True)
class SlsaDocument:
    """One JSON document of a provenance file, with where it came from. ``uri`` and ``sha256`` name the file it
    was read from as fetched (a release asset's URL or a path, and the SHA-256 of the whole file, which may hold
    several documents); None: the document stands alone (``source`` and the SHA-256 of ``raw``)."""

    source: str
    raw: bytes
    uri: str | None = None
    sha256: str | None = None

    @property
    def document(self) -> tuple[str, str]:
        """(uri, sha256) of the file this document was read from."""
        return (self.uri or self.source, self.sha256 or hashlib.sha256(self.raw).hexdigest())


def _same_source(publisher: Publisher, want: str) -> bool:
    """Whether the publisher names ``want`` (``host/path``, :func:`~pyslsa.core.github.normalize_source_uri`'s
    ``host-path`` form) as its source repository: the host in any case, the path exactly."""
    got = publisher.source
    if got is None:
        return False
    got_host, _, got_path = normalize_source_uri(got, "host-path").partition("/")
    want_host, _, want_path = want.partition("/")
    return got_host.lower() == want_host.lower() and got_path == want_path


def pep740_evidence(f: ReleaseFile, source: str, provenance_object: bytes, root: TrustedRoot,
                    source_uri: str, *, profile: Profile, memo: ChainMemo | None = None) -> list[Evidence]:
    """Every attestation of one provenance object, verified for ``f``; a malformed object is one failure."""
    digest = hashlib.sha256(provenance_object).hexdigest()
    try:
        bundles = parse_provenance_object(provenance_object)
    except VerificationError as exc:
        return [Evidence(PEP740, source, error=exc, document_uri=source, document_sha256=digest)]
    if not bundles or not any(atts for _, atts in bundles):
        return [Evidence(PEP740, source, error=UnattestedError("the provenance object holds no attestation"),
                         document_uri=source, document_sha256=digest)]
    want = normalize_source_uri(source_uri, "host-path")
    out = []
    for publisher, attestations in bundles:
        for i, doc in enumerate(attestations):
            where = f"{source}#{i + 1}" if len(attestations) > 1 else source
            ev = Evidence(PEP740, where, signer=publisher.describe(), document_uri=source,
                          document_sha256=digest)
            try:
                # Every kind pyslsa verifies must name --source-uri (a Google publisher, or a CircleCI one without
                # vcs_origin, names no repository and so cannot prove one); other kinds fail in verify_attestation.
                if publisher.kind in PUBLISHER_KINDS and not _same_source(publisher, want):
                    got = repr(publisher.source) if publisher.source else f"none ({publisher.describe()})"
                    raise MismatchSourceError(f"Trusted Publisher repository: expected {want!r}, got {got}")
                verified = verify_attestation(doc, f.filename, f.sha256, root, publisher,  # publisher checked too
                                              profile=profile, memo=memo)
                ev.verified = True
                ev.detail = verified.predicate_type
                ev.log_index = verified.signature.log_index
                ev.notes = verified.signature.notes
            except VerificationError as exc:
                ev.error = exc
            out.append(ev)
    return out


@dataclass
class VerifiedDocument:
    """One SLSA provenance document after verification: its signature, or the error and what its unverified
    statement claims to cover."""

    source: str
    signature: VerifiedSignature | None = None
    statement: Statement | None = None  # verified when signature is set; unverified (for claims) otherwise
    error: VerificationError | None = None
    document: tuple[str, str] | None = None  # (uri, sha256) of the file it was read from (SlsaDocument.document)


def _unverified_statement(raw: bytes) -> Statement | None:
    """What a document that failed verification says it covers (to know which files it claims)."""
    try:
        env = parse_document(raw).envelope
        return Statement.from_envelope(env) if env is not None else None
    except VerificationError:
        return None


def verify_documents(docs: Sequence[SlsaDocument], root: TrustedRoot, digests: Sequence[str],
                     resolver: Resolver | None = None, *, profile: Profile,
                     memo: ChainMemo | None = None) -> list[VerifiedDocument]:
    """Verify each document once (a release's provenance covers many files); ``digests`` are the files' digests
    a legacy envelope's log lookup may use; ``memo``: the run's, when one run verifies many documents."""
    out = []
    for doc in docs:
        d = VerifiedDocument(doc.source, document=doc.document)
        try:
            d.signature = verify_document(doc.raw, root, digests, resolver, profile=profile, memo=memo)
            d.statement = d.signature.statement()
        except VerificationError as exc:
            d.signature = None
            d.error = exc
            d.statement = _unverified_statement(doc.raw)
        out.append(d)
    return out


def slsa_evidence(d: VerifiedDocument, f: ReleaseFile, policy: SlsaPolicy) -> Evidence | None:
    """What one verified (or failed) document says about ``f`` (see the module docstring), or None when it does
    not claim the file."""
    claim = _claims(d.statement, f)
    uri, digest = d.document or (d.source, None)
    if d.signature is None:
        if claim is not None or d.statement is None:
            assert d.error is not None
            return Evidence(SLSA, d.source, error=d.error, document_uri=uri, document_sha256=digest)
        return None
    if claim is None:
        return None
    ev = Evidence(SLSA, d.source, log_index=d.signature.log_index, notes=d.signature.notes, document_uri=uri,
                  document_sha256=digest)
    if claim == "name":
        ev.error = MismatchHashError(f"provenance subject {f.filename!r}: expected sha256:{f.sha256}, got "
                                     f"sha256:{_digest_named(d.statement, f.filename)}")
        return ev
    try:
        verdict = verify_slsa(d.signature, f.sha256, policy, DEFAULT_ARTIFACT_BUILDERS)
        ev.verified = True
        ev.signer = verdict.builder_id
        ev.detail = f"{verdict.source_uri}@{verdict.ref}" + (f" {verdict.commit}" if verdict.commit else "")
    except VerificationError as exc:
        ev.error = exc
    return ev


def _claims(statement: Statement | None, f: ReleaseFile) -> str | None:
    """'digest' if a subject has the file's digest, 'name' if one only has its name, else None."""
    if statement is None:
        return None
    if statement.matching_subjects(f.sha256):
        return "digest"
    if any(s.name == f.filename for s in statement.subjects):
        return "name"
    return None


def decide_release(files: Sequence[ReleaseFile], pep740: Mapping[str, Sequence[tuple[str, bytes]]],
                   slsa_docs: Sequence[SlsaDocument], policy: SlsaPolicy, root: TrustedRoot,
                   resolver: Resolver | None = None, *, profile: Profile, memo: ChainMemo | None = None
                   ) -> list[FileVerdict]:
    """The verdict for every file (see the module docstring for the rules).

    ``memo``: the run's :class:`~pyslsa.core.x509.ChainMemo`, so a certificate shared by many documents has
    its chain and SCT checked once per verified time (None: every document checks everything)."""
    verdicts = [FileVerdict(f.filename, f.sha256) for f in files]
    docs = (verify_documents(slsa_docs, root, [f.sha256 for f in files], resolver, profile=profile, memo=memo)
            if slsa_docs else [])
    for f, v in zip(files, verdicts, strict=True):
        for source, obj in pep740.get(f.filename, ()):
            v.evidence.extend(pep740_evidence(f, source, obj, root, policy.source_uri, profile=profile, memo=memo))
        for d in docs:
            ev = slsa_evidence(d, f, policy)
            if ev is not None:
                v.evidence.append(ev)
        failed = [e for e in v.evidence if e.error is not None]
        if failed:
            v.error = failed[0].error
        elif not any(e.verified for e in v.evidence):
            v.error = _uncovered(f, docs)
    return verdicts


def _digest_named(statement: Statement | None, name: str) -> str:
    if statement is None:
        return "?"
    for s in statement.subjects:
        if s.name == name:
            return s.digest.get("sha256", "<no sha256>")
    return "?"


def _uncovered(f: ReleaseFile, docs: Sequence[VerifiedDocument]) -> VerificationError:
    statements = [d.statement for d in docs if d.signature is not None and d.statement is not None]
    if statements:
        names = sorted({s.name or s.digest.get("sha256", "?") for st in statements for s in st.subjects})
        shown = ", ".join(names[:4]) + (f" (+{len(names) - 4} more)" if len(names) > 4 else "")
        return MismatchHashError(f"no subject of the release's provenance has sha256:{f.sha256} (subjects: "
                                 f"{shown}), and no PEP 740 attestation covers the file")
    return UnattestedError(f"no evidence covers the file: no PEP 740 attestation, no SLSA provenance subject with "
                           f"sha256:{f.sha256}")


__all__ = ["PEP740", "SLSA", "Evidence", "FileVerdict", "ReleaseFile", "Resolver", "SlsaDocument", "VerifiedDocument",
           "decide_release", "pep740_evidence", "slsa_evidence",
           "verify_documents"]
