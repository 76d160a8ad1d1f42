"""Auditing an installed environment (``--python``): the file is inferred from the dist-info and the index, the
install is proven to come from it (the wheel's RECORD against the installed one, the installed files against their
RECORD), and its evidence judged like any other."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from pyslsa.api.audit import run_audit
from pyslsa.formats import audit_view
from tests.audit_world import Dist, Signer, World, world
from tests.conftest import record_hash, validate_sarif


def make_wheel(content: bytes = b"def main():\n    return 0\n") -> Dist:
    files = {
        "envpkg/__init__.py": content,
        "envpkg/data.txt": b"data\n",
        "envpkg-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: envpkg\nVersion: 1.0\n",
        "envpkg-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\n"
                                      b"Tag: py3-none-any\n",
        "envpkg-1.0.dist-info/entry_points.txt": b"[console_scripts]\nenvpkg-cli = envpkg:main\n",
    }
    record = "".join(f"{p},{record_hash(c)},{len(c)}\n" for p, c in files.items()) + "envpkg-1.0.dist-info/RECORD,,\n"
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        zf.writestr("envpkg-1.0.dist-info/RECORD", record)
    return Dist("envpkg", "1.0", "envpkg-1.0-py3-none-any.whl", buf.getvalue())


WHEEL = make_wheel()


@pytest.fixture
def w(tmp_path: Path) -> Any:
    with world(tmp_path, loopback=True) as wd:  # a real pip installs from the index
        yield wd


def install(w: World) -> Path:
    """A real virtual environment with envpkg installed by pip from the loopback index."""
    env = w.tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    py = env / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--isolated", "--disable-pip-version-check", "--python", str(py),
                    "install", "--quiet", "--no-deps", "--no-cache-dir", "--index-url", w.index_url, "envpkg==1.0"],
                   check=True)
    return py


def test_an_installed_environment(w: World) -> None:
    signer = Signer(w.tmp)
    w.publish(WHEEL)
    w.attest("acme/envpkg", WHEEL.sha256, [signer.attestation(WHEEL.sha256, WHEEL.filename, "acme/envpkg")])
    py = install(w)
    w.policy('[packages.envpkg]\nrepository = "github.com/acme/envpkg"\n')
    report = run_audit(w.options(python=str(py), trusted_root=str(signer.root_path)))
    doc = report.to_json()
    assert doc["error"] is None, doc
    (p,) = doc["packages"]
    assert (p["name"], p["version"], p["verdict"]) == ("envpkg", "1.0", "verified"), p
    assert p["files"][0]["filename"] == WHEEL.filename and p["files"][0]["sha256"] == WHEEL.sha256
    assert p["pinned_at"].endswith("site-packages/envpkg-1.0.dist-info")
    assert p["files"][0]["evidence"][0]["identity"]["repository"] == "acme/envpkg"
    sarif = audit_view.sarif(report)
    validate_sarif(sarif)
    assert sarif["runs"][0]["results"] == []
    assert audit_view.text(report).rstrip().endswith("1 verified, 0 unattested, 0 failed")
    assert "✅ the policy holds" in audit_view.markdown(report)
    # the wheel was downloaded to prove the install, into a directory that is gone now
    assert any(path == f"/files/{WHEEL.filename}" for path, _, _ in w.index.requests)

    # a file changed since the install
    site = next((w.tmp / "venv" / "lib").glob("python*/site-packages"))
    (site / "envpkg" / "data.txt").write_bytes(b"changed\n")
    p = run_audit(w.options(python=str(py), trusted_root=str(signer.root_path))).to_json()["packages"][0]
    assert (p["verdict"], p["code"]) == ("failed", "mismatch-hash") and "changed since the install" in p["message"]
    changed = run_audit(w.options(python=str(py), trusted_root=str(signer.root_path)))
    result = audit_view.sarif(changed)["runs"][0]["results"][0]
    validate_sarif(audit_view.sarif(changed))
    assert result["ruleId"] == "mismatch-hash" and "region" not in result["locations"][0]["physicalLocation"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "envpkg-1.0.dist-info/METADATA")
    (site / "envpkg" / "data.txt").write_bytes(b"data\n")

    # the index now serves other bytes under the name: the install is not from that wheel
    other = make_wheel(b"def main():\n    return 1\n")
    w.publish(other)
    p = run_audit(w.options(python=str(py), trusted_root=str(signer.root_path))).to_json()["packages"][0]
    assert (p["verdict"], p["code"]) == ("failed", "mismatch-hash") and "is not envpkg-1.0-py3-none-any.whl" in \
        p["message"]


def test_self_hosted_runner_and_publisher_change(w: World) -> None:
    signer = Signer(w.tmp)
    w.publish(WHEEL)
    lock = w.pylock([WHEEL])
    w.attest("acme/envpkg", WHEEL.sha256, [signer.attestation(WHEEL.sha256, WHEEL.filename, "acme/envpkg",
                                                              runner="self-hosted")])
    w.policy('[packages.envpkg]\nrepository = "github.com/acme/envpkg"\n')
    p = run_audit(w.options(lock, trusted_root=str(signer.root_path))).packages[0]
    assert (p.verdict.verdict, p.verdict.code) == ("failed", "self-hosted-runner")
    w.policy('self-hosted-runners = true\n[packages.envpkg]\nrepository = "github.com/acme/envpkg"\n')
    assert run_audit(w.options(lock, trusted_root=str(signer.root_path), update_pins=True)).exit_status == 0
    # a release signed by another workflow of the repository: the pinned workflow no longer matches
    w.attest("acme/envpkg", WHEEL.sha256, [signer.attestation(WHEEL.sha256, WHEEL.filename, "acme/envpkg",
                                                              workflow="sneaky.yml")])
    p = run_audit(w.options(lock, trusted_root=str(signer.root_path))).packages[0]
    assert (p.verdict.verdict, p.verdict.code) == ("failed", "publisher-changed")
    assert "sneaky.yml" in p.verdict.message


def test_environment_cannot_be_audited_offline(w: World) -> None:
    w.publish(WHEEL)
    py = install(w)
    p = run_audit(w.options(python=str(py), offline=True)).packages[0]
    assert (p.verdict.verdict, p.verdict.code) == ("failed", "download-failed")
