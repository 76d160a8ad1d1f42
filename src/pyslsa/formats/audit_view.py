"""``pyslsa audit`` rendered: a plain-text table (or a rich one on a terminal), the JSON contract
(``pyslsa-audit/1``), a Markdown PR comment and SARIF 2.1.0 for code scanning.

Every string that came from an input, an index or evidence is made harmless for where it goes: control
characters escaped for a terminal (:func:`pyslsa.formats.printable`), Markdown punctuation escaped in a comment
(no link, image or HTML can be injected into a PR by a package name or a server's message), JSON for SARIF.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pyslsa import __version__
from pyslsa.errors import CODES
from pyslsa.formats import printable
from pyslsa.report import AuditReport, PackageResult

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["SARIF_SCHEMA", "json_doc", "markdown", "publisher", "render_rich", "sarif", "summary_line", "table",
           "text"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_MARK = {"verified": "✅", "allowed": "☑️", "unattested": "⚠️", "failed": "❌"}


# -- shared -------------------------------------------------------------------------------------------------------


def summary_line(report: AuditReport) -> str:
    """``N verified, M unattested, K failed`` (and the allowed ones, when there are)."""
    s = report.summary
    line = f"{s['verified']} verified, {s['unattested']} unattested, {s['failed']} failed"
    if s["allowed"]:
        line += f", {s['allowed']} allowed by exceptions"
    return line


def publisher(p: PackageResult) -> str:
    """Who the package's verified evidence proves published it (every identity, once)."""
    names: list[str] = []
    for f in p.files:
        for ident in f.verdict.identities:
            text = ident.describe()
            if text not in names:
                names.append(text)
    return "; ".join(names)


def _detail(p: PackageResult) -> str:
    if p.verdict.verdict == "verified":
        return publisher(p) or p.verdict.message
    return f"[{p.verdict.code}] {p.verdict.message}" if p.verdict.code else p.verdict.message


def _verdict_word(p: PackageResult) -> str:
    v = p.verdict.verdict
    if v == "unattested" and p.verdict.required:
        return "unattested (required)"
    return v


def json_doc(report: AuditReport) -> dict[str, Any]:
    """The JSON contract, schema ``pyslsa-audit/1`` (see the README)."""
    return report.to_json()


# -- text ---------------------------------------------------------------------------------------------------------


def _cut(value: str, width: int) -> str:
    return value if len(value) <= width else value[: width - 3] + "..."


def text(report: AuditReport, width: int = 160) -> str:
    """A plain-text table (one row per package), the problems in full below it, notes, and the summary line."""
    if report.error is not None:
        return f"ERROR: [{report.error.code}] {printable(report.error.message)}\n"
    header = ("PACKAGE", "VERSION", "VERDICT", "PUBLISHER / PROBLEM", "PINNED AT")
    rows = [header]
    for p in report.packages:
        rows.append((printable(p.name), printable(p.version or "-"), _verdict_word(p), printable(_detail(p)),
                     printable(str(p.pinned_at))))
    fixed = [max(len(r[i]) for r in rows) for i in (0, 1, 2, 4)]
    detail_width = max(24, width - sum(fixed) - 8)
    lines = []
    for r in rows:
        cells = (r[0].ljust(fixed[0]), r[1].ljust(fixed[1]), r[2].ljust(fixed[2]),
                 _cut(r[3], detail_width).ljust(detail_width), r[4])
        lines.append("  ".join(cells).rstrip())
    problems = [p for p in report.packages if not p.passes]
    if problems:
        lines.append("")
        for p in problems:
            lines.append(f"FAILED: {printable(p.name)}=={printable(p.version or '?')} ({printable(str(p.pinned_at))}): "
                         f"[{p.verdict.code}] {printable(p.verdict.message)}")
            for f in p.files:
                if not f.verdict.passes and f.verdict.message != p.verdict.message:
                    lines.append(f"  {printable(f.filename)}: [{f.verdict.code}] {printable(f.verdict.message)}")
    for note in report.notes:
        lines.append(f"note: {printable(note)}")
    lines.append("")
    lines.append(summary_line(report) + ("" if report.verified else " -- the policy does not hold"))
    return "\n".join(lines) + "\n"


def table(report: AuditReport) -> tuple[str, str]:
    """``--format table`` (the command line's name for the text view) where no terminal shows it: :func:`text` on
    stdout, or an error (a usage or input error) on stderr, as the other commands' text views do."""
    return ("", text(report)) if report.error is not None else (text(report), "")


def render_rich(report: AuditReport, console: Console) -> None:
    """The table for a terminal (the CLI's choice when stdout is one), then the summary line."""
    from rich.table import Table
    from rich.text import Text

    if report.error is not None:
        console.print(Text(f"ERROR: [{report.error.code}] {printable(report.error.message)}", style="bold red"))
        return
    styles = {"verified": "green", "allowed": "cyan", "unattested": "yellow", "failed": "bold red"}
    table = Table(show_lines=False, header_style="bold")
    table.add_column("Package", overflow="fold")
    table.add_column("Version", overflow="fold")
    table.add_column("Verdict", no_wrap=True)
    table.add_column("Publisher / problem", overflow="fold", ratio=1)  # what is left of the width
    table.add_column("Pinned at", overflow="fold")
    for p in report.packages:
        style = styles[p.verdict.verdict] if p.passes or p.verdict.verdict == "failed" else "bold red"
        table.add_row(Text(printable(p.name)), Text(printable(p.version or "-")),
                      Text(_verdict_word(p), style=style), Text(printable(_detail(p))),
                      Text(printable(str(p.pinned_at)), style="dim"))
    console.print(table)
    for note in report.notes:
        console.print(Text(f"note: {printable(note)}", style="dim"))
    console.print(Text(summary_line(report), style="bold green" if report.verified else "bold red"))


