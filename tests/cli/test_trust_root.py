"""``pyslsa trust-root update|show|export|verify`` and the trusted root of the verifying commands, end to end through
``pyslsa.cli.main``: a throw-away TUF repository (tests/tuf_repo.py) served on 127.0.0.1 as a private Sigstore
(``--tuf-url`` / ``--tuf-root``), and Sigstore's own repository unreachable (the suite points it at a closed
loopback port, tests/conftest.py). No public network."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pyslsa.cli import main
from tests.authority import Authority
from tests.conftest import DATA, DEAD_LOOPBACK, EXAMPLE_REPO, GENERIC, TUF_UNREACHABLE_WARNING
from tests.tuf_repo import ServerState, TufRepo, authority_repo, root_bytes, serve

UTC = dt.timezone.utc
BIN = str(GENERIC / "binary-linux-amd64")
V14 = str(GENERIC / "binary-linux-amd64-push-v14.intoto.jsonl")
ARTIFACT = b"the artifact"
DIGEST = "sha256:" + hashlib.sha256(ARTIFACT).hexdigest()
EMAIL, EMAIL_ISS = "signer@example.test", "https://accounts.example.test"


@pytest.fixture(scope="module")
def auth() -> Authority:
    return Authority()


@pytest.fixture
def repo(auth: Authority) -> TufRepo:
    """A private Sigstore's TUF repository, publishing the test authority's trusted root (no Rekor v2 shard)."""
    return authority_repo(auth)


@pytest.fixture
def served(repo: TufRepo) -> Iterator[tuple[str, ServerState]]:
    with serve(repo) as s:
        yield s


@pytest.fixture
def tuf_root(repo: TufRepo, tmp_path: Path) -> str:
    path = tmp_path / "root.json"
    path.write_bytes(repo.bootstrap)
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = run(capsys, *argv, "--format", "json")
    return code, json.loads(out), err


def v2_bundle(auth: Authority, tmp_path: Path) -> str:
    """A bundle logged in the test authority's Rekor v2 shard: only a root listing that shard verifies it."""
    path = tmp_path / "artifact.sigstore.json"
    path.write_text(json.dumps(auth.message_bundle(ARTIFACT, rekor="v2",
                                                   timestamps=(auth.now + dt.timedelta(seconds=40),))))
    return str(path)


def vb(bundle: str, *extra: str) -> list[str]:
    return ["verify-bundle", "--bundle", bundle, "--certificate-identity", EMAIL, "--certificate-oidc-issuer",
            EMAIL_ISS, *extra, DIGEST]


# -- trust-root update / show / export / verify --------------------------------------------------------------------


def test_update_show_export_verify_against_a_private_repository(
        capsys: pytest.CaptureFixture[str], repo: TufRepo, served: tuple[str, ServerState], tuf_root: str,
        tmp_path: Path) -> None:
    url, state = served
    code, doc, err = run_json(capsys, "trust-root", "update", "--tuf-url", url, "--tuf-root", tuf_root)
    assert code == 0 and err == ""
    assert doc["repository"] == url and doc["before"] is None and doc["trusted_root_changed"] is True
    assert doc["after"]["versions"] == {"root": 1, "timestamp": 1, "snapshot": 1, "targets": 1}
    target = repo.target_data["trusted_root.json"]
    assert doc["trusted_root"]["kind"] == "tuf" and doc["trusted_root"]["repository"] == url
    assert doc["trusted_root"]["sha256"] == hashlib.sha256(target).hexdigest()
    # A second update: nothing new, and the root.json given once is remembered.
    code, out, err = run(capsys, "trust-root", "update", "--tuf-url", url)
    assert code == 0 and err == "" and f"TUF repository: {url}" in out
    assert "trusted_root.json: unchanged" in out and "TUF versions: root 1 -> 1" in out
    seen = len(state.requests)

    # show: the fresh cache, no network (even without --offline: the cache is fresh).
    code, out, err = run(capsys, "trust-root", "show", "--tuf-url", url)
    assert code == 0 and err == ""
    assert out.splitlines()[:2] == ["Source: tuf-cache", f"TUF repository: {url}"]
    assert "Transparency logs (1):" in out and "  - https://rekor.test  [" in out
    code, doc, err = run_json(capsys, "trust-root", "show", "--tuf-url", url, "--offline")
    assert code == 0 and doc["trusted_root"]["kind"] == "tuf-cache"
    assert doc["trusted_root"]["versions"] == {"root": 1, "timestamp": 1, "snapshot": 1, "targets": 1}
    assert [a["name"] for a in doc["authorities"]["tlog"]] == ["https://rekor.test"]
    assert doc["warnings"] == []

    # export: byte for byte, to a file or to stdout.
    exported = tmp_path / "exported" / "trusted_root.json"
    exported.parent.mkdir()
    code, out, err = run(capsys, "trust-root", "export", "--tuf-url", url, "--offline", "--output", str(exported))
    assert code == 0 and err == "" and exported.read_bytes() == target
    assert out == (f"Exported the trusted root in force (tuf-cache, sha256 {hashlib.sha256(target).hexdigest()}) "
                   f"to {exported}\n")
    code, out, err = run(capsys, "trust-root", "export", "--tuf-url", url, "--offline")
    assert code == 0 and out.encode() == target
    assert len(state.requests) == seen

    # verify: the exported file is a well-formed root; JSON names it as the file in force.
    code, doc, err = run_json(capsys, "trust-root", "verify", str(exported))
    assert code == 0 and err == ""
    assert doc["trusted_root"]["kind"] == "file" and doc["trusted_root"]["path"] == str(exported)
    assert len(doc["authorities"]["ca"]) == 1 and len(doc["authorities"]["tsa"]) == 1


