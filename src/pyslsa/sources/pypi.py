"""A package index (PyPI or a mirror): the files of one release, and their PEP 740 provenance. The network edge.

Files are listed from the simple API: PEP 691 JSON when the index speaks it, PEP 503 HTML otherwise (the portable
way: some mirrors lack the JSON API's per-version endpoint or give relative URLs, which are resolved against the
page's URL). A file's PEP 740 provenance comes from its ``provenance`` URL in the simple API, or, for an index
whose pages do not mention provenance at all, from the integrity API next to the simple API
(``<root>/integrity/<project>/<version>/<filename>/provenance``).

Nothing here is trusted: digests are checked when the files are downloaded, attestations by the core.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit, urlunsplit

from packaging.utils import canonicalize_name

from pyslsa.core import jsonutil as j
from pyslsa.errors import DownloadError, MismatchIndexDigestError, ReleaseNotFoundError, UsageError
from pyslsa.sources.http import (
    MAX_DOCUMENT_BYTES,
    MAX_FILE_BYTES,
    HttpClient,
    Progress,
    check_flag_url,
    display_url,
    join_url,
    safe_filename,
)

DEFAULT_INDEX_URL = "https://pypi.org/simple/"
JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
_ACCEPT = f"{JSON_V1}, {HTML_V1};q=0.2, text/html;q=0.01"
INTEGRITY_V1 = "application/vnd.pypi.integrity.v1+json"
_HEX64 = re.compile(r"\A[0-9a-fA-F]{64}\Z")
#: More files than this in one release is not a genuine release (numpy has about 60).
MAX_RELEASE_FILES = 500


#: A distribution file's kind.
DistKind = Literal["wheel", "sdist"]


@dataclass(frozen=True)
class DistFile:
    """One file of a release as the index lists it (unverified until downloaded and checked)."""

    filename: str
    url: str
    sha256: str | None
    kind: DistKind | Literal[""]  # "" until release_files() knows it from the file name
    size: int | None = None
    upload_time: dt.datetime | None = None
    yanked: bool = False
    provenance_url: str | None = None
    provenance_listed: bool = False  # the index said something about provenance (a URL, or null for none)
    requires_python: str | None = None  # PEP 503 data-requires-python / PEP 691 requires-python, unparsed
    #: PEP 658/714: the SHA-256 of the file's core metadata, served at ``<url>.metadata`` (None: not listed)
    metadata_sha256: str | None = None


def parse_requirement(spec: str) -> tuple[str, str]:
    """``NAME==VERSION`` -> (name, version). Anything else is a usage error."""
    name, sep, version = spec.partition("==")
    name, version = name.strip(), version.strip()
    if not sep or not name or not version or "=" in version or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise UsageError(f"expected NAME==VERSION (e.g. aws-lambda-powertools==2.20.0), got {spec!r}")
    from packaging.version import InvalidVersion, Version

    try:
        Version(version)
    except InvalidVersion:
        raise UsageError(f"{version!r} is not a valid version (PEP 440)") from None
    return name, version


def file_kind_and_version(filename: str, project: str) -> tuple[DistKind, str] | None:
    """("wheel" | "sdist", version) if ``filename`` is a distribution of ``project``, else None."""
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    want = canonicalize_name(project)
    try:
        if filename.endswith(".whl"):
            wname, wver, _, _ = parse_wheel_filename(filename)
            return ("wheel", str(wver)) if wname == want else None
        if filename.endswith((".tar.gz", ".zip")):
            sname, sver = parse_sdist_filename(filename)
            return ("sdist", str(sver)) if sname == want else None
    except (InvalidWheelFilename, InvalidSdistFilename, ValueError):
        return None
    return None


def _same_version(a: str, b: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return False


class _AnchorParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self._current: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._current = dict(attrs)
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._current is not None:
            self.anchors.append((self._current, "".join(self._text).strip()))
            self._current = None


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _metadata_sha256(value: Any) -> str | None:
    """The SHA-256 of a file's core metadata (PEP 658/714) from a PEP 691 ``core-metadata`` hashes object or a
    PEP 503 ``data-core-metadata="sha256=HEX"`` attribute; None when the index names none (no digest, no use)."""
    if isinstance(value, dict):
        value = value.get("sha256")
        return value.lower() if isinstance(value, str) and _HEX64.match(value) else None
    if isinstance(value, str):
        algo, _, hexdigest = value.partition("=")
        if algo == "sha256" and _HEX64.match(hexdigest):
            return hexdigest.lower()
    return None


def parse_json_page(data: bytes, page_url: str) -> list[DistFile]:
    """A PEP 691 project page -> every file it lists (any project version)."""
    doc = j.loads(data, "index page", DownloadError)
    if not isinstance(doc, dict):
        raise DownloadError(f"index page {page_url}: expected a JSON object")
    files = doc.get("files")
    if not isinstance(files, list):
        raise DownloadError(f"index page {page_url}: 'files' is not a list")
    out = []
    for f in files:
        if not isinstance(f, dict) or not isinstance(f.get("filename"), str) or not isinstance(f.get("url"), str):
            raise DownloadError(f"index page {page_url}: a file entry without filename/url")
        hashes = f.get("hashes")
        sha = hashes.get("sha256") if isinstance(hashes, dict) else None
        size = f.get("size")
        prov = f.get("provenance")
        rp = f.get("requires-python")
        out.append(DistFile(
            filename=f["filename"], url=join_url(page_url, f["url"], "file URL"),
            sha256=sha.lower() if isinstance(sha, str) and _HEX64.match(sha) else None,
            kind="", size=size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None,
            upload_time=_parse_time(f.get("upload-time")), yanked=bool(f.get("yanked")),
            provenance_url=join_url(page_url, prov, "provenance URL") if isinstance(prov, str) and prov else None,
            provenance_listed="provenance" in f,
            requires_python=rp if isinstance(rp, str) and rp.strip() else None,
            metadata_sha256=_metadata_sha256(f.get("core-metadata", f.get("dist-info-metadata"))),
        ))
    return out


def parse_html_page(data: bytes, page_url: str) -> list[DistFile]:
    """A PEP 503 project page -> every file it lists (hash from the URL fragment)."""
    parser = _AnchorParser()
    try:
        parser.feed(data.decode("utf-8", "replace"))
        parser.close()
    except Exception as exc:  # noqa: BLE001 - html.parser raises assorted errors on hostile input
        raise DownloadError(f"index page {page_url} is not parseable HTML: {type(exc).__name__}") from None
    out = []
    for attrs, text in parser.anchors:
        href = attrs.get("href")
        if not href:
            continue
        url, _, fragment = href.partition("#")
        sha = None
        algo, _, value = fragment.partition("=")
        if algo == "sha256" and _HEX64.match(value):
            sha = value.lower()
        full = join_url(page_url, url, "file URL")
        filename = text or urlsplit(full).path.rsplit("/", 1)[-1]
        prov = attrs.get("data-provenance")
        rp = attrs.get("data-requires-python")
        out.append(DistFile(filename=filename, url=full, sha256=sha, kind="",
                            yanked="data-yanked" in attrs,
                            provenance_url=join_url(page_url, prov, "provenance URL") if prov else None,
                            provenance_listed="data-provenance" in attrs,
                            requires_python=rp if rp and rp.strip() else None,
                            metadata_sha256=_metadata_sha256(attrs.get("data-core-metadata",
                                                                       attrs.get("data-dist-info-metadata")))))
    return out


@dataclass
class PackageIndex:
    """The simple API at ``index_url`` (default: PyPI), read through a bounded :class:`HttpClient`."""

    index_url: str = DEFAULT_INDEX_URL
    client: HttpClient | None = None

    def __post_init__(self) -> None:
        if not self.index_url.endswith("/"):
            self.index_url += "/"
        check_flag_url("--index-url", self.index_url)
        if self.client is None:
            self.client = HttpClient()

    @property
    def http(self) -> HttpClient:
        assert self.client is not None
        return self.client

    def project_files(self, name: str) -> list[DistFile]:
        """Every file the index lists for the project (unfiltered)."""
        page = urljoin(self.index_url, canonicalize_name(name) + "/")
        resp = self.http.get(page, accept=_ACCEPT, max_bytes=MAX_DOCUMENT_BYTES)
        if resp is None:
            raise ReleaseNotFoundError(f"the index {self.index_url} has no project {name!r}")
        ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == JSON_V1 or (ctype.endswith("json") and resp.content.lstrip()[:1] == b"{"):
            return parse_json_page(resp.content, resp.url)
        return parse_html_page(resp.content, resp.url)

    def release_files(self, name: str, version: str) -> list[DistFile]:
        """The wheels and sdists of ``name==version``, sorted by file name; ReleaseNotFoundError if none."""
        out: dict[str, DistFile] = {}
        for f in self.project_files(name):
            kv = file_kind_and_version(f.filename, name)
            if kv is None or not _same_version(kv[1], version):
                continue
            safe_filename(f.filename, "distribution file name")
            if f.filename in out:
                raise DownloadError(f"the index lists {f.filename!r} twice")
            out[f.filename] = dataclasses.replace(f, kind=kv[0])
        if len(out) > MAX_RELEASE_FILES:
            raise DownloadError(f"the index lists {len(out)} files for {name}=={version} (limit {MAX_RELEASE_FILES})")
        if not out:
            raise ReleaseNotFoundError(f"the index {self.index_url} lists no wheel or sdist for {name}=={version}")
        return [out[k] for k in sorted(out)]

    def download(self, f: DistFile, directory: Path, *, max_bytes: int = MAX_FILE_BYTES,
                 progress: Progress | None = None) -> tuple[Path, str]:
        """Download a file the index lists into ``directory``, kept only if it has the SHA-256 and the size the
        index lists: no digest, no download. Returns (path, sha256 hex)."""
        if f.sha256 is None:
            raise MismatchIndexDigestError(f"the index lists no sha256 for {f.filename}: refusing to download an "
                                           f"unchecked file")
        limit = min(f.size, max_bytes) if f.size is not None else max_bytes
        return self.http.download(f.url, directory, f.filename, sha256=f.sha256, max_bytes=limit, progress=progress,
                                  expected_size=f.size)

    def integrity_url(self, name: str, version: str, filename: str) -> str | None:
        """The integrity API URL beside a ``.../simple/`` index, or None if the index is not shaped so."""
        parts = urlsplit(self.index_url)
        path = parts.path.rstrip("/")
        if not path.endswith("/simple") and path != "/simple":
            return None
        root = path[: -len("simple")]
        return urlunsplit((parts.scheme, parts.netloc,
                           f"{root}integrity/{canonicalize_name(name)}/{version}/{filename}/provenance", "", ""))

    def provenance(self, name: str, version: str, f: DistFile) -> tuple[str, bytes] | None:
        """(URL, bytes) of the file's PEP 740 provenance object, or None if the index has none for it.

        A provenance URL the index lists must answer (a 404 there is a DownloadError: evidence that cannot be
        fetched never passes); only the integrity API, asked on a guess, may answer 404 for "none"."""
        url = f.provenance_url
        guessed = url is None and not f.provenance_listed
        if guessed:
            url = self.integrity_url(name, version, f.filename)
        if url is None:
            return None
        resp = self.http.get(url, accept=INTEGRITY_V1, max_bytes=MAX_DOCUMENT_BYTES)
        if resp is None:
            if guessed:
                return None
            raise DownloadError(f"the index lists a provenance URL for {f.filename}, and it answered HTTP 404")
        return display_url(resp.url), resp.content  # shown in reports: no query string (tokens)


__all__ = ["DEFAULT_INDEX_URL", "DistFile", "PackageIndex", "file_kind_and_version",
           "parse_html_page", "parse_json_page", "parse_requirement"]
