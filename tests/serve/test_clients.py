"""Real clients end to end: pip and uv install through the proxy (uvicorn on a loopback port) from the loopback
upstream, with nothing from this machine's pip/uv configuration and no cache.

What verifies installs (the real pypi-attestations sdist, its real PEP 740 provenance verified by pyslsa's core);
what fails is refused with a 403 whose reason is in the decision log; warn mode lets it through and logs; a rules
edit applies to the next install without a restart; ``on_fail="hide"`` makes the resolvers fall back to the older
version (the documented risk of hide)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import PYPI_ATT, vector
from tests.serve.conftest import StartProxy, pip_install, uv_install
from tests.serve.dists import make_wheel
from tests.serve.rules import RulesDecider
from tests.serve.upstream_index import Dist, Index

SDIST = "pypi_attestations-0.0.19.tar.gz"
PA_REPO = "github.com/trailofbits/pypi-attestations"
FAIL_2 = {"fail": {"demo==2.0": {"code": "mismatch-source", "message": "signed by github.com/evil/demo, the "
                                                                      "policy requires github.com/org/demo"}}}


def installed_version(target: Path, module: str) -> str | None:
    init = target / module / "__init__.py"
    if not init.exists():
        return None
    first = init.read_text().splitlines()[0]  # VERSION = '1.0'
    return str(ast.literal_eval(first.partition("=")[2].strip()))


@pytest.fixture
def packages(index: Index) -> Index:
    index.add("demo", make_wheel("demo", "1.0", requires=("dep>=0.1",)), make_wheel("demo", "2.0", requires=("dep",)))
    index.add("dep", make_wheel("dep", "0.1"))
    return index


@pytest.mark.parametrize("client", ["pip", "uv"])
def test_allowed_installs_refused_fails_with_the_reason_logged(packages: Index, start_proxy: StartProxy,
                                                               rules: RulesDecider, tmp_path: Path,
                                                               client: str) -> None:
    install = pip_install if client == "pip" else uv_install
    rules.write(FAIL_2)
    proxy = start_proxy()
    ok = install(proxy.simple, tmp_path / "ok", "demo==1.0")
    assert ok.returncode == 0, ok.stderr
    assert installed_version(tmp_path / "ok", "demo") == "1.0" and installed_version(tmp_path / "ok", "dep") == "0.1"
    assert sorted((r["filename"], r["action"]) for r in proxy.log()) == [
        ("demo-1.0-py3-none-any.whl", "served"), ("dep-0.1-py3-none-any.whl", "served")]
    refused = install(proxy.simple, tmp_path / "refused", "demo")
    assert refused.returncode != 0
    assert "403" in refused.stderr and "demo-2.0-py3-none-any.whl" in refused.stderr
    assert installed_version(tmp_path / "refused", "demo") is None
    (rec,) = [r for r in proxy.log() if r["action"] == "refused"]
    assert (rec["filename"], rec["verdict"], rec["code"], rec["status"]) == (
        "demo-2.0-py3-none-any.whl", "failed", "mismatch-source", 403)
    assert "github.com/evil/demo" in rec["message"]


@pytest.mark.parametrize("client", ["pip", "uv"])
def test_warn_mode_lets_it_through_and_logs(packages: Index, start_proxy: StartProxy, rules: RulesDecider,
                                            tmp_path: Path, client: str) -> None:
    install = pip_install if client == "pip" else uv_install
    rules.write(FAIL_2)
    proxy = start_proxy(mode="warn")
    done = install(proxy.simple, tmp_path / "t", "demo")
    assert done.returncode == 0, done.stderr
    assert installed_version(tmp_path / "t", "demo") == "2.0"
    (rec,) = [r for r in proxy.log() if r["filename"] == "demo-2.0-py3-none-any.whl"]
    assert (rec["verdict"], rec["code"], rec["action"]) == ("failed", "mismatch-source", "warned")


def test_a_rules_edit_applies_without_restart(packages: Index, start_proxy: StartProxy, rules: RulesDecider,
                                              tmp_path: Path) -> None:
    proxy = start_proxy()
    assert pip_install(proxy.simple, tmp_path / "a", "demo").returncode == 0
    assert installed_version(tmp_path / "a", "demo") == "2.0"
    rules.write(FAIL_2)
    second = uv_install(proxy.simple, tmp_path / "b", "demo")
    assert second.returncode != 0 and "403" in second.stderr
    rules.write({**FAIL_2, "allow": [], "fail": {}})
    third = pip_install(proxy.simple, tmp_path / "c", "demo")
    assert third.returncode == 0, third.stderr
    assert [r["action"] for r in proxy.log() if r["filename"] == "demo-2.0-py3-none-any.whl"] == [
        "served", "refused", "served"]


@pytest.mark.parametrize("client", ["pip", "uv"])
def test_hide_makes_the_resolver_pick_the_older_version(packages: Index, start_proxy: StartProxy,
                                                        rules: RulesDecider, tmp_path: Path, client: str) -> None:
    """The documented risk of ``--on-fail hide``: the install succeeds, silently, with an older version."""
    install = pip_install if client == "pip" else uv_install
    rules.write(FAIL_2)
    proxy = start_proxy(on_fail="hide")
    done = install(proxy.simple, tmp_path / "t", "demo")
    assert done.returncode == 0, done.stderr
    assert installed_version(tmp_path / "t", "demo") == "1.0"
    assert any(r["action"] == "hidden" and r["filename"] == "demo-2.0-py3-none-any.whl" for r in proxy.log())
    assert install(proxy.simple, tmp_path / "pinned", "demo==2.0").returncode != 0  # not even findable


def test_the_real_attested_sdist_installs_and_a_tampered_copy_does_not(index: Index, start_proxy: StartProxy,
                                                                       rules: RulesDecider, tmp_path: Path) -> None:
    index.add("pypi-attestations", Dist(SDIST, vector(PYPI_ATT / SDIST),
                                        provenance=vector(PYPI_ATT / f"{SDIST}.provenance")))
    rules.write({"pep740": {"pypi-attestations": PA_REPO}})
    proxy = start_proxy()
    flags = ("--no-deps", "--no-build-isolation")  # built with this environment's setuptools: no index needed
    done = pip_install(proxy.simple, tmp_path / "t", "pypi-attestations==0.0.19", extra=flags)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "t" / "pypi_attestations" / "__init__.py").exists()
    (rec,) = proxy.log()
    assert (rec["verdict"], rec["action"]) == ("verified", "served")
    # the same release from an upstream that swapped the sdist (and its listed digest): the attestation does not
    # cover these bytes
    tampered = bytearray(vector(PYPI_ATT / SDIST))
    tampered[-1] ^= 1
    index.projects["pypi-attestations"][0].data = bytes(tampered)
    proxy = start_proxy()
    refused = pip_install(proxy.simple, tmp_path / "u", "pypi-attestations==0.0.19", extra=flags)
    assert refused.returncode != 0 and "403" in refused.stderr
    (rec,) = proxy.log()
    assert (rec["verdict"], rec["code"], rec["action"]) == ("failed", "mismatch-hash", "refused")
