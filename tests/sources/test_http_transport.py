"""The HTTP engine's transport seam (``HttpClient(transport=...)``, ``transport_override``): what it replaces (where
the bytes come from) and what it does not (every check of the engine still runs on the answers)."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from pyslsa.errors import DownloadError, MismatchIndexDigestError
from pyslsa.sources.http import HttpClient, transport_override
from tests.conftest import DEAD_LOOPBACK

Handler = Callable[[httpx.Request], httpx.Response]


class Recording(httpx.MockTransport):
    """A MockTransport that records the requests it answers and whether it was closed."""

    def __init__(self, handler: Handler) -> None:
        self.seen: list[httpx.Request] = []
        self.closed = False

        def record(request: httpx.Request) -> httpx.Response:
            self.seen.append(request)
            return handler(request)

        super().__init__(record)

    def close(self) -> None:
        self.closed = True


def answer(body: bytes, status: int = 200, **headers: str) -> Handler:
    return lambda request: httpx.Response(status, headers=headers, stream=httpx.ByteStream(body))


def test_a_client_given_a_transport_uses_it() -> None:
    t = Recording(answer(b"hello"))
    with HttpClient(transport=t) as client:
        resp = client.get("http://index.test/simple/")
    assert resp is not None and resp.content == b"hello" and resp.url == "http://index.test/simple/"
    assert [str(r.url) for r in t.seen] == ["http://index.test/simple/"]
    assert t.closed is False  # the transport is its owner's: closing the client leaves it open


def test_the_override_reaches_every_client_and_ends_with_its_block() -> None:
    outer, inner = Recording(answer(b"outer")), Recording(answer(b"inner"))
    with transport_override(outer):
        a = HttpClient()
        with transport_override(inner):
            b = HttpClient()
            assert (b.get("http://x.test/") or pytest.fail()).content == b"inner"
        # a client reads the override on its first request: the inner block has ended by now
        assert (a.get("http://x.test/") or pytest.fail()).content == b"outer"
        own = Recording(answer(b"own"))
        assert (HttpClient(transport=own).get("http://x.test/") or pytest.fail()).content == b"own"  # its own wins
        a.close()
        b.close()
    assert not outer.closed and not inner.closed
    # outside any block: the network again (a closed loopback port here)
    with pytest.raises(DownloadError, match="unreachable"), HttpClient(attempts=1) as client:
        client.get(f"{DEAD_LOOPBACK}/simple/")


def test_caps_count_on_answers_from_memory() -> None:
    declared = Recording(answer(b"x" * 100, **{"Content-Length": "100"}))
    with HttpClient(transport=declared) as client, pytest.raises(DownloadError, match=r"too large \(100 bytes"):
        client.get("http://x.test/", max_bytes=99)  # refused on its Content-Length
    with HttpClient(transport=Recording(answer(b"x" * 100))) as client, pytest.raises(DownloadError, match="of 99"):
        client.get("http://x.test/", max_bytes=99)  # no Content-Length: counted as read
    bomb = gzip.compress(b" " * (1 << 20))
    t = Recording(answer(bomb, **{"Content-Encoding": "gzip"}))
    with HttpClient(transport=t) as client, pytest.raises(DownloadError, match="limit of 65536"):
        client.get("http://x.test/", accept="application/json", max_bytes=65536)  # decoded bytes count


def test_redirects_and_credentials_are_checked_on_answers_from_memory() -> None:
    def site(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/down":
            return httpx.Response(302, headers={"Location": "http://x.test/plain"})
        if request.url.path == "/away":
            return httpx.Response(302, headers={"Location": "https://other.test/here"})
        return httpx.Response(200, content=b"ok")

    t = Recording(site)
    with HttpClient(transport=t, headers={"Authorization": "Bearer t0ken"}) as client:
        with pytest.raises(DownloadError, match="https down to http"):
            client.get("https://x.test/down")
        assert client.get("https://x.test/away") is not None
    assert [str(r.url) for r in t.seen] == ["https://x.test/down", "https://x.test/away", "https://other.test/here"]
    assert t.seen[1].headers.get("Authorization") == "Bearer t0ken"
    assert "Authorization" not in t.seen[2].headers  # dropped on leaving the origin first asked
    with pytest.raises(DownloadError, match="not an http"), HttpClient(transport=t) as client:
        client.get("file:///etc/passwd")
    assert len(t.seen) == 3  # refused before the transport is asked


def test_downloads_are_hash_checked_from_memory(tmp_path: Path) -> None:
    data = b"the genuine bytes"
    with HttpClient(transport=Recording(answer(data + b"!"))) as client, pytest.raises(MismatchIndexDigestError):
        client.download("http://x.test/f", tmp_path, "f.whl", sha256=hashlib.sha256(data).hexdigest())
    assert list(tmp_path.iterdir()) == []  # no part file, no file
    with HttpClient(transport=Recording(answer(data))) as client:
        path, _ = client.download("http://x.test/f", tmp_path, "f.whl", sha256=hashlib.sha256(data).hexdigest())
    assert path.read_bytes() == data