def test_verify_refuses_a_malformed_root_naming_the_field(capsys: pytest.CaptureFixture[str], auth: Authority,
                                                          tmp_path: Path) -> None:
    doc = auth.trusted_root()
    del doc["tlogs"][0]["publicKey"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    code, out, _ = run_json(capsys, "trust-root", "verify", str(bad))
    assert code == 2 and out["error"]["code"] == "invalid-trusted-root"
    assert "publicKey" in out["error"]["message"] and out["trusted_root"] is None


def test_a_verifying_command_refreshes_from_the_private_repository_and_follows_a_new_shard(
        capsys: pytest.CaptureFixture[str], auth: Authority, repo: TufRepo, served: tuple[str, ServerState],
        tuf_root: str, tmp_path: Path) -> None:
    """The issue's scenario: a bundle from a new Rekor v2 shard fails with the root in force, and passes after the
    repository publishes a root listing it and `trust-root update` fetched it."""
    url, state = served
    bundle = v2_bundle(auth, tmp_path)
    # No cache yet: the verifying command refreshes (kind tuf), and the root has no v2 shard.
    code, doc, err = run_json(capsys, *vb(bundle, "--tuf-url", url, "--tuf-root", tuf_root))
    assert code == 1 and err == ""
    assert doc["artifacts"][0]["error"]["code"] == "invalid-tlog-entry"
    assert doc["trusted_root"]["kind"] == "tuf" and doc["trusted_root"]["repository"] == url
    # The repository publishes the new shard; the cache is still fresh, so a verifying command does not ask.
    repo.add_target("trusted_root.json", root_bytes(auth, v2_log=True))
    repo.publish()
    seen = len(state.requests)
    code, doc, err = run_json(capsys, *vb(bundle, "--tuf-url", url))
    assert code == 1 and doc["trusted_root"]["kind"] == "tuf-cache" and len(state.requests) == seen
    code, out, err = run(capsys, "trust-root", "update", "--tuf-url", url)
    assert code == 0 and "trusted_root.json: changed" in out and "targets 1 -> 2" in out
    code, doc, err = run_json(capsys, *vb(bundle, "--tuf-url", url, "--offline"))
    assert code == 0 and doc["verified"] is True and err == ""
    assert doc["trusted_root"]["kind"] == "tuf-cache" and doc["trusted_root"]["versions"]["targets"] == 2
    # --debug names the root in force.
    code, out, err = run(capsys, *vb(bundle, "--tuf-url", url, "--offline", "--debug"))
    assert code == 0 and err.startswith(f"debug: trusted root: tuf-cache, repository {url}, path ")
    assert "versions root=1 timestamp=2 snapshot=2 targets=2" in err.splitlines()[0]


# -- TUF failures: tuf-failed, naming the check, never a fallback ---------------------------------------------------


@pytest.mark.parametrize(("attack", "check", "words"), [
    ("expired", "expiry", ["freeze attack", "timestamp.json is expired"]),
    ("tampered", "length-or-hash", ["the file is not the one the signed metadata describes"]),
    ("rolled-back", "version", ["rollback", "New timestamp version 1 must be >= 2"]),
])
def test_tuf_failures_are_tuf_failed_naming_the_check(
        capsys: pytest.CaptureFixture[str], auth: Authority, repo: TufRepo, served: tuple[str, ServerState],
        tuf_root: str, tmp_path: Path, attack: str, check: str, words: list[str]) -> None:
    url, state = served
    if attack == "expired":  # a freeze: the repository serves metadata that expired
        repo.publish(timestamp_expires=dt.datetime.now(UTC) - dt.timedelta(minutes=5))
    elif attack == "tampered":  # the target's bytes are not the ones the targets metadata signed
        key = next(k for k in repo.files if k.startswith("targets/"))
        good = repo.files[key]
        state.faults[key] = good.replace(b"https://rekor.test", b"https://evil.test")[:len(good)]
    else:  # the client saw timestamp v2; the repository then hands out v1 (validly signed, unexpired)
        old_timestamp = repo.files["timestamp.json"]
        repo.publish()
        assert run(capsys, "trust-root", "update", "--tuf-url", url, "--tuf-root", tuf_root)[0] == 0
        state.faults["timestamp.json"] = old_timestamp
    code, doc, err = run_json(capsys, "trust-root", "update", "--tuf-url", url, "--tuf-root", tuf_root)
    assert code == 1 and err == ""
    assert doc["error"]["code"] == "tuf-failed" and f"the TUF {check} check failed" in doc["error"]["message"]
    for w in words:
        assert w in doc["error"]["message"]
    assert doc["trusted_root"] is None
    if attack == "rolled-back":
        # The last good state stays in the cache, and a verifying command keeps using it while it is fresh.
        code, doc, _ = run_json(capsys, "trust-root", "show", "--tuf-url", url)
        assert code == 0 and doc["trusted_root"]["versions"]["timestamp"] == 2
        return
    # A verifying command with no cache refreshes, and fails the same way: no fallback to anything unverified.
    code, out, err = run(capsys, *vb(v2_bundle(auth, tmp_path), "--tuf-url", url, "--tuf-root", tuf_root))
    assert code == 1 and out == ""
    assert err.startswith("FAILED: [tuf-failed] TUF update of ") and f"the TUF {check} check failed" in err
    assert len(err.splitlines()) == 1


# -- Unreachable, offline ------------------------------------------------------------------------------------------


def test_sigstore_unreachable_warns_and_verifies_with_the_bundled_root(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["verify-artifact", "--provenance-path", V14, "--source-uri", EXAMPLE_REPO, "--source-tag", "v14", BIN]
    code, doc, err = run_json(capsys, *argv)
    assert code == 0 and doc["verified"] is True and err == TUF_UNREACHABLE_WARNING
    assert doc["trusted_root"] == {
        "kind": "bundled", "repository": DEAD_LOOPBACK, "path": None, "date": "2025-09-23T00:00:00Z",
        "expires": None, "versions": None,
        "sha256": "6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66",
        "warning": TUF_UNREACHABLE_WARNING.removeprefix("pyslsa: warning: ").rstrip("\n")}
    # trust-root update is how to insist on a fresh root: it fails, exit 1.
    code, out, err = run(capsys, "trust-root", "update")
    assert code == 1 and out == ""
    assert err.startswith(f"FAILED: [tuf-unreachable] TUF update of {DEAD_LOOPBACK}: the TUF repository could not "
                          f"be reached: {DEAD_LOOPBACK}/16.root.json unreachable: ")


def test_private_repository_unreachable_without_cache_is_one_usage_line(capsys: pytest.CaptureFixture[str],
                                                                          tuf_root: str, tmp_path: Path,
                                                                          auth: Authority) -> None:
    dead = f"{DEAD_LOOPBACK}/private"
    bundle = v2_bundle(auth, tmp_path)
    code, out, err = run(capsys, *vb(bundle, "--tuf-url", dead, "--tuf-root", tuf_root))
    assert code == 2 and out == ""
    assert err == (f"FAILED: [usage] no trusted root for {dead}: it could not be reached ({dead}/2.root.json "
                   f"unreachable: ConnectError: [Errno 111] Connection refused) and there is no TUF cache of it "
                   f"yet; run `pyslsa trust-root update --tuf-url {dead}` with network access first\n")
    code, out, err = run(capsys, *vb(bundle, "--tuf-url", dead, "--tuf-root", tuf_root, "--offline"))
    assert code == 2 and err == (f"FAILED: [usage] no trusted root for {dead} offline: its TUF cache is empty; run "
                                 f"`pyslsa trust-root update --tuf-url {dead}` with network access first\n")


def test_environment_names_the_private_repository(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                                  repo: TufRepo, served: tuple[str, ServerState],
                                                  tuf_root: str) -> None:
    url, _ = served
    monkeypatch.setenv("PYSLSA_TUF_URL", url)
    monkeypatch.setenv("PYSLSA_TUF_ROOT", tuf_root)
    code, doc, _ = run_json(capsys, "trust-root", "update")
    assert code == 0 and doc["repository"] == url
    monkeypatch.delenv("PYSLSA_TUF_ROOT")
    code, doc, _ = run_json(capsys, "trust-root", "show", "--offline")
    assert code == 0 and doc["trusted_root"]["kind"] == "tuf-cache" and doc["trusted_root"]["repository"] == url


def test_offline_never_opens_a_connection(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[object] = []

    def no_connect(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", no_connect)
    monkeypatch.setattr(socket, "create_connection", no_connect)
    argv = ["verify-artifact", "--provenance-path", V14, "--source-uri", EXAMPLE_REPO, "--source-tag", "v14",
            "--offline", BIN]
    code, out, err = run(capsys, *argv)
    assert code == 0 and out.splitlines()[-1] == "PASSED: SLSA verification passed"
    assert err == (f"pyslsa: warning: no TUF cache of {DEAD_LOOPBACK} yet; verifying with the trusted root bundled "
                   f"with pyslsa 0.1.0 (2025-09-23); `pyslsa trust-root update` refreshes it\n")
    code, out, err = run(capsys, "trust-root", "show", "--offline")
    assert code == 0 and out.startswith("Source: bundled\n") and "no TUF cache" in err
    assert attempts == []


VA = ["verify-artifact", "--provenance-path", V14, "--source-uri", EXAMPLE_REPO, BIN]


@pytest.mark.parametrize(("argv", "loaded"), [
    (["--help"], False),
    (["trust-root", "--help"], False),
    ([*VA, "--offline"], False),
    ([*VA, "--trusted-root", str(DATA / "trust-roots" / "production-trusted_root.json")], False),
    (VA, True),  # the control: a refresh (of the closed loopback port) does load it
], ids=["help", "trust-root-help", "offline", "trusted-root", "refresh"])
def test_startup_imports_the_tuf_client_only_when_a_refresh_happens(argv: list[str], loaded: bool) -> None:
    code = ("import sys\nfrom pyslsa.cli import main\ntry:\n    rc = main(sys.argv[1:])\nexcept SystemExit as e:\n"
            "    rc = e.code\nprint(rc, 'tuf.ngclient' in sys.modules, file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.stderr.splitlines()[-1] == f"0 {loaded}", proc.stderr


#: The verifying commands and the arguments each needs besides the trusted-root flags.
VERIFYING = {
    "pyslsa.commands.verify_artifact": ["--provenance-path", "p", "--source-uri", "github.com/o/r", "a"],
    "pyslsa.commands.verify_github_attestation": ["--attestation-path", "p", "--source-uri", "github.com/o/r",
                                                  "--builder-id", "b", "a"],
    "pyslsa.commands.verify_bundle": ["--bundle", "b", "--key", "k.pem", "a"],
    "pyslsa.commands.verify_release": ["n==1", "--source-uri", "github.com/o/r"],
    "pyslsa.commands.upgrade_provenance": ["p", "--output", "o"],
    "pyslsa.commands.audit": ["requirements.txt"],
    "pyslsa.commands.serve": ["--upstream", "http://127.0.0.1:1/simple/"],
    "pyslsa.commands.verify_vsa": ["--attestation-path", "v", "--subject-digest", "sha256:" + "0" * 64,
                                   "--verifier-id", "i", "--resource-uri", "r", "--certificate-identity", "x",
                                   "--certificate-oidc-issuer", "y"],
}


@pytest.mark.parametrize("name", sorted(VERIFYING))
def test_every_verifying_command_takes_the_trusted_root_flags(name: str) -> None:
    import argparse
    import importlib

    from pyslsa.cli import COMMANDS

    assert name in COMMANDS
    module = importlib.import_module(name)
    parser = argparse.ArgumentParser()
    module.configure(parser)
    online = module.options_from(parser.parse_args([*VERIFYING[name], "--tuf-url", "https://tuf.example",
                                                    "--tuf-root", "root.json"]))
    assert (online.tuf.url, online.tuf.root, online.tuf.refresh) == ("https://tuf.example", "root.json", True)
    offline = module.options_from(parser.parse_args([*VERIFYING[name], "--offline"]))
    assert offline.tuf.refresh is False and offline.tuf.url is None
