"""Review of verify-release against hostile index and GitHub hosts: each test is one problem found (or one attack
checked), run for real against the hosts of ``tests/release_servers.py`` (in memory through the HTTP engine's
transport seam; on loopback sockets, ``loopback_hosts``, where a lying Content-Length is the attack)."""

from __future__ import annotations

import functools
import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from pyslsa.cli import main
from tests.conftest import EXAMPLE_REPO
from tests.release_servers import Host, add_project, add_release, sha256
from tests.sources.release_vectors import (
    BINARY,
    PA_REPO,
    PROV_V14,
    PROVENANCE_740,
    SDIST_740,
    SDIST_740_BYTES,
    WHEEL,
    leftovers,
    slsa_release,
)

INDEX_PAGE = "/simple/example-package/#json"
GH_DOWNLOAD = "/slsa-framework/example-package/releases/download/v14/multiple.intoto.jsonl"


@pytest.fixture
def short_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    from pyslsa.api import release
    from pyslsa.sources.http import HttpClient

    monkeypatch.setattr(release, "HttpClient",
                        functools.partial(HttpClient, timeout=1.0, deadline=5.0, backoff=0.01))


def run(capsys: pytest.CaptureFixture[str], index: Host, gh: Host, *args: str, fmt: str = "json",
        index_url: str | None = None) -> tuple[int, Any, str]:
    argv = ["verify-release", *args, "--index-url", index_url or f"{index.base}/simple/", "--github-url", gh.base,
            "--github-api-url", f"{gh.base}/api", "--format", fmt]
    code = main(argv)
    out, err = capsys.readouterr()
    assert "internal error" not in err and "Traceback" not in err, err
    return code, (json.loads(out) if fmt == "json" else out), err


def edit_index(index: Host, change: Any) -> None:
    route = index.routes[INDEX_PAGE]
    doc = json.loads(route.body)
    change(doc)
    route.body = json.dumps(doc).encode()


# -- problems found --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["file", "index-page", "github-storage"])
def test_corrupt_gzip_body_is_a_download_failure(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str],
                                                 tmpdir_env: Path, where: str) -> None:
    """``Content-Encoding: gzip`` over bytes that are not gzip: httpx raises DecodingError, which is not a
    TransportError; it escaped as an internal error (exit 1, no stable code)."""
    index, gh = hosts
    slsa_release(index, gh)
    route = {"file": index.routes.get(f"/files/{WHEEL}"), "index-page": index.routes.get(INDEX_PAGE),
             "github-storage": gh.routes.get("/storage/slsa-framework/example-package/v14/multiple.intoto.jsonl")
             }[where]
    assert route is not None
    route.body = b"this is not gzip data at all" * 10
    route.headers["Content-Encoding"] = "gzip"
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 1 and doc["error"]["code"] == "download-failed", doc
    assert leftovers(tmpdir_env) == []


@pytest.mark.parametrize("field", ["url", "provenance"])
def test_unparseable_url_from_the_index(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str],
                                        tmpdir_env: Path, field: str) -> None:
    """A file or provenance URL that urllib cannot parse (a broken IPv6 literal): urljoin raised ValueError, an
    internal error instead of download-failed."""
    index, gh = hosts
    slsa_release(index, gh)
    edit_index(index, lambda d: d["files"][0].__setitem__(field, "http://[::1/x"))
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 1 and doc["error"]["code"] == "download-failed", doc
    assert leftovers(tmpdir_env) == []


def test_unparseable_url_in_an_html_page(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str]) -> None:
    index, gh = hosts
    index.json_api = False
    slsa_release(index, gh)
    index.routes["/simple/example-package/#html"].body = (
        f'<a href="http://[oops]/x#sha256={sha256(BINARY)}">{WHEEL}</a>'.encode())
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 1 and doc["error"]["code"] == "download-failed", doc


@pytest.mark.parametrize("location", ["http://[::1/x", "http://[oops]/x", "//[::1/x"])
def test_unparseable_redirect_location(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str],
                                       tmpdir_env: Path, location: str) -> None:
    """A ``Location`` that cannot be parsed: httpx itself refuses it (RemoteProtocolError), a download failure."""
    index, gh = hosts
    slsa_release(index, gh)
    gh.routes[GH_DOWNLOAD].redirect = location
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 1 and doc["error"]["code"] == "download-failed", doc
    assert "location" in doc["error"]["message"].lower()
    assert leftovers(tmpdir_env) == []


