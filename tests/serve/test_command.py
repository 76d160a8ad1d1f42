"""``pyslsa serve`` end to end: the real command (``python -m pyslsa serve``, a process on a free loopback port),
deciding with the audit engine, in front of the audit tests' loopback world -- a package index and a GitHub-like
API serving the real vectors (pypi-attestations' sdist with its real PEP 740 provenance, the bcr vector's real
GitHub artifact attestation) and wheels attested by the throw-away Sigstore of tests/authority.py -- under a real
policy file. pip and uv install through it (no configuration of this machine, no cache): what verifies installs,
what does not is refused with the 403 reason in the decision log; warn mode lets it through; a policy or pins edit
applies to the next install of the same process; the status page in headless Chromium shows the decisions;
SIGTERM and Ctrl-C stop it with exit status 0, no traceback and no part file."""

from __future__ import annotations

import ast
import hashlib
import json
import signal
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.audit_world import BCR_BUNDLE, PA, PA_PROVENANCE, RL, Dist, Signer, World, world
from tests.serve.browser import CHROMIUM, Dom, chromium
from tests.serve.conftest import pip_download, pip_install, uv_install
from tests.serve.dists import make_wheel
from tests.serve.helpers import file_url, get
from tests.serve.process import ServeProcess, read_log

POLICY = """\
require = "listed"

[packages.pypi-attestations]
repository = "github.com/trailofbits/pypi-attestations"

[packages.demo]
repository = "github.com/org/demo"

[packages.wrongpub]
repository = "github.com/org/wrongpub"

[packages.plain]
repository = "github.com/org/plain"

[packages.rules-lint]
repository = "github.com/aspect-build/rules_lint"
"""
EXCEPTION = """
[[exceptions]]
package = "plain"
reason = "no attestations upstream yet; reviewed"
owner = "security@example.com"
expires = 2999-12-31
"""
PINS = ('schema = "pyslsa-pins/1"\n\n[[packages]]\nname = "demo"\n\n[[packages.attestation-identities]]\n'
        'kind = "GitHub"\nrepository = "org/demo"\nworkflow = "{workflow}"\n')
NO_BUILD = ("--no-deps", "--no-build-isolation")  # the sdist is built with this environment's setuptools


def wheel(name: str) -> Dist:
    w = make_wheel(name, "1.0")
    return Dist(name, "1.0", w.filename, w.data)


DEMO, WRONG, PLAIN, SLOW = wheel("demo"), wheel("wrongpub"), wheel("plain"), wheel("slow")


@dataclass
class Setup:
    w: World
    signer: Signer
    policy: Path
    log: Path
    cache: Path

    def start(self, *extra: str) -> ServeProcess:
        return ServeProcess(["--upstream", self.w.index_url, "--log", str(self.log), "--cache", str(self.cache),
                             "--github-url", self.w.gh.base, "--github-api-url", f"{self.w.gh.base}/api",
                             "--trusted-root", str(self.signer.root_path), *extra], cwd=self.w.tmp)

    def records(self, filename: str) -> list[dict[str, Any]]:
        """The logged decisions of ``filename``, a run of equal ones counted once: uv reads a wheel whose index lists
        no PEP 658 metadata (the audit world's index) with several GETs, and each request is decided."""
        out: list[dict[str, Any]] = []
        for r in read_log(self.log):
            if r["filename"] == filename and (not out or _key(out[-1]) != _key(r)):
                out.append(r)
        return out

    def decisions(self, filename: str) -> list[tuple[str, str | None, str]]:
        return [(r["verdict"], r["code"], r["action"]) for r in self.records(filename)]


