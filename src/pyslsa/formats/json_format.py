"""Machine-readable output: exactly one JSON object on stdout.

``{"verified": bool, "artifacts": [{"path", "sha256", "verified", "builder_id", "source_uri", "ref", "commit",
...}], "error": {"code", "message"} | null}``
"""

from __future__ import annotations

import json
from typing import Any

from pyslsa.report import Report


def render(report: Any) -> tuple[str, str]:
    if isinstance(report, Report):  # verify-*, upgrade-provenance, and any command that failed before a verdict
        return _dump(_verify_doc(report))
    command = getattr(report, "command", "")
    if command == "verify-release":
        from pyslsa.formats.release_view import json_doc

        return _dump(json_doc(report))
    if command == "reproduce":
        from pyslsa.formats.reproduce_view import json_doc as reproduce_doc

        return _dump(reproduce_doc(report))
    raise TypeError(f"no JSON rendering for {type(report).__name__}")


def _dump(doc: dict[str, Any]) -> tuple[str, str]:
    return json.dumps(doc, indent=2, sort_keys=False) + "\n", ""


def _verify_doc(report: Report) -> dict[str, Any]:
    err = report.first_error
    doc: dict[str, Any] = {
        "verified": report.verified,
        "artifacts": [a.to_json() for a in report.artifacts],
        "error": err.to_json() if err is not None and not report.verified else None,
    }
    if report.print_provenance:
        for a, out in zip(report.artifacts, doc["artifacts"], strict=True):
            if a.verified and a.statement is not None:
                out["provenance"] = a.statement
    return doc
