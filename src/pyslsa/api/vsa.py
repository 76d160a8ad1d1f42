"""Verification Summary Attestations, the library: ``verify-vsa`` (:func:`run_verify_vsa`), and the VSA a verify
command writes with ``--vsa`` (:func:`open_vsa_output` before the verification, :func:`write_artifact_vsa` /
:func:`write_release_vsa` once it reached a verdict).

The edge around the pure :mod:`pyslsa.core.vsa` and :mod:`pyslsa.core.keys`: it reads the VSA, key and
trusted-root files and the signing key's password (``PYSLSA_VSA_KEY_PASSWORD``), reads the clock
(``timeVerified``), turns the verify commands' reports into a :class:`~pyslsa.core.vsa.Summary`, and writes the VSA
atomically (:func:`pyslsa.sources.atomic.write_atomically`).

A verify command writes its VSA whenever it reached a verdict: ``verificationResult`` PASSED, or FAILED (with
``verifiedLevels`` ``["FAILED"]``) when some subject failed. A FAILED VSA is a record a consumer refuses
(``invalid-verification-result``), and it replaces the file a previous run wrote, so that a stale PASSED VSA is
never left where the pipeline looks for this run's. A run stopped before a verdict (a usage error, a download
that failed) writes nothing.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from pyslsa import __version__
from pyslsa.api.trust_root import resolve_root
from pyslsa.core.dsse import INTOTO_PAYLOAD_TYPE
from pyslsa.core.keys import SigningKey, envelope_json, load_private_key_pem, load_public_key_pem, sign_envelope
from pyslsa.core.profile import SLSA_VERIFIER
from pyslsa.core.release import PEP740, SLSA, FileVerdict
from pyslsa.core.trust import TrustedRoot
from pyslsa.core.vsa import (
    Descriptor,
    Expectations,
    SubjectResult,
    Summary,
    VerifiedVsa,
    build_statement,
    command_policy,
    descriptor,
    pypi_resource_uri,
    slsa_build_level,
    statement_bytes,
    verify_vsa_document,
)
from pyslsa.errors import InvalidProvenanceError, InvalidVsaError, UsageError, VerificationError
from pyslsa.options import VerifyVsaOptions, VsaOutput
from pyslsa.report import ArtifactOutcome, ReleaseReport, Report, VerifyVsaReport, VsaWritten
from pyslsa.sources.atomic import check_writable, write_atomically
from pyslsa.sources.files import MAX_EVIDENCE_BYTES, read_evidence
from pyslsa.sources.settings import VSA_KEY_PASSWORD_ENV, vsa_key_password

if TYPE_CHECKING:
    from pyslsa.options import VerifyArtifactOptions, VerifyReleaseOptions
    from pyslsa.report import RootSource

#: Largest key file read (a PEM key is a few hundred bytes).
_MAX_KEY_BYTES = 64 * 1024


def _read_key(path: str | os.PathLike[str], what: str) -> bytes:
    """A key file, bounded: a file too large to be a PEM key is a usage error like any other wrong file."""
    try:
        return read_evidence(path, what, _MAX_KEY_BYTES)
    except InvalidProvenanceError:
        raise UsageError(f"{what} {os.fspath(path)} is larger than {_MAX_KEY_BYTES // 1024} KiB: not a PEM "
                         f"key") from None


# -- verify-vsa ---------------------------------------------------------------------------------------------------


def verify_vsa(options: VerifyVsaOptions, on_root: Callable[[RootSource], None] | None = None) -> VerifiedVsa:
    """Verify a VSA file; raises a :class:`~pyslsa.errors.VerificationError` (exit 1) with a stable code, or a
    :class:`~pyslsa.errors.UsageError` (exit 2) for bad flags and unreadable files. ``on_root`` is told which
    trusted root was used, when one is (a VSA in a Sigstore bundle)."""
    expected = Expectations.parse(options.subject_digests, options.verifier_id, options.resource_uri,
                                  options.verified_levels)
    identity, issuer = options.certificate_identity, options.certificate_oidc_issuer
    if bool(identity) != bool(issuer):
        raise UsageError("give both --certificate-identity and --certificate-oidc-issuer")
    if options.public_key_path is None and not identity:
        raise UsageError("give --public-key-path, or --certificate-identity and --certificate-oidc-issuer")
    if options.public_key_path is not None and identity:
        raise UsageError("--public-key-path cannot be combined with --certificate-identity / "
                         "--certificate-oidc-issuer")
    key = key_der = None
    if options.public_key_path is not None:
        key, key_der = load_public_key_pem(_read_key(options.public_key_path, "public key file"),
                                           "--public-key-path")
    try:
        data = read_evidence(options.attestation_path, "attestation file")
    except InvalidProvenanceError:  # too large to be read: not a VSA (slsa-verifier: ErrorInvalidDssePayload)
        raise InvalidVsaError(f"attestation file {os.fspath(options.attestation_path)} is larger than "
                              f"{MAX_EVIDENCE_BYTES // (1024 * 1024)} MiB: not a VSA") from None
    # A --trusted-root given is read now, used or not (a wrong path is a usage error, not ignored); the bundled
    # root is only loaded for a VSA in a Sigstore bundle.
    given_root = resolve_root(options.trusted_root_path) if options.trusted_root_path is not None else None

    def root() -> TrustedRoot:  # else the one rule (docs/trust-root.md), with the command's TUF options
        resolved = given_root if given_root is not None else resolve_root(None, options.tuf)
        if on_root is not None:
            on_root(resolved.source)
        return resolved.trusted_root

    # verify-vsa is slsa-verifier's command: a VSA in a Sigstore bundle is read as sigstore-go reads bundles.
    return verify_vsa_document(data, expected, profile=SLSA_VERIFIER, key=key, key_der=key_der,
                               public_key_id=options.public_key_id, root=root, identity=identity, issuer=issuer)


def run_verify_vsa(options: VerifyVsaOptions) -> VerifyVsaReport:
    """``verify-vsa``: the report of :func:`verify_vsa`. A VSA that fails is a report with its error (exit 1);
    bad flags and unreadable files raise :class:`~pyslsa.errors.UsageError` (exit 2)."""
    report = VerifyVsaReport(os.fspath(options.attestation_path), print_attestation=options.print_attestation)

    def used(source: RootSource) -> None:
        report.root_source = source

    try:
        verified = verify_vsa(options, used)
    except UsageError:
        raise
    except VerificationError as exc:
        report.error = exc
        return report
    vsa = verified.vsa
    predicate = vsa.statement.get("predicate") or {}
    verifier = predicate.get("verifier") or {}
    report.verified = True
    report.subjects = [{"name": name, "digest": dict(digest)} for name, digest in vsa.subjects]
    report.verifier_id = vsa.verifier_id
    report.verifier_version = {k: v or "" for k, v in (verifier.get("version") or {}).items()}
    report.resource_uri = vsa.resource_uri
    report.verification_result = vsa.verification_result
    report.verified_levels = list(vsa.verified_levels)
    report.time_verified = vsa.time_verified
    report.keyid = verified.keyid
    report.signer = verified.signer
    sig = verified.signature
    if sig is not None:
        report.issuer = sig.claims.issuer if sig.claims is not None else None
        report.log_index = sig.log_index
    report.statement = vsa.statement
    return report


# -- Writing a VSA ------------------------------------------------------------------------------------------------


def load_vsa_signing_key(path: str | os.PathLike[str], password: bytes | None = None) -> SigningKey:
    """The ``--vsa-key`` PEM private key (ECDSA P-256 / P-384, Ed25519; PKCS#8 or SEC 1). An encrypted key is
    opened with ``password``, else with ``$PYSLSA_VSA_KEY_PASSWORD``; without either it is a UsageError."""
    if password is None:
        password = vsa_key_password()
    data = _read_key(path, "VSA signing key file")
    try:
        return load_private_key_pem(data, password, f"VSA signing key {os.fspath(path)}")
    except UsageError as exc:
        if "no password" in exc.message:
            raise UsageError(f"{exc.message} (set {VSA_KEY_PASSWORD_ENV})") from None
        raise


@dataclass(frozen=True)
class VsaDocument:
    """The content of a ``--vsa`` file: the signed envelope as one JSON line (``keyid`` set), or the bare
    statement when there is no key (``signed`` False: the command says so on stderr)."""

    data: bytes
    signed: bool
    keyid: str | None = None


def render_vsa(statement: dict[str, Any], key: SigningKey | None = None, key_id: str | None = None) -> VsaDocument:
    """One line of JSON and a newline: a DSSE envelope signed by ``key`` (``key_id`` None: the hex SHA-256 of the
    public key's DER), or without a key the unsigned statement."""
    payload = statement_bytes(statement)
    if key is None:
        if key_id is not None:
            raise UsageError("--vsa-key-id needs --vsa-key")
        return VsaDocument(payload + b"\n", False)
    env = sign_envelope(INTOTO_PAYLOAD_TYPE, payload, key, key_id)
    return VsaDocument(envelope_json(env) + b"\n", True, env.signatures[0].keyid)


@dataclass(frozen=True)
class VsaSink:
    """Where a verify command's VSA goes, checked before the verification starts (:func:`open_vsa_output`): a
    wrong key or an unwritable place is a usage error before any work, not after."""

    path: Path
    key: SigningKey | None = None
    key_id: str | None = None
    resource_uri: str | None = None

    def write(self, summary: Summary) -> VsaWritten:
        """Build, sign (with a key) and write the VSA atomically; what was written."""
        statement = build_statement(summary)
        doc = render_vsa(statement, self.key, self.key_id)
        write_atomically(self.path, doc.data)
        predicate = statement["predicate"]
        return VsaWritten(os.fspath(self.path), doc.signed, doc.keyid, predicate["verificationResult"],
                          tuple(predicate["verifiedLevels"]), predicate["resourceUri"], len(statement["subject"]))


def open_vsa_output(output: VsaOutput, inputs: Sequence[object] = ()) -> VsaSink:
    """Check ``--vsa`` / ``--vsa-key`` / ``--vsa-key-id`` and load the key (UsageError, exit 2, for any problem).
    ``inputs``: the command's input files (artifacts, evidence, trusted root; anything not a path is skipped),
    which ``--vsa`` must not name: a typo must not replace an artifact with its VSA."""
    if output.key_id is not None and output.key is None:
        raise UsageError("--vsa-key-id needs --vsa-key")
    if output.key_id is not None and not output.key_id.strip():
        raise UsageError("--vsa-key-id must not be empty")
    if output.resource_uri is not None and not output.resource_uri:
        raise UsageError("--vsa-resource-uri must not be empty")
    if not os.fspath(output.path):
        raise UsageError("--vsa: expected a file name, got ''")
    path = Path(output.path)
    if path.is_dir():
        raise UsageError(f"--vsa {path}: expected a file name, got a directory")
    if path.exists():
        for given in (*inputs, output.key):
            if isinstance(given, (str, os.PathLike)) and _same_file(path, given):
                raise UsageError(f"--vsa {path}: that is an input of the command ({os.fspath(given)}), "
                                 f"not a place for its VSA")
    key = load_vsa_signing_key(output.key) if output.key is not None else None
    try:  # the place tried now (a file created and removed), not found unwritable once the work is done
        check_writable(path)
    except UsageError as exc:
        raise UsageError(f"--vsa: {exc.message}") from None
    return VsaSink(path, key, output.key_id, output.resource_uri)


def _same_file(a: Path, b: str | os.PathLike[str]) -> bool:
    try:
        return a.samefile(b)
    except (OSError, ValueError):
        return False


def now() -> dt.datetime:
    """``timeVerified``: the command's clock, UTC."""
    return dt.datetime.now(dt.timezone.utc)


# -- From the verify commands' reports ------------------------------------------------------------------------------


def artifact_summary(outcomes: Sequence[ArtifactOutcome], *, command: str,
                     policy_flags: Sequence[tuple[str, str | None]], input_attestations: Sequence[Descriptor],
                     time_verified: dt.datetime, verifier_version: str, resource_uri: str | None = None) -> Summary:
    """A ``verify-artifact`` run as a VSA: every artifact a subject (its file name and SHA-256), PASSED only if
    every one verified, the Build level of the builders that signed (see
    :func:`pyslsa.core.vsa.slsa_build_level`), the command's policy flags as the policy. ``resource_uri``
    defaults to the artifact's name; with several artifacts it must be given."""
    if not outcomes:
        raise UsageError("a VSA needs at least one artifact")
    subjects = tuple(SubjectResult(PurePath(o.path).name or o.path, o.sha256,
                                   slsa_build_level(o.builder_id) if o.verified and o.builder_id else 0)
                     for o in outcomes)
    if resource_uri is None:
        if len(subjects) > 1:
            raise UsageError("a VSA over several artifacts needs a resource URI (--vsa-resource-uri)")
        resource_uri = subjects[0].name
    return Summary(subjects, resource_uri, command_policy(command, policy_flags), tuple(input_attestations),
                   all(o.verified for o in outcomes), time_verified, verifier_version)


def file_result(f: FileVerdict) -> SubjectResult:
    """What one release file's verified evidence proves: the best Build level of its verified SLSA provenance,
    and whether a PEP 740 attestation verified its Trusted Publisher."""
    level = max((slsa_build_level(e.signer) for e in f.evidence if e.kind == SLSA and e.verified and e.signer),
                default=0)
    publisher = any(e.kind == PEP740 and e.verified for e in f.evidence)
    return SubjectResult(f.filename, f.sha256, level if f.verified else 0, publisher and f.verified)


def release_summary(report: ReleaseReport, *, policy: Descriptor, input_attestations: Sequence[Descriptor],
                    time_verified: dt.datetime, verifier_version: str) -> Summary:
    """A ``verify-release`` run as a VSA: resource ``pkg:pypi/NAME@VERSION``, every file a subject."""
    name, sep, version = report.requirement.partition("==")
    if not sep or not report.files:
        raise UsageError(f"a VSA needs a release with files, got {report.requirement!r}")
    return Summary(tuple(file_result(f) for f in report.files), pypi_resource_uri(name, version), policy,
                   tuple(input_attestations), report.verified, time_verified, verifier_version)


def release_inputs(files: Sequence[FileVerdict]) -> list[Descriptor]:
    """``inputAttestations`` of a release: every document some file's evidence was read from (a PEP 740
    provenance object's URL, a provenance file's URL or path), once, with the SHA-256 of its bytes as fetched."""
    seen: dict[tuple[str, str], None] = {}
    for f in files:
        for e in f.evidence:
            if e.document_uri is not None and e.document_sha256 is not None:
                seen.setdefault((e.document_uri, e.document_sha256))
    return [Descriptor(uri, sha256) for uri, sha256 in seen]


def _flag(flag: str, value: str | os.PathLike[str] | None) -> list[tuple[str, str | None]]:
    return [(flag, os.fspath(value))] if value is not None and os.fspath(value) != "" else []


def artifact_policy_flags(options: VerifyArtifactOptions) -> list[tuple[str, str | None]]:
    """The flags of ``verify-artifact`` that decide its verdict (the VSA's policy): not the artifacts, the
    provenance path or where to look things up. A trusted root given as bytes or parsed is named by kind."""
    flags = [("--source-uri", options.source_uri), *_flag("--source-tag", options.source_tag),
             *_flag("--source-branch", options.source_branch),
             *_flag("--source-versioned-tag", options.source_versioned_tag),
             *_flag("--builder-id", options.builder_id)]
    flags += [("--build-workflow-input", f"{k}={v}") for k, v in sorted(options.build_workflow_inputs.items())]
    return flags + _trusted_root_flag(options.trusted_root)


def _trusted_root_flag(root: object) -> list[tuple[str, str | None]]:
    if root is None:
        return []
    if isinstance(root, (str, os.PathLike)):
        return _flag("--trusted-root", root)
    return [("--trusted-root", "(given in-process)")]


def release_policy_flags(options: VerifyReleaseOptions, tag: str) -> list[tuple[str, str | None]]:
    """The flags of ``verify-release`` that decide its verdict, with the release tag in force (``v{VERSION}`` by
    default): source, tag, builder, which files and which evidence, the trusted root."""
    flags: list[tuple[str, str | None]] = [("--source-uri", options.source_uri), ("--release-tag", tag),
                                           *_flag("--builder-id", options.builder_id), *_flag("--only", options.only)]
    if not options.pep740:
        flags.append(("--no-pep740", None))
    if not options.github:
        flags.append(("--no-github", None))
    return flags + _trusted_root_flag(options.trusted_root)


def write_artifact_vsa(sink: VsaSink, report: Report, options: VerifyArtifactOptions,
                       provenance: Descriptor) -> VsaWritten:
    """The VSA of a ``verify-artifact`` run that reached a verdict (``provenance``: the document it read)."""
    summary = artifact_summary(report.artifacts, command=report.command, policy_flags=artifact_policy_flags(options),
                               input_attestations=[provenance], time_verified=now(), verifier_version=__version__,
                               resource_uri=sink.resource_uri)
    return sink.write(summary)


def write_release_vsa(sink: VsaSink, report: ReleaseReport, options: VerifyReleaseOptions, tag: str) -> VsaWritten:
    """The VSA of a ``verify-release`` run that reached a verdict."""
    summary = release_summary(report, policy=command_policy(report.command, release_policy_flags(options, tag)),
                              input_attestations=release_inputs(report.files), time_verified=now(),
                              verifier_version=__version__)
    return sink.write(summary)


def provenance_descriptor(spec: bytes | str | os.PathLike[str], data: bytes) -> Descriptor:
    """The ``inputAttestations`` entry of a provenance document: its path (``provenance`` when it was given as
    bytes) and the SHA-256 of ``data``, the bytes the command verified."""
    return descriptor(os.fspath(spec) if isinstance(spec, (str, os.PathLike)) else "provenance", data)


__all__ = [
    "VSA_KEY_PASSWORD_ENV",
    "VsaDocument",
    "VsaSink",
    "artifact_policy_flags",
    "artifact_summary",
    "file_result",
    "load_vsa_signing_key",
    "now",
    "open_vsa_output",
    "provenance_descriptor",
    "release_inputs",
    "release_policy_flags",
    "release_summary",
    "render_vsa",
    "run_verify_vsa",
    "verify_vsa",
    "write_artifact_vsa",
    "write_release_vsa",
]
