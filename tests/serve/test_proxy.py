"""The proxy over real HTTP: uvicorn on a loopback port in front of a loopback upstream index, driven with httpx.

Pages (fields kept, URLs pointing back at the proxy, PyPI's redirects), downloads (decided on every request, bytes
hash-checked and cached by digest), metadata, the integrity endpoint, the modes, and real PEP 740 evidence (the
pypi-attestations sdist and its real provenance, verified by pyslsa's core in the tests' decider)."""

from __future__ import annotations

import hashlib
import json
import threading
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from pyslsa.cli import main
from pyslsa.serve import Decision
from tests.conftest import PYPI_ATT, vector
from tests.serve.conftest import StartProxy
from tests.serve.dists import make_wheel
from tests.serve.helpers import INTEGRITY_V1, JSON_V1, entry, file_url, get, page_json
from tests.serve.rules import RulesDecider
from tests.serve.upstream_index import Dist, Index, sha256

SDIST = "pypi_attestations-0.0.19.tar.gz"
SDIST_BYTES = vector(PYPI_ATT / SDIST)
PROVENANCE = vector(PYPI_ATT / f"{SDIST}.provenance")
PA_REPO = "github.com/trailofbits/pypi-attestations"


def demo(index: Index) -> tuple[Dist, Dist]:
    old = make_wheel("demo", "1.0", requires_python=">=3.8")
    new = make_wheel("demo", "2.0")
    new.yanked = "broken <b>build</b> & \"quotes\""
    new.provenance = b'{"version": 1, "attestation_bundles": []}'
    index.add("demo", old, new)
    return old, new


def test_json_page_points_at_the_proxy_and_keeps_every_field(index: Index, start_proxy: StartProxy) -> None:
    old, new = demo(index)
    proxy = start_proxy()
    doc = page_json(proxy.simple, "demo")
    assert doc["meta"] == {"api-version": "1.3"} and doc["name"] == "demo" and doc["versions"] == ["1.0", "2.0"]
    a, b = doc["files"]
    assert a == {
        "filename": old.filename, "url": f"../../files/demo/{sha256(old.data)}/{old.filename}",
        "hashes": {"sha256": sha256(old.data)}, "requires-python": ">=3.8", "size": len(old.data),
        "upload-time": "2024-01-02T03:04:05.000000Z", "yanked": False,
        "core-metadata": {"sha256": sha256(old.metadata or b"")},
        "data-dist-info-metadata": {"sha256": sha256(old.metadata or b"")}, "gpg-sig": False, "provenance": None}
    assert b["yanked"] == new.yanked
    assert b["provenance"] == f"../../integrity/demo/2.0/{new.filename}/provenance"
    # the proxy asked upstream for JSON first
    assert any(p == "/simple/demo/" and a.startswith(JSON_V1) for p, a in index.accepts)


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.anchors.append(dict(attrs))


@pytest.mark.parametrize("accept", [None, "text/html", "application/vnd.pypi.simple.v1+html"])
def test_html_page(index: Index, start_proxy: StartProxy, accept: str | None) -> None:
    old, new = demo(index)
    index.json_api = False  # an upstream that speaks HTML only: the proxy still offers both
    proxy = start_proxy()
    resp = get(f"{proxy.simple}demo/", headers={"Accept": accept} if accept else {})
    assert resp.status_code == 200
    assert resp.headers["content-type"] == f"{accept or 'text/html'}; charset=utf-8"
    assert resp.headers["vary"] == "Accept"
    p = _Anchors()
    p.feed(resp.text)
    a, b = p.anchors
    assert a["href"] == f"../../files/demo/{sha256(old.data)}/{old.filename}#sha256={sha256(old.data)}"
    assert a["data-requires-python"] == ">=3.8" and "data-yanked" not in a
    assert a["data-core-metadata"] == a["data-dist-info-metadata"] == f"sha256={sha256(old.metadata or b'')}"
    assert a["data-gpg-sig"] == "false"
    assert b["data-yanked"] == new.yanked
    assert b["data-provenance"] == f"../../integrity/demo/2.0/{new.filename}/provenance"
    assert "<b>" not in resp.text
    # the same page as JSON, from an HTML-only upstream (no size known: API 1.0)
    doc = get(f"{proxy.simple}demo/?format={JSON_V1}").json()
    assert doc["meta"]["api-version"] == "1.0" and len(doc["files"]) == 2


