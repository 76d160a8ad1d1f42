"""Looking up a legacy envelope's Rekor entry: the network edge. Every answer goes to the pure core to verify.

Lookups, in slsa-verifier's order: ``POST /api/v1/log/entries/retrieve`` with the proposed ``intoto`` 0.0.1 and
``dsse`` 0.0.1 entries for the envelope; if nothing matches, ``POST /api/v1/index/retrieve`` by the artifact
digest, then ``GET /api/v1/log/entries/{uuid}`` for each UUID (in no particular order: each is tried).

Every request has a timeout, a size cap on the answer, and a few retries with back-off on connection errors,
timeouts and 5xx answers; the whole lookup has a deadline. Network failure is ``tlog-unreachable``; an answer
with no usable entry is ``tlog-entry-not-found``; entries that come back but do not verify are
``invalid-tlog-entry``. Nothing fetched is trusted until the core has verified it.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pyslsa.core.bundle import LegacyEnvelope, TlogEntry
from pyslsa.core.legacy import MAX_ENTRY_BYTES, parse_log_entries, verify_legacy_with_entry
from pyslsa.core.sigstore import Resolver, VerifiedSignature
from pyslsa.core.trust import TrustedRoot
from pyslsa.errors import InvalidTlogEntryError, TlogEntryNotFoundError, TlogUnreachableError, VerificationError

DEFAULT_REKOR_URL = "https://rekor.sigstore.dev"
MAX_UUIDS = 16


@dataclass(frozen=True)
class RekorClient:
    url: str = DEFAULT_REKOR_URL
    timeout: float = 10.0
    attempts: int = 3
    backoff: float = 0.3
    deadline: float = 55.0
    max_bytes: int = MAX_ENTRY_BYTES

    @classmethod
    def from_env(cls, url: str | None = None) -> RekorClient:
        return cls(url=(url or os.environ.get("PYSLSA_REKOR_URL") or DEFAULT_REKOR_URL).rstrip("/"))

    def _request(self, client: Any, method: str, path: str, body: Any, stop: float) -> bytes | None:
        """The answer's bytes; None for a 404. Retries transient failures until ``attempts`` or the deadline."""
        import httpx

        url = self.url + path
        last = "no attempt made"
        for attempt in range(self.attempts):
            remaining = stop - time.monotonic()
            if remaining <= 0:
                break
            try:
                with client.stream(method, url, json=body, timeout=min(self.timeout, remaining)) as resp:
                    if resp.status_code == 404:
                        return None
                    if resp.status_code >= 500:
                        last = f"HTTP {resp.status_code}"
                    elif resp.status_code != 200:
                        raise InvalidTlogEntryError(f"transparency log {self.url} answered HTTP {resp.status_code} "
                                                    f"to {method} {path}")
                    else:
                        declared = resp.headers.get("content-length")
                        if declared and declared.isdigit() and int(declared) > self.max_bytes:
                            raise InvalidTlogEntryError(f"transparency-log answer is too large ({declared} bytes)")
                        chunks: list[bytes] = []
                        size = 0
                        for chunk in resp.iter_bytes():
                            size += len(chunk)
                            if size > self.max_bytes:
                                raise InvalidTlogEntryError(f"transparency-log answer is larger than "
                                                            f"{self.max_bytes} bytes")
                            if time.monotonic() > stop:
                                raise TlogUnreachableError(f"transparency log {self.url}: answer too slow "
                                                           f"(deadline {self.deadline:.0f} s)")
                            chunks.append(chunk)
                        return b"".join(chunks)
            except httpx.TimeoutException:
                last = "timed out"
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
            if attempt + 1 < self.attempts:
                time.sleep(min(self.backoff * (2 ** attempt), max(0.0, stop - time.monotonic())))
        raise TlogUnreachableError(f"transparency log {self.url} unreachable after {self.attempts} attempts: {last}")

    def find_entries(self, legacy: LegacyEnvelope, digests: Sequence[str]) -> list[TlogEntry]:
        """Entries that may log ``legacy`` (unverified: for the core to check)."""
        import httpx

        stop = time.monotonic() + self.deadline
        with httpx.Client(follow_redirects=False, headers={"User-Agent": "pyslsa"}) as client:
            answer = self._request(client, "POST", "/api/v1/log/entries/retrieve",
                                   {"entries": proposed_entries(legacy)}, stop)
            entries = [e for _, e in parse_log_entries(answer)] if answer else []
            if entries:
                return entries
            uuids: list[str] = []
            for digest in digests:
                found = self._request(client, "POST", "/api/v1/index/retrieve", {"hash": f"sha256:{digest}"}, stop)
                if found:
                    uuids.extend(_uuid_list(found))
            for uuid in dict.fromkeys(uuids[:MAX_UUIDS]):
                data = self._request(client, "GET", f"/api/v1/log/entries/{uuid}", None, stop)
                if data:
                    entries.extend(e for _, e in parse_log_entries(data))
            return entries


