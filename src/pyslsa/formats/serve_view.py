"""The view of ``serve``'s report: nothing on a clean stop (the proxy printed its banner and its stop on stderr
itself), the error that kept it from starting otherwise. JSON: :meth:`pyslsa.report.serve.ServeReport.to_json`."""

from __future__ import annotations

from typing import Any

from pyslsa.formats import printable
from pyslsa.report.serve import ServeReport


def text(report: ServeReport) -> tuple[str, str]:
    if report.error is None:
        return "", ""
    return "", printable(f"FAILED: [{report.error.code}] {report.error.message}") + "\n"


def json_doc(report: ServeReport) -> dict[str, Any]:
    return report.to_json()