def test_redirects_as_pypi(index: Index, start_proxy: StartProxy) -> None:
    demo(index)
    index.add("foo-bar", make_wheel("foo-bar", "1.0"))
    proxy = start_proxy()
    for path, to in [("/simple", "/simple/"), ("/simple/demo", "/simple/demo/"),
                     ("/simple/Foo.Bar/", "/simple/foo-bar/"),
                     ("/simple/FOO_bar/?format=x", "/simple/foo-bar/?format=x"),
                     ("/simple/Foo.Bar", "/simple/Foo.Bar/")]:
        resp = get(proxy.url + path)
        assert resp.status_code == 301, path
        assert resp.headers["location"] == proxy.url + to
    assert get(f"{proxy.simple}Foo.Bar", follow_redirects=True).url == f"{proxy.simple}foo-bar/"
    assert get(f"{proxy.simple}nope/").status_code == 404
    resp = get(f"{proxy.simple}%3Cscript%3E/")
    assert resp.status_code == 404 and resp.headers["content-type"].startswith("text/plain")


def test_project_list(index: Index, start_proxy: StartProxy) -> None:
    demo(index)
    index.add("Foo.Bar", make_wheel("foo-bar", "1.0"))
    proxy = start_proxy()
    doc = get(proxy.simple, headers={"Accept": JSON_V1}).json()
    assert doc["projects"] == [{"name": "demo"}, {"name": "Foo.Bar"}]
    html = get(proxy.simple).text
    assert '<a href="demo/">demo</a>' in html and '<a href="foo-bar/">Foo.Bar</a>' in html


def test_download_is_decided_hash_checked_cached_and_logged(index: Index, start_proxy: StartProxy,
                                                           rules: RulesDecider) -> None:
    old, _ = demo(index)
    proxy = start_proxy()
    url = file_url(proxy.simple, "demo", old.filename)
    for n in (1, 2):
        resp = get(url)
        assert resp.status_code == 200 and resp.content == old.data
        assert resp.headers["content-length"] == str(len(old.data))
        assert resp.headers["x-pyslsa-verdict"] == "unattested"
        assert resp.headers["cache-control"] == "no-store"
        assert rules.calls == n  # decided on every request: verdicts are never cached
    assert index.hits[f"/files/{old.filename}"] == 1  # the bytes are
    assert proxy.blobs() == sorted([sha256(old.data)])
    assert proxy.parts() == []
    (req,) = {(r.project, r.version, r.filename, r.sha256, r.provenance) for r in rules.requests}
    assert req == ("demo", "1.0", old.filename, sha256(old.data), None)
    log = proxy.log()
    assert [(r["filename"], r["verdict"], r["action"], r["status"]) for r in log] == [
        (old.filename, "unattested", "served", 200)] * 2
    # a URL whose digest the upstream does not list for that name is not served
    bad = url.replace(sha256(old.data), "0" * 64)
    assert get(bad).status_code == 404
    assert get(url.replace("/demo/", "/Demo/")).status_code == 404
    assert get(url.replace(old.filename, "demo-9.0-py3-none-any.whl")).status_code == 404


def test_refused_download_is_403_with_the_code(index: Index, start_proxy: StartProxy, rules: RulesDecider) -> None:
    old, new = demo(index)
    rules.write({"fail": {"demo==2.0": {"code": "publisher-changed", "message": "publisher was X, now Y"}}})
    proxy = start_proxy()
    resp = get(file_url(proxy.simple, "demo", new.filename))
    assert resp.status_code == 403
    assert resp.text == f"refused by pyslsa serve: {new.filename}: [publisher-changed] publisher was X, now Y\n"
    assert resp.headers["x-pyslsa-code"] == "publisher-changed"
    assert index.hits[f"/files/{new.filename}"] == 0  # refused before fetching the bytes
    assert get(file_url(proxy.simple, "demo", old.filename)).status_code == 200
    refused = [r for r in proxy.log() if r["action"] == "refused"]
    assert [(r["filename"], r["code"], r["evidence"]) for r in refused] == [
        (new.filename, "publisher-changed", {"rule": "demo==2.0"})]