def _uuid_list(data: bytes) -> list[str]:
    from pyslsa.core import jsonutil as j

    doc = j.loads(data, "index answer", InvalidTlogEntryError)
    if not isinstance(doc, list) or not all(isinstance(u, str) and u.isalnum() and len(u) <= 128 for u in doc):
        raise InvalidTlogEntryError("transparency-log index answer is not a list of entry UUIDs")
    return doc


def proposed_entries(legacy: LegacyEnvelope) -> list[dict[str, Any]]:
    """What Rekor canonicalises to find the entry: the intoto 0.0.1 and dsse 0.0.1 forms of the envelope."""
    from cryptography.hazmat.primitives import serialization

    pem = legacy.certificate.public_bytes(serialization.Encoding.PEM)
    envelope_text = legacy.raw.decode("utf-8", "replace").strip()
    return [
        {"apiVersion": "0.0.1", "kind": "intoto",
         "spec": {"content": {"envelope": envelope_text}, "publicKey": base64.b64encode(pem).decode()}},
        {"apiVersion": "0.0.1", "kind": "dsse",
         "spec": {"proposedContent": {"envelope": envelope_text, "verifiers": [base64.b64encode(pem).decode()]}}},
    ]


def lookup_and_verify(legacy: LegacyEnvelope, digests: Sequence[str], root: TrustedRoot,
                      client: RekorClient) -> VerifiedSignature:
    """Find the envelope's entry and return the first one the core proves; fail closed otherwise."""
    entries = client.find_entries(legacy, digests)
    if not entries:
        raise TlogEntryNotFoundError(f"transparency log {client.url} has no entry for this envelope")
    errors: list[VerificationError] = []
    for entry in entries:
        try:
            return verify_legacy_with_entry(legacy, entry, root)
        except VerificationError as exc:
            errors.append(exc)
    first = errors[0]
    if isinstance(first, InvalidTlogEntryError):
        raise first
    raise InvalidTlogEntryError(f"no entry from {client.url} verifies: {first.message}")


def resolver(url: str | None = None) -> Resolver:
    """Look legacy envelopes up in the log at ``url`` (default: ``$PYSLSA_REKOR_URL``, then Rekor's public
    instance), and verify what comes back."""
    client = RekorClient.from_env(url)

    def resolve(legacy: LegacyEnvelope, digests: Sequence[str], root: TrustedRoot) -> VerifiedSignature:
        return lookup_and_verify(legacy, digests, root, client)

    return resolve


def make_resolver(rekor_url: str | None, offline: bool) -> Resolver | None:
    """What the verify commands hand the core for legacy envelopes: online Rekor lookups (:func:`resolver`)
    unless ``offline`` (then None: a legacy envelope fails with ``tlog-entry-not-found``). The log's URL is read
    when a lookup happens, not before."""
    if offline:
        return None

    def resolve(legacy: LegacyEnvelope, digests: Sequence[str], root: TrustedRoot) -> VerifiedSignature:
        return resolver(rekor_url)(legacy, digests, root)

    return resolve


__all__ = ["DEFAULT_REKOR_URL", "RekorClient", "lookup_and_verify", "make_resolver", "proposed_entries",
           "resolver"]