def test_github_token_not_sent_across_a_redirect(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The token is "sent to the API host only": the client followed the API's redirects by hand with the
    client-wide Authorization header, so a redirect to another host received the token."""
    index, gh = hosts
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    add_project(index, "example-package", {WHEEL: BINARY})
    add_release(gh, "slsa-framework/example-package", "v14", {"binary-linux-amd64.intoto.jsonl": PROV_V14})
    api = "/api/repos/slsa-framework/example-package/releases/tags/v14"
    moved = gh.routes[api]
    index.route("/elsewhere/releases", body=moved.body, content_type="application/json")
    gh.route(api, redirect=f"{index.base}/elsewhere/releases")
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 0, doc
    (headers,) = [h for p, _, h in index.requests if p == "/elsewhere/releases"]
    assert not any(k.lower() == "authorization" for k in headers), headers
    # a same-origin redirect keeps it (the API moving a renamed repository)
    gh.route(api, redirect=f"{gh.base}/api/moved")
    gh.route("/api/moved", body=moved.body, content_type="application/json")
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 0, doc
    (headers,) = [h for p, _, h in gh.requests if p == "/api/moved"]
    assert headers.get("Authorization") == "Bearer t0ken"


@pytest.mark.parametrize("status", [300, 302, 304, 307])
def test_3xx_without_location_is_not_a_success(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str],
                                               status: int) -> None:
    """A 3xx that cannot be followed (no Location) was handed back as if it were a 200, its body used as the
    asset: only < 300 (or 404) may be read."""
    index, gh = hosts
    slsa_release(index, gh)
    route = gh.routes[GH_DOWNLOAD]
    route.redirect, route.status, route.body = None, status, PROV_V14
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 1 and doc["error"]["code"] == "download-failed", doc
    assert f"HTTP {status}" in doc["error"]["message"]


def test_listed_provenance_that_answers_404_is_a_failure(hosts: tuple[Host, Host],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """The index names a provenance URL for the file, and it answers 404: evidence that cannot be fetched never
    passes (README), but it was taken as "no PEP 740 provenance" and the file passed on SLSA alone."""
    index, gh = hosts
    slsa_release(index, gh, provenance_in_pages=True)
    index.route(f"/integrity/example-package/14/{WHEEL}/provenance", status=404, body=b"gone")
    edit_index(index, lambda d: d["files"][0].__setitem__(
        "provenance", f"{index.base}/integrity/example-package/14/{WHEEL}/provenance"))
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 1 and doc["error"]["code"] == "download-failed", doc


def test_integrity_api_404_when_pages_are_silent_is_no_provenance(hosts: tuple[Host, Host],
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """The other side of the rule above: an index whose pages say nothing, and the guessed integrity URL 404s."""
    index, gh = hosts
    slsa_release(index, gh, provenance_in_pages=False)
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 0, doc


def test_listed_multiple_intoto_that_answers_404_is_a_failure(hosts: tuple[Host, Host],
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """The releases API lists multiple.intoto.jsonl but its download 404s: it was dropped (the release "has no
    SLSA provenance"), and PEP 740 alone passed the file. Any other listed asset answering 404 already fails."""
    index, gh = hosts
    add_project(index, "pypi-attestations", {SDIST_740: SDIST_740_BYTES}, provenance={SDIST_740: PROVENANCE_740})
    add_release(gh, "trailofbits/pypi-attestations", "v0.0.19", {"multiple.intoto.jsonl": b"{}"})
    del gh.routes["/trailofbits/pypi-attestations/releases/download/v0.0.19/multiple.intoto.jsonl"]
    code, doc, _ = run(capsys, index, gh, "pypi-attestations==0.0.19", "--source-uri", PA_REPO)
    assert code == 1 and doc["error"]["code"] == "download-failed", doc
    assert "multiple.intoto.jsonl" in doc["error"]["message"]


@pytest.mark.parametrize("delta", [1, 1000])
def test_download_size_must_be_the_listed_size(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str],
                                               tmpdir_env: Path, delta: int) -> None:
    """README: each file is "checked against the index's SHA-256 and size"; the size was only an upper bound."""
    index, gh = hosts
    slsa_release(index, gh)
    edit_index(index, lambda d: d["files"][0].__setitem__("size", len(BINARY) + delta))
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 1 and doc["error"]["code"] == "mismatch-index-digest", doc
    assert str(len(BINARY) + delta) in doc["error"]["message"]
    assert leftovers(tmpdir_env) == []


def test_hostile_publisher_cannot_forge_text_lines(hosts: tuple[Host, Host],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The (unverified) Trusted Publisher from the index is shown in the table: a newline in it printed a forged
    'PASSED:' line (and escape sequences reached the terminal)."""
    index, gh = hosts
    prov = json.loads(PROVENANCE_740)
    prov["attestation_bundles"][0]["publisher"]["repository"] = (
        "x\nPASSED: pypi-attestations==0.0.19: 1 of 1 file(s) verified\x1b[2K\r")
    add_project(index, "pypi-attestations", {SDIST_740: SDIST_740_BYTES},
                provenance={SDIST_740: json.dumps(prov).encode()})
    code, out, _ = run(capsys, index, gh, "pypi-attestations==0.0.19", "--source-uri", PA_REPO, "--no-github",
                       fmt="text")
    assert code == 1
    assert not any(line.startswith("PASSED:") for line in out.splitlines()), out
    assert "\x1b" not in out and "\r" not in out
    assert out.splitlines()[-1].startswith("FAILED: pypi-attestations==0.0.19")


def test_stale_part_file_in_keep_dir(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str],
                                     tmp_path: Path) -> None:
    """A ``.NAME.part`` left in --keep DIR (a killed run, or another run writing there): os.open(O_EXCL) raised
    FileExistsError, an internal error; and the cleanup then deleted that file, which was not ours."""
    index, gh = hosts
    slsa_release(index, gh)
    keep = tmp_path / "kept"
    keep.mkdir()
    stale = keep / f".{WHEEL}.part"
    stale.write_bytes(b"someone else's")
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO, "--keep", str(keep))
    assert code == 2 and doc["error"]["code"] == "usage", doc
    assert stale.read_bytes() == b"someone else's"
    assert not (keep / WHEEL).exists()


def test_unwritable_keep_target(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str],
                                tmp_path: Path) -> None:
    """--keep DIR where the file's name is taken by a directory: the rename raised IsADirectoryError (internal)."""
    index, gh = hosts
    slsa_release(index, gh)
    keep = tmp_path / "kept"
    (keep / WHEEL).mkdir(parents=True)
    (keep / WHEEL / "x").write_bytes(b"x")
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO, "--keep", str(keep))
    assert code == 2 and doc["error"]["code"] == "usage", doc
    assert sorted(p.name for p in keep.iterdir()) == [WHEEL]


def test_bad_github_url_is_a_usage_error_before_any_download(hosts: tuple[Host, Host],
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """--github-url / --github-api-url were checked only after every file had been downloaded."""
    index, gh = hosts
    slsa_release(index, gh)
    code = main(["verify-release", "example-package==14", "--source-uri", EXAMPLE_REPO, "--index-url",
                 f"{index.base}/simple/", "--github-url", "ftp://x", "--format", "json"])
    out, _err = capsys.readouterr()
    assert code == 2 and json.loads(out)["error"]["code"] == "usage", out
    assert index.requests == []


@pytest.mark.parametrize("flag", ["--index-url", "--github-url", "--github-api-url"])
def test_unparseable_url_flags_are_usage_errors(capsys: pytest.CaptureFixture[str], flag: str) -> None:
    """A flag URL urllib cannot parse raised ValueError (an internal error) instead of a usage error."""
    code = main(["verify-release", "example-package==14", "--source-uri", EXAMPLE_REPO, flag, "http://[::1/",
                 "--format", "json"])
    out, err = capsys.readouterr()
    assert "internal error" not in err
    assert code == 2 and json.loads(out)["error"]["code"] == "usage", out


# -- attacks checked, found handled -----------------------------------------------------------------------------


def test_gzip_bomb_is_capped_on_decoded_bytes(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str]) -> None:
    """httpx decodes Content-Encoding: gzip; the 16 MiB document cap counts decoded bytes (40 MiB of zeros in
    ~40 KiB on the wire)."""
    index, gh = hosts
    slsa_release(index, gh)
    route = index.routes[INDEX_PAGE]
    route.body = gzip.compress(b"{" + b" " * (40 * 1024 * 1024), compresslevel=9)
    route.headers["Content-Encoding"] = "gzip"
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 1 and doc["error"]["code"] == "download-failed", doc
    assert "limit" in doc["error"]["message"]


class _Endless(BaseHTTPRequestHandler):
    """An answer with no Content-Length: chunked, never ending."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.pypi.simple.v1+json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b" " * 65536
            while True:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass


def test_endless_chunked_answer_is_capped(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str],
                                          short_bounds: None) -> None:
    index, gh = hosts

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass

    server = Server(("127.0.0.1", 0), _Endless)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO,
                           index_url=f"http://127.0.0.1:{server.server_address[1]}/simple/")
    finally:
        server.shutdown()
        server.server_close()
    assert code == 1 and doc["error"]["code"] == "download-failed", doc


def test_content_length_shorter_than_the_body(loopback_hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str],
                                              tmpdir_env: Path) -> None:
    """A Content-Length that cuts the file short: the bytes read are not the index's (never a PASS)."""
    index, gh = loopback_hosts
    slsa_release(index, gh)
    index.routes[f"/files/{WHEEL}"].declared_length = len(BINARY) - 10
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 1 and doc["error"]["code"] in ("mismatch-index-digest", "download-failed"), doc
    assert leftovers(tmpdir_env) == []


def test_content_length_longer_than_the_body(loopback_hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str],
                                             tmpdir_env: Path, short_bounds: None) -> None:
    index, gh = loopback_hosts
    slsa_release(index, gh)
    index.routes[f"/files/{WHEEL}"].declared_length = len(BINARY) + 10
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 1 and doc["error"]["code"] == "download-failed", doc
    assert leftovers(tmpdir_env) == []