# -- Markdown -----------------------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#!|~&@])")


def _md(value: str) -> str:
    """Untrusted text for a Markdown table cell: one line, every character that can open something escaped (no
    link, image, HTML, code span, emphasis, cell break, @mention or #reference can come from it)."""
    flat = " ".join(printable(value).split())
    return _MD_SPECIAL.sub(r"\\\1", flat)


def markdown(report: AuditReport) -> str:
    """A PR comment: the verdict, the summary, the packages that need attention, the verified ones folded."""
    if report.error is not None:
        return (f"### pyslsa audit: error\n\n**{_md(report.error.code)}**: {_md(report.error.message)}\n")
    head = "✅ the policy holds" if report.verified else "❌ the policy does not hold"
    s = report.summary
    lines = [f"### pyslsa audit: {head}", "",
             f"**{summary_line(report)}** ({s['packages']} packages, {s['files']} files)", ""]
    attention = [p for p in report.packages if p.verdict.verdict != "verified"]
    if attention:
        lines += ["| | Package | Version | Verdict | Details | Pinned at |", "|---|---|---|---|---|---|"]
        for p in attention:
            code = f" `{p.verdict.code}`" if p.verdict.code else ""
            lines.append(f"| {_MARK[p.verdict.verdict]} | {_md(p.name)} | {_md(p.version or '-')} | "
                         f"{_verdict_word(p)}{code} | {_md(p.verdict.message)} | {_md(str(p.pinned_at))} |")
        lines.append("")
    verified = [p for p in report.packages if p.verdict.verdict == "verified"]
    if verified:
        lines += [f"<details><summary>Verified ({len(verified)})</summary>", "",
                  "| Package | Version | Publisher | Pinned at |", "|---|---|---|---|"]
        for p in verified:
            lines.append(f"| {_md(p.name)} | {_md(p.version or '-')} | {_md(publisher(p))} | "
                         f"{_md(str(p.pinned_at))} |")
        lines += ["", "</details>", ""]
    for note in report.notes:
        lines.append(f"> {_md(note)}")
    return "\n".join(lines).rstrip("\n") + "\n"


# -- SARIF 2.1.0 --------------------------------------------------------------------------------------------------


def _rule_name(code: str) -> str:
    return "".join(part.capitalize() for part in code.split("-"))


def _rule_text(code: str) -> str:
    cls = CODES.get(code)
    doc = (cls.__doc__ or "").strip() if cls is not None else ""
    first = " ".join(doc.split(". ")[0].split()) if doc else ""
    return (first.rstrip(".") + ".") if first else f"pyslsa audit: {code}."


def _uri(path: str) -> str:
    """An input path as a SARIF artifact URI: relative paths as given (with ``/``), absolute ones as ``file://``."""
    p = path.replace("\\", "/")
    if p.startswith("/") or re.match(r"\A[A-Za-z]:/", p):
        return "file://" + quote(p if p.startswith("/") else "/" + p, safe="/:")
    return quote(p, safe="/")


def _level(p: PackageResult) -> str:
    if p.verdict.verdict == "failed" or not p.passes:
        return "error"
    return "note"  # allowed by an exception, or unattested where the policy does not require evidence


def sarif(report: AuditReport) -> dict[str, Any]:
    """SARIF 2.1.0: one run, one rule per code that occurs, one result per package that is not verified, located
    at the input file and the line of the package's entry (an installed distribution: its ``METADATA``, no line)."""
    results: list[dict[str, Any]] = []
    rule_ids: list[str] = []
    for p in report.packages:
        code = p.verdict.code
        if p.verdict.verdict == "verified" or code is None:
            continue
        if code not in rule_ids:
            rule_ids.append(code)
        where = p.pinned_at
        if p.kind == "environment":
            location: dict[str, Any] = {"artifactLocation": {"uri": _uri(where.path.rstrip("/\\") + "/METADATA")}}
        else:
            location = {"artifactLocation": {"uri": _uri(where.path)}}
            if where.line >= 1:
                location["region"] = {"startLine": where.line}
        version = f"=={p.version}" if p.version else ""
        message = f"{p.name}{version}: {p.verdict.verdict}: {p.verdict.message}"
        results.append({
            "ruleId": code, "ruleIndex": rule_ids.index(code), "level": _level(p), "message": {"text": message},
            "locations": [{"physicalLocation": location}],
            "partialFingerprints": {"pyslsaPackage/v1": f"{p.name}{version}:{code}"},
            "properties": {"verdict": p.verdict.verdict, "files": [f.filename for f in p.files]},
        })
    rules = [{"id": code, "name": _rule_name(code), "shortDescription": {"text": _rule_text(code)},
              "defaultConfiguration": {"level": "error"}}
             for code in rule_ids]
    invocation: dict[str, Any] = {"executionSuccessful": report.error is None}
    if report.error is not None:
        invocation["toolExecutionNotifications"] = [{"level": "error", "message": {"text": report.error.message},
                                                     "descriptor": {"id": report.error.code}}]
    return {
        "$schema": SARIF_SCHEMA, "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "pyslsa", "version": __version__, "rules": rules}},
                  "invocations": [invocation], "results": results}],
    }
