"""Every input kind through every output format: the JSON contract, SARIF 2.1.0 validated against the official
schema (each result at the input file and the line pinning the package), the Markdown PR comment, the text table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pyslsa.api.audit import AuditReport, run_audit
from pyslsa.errors import UsageError
from pyslsa.formats import audit_view
from tests.audit_world import EX, PA, RFC, RL, SIX, World, world
from tests.conftest import DATA, validate_sarif

SCHEMA = json.loads((DATA / "sarif" / "sarif-schema-2.1.0.json").read_bytes())
POLICY = """
require = "all"
[packages.rules-lint]
repository = "github.com/aspect-build/rules_lint"
[packages.example-package]
repository = "github.com/slsa-framework/example-package"
"""
DISTS = [PA, RFC, RL, EX, SIX]
# what each package comes to: verdict, code
EXPECTED = {"pypi-attestations": ("verified", None), "rfc8785": ("failed", "invalid-tlog-entry"),
            "rules-lint": ("verified", None), "example-package": ("verified", None),
            "six": ("unattested", "unattested")}


@pytest.fixture
def w(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(tmp_path)  # inputs given as relative paths, as a CI job gives them
    with world(tmp_path) as wd:
        wd.standard()
        wd.policy(POLICY)
        yield wd


def lines_of(path: Path, needle: str) -> int:
    for i, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in {path}")


def _input(w: World, kind: str) -> tuple[Path, dict[str, str]]:
    """The input file, and the text on the line where each package's entry starts."""
    if kind == "requirements":
        return w.requirements(DISTS), {d.name: f"{d.name}==" for d in DISTS}
    if kind == "pylock":
        return w.pylock(DISTS), {d.name: "[[packages]]" for d in DISTS}
    if kind == "uv-lock":
        return w.uv_lock(DISTS), {d.name: "[[package]]" for d in DISTS}
    return w.poetry_lock(DISTS), {d.name: "[[package]]" for d in DISTS}


def _entry_line(path: Path, name: str, header: str) -> int:
    lines = path.read_text().splitlines()
    if not header.startswith("[["):
        return lines_of(path, header)
    name_line = next(i for i, line in enumerate(lines, start=1) if line.strip() == f'name = "{name}"')
    return max(i for i, line in enumerate(lines[:name_line], start=1) if line.strip() == header)