HOSTILE_SHAPES: list[tuple[str, Any, set[str]]] = [
    ("files-dict", lambda d: d.__setitem__("files", {"a": d["files"][0]}), {"download-failed"}),
    ("files-null", lambda d: d.__setitem__("files", None), {"download-failed"}),
    ("entry-list", lambda d: d["files"].append([1, 2]), {"download-failed"}),
    ("filename-int", lambda d: d["files"][0].__setitem__("filename", 7), {"download-failed"}),
    ("hashes-list", lambda d: d["files"][0].__setitem__("hashes", [sha256(BINARY)]), {"mismatch-index-digest"}),
    ("sha256-int", lambda d: d["files"][0].__setitem__("hashes", {"sha256": 5}), {"mismatch-index-digest"}),
    ("sha256-short", lambda d: d["files"][0].__setitem__("hashes", {"sha256": "ab"}), {"mismatch-index-digest"}),
    ("size-negative", lambda d: d["files"][0].__setitem__("size", -1), None),
    ("size-bool", lambda d: d["files"][0].__setitem__("size", True), None),
    ("size-huge", lambda d: d["files"][0].__setitem__("size", 10 ** 30), {"mismatch-index-digest"}),
    ("size-float", lambda d: d["files"][0].__setitem__("size", 1.5), None),
    ("size-zero", lambda d: d["files"][0].__setitem__("size", 0), {"download-failed", "mismatch-index-digest"}),
    ("provenance-dict", lambda d: d["files"][0].__setitem__("provenance", {"url": "x"}), None),
    ("provenance-file", lambda d: d["files"][0].__setitem__("provenance", "file:///etc/passwd"),
     {"download-failed"}),
    ("upload-time-junk", lambda d: d["files"][0].__setitem__("upload-time", "2024-99-99T"), None),
    ("url-empty", lambda d: d["files"][0].__setitem__("url", ""), {"mismatch-index-digest"}),
    ("duplicate", lambda d: d["files"].append(dict(d["files"][0])), {"download-failed"}),
]


