"""GitHub artifact attestations by digest: the network edge (bytes out, verified by the core).

``GET {api}/repos/{owner}/{repo}/attestations/sha256:{hex}?per_page=100`` answers ``{"attestations": [...]}``
(GitHub's REST API, "List attestations" of a repository; ``gh attestation verify --repo`` asks the same). Each
entry carries its Sigstore bundle inline (``bundle``) or, in the newer shape, a ``bundle_url`` to GitHub's
storage that serves it snappy-compressed (``gh`` fetches it and decodes it with ``snappy.Decode``; so does this,
with :mod:`pyslsa.sources.snappy`); when both are present the URL is preferred, as ``gh`` does. A 404 is no
attestation. Further pages (a ``Link: <...>; rel="next"`` header on the API host) are followed up to
:data:`MAX_PAGES`; more than :data:`MAX_ATTESTATIONS` attestations for one digest is refused (a download failure:
judging on a part of the evidence would not fail closed).

Anonymous by default. ``GITHUB_TOKEN`` (when set) is sent to the API host only -- never to the storage host of a
``bundle_url``, never across a redirect to another origin -- and only raises the rate limit (60 requests an hour
anonymously). An answer of HTTP 403 or 429 (the rate limit) fails the file (``download-failed``) with a message
saying so, and every later request of the run fails the same way at once instead of asking again.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from pyslsa.core import jsonutil as j
from pyslsa.errors import DownloadError
from pyslsa.sources import snappy
from pyslsa.sources.files import MAX_EVIDENCE_BYTES
from pyslsa.sources.github import DEFAULT_GITHUB_API_URL, api_client_like
from pyslsa.sources.http import MAX_DOCUMENT_BYTES, HttpClient, check_flag_url, display_url

__all__ = ["MAX_ATTESTATIONS", "MAX_PAGES", "AttestationBundle", "GitHubAttestations"]

#: Most attestations read for one digest in one repository.
MAX_ATTESTATIONS = 300
#: Most pages of the listing followed.
MAX_PAGES = 3
_ACCEPT = "application/vnd.github+json"
_REPO_PART = re.compile(r"\A[A-Za-z0-9_.-]+\Z")
_HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


@dataclass(frozen=True)
class AttestationBundle:
    """One attestation's Sigstore bundle (unverified bytes) and where it came from."""

    url: str
    content: bytes


@dataclass
class GitHubAttestations:
    """The attestation store of GitHub-compatible API ``api_url`` (``--github-api-url``)."""

    api_url: str = DEFAULT_GITHUB_API_URL
    client: HttpClient | None = None  # for bundle_url fetches: no credentials
    api_client: HttpClient | None = None  # for the API: GITHUB_TOKEN when set
    _limited: str | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.api_url = self.api_url.rstrip("/")
        check_flag_url("--github-api-url", self.api_url)
        if self.client is None:
            self.client = HttpClient()
        if self.api_client is None:
            self.api_client = api_client_like(self.client)

    def close(self) -> None:
        if self.api_client is not None:
            self.api_client.close()

    def listing_url(self, repository: str, sha256: str) -> str:
        owner, _, repo = repository.partition("/")
        if not (_REPO_PART.match(owner) and _REPO_PART.match(repo)) or owner in (".", "..") or repo in (".", ".."):
            raise DownloadError(f"not a GitHub repository: {repository!r}")
        if not _HEX64.match(sha256):
            raise DownloadError(f"not a SHA-256 digest: {sha256!r}")
        return f"{self.api_url}/repos/{quote(owner)}/{quote(repo)}/attestations/sha256:{sha256}?per_page=100"

    def _get_api(self, url: str) -> tuple[bytes, str | None] | None:
        assert self.api_client is not None
        with self._lock:
            limited = self._limited
        if limited is not None:
            raise DownloadError(f"{display_url(url)}: not asked: {limited}")
        try:
            resp = self.api_client.get(url, accept=_ACCEPT, max_bytes=MAX_DOCUMENT_BYTES)
        except DownloadError as exc:
            if re.search(r"answered HTTP (403|429)\b", exc.message):
                note = ("the GitHub API refused the request (HTTP 403/429: its rate limit, 60 requests an hour "
                        "without a token; set GITHUB_TOKEN to raise it)")
                with self._lock:
                    self._limited = note
                raise DownloadError(f"{display_url(url)}: {note}") from None
            raise
        if resp is None:
            return None
        link = resp.headers.get("link")
        next_url = None
        if link:
            m = _NEXT.search(link)
            if m is not None:
                next_url = m.group(1)
                if urlsplit(next_url).netloc != urlsplit(self.api_url).netloc or not next_url.startswith(
                        self.api_url + "/"):
                    raise DownloadError(f"{display_url(url)}: the next page {display_url(next_url)} is not on the "
                                        f"API host")
        return resp.content, next_url

    def _bundle(self, entry: object, where: str) -> AttestationBundle:
        if not isinstance(entry, dict):
            raise DownloadError(f"{where}: an attestation is not an object")
        bundle_url = entry.get("bundle_url")
        if isinstance(bundle_url, str) and bundle_url:
            assert self.client is not None
            resp = self.client.get(bundle_url, accept="application/x-snappy, application/octet-stream",
                                   max_bytes=MAX_EVIDENCE_BYTES)
            if resp is None:
                raise DownloadError(f"{display_url(bundle_url)}: the attestation's bundle answered HTTP 404")
            return AttestationBundle(display_url(bundle_url),
                                     snappy.decode(resp.content, MAX_EVIDENCE_BYTES, "attestation bundle"))
        bundle = entry.get("bundle")
        if isinstance(bundle, dict):
            return AttestationBundle(where, json.dumps(bundle).encode())
        raise DownloadError(f"{where}: an attestation with neither 'bundle' nor 'bundle_url'")

    def attestations(self, repository: str, sha256: str) -> list[AttestationBundle]:
        """Every attestation ``repository`` (``ORG/REPO``) stores for the digest (unverified); empty for none."""
        url: str | None = self.listing_url(repository, sha256)
        shown = display_url(self.listing_url(repository, sha256))
        out: list[AttestationBundle] = []
        pages = 0
        while url is not None:
            pages += 1
            if pages > MAX_PAGES:
                raise DownloadError(f"{shown}: more than {MAX_PAGES} pages of attestations for one digest")
            got = self._get_api(url)
            if got is None:
                if pages == 1:
                    return []
                raise DownloadError(f"{display_url(url)}: a next page that answered HTTP 404")
            content, url = got
            doc = j.loads(content, "attestations answer", DownloadError)
            entries = doc.get("attestations") if isinstance(doc, dict) else None
            if not isinstance(entries, list):
                raise DownloadError(f"{shown}: expected an object with an 'attestations' list")
            if len(out) + len(entries) > MAX_ATTESTATIONS:
                raise DownloadError(f"{shown}: more than {MAX_ATTESTATIONS} attestations for one digest")
            for entry in entries:
                out.append(self._bundle(entry, f"{shown}#{len(out) + 1}"))
        return out
