"""Hostile inputs and hostile servers: input errors are exit 2 with the reason, a server's mischief fails only the
package it concerns, and nothing is written outside the cache."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pyslsa.api.audit import run_audit
from tests.audit_world import PA, PA_PROVENANCE, SIX, World, world


@pytest.fixture
def w(tmp_path: Path) -> Any:
    with world(tmp_path) as wd:
        yield wd


@pytest.fixture
def loopback_w(tmp_path: Path) -> Any:
    """The world on loopback sockets: a lying Content-Length needs one."""
    with world(tmp_path, loopback=True) as wd:
        yield wd


@pytest.mark.parametrize(("name", "text", "needle"), [
    ("pylock.toml", "lock-version = \"1.0\"\n[[packages]\n", "not valid TOML"),
    ("uv.lock", "[[package]]\nname = 'x'\n", "version"),
    ("requirements.txt", "\u202eevil==1.0\n", "invalid"),
    ("poetry.lock", "[[package]]\nname = \"../../etc\"\nversion = \"1\"\n[metadata]\nlock-version = \"2.1\"\n",
     "name"),
    ("notes.md", "", "cannot tell what kind of input"),
])
def test_input_errors(w: World, name: str, text: str, needle: str) -> None:
    path = w.tmp / name
    path.write_text(text)
    report = run_audit(w.options(path))
    assert report.exit_status == 2 and needle in report.to_json()["error"]["message"], report.to_json()["error"]
    assert w.index.requests == []  # nothing asked before the input is understood


def test_include_loop(w: World) -> None:
    (w.tmp / "a.txt").write_text("-r b.txt\n")
    (w.tmp / "b.txt").write_text("-r a.txt\n")
    report = run_audit(w.options(w.tmp / "a.txt"))
    assert report.exit_status == 2 and "loop" in report.to_json()["error"]["message"]


def test_a_large_input_offline(w: World) -> None:
    req = w.tmp / "requirements.txt"
    req.write_text("".join(f"pkg{i}==1.0 --hash=sha256:{i:064x}\n" for i in range(2000)))
    report = run_audit(w.options(req, offline=True))
    assert len(report.packages) == 2000 and report.exit_status == 1
    assert {p.verdict.code for p in report.packages} == {"not-found"}


def test_hostile_index(loopback_w: World) -> None:
    w = loopback_w
    w.publish(SIX)
    # a listing naming a file that would climb out of any directory, and a provenance URL of another scheme
    doc = {"meta": {"api-version": "1.1"}, "name": "pypi-attestations", "files": [
        {"filename": "../../pypi_attestations-0.0.19.tar.gz", "url": "/files/x", "hashes": {"sha256": PA.sha256}}]}
    w.index.route("/simple/pypi-attestations/#json", body=json.dumps(doc).encode(),
                  content_type="application/vnd.pypi.simple.v1+json")
    report = run_audit(w.options(w.requirements([PA, SIX])))
    codes = {p.name: p.verdict.code for p in report.packages}
    assert codes["pypi-attestations"] == "not-found" and codes["six"] == "unattested"  # not a file of it
    doc["files"] = [{"filename": PA.filename, "url": f"/files/{PA.filename}", "hashes": {"sha256": PA.sha256},
                     "provenance": "file:///etc/passwd"}]
    w.index.route("/simple/pypi-attestations/#json", body=json.dumps(doc).encode(),
                  content_type="application/vnd.pypi.simple.v1+json")
    p = run_audit(w.options(w.requirements([PA]))).packages[0]
    assert p.verdict.code == "download-failed" and "not an http(s) URL" in p.verdict.message
    # a provenance object far over any genuine size
    w.publish(PA, provenance=PA_PROVENANCE)
    w.index.routes[f"/integrity/pypi-attestations/0.0.19/{PA.filename}/provenance"].declared_length = 1 << 30
    p = run_audit(w.options(w.requirements([PA]), timeout=20)).packages[0]
    assert p.verdict.code == "download-failed" and "too large" in p.verdict.message
    written = {q.relative_to(w.tmp).parts[0] for q in w.tmp.rglob("*") if q.is_file()}
    assert written <= {"requirements.txt", "cache"}
