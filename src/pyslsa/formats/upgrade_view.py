"""The view of :class:`~pyslsa.report.UpgradeReport` (``upgrade-provenance``): one ``UPGRADED`` line per
envelope (text); the verify commands' JSON object."""

from __future__ import annotations

from typing import Any

from pyslsa.formats import verify_view
from pyslsa.report import UpgradeReport

__all__ = ["debug_lines", "json_doc", "text"]


def text(report: UpgradeReport) -> tuple[str, str]:
    out: list[str] = []
    err: list[str] = []
    if report.error is not None:
        err.append(f"FAILED: [{report.error.code}] {report.error.message}")
    for a in report.artifacts:
        if a.verified:
            when = a.integrated_time.isoformat() if a.integrated_time else "?"
            out.append(f"UPGRADED: wrote {a.path}: log entry {a.log_index} of {a.log_url}, integrated {when}, "
                       f"signed by {a.signer}")
        else:
            out.append(verify_view.failed_line(a))
    return verify_view.lines(out, err)


def json_doc(report: UpgradeReport) -> dict[str, Any]:
    return verify_view.json_doc(report)


def debug_lines(report: UpgradeReport) -> list[str]:
    return verify_view.debug_lines(report)
