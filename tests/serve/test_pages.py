"""Content negotiation (PyPI's rules), the parsing of upstream pages (every field kept, hostile entries dropped)
and the rendering of the proxy's pages (every upstream string escaped)."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from pyslsa.errors import UsageError
from pyslsa.serve import Limits, ServeConfig, UpstreamFile
from pyslsa.serve.pages import negotiate, project_html, project_json, simple_content_type, status_html
from pyslsa.serve.upstream import dist_version, parse_project_page, parse_root_page

JSON = "application/vnd.pypi.simple.v1+json"
HTML = "application/vnd.pypi.simple.v1+html"
TEXT = "text/html"
PIP_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"
UV_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
SHA = "a" * 64


@pytest.mark.parametrize(("accept", "want"), [
    (None, TEXT),  # no Accept header: PyPI's first offer
    ("", TEXT),
    (PIP_ACCEPT, JSON),
    (UV_ACCEPT, JSON),
    ("text/html", TEXT),
    (HTML, HTML),
    (JSON, JSON),
    (f"{JSON};q=0.5, text/html", TEXT),  # the higher quality wins, whatever the order
    (f"text/html;q=0.2, {HTML};q=0.2, {JSON};q=0.2", TEXT),  # ties: PyPI's order (text/html, v1+html, v1+json)
    ("*/*", TEXT),
    ("application/*", HTML),
    (f"application/*;q=0.5, {JSON}", JSON),
    (f"*/*;q=0.1, {JSON};q=0", TEXT),  # q=0 refuses json even though */* would take it
    (f"{JSON};q=0, {HTML};q=0, text/*;q=0", TEXT),  # nothing acceptable: PyPI's default, not a 406
    ("image/png", TEXT),
    ("application/vnd.pypi.simple.latest+json", JSON),  # PEP 691's meta version
    (f"{JSON};q=abc, text/html;q=0.5", TEXT),  # an unreadable q counts as 0
    (f"{JSON};q=7, {HTML}", HTML),  # and so does one out of range
    ("garbage, ,;;", TEXT),
])
def test_negotiation_as_pypi(accept: str | None, want: str) -> None:
    assert simple_content_type(accept, None) == want


@pytest.mark.parametrize(("fmt", "accept", "want"), [
    (JSON, "text/html", JSON),  # ?format= wins over Accept (PEP 691 URL parameter)
    (HTML, PIP_ACCEPT, HTML),
    (TEXT, PIP_ACCEPT, TEXT),
    ("application/vnd.pypi.simple.latest+json", None, JSON),
    ("application/vnd.pypi.simple.v1 json", None, JSON),  # ?format=...v1+json unencoded: '+' became a space
    ("application/json", PIP_ACCEPT, JSON),  # not a simple API type: ignored, Accept decides
    (f"{JSON}, {HTML}", "text/html", TEXT),  # several types are not supported: ignored
])
def test_format_parameter(fmt: str, accept: str | None, want: str) -> None:
    assert simple_content_type(accept, fmt) == want


def test_integrity_negotiation_refuses_what_it_cannot_offer() -> None:
    offers = ("application/vnd.pypi.integrity.v1+json", "application/json")
    assert negotiate(None, offers, None) == offers[0]
    assert negotiate("application/json", offers, None) == "application/json"
    assert negotiate("text/html", offers, None) is None


@pytest.mark.parametrize(("filename", "want"), [
    ("demo-1.0-py3-none-any.whl", ("wheel", "1.0")),
    ("demo-1.0.tar.gz", ("sdist", "1.0")),
    ("demo-1.0.zip", ("sdist", "1.0")),
    ("demo-1.0.tar.bz2", ("sdist", "1.0")),
    ("Demo-1!2.0+local.tar.gz", ("sdist", "1!2.0+local")),
    ("other-1.0-py3-none-any.whl", None),
    ("demo-1.0.egg", None),
    ("demo-notaversion.tar.gz", None),
    ("demo.tar.gz", None),
])
def test_dist_version(filename: str, want: tuple[str, str] | None) -> None:
    assert dist_version(filename, "demo") == want


HOSTILE = [
    "<script>alert(1)</script>-1.0.tar.gz",
    'demo-1.0"onmouseover="alert(1).tar.gz',
    "../../etc/demo-1.0.tar.gz",
    "demo-1.0.tar.gz/../x",
    ".demo-1.0.tar.gz",
]


def test_json_page_keeps_every_field_and_drops_hostile_entries() -> None:
    files = [
        {"filename": "demo-1.0-py3-none-any.whl", "url": "../../f/demo-1.0-py3-none-any.whl",
         "hashes": {"sha256": SHA.upper(), "md5": "x"}, "size": 12, "upload-time": "2024-01-02T03:04:05Z",
         "yanked": "broken <b>build</b>", "requires-python": ">=3.8", "core-metadata": {"sha256": "b" * 64},
         "provenance": "https://up.example/integrity/demo/1.0/demo-1.0-py3-none-any.whl/provenance"},
        {"filename": "demo-1.0.tar.gz", "url": "https://files.example/demo-1.0.tar.gz", "hashes": {"sha256": SHA},
         "size": 3, "yanked": True, "dist-info-metadata": True, "provenance": None},
        {"filename": "demo-0.9.tar.gz", "url": "x", "hashes": {}},  # no sha256: cannot be checked, left out
        {"filename": "other-1.0.tar.gz", "url": "x", "hashes": {"sha256": SHA}},  # another project
        {"filename": "demo-1.0.tar.gz", "url": "dup", "hashes": {"sha256": SHA}},  # listed twice: first wins
        {"filename": "demo-2.0.tar.gz", "url": "javascript:alert(1)", "hashes": {"sha256": SHA}},
        {"filename": 7, "url": "x"}, "not an object",
        *({"filename": h, "url": "x", "hashes": {"sha256": SHA}} for h in HOSTILE),
    ]
    doc = {"meta": {"api-version": "1.1"}, "name": "demo", "files": files, "versions": ["1.0", "0.9", 3]}
    page = parse_project_page(json.dumps(doc).encode(), JSON, "https://up.example/simple/demo/", "demo", 100)
    whl, sdist = page.files
    assert whl == UpstreamFile(
        project="demo", filename="demo-1.0-py3-none-any.whl", version="1.0", kind="wheel",
        url="https://up.example/f/demo-1.0-py3-none-any.whl", sha256=SHA, size=12,
        upload_time="2024-01-02T03:04:05Z", yanked="broken <b>build</b>", requires_python=">=3.8",
        metadata_sha256="b" * 64,
        provenance_url="https://up.example/integrity/demo/1.0/demo-1.0-py3-none-any.whl/provenance",
        provenance_listed=True)
    assert (sdist.yanked, sdist.metadata_sha256, sdist.provenance_url, sdist.provenance_listed) == (
        True, None, None, True)  # metadata without a hash is not offered; provenance null means none
    assert page.versions == ("1.0", "0.9")
    assert page.skipped == 11


def test_html_page_keeps_every_field_and_drops_hostile_entries() -> None:
    anchors = [
        f'<a href="../../f/demo-1.0-py3-none-any.whl#sha256={SHA}" data-requires-python="&gt;=3.8" '
        f'data-yanked="" data-dist-info-metadata="sha256={"c" * 64}" '
        f'data-provenance="/integrity/demo/1.0/demo-1.0-py3-none-any.whl/provenance">demo-1.0-py3-none-any.whl</a>',
        f'<a href="https://files.example/demo-1.0.tar.gz#sha256={SHA}" data-yanked="old &amp; bad">demo-1.0.tar.gz</a>',
        '<a href="demo-0.9.tar.gz#md5=abc">demo-0.9.tar.gz</a>',
        *(f'<a href="x#sha256={SHA}">{h.replace("<", "&lt;")}</a>' for h in HOSTILE),
    ]
    body = "<html><head><base href='https://mirror.example/pkgs/'></head><body>" + "".join(anchors)
    page = parse_project_page(body.encode(), "text/html", "https://up.example/simple/demo/", "demo", 100)
    whl, sdist = page.files
    assert whl.url == "https://mirror.example/f/demo-1.0-py3-none-any.whl"  # <base href> honoured as pip does
    assert (whl.requires_python, whl.yanked, whl.metadata_sha256) == (">=3.8", True, "c" * 64)
    assert whl.provenance_url == "https://mirror.example/integrity/demo/1.0/demo-1.0-py3-none-any.whl/provenance"
    assert (sdist.yanked, sdist.provenance_url, sdist.provenance_listed) == ("old & bad", None, False)
    assert page.skipped == 1 + len(HOSTILE)
    assert page.versions == ("1.0",)


def test_page_with_too_many_files_is_refused() -> None:
    from pyslsa.serve.upstream import UpstreamError

    doc = {"files": [{"filename": f"demo-{i}.tar.gz", "url": "x", "hashes": {"sha256": SHA}} for i in range(11)]}
    with pytest.raises(UpstreamError, match="11 files"):
        parse_project_page(json.dumps(doc).encode(), JSON, "https://up.example/simple/demo/", "demo", 10)
    with pytest.raises(UpstreamError, match="not valid JSON"):
        parse_project_page(b"{" * 100_000, JSON, "https://up.example/simple/demo/", "demo", 10)


def test_root_page_drops_invalid_names() -> None:
    doc = {"projects": [{"name": "Good.Name"}, {"name": "<script>"}, {"name": "a b"}, {"x": 1}, "y"]}
    assert parse_root_page(json.dumps(doc).encode(), JSON, "u") == ["Good.Name"]
    html = '<a href="/simple/ok/">ok</a><a href="/simple/x/">&lt;script&gt;</a><a href="/simple/q/">"q"</a>'
    assert parse_root_page(html.encode(), "text/html", "u") == ["ok"]


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


EVIL = '"><script>alert(1)</script>\'<img src=x onerror=alert(2)>'


def _evil_file() -> UpstreamFile:
    return UpstreamFile(project="demo", filename="demo-1.0.tar.gz", version="1.0", kind="sdist",
                        url="https://up.example/demo-1.0.tar.gz", sha256=SHA, size=5, yanked=EVIL,
                        requires_python=EVIL, metadata_sha256="d" * 64,
                        provenance_url="https://up.example/p", provenance_listed=True)


def test_project_html_escapes_upstream_strings() -> None:
    body = project_html("demo", [_evil_file()]).decode()
    assert "<script>" not in body and "<img" not in body
    p = _Collect()
    p.feed(body)
    (a,) = [attrs for tag, attrs in p.tags if tag == "a"]
    assert a["data-yanked"] == EVIL and a["data-requires-python"] == EVIL  # the value survives, escaped
    assert a["href"] == f"../../files/demo/{SHA}/demo-1.0.tar.gz#sha256={SHA}"
    assert a["data-core-metadata"] == a["data-dist-info-metadata"] == "sha256=" + "d" * 64
    assert a["data-provenance"] == "../../integrity/demo/1.0/demo-1.0.tar.gz/provenance"
    assert a["data-gpg-sig"] == "false"
    assert [tag for tag, _ in p.tags if tag not in ("html", "head", "meta", "title", "body", "h1", "a", "br")] == []


def test_project_json_fields() -> None:
    plain = UpstreamFile(project="demo", filename="demo-0.9.tar.gz", version="0.9", kind="sdist", url="u", sha256=SHA,
                         size=1, provenance_listed=False)
    doc = json.loads(project_json("demo", [_evil_file(), plain], ["0.9", "1.0"]))
    assert doc["meta"] == {"api-version": "1.3"} and doc["name"] == "demo" and doc["versions"] == ["0.9", "1.0"]
    f, g = doc["files"]
    assert f == {"filename": "demo-1.0.tar.gz", "url": f"../../files/demo/{SHA}/demo-1.0.tar.gz",
                 "hashes": {"sha256": SHA}, "requires-python": EVIL, "size": 5, "yanked": EVIL,
                 "core-metadata": {"sha256": "d" * 64}, "data-dist-info-metadata": {"sha256": "d" * 64},
                 "gpg-sig": False, "provenance": "../../integrity/demo/1.0/demo-1.0.tar.gz/provenance"}
    assert "provenance" not in g  # the upstream said nothing: neither do we (clients may ask the integrity API)
    unsized = UpstreamFile(project="demo", filename="demo-0.8.tar.gz", version="0.8", kind="sdist", url="u",
                           sha256=SHA)
    doc = json.loads(project_json("demo", [unsized], ["0.8"]))
    assert doc["meta"] == {"api-version": "1.0"} and "versions" not in doc  # size is mandatory from 1.1 on


def test_status_page_escapes_and_has_no_script() -> None:
    rec = {"time": "t", "project": EVIL, "version": "1", "filename": EVIL, "verdict": "failed", "code": EVIL,
           "action": "refused", "message": EVIL}
    body = status_html(upstream=EVIL, mode="enforce", on_fail="block", policy=EVIL, cache="/c", started=0.0,
                       counts={"failed": 1}, records=[rec], upstream_requests={"page": 1}).decode()
    assert "<script" not in body and "<img" not in body and "onerror=alert(2)>" not in body
    assert body.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 6


def test_config_checks() -> None:
    with pytest.raises(UsageError, match="--upstream"):
        ServeConfig(upstream="ftp://x/")
    with pytest.raises(UsageError, match="--mode"):
        ServeConfig(mode="audit")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="--on-fail"):
        ServeConfig(on_fail="drop")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="--port"):
        ServeConfig(port=70000)
    with pytest.raises(UsageError, match="file host"):
        ServeConfig(file_hosts=("a/b",))
    with pytest.raises(UsageError, match="max_page_bytes"):
        Limits(max_page_bytes=0)
    assert ServeConfig(upstream="http://127.0.0.1:1/simple").upstream == "http://127.0.0.1:1/simple/"
    assert ServeConfig(mode="enforce", on_fail="hide").hides and not ServeConfig(mode="warn", on_fail="hide").hides
