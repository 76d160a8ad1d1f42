"""SLSA provenance attached to a GitHub release: the network edge (bytes out, verified by the core).

slsa-github-generator uploads the provenance of a release as an asset: ``multiple.intoto.jsonl`` for a
multi-subject release (Powertools for AWS Lambda and most Python projects), or ``<name>.intoto.jsonl`` files.
Lookup order: the download URL of ``multiple.intoto.jsonl`` (no API call, so no API rate limit); if the release has
no such asset, the releases API lists the release's assets and every ``*.intoto.jsonl`` one is fetched.

Download URLs are built from ``--github-url``, the repository, the tag and the (checked) asset name: the API's
``browser_download_url`` is not followed, so a hostile answer cannot send us elsewhere. The redirect GitHub sends
to its storage host is followed (bounded by :mod:`pyslsa.sources.http`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import quote

from pyslsa.core import jsonutil as j
from pyslsa.core.github import normalize_source_uri
from pyslsa.errors import DownloadError, UsageError
from pyslsa.sources.files import MAX_EVIDENCE_BYTES
from pyslsa.sources.http import MAX_DOCUMENT_BYTES, HttpClient, check_flag_url, safe_filename

DEFAULT_GITHUB_URL = "https://github.com"
DEFAULT_GITHUB_API_URL = "https://api.github.com"
MULTIPLE = "multiple.intoto.jsonl"
PROVENANCE_SUFFIXES = (".intoto.jsonl",)
MAX_ASSETS = 64


@dataclass(frozen=True)
class ProvenanceAsset:
    name: str
    url: str
    content: bytes


def repository_of(source_uri: str) -> tuple[str, str]:
    """``github.com/ORG/REPO`` (optionally with ``https://`` or ``git+https://``) -> (ORG, REPO)."""
    parts = normalize_source_uri(source_uri, "host-path").split("/")
    if len(parts) != 3 or parts[0].lower() != "github.com" or not all(parts[1:]):
        raise UsageError(f"--source-uri must be github.com/ORG/REPO to find a GitHub release, got {source_uri!r}")
    org, repo = parts[1], parts[2]
    for part in (org, repo):
        if part in (".", "..") or not all(c.isalnum() or c in "-_." for c in part):
            raise UsageError(f"--source-uri has an invalid repository part {part!r}")
    return org, repo


def api_client_like(client: HttpClient) -> HttpClient:
    """The client for a GitHub API host, with ``client``'s bounds and transport: the API version header, and
    ``GITHUB_TOKEN`` (when set) as its bearer token, sent to the API host only (HttpClient drops it on a redirect
    to another origin; the download and storage hosts never see it)."""
    token = os.environ.get("GITHUB_TOKEN", "").strip()
    headers = {"X-GitHub-Api-Version": "2022-11-28"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return HttpClient(headers=headers, timeout=client.timeout, attempts=client.attempts, deadline=client.deadline,
                      until=client.until, transport=client.transport)


@dataclass
class GitHubReleases:
    """Release assets from a GitHub-compatible host (``--github-url``) and API (``--github-api-url``)."""

    github_url: str = DEFAULT_GITHUB_URL
    api_url: str = DEFAULT_GITHUB_API_URL
    client: HttpClient | None = None
    api_client: HttpClient | None = None

    def __post_init__(self) -> None:
        self.github_url = self.github_url.rstrip("/")
        self.api_url = self.api_url.rstrip("/")
        check_flag_url("--github-url", self.github_url)
        check_flag_url("--github-api-url", self.api_url)
        if self.client is None:
            self.client = HttpClient()
        if self.api_client is None:
            self.api_client = api_client_like(self.client)

    def download_url(self, org: str, repo: str, tag: str, asset: str) -> str:
        return (f"{self.github_url}/{quote(org)}/{quote(repo)}/releases/download/{quote(tag, safe='')}/"
                f"{quote(safe_filename(asset, 'release asset name'))}")

    def _fetch(self, org: str, repo: str, tag: str, asset: str) -> ProvenanceAsset | None:
        assert self.client is not None
        url = self.download_url(org, repo, tag, asset)
        resp = self.client.get(url, accept="application/octet-stream", max_bytes=MAX_EVIDENCE_BYTES)
        if resp is None:
            return None
        return ProvenanceAsset(asset, url, resp.content)

    def asset_names(self, org: str, repo: str, tag: str) -> list[str] | None:
        """Names of the release's assets from the releases API; None if there is no such release."""
        assert self.api_client is not None
        url = f"{self.api_url}/repos/{quote(org)}/{quote(repo)}/releases/tags/{quote(tag, safe='')}"
        resp = self.api_client.get(url, accept="application/vnd.github+json", max_bytes=MAX_DOCUMENT_BYTES)
        if resp is None:
            return None
        doc = j.loads(resp.content, "releases API answer", DownloadError)
        if not isinstance(doc, dict) or not isinstance(doc.get("assets"), list):
            raise DownloadError(f"releases API {url}: expected an object with an 'assets' list")
        names = []
        for a in doc["assets"]:
            if not isinstance(a, dict) or not isinstance(a.get("name"), str):
                raise DownloadError(f"releases API {url}: an asset without a name")
            names.append(a["name"])
        return names

    def provenance(self, source_uri: str, tag: str) -> list[ProvenanceAsset]:
        """The release's provenance assets (unverified); empty if the release or the assets do not exist."""
        org, repo = repository_of(source_uri)
        found = self._fetch(org, repo, tag, MULTIPLE)
        if found is not None:
            return [found]
        names = self.asset_names(org, repo, tag)
        if not names:
            return []
        if MULTIPLE in names:  # listed, yet its download answered 404: evidence that cannot be fetched fails
            raise DownloadError(f"release {tag} lists asset {MULTIPLE!r} but its download answered 404")
        wanted = [n for n in names if n.endswith(PROVENANCE_SUFFIXES) and n != MULTIPLE]
        if len(wanted) > MAX_ASSETS:
            raise DownloadError(f"release {tag} lists {len(wanted)} provenance assets (limit {MAX_ASSETS})")
        out = []
        for name in wanted:
            asset = self._fetch(org, repo, tag, name)
            if asset is None:
                raise DownloadError(f"release {tag} lists asset {name!r} but its download answered 404")
            out.append(asset)
        return out


__all__ = ["DEFAULT_GITHUB_API_URL", "DEFAULT_GITHUB_URL", "GitHubReleases", "ProvenanceAsset", "api_client_like",
           "repository_of"]
