"""Legacy provenance (slsa-github-generator <= v2.0.0): a bare DSSE envelope plus the Rekor entry found for it.

The envelope carries the Fulcio certificate but no log data; the signing time exists only in Rekor. This module
is the pure part of the online lookup: it takes the envelope and a Rekor API ``LogEntry`` (bytes the network
layer fetched) and proves that the entry is in the log, that it records *this* envelope and certificate, and
that the certificate was valid when the entry was integrated. Nothing here touches the network.

Rekor logged such envelopes as ``intoto`` 0.0.1 entries (cosign's in-toto upload, generator <= v1.9) or
``dsse`` 0.0.1 entries (generator v2.0.0).
"""

from __future__ import annotations

import hashlib
from typing import Any

from pyslsa.core import jsonutil as j
from pyslsa.core.bundle import Checkpoint, InclusionProof, LegacyEnvelope, TlogEntry
from pyslsa.core.sigstore import VerifiedSignature, certificate_der, check_certificate
from pyslsa.core.tlog import bind_entry, verify_entry
from pyslsa.core.trust import TrustedRoot
from pyslsa.core.x509 import fulcio_claims, verify_signature
from pyslsa.errors import InvalidTlogEntryError, VerificationError

#: Largest Rekor API answer accepted (a log entry is a few tens of kB).
MAX_ENTRY_BYTES = 4 * 1024 * 1024


def _fail(msg: str) -> InvalidTlogEntryError:
    return InvalidTlogEntryError(msg)


def _hex(value: Any, path: str) -> bytes:
    if not isinstance(value, str):
        raise _fail(f"{path}: expected a hex string")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise _fail(f"{path}: not hex") from None


def parse_log_entries(data: bytes) -> list[tuple[str, TlogEntry]]:
    """Rekor's ``GET /api/v1/log/entries/{uuid}`` / retrieve answer: ``{uuid: LogEntry}`` (or a list of such)."""
    if len(data) > MAX_ENTRY_BYTES:
        raise _fail(f"transparency-log answer is larger than {MAX_ENTRY_BYTES // (1024 * 1024)} MiB")
    try:
        doc = j.loads(data, "transparency-log answer", InvalidTlogEntryError)
        items: list[Any] = doc if isinstance(doc, list) else [doc]
        out: list[tuple[str, TlogEntry]] = []
        for i, item in enumerate(items):
            for uuid, entry in j.obj(item, f"answer[{i}]").items():
                out.append((uuid, parse_log_entry(entry, f"answer[{i}].{uuid[:16]}")))
        return out
    except InvalidTlogEntryError:
        raise
    except VerificationError as exc:
        raise _fail(f"transparency-log answer has the wrong shape: {exc}") from None


def parse_log_entry(o: Any, path: str = "entry") -> TlogEntry:
    """One Rekor API ``LogEntry``: hex log id and proof hashes, base64 body and SET."""
    try:
        o = j.obj(o, path)
        body = j.get_b64(o, "body", path)
        kind_doc = j.obj(j.loads(body, "log entry body", InvalidTlogEntryError), f"{path}.body")
        kind = j.get_str(kind_doc, "kind", f"{path}.body")
        version = j.get_str(kind_doc, "apiVersion", f"{path}.body")
        verification = j.get_obj(o, "verification", path)
        vpath = f"{path}.verification"
        set_raw = verification.get("signedEntryTimestamp")
        proof = None
        p = j.opt_obj(verification, "inclusionProof", vpath)
        if p is not None:
            ppath = f"{vpath}.inclusionProof"
            hashes = tuple(_hex(h, f"{ppath}.hashes[{k}]") for k, h in enumerate(j.get_list(p, "hashes", ppath)))
            if len(hashes) > 64 or any(len(h) != 32 for h in hashes):
                raise _fail(f"{ppath}.hashes: malformed")
            root = _hex(j.get(p, "rootHash", ppath), f"{ppath}.rootHash")
            if len(root) != 32:
                raise _fail(f"{ppath}.rootHash: expected 32 bytes")
            cp = j.opt_str(p, "checkpoint", ppath)
            proof = InclusionProof(j.get_int(p, "logIndex", ppath), root, j.get_int(p, "treeSize", ppath), hashes,
                                   Checkpoint(cp) if cp else None)
        return TlogEntry(
            log_index=j.get_int(o, "logIndex", path),
            log_id=_hex(j.get(o, "logID", path), f"{path}.logID"),
            kind=kind,
            version=version,
            integrated_time=j.get_int(o, "integratedTime", path),
            signed_entry_timestamp=j.b64decode(set_raw, f"{vpath}.signedEntryTimestamp") if set_raw else None,
            inclusion_proof=proof,
            canonicalized_body=body,
        )
    except InvalidTlogEntryError:
        raise
    except VerificationError as exc:
        raise _fail(f"transparency-log entry has the wrong shape: {exc}") from None


def verify_legacy_with_entry(legacy: LegacyEnvelope, entry: TlogEntry, root: TrustedRoot) -> VerifiedSignature:
    """Prove ``entry`` (fetched from Rekor) logs ``legacy`` and the certificate was valid at its integrated time.

    A lookup answer always carries the signed entry timestamp, which is what vouches for the integrated time:
    it is required here.
    """
    proven = verify_entry(entry, root, require_set=True, require_proof=False)
    assert proven.integrated_time is not None
    times = (proven.integrated_time,)
    check_certificate(legacy.certificate, root, times)
    env = legacy.envelope
    verify_signature(legacy.certificate.public_key(), env.signatures[0].sig, env.pae, "DSSE envelope signature")
    if (entry.kind, entry.version) not in {("intoto", "0.0.1"), ("dsse", "0.0.1")}:
        raise _fail(f"a legacy envelope is logged as intoto 0.0.1 or dsse 0.0.1, not {entry.kind} {entry.version}")
    bind_entry(entry, env, certificate_der(legacy.certificate), raw_envelope=legacy.raw)
    return VerifiedSignature(legacy.certificate, fulcio_claims(legacy.certificate), env, entry,
                             proven.log.base_url, proven.integrated_time, times)


def entry_uuid(entry: TlogEntry) -> str:
    """Rekor v1 entry UUID: the leaf hash (RFC 6962) of the canonical body, hex (without the tree id)."""
    return hashlib.sha256(b"\x00" + entry.canonicalized_body).hexdigest()

