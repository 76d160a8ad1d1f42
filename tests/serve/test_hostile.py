"""A hostile or broken upstream: wrong bytes, redirects to other hosts, huge and endless pages, slow bodies, 5xx,
timeouts, encodings, evidence on other hosts, a slow decider, and a shutdown in the middle of a download. Every
case fails closed, with the reason and the code, and leaves nothing in the cache (no blob, no part file)."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from pyslsa.serve import Decision, DecisionRequest, Limits, ServeConfig, running
from tests.serve.conftest import Proxy, StartProxy
from tests.serve.dists import make_wheel
from tests.serve.helpers import file_url, get, page_json
from tests.serve.rules import RulesDecider
from tests.serve.upstream_index import Dist, Index, Misbehave, sha256

FAST = Limits(connect_timeout=2, read_timeout=1, page_deadline=3, file_deadline=3, upstream_attempts=2,
              retry_backoff=0.05)


def one(index: Index, name: str = "demo", version: str = "1.0", **kw: object) -> Dist:
    d = make_wheel(name, version)
    for k, v in kw.items():
        setattr(d, k, v)
    index.add(name, d)
    return d


def assert_nothing_cached(proxy: Proxy, d: Dist) -> None:
    assert sha256(d.data) not in proxy.blobs()
    assert proxy.parts() == []


def assert_error_logged(proxy: Proxy, d: Dist, code: str, status: int) -> None:
    errors = [r for r in proxy.log() if r["action"] == "error"]
    assert errors and all((r["filename"], r["code"], r["status"], r["verdict"]) == (d.filename, code, status, "failed")
                          for r in errors)


def test_bytes_other_than_the_listed_digest_are_never_served_or_cached(index: Index, start_proxy: StartProxy) -> None:
    d = one(index)
    index.misbehave[f"/files/{d.filename}"] = Misbehave(body=b"Y" + d.data[1:])  # same size, other bytes
    proxy = start_proxy()
    url = file_url(proxy.simple, "demo", d.filename)
    for _ in range(2):
        resp = get(url)
        assert resp.status_code == 502
        assert "[mismatch-index-digest]" in resp.text and f"the index lists sha256:{sha256(d.data)}" in resp.text
    assert index.hits[f"/files/{d.filename}"] == 2  # nothing was cached, so it was asked again
    assert_nothing_cached(proxy, d)
    assert_error_logged(proxy, d, "mismatch-index-digest", 502)
    del index.misbehave[f"/files/{d.filename}"]
    assert get(url).content == d.data  # the upstream repaired: served


def test_a_wrong_listed_digest_fails(index: Index, start_proxy: StartProxy) -> None:
    d = one(index)
    d.listed_sha256 = sha256(b"something else")
    proxy = start_proxy()
    resp = get(file_url(proxy.simple, "demo", d.filename))
    assert resp.status_code == 502 and "[mismatch-index-digest]" in resp.text
    assert sha256(b"something else") not in proxy.blobs() and proxy.parts() == []


@pytest.mark.parametrize(("misbehave", "code", "reason"), [
    (lambda d: Misbehave(body=d.data + b"tail"), "mismatch-index-digest", "answer too large"),
    (lambda d: Misbehave(body=d.data + b"tail", declared_length=len(d.data) + 4), "mismatch-index-digest", "too"),
    (lambda d: Misbehave(declared_length=len(d.data) - 10), "mismatch-index-digest", "sha256"),
    (lambda d: Misbehave(content_encoding="gzip"), "download-failed", "Content-Encoding 'gzip'"),
    (lambda d: Misbehave(status=404), "download-failed", "HTTP 404"),
    (lambda d: Misbehave(status=403), "download-failed", "HTTP 403"),
])
def test_broken_file_answers(index: Index, start_proxy: StartProxy, misbehave: object, code: str,
                             reason: str) -> None:
    d = one(index)
    index.misbehave[f"/files/{d.filename}"] = misbehave(d)  # type: ignore[operator]
    proxy = start_proxy(limits=FAST)
    resp = get(file_url(proxy.simple, "demo", d.filename))
    assert resp.status_code == 502, resp.text
    assert f"[{code}]" in resp.text and reason in resp.text
    assert_nothing_cached(proxy, d)


def test_redirect_to_another_host_is_refused(index: Index, start_proxy: StartProxy) -> None:
    d = one(index)
    port = index.base.rsplit(":", 1)[1]
    elsewhere = f"http://localhost:{port}/elsewhere/{d.filename}"  # the same server under another host name
    index.static[f"/elsewhere/{d.filename}"] = d.data
    index.misbehave[f"/files/{d.filename}"] = Misbehave(redirect=elsewhere)
    proxy = start_proxy(limits=FAST)
    resp = get(file_url(proxy.simple, "demo", d.filename))
    assert resp.status_code == 502 and "redirects to another host are refused" in resp.text
    assert index.hits[f"/elsewhere/{d.filename}"] == 0
    assert_nothing_cached(proxy, d)
    # unless the operator allows that host
    proxy = start_proxy(limits=FAST, file_hosts=(f"localhost:{port}",))
    resp = get(file_url(proxy.simple, "demo", d.filename))
    assert resp.status_code == 200 and resp.content == d.data


def test_same_host_redirects_are_followed_within_bounds(index: Index, start_proxy: StartProxy) -> None:
    d = one(index)
    e = one(index, version="2.0")
    index.static[f"/storage/{d.filename}"] = d.data
    index.misbehave[f"/files/{d.filename}"] = Misbehave(redirect=f"/storage/{d.filename}")
    index.misbehave[f"/files/{e.filename}"] = Misbehave(redirect=f"/files/{e.filename}")  # a loop
    proxy = start_proxy(limits=FAST)
    assert get(file_url(proxy.simple, "demo", d.filename)).content == d.data
    resp = get(file_url(proxy.simple, "demo", e.filename))
    assert resp.status_code == 502 and "more than 3 redirects" in resp.text


def test_file_and_evidence_urls_on_other_hosts_are_refused(index: Index, start_proxy: StartProxy,
                                                           rules: RulesDecider) -> None:
    port = index.base.rsplit(":", 1)[1]
    d = one(index, url=f"http://localhost:{port}/files/demo-1.0-py3-none-any.whl")
    e = one(index, version="2.0", provenance=b"{}",
            provenance_url=f"http://localhost:{port}/integrity/demo/2.0/demo-2.0-py3-none-any.whl/provenance")
    proxy = start_proxy(limits=FAST)
    resp = get(file_url(proxy.simple, "demo", d.filename))
    assert resp.status_code == 502 and "neither the upstream's nor a configured file host" in resp.text
    resp = get(file_url(proxy.simple, "demo", e.filename))
    assert resp.status_code == 502 and "[download-failed]" in resp.text and "provenance" in resp.text
    assert rules.calls == 1  # the decider never saw a file without its evidence
    assert index.hits[f"/files/{d.filename}"] == 0 and index.hits[f"/files/{e.filename}"] == 0
    # in hide mode a file whose evidence cannot be fetched is left off the page
    proxy = start_proxy(limits=FAST, on_fail="hide")
    assert [f["filename"] for f in page_json(proxy.simple, "demo")["files"]] == [d.filename]


def test_huge_and_endless_pages_are_cut(index: Index, start_proxy: StartProxy) -> None:
    one(index)
    one(index, name="endless")
    one(index, name="liar")
    limits = Limits(max_page_bytes=64 * 1024, read_timeout=5, page_deadline=20)
    index.misbehave["/simple/demo/"] = Misbehave(body=b"<a>" * 30_000)  # 90 kB, declared
    index.misbehave["/simple/endless/"] = Misbehave(endless=True)  # chunked, never ends
    index.misbehave["/simple/liar/"] = Misbehave(body=b"<a>" * 30_000, declared_length=100)
    proxy = start_proxy(limits=limits)
    resp = get(f"{proxy.simple}demo/")
    assert resp.status_code == 502 and "answer too large (90000 bytes, limit 65536)" in resp.text
    resp = get(f"{proxy.simple}endless/")
    assert resp.status_code == 502 and "larger than the limit of 65536 bytes" in resp.text
    resp = get(f"{proxy.simple}liar/")  # the lying Content-Length is what is read: a truncated page
    assert resp.status_code == 502 and "is not valid JSON" in resp.text


def test_a_slow_body_is_cut_at_the_deadline(index: Index, start_proxy: StartProxy) -> None:
    d = one(index)
    index.misbehave[f"/files/{d.filename}"] = Misbehave(drip=0.05)  # ~1000 bytes, 1 byte per 50 ms: ~50 s
    proxy = start_proxy(limits=Limits(read_timeout=2, file_deadline=1.5))
    resp = get(file_url(proxy.simple, "demo", d.filename))
    assert resp.status_code == 504 and "not complete within 1.5 s" in resp.text
    assert_nothing_cached(proxy, d)
    assert_error_logged(proxy, d, "download-failed", 504)


def test_upstream_5xx_timeouts_and_outages(index: Index, start_proxy: StartProxy, tmp_path: Path,
                                           rules: RulesDecider) -> None:
    d = one(index)
    one(index, name="flaky")
    one(index, name="slow")
    index.misbehave["/simple/demo/"] = Misbehave(status=500)
    index.misbehave["/simple/flaky/"] = Misbehave(fail_first=1)  # one 503, then fine: retried
    index.misbehave["/simple/slow/"] = Misbehave(delay=3)
    proxy = start_proxy(limits=FAST)
    resp = get(f"{proxy.simple}demo/")
    assert resp.status_code == 502 and "failed after 2 attempt(s): HTTP 500" in resp.text
    assert index.hits["/simple/demo/"] == 2
    assert get(f"{proxy.simple}flaky/").status_code == 200
    resp = get(f"{proxy.simple}slow/")
    assert resp.status_code == 504 and "timed out" in resp.text
    # a download whose page cannot be had: 502, logged
    resp = get(f"{proxy.url}/files/demo/{sha256(d.data)}/{d.filename}")
    assert resp.status_code == 502
    assert_error_logged(proxy, d, "download-failed", 502)
    # an upstream that is not there at all
    with running(ServeConfig(upstream="http://127.0.0.1:9/simple/", cache_dir=tmp_path / "c9", port=0,
                             limits=FAST), rules) as url:
        resp = get(f"{url}/simple/demo/")
        assert resp.status_code == 502 and "ConnectError" in resp.text
        assert get(f"{url}/simple/").status_code == 502


def test_hostile_names_never_reach_a_page_or_a_path(index: Index, start_proxy: StartProxy) -> None:
    good = one(index)
    for name in ('<script>alert(1)</script>-1.0.tar.gz', 'demo-1.0"onmouseover="alert(1).tar.gz',
                 "..%2F..%2Fdemo-1.0.tar.gz", "demo-3.0.tar.gz/../../x"):
        index.add("demo", Dist(name, b"x"))
    proxy = start_proxy()
    assert [f["filename"] for f in page_json(proxy.simple, "demo")["files"]] == [good.filename]
    html = get(f"{proxy.simple}demo/").text
    assert "<script>" not in html and "onmouseover" not in html and ".." not in html.replace("../../", "")
    # a URL of the proxy with a path in it is no file of the proxy
    for path in (f"/files/demo/{sha256(b'x')}/..%2F..%2Fetc%2Fpasswd", "/files/..%2Fdemo/x/y",
                 f"/files/demo/{sha256(b'x')}/%3Cscript%3E.whl"):
        assert get(proxy.url + path).status_code == 404
    assert proxy.blobs() == []


def test_a_decider_that_hangs_fails_closed(index: Index, start_proxy: StartProxy) -> None:
    d = one(index)
    release = threading.Event()

    class Hangs:
        def decide(self, request: DecisionRequest) -> Decision:
            release.wait(30)
            return Decision("verified")

        def describe(self) -> str:
            return "hangs"

    proxy = start_proxy(decider=Hangs(), limits=Limits(decide_timeout=0.5))
    try:
        resp = get(file_url(proxy.simple, "demo", d.filename))
        assert resp.status_code == 403 and "[decider-error] no decision within 0.5 s" in resp.text
        assert index.hits[f"/files/{d.filename}"] == 0
    finally:
        release.set()


def test_shutdown_mid_download_leaves_no_part_file(index: Index, tmp_path: Path, rules: RulesDecider) -> None:
    d = make_wheel("big", "1.0", payload=b"z" * 200_000)
    index.add("big", d)
    index.misbehave[f"/files/{d.filename}"] = Misbehave(drip=0.05, drip_bytes=4096)  # ~2.5 s: longer than the grace
    config = ServeConfig(upstream=f"{index.base}/simple/", cache_dir=tmp_path / "c", port=0,
                         limits=Limits(shutdown_grace=1))
    outcome: list[object] = []
    with running(config, rules) as url:
        target = file_url(f"{url}/simple/", "big", d.filename)

        def client() -> None:
            try:
                outcome.append(httpx.get(target, timeout=60).status_code)
            except httpx.HTTPError as exc:
                outcome.append(exc)

        t = threading.Thread(target=client)
        t.start()
        parts = tmp_path / "c" / "tmp"
        while not any(parts.glob("*.part")) and t.is_alive():
            t.join(0.01)
        assert any(parts.glob("*.part"))  # the download is in progress
    t.join(60)
    assert list(parts.iterdir()) == []  # cancelled at shutdown, its part file removed
    assert not (tmp_path / "c" / "blobs" / sha256(d.data)[:2]).exists()
    assert outcome and outcome[0] != 200