@pytest.mark.parametrize("kind", ["requirements", "pylock", "uv-lock", "poetry-lock"])
def test_every_input_kind_every_format(w: World, kind: str) -> None:
    path, headers = _input(w, kind)
    given = path.name  # relative, as given
    report = run_audit(w.options(given))
    doc = audit_view.json_doc(report)
    assert doc["error"] is None, doc["error"]
    got = {p["name"]: (p["verdict"], p["code"]) for p in doc["packages"]}
    assert got == EXPECTED, got
    assert report.exit_status == 1 and doc["verified"] is False
    for p in doc["packages"]:
        assert p["pinned_at"] == f"{given}:{_entry_line(path, p['name'], headers[p['name']])}"
    json.dumps(doc)  # serialisable as is

    sarif = audit_view.sarif(report)
    validate_sarif(sarif)
    run = sarif["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert sorted(rules) == ["invalid-tlog-entry", "unattested"]
    results = {r["message"]["text"].split("==")[0]: r for r in run["results"]}
    assert set(results) == {"rfc8785", "six"}  # verified packages are not findings
    for name, r in results.items():
        assert r["ruleId"] == EXPECTED[name][1] and rules[r["ruleIndex"]] == r["ruleId"]
        assert r["level"] == "error"
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == given
        assert loc["region"]["startLine"] == _entry_line(path, name, headers[name])

    md = audit_view.markdown(report)
    assert md.startswith("### pyslsa audit: ❌ the policy does not hold")
    assert "**3 verified, 1 unattested, 1 failed**" in md
    assert "| ❌ | rfc8785 | 0.1.2 | failed `invalid-tlog-entry` |" in md
    assert "<details><summary>Verified (3)</summary>" in md

    text = audit_view.text(report)
    assert text.rstrip().endswith("3 verified, 1 unattested, 1 failed -- the policy does not hold")
    assert "FAILED: rfc8785==0.1.2" in text and "FAILED: six==1.0.0" in text


def test_verified_report_views(w: World) -> None:
    report = run_audit(w.options(w.requirements([PA, RL]).name))
    assert report.exit_status == 0
    validate_sarif(audit_view.sarif(report))
    assert audit_view.sarif(report)["runs"][0]["results"] == []
    assert audit_view.markdown(report).startswith("### pyslsa audit: ✅ the policy holds")
    assert audit_view.text(report).rstrip().endswith("2 verified, 0 unattested, 0 failed")
    from io import StringIO

    from rich.console import Console

    out = StringIO()
    audit_view.render_rich(report, Console(file=out, width=200, force_terminal=False))
    assert "trailofbits/pypi-attestations" in out.getvalue() and "2 verified, 0 unattested, 0 failed" in out.getvalue()


def test_error_report_views() -> None:
    report = AuditReport(error=UsageError("policy x: unknown key 'requir'"))
    assert report.exit_status == 2
    assert audit_view.json_doc(report) == {"schema": "pyslsa-audit/1", "verified": False, "summary": {
        "packages": 0, "files": 0, "verified": 0, "unattested": 0, "allowed": 0, "failed": 0}, "packages": [],
        "error": {"code": "usage", "message": "policy x: unknown key 'requir'"}}
    sarif = audit_view.sarif(report)
    validate_sarif(sarif)
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False
    assert audit_view.text(report).startswith("ERROR: [usage]")
    assert "unknown key" in audit_view.markdown(report)


def test_hostile_text_is_harmless(w: World) -> None:
    """A package's message carries server text: no terminal escape, no Markdown link or image, valid SARIF."""
    req = w.tmp / "requirements.txt"
    req.write_text("evil==1.0\n")
    w.index.route("/simple/evil/#json", status=500, body=b"")
    w.index.route("/simple/evil/#html", status=500, body=b"")
    report = run_audit(w.options("requirements.txt", timeout=20))
    p = report.packages[0]
    from dataclasses import replace

    evil = replace(p.verdict, message="![x](https://tracker.example/p.png) <img src=x> | \x1b[31mred\x1b[0m\nPASSED "
                                      "@acme/security #12")
    report.packages[0] = replace(p, verdict=evil)
    md = audit_view.markdown(report)
    import re

    assert not re.search(r"(?<!\\)!(?<!\\)\[", md) and not re.search(r"(?<!\\)<img", md) and "\x1b" not in md
    assert "\\!\\[x\\](https://tracker.example/p.png)" in md and "\\@acme/security \\#12" in md
    text = audit_view.text(report)
    assert "\x1b" not in text and "\nPASSED" not in text
    validate_sarif(audit_view.sarif(report))


def test_absolute_and_environment_locations() -> None:
    from pyslsa.api.audit import PackageResult
    from pyslsa.core.audit.verdict import FileVerdict
    from pyslsa.sources.inputs import Location

    bad = FileVerdict("failed", "not-found", "gone")
    report = AuditReport(packages=[
        PackageResult("a", "1", Location("/work/x y/requirements.txt", 3), "requirements", bad),
        PackageResult("b", "2", Location("/venv/lib/python3.11/site-packages/b-2.dist-info", 0), "environment", bad),
    ])
    doc = audit_view.sarif(report)
    validate_sarif(doc)
    a, b = (r["locations"][0]["physicalLocation"] for r in doc["runs"][0]["results"])
    assert a == {"artifactLocation": {"uri": "file:///work/x%20y/requirements.txt"}, "region": {"startLine": 3}}
    assert b == {"artifactLocation": {"uri": "file:///venv/lib/python3.11/site-packages/b-2.dist-info/METADATA"}}
