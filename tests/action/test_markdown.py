"""The Markdown the action builds for verify-release / verify-artifact (they have no Markdown view): every value
from the report (file names and messages come from the index and the evidence) sits in an inline code span, where
GitHub renders no link, mention, image or HTML, and cannot open a new table cell or line."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pyslsa_action_md", ROOT / "action" / "pyslsa_action.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


A = load()
HOSTILE = "x|y`z``<img src=https://e.invalid/a.png> @octocat [a](https://e.invalid)\n### heading\n::warning::w"


def cells(line: str) -> list[str]:
    """The cells of a GFM table row: split on pipes that are not escaped."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]


@pytest.mark.parametrize("value", [HOSTILE, "plain", "`", "a``b", "|||", "", None])
def test_code_span_holds_any_value(value: str | None) -> None:
    out = A.code(value)
    if not value:
        assert out == "-"
        return
    fence = re.match(r"`+", out)
    assert fence is not None and out.endswith(fence.group(0))
    inner = out[len(fence.group(0)):-len(fence.group(0))]
    assert fence.group(0) not in inner  # the span cannot be closed early
    assert "\n" not in out and re.search(r"(?<!\\)\|", out) is None


def test_release_table_with_hostile_names() -> None:
    doc = {"verified": False, "release": HOSTILE, "index_url": "https://e.invalid/simple/",
           "files": [{"filename": HOSTILE, "sha256": "ab" * 32, "verified": False,
                      "evidence": [{"kind": "pep740", "signer": HOSTILE, "verified": False,
                                    "error": {"code": "mismatch-source", "message": HOSTILE}}]}],
           "notes": [HOSTILE], "error": {"code": "mismatch-source", "message": HOSTILE}}
    md = A.verify_markdown("verify-release", "json", json.dumps(doc), 1)
    rows = [line for line in md.splitlines() if line.startswith("| `")]
    assert len(rows) == 1 and len(cells(rows[0])) == 5
    assert not [line for line in md.splitlines() if line.startswith(("###", "::")) and "pyslsa" not in line]
    assert "❌ `mismatch-source`" in rows[0]


def test_error_code_only_when_it_is_a_code(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    report.write_text(json.dumps({"error": {"code": "mismatch-tag", "message": "m"}}))
    assert A.error_code(report) == "mismatch-tag"
    report.write_text(json.dumps({"error": {"code": "x\n::set-output name=a::b", "message": "m"}}))
    assert A.error_code(report) is None
    report.write_text("not json")
    assert A.error_code(report) is None


def test_fenced_text_cannot_be_closed_early() -> None:
    out = A.fenced("a\n```\n# not a heading\n````")
    assert out.startswith("`````text\n") and out.endswith("\n`````")


def test_annotation_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    A.annotate("warning", "a\nb\r%::error::x")
    assert capsys.readouterr().out == "::warning title=pyslsa::a%0Ab%0D%25::error::x\n"