def _key(r: dict[str, Any]) -> tuple[object, ...]:
    return r["verdict"], r["code"], r["action"], r["message"]


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    with world(tmp_path, loopback=True) as w:  # the proxy's upstream client, pip and uv need real sockets
        signer = Signer(tmp_path)
        w.publish(PA, provenance=PA_PROVENANCE)
        for d in (DEMO, WRONG, PLAIN, SLOW):
            w.publish(d)
        w.attest("org/demo", DEMO.sha256, [signer.attestation(DEMO.sha256, DEMO.filename, "org/demo")])
        # stored in org/wrongpub's attestations, signed by another repository's workflow
        w.attest("org/wrongpub", WRONG.sha256, [signer.attestation(WRONG.sha256, WRONG.filename, "evil/wrongpub")])
        w.publish(RL)
        w.attest("aspect-build/rules_lint", RL.sha256, [BCR_BUNDLE])
        policy = w.policy(POLICY)  # pyslsa.toml in the directory the command runs in: found as audit finds it
        yield Setup(w, signer, policy, tmp_path / "decisions.jsonl", tmp_path / "cache")


def installed(target: Path, module: str) -> str | None:
    init = target / module / "__init__.py"
    if not init.exists():
        return None
    return str(ast.literal_eval(init.read_text().splitlines()[0].partition("=")[2].strip()))


def install(client: str, simple: str, target: Path, req: str, *flags: str) -> tuple[int, str]:
    if client == "pip":
        return _outcome(pip_install(simple, target, req, extra=flags))
    return _outcome(uv_install(simple, target, *flags, req))


def _outcome(run: subprocess.CompletedProcess[str]) -> tuple[int, str]:
    return run.returncode, run.stderr


@pytest.mark.parametrize("client", ["pip", "uv"])
def test_attested_installs_and_failing_packages_are_refused(setup: Setup, tmp_path: Path, client: str) -> None:
    proxy = setup.start()
    try:
        assert f"  policy:        {setup.policy} (sha256:" in proxy.stderr
        assert "require = listed, 5 packages, 0 exceptions); pins: none" in proxy.stderr
        # the real sdist and its real PEP 740 provenance (the production Sigstore)
        rc, err = install(client, proxy.simple, tmp_path / "pa", "pypi-attestations==0.0.19", *NO_BUILD)
        assert rc == 0, err
        assert (tmp_path / "pa" / "pypi_attestations" / "__init__.py").exists()
        assert setup.decisions(PA.filename) == [("verified", None, "served")]
        # a wheel with a GitHub artifact attestation in the policy's repository
        rc, err = install(client, proxy.simple, tmp_path / "demo", "demo==1.0")
        assert rc == 0, err
        assert installed(tmp_path / "demo", "demo") == "1.0"
        (rec,) = setup.records(DEMO.filename)
        assert (rec["verdict"], rec["action"]) == ("verified", "served")
        assert [(e["kind"], e["identity"]["repository"]) for e in rec["evidence"]["evidence"]] == [
            ("github-attestation", "org/demo")]
        # the wrong publisher
        rc, err = install(client, proxy.simple, tmp_path / "wrong", "wrongpub==1.0")
        assert rc != 0 and "403" in err
        assert installed(tmp_path / "wrong", "wrongpub") is None
        (rec,) = setup.records(WRONG.filename)
        assert (rec["verdict"], rec["code"], rec["action"], rec["status"]) == (
            "failed", "mismatch-source", "refused", 403)
        assert "'evil/wrongpub'" in rec["message"]
        # required, and nothing attests it
        rc, err = install(client, proxy.simple, tmp_path / "plain", "plain==1.0")
        assert rc != 0 and "403" in err
        assert setup.decisions(PLAIN.filename) == [("failed", "unattested", "refused")]
        (rec,) = setup.records(PLAIN.filename)
        assert "requires evidence for plain (require = listed)" in rec["message"]
        # the bcr vector's real GitHub artifact attestation, through the GitHub-like API
        resp = get(file_url(proxy.simple, "rules-lint", RL.filename))
        assert resp.status_code == 200 and resp.content == RL.content
        assert resp.headers["x-pyslsa-verdict"] == "verified"
        # the reason, to an HTTP client (pip and uv print the status and the URL, not the body), and on the
        # proxy's stderr, one line per refusal
        resp = get(file_url(proxy.simple, "wrongpub", WRONG.filename))
        assert resp.status_code == 403 and "[mismatch-source]" in resp.text and "'evil/wrongpub'" in resp.text
        assert f"pyslsa serve: REFUSED {WRONG.filename}: [mismatch-source]" in proxy.stderr
    finally:
        rc, _, err = proxy.stop()
    assert rc == 0 and "Traceback" not in err


