"""Legacy provenance looked up in a test Rekor: the positive path end to end, and every fault. The log is served
from memory (through the HTTP engine's transport seam) except for the end-to-end CLI test and the faults only a
socket plays (a hang, a slow drip), which use the loopback server."""

from __future__ import annotations

import copy
import json
import socket
from pathlib import Path
from typing import Any

import pytest

import pyslsa
from pyslsa.cli import main
from pyslsa.core.bundle import LegacyEnvelope, parse_document
from pyslsa.core.trust import TrustedRoot
from pyslsa.errors import VerificationError
from pyslsa.sources.rekor import RekorClient, lookup_and_verify
from tests.authority import Authority, legacy_envelope
from tests.local_provenance import DIGEST, GEN
from tests.local_provenance import gh_claims as _gh_claims
from tests.local_provenance import provenance as _provenance
from tests.memory_net import rekor_in_memory
from tests.rekor_server import RekorState, rekor_server

SAN = GEN + "@refs/tags/v2.1.0"


@pytest.fixture(scope="module")
def auth() -> Authority:
    return Authority()


@pytest.fixture
def world(auth: Authority, tmp_path: Path) -> dict[str, Any]:
    line, answer = legacy_envelope(auth, _provenance(), san=SAN, claims=_gh_claims())
    prov = tmp_path / "legacy.intoto.jsonl"
    prov.write_bytes(line)
    root = tmp_path / "root.json"
    root.write_text(json.dumps(auth.trusted_root()))
    return {"line": line, "answer": answer, "prov": prov, "root": root}


def _api(world: dict[str, Any], url: str) -> Any:
    return pyslsa.verify_artifact(DIGEST, world["prov"], source_uri="github.com/o/r", source_tag="v1",
                                  trusted_root=world["root"], rekor_url=url)


def _lookup(world: dict[str, Any], url: str, **client: Any) -> Any:
    legacy = parse_document(world["line"].strip())
    assert isinstance(legacy, LegacyEnvelope)
    client.setdefault("backoff", 0.01)
    return lookup_and_verify(legacy, [DIGEST[7:]], TrustedRoot.from_json(world["root"].read_bytes()),
                             RekorClient(url=url, **client))


def _code(fn: Any) -> str:
    with pytest.raises(VerificationError) as info:
        fn()
    return info.value.code


@pytest.mark.parametrize("kind", ["intoto", "dsse"])
def test_lookup_by_envelope(auth: Authority, tmp_path: Path, kind: str) -> None:
    line, answer = legacy_envelope(auth, _provenance(), san=SAN, claims=_gh_claims(), kind=kind)
    prov = tmp_path / "p.jsonl"
    prov.write_bytes(line)
    state = RekorState()
    state.add(line, answer)
    with rekor_in_memory(state) as url:
        r = pyslsa.verify_artifact(DIGEST, prov, source_uri="github.com/o/r", source_tag="v1",
                                   trusted_root=json.dumps(auth.trusted_root()).encode(), rekor_url=url)
    assert r.commit == "a" * 40 and r.integrated_time is not None
    assert state.requests == ["POST /api/v1/log/entries/retrieve"]


def test_fallback_by_artifact_digest(world: dict[str, Any]) -> None:
    state = RekorState()
    state.add(world["line"], world["answer"], digest=DIGEST[7:], searchable_by_envelope=False)
    with rekor_in_memory(state) as url:
        assert _api(world, url).ref == "refs/tags/v1"
    assert state.requests[1] == "POST /api/v1/index/retrieve" and state.requests[2].startswith("GET ")


