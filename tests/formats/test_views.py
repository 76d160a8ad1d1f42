"""The view registry: each report type finds its view, every view renders text and JSON, formats a view adds
(audit's markdown and SARIF) go through the same door, and --debug lines come from the view."""

from __future__ import annotations

import json

import pytest

from pyslsa.errors import MismatchTagError, UsageError
from pyslsa.formats import debug_lines, register, render, view_for
from pyslsa.report import (
    ArtifactOutcome,
    AuditReport,
    ReleaseReport,
    Report,
    ReproduceReport,
    UpgradeReport,
    VerifyVsaReport,
    VsaWritten,
)


@pytest.mark.parametrize(("report", "view"), [
    (Report("verify-artifact"), "pyslsa.formats.verify_view"),
    (UpgradeReport(), "pyslsa.formats.upgrade_view"),
    (ReleaseReport("x==1", "https://index.test/simple/"), "pyslsa.formats.release_view"),
    (ReproduceReport(), "pyslsa.formats.reproduce_view"),
    (AuditReport(), "pyslsa.formats.audit_view"),
    (VerifyVsaReport("vsa.jsonl"), "pyslsa.formats.vsa_view"),
])
def test_each_report_type_has_its_view(report: object, view: str) -> None:
    assert getattr(view_for(report), "__name__", "") == view
    out, _ = render(report, "json")
    assert isinstance(json.loads(out), dict)


def test_an_unknown_type_or_format_is_refused() -> None:
    with pytest.raises(TypeError, match="no view for object"):
        view_for(object())
    with pytest.raises(ValueError, match="no 'xml' output for Report"):
        render(Report("verify-artifact"), "xml")


def test_a_subclass_uses_its_parents_view_and_register_wins() -> None:
    class Mine(Report):
        pass

    assert view_for(Mine("verify-artifact")) is view_for(Report("verify-artifact"))

    class MineView:
        @staticmethod
        def text(report: object) -> str:
            return "mine\n"

        @staticmethod
        def json_doc(report: object) -> dict[str, str]:
            return {"mine": "yes"}

    register(Mine, MineView())
    assert render(Mine("verify-artifact"), "text") == ("mine\n", "")
    # The trusted root in force is added to every view's JSON by render itself (here: none chosen).
    assert json.loads(render(Mine("verify-artifact"), "json")[0]) == {"mine": "yes", "trusted_root": None}
    assert render(Report("verify-artifact"), "text") == ("", "")


def test_audit_formats_through_the_registry() -> None:
    report = AuditReport()
    assert render(report, "markdown")[0].startswith("### pyslsa audit: ") and render(report, "markdown")[1] == ""
    assert render(report, "text")[0].startswith("PACKAGE  VERSION  VERDICT")
    assert json.loads(render(report, "sarif")[0])["version"] == "2.1.0"


def test_error_only_report_and_debug_lines() -> None:
    failed = Report("verify-release", error=UsageError("no such file"))
    assert render(failed, "text") == ("", "FAILED: [usage] no such file\n")
    assert json.loads(render(failed, "json")[0]) == {"verified": False, "artifacts": [],
                                                     "error": {"code": "usage", "message": "no such file"},
                                                     "trusted_root": None}
    noted = Report("verify-artifact", [ArtifactOutcome("a", "0" * 64, verified=True, notes=["x\x1by"]),
                                       ArtifactOutcome("b", "1" * 64, error=MismatchTagError("t"))])
    assert debug_lines(noted) == ["debug: a: x\\x1by"]


def test_bundle_signer_is_shown_as_before() -> None:
    key = ArtifactOutcome("a", "0" * 64, verified=True, signer_key_sha256="ab")
    san = ArtifactOutcome("b", "1" * 64, verified=True, signer="me@example.test")
    out, _ = render(Report("verify-bundle", [key, san]), "text")
    assert "PASSED: a (sha256:" + "0" * 64 + "): signed by key sha256:ab" in out
    assert "signed by me@example.test" in out and out.endswith("PASSED: Sigstore verification passed\n")
    doc = json.loads(render(Report("verify-bundle", [key, san]), "json")[0])
    assert [a["builder_id"] for a in doc["artifacts"]] == ["key sha256:ab", "me@example.test"]


def test_vsa_views() -> None:
    """verify-vsa's lines escape what the VSA carries; a written VSA is a member of its command's JSON only."""
    passed = VerifyVsaReport("v.jsonl", verified=True, subjects=[{"name": "a", "digest": {"sha256": "0" * 64}}],
                             verifier_id="https://v.test/\x1b[2J", resource_uri="r", verification_result="PASSED",
                             verified_levels=["SLSA_BUILD_LEVEL_3"], time_verified="2025-06-01T12:00:00Z",
                             keyid="k", signer="key k", statement={"_type": "t"})
    out, err = render(passed, "text")
    assert out.splitlines() == ["PASSED: v.jsonl: signed by key k; verifier https://v.test/\\x1b[2J; resource r; "
                                "levels SLSA_BUILD_LEVEL_3; verified 2025-06-01T12:00:00Z; 1 subject",
                                "PASSED: VSA verification passed"] and err == ""
    passed.print_attestation = True
    out, err = render(passed, "text")
    assert out == '{"_type":"t"}\n' and err.endswith("PASSED: VSA verification passed\n")
    assert json.loads(render(passed, "json")[0])["attestation"] == {"_type": "t"}
    failed = VerifyVsaReport("v.jsonl", error=MismatchTagError("x"))
    assert render(failed, "text") == ("FAILED: v.jsonl: [mismatch-tag] x\nFAILED: VSA verification failed\n", "")
    assert failed.exit_status == 1 and VerifyVsaReport("v", error=UsageError("u")).exit_status == 2
    report = Report("verify-artifact")
    assert "vsa" not in json.loads(render(report, "json")[0])
    report.vsa = VsaWritten("v.json", False, None, "FAILED", ("FAILED",), "bin", 1)
    assert json.loads(render(report, "json")[0])["vsa"] == {
        "path": "v.json", "signed": False, "keyid": None, "verification_result": "FAILED",
        "verified_levels": ["FAILED"], "resource_uri": "bin", "subjects": 1}
    release = ReleaseReport("x==1", "https://index.test/simple/", vsa=report.vsa)
    assert json.loads(render(release, "json")[0])["vsa"]["path"] == "v.json"
