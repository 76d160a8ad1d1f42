"""Machine-readable output: exactly one JSON object on stdout.

``{"verified": bool, "artifacts": [{"path", "sha256", "verified", "builder_id", "source_uri", "ref", "commit",
...}], "error": {"code", "message"} | null}``
"""

from __future__ import annotations

import json
from typing import Any

from pyslsa.report import Report


def render(report: Report) -> tuple[str, str]:
    err = report.first_error
    doc: dict[str, Any] = {
        "verified": report.verified,
        "artifacts": [a.to_json() for a in report.artifacts],
        "error": {"code": err.code, "message": err.message} if err is not None and not report.verified else None,
    }
    if report.print_provenance:
        for a, out in zip(report.artifacts, doc["artifacts"], strict=True):
            if a.verified and a.statement is not None:
                out["provenance"] = a.statement
    return json.dumps(doc, indent=2, sort_keys=False) + "\n", ""
