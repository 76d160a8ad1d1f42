"""Pins (trust on first use, alarm on change) and ``--offline`` with the evidence cache (never trusted) and
``--evidence DIR``."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from pyslsa.api.audit import AuditReport, run_audit
from pyslsa.sources.evidence_cache import EvidenceCache
from tests.audit_world import (
    BCR_BUNDLE,
    EX,
    EX_PROVENANCE,
    PA,
    PA_PROVENANCE,
    RL,
    SIX,
    World,
    world,
)


@pytest.fixture
def w(tmp_path: Path) -> Any:
    with world(tmp_path) as wd:
        yield wd


def verdicts(report: AuditReport) -> dict[str, tuple[str, str | None]]:
    return {p.name: (p.verdict.verdict, p.verdict.code) for p in report.packages}


# -- pins ---------------------------------------------------------------------------------------------------------


def test_pins_flow_in_a_pins_file(w: World) -> None:
    w.standard()
    w.policy('[packages.rules-lint]\nrepository = "github.com/aspect-build/rules_lint"\n')
    req = w.requirements([PA, RL, SIX])
    first = run_audit(w.options(req, update_pins=True))
    assert first.exit_status == 0
    pins = w.tmp / "pyslsa.pins.toml"
    assert first.pins_written == [str(pins)]
    text = pins.read_text()
    assert 'name = "pypi-attestations"' in text and 'repository = "trailofbits/pypi-attestations"' in text
    assert 'workflow = "release.yml"' in text and 'repository = "aspect-build/rules_lint"' in text
    assert "six" not in text  # nothing verified: nothing to pin
    # a second run changes nothing
    again = run_audit(w.options(req, update_pins=True))
    assert again.exit_status == 0 and again.pins_written == [] and pins.read_text() == text

    # the publisher changes: the index now names another repository (a real, verifying attestation is only ever
    # the real publisher's, so the change is made in the pins: the pinned identity is another one)
    pins.write_text(text.replace('repository = "trailofbits/pypi-attestations"',
                                 'repository = "trailofbits/pypi-attestations-old"'))
    changed = run_audit(w.options(req))
    assert verdicts(changed)["pypi-attestations"] == ("failed", "publisher-changed")
    assert changed.exit_status == 1 and "trailofbits/pypi-attestations-old" in changed.packages[0].verdict.message

    # the attestation is lost: the index serves the file without provenance any more
    pins.write_text(text)
    w.publish(PA)
    lost = run_audit(w.options(req))
    assert verdicts(lost)["pypi-attestations"] == ("failed", "attestation-lost")
    # a pin never turns a failure into a pass
    w.publish(PA, provenance=PA_PROVENANCE)
    w.policy('[packages.pypi-attestations]\nrepository = "github.com/other/repo"\n')
    assert verdicts(run_audit(w.options(req)))["pypi-attestations"] == ("failed", "mismatch-source")


def test_update_pins_records_a_change_and_still_fails_the_run(w: World) -> None:
    w.publish(PA, provenance=PA_PROVENANCE)
    req = w.requirements([PA])
    pins = w.tmp / "pyslsa.pins.toml"
    pins.write_text('schema = "pyslsa-pins/1"\n\n[[packages]]\nname = "pypi-attestations"\n\n'
                    '[[packages.attestation-identities]]\nkind = "GitHub"\nrepository = "someone/else"\n')
    report = run_audit(w.options(req, update_pins=True))
    assert verdicts(report)["pypi-attestations"] == ("failed", "publisher-changed")  # judged on the old pins
    assert "trailofbits/pypi-attestations" in pins.read_text() and "someone/else" not in pins.read_text()
    assert run_audit(w.options(req)).exit_status == 0  # the reviewed pins now hold


def test_pins_in_a_pylock(w: World) -> None:
    w.standard()
    lock = w.pylock([PA, SIX])
    before = lock.read_bytes()
    report = run_audit(w.options(lock, update_pins=True))
    assert report.exit_status == 0 and report.pins_written == [str(lock)]
    after = lock.read_text()
    assert "[[packages.attestation-identities]]" in after and not (w.tmp / "pyslsa.pins.toml").exists()
    assert after.replace(after[after.index("\n[[packages.attestation-identities]]"):].split("\n[[packages]]")[0],
                         "") == before.decode()  # every other byte kept
    # and the pylock's own pins are compared
    lock.write_text(after.replace('repository = "trailofbits/pypi-attestations"', 'repository = "moved/away"'))
    assert verdicts(run_audit(w.options(lock)))["pypi-attestations"] == ("failed", "publisher-changed")


# -- the cache and --offline ---------------------------------------------------------------------------------------


def test_offline_uses_the_cache_and_opens_no_socket(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    w.standard()
    w.policy('[packages.rules-lint]\nrepository = "github.com/aspect-build/rules_lint"\n'
             '[packages.example-package]\nrepository = "github.com/slsa-framework/example-package"\n')
    req = w.requirements([PA, RL, EX, SIX])
    online = run_audit(w.options(req))
    assert online.exit_status == 0

    import socket

    def no_socket(*a: Any, **k: Any) -> Any:
        raise AssertionError("--offline opened a socket")

    monkeypatch.setattr(socket, "socket", no_socket)
    monkeypatch.setattr(socket, "create_connection", no_socket)
    offline = run_audit(w.options(req, offline=True, index_url="http://127.0.0.1:9/simple/"))
    assert verdicts(offline) == verdicts(online)
    assert offline.to_json()["packages"][0]["files"][0]["evidence"][0]["identity"]["repository"] == \
        "trailofbits/pypi-attestations"


def test_a_tampered_cache_is_never_believed(w: World) -> None:
    w.standard()
    req = w.requirements([PA])
    assert run_audit(w.options(req)).exit_status == 0
    cache = EvidenceCache(w.tmp / "cache")
    entry = cache.entry_path(PA.sha256)
    manifest = json.loads((entry / "manifest.json").read_text())
    (piece,) = manifest["pieces"]
    # a consistent tamper (bytes and the manifest's digest both changed): it reads back, and fails verification
    obj = json.loads((entry / piece["file"]).read_bytes())
    att = obj["attestation_bundles"][0]["attestations"][0]
    att["envelope"]["signature"] = att["envelope"]["signature"][:10] + "AAAA" + att["envelope"]["signature"][14:]
    data = json.dumps(obj).encode()
    (entry / piece["file"]).write_bytes(data)
    piece["sha256"] = hashlib.sha256(data).hexdigest()
    (entry / "manifest.json").write_text(json.dumps(manifest))
    report = run_audit(w.options(req, offline=True))
    assert verdicts(report)["pypi-attestations"][0] == "failed"
    assert verdicts(report)["pypi-attestations"][1] in ("invalid-signature", "invalid-tlog-entry")
    # an inconsistent one (bytes changed behind the manifest's back) does not even read back
    (entry / piece["file"]).write_bytes(data + b" ")
    assert verdicts(run_audit(w.options(req, offline=True)))["pypi-attestations"] == ("failed", "download-failed")
    # a cache that claims another file's evidence is not used for this one
    (entry / piece["file"]).write_bytes(data)
    manifest["sha256"] = "0" * 64
    (entry / "manifest.json").write_text(json.dumps(manifest))
    assert verdicts(run_audit(w.options(req, offline=True)))["pypi-attestations"] == ("failed", "download-failed")


def test_offline_without_cache(w: World) -> None:
    w.standard()
    lock = w.pylock([SIX])  # names its file: judged, and nothing is cached for it
    report = run_audit(w.options(lock, offline=True))
    assert verdicts(report)["six"] == ("failed", "download-failed") and "nothing is cached" in report.packages[
        0].files[0].verdict.message
    # a requirement's hashes name no file: only the cache could
    assert verdicts(run_audit(w.options(w.requirements([SIX]), offline=True)))["six"] == ("failed", "not-found")
    nohash = w.requirements([SIX], hashes=False, name="nohash.txt")
    assert verdicts(run_audit(w.options(nohash, offline=True)))["six"] == ("failed", "not-found")


def test_evidence_dir(w: World) -> None:
    """--evidence DIR: a provenance object, a gh-download JSON Lines file, a release's provenance, named after the
    file; judged exactly as fetched evidence, offline or not."""
    d = w.tmp / "evidence"
    d.mkdir()
    (d / f"{PA.filename}.provenance").write_bytes(PA_PROVENANCE)
    (d / f"sha256:{RL.sha256}.jsonl").write_bytes(BCR_BUNDLE.strip() + b"\n")
    (d / f"{EX.filename}.intoto.jsonl").write_bytes(EX_PROVENANCE)
    w.policy('[packages.example-package]\nrepository = "github.com/slsa-framework/example-package"\n')
    req = w.pylock([PA, RL, EX, SIX])
    report = run_audit(w.options(req, offline=True, evidence=str(d)))
    assert verdicts(report) == {"pypi-attestations": ("verified", None), "rules-lint": ("verified", None),
                                "example-package": ("verified", None), "six": ("unattested", "unattested")}
    assert {e["kind"] for p in report.to_json()["packages"] for f in p["files"] for e in f["evidence"]} == {"local"}
    # wrong tag for the local release provenance, under the policy's template
    w.policy('[packages.example-package]\nrepository = "github.com/slsa-framework/example-package"\n'
             'release-tag = "v{version}.0"\n')
    assert verdicts(run_audit(w.options(req, offline=True, evidence=str(d))))["example-package"] == \
        ("failed", "mismatch-tag")
    # a tampered local file fails
    forked = PA_PROVENANCE.replace(b'"trailofbits/pypi-attestations"', b'"evil/fork"')  # another publisher
    (d / f"{PA.filename}.provenance").write_bytes(forked)
    assert verdicts(run_audit(w.options(req, offline=True, evidence=str(d))))["pypi-attestations"] == \
        ("failed", "mismatch-source")
    assert run_audit(w.options(req, evidence=str(w.tmp / "missing"))).exit_status == 2


def test_cache_entries_are_named_by_digest_only(w: World) -> None:
    w.standard()
    run_audit(w.options(w.requirements([PA, SIX])))
    names = sorted(str(p.relative_to(w.tmp / "cache")) for p in (w.tmp / "cache").rglob("*") if p.is_file())
    assert names == sorted([f"audit-evidence/{PA.sha256[:2]}/{PA.sha256}/0.bin",
                            f"audit-evidence/{PA.sha256[:2]}/{PA.sha256}/manifest.json",
                            f"audit-evidence/{SIX.sha256[:2]}/{SIX.sha256}/manifest.json"])
    shutil.rmtree(w.tmp / "cache")