def test_cli_online_and_offline(world: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    """End to end on the loopback Rekor (the other lookups here ask it in memory)."""
    state = RekorState()
    state.add(world["line"], world["answer"])
    base = ["verify-artifact", "--provenance-path", str(world["prov"]), "--source-uri", "github.com/o/r",
            "--trusted-root", str(world["root"]), DIGEST]
    with rekor_server(state) as url:
        assert main([*base, "--rekor-url", url]) == 0
        capsys.readouterr()
        assert main([*base, "--offline", "--format", "json"]) == 1
        assert json.loads(capsys.readouterr().out)["error"]["code"] == "tlog-entry-not-found"


def test_retries_then_success(world: dict[str, Any]) -> None:
    state = RekorState(fail_first=2)
    state.add(world["line"], world["answer"])
    with rekor_in_memory(state) as url:
        assert _lookup(world, url, attempts=3).integrated_time is not None


def test_5xx_forever_is_unreachable(world: dict[str, Any]) -> None:
    state = RekorState(fail_first=1000)
    with rekor_in_memory(state) as url, pytest.raises(VerificationError) as info:
        _lookup(world, url, attempts=3)
    assert info.value.code == "tlog-unreachable" and url in info.value.message and "HTTP 500" in info.value.message


def test_connection_refused(world: dict[str, Any]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert _code(lambda: _lookup(world, f"http://127.0.0.1:{port}", attempts=2)) == "tlog-unreachable"


def test_timeout(world: dict[str, Any]) -> None:
    with rekor_server(RekorState(mode="hang")) as url:
        assert _code(lambda: _lookup(world, url, timeout=0.3, attempts=2)) == "tlog-unreachable"


def test_slow_drip_hits_the_deadline(world: dict[str, Any]) -> None:
    with rekor_server(RekorState(mode="slow")) as url:
        assert _code(lambda: _lookup(world, url, timeout=5, deadline=1.0, attempts=1)) == "tlog-unreachable"


@pytest.mark.parametrize("mode", ["garbage", "wrong-shape", "huge"])
def test_bad_answers_never_pass(world: dict[str, Any], mode: str) -> None:
    with rekor_in_memory(RekorState(mode=mode)) as url:
        assert _code(lambda: _lookup(world, url)) == "invalid-tlog-entry"


def test_no_entry(world: dict[str, Any]) -> None:
    with rekor_in_memory(RekorState()) as url:
        assert _code(lambda: _api(world, url)) == "tlog-entry-not-found"


def test_entry_for_another_artifact(auth: Authority, world: dict[str, Any]) -> None:
    _, other = legacy_envelope(auth, _provenance(sha="b" * 40), san=SAN, claims=_gh_claims(sha="b" * 40))
    state = RekorState()
    state.add(world["line"], other)
    with rekor_in_memory(state) as url:
        assert _code(lambda: _api(world, url)) == "invalid-tlog-entry"


def test_entry_with_a_bad_set(world: dict[str, Any]) -> None:
    answer = copy.deepcopy(world["answer"])
    entry = next(iter(answer.values()))
    entry["verification"]["signedEntryTimestamp"] = entry["verification"]["signedEntryTimestamp"][::-1]
    state = RekorState()
    state.add(world["line"], answer)
    with rekor_in_memory(state) as url:
        assert _code(lambda: _api(world, url)) == "invalid-tlog-entry"


def test_real_legacy_vector_against_an_empty_log_is_not_found(tmp_path: Path) -> None:
    """The public legacy vectors: our loopback log has no entry for them, so they can never pass."""
    from tests.conftest import GENERIC_LEGACY

    with rekor_in_memory(RekorState()) as url:
        code = _code(lambda: pyslsa.verify_artifact(str(GENERIC_LEGACY / "binary-linux-amd64"),
                                                    GENERIC_LEGACY / "binary-linux-amd64-push-v14.intoto.jsonl",
                                                    source_uri="github.com/slsa-framework/example-package",
                                                    rekor_url=url))
    assert code == "tlog-entry-not-found"


# -- upgrade-provenance --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["intoto", "dsse"])
def test_upgrade_round_trip(auth: Authority, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    line, answer = legacy_envelope(auth, _provenance(), san=SAN, claims=_gh_claims(), kind=kind)
    prov, out = tmp_path / "legacy.intoto.jsonl", tmp_path / "upgraded.sigstore.json"
    prov.write_bytes(line)
    root = tmp_path / "root.json"
    root.write_text(json.dumps(auth.trusted_root()))
    state = RekorState()
    state.add(line, answer)
    verify = ["verify-artifact", "--source-uri", "github.com/o/r", "--source-tag", "v1", "--trusted-root",
              str(root), "--format", "json"]
    with rekor_in_memory(state) as url:
        assert main(["upgrade-provenance", str(prov), "--output", str(out), "--rekor-url", url,
                     "--trusted-root", str(root)]) == 0
        assert "UPGRADED" in capsys.readouterr().out
        assert main([*verify, "--provenance-path", str(prov), "--rekor-url", url, DIGEST]) == 0
        online = json.loads(capsys.readouterr().out)["artifacts"][0]
    # offline, no server: the bundle alone verifies, with the same verdict
    assert main([*verify, "--provenance-path", str(out), "--offline", DIGEST]) == 0
    offline = json.loads(capsys.readouterr().out)["artifacts"][0]
    assert offline == online
    assert json.loads(out.read_text())["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize(("where", "edit"), [
    ("payload", lambda b: b["dsseEnvelope"].update(payload=b["dsseEnvelope"]["payload"][:-8] + "AAAAAAA=")),
    ("integrated time", lambda b: b["verificationMaterial"]["tlogEntries"][0].update(integratedTime="1")),
    ("body", lambda b: b["verificationMaterial"]["tlogEntries"][0].update(
        canonicalizedBody=b["verificationMaterial"]["tlogEntries"][0]["canonicalizedBody"][:-4] + "AAA=")),
    ("certificate", lambda b: b["verificationMaterial"]["certificate"].update(
        rawBytes=b["verificationMaterial"]["certificate"]["rawBytes"][:-8] + "AAAAAAA=")),
])
def test_tampered_upgraded_bundle_fails(auth: Authority, world: dict[str, Any], tmp_path: Path, where: str,
                                        edit: Any) -> None:
    state = RekorState()
    state.add(world["line"], world["answer"])
    out = tmp_path / "up.json"
    with rekor_in_memory(state) as url:
        assert main(["upgrade-provenance", str(world["prov"]), "--output", str(out), "--rekor-url", url,
                     "--trusted-root", str(world["root"])]) == 0
    bundle = json.loads(out.read_text())
    edit(bundle)
    out.write_text(json.dumps(bundle))
    with pytest.raises(VerificationError):
        pyslsa.verify_artifact(DIGEST, out, source_uri="github.com/o/r", trusted_root=world["root"])


def test_upgrade_fails_closed_and_writes_nothing(world: dict[str, Any], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "never.json"
    with rekor_in_memory(RekorState()) as url:
        code = main(["upgrade-provenance", str(world["prov"]), "--output", str(out), "--rekor-url", url,
                     "--trusted-root", str(world["root"])])
    assert code == 1 and not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["legacy.intoto.jsonl", "root.json"]  # no temp left
    assert "tlog-entry-not-found" in capsys.readouterr().err


def test_a_redirect_is_not_followed_and_fails_closed(world: dict[str, Any]) -> None:
    """Rekor goes through the one HTTP engine (POST JSON) with redirects off: a 3xx is an invalid answer, and the
    place it points to is never asked."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[str] = []

    class Redirecting(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            seen.append(f"POST {self.path} {self.headers.get('Content-Type')}")
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            seen.append(f"GET {self.path}")
            self.send_response(404)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(VerificationError) as info:
            _lookup(world, f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
    assert info.value.code == "invalid-tlog-entry"
    assert "answered HTTP 302 to POST /api/v1/log/entries/retrieve" in info.value.message
    assert seen == ["POST /api/v1/log/entries/retrieve application/json"]