def test_pip_download_gets_the_verified_bytes_only(setup: Setup, tmp_path: Path) -> None:
    proxy = setup.start()
    try:
        run = pip_download(proxy.simple, tmp_path / "ok", "demo==1.0")
        assert run.returncode == 0, run.stderr
        assert hashlib.sha256((tmp_path / "ok" / DEMO.filename).read_bytes()).hexdigest() == DEMO.sha256
        run = pip_download(proxy.simple, tmp_path / "no", "plain==1.0")
        assert run.returncode != 0 and "403" in run.stderr and PLAIN.filename in run.stderr
        assert not (tmp_path / "no").exists() or list((tmp_path / "no").iterdir()) == []
    finally:
        proxy.stop()
    assert setup.decisions(DEMO.filename) == [("verified", None, "served")]
    assert setup.decisions(PLAIN.filename) == [("failed", "unattested", "refused")]


@pytest.mark.parametrize("client", ["pip", "uv"])
def test_a_tampered_sdist_is_refused(setup: Setup, tmp_path: Path, client: str) -> None:
    tampered = PA.content[:-1] + bytes([PA.content[-1] ^ 1])  # the index lists the tampered bytes' digest
    setup.w.publish(Dist(PA.name, PA.version, PA.filename, tampered), provenance=PA_PROVENANCE)
    proxy = setup.start()
    try:
        rc, err = install(client, proxy.simple, tmp_path / "t", "pypi-attestations==0.0.19", *NO_BUILD)
        assert rc != 0 and "403" in err
        assert setup.decisions(PA.filename) == [("failed", "mismatch-hash", "refused")]
    finally:
        proxy.stop()


def test_warn_mode_lets_them_through_and_logs(setup: Setup, tmp_path: Path) -> None:
    proxy = setup.start("--mode", "warn")
    try:
        rc, err = install("pip", proxy.simple, tmp_path / "t", "wrongpub==1.0")
        assert rc == 0, err
        rc, err = install("uv", proxy.simple, tmp_path / "u", "plain==1.0")
        assert rc == 0, err
        assert installed(tmp_path / "t", "wrongpub") == "1.0" and installed(tmp_path / "u", "plain") == "1.0"
    finally:
        proxy.stop()
    assert setup.decisions(WRONG.filename) == [("failed", "mismatch-source", "warned")]
    assert setup.decisions(PLAIN.filename) == [("failed", "unattested", "warned")]
    assert all(r["mode"] == "warn" and r["status"] == 200 for r in read_log(setup.log))


def test_a_policy_edit_applies_without_restart(setup: Setup, tmp_path: Path) -> None:
    proxy = setup.start()
    try:
        assert install("pip", proxy.simple, tmp_path / "a", "plain==1.0")[0] != 0
        assert install("pip", proxy.simple, tmp_path / "a", "demo==1.0")[0] == 0
        setup.policy.write_text(POLICY + EXCEPTION)  # the same process, the next install
        rc, err = install("uv", proxy.simple, tmp_path / "b", "plain==1.0")
        assert rc == 0, err
        # demo's attestation is in org/demo: a policy naming org/other finds none there
        setup.policy.write_text(POLICY.replace('"github.com/org/demo"', '"github.com/org/other"'))
        assert install("pip", proxy.simple, tmp_path / "c", "demo==1.0")[0] != 0
        assert install("pip", proxy.simple, tmp_path / "d", "plain==1.0")[0] != 0
        status = get(f"{proxy.url}/-/decisions.json").json()
    finally:
        proxy.stop()
    assert setup.decisions(PLAIN.filename) == [("failed", "unattested", "refused"),
                                               ("allowed", "unattested", "served"),
                                               ("failed", "unattested", "refused")]
    assert setup.decisions(DEMO.filename) == [("verified", None, "served"), ("failed", "unattested", "refused")]
    assert "requires evidence for demo" in setup.records(DEMO.filename)[1]["message"]
    digest = hashlib.sha256(setup.policy.read_bytes()).hexdigest()[:12]
    assert status["policy"].startswith(f"{setup.policy} (sha256:{digest}, require = listed")