def test_policy_edit_applies_without_restart(index: Index, start_proxy: StartProxy, rules: RulesDecider) -> None:
    old, _ = demo(index)
    proxy = start_proxy()
    url = file_url(proxy.simple, "demo", old.filename)
    assert get(url).status_code == 200
    rules.write({"require": "all"})
    resp = get(url)
    assert resp.status_code == 403 and "[unattested]" in resp.text
    rules.write({"require": "all", "allow": ["demo"]})
    resp = get(url)
    assert resp.status_code == 200 and resp.headers["x-pyslsa-verdict"] == "allowed"
    assert [r["verdict"] for r in proxy.log()] == ["unattested", "failed", "allowed"]
    assert index.hits[f"/files/{old.filename}"] == 1


def test_a_broken_decider_fails_closed(index: Index, start_proxy: StartProxy, rules: RulesDecider) -> None:
    old, _ = demo(index)
    rules.write({"raise": [old.filename]})
    proxy = start_proxy()
    resp = get(file_url(proxy.simple, "demo", old.filename))
    assert resp.status_code == 403 and "[decider-error]" in resp.text and "RuntimeError" in resp.text

    class Wrong:
        def decide(self, request: object) -> object:
            return "verified"

        def describe(self) -> str:
            return "returns a string"

    proxy = start_proxy(decider=Wrong())
    resp = get(file_url(proxy.simple, "demo", old.filename))
    assert resp.status_code == 403 and "[decider-error]" in resp.text

    class Sloppy(Wrong):
        def decide(self, request: object) -> object:
            return Decision("verified", None, None)  # type: ignore[arg-type]

    proxy = start_proxy(decider=Sloppy())
    resp = get(file_url(proxy.simple, "demo", old.filename))
    assert resp.status_code == 403 and "[decider-error]" in resp.text


@pytest.mark.parametrize(("mode", "action"), [("warn", "warned"), ("dry-run", "would-refuse")])
def test_warn_and_dry_run_serve_and_log(index: Index, start_proxy: StartProxy, rules: RulesDecider, mode: str,
                                        action: str) -> None:
    _, new = demo(index)
    rules.write({"fail": {new.filename: {"code": "mismatch-source", "message": "other repository"}}})
    proxy = start_proxy(mode=mode)
    resp = get(file_url(proxy.simple, "demo", new.filename))
    assert resp.status_code == 200 and resp.content == new.data
    assert resp.headers["x-pyslsa-verdict"] == "failed" and resp.headers["x-pyslsa-code"] == "mismatch-source"
    (rec,) = proxy.log()
    assert (rec["verdict"], rec["code"], rec["action"], rec["mode"]) == ("failed", "mismatch-source", action, mode)


def test_hide_leaves_failing_files_off_the_pages(index: Index, start_proxy: StartProxy, rules: RulesDecider) -> None:
    old, new = demo(index)
    rules.write({"fail": {"demo==2.0": {"code": "attestation-lost", "message": "pinned, now unattested"}}})
    proxy = start_proxy(on_fail="hide")
    assert [f["filename"] for f in page_json(proxy.simple, "demo")["files"]] == [old.filename]
    assert new.filename not in get(f"{proxy.simple}demo/").text
    assert [(r["filename"], r["action"]) for r in proxy.log()] == [(new.filename, "hidden")] * 2
    # a client that knows the URL still cannot download it
    url = f"{proxy.url}/files/demo/{sha256(new.data)}/{new.filename}"
    assert get(url).status_code == 403
    # warn mode does not hide
    proxy = start_proxy(on_fail="hide", mode="warn")
    assert len(page_json(proxy.simple, "demo")["files"]) == 2


def test_metadata_is_proxied_and_hash_checked(index: Index, start_proxy: StartProxy) -> None:
    old, new = demo(index)
    new.listed_metadata_sha256 = "e" * 64  # the upstream lies about the metadata
    proxy = start_proxy()
    resp = get(file_url(proxy.simple, "demo", old.filename) + ".metadata")
    assert resp.status_code == 200 and resp.content == old.metadata
    assert get(file_url(proxy.simple, "demo", old.filename) + ".metadata").content == old.metadata
    assert index.hits[f"/files/{old.filename}.metadata"] == 1
    resp = get(file_url(proxy.simple, "demo", new.filename) + ".metadata")
    assert resp.status_code == 502 and "[mismatch-index-digest]" in resp.text
    assert "e" * 64 not in proxy.blobs() and sha256(new.metadata or b"") not in proxy.blobs()
    assert proxy.parts() == []


