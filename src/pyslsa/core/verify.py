"""The verify engine of ``verify-artifact``, ``verify-github-attestation`` and ``verify-bundle``: the bytes of a
provenance file (or bundle), artifact digests, a trust root and a policy in; a verdict or a typed error out.

Pure: no files, no network, no clock. A legacy envelope's transparency-log entry comes through the ``resolver`` the
caller passes (:func:`pyslsa.sources.rekor.make_resolver`), or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from pyslsa.core import jsonutil as j
from pyslsa.core.bundle import Bundle, parse_document
from pyslsa.core.dsse import Statement
from pyslsa.core.profile import CONFORMANCE, SLSA_VERIFIER
from pyslsa.core.sigstore import (
    Resolver,
    VerifiedSignature,
    check_identity,
    verify_document,
    verify_dsse_bundle,
    verify_message_bundle,
)
from pyslsa.core.slsa.policy import SlsaPolicy, SlsaVerdict, verify_slsa
from pyslsa.core.trust import TrustedRoot
from pyslsa.core.x509 import ChainMemo
from pyslsa.errors import InvalidProvenanceError, MismatchHashError, VerificationError

__all__ = ["ArtifactVerdict", "BundleVerdict", "Document", "evaluate", "names", "split_documents", "split_evidence",
           "verify_bundle_bytes", "verify_documents"]


def split_documents(data: bytes) -> list[tuple[bytes, dict[str, Any] | None]]:
    """The JSON documents of a provenance file: one pretty-printed document, or one per line (JSON Lines); each
    with its JSON when it had to be read to decide the layout (the first line of JSON Lines), else None."""
    text = data.strip()
    if not text:
        raise InvalidProvenanceError("provenance file is empty")
    # A single (possibly pretty-printed) JSON document, or JSON Lines: decide by trying the whole first.
    if b"\n" not in text:
        return [(text, None)]
    lines = [ln.strip() for ln in text.split(b"\n")]
    lines = [ln for ln in lines if ln]
    if all(ln.startswith(b"{") and ln.endswith(b"}") for ln in lines) and len(lines) > 1:
        # Could still be one pretty-printed object whose lines happen to be balanced; JSON Lines lines are each
        # complete objects, so check the first: read strictly (that reading is the document's, kept for it),
        # and only when that fails, as plain JSON (a line with, say, a duplicate key is still a line of its own,
        # refused as a document).
        try:
            first = j.loads(lines[0])
        except VerificationError:
            try:
                json.loads(lines[0])
            except ValueError:
                return [(text, None)]
            return [(ln, None) for ln in lines]
        return [(lines[0], first), *((ln, None) for ln in lines[1:])]
    return [(text, None)]


def split_evidence(data: bytes) -> list[bytes]:
    """The JSON documents of a provenance file (:func:`split_documents`), as bytes."""
    return [raw for raw, _ in split_documents(data)]


# -- verify-artifact, verify-github-attestation ----------------------------------------------------------------------


@dataclass
class Document:
    """One document of a provenance file: its verified signature, or why it did not verify."""

    signature: VerifiedSignature | None
    error: VerificationError | None


class ArtifactVerdict(NamedTuple):
    """The verdict on one artifact: the SLSA verdict that passed, or the error that decides its failure."""

    name: str
    sha256: str
    verdict: SlsaVerdict | None
    error: VerificationError | None


def verify_documents(data: bytes, root: TrustedRoot, digests: Sequence[str], resolver: Resolver | None
                     ) -> list[Document]:
    """Every document of ``data`` verified (signature, log entry, certificate), each with its own result."""
    docs: list[Document] = []
    memo = ChainMemo(root)  # this run's: documents signed in one session share their certificate
    for raw, parsed in split_documents(data):
        try:
            # verify-artifact and verify-github-attestation answer like slsa-verifier (pyslsa.core.profile).
            docs.append(Document(verify_document(raw, root, digests, resolver, profile=SLSA_VERIFIER, memo=memo,
                                                 parsed=parsed), None))
        except VerificationError as exc:
            docs.append(Document(None, exc))
    return docs


def names(signature: VerifiedSignature, digest: str) -> bool:
    """Does the verified statement have a subject with this digest?"""
    try:
        return bool(signature.statement().matching_subjects(digest))
    except VerificationError:
        return False


def evaluate(artifacts: Sequence[tuple[str, str]], data: bytes, policy: SlsaPolicy, root: TrustedRoot,
             default_builders: frozenset[str], resolver: Resolver | None = None, *, named_workflows: bool = False,
             ) -> list[ArtifactVerdict]:
    """Verify each (name, sha256) against every document of the provenance file; the first that passes wins.

    ``default_builders`` and ``named_workflows`` are the command's builder trust (see
    :func:`pyslsa.core.slsa.policy.verify_slsa`).

    With one document (the usual case) its first failure is reported, exactly as slsa-verifier orders its
    checks. With several (JSON Lines), a failure from a document that names the artifact is preferred to
    the digest mismatches of the others.
    """
    docs = verify_documents(data, root, [d for _, d in artifacts], resolver)
    results: list[ArtifactVerdict] = []
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
                names_it = len(docs) > 1 and names(doc.signature, digest)
                (naming if names_it else others).append(exc)
        if verdict is not None:
            results.append(ArtifactVerdict(name, digest, verdict, None))
            continue
        relevant = naming or [e for e in others if not isinstance(e, MismatchHashError)] or others
        results.append(ArtifactVerdict(name, digest, None, relevant[0]))
    return results


# -- verify-bundle ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleVerdict:
    artifact: str
    sha256: str
    signature: VerifiedSignature
    statement: Statement | None


def verify_bundle_bytes(name: str, sha256_hex: str, data: bytes, root: TrustedRoot, *, identity: str | None,
                        issuer: str | None, key: tuple[PublicKeyTypes, bytes] | None) -> BundleVerdict:
    """One bundle's bytes, an artifact digest, a trust root and a policy (the certificate's ``identity`` and
    ``issuer``, or a ``key`` and its SubjectPublicKeyInfo DER) -> verdict or error.

    verify-bundle answers like the clients that pass sigstore-conformance (profile ``CONFORMANCE``)."""
    doc = parse_document(data, "bundle")
    if not isinstance(doc, Bundle):
        raise InvalidProvenanceError("bundle: a bare DSSE envelope is not a Sigstore bundle")
    k, kder = key if key is not None else (None, None)
    digest = bytes.fromhex(sha256_hex)
    statement = None
    if doc.message_signature is not None:
        md = doc.message_signature
        if md.digest and (md.digest_algorithm != "SHA2_256" or md.digest != digest):
            raise MismatchHashError(f"bundle message digest: expected sha256 {sha256_hex}, got "
                                    f"{md.digest_algorithm} {md.digest.hex()}")
        sig = verify_message_bundle(doc, digest, root, profile=CONFORMANCE, key=k, key_der=kder)
    else:
        sig = verify_dsse_bundle(doc, root, profile=CONFORMANCE, key=k, key_der=kder)
        statement = sig.statement()
        statement.require_subject(sha256_hex)
    if key is None:
        assert identity is not None and issuer is not None
        check_identity(sig, identity, issuer)
    return BundleVerdict(name, sha256_hex, sig, statement)