@pytest.mark.parametrize(("name", "change", "codes"), HOSTILE_SHAPES, ids=[n for n, _, _ in HOSTILE_SHAPES])
def test_hostile_json_shapes(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str], tmpdir_env: Path,
                             name: str, change: Any, codes: set[str] | None) -> None:
    """None: the field is ignored and the genuine file still verifies; else the run fails with one of ``codes``."""
    index, gh = hosts
    slsa_release(index, gh)
    edit_index(index, change)
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    if codes is None:
        assert code == 0, doc
    else:
        assert code == 1 and doc["error"]["code"] in codes, doc
    assert leftovers(tmpdir_env) == []


def test_case_variant_names_are_two_files_each_verified(hosts: tuple[Host, Host],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """Two names that differ in case (or in separators) both normalise to the project: each is downloaded and
    verified on its own digest, so a tampered twin fails the release."""
    index, gh = hosts
    twin = "Example_Package-14-py3-none-any.whl"
    add_project(index, "example-package", {WHEEL: BINARY, twin: BINARY + b"tampered"})
    add_release(gh, "slsa-framework/example-package", "v14", {"multiple.intoto.jsonl": PROV_V14})
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 1
    assert {f["filename"]: f["verified"] for f in doc["files"]} == {WHEEL: True, twin: False}


def test_multiple_intoto_mixing_good_and_bad_lines(hosts: tuple[Host, Host],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """A good line and the same line with a broken signature: the bad one names the file, so the file fails."""
    index, gh = hosts
    good = PROV_V14.strip()
    bad = json.loads(good)
    sigs = bad["dsseEnvelope"]["signatures"] if "dsseEnvelope" in bad else bad["signatures"]
    sigs[0]["sig"] = "AAAA"
    slsa_release(index, gh, provenance=good + b"\n" + json.dumps(bad).encode() + b"\n")
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code == 1
    assert [e["verified"] for e in doc["files"][0]["evidence"]] == [True, False]


def test_provenance_for_another_file_listed_for_this_one(hosts: tuple[Host, Host],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """The index points the wheel's provenance URL at the (genuine) sdist's provenance: subject name mismatch."""
    index, gh = hosts
    wheel = "pypi_attestations-0.0.19-py3-none-any.whl"
    add_project(index, "pypi-attestations", {SDIST_740: SDIST_740_BYTES, wheel: SDIST_740_BYTES},
                provenance={SDIST_740: PROVENANCE_740, wheel: PROVENANCE_740})
    code, doc, _ = run(capsys, index, gh, "pypi-attestations==0.0.19", "--source-uri", PA_REPO, "--no-github")
    assert code == 1
    verdicts = {f["filename"]: (f["error"] or {}).get("code") for f in doc["files"]}
    assert verdicts == {SDIST_740: None, wheel: "mismatch-hash"}


@pytest.mark.parametrize("html", [
    '<a href="#sha256={d}">{w}</a>',  # a fragment only: the page's own URL
    '<a href="../../files/{w}#sha256={d}">../{w}</a>',
    '<a href="../../files/{w}#sha256={d}">&#46;&#46;&#47;{w}</a>',
    '<a href="../../files/{w}#sha256={d}"><a href="x">{w}</a>',
    '<a href="../../files/{w}#md5={d}">{w}</a>',
    '<a href="../../files/{w}#sha256={d}" data-provenance="javascript:alert(1)">{w}</a>',
    '<a href="../../files/{w}#sha256={d}"',
    '<a href=../../files/{w}#sha256={d}>{w}',
])
def test_odd_html_anchors(hosts: tuple[Host, Host], capsys: pytest.CaptureFixture[str], tmpdir_env: Path,
                          html: str) -> None:
    index, gh = hosts
    index.json_api = False
    slsa_release(index, gh)
    index.routes["/simple/example-package/#html"].body = html.format(w=WHEEL, d=sha256(BINARY)).encode()
    code, doc, _ = run(capsys, index, gh, "example-package==14", "--source-uri", EXAMPLE_REPO)
    assert code in (0, 1, 2)
    if code == 0:
        assert [f["filename"] for f in doc["files"]] == [WHEEL]
    else:
        assert doc["error"]["code"] in ("download-failed", "mismatch-index-digest", "release-not-found"), doc
    assert leftovers(tmpdir_env) == []
