"""Verification Summary Attestations for the commands: ``verify-vsa``, and what ``--vsa`` / ``--vsa-key`` write.

The edge around the pure :mod:`pyslsa.core.vsa` and :mod:`pyslsa.core.keys`: it reads the VSA, key and
trusted-root files and the signing key's password (``PYSLSA_VSA_KEY_PASSWORD``), and turns the verify commands'
reports into a :class:`~pyslsa.core.vsa.Summary`. It writes nothing: :func:`render_vsa` returns the bytes of the
file, which the command writes (atomically) where ``--vsa`` says.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

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
    command_policy,
    pypi_resource_uri,
    slsa_build_level,
    statement_bytes,
    verify_vsa_document,
)
from pyslsa.errors import UsageError
from pyslsa.options import VerifyVsaOptions
from pyslsa.report import ArtifactOutcome, ReleaseReport
from pyslsa.sources.files import load_trusted_root, read_evidence

#: Environment variable holding the password of an encrypted ``--vsa-key`` (as cosign reads COSIGN_PASSWORD).
VSA_KEY_PASSWORD_ENV = "PYSLSA_VSA_KEY_PASSWORD"  # noqa: S105 - the name of a variable, not a secret

#: Largest key file read (a PEM key is a few hundred bytes).
_MAX_KEY_BYTES = 64 * 1024


# -- verify-vsa ---------------------------------------------------------------------------------------------------


def verify_vsa(options: VerifyVsaOptions) -> VerifiedVsa:
    """Verify a VSA file; raises a :class:`~pyslsa.errors.VerificationError` (exit 1) with a stable code, or a
    :class:`~pyslsa.errors.UsageError` (exit 2) for bad flags and unreadable files."""
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
        key, key_der = load_public_key_pem(read_evidence(options.public_key_path, "public key file",
                                                         _MAX_KEY_BYTES), "--public-key-path")
    data = read_evidence(options.attestation_path, "attestation file")

    def root() -> TrustedRoot:
        return load_trusted_root(options.trusted_root_path)

    # verify-vsa is slsa-verifier's command: a VSA in a Sigstore bundle is read as sigstore-go reads bundles.
    return verify_vsa_document(data, expected, profile=SLSA_VERIFIER, key=key, key_der=key_der,
                               public_key_id=options.public_key_id, root=root, identity=identity, issuer=issuer)


# -- Writing a VSA ------------------------------------------------------------------------------------------------


def load_vsa_signing_key(path: str | os.PathLike[str], password: bytes | None = None) -> SigningKey:
    """The ``--vsa-key`` PEM private key (ECDSA P-256 / P-384, Ed25519; PKCS#8 or SEC 1). An encrypted key is
    opened with ``password``, else with ``$PYSLSA_VSA_KEY_PASSWORD``; without either it is a UsageError."""
    if password is None:
        env = os.environ.get(VSA_KEY_PASSWORD_ENV)
        password = env.encode() if env else None
    data = read_evidence(path, "VSA signing key file", _MAX_KEY_BYTES)
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
            raise UsageError("a VSA over several artifacts needs a resource URI")
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


__all__ = [
    "VSA_KEY_PASSWORD_ENV",
    "VerifyVsaOptions",
    "VsaDocument",
    "artifact_summary",
    "file_result",
    "load_vsa_signing_key",
    "release_summary",
    "render_vsa",
    "verify_vsa",
]