def test_integrity_endpoint_serves_the_raw_provenance(index: Index, start_proxy: StartProxy,
                                                      rules: RulesDecider) -> None:
    d = Dist(SDIST, SDIST_BYTES, provenance=PROVENANCE)
    index.add("pypi-attestations", d)
    rules.write({"pep740": {"pypi-attestations": PA_REPO}})
    proxy = start_proxy()
    e = entry(proxy.simple, "pypi-attestations", SDIST)
    prov_url = str(httpx.URL(f"{proxy.simple}pypi-attestations/").join(e["provenance"]))
    assert prov_url == f"{proxy.url}/integrity/pypi-attestations/0.0.19/{SDIST}/provenance"
    resp = get(prov_url, headers={"Accept": INTEGRITY_V1})
    assert resp.status_code == 200 and resp.content == PROVENANCE
    assert resp.headers["content-type"] == INTEGRITY_V1
    assert get(prov_url, headers={"Accept": "application/json"}).headers["content-type"] == "application/json"
    assert get(prov_url, headers={"Accept": "text/html"}).status_code == 406
    assert get(prov_url.replace("0.0.19", "0.0.18")).status_code == 404
    # the real provenance, verified by pyslsa's core in the decider: the sdist is served as verified
    resp = get(file_url(proxy.simple, "pypi-attestations", SDIST))
    assert resp.status_code == 200 and resp.content == SDIST_BYTES
    assert resp.headers["x-pyslsa-verdict"] == "verified"
    assert rules.requests[-1].provenance == PROVENANCE
    assert index.hits[index.provenance_path("pypi-attestations", d)] == 1  # the raw evidence is cached
    (rec,) = proxy.log()
    assert rec["verdict"] == "verified" and rec["message"] == "PEP 740: GitHub trailofbits/pypi-attestations " \
                                                              "(release.yml)"
    assert rec["evidence"]["evidence"][0]["verified"] is True


def test_real_evidence_for_another_repository_or_tampered_is_refused(index: Index, start_proxy: StartProxy,
                                                                     rules: RulesDecider) -> None:
    index.add("pypi-attestations", Dist(SDIST, SDIST_BYTES, provenance=PROVENANCE))
    rules.write({"pep740": {"pypi-attestations": "github.com/evil/pypi-attestations"}})
    proxy = start_proxy()
    url = file_url(proxy.simple, "pypi-attestations", SDIST)
    resp = get(url)
    assert resp.status_code == 403 and "[mismatch-source]" in resp.text
    # the same file with a provenance whose signature was tampered with (a fresh proxy: nothing cached)
    doc = json.loads(PROVENANCE)
    att = doc["attestation_bundles"][0]["attestations"][0]
    sig = bytearray(att["envelope"]["signature"].encode())
    sig[10] = ord("A") if sig[10] != ord("A") else ord("B")
    att["envelope"]["signature"] = sig.decode()
    index.projects["pypi-attestations"][0].provenance = json.dumps(doc).encode()
    rules.write({"pep740": {"pypi-attestations": PA_REPO}})
    proxy = start_proxy()
    resp = get(file_url(proxy.simple, "pypi-attestations", SDIST))
    assert resp.status_code == 403 and "[invalid-signature]" in resp.text, resp.text
    # and a required attestation that is absent
    index.projects["pypi-attestations"][0].provenance = None
    proxy = start_proxy()
    resp = get(file_url(proxy.simple, "pypi-attestations", SDIST))
    assert resp.status_code == 403 and "[unattested]" in resp.text


def test_integrity_api_asked_when_pages_are_silent(index: Index, start_proxy: StartProxy,
                                                   rules: RulesDecider) -> None:
    d = Dist(SDIST, SDIST_BYTES, provenance=PROVENANCE)
    index.add("pypi-attestations", d)
    index.provenance_in_pages = False
    rules.write({"pep740": {"pypi-attestations": PA_REPO}})
    proxy = start_proxy()
    assert "provenance" not in entry(proxy.simple, "pypi-attestations", SDIST)
    resp = get(file_url(proxy.simple, "pypi-attestations", SDIST))
    assert resp.headers["x-pyslsa-verdict"] == "verified"
    assert index.hits[index.provenance_path("pypi-attestations", d)] == 1
    resp = get(f"{proxy.url}/integrity/pypi-attestations/0.0.19/{SDIST}/provenance")
    assert resp.status_code == 200 and resp.content == PROVENANCE


