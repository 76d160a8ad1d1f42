"""A test Rekor that has logged the real legacy vectors (gha_generic/v1.7.0, legacy-misc): their real Rekor entries
are public but not reachable here, so a test log (its own key, put into a copy of the production trusted root in
place of Rekor's: :data:`ROOT`) logs an ``intoto`` 0.0.1 entry for each real envelope, at a time inside its real
certificate's validity. :func:`legacy_rekor` serves it in memory and yields its URL."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager

from cryptography.hazmat.primitives import serialization

from pyslsa.core.bundle import LegacyEnvelope, parse_document
from tests.authority import Log, b64
from tests.conftest import DATA, GENERIC_LEGACY, LEGACY_MISC, vector
from tests.memory_net import rekor_in_memory
from tests.rekor_server import RekorState

LOG = Log(origin_name="rekor.test", base_url="https://rekor.test")


def _root() -> bytes:
    root = json.loads(vector(DATA / "trust-roots" / "production-trusted_root.json"))
    pub = LOG.key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    root["tlogs"] = [{"baseUrl": LOG.base_url, "hashAlgorithm": "SHA2_256",
                      "publicKey": {"rawBytes": b64(pub), "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                                    "validFor": {"start": "2021-01-12T11:53:27Z"}},
                      "logId": {"keyId": b64(LOG.log_id)}}]
    return json.dumps(root).encode()


ROOT = _root()


def _log_real(line: bytes, state: RekorState) -> None:
    legacy = parse_document(line)
    assert isinstance(legacy, LegacyEnvelope)
    pem = legacy.certificate.public_bytes(serialization.Encoding.PEM)
    body = {"apiVersion": "0.0.1", "kind": "intoto", "spec": {
        "content": {"hash": {"algorithm": "sha256", "value": hashlib.sha256(line).hexdigest()},
                    "payloadHash": {"algorithm": "sha256", "value": legacy.envelope.payload_sha256}},
        "publicKey": b64(pem)}}
    raw = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    when = legacy.certificate.not_valid_before_utc + dt.timedelta(seconds=20)
    e = LOG.add(raw, int(when.timestamp()), "intoto", "0.0.1")
    p = e["inclusionProof"]
    api = {"body": e["canonicalizedBody"], "integratedTime": int(e["integratedTime"]), "logID": LOG.log_id.hex(),
           "logIndex": int(e["logIndex"]), "verification": {
               "signedEntryTimestamp": e["inclusionPromise"]["signedEntryTimestamp"],
               "inclusionProof": {"logIndex": int(p["logIndex"]), "treeSize": int(p["treeSize"]),
                                  "rootHash": base64.b64decode(p["rootHash"]).hex(),
                                  "hashes": [base64.b64decode(h).hex() for h in p["hashes"]],
                                  "checkpoint": p["checkpoint"]["envelope"]}}}
    state.add(line, {"24296fb24b8ad77a" + hashlib.sha256(b"\x00" + raw).hexdigest(): api})


@contextmanager
def legacy_rekor() -> Iterator[str]:
    """The test Rekor with every real legacy vector logged, in memory: its URL."""
    state = RekorState()
    for f in sorted(GENERIC_LEGACY.glob("*.intoto.jsonl")) + sorted(LEGACY_MISC.glob("*.intoto.jsonl")):
        _log_real(vector(f).strip(), state)
    with rekor_in_memory(state) as url:
        yield url
