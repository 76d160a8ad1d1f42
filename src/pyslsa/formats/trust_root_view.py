"""Renderings of the ``trust-root`` reports: text for people, one JSON object for scripts.

Strings from a trusted root or a repository (base URLs, certificate subjects) go through
:func:`~pyslsa.formats.printable` in text output: none can start a line of its own or drive the terminal.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pyslsa.formats import printable
from pyslsa.report import (
    AuthorityInfo,
    ExportResult,
    RepositoryState,
    RootSource,
    TrustRootReport,
    UpdateResult,
    iso_utc,
)

_TITLES = (("tlog", "Transparency logs"), ("ctlog", "CT logs"), ("ca", "Certificate authorities"),
           ("tsa", "Timestamp authorities"))


def _day(moment: dt.datetime | None) -> str:
    if moment is None:
        return "open-ended"
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def source_text(source: RootSource) -> list[str]:
    lines = [f"Source: {source.kind}"]
    if source.repository:
        lines.append(f"TUF repository: {printable(source.repository)}")
    if source.path:
        lines.append(f"Path: {printable(source.path)}")
    if source.date:
        label = "Newest authority from" if source.kind == "bundled" else "Refreshed"
        lines.append(f"{label}: {_day(source.date)}")
    if source.expires:
        lines.append(f"TUF metadata expires: {_day(source.expires)}")
    if source.versions:
        lines.append("TUF versions: " + ", ".join(f"{k} {v}" for k, v in source.versions.items()))
    lines.append(f"SHA-256: {source.sha256}")
    return lines


def _authority_line(a: AuthorityInfo) -> str:
    state = "active" if a.active else "inactive"
    if a.problem:
        state = f"UNUSABLE: {a.problem}"
    name = a.name or "(no URL)"
    return (f"  - {printable(name)}  [{_day(a.valid_from)} .. {_day(a.valid_until)}] {state}\n"
            f"    {'log id' if a.kind in ('tlog', 'ctlog') else 'sha256'} {a.ident}; {printable(a.detail)}")


def report_text(report: TrustRootReport, *, source_warning: bool = True) -> str:
    """``trust-root show`` / ``verify`` as text (stdout), warnings included (without the source's own warning when
    ``source_warning`` is false: the command line prints that one on stderr, as for every verifying command)."""
    lines = source_text(report.source)
    lines.append(f"Media type: {printable(report.media_type)}")
    for kind, title in _TITLES:
        mine = report.of_kind(kind)
        lines.append(f"{title} ({len(mine)}):")
        lines += [_authority_line(a) for a in mine]
    skip = report.source.warning if not source_warning else None
    lines += [f"WARNING: {printable(w)}" for w in report.warnings if w != skip]
    return "\n".join(lines) + "\n"


def report_json(report: TrustRootReport) -> dict[str, Any]:
    """``trust-root show`` / ``verify`` as JSON; where the root comes from is the top-level ``trusted_root`` object
    :func:`pyslsa.formats.render` adds to every JSON output."""
    return {"media_type": report.media_type,
            "authorities": {kind: [a.to_json() for a in report.of_kind(kind)] for kind, _ in _TITLES},
            "warnings": list(report.warnings)}


def update_text(result: UpdateResult) -> str:
    """``trust-root update`` as text."""
    after = result.after
    lines = [f"TUF repository: {printable(result.repository)}"]
    if result.before is None:
        lines.append("Cache: none usable before this update" + (f" ({printable(result.cache_problem)})"
                                                                if result.cache_problem else ""))
    lines.append("TUF versions: " + ", ".join(
        f"{k} {result.before.versions().get(k) if result.before else '-'} -> {v}" for k, v in after.versions().items()))
    lines.append(f"TUF metadata expires: {_day(after.expires)}")
    state = "changed" if result.trusted_root_changed else "unchanged"
    lines.append(f"trusted_root.json: {state}, sha256 {after.sha256}")
    lines.append(f"Cache: {printable(result.cache)}")
    return "\n".join(lines) + "\n"


def update_json(result: UpdateResult) -> dict[str, Any]:
    def state(s: RepositoryState | None) -> dict[str, Any] | None:
        if s is None:
            return None
        return {"versions": s.versions(), "expires": iso_utc(s.expires), "sha256": s.sha256,
                "saved": iso_utc(s.saved)}

    return {"repository": result.repository, "cache": result.cache, "changed": result.changed,
            "trusted_root_changed": result.trusted_root_changed, "before": state(result.before),
            "after": state(result.after), "cache_problem": result.cache_problem}


class _RootView:
    """``trust-root show`` / ``verify`` in the view registry."""

    @staticmethod
    def text(report: TrustRootReport) -> tuple[str, str]:
        return report_text(report, source_warning=False), ""

    @staticmethod
    def json_doc(report: TrustRootReport) -> dict[str, Any]:
        return report_json(report)


class _UpdateView:
    """``trust-root update`` in the view registry."""

    @staticmethod
    def text(result: UpdateResult) -> tuple[str, str]:
        return update_text(result), ""

    @staticmethod
    def json_doc(result: UpdateResult) -> dict[str, Any]:
        return update_json(result)


class _ExportView:
    """``trust-root export`` in the view registry. Text: the trusted root itself on stdout, byte for byte, when
    there is no ``--output``; else one line saying what was written. (Its warning, if any, is added on stderr by
    :func:`pyslsa.formats.render`, like every verifying command's; JSON gets ``trusted_root`` the same way.)"""

    @staticmethod
    def text(result: ExportResult) -> tuple[str, str]:
        if result.output is None:
            return result.data.decode("utf-8", "replace"), ""
        source = result.root_source
        return (f"Exported the trusted root in force ({source.kind}, sha256 {source.sha256}) to "
                f"{printable(result.output)}\n"), ""

    @staticmethod
    def json_doc(result: ExportResult) -> dict[str, Any]:
        import json

        content = json.loads(result.data) if result.output is None else None
        return {"output": result.output, "sha256": result.root_source.sha256, "content": content}


ROOT_VIEW = _RootView()
UPDATE_VIEW = _UpdateView()
EXPORT_VIEW = _ExportView()

__all__ = ["EXPORT_VIEW", "ROOT_VIEW", "UPDATE_VIEW", "report_json", "report_text", "source_text", "update_json",
           "update_text"]
