"""The upstream index as the proxy sees it: its simple pages parsed with every field the proxy passes on, and
bounded asynchronous fetches.

Why ``httpx.AsyncClient`` here and not the synchronous :class:`pyslsa.sources.http.HttpClient` in a thread pool:
a server holds many fetches open at once (50 clients downloading, each streaming a large file); a thread each
would exhaust anyio's default pool of 40 threads and queue everyone behind it, a deadline could not interrupt a
thread blocked in a read, and a client that hangs up could not cancel the fetch it started. On the event loop the
same bounds are enforced by cancellation (``anyio.fail_after``), and memory stays one chunk per fetch. What fits of
the synchronous edge is reused: its URL checks and messages (``display_url``, ``join_url``, ``safe_filename``),
the content types and file-name parsing of :mod:`pyslsa.sources.pypi`.

Every fetch: an allowed host (the upstream's own or a configured file host; redirects likewise, at most
``Limits.max_redirects``, never https -> http), a connect and a read timeout, an overall deadline (504 when spent),
a size cap counted on decoded bytes (a larger ``Content-Length`` is refused before reading), a retry on connection
errors and 5xx answers. Files are fetched with ``Accept-Encoding: identity`` and an encoded answer is refused, so
no chunk can inflate in memory. The client honours the same environment as :mod:`pyslsa.sources.http`:
``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` for the CA bundle, ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``ALL_PROXY`` /
``NO_PROXY`` (httpx's ``trust_env``).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, BinaryIO
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import anyio
import httpx
from packaging.version import InvalidVersion, Version

from pyslsa.errors import DownloadError, MismatchIndexDigestError
from pyslsa.serve.config import Limits, ServeConfig
from pyslsa.serve.model import UpstreamFile
from pyslsa.sources.http import display_url, safe_filename
from pyslsa.sources.pypi import HTML_V1, INTEGRITY_V1, JSON_V1

#: What the proxy asks its upstream for: JSON preferred (it carries size, upload-time, provenance).
UPSTREAM_ACCEPT = f"{JSON_V1}, {HTML_V1};q=0.2, text/html;q=0.01"
_HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")
#: PEP 508 names; anything else in a URL or from upstream is not a project name.
_PROJECT = re.compile(r"\A[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?\Z")
_SDIST_EXTS = (".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz", ".tar")
_MAX_FIELD = 1024  # a requires-python or yank reason longer than this is not passed on


def valid_project(name: str) -> bool:
    return len(name) <= 200 and bool(_PROJECT.match(name))


class UpstreamError(Exception):
    """The upstream could not give what was asked: ``status`` is what the proxy answers (502, or 504 on a timeout),
    ``code`` the pyslsa code (``download-failed``, ``mismatch-index-digest``)."""

    def __init__(self, message: str, *, status: int = 502, code: str = DownloadError.code) -> None:
        message = " ".join(str(message).split())
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


@dataclass(frozen=True)
class ProjectPage:
    """An upstream project page: the files the proxy can serve, and the versions the upstream names."""

    project: str  # normalised
    files: tuple[UpstreamFile, ...]
    versions: tuple[str, ...]
    skipped: int = 0  # files left out: no sha256, not a distribution of this project, or an unsafe name


def dist_version(filename: str, project: str) -> tuple[str, str] | None:
    """("wheel" | "sdist", version) if ``filename`` is a wheel or sdist of ``project``, else None. Beyond
    :func:`pyslsa.sources.pypi.file_kind_and_version`, the older sdist archives pip still installs (``.tar.bz2``,
    ``.tgz``, ``.tar.xz``, ``.tar``) are recognised."""
    from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, parse_wheel_filename

    try:
        if filename.endswith(".whl"):
            name, ver, _, _ = parse_wheel_filename(filename)
            return ("wheel", str(ver)) if name == project else None
        for ext in _SDIST_EXTS:
            if filename.endswith(ext):
                name, ver = parse_sdist_filename(filename[: -len(ext)] + ".tar.gz")
                return ("sdist", str(ver)) if name == project else None
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion, ValueError):
        return None
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and len(value) <= _MAX_FIELD else None


def _sha256_of(hashes: Any) -> str | None:
    value = hashes.get("sha256") if isinstance(hashes, dict) else None
    if isinstance(value, str) and _HEX64.match(value.lower()):
        return value.lower()
    return None


def _fragment_sha256(text: str | None) -> str | None:
    if not text:
        return None
    algo, _, value = text.partition("=")
    return value.lower() if algo.strip().lower() == "sha256" and _HEX64.match(value.strip().lower()) else None


@dataclass(frozen=True)
class _Raw:
    filename: str
    url: str
    sha256: str | None
    size: int | None
    upload_time: str | None
    yanked: bool | str
    requires_python: str | None
    metadata_sha256: str | None
    provenance_url: str | None
    provenance_listed: bool


def _join(base: str, ref: str) -> str | None:
    try:
        url = urljoin(base, ref)
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))


def _parse_json(data: bytes, page_url: str, max_files: int) -> tuple[list[_Raw | None], list[str] | None]:
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        raise UpstreamError(f"upstream page {display_url(page_url)} is not valid JSON") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("files"), list):
        raise UpstreamError(f"upstream page {display_url(page_url)}: expected a JSON object with a 'files' list")
    files = doc["files"]
    if len(files) > max_files:
        raise UpstreamError(f"upstream page {display_url(page_url)} lists {len(files)} files (limit {max_files})")
    out: list[_Raw | None] = []  # None: an entry that is not a file entry
    for f in files:
        if not isinstance(f, dict) or not isinstance(f.get("filename"), str) or not isinstance(f.get("url"), str):
            out.append(None)
            continue
        url = _join(page_url, f["url"])
        if url is None:
            out.append(None)
            continue
        size = f.get("size")
        yanked = f.get("yanked", False)
        meta = next((f[k] for k in ("core-metadata", "data-dist-info-metadata", "dist-info-metadata") if k in f),
                    None)
        prov = f.get("provenance")
        out.append(_Raw(
            filename=f["filename"], url=url, sha256=_sha256_of(f.get("hashes")),
            size=size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None,
            upload_time=_text(f.get("upload-time")),
            yanked=(_text(yanked) or True) if isinstance(yanked, str) and yanked else yanked is True,
            requires_python=_text(f.get("requires-python")),
            metadata_sha256=_sha256_of(meta),
            provenance_url=_join(page_url, prov) if isinstance(prov, str) and prov else None,
            provenance_listed="provenance" in f,
        ))
    versions = doc.get("versions")
    vs = [v for v in versions if isinstance(v, str) and len(v) <= 200] if isinstance(versions, list) else None
    return out, vs


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self._current: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "base" and self.base is None:
            self.base = dict(attrs).get("href")
        elif tag == "a":
            self._current = dict(attrs)
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._current is not None:
            self.anchors.append((self._current, "".join(self._text).strip()))
            self._current = None


def _parse_html(data: bytes, page_url: str, max_files: int) -> tuple[list[_Raw | None], None]:
    parser = _Anchors()
    try:
        parser.feed(data.decode("utf-8", "replace"))
        parser.close()
    except Exception:  # noqa: BLE001 - html.parser raises assorted errors on hostile input
        raise UpstreamError(f"upstream page {display_url(page_url)} is not parseable HTML") from None
    if len(parser.anchors) > max_files:
        raise UpstreamError(f"upstream page {display_url(page_url)} lists {len(parser.anchors)} files "
                            f"(limit {max_files})")
    base = _join(page_url, parser.base) if parser.base else page_url
    out: list[_Raw | None] = []
    for attrs, text in parser.anchors:
        href = attrs.get("href")
        ref, _, fragment = (href or "").partition("#")
        url = _join(base or page_url, ref) if href else None
        if url is None:
            out.append(None)
            continue
        filename = text or unquote(urlsplit(url).path.rsplit("/", 1)[-1])
        yanked: bool | str = False
        if "data-yanked" in attrs:
            yanked = _text(attrs["data-yanked"]) or True
        meta = attrs.get("data-core-metadata") or attrs.get("data-dist-info-metadata")
        prov = attrs.get("data-provenance")
        out.append(_Raw(
            filename=filename, url=url, sha256=_fragment_sha256(fragment), size=None, upload_time=None,
            yanked=yanked, requires_python=_text(attrs.get("data-requires-python")),
            metadata_sha256=_fragment_sha256(meta),
            provenance_url=_join(base or page_url, prov) if prov else None,
            provenance_listed="data-provenance" in attrs,
        ))
    return out, None


def parse_project_page(data: bytes, content_type: str, page_url: str, project: str, max_files: int) -> ProjectPage:
    """An upstream project page (PEP 691 JSON or PEP 503 HTML) -> the files the proxy may serve.

    A file is kept only if the index gives its sha256 (no digest, nothing to check the bytes against), its name is
    a plain file name (no path, no markup) and it is a wheel or sdist of ``project``; the first listing of a name
    wins. The others are counted in ``skipped``."""
    ctype = content_type.split(";")[0].strip().lower()
    if ctype == JSON_V1 or (ctype.endswith("json") and data.lstrip()[:1] == b"{"):
        raws, versions = _parse_json(data, page_url, max_files)
    else:
        raws, versions = _parse_html(data, page_url, max_files)
    files: dict[str, UpstreamFile] = {}
    skipped = 0
    for r in raws:
        if r is None:
            skipped += 1
            continue
        kv = dist_version(r.filename, project)
        try:
            safe_filename(r.filename)
        except DownloadError:
            kv = None
        if kv is None or r.sha256 is None or r.filename in files:
            skipped += 1
            continue
        files[r.filename] = UpstreamFile(
            project=project, filename=r.filename, version=kv[1], kind=kv[0], url=r.url, sha256=r.sha256,
            size=r.size, upload_time=r.upload_time, yanked=r.yanked, requires_python=r.requires_python,
            metadata_sha256=r.metadata_sha256, provenance_url=r.provenance_url,
            provenance_listed=r.provenance_listed)
    if versions is None:
        versions = sorted({f.version for f in files.values()}, key=_version_key)
    return ProjectPage(project, tuple(files.values()), tuple(versions), skipped)


def _version_key(v: str) -> tuple[int, Version | str]:
    try:
        return (0, Version(v))
    except InvalidVersion:
        return (1, v)


def parse_root_page(data: bytes, content_type: str, page_url: str) -> list[str]:
    """The upstream's project list -> the valid project names it names (others are dropped)."""
    ctype = content_type.split(";")[0].strip().lower()
    names: list[str] = []
    if ctype == JSON_V1 or (ctype.endswith("json") and data.lstrip()[:1] == b"{"):
        try:
            doc = json.loads(data)
        except (ValueError, RecursionError):
            raise UpstreamError(f"upstream page {display_url(page_url)} is not valid JSON") from None
        projects = doc.get("projects") if isinstance(doc, dict) else None
        if not isinstance(projects, list):
            raise UpstreamError(f"upstream page {display_url(page_url)}: expected a 'projects' list")
        names = [p["name"] for p in projects if isinstance(p, dict) and isinstance(p.get("name"), str)]
    else:
        parser = _Anchors()
        try:
            parser.feed(data.decode("utf-8", "replace"))
            parser.close()
        except Exception:  # noqa: BLE001 - html.parser raises assorted errors on hostile input
            raise UpstreamError(f"upstream page {display_url(page_url)} is not parseable HTML") from None
        names = [text for _, text in parser.anchors]
    return [n for n in names if valid_project(n)]


