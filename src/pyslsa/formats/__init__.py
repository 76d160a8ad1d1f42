"""The views: how each report type (:mod:`pyslsa.report`) is shown, found through one registry keyed by the type.

A view is anything with ``text(report)`` (stdout, or (stdout, stderr)) and ``json_doc(report) -> dict`` (one JSON
object on stdout); it may also have ``debug_lines(report)`` (what ``--debug`` adds on stderr, in any format),
``markdown(report)`` (like ``text``) and ``sarif(report) -> dict`` (a JSON document, like ``json_doc``). The views
of this package are modules whose functions are those (``verify_view``, ``upgrade_view``, ``release_view``,
``reproduce_view``, ``audit_view``, ``vsa_view``, ``serve_view``) or objects in a module (``trust_root_view``).

:data:`VIEWS` names the view of each report type by the type's and the view's module paths, so that rendering
imports only the one view it needs; :func:`register` adds one at run time. A report's view is the one of the
first class of its MRO that has one. Views import report types and :func:`printable`, never the commands or the
library. Adding an output format is a function in each view that has it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["DOCUMENTS", "FORMATS", "VIEWS", "View", "debug_lines", "printable", "register", "render", "renderer",
           "root_warning", "view_for"]

#: The formats every view has.
FORMATS = ("text", "json")
#: The formats whose view function returns a JSON document, dumped here: format -> the view's function.
DOCUMENTS = {"json": "json_doc", "sarif": "sarif"}


class View(Protocol):
    def text(self, report: Any, /) -> tuple[str, str]: ...

    def json_doc(self, report: Any, /) -> dict[str, Any]: ...


#: report type ("module.QualifiedName") -> its view ("module" whose functions are the view, or "module:attribute").
VIEWS: dict[str, str] = {
    "pyslsa.report.Report": "pyslsa.formats.verify_view",
    "pyslsa.report.UpgradeReport": "pyslsa.formats.upgrade_view",
    "pyslsa.report.ReleaseReport": "pyslsa.formats.release_view",
    "pyslsa.report.reproduce.ReproduceReport": "pyslsa.formats.reproduce_view",
    "pyslsa.report.audit.AuditReport": "pyslsa.formats.audit_view",
    "pyslsa.report.serve.ServeReport": "pyslsa.formats.serve_view",
    "pyslsa.report.trust_root.TrustRootReport": "pyslsa.formats.trust_root_view:ROOT_VIEW",
    "pyslsa.report.trust_root.UpdateResult": "pyslsa.formats.trust_root_view:UPDATE_VIEW",
    "pyslsa.report.vsa.VerifyVsaReport": "pyslsa.formats.vsa_view",
    "pyslsa.report.trust_root.ExportResult": "pyslsa.formats.trust_root_view:EXPORT_VIEW",
}

_REGISTERED: dict[type, View] = {}


def register(report_type: type, view: View) -> None:
    """Show ``report_type`` (and its subclasses without a view of their own) with ``view``."""
    _REGISTERED[report_type] = view


def view_for(report: object) -> View:
    import importlib

    for cls in type(report).__mro__:
        if cls in _REGISTERED:
            return _REGISTERED[cls]
        spec = VIEWS.get(f"{cls.__module__}.{cls.__qualname__}")
        if spec is not None:
            module_name, _, attribute = spec.partition(":")
            module = importlib.import_module(module_name)
            view: View = getattr(module, attribute) if attribute else module
            return view
    raise TypeError(f"no view for {type(report).__name__}")


def render(report: object, fmt: str) -> tuple[str, str]:
    """(stdout, stderr) of ``report`` in the output format ``fmt`` (one of :data:`FORMATS`, or one its view adds).

    The trusted root in force, for every report that records one (a ``root_source`` attribute: the verifying
    commands'), is added here, the same for every view: the JSON document gets a top-level ``"trusted_root"``
    object (null when the command stopped before choosing a root), and its warning, if any, is the first line on
    stderr in every format."""
    function = getattr(view_for(report), DOCUMENTS.get(fmt, fmt), None)
    if function is None or fmt.startswith("_"):
        raise ValueError(f"no {fmt!r} output for {type(report).__name__}")
    result = function(report)
    rooted = hasattr(report, "root_source")
    source = getattr(report, "root_source", None)
    if fmt == "json" and rooted:
        result = {**result, "trusted_root": source.to_json() if source is not None else None}
    first = root_warning(report)
    if fmt in DOCUMENTS:
        return json.dumps(result, indent=2, sort_keys=False) + "\n", first
    out, err = (result, "") if isinstance(result, str) else result
    return out, first + err


def root_warning(report: object) -> str:
    """The stderr line of the trusted root's warning, for a report that records a root with one (e.g. the bundled
    fallback), else "": what :func:`render` puts first on stderr, for a command that shows its report otherwise."""
    warning = getattr(getattr(report, "root_source", None), "warning", None)
    return f"pyslsa: warning: {printable(warning)}\n" if warning else ""


def renderer(name: str) -> Callable[[object], tuple[str, str]]:
    """``render`` for one format."""
    return lambda report: render(report, name)


def debug_lines(report: object) -> list[str]:
    """What ``--debug`` adds on stderr, whatever the format: which trusted root was in force (for a report that
    records one), and material the evidence carried that was accepted but not used (e.g. the certificates after
    the leaf of a bundle's chain under the slsa-verifier profile), one line per note, prefixed with the artifact
    (and evidence) it belongs to."""
    out = []
    source = getattr(report, "root_source", None)
    if source is not None:
        out.append(f"debug: {source.describe()}")
    lines: Callable[[object], list[str]] | None = getattr(view_for(report), "debug_lines", None)
    out += lines(report) if lines is not None else []
    return [printable(line) for line in out]


_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(line: str) -> str:
    """Control characters (escape sequences, carriage returns, line breaks, bidirectional overrides) shown as
    escapes. Text output carries strings from evidence and servers (publisher names, file names in a wheel, diff
    and build-log lines, values quoted in error messages): none may start a line of its own (a forged verdict) or
    drive the terminal."""
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                            else f"\\u{ord(m.group()):04x}", line)