def test_pins_a_changed_publisher_is_refused(setup: Setup, tmp_path: Path) -> None:
    pins = tmp_path / "team.pins.toml"
    pins.write_text(PINS.format(workflow="publish.yml"))
    proxy = setup.start("--pins", str(pins))
    try:
        rc, err = install("uv", proxy.simple, tmp_path / "a", "demo==1.0")
        assert rc != 0 and "403" in err
        pins.write_text(PINS.format(workflow="release.yml"))  # reviewed: the pins now name the real publisher
        rc, err = install("pip", proxy.simple, tmp_path / "b", "demo==1.0")
        assert rc == 0, err
    finally:
        proxy.stop()
    assert setup.decisions(DEMO.filename) == [("failed", "publisher-changed", "refused"),
                                              ("verified", None, "served")]
    (first, _) = setup.records(DEMO.filename)
    assert "publish.yml" in first["message"] and "release.yml" in first["message"]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")
def test_the_status_page_shows_the_decisions(setup: Setup, tmp_path: Path) -> None:
    proxy = setup.start()
    try:
        assert get(file_url(proxy.simple, "demo", DEMO.filename)).status_code == 200
        assert get(file_url(proxy.simple, "wrongpub", WRONG.filename)).status_code == 403
        run = chromium(tmp_path / "profile", "--dump-dom", f"{proxy.url}/")
        assert run.returncode == 0, run.stderr[-2000:]
    finally:
        proxy.stop()
    dom = Dom()
    dom.feed(run.stdout)
    assert dom.title == "pyslsa serve"
    assert dom.ids["policy"].startswith(f"{setup.policy} (sha256:")
    assert (dom.ids["count-verified"], dom.ids["count-failed"]) == ("1", "1")
    (newest, oldest) = dom.rows
    assert newest[1:7] == ["wrongpub", "1.0", WRONG.filename, "failed", "mismatch-source", "refused"]
    assert oldest[1:7] == ["demo", "1.0", DEMO.filename, "verified", "", "served"]
    assert "GitHub org/demo" in oldest[7]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_it_cleanly(setup: Setup, sig: signal.Signals) -> None:
    route = setup.w.index.routes[f"/files/{SLOW.filename}"]
    route.drip = 0.01  # a byte every 10 ms: still downloading when the signal comes
    proxy = setup.start("--format", "json")
    results: list[object] = []

    def client() -> None:
        try:
            results.append(httpx.get(file_url(proxy.simple, "slow", SLOW.filename), timeout=60).status_code)
        except httpx.HTTPError as exc:
            results.append(type(exc).__name__)

    t = threading.Thread(target=client)
    t.start()
    parts = setup.cache / "tmp"
    try:
        while not any(parts.glob("*.part")) and t.is_alive():
            t.join(0.01)
        assert any(parts.glob("*.part")), "the download never started"
    finally:
        rc, out, err = proxy.stop(sig)
        t.join(60)
    assert rc == 0, err
    assert "Traceback" not in err and err.endswith(f"pyslsa serve: stopped ({sig.name})\n"), err
    doc = json.loads(out)
    assert doc.pop("trusted_root")["kind"] == "file"  # the --trusted-root the proxy verified with
    assert doc == {"command": "serve", "upstream": setup.w.index_url, "stopped_by": sig.name, "error": None}
    assert list(parts.iterdir()) == []
    assert results and results[0] != 200
