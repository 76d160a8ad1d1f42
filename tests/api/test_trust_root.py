"""The trusted root's lifecycle with TUF: a real throw-away TUF repository (tests/tuf_repo.py, Ed25519 signatures made
with python-tuf's metadata API) served on 127.0.0.1, the ngclient-based client of pyslsa.sources.tuf, and the rule
of pyslsa.api.trust_root that chooses the root in force. No public network."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tuf.api.metadata import Metadata

import pyslsa
from pyslsa.api.trust_root import export, repository_for, resolve_trusted_root, show, update, verify_file
from pyslsa.core.trust import TrustedRoot, TrustedRootError
from pyslsa.errors import CODES, TufError, TufUnreachableError, UsageError, VerificationError
from pyslsa.formats import render
from pyslsa.formats import trust_root_view as view
from pyslsa.sources import tuf as tufc
from tests.authority import Authority
from tests.conftest import DATA, DEAD_LOOPBACK
from tests.tuf_repo import ServerState, TufRepo, authority_repo, root_bytes, serve

UTC = dt.timezone.utc
ARTIFACT = b"the artifact"
EMAIL, EMAIL_ISS = "signer@example.test", "https://accounts.example.test"
PRODUCTION_ROOT = DATA / "trust-roots" / "production-trusted_root.json"


@pytest.fixture(scope="module")
def auth() -> Authority:
    return Authority()


@pytest.fixture
def repo(auth: Authority) -> TufRepo:
    return authority_repo(auth)


@pytest.fixture
def served(repo: TufRepo) -> Iterator[tuple[str, ServerState]]:
    with serve(repo) as s:
        yield s


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    return {"cache_dir": tmp_path / "cache", "data_dir": tmp_path / "data"}


_FETCHER = tufc.HttpFetcher(timeout=1.0, deadline=1.0, total=10.0, attempts=1, backoff=0.0)


def fetcher() -> tufc.HttpFetcher:
    """One bounded fetcher for the module (each update starts its own clock): an httpx client costs a TLS
    context."""
    return _FETCHER


def private(url: str, repo: TufRepo, dirs: dict[str, Path]) -> tufc.TufRepository:
    return repository_for(url, repo.bootstrap, data_dir=dirs["data_dir"])


def with_fallback(url: str, repo: TufRepo, fallback: bytes) -> tufc.TufRepository:
    """A test repository that, like the Sigstore instances, has a bundled trusted root to fall back on."""
    return tufc.TufRepository(tufc.normalize_url(url), repo.bootstrap, "test", fallback)


def do_update(url: str, repo: TufRepo, dirs: dict[str, Path]) -> Any:
    return update(repository=private(url, repo, dirs), cache_dir=dirs["cache_dir"], fetcher=fetcher())


def tuf_failure(url: str, repo: TufRepo, dirs: dict[str, Path]) -> TufError:
    with pytest.raises(TufError) as info:
        do_update(url, repo, dirs)
    return info.value


# -- Updates that succeed ------------------------------------------------------------------------------------------


def test_first_update_caches_the_verified_target_and_offline_use_needs_no_network(
        repo: TufRepo, served: tuple[str, ServerState], dirs: dict[str, Path]) -> None:
    url, state = served
    result = do_update(url, repo, dirs)
    assert result.before is None and result.changed and result.trusted_root_changed
    assert result.after.versions() == {"root": 1, "timestamp": 1, "snapshot": 1, "targets": 1}
    assert result.after.trusted_root == repo.target_data["trusted_root.json"]
    assert result.after.expires <= dt.datetime.now(UTC) + dt.timedelta(days=7)
    assert "1.root.json" not in state.requests  # the bootstrap root is given, never fetched
    assert {"2.root.json", "timestamp.json", "1.snapshot.json", "1.targets.json"} <= set(state.requests)
    mirror = json.loads(Path(result.cache).read_bytes())
    assert Path(result.cache).is_relative_to(dirs["cache_dir"])
    assert sorted(mirror["files"]) == sorted(["timestamp.json", "1.snapshot.json", "1.targets.json",
                                              next(k for k in repo.files if k.startswith("targets/"))])
    seen = len(state.requests)
    resolved = resolve_trusted_root(repository=private(url, repo, dirs), cache_dir=dirs["cache_dir"])
    assert resolved.source.kind == "tuf-cache" and resolved.source.warning is None
    assert resolved.data == repo.target_data["trusted_root.json"]
    assert resolved.source.versions == {"root": 1, "timestamp": 1, "snapshot": 1, "targets": 1}
    assert resolved.source.sha256 == hashlib.sha256(resolved.data).hexdigest()
    assert len(state.requests) == seen  # a fresh cache is used without any request
    # A second update with nothing new: same versions, nothing changed, and still verified.
    again = do_update(url, repo, dirs)
    assert again.before is not None and not again.changed
    assert again.before.versions() == again.after.versions()


def test_fresh_cache_is_used_without_network_even_when_refresh_is_allowed(
        repo: TufRepo, served: tuple[str, ServerState], dirs: dict[str, Path]) -> None:
    url, state = served
    do_update(url, repo, dirs)
    state.requests.clear()
    resolved = resolve_trusted_root(repository=private(url, repo, dirs), cache_dir=dirs["cache_dir"], refresh=True,
                                    fetcher=fetcher())
    assert resolved.source.kind == "tuf-cache" and state.requests == []


def test_an_unchanged_cache_is_replayed_once_per_process_and_a_changed_one_again(
        monkeypatch: pytest.MonkeyPatch, repo: TufRepo, served: tuple[str, ServerState],
        dirs: dict[str, Path]) -> None:
    from pyslsa.sources import tuf_updater

    url, _ = served
    do_update(url, repo, dirs)
    calls: list[str] = []
    real = tuf_updater.replay

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append("replay")
        return real(*args, **kwargs)

    monkeypatch.setattr(tuf_updater, "replay", counting)
    first = resolve_trusted_root(repository=private(url, repo, dirs), cache_dir=dirs["cache_dir"])
    second = resolve_trusted_root(repository=private(url, repo, dirs), cache_dir=dirs["cache_dir"])
    assert first.source.kind == second.source.kind == "tuf-cache" and calls == ["replay"]
    assert second.trusted_root is first.trusted_root  # parsed once: its prepared keys are reused
    # The mirror changes on disk (a byte of the cached timestamp): replayed again, and refused.
    path = tufc.mirror_path(tufc.normalize_url(url), dirs["cache_dir"])
    doc = json.loads(path.read_bytes())
    ts = json.loads(base64.b64decode(doc["files"]["timestamp.json"]))
    ts["signed"]["version"] += 1
    doc["files"]["timestamp.json"] = base64.b64encode(json.dumps(ts).encode()).decode()
    path.write_text(json.dumps(doc))
    with pytest.raises(TufError) as info:
        tufc.load_cached(private(url, repo, dirs), dirs["cache_dir"])
    assert calls == ["replay", "replay"] and info.value.check == "signature"


def test_key_rotation_is_followed_online_and_offline(repo: TufRepo, served: tuple[str, ServerState],
                                                      dirs: dict[str, Path]) -> None:
    url, state = served
    do_update(url, repo, dirs)
    repo.rotate("root")  # 2.root.json: a new root key, signed by the old and the new one
    repo.rotate("timestamp")  # 3.root.json: a new timestamp key
    repo.publish()
    result = do_update(url, repo, dirs)
    assert result.before is not None and result.before.versions()["root"] == 1
    assert result.after.versions() == {"root": 3, "timestamp": 2, "snapshot": 2, "targets": 2}
    assert {"2.root.json", "3.root.json", "4.root.json"} <= set(state.requests)
    # Offline: replayed from the bootstrap root v1 through 2.root.json and 3.root.json in the cache.
    state.requests.clear()
    resolved = resolve_trusted_root(repository=private(url, repo, dirs), cache_dir=dirs["cache_dir"])
    assert resolved.source.kind == "tuf-cache" and resolved.source.versions["root"] == 3
    assert state.requests == []


def test_a_root_signed_by_the_new_key_only_is_refused(repo: TufRepo, served: tuple[str, ServerState],
                                                       dirs: dict[str, Path]) -> None:
    url, _ = served
    repo.rotate("root")
    repo.files["2.root.json"] = repo._sign(repo.root, repo.signers["root"])  # not signed by the old root key
    err = tuf_failure(url, repo, dirs)
    assert err.code == "tuf-failed" and err.check == "signature"
    assert "signature check failed" in err.message and "root" in err.message


def test_new_rekor_v2_shard_fails_before_the_update_and_passes_after(
        auth: Authority, repo: TufRepo, served: tuple[str, ServerState], dirs: dict[str, Path]) -> None:
    url, _ = served
    bundle = json.dumps(auth.message_bundle(ARTIFACT, rekor="v2",
                                            timestamps=(auth.now + dt.timedelta(seconds=40),))).encode()
    digest = "sha256:" + hashlib.sha256(ARTIFACT).hexdigest()

    def verify(root: TrustedRoot) -> Any:
        return pyslsa.verify_bundle(digest, bundle, identity=EMAIL, issuer=EMAIL_ISS, trusted_root=root)

    do_update(url, repo, dirs)
    old = resolve_trusted_root(repository=private(url, repo, dirs), cache_dir=dirs["cache_dir"])
    with pytest.raises(VerificationError) as info:
        verify(old.trusted_root)
    assert info.value.code == "invalid-tlog-entry"
    # The repository publishes a trusted root with the new shard.
    repo.add_target("trusted_root.json", root_bytes(auth, v2_log=True))
    repo.publish()
    result = do_update(url, repo, dirs)
    assert result.trusted_root_changed
    new = resolve_trusted_root(repository=private(url, repo, dirs), cache_dir=dirs["cache_dir"])
    assert new.source.kind == "tuf-cache" and new.source.versions["targets"] == 2
    assert verify(new.trusted_root).builder_id == EMAIL
    # The old target is gone from the cache: only what the replay uses is kept.
    mirror = json.loads(Path(result.cache).read_bytes())["files"]
    assert [k for k in mirror if k.startswith("targets/")] == [
        f"targets/{hashlib.sha256(new.data).hexdigest()}.trusted_root.json"]
    assert "1.snapshot.json" not in mirror and "2.snapshot.json" in mirror


# -- Updates that TUF refuses, each for its own reason ---------------------------------------------------------------


def test_rollback_of_the_timestamp_is_refused(repo: TufRepo, served: tuple[str, ServerState],
                                              dirs: dict[str, Path]) -> None:
    url, _ = served
    old_timestamp = repo.files["timestamp.json"]
    repo.publish()
    do_update(url, repo, dirs)
    repo.files["timestamp.json"] = old_timestamp  # still unexpired, validly signed, older
    err = tuf_failure(url, repo, dirs)
    assert err.code == "tuf-failed" and err.check == "version"
    assert "rollback" in err.message and "New timestamp version 1 must be >= 2" in err.message
    # The cache still holds the last good state.
    cached = resolve_trusted_root(repository=private(url, repo, dirs), cache_dir=dirs["cache_dir"])
    assert cached.source.versions == {"root": 1, "timestamp": 2, "snapshot": 2, "targets": 2}


def test_rollback_of_the_snapshot_is_refused(repo: TufRepo, served: tuple[str, ServerState],
                                             dirs: dict[str, Path]) -> None:
    url, _ = served
    repo.publish()
    do_update(url, repo, dirs)
    # A newer timestamp that points back at snapshot version 1.
    ts = repo.timestamp.signed
    ts.version += 1
    ts.snapshot_meta = Metadata.from_bytes(repo.files["timestamp.json"]).signed.snapshot_meta
    ts.snapshot_meta.version = 1
    ts.snapshot_meta.hashes = {"sha256": hashlib.sha256(repo.files["1.snapshot.json"]).hexdigest()}
    ts.snapshot_meta.length = len(repo.files["1.snapshot.json"])
    repo.files["timestamp.json"] = repo._sign(repo.timestamp, repo.signers["timestamp"])
    err = tuf_failure(url, repo, dirs)
    assert err.check == "version" and "New snapshot version must be >= 2, got version 1" in err.message


def test_mix_and_match_targets_is_refused(repo: TufRepo, served: tuple[str, ServerState],
                                          dirs: dict[str, Path]) -> None:
    url, _ = served
    old_targets = repo.files["1.targets.json"]
    repo.publish()
    repo.files["2.targets.json"] = old_targets  # the snapshot names targets v2; the server hands out v1
    err = tuf_failure(url, repo, dirs)
    assert err.check == "version" and "Expected targets v2, got v1" in err.message


def test_expired_timestamp_is_refused(repo: TufRepo, served: tuple[str, ServerState], dirs: dict[str, Path]) -> None:
    url, _ = served
    repo.publish(timestamp_expires=dt.datetime.now(UTC) - dt.timedelta(minutes=5))
    err = tuf_failure(url, repo, dirs)
    assert err.code == "tuf-failed" and err.check == "expiry"
    assert "freeze" in err.message and "timestamp.json is expired" in err.message
    assert not tufc.mirror_path(tufc.normalize_url(url), dirs["cache_dir"]).exists()


def test_timestamp_signed_by_an_unknown_key_is_refused(repo: TufRepo, served: tuple[str, ServerState],
                                                       dirs: dict[str, Path]) -> None:
    url, _ = served
    from securesystemslib.signer import CryptoSigner

    repo.files["timestamp.json"] = repo._sign(repo.timestamp, [CryptoSigner.generate_ed25519()])
    err = tuf_failure(url, repo, dirs)
    assert err.check == "signature" and "timestamp" in err.message


def _target_key(repo: TufRepo) -> str:
    return next(k for k in repo.files if k.startswith("targets/"))


def test_tampered_target_is_refused(repo: TufRepo, served: tuple[str, ServerState], dirs: dict[str, Path]) -> None:
    url, state = served
    good = repo.files[_target_key(repo)]
    state.faults[_target_key(repo)] = good.replace(b"https://rekor.test", b"https://evil.test")[:len(good)]
    err = tuf_failure(url, repo, dirs)
    assert err.check == "length-or-hash" and "hash" in err.message


def test_target_of_the_wrong_length_is_refused(repo: TufRepo, served: tuple[str, ServerState],
                                               dirs: dict[str, Path]) -> None:
    url, state = served
    good = repo.files[_target_key(repo)]
    state.faults[_target_key(repo)] = good + b" "  # longer than signed: cut off at the signed length
    longer = tuf_failure(url, repo, dirs)
    assert longer.check == "size-limit" and f"more than the {len(good)} allowed" in longer.message
    state.faults[_target_key(repo)] = good[:-1]  # shorter than signed
    shorter = tuf_failure(url, repo, dirs)
    assert shorter.check == "length-or-hash" and "length" in shorter.message
    assert longer.message != shorter.message


def test_endless_answer_is_refused_as_slow_retrieval(repo: TufRepo, served: tuple[str, ServerState],
                                                     dirs: dict[str, Path]) -> None:
    url, state = served
    state.faults["timestamp.json"] = "drip"
    err = tuf_failure(url, repo, dirs)
    assert err.code == "tuf-failed" and err.check == "slow-retrieval" and "still sending" in err.message


def test_stalled_answer_is_refused_as_slow_retrieval(repo: TufRepo, served: tuple[str, ServerState],
                                                     dirs: dict[str, Path]) -> None:
    url, state = served
    state.faults["1.snapshot.json"] = "stall"
    err = tuf_failure(url, repo, dirs)
    assert err.check == "slow-retrieval" and "timed out while reading" in err.message


def test_huge_answers_are_refused_at_the_size_limit(repo: TufRepo, served: tuple[str, ServerState],
                                                    dirs: dict[str, Path]) -> None:
    url, state = served
    state.faults["timestamp.json"] = "huge"
    declared = tuf_failure(url, repo, dirs)
    assert declared.check == "size-limit" and "declares 1073741824 bytes" in declared.message
    del state.faults["timestamp.json"]
    state.faults["2.root.json"] = "huge-chunked"  # no Content-Length: counted while reading
    streamed = tuf_failure(url, repo, dirs)
    assert streamed.check == "size-limit" and "sent more than the 512000 bytes allowed" in streamed.message


def test_unreachable_repository_is_its_own_code(repo: TufRepo, dirs: dict[str, Path]) -> None:
    err = tuf_failure(DEAD_LOOPBACK + "/repo", repo, dirs)
    assert isinstance(err, TufUnreachableError) and err.code == "tuf-unreachable" and err.exit_status == 1
    assert CODES["tuf-unreachable"] is TufUnreachableError and CODES["tuf-failed"] is TufError


def test_server_error_is_unreachable_after_retries(repo: TufRepo, served: tuple[str, ServerState],
                                                   dirs: dict[str, Path]) -> None:
    url, state = served
    state.faults["timestamp.json"] = "500"
    f = tufc.HttpFetcher(timeout=1.0, deadline=2.0, attempts=2, backoff=0.0)
    with pytest.raises(TufUnreachableError, match="HTTP 500"):
        update(repository=private(url, repo, dirs), cache_dir=dirs["cache_dir"], fetcher=f)
    assert state.requests.count("timestamp.json") == 2


def test_redirects_are_followed_within_http_only(repo: TufRepo, served: tuple[str, ServerState],
                                                 dirs: dict[str, Path]) -> None:
    url, state = served
    repo.files["moved/timestamp.json"] = repo.files["timestamp.json"]
    state.faults["timestamp.json"] = ("redirect", "/repo/moved/timestamp.json")
    assert do_update(url, repo, dirs).after.versions()["timestamp"] == 1
    assert "moved/timestamp.json" in state.requests
    state.faults["timestamp.json"] = ("redirect", "file:///etc/passwd")
    err = tuf_failure(url, repo, dirs)
    assert isinstance(err, TufUnreachableError) and "redirected to a non-http(s) URL" in err.message


def test_missing_trusted_root_target_is_refused(auth: Authority, dirs: dict[str, Path]) -> None:
    r = TufRepo()
    r.add_target("other.json", b"{}")
    r.publish(bump=False)
    with serve(r) as (url, _):
        err = tuf_failure(url, r, dirs)
    assert err.check == "repository" and "no trusted_root.json" in err.message


def test_target_that_is_not_a_trusted_root_is_refused_and_not_cached(dirs: dict[str, Path]) -> None:
    r = TufRepo()
    r.add_target("trusted_root.json", b'{"mediaType": "something/else"}')
    r.publish(bump=False)
    with serve(r) as (url, _):
        err = tuf_failure(url, r, dirs)
    assert err.check == "target-format" and "media type" in err.message
    assert not tufc.mirror_path(tufc.normalize_url(url), dirs["cache_dir"]).exists()


# -- The cache is never trust ----------------------------------------------------------------------------------------


def _tamper_mirror(path: Path, key_prefix: str, edit: Any) -> None:
    doc = json.loads(path.read_bytes())
    key = next(k for k in doc["files"] if k.startswith(key_prefix))
    doc["files"][key] = base64.b64encode(edit(base64.b64decode(doc["files"][key]))).decode()
    path.write_text(json.dumps(doc))


@pytest.mark.parametrize(("prefix", "edit", "check"), [
    ("targets/", lambda b: b.replace(b"rekor.test", b"rekor.evil"), "length-or-hash"),
    ("timestamp.json", lambda b: b.replace(b'"version": 1', b'"version": 9').replace(b'"version":1',
                                                                                   b'"version":9'), "signature"),
    ("1.snapshot.json", lambda b: b + b" ", "size-limit"),
    ("2.root.json", lambda b: b.replace(b'"version": 2', b'"version": 3').replace(b'"version":2',
                                                                                b'"version":3'), "signature"),
])
def test_tampered_cache_is_refused_offline_and_the_rule_falls_back(
        auth: Authority, repo: TufRepo, served: tuple[str, ServerState], dirs: dict[str, Path],
        prefix: str, edit: Any, check: str) -> None:
    url, state = served
    if prefix == "2.root.json":
        repo.rotate("root")
        repo.publish()
    do_update(url, repo, dirs)
    path = tufc.mirror_path(tufc.normalize_url(url), dirs["cache_dir"])
    _tamper_mirror(path, prefix, edit)
    state.requests.clear()
    fallback = root_bytes(auth, v2_log=True, ct=False)
    resolved = resolve_trusted_root(repository=with_fallback(url, repo, fallback), cache_dir=dirs["cache_dir"])
    assert resolved.source.kind == "bundled" and resolved.data == fallback  # the cached target is never used
    assert resolved.source.warning is not None and f"the TUF {check} check failed" in resolved.source.warning
    assert state.requests == []
    # A private repository has nothing bundled: the TUF error itself.
    with pytest.raises(TufError) as info:
        resolve_trusted_root(repository=private(url, repo, dirs), cache_dir=dirs["cache_dir"])
    assert info.value.check == check
    # Allowed to use the network, the rule refreshes, repairs the cache, and says what was wrong with it.
    fixed = resolve_trusted_root(repository=private(url, repo, dirs), cache_dir=dirs["cache_dir"], refresh=True,
                                 fetcher=fetcher())
    assert fixed.source.kind == "tuf" and fixed.data == repo.target_data["trusted_root.json"]
    assert fixed.source.warning is not None and "previous TUF cache was not usable" in fixed.source.warning
    assert resolve_trusted_root(repository=private(url, repo, dirs),
                                cache_dir=dirs["cache_dir"]).source.kind == "tuf-cache"


@pytest.mark.parametrize("content", [b"", b"not json", b'{"format": "other"}', b"[1, 2]",
                                     json.dumps({"format": "pyslsa-tuf-mirror/1", "url": "http://elsewhere",
                                                 "files": {}}).encode(),
                                     json.dumps({"format": "pyslsa-tuf-mirror/1", "url": "URL",
                                                 "files": {"../../etc/passwd": "AA=="}}).encode()])
def test_a_cache_file_that_is_not_a_mirror_is_refused(repo: TufRepo, dirs: dict[str, Path], content: bytes) -> None:
    url = "http://127.0.0.1:9/repo"
    path = tufc.mirror_path(url, dirs["cache_dir"])
    path.parent.mkdir(parents=True)
    path.write_bytes(content.replace(b"URL", url.encode()))
    with pytest.raises(TufError) as info:
        resolve_trusted_root(repository=private(url, repo, dirs), cache_dir=dirs["cache_dir"])
    assert info.value.check == "cache-unreadable"


def test_stale_cache_offline_falls_back_to_the_bundled_root_with_its_date(
        auth: Authority, repo: TufRepo, served: tuple[str, ServerState], dirs: dict[str, Path]) -> None:
    url, state = served
    repo.publish(timestamp_expires=dt.datetime.now(UTC) - dt.timedelta(hours=1))
    # A cache holding a genuine but expired state (what a machine offline for a while has).
    tufc.save_mirror(with_fallback(url, repo, b""), {k: v for k, v in repo.files.items() if k != "1.root.json"},
                    dirs["cache_dir"])
    fallback = root_bytes(auth, v2_log=True)
    resolved = resolve_trusted_root(repository=with_fallback(url, repo, fallback), cache_dir=dirs["cache_dir"])
    assert resolved.source.kind == "bundled" and resolved.data == fallback
    warning = resolved.source.warning or ""
    assert "expiry check failed" in warning and "timestamp.json is expired" in warning
    newest = (auth.now - dt.timedelta(days=365)).date().isoformat()  # the date of its newest authority
    assert f"verifying with the trusted root bundled with pyslsa {pyslsa.__version__} ({newest})" in warning
    assert state.requests == []
    # Allowed to refresh, and the repository has moved on: the new state replaces the stale one.
    repo.publish()
    fresh = resolve_trusted_root(repository=with_fallback(url, repo, fallback), cache_dir=dirs["cache_dir"],
                                 refresh=True, fetcher=fetcher())
    assert fresh.source.kind == "tuf" and fresh.source.versions["timestamp"] == 3
    assert fresh.source.expires is not None and fresh.source.expires > dt.datetime.now(UTC)


def test_unreachable_refresh_falls_back_to_the_bundled_root_with_a_warning(auth: Authority, repo: TufRepo,
                                                                           dirs: dict[str, Path]) -> None:
    fallback = root_bytes(auth)
    dead = with_fallback(DEAD_LOOPBACK + "/repo", repo, fallback)
    resolved = resolve_trusted_root(repository=dead, cache_dir=dirs["cache_dir"], refresh=True, fetcher=fetcher())
    assert resolved.source.kind == "bundled" and resolved.data == fallback
    warning = resolved.source.warning or ""
    assert warning.startswith(f"could not reach {DEAD_LOOPBACK}/repo: {DEAD_LOOPBACK}/repo/2.root.json unreachable: ")
    assert f"verifying with the trusted root bundled with pyslsa {pyslsa.__version__} (" in warning
    assert warning.endswith("run `pyslsa trust-root update` to fail instead when the repository is unreachable")
    assert "\n" not in warning
    # The same request offline is the bundled root too, with the offline warning.
    offline = resolve_trusted_root(repository=dead, cache_dir=dirs["cache_dir"])
    assert offline.source.kind == "bundled" and "no TUF cache" in (offline.source.warning or "")
    # ... and trust-root update fails: that is how to insist on a fresh root.
    with pytest.raises(TufUnreachableError):
        update(repository=dead, cache_dir=dirs["cache_dir"], fetcher=fetcher())


def test_expired_cache_and_unreachable_repository_warn_naming_both(auth: Authority, repo: TufRepo,
                                                                     dirs: dict[str, Path]) -> None:
    fallback = root_bytes(auth)
    dead = with_fallback(DEAD_LOOPBACK + "/repo", repo, fallback)
    repo.publish(timestamp_expires=dt.datetime.now(UTC) - dt.timedelta(hours=1))  # genuine, but stale now
    tufc.save_mirror(dead, {k: v for k, v in repo.files.items() if k != "1.root.json"}, dirs["cache_dir"])
    resolved = resolve_trusted_root(repository=dead, cache_dir=dirs["cache_dir"], refresh=True, fetcher=fetcher())
    assert resolved.source.kind == "bundled" and resolved.data == fallback
    warning = resolved.source.warning or ""
    assert warning.startswith(f"could not reach {DEAD_LOOPBACK}/repo: ")
    assert " (and its TUF cache failed the expiry check); verifying with the trusted root bundled" in warning


def test_refresh_failing_a_tuf_check_fails_closed_never_falls_back(
        auth: Authority, repo: TufRepo, served: tuple[str, ServerState], dirs: dict[str, Path]) -> None:
    url, _ = served
    repo.publish(timestamp_expires=dt.datetime.now(UTC) - dt.timedelta(minutes=5))  # a freeze
    with pytest.raises(TufError) as info:
        resolve_trusted_root(repository=with_fallback(url, repo, root_bytes(auth)), cache_dir=dirs["cache_dir"],
                             refresh=True, fetcher=fetcher())
    assert not isinstance(info.value, TufUnreachableError)
    assert info.value.code == "tuf-failed" and info.value.check == "expiry"


def test_private_repository_unreachable_has_nothing_to_fall_back_on(repo: TufRepo, dirs: dict[str, Path]) -> None:
    # No cache: nothing to verify with, a usage error (exit 2) saying why.
    dead = private(DEAD_LOOPBACK + "/repo", repo, dirs)
    with pytest.raises(UsageError) as usage:
        resolve_trusted_root(repository=dead, cache_dir=dirs["cache_dir"], refresh=True, fetcher=fetcher())
    assert usage.value.exit_status == 2 and "could not be reached" in usage.value.message
    assert "no TUF cache of it yet" in usage.value.message
    # A genuine cache that expired, and the repository unreachable: tuf-unreachable (exit 1), naming both.
    repo.publish(timestamp_expires=dt.datetime.now(UTC) - dt.timedelta(hours=1))
    tufc.save_mirror(dead, {k: v for k, v in repo.files.items() if k != "1.root.json"}, dirs["cache_dir"])
    with pytest.raises(TufUnreachableError) as unreachable:
        resolve_trusted_root(repository=dead, cache_dir=dirs["cache_dir"], refresh=True, fetcher=fetcher())
    assert unreachable.value.exit_status == 1 and "its TUF cache is not usable" in unreachable.value.message
    assert "expiry check failed" in unreachable.value.message


def test_offline_never_opens_a_connection(monkeypatch: pytest.MonkeyPatch, repo: TufRepo,
                                          served: tuple[str, ServerState], dirs: dict[str, Path]) -> None:
    url, state = served
    do_update(url, repo, dirs)
    state.requests.clear()

    def no_connect(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("offline use opened a connection")

    monkeypatch.setattr(socket.socket, "connect", no_connect)
    monkeypatch.setattr(socket, "create_connection", no_connect)
    monkeypatch.delenv("PYSLSA_TUF_MIRROR")  # the real production URL: no connection is attempted anyway
    monkeypatch.delenv("PYSLSA_TUF_STAGING_MIRROR")
    cached = resolve_trusted_root(repository=private(url, repo, dirs), cache_dir=dirs["cache_dir"])
    assert cached.source.kind == "tuf-cache"
    # The production instance with an empty cache: the bundled root, no connection attempted.
    bundled = resolve_trusted_root(cache_dir=dirs["cache_dir"])
    assert bundled.source.kind == "bundled" and bundled.source.repository == tufc.PRODUCTION_URL
    assert bundled.trusted_root.tlogs and "bundled with pyslsa 0.1.0 (2025-09-23)" in (bundled.source.warning or "")
    staging = resolve_trusted_root(staging=True, cache_dir=dirs["cache_dir"])
    assert staging.source.repository == tufc.STAGING_URL and staging.data != bundled.data
    assert state.requests == []


# -- Which root, and the private repository ------------------------------------------------------------------------


def test_trusted_root_file_comes_first(repo: TufRepo, served: tuple[str, ServerState], dirs: dict[str, Path]) -> None:
    url, state = served
    resolved = resolve_trusted_root(trusted_root_file=PRODUCTION_ROOT, tuf_url=url, refresh=True,
                                    cache_dir=dirs["cache_dir"], fetcher=fetcher())
    assert resolved.source.kind == "file" and resolved.source.path == str(PRODUCTION_ROOT)
    assert resolved.data == PRODUCTION_ROOT.read_bytes() and state.requests == []
    assert resolved.source.to_json()["kind"] == "file" and "trusted root: file" in resolved.source.describe()


def test_private_repository_bootstrap_is_remembered_outside_the_cache(
        repo: TufRepo, served: tuple[str, ServerState], dirs: dict[str, Path], tmp_path: Path) -> None:
    url, _ = served
    with pytest.raises(UsageError, match="no TUF root to bootstrap"):
        repository_for(url, None, data_dir=dirs["data_dir"])
    root_file = tmp_path / "root.json"
    root_file.write_bytes(repo.bootstrap)
    update(tuf_url=url, tuf_root=root_file, cache_dir=dirs["cache_dir"], data_dir=dirs["data_dir"],
           fetcher=fetcher())
    remembered = tufc.bootstrap_path(tufc.normalize_url(url), dirs["data_dir"])
    assert remembered.read_bytes() == repo.bootstrap and not remembered.is_relative_to(dirs["cache_dir"])
    resolved = resolve_trusted_root(tuf_url=url + "/", cache_dir=dirs["cache_dir"], data_dir=dirs["data_dir"])
    assert resolved.source.kind == "tuf-cache" and resolved.source.repository == tufc.normalize_url(url)
    # A cache without a remembered bootstrap root is still nothing to start from.
    remembered.unlink()
    with pytest.raises(UsageError, match="--tuf-root"):
        resolve_trusted_root(tuf_url=url, cache_dir=dirs["cache_dir"], data_dir=dirs["data_dir"])


def test_private_repository_offline_without_cache_is_a_usage_error(repo: TufRepo, dirs: dict[str, Path]) -> None:
    with pytest.raises(UsageError, match="its TUF cache is empty") as info:
        resolve_trusted_root(repository=private("http://127.0.0.1:9/repo", repo, dirs), cache_dir=dirs["cache_dir"])
    assert info.value.exit_status == 2


@pytest.mark.parametrize("data", [b"", b"{}", b"not json",
                                  json.dumps({"signed": {"_type": "timestamp"}, "signatures": []}).encode()])
def test_bad_bootstrap_root_is_a_usage_error(data: bytes, dirs: dict[str, Path]) -> None:
    with pytest.raises(UsageError, match="--tuf-root"):
        repository_for("https://tufc.example.test", data, data_dir=dirs["data_dir"])


def test_bootstrap_root_not_signed_by_itself_is_a_usage_error(repo: TufRepo, dirs: dict[str, Path]) -> None:
    md = Metadata.from_bytes(repo.bootstrap)
    md.signatures.clear()
    with pytest.raises(UsageError, match="not signed by a threshold"):
        repository_for("https://tufc.example.test", md.to_bytes(), data_dir=dirs["data_dir"])


def test_staging_and_url_conflict(dirs: dict[str, Path]) -> None:
    with pytest.raises(UsageError, match="at most one"):
        repository_for("https://tufc.example.test", staging=True, data_dir=dirs["data_dir"])


def test_sigstore_instances_bootstrap_from_the_bundled_root_json(dirs: dict[str, Path]) -> None:
    prod = repository_for(data_dir=dirs["data_dir"])
    assert hashlib.sha256(prod.bootstrap).hexdigest() == (
        "73747011d0857ada15479a16c4cae0f3ed03aac698b523b97e1de314ac9d9ca8")
    assert tufc.check_bootstrap_root(prod.bootstrap).version == 15
    stage = repository_for(staging=True, data_dir=dirs["data_dir"])
    assert tufc.check_bootstrap_root(stage.bootstrap).version == 14 and stage.fallback is not None
    assert repository_for(tufc.PRODUCTION_URL + "/", data_dir=dirs["data_dir"]).name == "production"


# -- Paths and URLs --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "https://../../../etc", "http://x/../../..", "https://evil.test/%2e%2e/%2e%2e", "https://a" + "b" * 300 + ".test",
    "https://[::1]:8443/x", "https://\u00e9vil.test/", "https://.hidden", "http://127.0.0.1:1/a/b/../../c",
])
def test_cache_directory_is_always_one_safe_segment(url: str, tmp_path: Path) -> None:
    path = tufc.mirror_path(url, tmp_path)
    assert path.parent.parent == tmp_path / "tuf"
    slug = path.parent.name
    assert slug == tufc.repository_slug(url) and "/" not in slug and not slug.startswith(".")
    assert all(c.isascii() and (c.isalnum() or c in ".-") for c in slug) and len(slug) <= 65
    assert path.resolve().is_relative_to(tmp_path.resolve())
    assert tufc.repository_slug(url) != tufc.repository_slug(url + "x")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://host/x", "https://user:pw@host/x", "javascript:x",
                                 "https://host/x?token=1", "https://host/x#f", "", "https://", "http://h:99999/"])
def test_bad_repository_urls_are_usage_errors(url: str) -> None:
    with pytest.raises(UsageError):
        tufc.normalize_url(url)


def test_url_normalisation() -> None:
    assert tufc.normalize_url(" HTTPS://Tuf.Example.TEST:443/a/ ") == "https://tuf.example.test:443/a"
    assert tufc.normalize_url("https://tuf-repo-cdn.sigstore.dev/") == tufc.PRODUCTION_URL


def test_cache_dir_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PYSLSA_CACHE_DIR", str(tmp_path / "env-cache"))
    monkeypatch.setenv("PYSLSA_DATA_DIR", str(tmp_path / "env-data"))
    assert tufc.cache_root() == tmp_path / "env-cache" and tufc.cache_root(tmp_path / "arg") == tmp_path / "arg"
    assert tufc.data_root() == tmp_path / "env-data"
    monkeypatch.delenv("PYSLSA_CACHE_DIR")
    assert "pyslsa" in str(tufc.cache_root())


# -- show / export / verify ------------------------------------------------------------------------------------------


def test_show_reports_the_source_and_what_the_root_trusts(auth: Authority, repo: TufRepo,
                                                          served: tuple[str, ServerState],
                                                          dirs: dict[str, Path]) -> None:
    url, _ = served
    do_update(url, repo, dirs)
    report = show(repository=private(url, repo, dirs), cache_dir=dirs["cache_dir"])
    assert report.source.kind == "tuf-cache" and report.warnings == ()
    assert [a.name for a in report.of_kind("tlog")] == ["https://rekor.test"]
    assert report.of_kind("tlog")[0].ident == auth.log.log_id.hex() and report.of_kind("tlog")[0].active
    assert len(report.of_kind("ca")) == 1 and len(report.of_kind("tsa")) == 1 and len(report.of_kind("ctlog")) == 1
    text = view.report_text(report)
    assert "Source: tuf-cache" in text and "Transparency logs (1):" in text and "https://rekor.test" in text
    doc = json.loads(render(report, "json")[0])  # where the root comes from: the trusted_root of every JSON output
    assert doc["trusted_root"]["kind"] == "tuf-cache" and doc["trusted_root"]["versions"]["targets"] == 1
    assert doc["authorities"]["tlog"][0]["id"] == auth.log.log_id.hex()
    json.dumps(doc)


def test_export_writes_the_root_in_force_byte_for_byte(repo: TufRepo, served: tuple[str, ServerState],
                                                       dirs: dict[str, Path], tmp_path: Path) -> None:
    url, _ = served
    do_update(url, repo, dirs)
    out = tmp_path / "exported.json"
    resolved = export(output=out, repository=private(url, repo, dirs), cache_dir=dirs["cache_dir"])
    assert out.read_bytes() == resolved.data == repo.target_data["trusted_root.json"]
    # ...and the air-gapped machine uses it with --trusted-root.
    assert resolve_trusted_root(trusted_root_file=out).data == resolved.data
    with pytest.raises(UsageError, match="cannot write"):
        export(output=tmp_path / "missing-dir" / "x.json", repository=private(url, repo, dirs),
               cache_dir=dirs["cache_dir"])
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_verify_file_reports_what_a_real_root_trusts() -> None:
    report = verify_file(PRODUCTION_ROOT)
    assert report.source.kind == "file"
    tlogs = {a.name for a in report.of_kind("tlog")}
    assert "https://log2025-1.rekor.sigstore.dev" in tlogs and "https://rekor.sigstore.dev" in tlogs
    assert any(a.valid_until is not None and not a.active for a in report.of_kind("ca"))  # retired Fulcio CAs
    assert all(not a.problem for a in report.authorities)
    text = view.report_text(report)
    assert "Certificate authorities" in text and "Timestamp authorities" in text


def test_verify_file_warns_about_what_cannot_be_used(auth: Authority, tmp_path: Path) -> None:
    doc = auth.trusted_root(tlog_end=auth.now - dt.timedelta(days=1))
    doc["tlogs"][0]["publicKey"]["keyDetails"] = "PKIX_UNKNOWN"
    doc["certificateAuthorities"] = []
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(doc))
    report = verify_file(path)
    joined = " | ".join(report.warnings)
    assert "no certificate authority" in joined and "unusable: unsupported key details 'PKIX_UNKNOWN'" in joined


@pytest.mark.parametrize("content", [b"{}", b"not json", b'{"mediaType": "application/json"}'])
def test_verify_file_refuses_a_malformed_root(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(TrustedRootError) as info:
        verify_file(path)
    assert info.value.exit_status == 2 and info.value.code == "invalid-trusted-root"


def test_update_renderings(repo: TufRepo, served: tuple[str, ServerState], dirs: dict[str, Path]) -> None:
    url, _ = served
    first = do_update(url, repo, dirs)
    repo.publish()
    second = do_update(url, repo, dirs)
    text = view.update_text(second)
    assert "timestamp 1 -> 2" in text and "trusted_root.json: unchanged" in text
    assert "Cache: none usable" in view.update_text(first)
    doc = view.update_json(second)
    assert doc["changed"] and not doc["trusted_root_changed"] and doc["before"]["versions"]["snapshot"] == 1
    json.dumps(doc)


def test_unwritable_cache_fails_update_but_not_a_verifying_refresh(repo: TufRepo, served: tuple[str, ServerState],
                                                                   dirs: dict[str, Path], tmp_path: Path) -> None:
    url, _ = served
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    with pytest.raises(UsageError, match="cannot write"):
        update(repository=private(url, repo, dirs), cache_dir=blocker, fetcher=fetcher())
    resolved = resolve_trusted_root(repository=private(url, repo, dirs), cache_dir=blocker, refresh=True,
                                    fetcher=fetcher())
    assert resolved.source.kind == "tuf" and resolved.data == repo.target_data["trusted_root.json"]
    assert "the refreshed root is not cached: cannot write" in (resolved.source.warning or "")
    assert blocker.read_text().startswith("a file")


def test_exported_file_is_readable_by_others(repo: TufRepo, served: tuple[str, ServerState],
                                             dirs: dict[str, Path], tmp_path: Path) -> None:
    url, _ = served
    do_update(url, repo, dirs)
    out = tmp_path / "trusted_root.json"
    export(output=out, repository=private(url, repo, dirs), cache_dir=dirs["cache_dir"])
    assert out.stat().st_mode & 0o777 == 0o644
    mirror = tufc.mirror_path(tufc.normalize_url(url), dirs["cache_dir"])
    assert mirror.stat().st_mode & 0o077 == 0  # the cache is the user's own


@pytest.mark.network
def test_real_sigstore_production_update(tmp_path: Path) -> None:
    """The bundled root.json bootstraps the real Sigstore TUF repository, and its trusted root parses."""
    result = update(cache_dir=tmp_path)
    assert result.after.versions()["root"] >= 15
    root = TrustedRoot.from_json(result.after.trusted_root)
    assert any("rekor.sigstore.dev" in t.base_url for t in root.tlogs)
    assert resolve_trusted_root(cache_dir=tmp_path).source.kind == "tuf-cache"
