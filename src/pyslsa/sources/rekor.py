"""Looking up a legacy envelope's Rekor entry: the network edge. Every answer goes to the pure core to verify.

Lookups, in slsa-verifier's order: ``POST /api/v1/log/entries/retrieve`` with the proposed ``intoto`` 0.0.1 and
``dsse`` 0.0.1 entries for the envelope; if nothing matches, ``POST /api/v1/index/retrieve`` by the artifact
digest, then ``GET /api/v1/log/entries/{uuid}`` for each UUID (in no particular order: each is tried).

Every request goes through pyslsa's one HTTP engine (:class:`~pyslsa.sources.http.HttpClient`): a timeout, a size
cap on the answer, and a few retries with back-off on connection errors, timeouts and 5xx answers; the whole lookup
has a deadline. Network failure is ``tlog-unreachable``; an answer
with no usable entry is ``tlog-entry-not-found``; entries that come back but do not verify are
``invalid-tlog-entry``. Nothing fetched is trusted until the core has verified it.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pyslsa.core.bundle import LegacyEnvelope, TlogEntry
from pyslsa.core.sigstore import Resolver, VerifiedSignature
from pyslsa.core.trust import TrustedRoot
from pyslsa.errors import (
    InvalidTlogEntryError,
    PyslsaError,
    TlogEntryNotFoundError,
    TlogUnreachableError,
    VerificationError,
)

if TYPE_CHECKING:
    from pyslsa.sources.http import HttpClient

DEFAULT_REKOR_URL = "https://rekor.sigstore.dev"
MAX_UUIDS = 16


class RekorFailures:
    """The HTTP engine's failures (:class:`~pyslsa.sources.http.HttpFailures`) in a transparency log's words:
    ``tlog-unreachable`` when the log cannot be reached or answers too slowly, ``invalid-tlog-entry`` when its
    answer cannot be one (an HTTP error, too large)."""

    def __init__(self, base_url: str, deadline: float) -> None:
        self.base_url = base_url
        self.deadline = deadline

    def unreachable(self, url: str, attempts: int, last: str) -> PyslsaError:
        return TlogUnreachableError(f"transparency log {self.base_url} unreachable after {attempts} attempts: {last}")

    def status(self, url: str, status: int, method: str) -> PyslsaError:
        path = url[len(self.base_url):] if url.startswith(self.base_url) else url
        return InvalidTlogEntryError(f"transparency log {self.base_url} answered HTTP {status} to {method} {path}")

    def too_large(self, url: str, limit: int, declared: int | None) -> PyslsaError:
        if declared is not None:
            return InvalidTlogEntryError(f"transparency-log answer is too large ({declared} bytes)")
        return InvalidTlogEntryError(f"transparency-log answer is larger than {limit} bytes")

    def too_slow(self, url: str, deadline: float) -> PyslsaError:
        return TlogUnreachableError(f"transparency log {self.base_url}: answer too slow (deadline "
                                    f"{self.deadline:.0f} s)")

    def read_failed(self, url: str, problem: str) -> PyslsaError:
        return TlogUnreachableError(f"transparency log {self.base_url}: {problem}")

    def refused_url(self, message: str) -> PyslsaError:
        return TlogUnreachableError(f"transparency log {self.base_url}: {message}")

    def time_spent(self, attempts: int) -> PyslsaError:
        return self.unreachable(self.base_url, attempts, "no attempt made")


@dataclass(frozen=True)
class RekorClient:
    """Rekor's lookup API, over the HTTP engine (:class:`~pyslsa.sources.http.HttpClient`): ``timeout`` per
    request, ``attempts`` with ``backoff``, ``deadline`` for the whole lookup, ``max_bytes`` per answer; no
    redirect is followed (an HTTP error, like any answer but 200 and 404)."""

    url: str = DEFAULT_REKOR_URL
    timeout: float = 10.0
    attempts: int = 3
    backoff: float = 0.3
    deadline: float = 55.0
    max_bytes: int | None = None  # None: pyslsa.core.legacy.MAX_ENTRY_BYTES

    @classmethod
    def from_env(cls, url: str | None = None) -> RekorClient:
        return cls(url=(url or os.environ.get("PYSLSA_REKOR_URL") or DEFAULT_REKOR_URL).rstrip("/"))

    def _request(self, http: HttpClient, method: str, path: str, body: Any) -> bytes | None:
        """The answer's bytes; None for a 404. Retries transient failures until ``attempts`` or the deadline."""
        from pyslsa.core.legacy import MAX_ENTRY_BYTES

        failures = RekorFailures(self.url, self.deadline)
        url = self.url + path
        max_bytes = self.max_bytes if self.max_bytes is not None else MAX_ENTRY_BYTES
        if method == "POST":
            resp = http.post_json(url, body, max_bytes=max_bytes, failures=failures, follow_redirects=False)
        else:
            resp = http.get(url, accept="application/json", max_bytes=max_bytes, failures=failures,
                            follow_redirects=False)
        if resp is None:
            return None
        if resp.status != 200:
            raise failures.status(url, resp.status, method)
        return resp.content

    def find_entries(self, legacy: LegacyEnvelope, digests: Sequence[str]) -> list[TlogEntry]:
        """Entries that may log ``legacy`` (unverified: for the core to check)."""
        # imported when a lookup happens: runs without legacy provenance never load the HTTP engine or the parser
        from pyslsa.core.legacy import parse_log_entries
        from pyslsa.sources.http import HttpClient

        with HttpClient(timeout=self.timeout, attempts=self.attempts, backoff=self.backoff, deadline=self.deadline,
                        until=time.monotonic() + self.deadline) as http:
            answer = self._request(http, "POST", "/api/v1/log/entries/retrieve",
                                   {"entries": proposed_entries(legacy)})
            entries = [e for _, e in parse_log_entries(answer)] if answer else []
            if entries:
                return entries
            uuids: list[str] = []
            for digest in digests:
                found = self._request(http, "POST", "/api/v1/index/retrieve", {"hash": f"sha256:{digest}"})
                if found:
                    uuids.extend(_uuid_list(found))
            for uuid in dict.fromkeys(uuids[:MAX_UUIDS]):
                data = self._request(http, "GET", f"/api/v1/log/entries/{uuid}", None)
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
    from pyslsa.core.legacy import verify_legacy_with_entry

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


__all__ = ["DEFAULT_REKOR_URL", "RekorClient", "RekorFailures", "lookup_and_verify", "make_resolver",
           "proposed_entries", "resolver"]