def test_verify_release_works_through_the_proxy(index: Index, start_proxy: StartProxy,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """pyslsa's own client reads the proxy's pages, downloads through it and fetches the rewritten provenance."""
    index.add("pypi-attestations", Dist(SDIST, SDIST_BYTES, provenance=PROVENANCE))
    proxy = start_proxy()
    code = main(["verify-release", "pypi-attestations==0.0.19", "--source-uri", PA_REPO, "--index-url",
                 proxy.simple, "--no-github", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0, doc
    (f,) = doc["files"]
    assert f["evidence"][0]["source"] == f"{proxy.url}/integrity/pypi-attestations/0.0.19/{SDIST}/provenance"


def test_concurrent_downloads_make_one_upstream_fetch(index: Index, start_proxy: StartProxy) -> None:
    big = make_wheel("big", "1.0", payload=bytes(range(256)) * 8192)  # 2 MiB
    index.add("big", big)
    from tests.serve.upstream_index import Misbehave

    index.misbehave[f"/files/{big.filename}"] = Misbehave(delay=0.5)  # the fetch is still running for the others
    proxy = start_proxy()
    url = file_url(proxy.simple, "big", big.filename)
    results: list[bytes] = []
    lock = threading.Lock()

    def one() -> None:
        body = get(url).content
        with lock:
            results.append(body)

    threads = [threading.Thread(target=one) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 20 and all(r == big.data for r in results)
    assert index.hits[f"/files/{big.filename}"] == 1
    assert len(proxy.log()) == 20


def test_a_corrupt_cache_entry_is_dropped_and_fetched_again(index: Index, start_proxy: StartProxy) -> None:
    old, _ = demo(index)
    proxy = start_proxy()
    url = file_url(proxy.simple, "demo", old.filename)
    assert get(url).content == old.data
    assert proxy.config.cache_dir is not None
    blob = proxy.config.cache_dir / "blobs" / sha256(old.data)[:2] / sha256(old.data)
    for corrupt in (b"X" + old.data[1:], old.data[:-1], old.data + b"\0"):
        blob.chmod(0o644)
        blob.write_bytes(corrupt)
        resp = get(url)
        assert resp.status_code == 200 and resp.content == old.data
        assert hashlib.sha256(blob.read_bytes()).hexdigest() == sha256(old.data)
    assert index.hits[f"/files/{old.filename}"] == 4


def test_status_json_and_health(index: Index, start_proxy: StartProxy, rules: RulesDecider) -> None:
    old, new = demo(index)
    rules.write({"fail": {new.filename: {"code": "mismatch-source", "message": "nope"}}, "policy": "team policy"})
    proxy = start_proxy()
    get(file_url(proxy.simple, "demo", old.filename))
    get(file_url(proxy.simple, "demo", new.filename))
    doc = get(f"{proxy.url}/-/decisions.json").json()
    assert doc["schema"] == "pyslsa-serve-decisions/1" and doc["mode"] == "enforce" and doc["on_fail"] == "block"
    assert doc["upstream"] == f"{index.base}/simple/" and doc["policy"].startswith("team policy (rules.json")
    assert doc["counts"] == {"verified": 0, "unattested": 1, "allowed": 0, "failed": 1}
    assert [(d["filename"], d["verdict"], d["action"]) for d in doc["decisions"]] == [
        (new.filename, "failed", "refused"), (old.filename, "unattested", "served")]  # newest first
    assert get(f"{proxy.url}/-/health").json()["status"] == "ok"


def test_cache_and_log_problems_are_usage_errors(tmp_path: Path, index: Index, rules: RulesDecider) -> None:
    from pyslsa.errors import UsageError
    from pyslsa.serve import ServeConfig, create_app

    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="cache directory"):
        create_app(ServeConfig(upstream=f"{index.base}/simple/", cache_dir=tmp_path / "file" / "c"), rules)
    with pytest.raises(UsageError, match="decision log"):
        create_app(ServeConfig(upstream=f"{index.base}/simple/", cache_dir=tmp_path / "c",
                               log_file=tmp_path / "missing" / "log.jsonl"), rules)
    with pytest.raises(UsageError, match="decider"):
        create_app(ServeConfig(upstream=f"{index.base}/simple/", cache_dir=tmp_path / "c"), object())  # type: ignore[arg-type]