def _origin_key(url: str) -> tuple[str, int] | None:
    try:
        p = urlsplit(url)
        port = p.port or {"http": 80, "https": 443}.get(p.scheme)
    except ValueError:
        return None
    if p.scheme not in ("http", "https") or not p.hostname or port is None:
        return None
    return p.hostname.lower(), port


class Upstream:
    """Bounded GETs to the upstream index and the hosts it may send the proxy to. Create inside the event loop
    (the lifespan of the app) and :meth:`aclose` at shutdown."""

    def __init__(self, config: ServeConfig, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.config = config
        self.limits: Limits = config.limits
        self.index_url = config.upstream
        allowed = set()
        own = _origin_key(self.index_url)
        if own is not None:
            allowed.add(own)
        for h in config.file_hosts:
            name, _, port = h.partition(":")
            if port:
                allowed.add((name.lower(), int(port)))
            else:
                allowed.update({(name.lower(), 80), (name.lower(), 443)})
        self.allowed = frozenset(allowed)
        lim = self.limits
        self.client = httpx.AsyncClient(
            # trust_env: the environment pyslsa's other HTTP client (sources/http.py) honours too: SSL_CERT_FILE /
            # SSL_CERT_DIR (a system or corporate CA bundle) and HTTP(S)_PROXY / ALL_PROXY / NO_PROXY. (httpx reads
            # no .netrc on its own.) Without it, httpx trusts only certifi's bundle and ignores the proxy.
            follow_redirects=False, transport=transport, trust_env=True,
            timeout=httpx.Timeout(lim.read_timeout, connect=lim.connect_timeout, pool=lim.page_deadline),
            limits=httpx.Limits(max_connections=lim.max_upstream_connections,
                                max_keepalive_connections=lim.max_upstream_connections),
            headers={"User-Agent": "pyslsa-serve"})
        #: Upstream GETs sent, by kind (page, file, metadata, provenance): for the status page and tests.
        self.requests: dict[str, int] = {}

    async def aclose(self) -> None:
        await self.client.aclose()

    def check_allowed(self, url: str, what: str) -> None:
        key = _origin_key(url)
        if key is None:
            raise UpstreamError(f"refusing {what} {display_url(url)!r}: not an http(s) URL")
        if key not in self.allowed:
            raise UpstreamError(f"refusing {what} {display_url(url)}: host {key[0]}:{key[1]} is neither the "
                                f"upstream's nor a configured file host")

    def page_url(self, project: str) -> str:
        return urljoin(self.index_url, project + "/")

    def integrity_url(self, f: UpstreamFile) -> str | None:
        """The integrity API beside a ``.../simple/`` upstream (PyPI's layout), or None if it is not so shaped."""
        parts = urlsplit(self.index_url)
        path = parts.path.rstrip("/")
        if not path.endswith("/simple"):
            return None
        root = path[: -len("simple")]
        return urlunsplit((parts.scheme, parts.netloc, f"{root}integrity/{f.project}/{f.version}/{f.filename}"
                                                       f"/provenance", "", ""))

    @asynccontextmanager
    async def _get(self, url: str, *, accept: str | None, what: str, kind: str) -> AsyncIterator[httpx.Response]:
        """A streaming answer (status < 300, or 404) after allowed redirects and retries."""
        lim = self.limits
        last = "no attempt"
        resp: httpx.Response | None = None
        for attempt in range(lim.upstream_attempts):
            current = url
            try:
                for _hop in range(lim.max_redirects + 1):
                    self.check_allowed(current, what)
                    headers = {"Accept": accept} if accept else {"Accept-Encoding": "identity"}
                    self.requests[kind] = self.requests.get(kind, 0) + 1
                    resp = await self.client.send(self.client.build_request("GET", current, headers=headers),
                                                  stream=True)
                    if not resp.is_redirect:
                        break
                    location = resp.headers.get("location", "")
                    await resp.aclose()
                    resp = None
                    current = self._redirect(current, location, what)
                else:
                    if resp is not None:
                        await resp.aclose()
                    raise UpstreamError(f"{display_url(url)}: more than {lim.max_redirects} redirects")
            except httpx.TimeoutException:
                raise UpstreamError(f"{display_url(current)}: timed out", status=504) from None
            except httpx.TransportError as exc:
                last = type(exc).__name__
                resp = None
            else:
                assert resp is not None
                if resp.status_code >= 500:
                    last = f"HTTP {resp.status_code}"
                    await resp.aclose()
                    resp = None
                elif resp.status_code >= 300 and resp.status_code != 404:
                    await resp.aclose()
                    raise UpstreamError(f"{display_url(current)} answered HTTP {resp.status_code}")
                else:
                    break
            if attempt + 1 < lim.upstream_attempts:
                await anyio.sleep(lim.retry_backoff * (2 ** attempt))
        if resp is None:
            raise UpstreamError(f"{display_url(url)} failed after {lim.upstream_attempts} attempt(s): {last}")
        try:
            yield resp
        finally:
            await resp.aclose()

    def _redirect(self, current: str, location: str, what: str) -> str:
        if not location:
            raise UpstreamError(f"{display_url(current)} redirected without a Location")
        try:
            nxt = urljoin(current, location)
            a, b = urlsplit(current), urlsplit(nxt)
        except ValueError:
            raise UpstreamError(f"{display_url(current)} redirected to an invalid URL") from None
        if a.scheme == "https" and b.scheme == "http":
            raise UpstreamError(f"{display_url(current)} redirected from https down to http ({display_url(nxt)})")
        key = _origin_key(nxt)
        if key is None or key not in self.allowed:
            raise UpstreamError(f"{display_url(current)} redirected {what} to {display_url(nxt)}: redirects to "
                                f"another host are refused")
        return nxt

    @staticmethod
    def _too_large(resp: httpx.Response, limit: int, url: str, code: str = DownloadError.code) -> None:
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise UpstreamError(f"{display_url(url)}: answer too large ({declared} bytes, limit {limit})", code=code)

    async def document(self, url: str, *, accept: str, max_bytes: int, what: str, kind: str,
                       deadline: float | None = None) -> tuple[bytes, str] | None:
        """(body, content type) of a small answer (a page, a provenance object), or None for a 404."""
        seconds = deadline if deadline is not None else self.limits.page_deadline
        try:
            with anyio.fail_after(seconds):
                async with self._get(url, accept=accept, what=what, kind=kind) as resp:
                    if resp.status_code == 404:
                        return None
                    self._too_large(resp, max_bytes, url)
                    chunks: list[bytes] = []
                    size = 0
                    async for chunk in resp.aiter_bytes():
                        size += len(chunk)
                        if size > max_bytes:
                            raise UpstreamError(f"{display_url(url)}: answer larger than the limit of {max_bytes} "
                                                f"bytes")
                        chunks.append(chunk)
                    return b"".join(chunks), resp.headers.get("content-type", "")
        except TimeoutError:
            raise UpstreamError(f"{display_url(url)}: no complete answer within {seconds:g} s", status=504) from None
        except httpx.TimeoutException:
            raise UpstreamError(f"{display_url(url)}: timed out while reading the answer", status=504) from None
        except httpx.DecodingError:
            raise UpstreamError(f"{display_url(url)}: the answer does not decode") from None
        except httpx.TransportError as exc:
            raise UpstreamError(f"{display_url(url)}: connection failed while reading: {type(exc).__name__}") from None

    async def project_page(self, project: str) -> ProjectPage | None:
        url = self.page_url(project)
        got = await self.document(url, accept=UPSTREAM_ACCEPT, max_bytes=self.limits.max_page_bytes,
                                  what="the project page", kind="page")
        if got is None:
            return None
        return parse_project_page(got[0], got[1], url, project, self.limits.max_page_files)

    async def project_list(self) -> list[str]:
        got = await self.document(self.index_url, accept=UPSTREAM_ACCEPT, max_bytes=self.limits.max_root_bytes,
                                  what="the project list", kind="page")
        if got is None:
            raise UpstreamError(f"{display_url(self.index_url)} answered HTTP 404")
        return parse_root_page(got[0], got[1], self.index_url)

    async def provenance(self, f: UpstreamFile) -> tuple[str, bytes] | None:
        """(URL, raw bytes) of the file's PEP 740 provenance, or None if upstream has none. A listed URL that
        answers 404 is an error (evidence that cannot be fetched never passes); only the integrity API, asked on a
        guess for a page that says nothing about provenance, may answer 404 for "none"."""
        url = f.provenance_url
        guessed = url is None and not f.provenance_listed
        if guessed:
            url = self.integrity_url(f)
        if url is None:
            return None
        got = await self.document(url, accept=f"{INTEGRITY_V1}, application/json;q=0.5",
                                  max_bytes=self.limits.max_provenance_bytes, what="a provenance URL",
                                  kind="provenance")
        if got is None:
            if guessed:
                return None
            raise UpstreamError(f"the upstream lists a provenance URL for {f.filename} and it answered HTTP 404")
        return url, got[0]

    async def download(self, url: str, out: BinaryIO, *, sha256: str, size: int | None, max_bytes: int,
                       what: str, kind: str, deadline: float,
                       on_bytes: Callable[[int], None] | None = None) -> None:
        """Stream ``url`` into ``out`` (a part file), checking the sha256 (and size) the index lists: an
        UpstreamError on any mismatch, with ``out`` partly written (the caller removes it)."""
        limit = min(size, max_bytes) if size is not None else max_bytes
        h = hashlib.sha256()
        total = 0
        started = time.monotonic()
        try:
            with anyio.fail_after(deadline):
                async with self._get(url, accept=None, what=what, kind=kind) as resp:
                    if resp.status_code == 404:
                        raise UpstreamError(f"{display_url(url)} answered HTTP 404 (the index lists it)")
                    encoding = resp.headers.get("content-encoding", "identity").strip().lower()
                    if encoding not in ("", "identity"):
                        raise UpstreamError(f"{display_url(url)} answered with Content-Encoding {encoding!r} to a "
                                            f"request for identity")
                    self._too_large(resp, limit, url, _size_code(size, max_bytes))
                    pending: list[bytes] = []
                    buffered = 0
                    async for chunk in resp.aiter_raw():
                        total += len(chunk)
                        if total > limit:
                            raise UpstreamError(f"{display_url(url)}: more than {limit} bytes (the listed size or "
                                                f"the limit)", code=_size_code(size, max_bytes))
                        pending.append(chunk)
                        buffered += len(chunk)
                        if buffered >= self.limits.write_buffer_bytes:
                            await anyio.to_thread.run_sync(_write_hash, out, h, pending)
                            pending, buffered = [], 0
                        if on_bytes is not None:
                            on_bytes(total)
                    if pending:
                        await anyio.to_thread.run_sync(_write_hash, out, h, pending)
        except TimeoutError:
            raise UpstreamError(f"{display_url(url)}: not complete within {deadline:g} s "
                                f"({total} bytes in {math.ceil(time.monotonic() - started)} s)", status=504) from None
        except httpx.TimeoutException:
            raise UpstreamError(f"{display_url(url)}: timed out while reading the answer", status=504) from None
        except httpx.TransportError as exc:
            raise UpstreamError(f"{display_url(url)}: connection failed while reading: {type(exc).__name__}") from None
        got = h.hexdigest()
        if got != sha256:
            raise UpstreamError(f"{what}: the index lists sha256:{sha256}, the upstream sent sha256:{got}",
                                code=MismatchIndexDigestError.code)
        if size is not None and total != size:
            raise UpstreamError(f"{what}: the index lists {size} bytes, the upstream sent {total} bytes",
                                code=MismatchIndexDigestError.code)


def _size_code(size: int | None, max_bytes: int) -> str:
    """More bytes than the index lists is a digest mismatch; more than the proxy's cap, a failed download."""
    return MismatchIndexDigestError.code if size is not None and size <= max_bytes else DownloadError.code


def _write_hash(out: BinaryIO, h: Any, chunks: list[bytes]) -> None:
    for c in chunks:
        out.write(c)
        h.update(c)


__all__ = ["UPSTREAM_ACCEPT", "ProjectPage", "Upstream", "UpstreamError", "dist_version", "parse_project_page",
           "parse_root_page", "valid_project"]
