"""The audit's I/O edges on their own: snappy, the GitHub attestation store (shapes, pages, bounds), the evidence
cache, ``--evidence DIR``; and the RECORD comparison's rules."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from pyslsa.core.audit.installed import RecordRow, compare_records
from pyslsa.errors import DownloadError
from pyslsa.sources import snappy as sn
from pyslsa.sources.evidence_cache import CachedEvidence, EvidenceCache, RawEvidence
from pyslsa.sources.github_attestations import MAX_ATTESTATIONS, GitHubAttestations
from pyslsa.sources.http import HttpClient
from pyslsa.sources.local_evidence import local_evidence
from tests.audit_world import BCR_BUNDLE, RL, snappy
from tests.memory_net import in_memory
from tests.release_servers import Host

# -- snappy -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"x", b"abc" * 5000, os.urandom(70000), BCR_BUNDLE])
def test_snappy_round_trip(data: bytes) -> None:
    assert sn.decode(snappy(data), 1 << 24) == data


@pytest.mark.parametrize(("blob", "needle"), [
    (b"\xff\xff\xff\xff\xff", "preamble"),
    (b"\x05\x10ab", "truncated literal"),
    (b"\x04\x01\x00", "before the start"),  # a copy with nothing before it
    (b"\x03\x0cabcd", "more output"),
    (b"\x09\x08abc", "3 bytes decoded, 9 declared"),
])
def test_snappy_malformed(blob: bytes, needle: str) -> None:
    with pytest.raises(DownloadError) as info:
        sn.decode(blob, 1 << 20)
    assert needle in info.value.message


def test_snappy_bomb_is_refused_before_decoding() -> None:
    blob = snappy(b"\0" * 2_000_000)
    assert len(blob) < 200_000
    with pytest.raises(DownloadError, match="over the limit"):
        sn.decode(blob, 1_000_000)


# -- the GitHub attestation store ---------------------------------------------------------------------------------


@pytest.fixture
def gh() -> Any:
    host = Host()
    with in_memory(host, "github"):
        yield host


def store(host: Host) -> GitHubAttestations:
    return GitHubAttestations(f"{host.base}/api", client=HttpClient(attempts=1, timeout=5))


def listing(host: Host, body: Any, **kw: Any) -> None:
    host.route(f"/api/repos/o/r/attestations/sha256:{RL.sha256}", body=json.dumps(body).encode(),
               content_type="application/json", **kw)


def test_store_shapes(gh: Host) -> None:
    s = store(gh)
    assert s.attestations("o/r", RL.sha256) == []  # 404: none
    gh.route("/blob", body=snappy(BCR_BUNDLE))
    listing(gh, {"attestations": [{"bundle": json.loads(BCR_BUNDLE)},
                                  {"bundle": None, "bundle_url": f"{gh.base}/blob"}]})
    got = s.attestations("o/r", RL.sha256)
    assert [json.loads(b.content) for b in got] == [json.loads(BCR_BUNDLE)] * 2
    assert got[1].url == f"{gh.base}/blob"
    path, _, headers = next(r for r in gh.requests if r[0].startswith("/api/"))
    assert "per_page=100" not in path  # the query is not part of the route, but it was sent:
    assert headers.get("X-GitHub-Api-Version") == "2022-11-28"


@pytest.mark.parametrize(("body", "needle"), [
    ({"attestations": [{"bundle": None}]}, "neither"),
    ({"attestations": "x"}, "'attestations' list"),
    ([], "'attestations' list"),
    ({"attestations": [{}] * (MAX_ATTESTATIONS + 1)}, "more than"),
])
def test_store_refuses_odd_answers(gh: Host, body: Any, needle: str) -> None:
    listing(gh, body)
    with pytest.raises(DownloadError) as info:
        store(gh).attestations("o/r", RL.sha256)
    assert needle in info.value.message


def test_store_pages(gh: Host) -> None:
    entry = {"bundle": json.loads(BCR_BUNDLE)}
    listing(gh, {"attestations": [entry]}, headers={"Link": f'<{gh.base}/api/page2>; rel="next"'})
    gh.route("/api/page2", body=json.dumps({"attestations": [entry]}).encode(), content_type="application/json")
    assert len(store(gh).attestations("o/r", RL.sha256)) == 2
    listing(gh, {"attestations": [entry]}, headers={"Link": '<https://elsewhere.example/p>; rel="next"'})
    with pytest.raises(DownloadError, match="not on the API host"):
        store(gh).attestations("o/r", RL.sha256)
    listing(gh, {"attestations": [entry]}, headers={"Link": f'<{gh.base}/api/repos/o/r/attestations/'
                                                            f'sha256:{RL.sha256}>; rel="next"'})
    with pytest.raises(DownloadError, match="pages"):
        store(gh).attestations("o/r", RL.sha256)  # a loop of next pages stops at the bound


def test_store_rate_limit_is_said_once(gh: Host) -> None:
    listing(gh, {"message": "rate limited"}, status=429)
    s = store(gh)
    for _ in range(3):
        with pytest.raises(DownloadError, match="GITHUB_TOKEN"):
            s.attestations("o/r", RL.sha256)
    assert sum(1 for p, _, _ in gh.requests if p.startswith("/api/")) == 1


@pytest.mark.parametrize(("repo", "digest"), [("o/r/x", RL.sha256), ("../r", RL.sha256), ("o/r", "ab" * 31)])
def test_store_names_are_checked(gh: Host, repo: str, digest: str) -> None:
    with pytest.raises(DownloadError):
        store(gh).attestations(repo, digest)
    assert gh.requests == []


def test_bad_snappy_blob_fails(gh: Host) -> None:
    gh.route("/blob", body=b"\x50garbage")
    listing(gh, {"attestations": [{"bundle_url": f"{gh.base}/blob"}]})
    with pytest.raises(DownloadError, match=r"snappy|attestation bundle"):
        store(gh).attestations("o/r", RL.sha256)


# -- the cache ----------------------------------------------------------------------------------------------------


def test_cache_round_trip_and_bounds(tmp_path: Path) -> None:
    cache = EvidenceCache(tmp_path)
    digest = "ab" * 32
    assert cache.load(digest) is None
    entry = CachedEvidence(digest, "x-1.0.tar.gz", (RawEvidence("pep740", "https://i/p", b"{}"),
                                                    RawEvidence("github-release", "u", b"doc", "github.com/o/r",
                                                                "v1")))
    assert cache.store(entry)
    assert cache.load(digest) == entry
    assert cache.store(CachedEvidence(digest, "x-1.0.tar.gz", ()))  # replaced whole
    assert cache.load(digest) == CachedEvidence(digest, "x-1.0.tar.gz", ())
    assert not list(cache.entry_path(digest).parent.glob(".*"))  # no temporary left
    manifest = cache.entry_path(digest) / "manifest.json"
    for bad in ({"schema": "other"}, {"schema": "pyslsa-audit-evidence/1", "sha256": digest, "filename": "../x",
                                      "pieces": []},
                {"schema": "pyslsa-audit-evidence/1", "sha256": digest, "filename": "x.tar.gz",
                 "pieces": [{"kind": "pep740", "url": "u", "file": "../../etc/passwd", "sha256": "0"}]}):
        manifest.write_text(json.dumps(bad))
        with pytest.raises(DownloadError, match="does not read back"):
            cache.load(digest)
    with pytest.raises(ValueError):
        cache.entry_path("../" + "a" * 61)


def test_cache_write_failure_is_not_fatal(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert EvidenceCache(blocker).store(CachedEvidence("ab" * 32, "x-1.tar.gz", ())) is False


# -- --evidence DIR -----------------------------------------------------------------------------------------------


def test_local_evidence_names(tmp_path: Path) -> None:
    (tmp_path / "x-1.0.tar.gz.provenance").write_bytes(b"{}")
    (tmp_path / "x-1.0.tar.gz.sigstore.json").write_bytes(b"{}")
    (tmp_path / f"sha256-{'ab' * 32}.jsonl").write_bytes(b'{"a": 1}\n{"b": 2}\n')
    (tmp_path / "x-1.0.tar.gz.intoto.jsonl").write_bytes(b"")
    got = [(e.kind, Path(e.path.split("#")[0]).name, e.error is not None)
           for e in local_evidence(tmp_path, "x-1.0.tar.gz", "ab" * 32)]
    assert got == [("provenance", "x-1.0.tar.gz.provenance", False), ("bundle", "x-1.0.tar.gz.sigstore.json", False),
                   ("bundle", f"sha256-{'ab' * 32}.jsonl", False), ("bundle", f"sha256-{'ab' * 32}.jsonl", False),
                   ("slsa", "x-1.0.tar.gz.intoto.jsonl", True)]
    with pytest.raises(DownloadError):
        local_evidence(tmp_path, "../x-1.0.tar.gz", "ab" * 32)


# -- RECORD comparison --------------------------------------------------------------------------------------------

DI = "p-1.0.dist-info"
WHEEL = [RecordRow("p/__init__.py", "sha256=AAA", 3), RecordRow(f"{DI}/METADATA", "sha256=BBB", 3),
         RecordRow("p-1.0.data/scripts/tool", "sha256=CCC", 3), RecordRow("p-1.0.data/purelib/q.py", "sha256=DDD"),
         RecordRow(f"{DI}/RECORD", None)]
INSTALLED = [RecordRow("p/__init__.py", "sha256=AAA", 3), RecordRow(f"{DI}/METADATA", "sha256=BBB", 3),
             RecordRow("../../../bin/tool", "sha256=XXX"), RecordRow("q.py", "sha256=DDD"),
             RecordRow(f"{DI}/INSTALLER", "sha256=III"), RecordRow(f"{DI}/RECORD", None),
             RecordRow("p/__pycache__/__init__.cpython-311.pyc", None), RecordRow("../../../bin/p-cli", "sha256=EEE")]


def test_record_rules() -> None:
    ok = compare_records(WHEEL, INSTALLED, dist_info=DI, entry_points={"p-cli"},
                         rewritten_scripts={"p-1.0.data/scripts/tool"})
    assert ok is None
    err = compare_records(WHEEL, INSTALLED, dist_info=DI, entry_points={"p-cli"})  # the script is not #!python
    assert err is not None and err.code == "mismatch-hash" and "../../../bin/tool" in err.message
    extra = [*INSTALLED, RecordRow("evil.pth", "sha256=ZZZ")]
    err = compare_records(WHEEL, extra, dist_info=DI, entry_points={"p-cli"},
                          rewritten_scripts={"p-1.0.data/scripts/tool"})
    assert err is not None and "evil.pth is installed but not in the wheel" in err.message
    missing = [r for r in INSTALLED if r.path != "q.py"]
    err = compare_records(WHEEL, missing, dist_info=DI, entry_points={"p-cli"},
                          rewritten_scripts={"p-1.0.data/scripts/tool"})
    assert err is not None and "p-1.0.data/purelib/q.py (from the wheel) is not installed" in err.message
    changed = [RecordRow("p/__init__.py", "sha256=AAB", 3), *INSTALLED[1:]]
    err = compare_records(WHEEL, changed, dist_info=DI, entry_points={"p-cli"},
                          rewritten_scripts={"p-1.0.data/scripts/tool"})
    assert err is not None and "p/__init__.py: the wheel has sha256=AAA, the install sha256=AAB" in err.message
    no_cli = compare_records(WHEEL, INSTALLED, dist_info=DI, rewritten_scripts={"p-1.0.data/scripts/tool"})
    assert no_cli is not None and "bin/p-cli" in no_cli.message  # a launcher the wheel does not declare
