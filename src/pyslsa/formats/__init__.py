"""Output formats. Each module defines ``render(report) -> (stdout_text, stderr_text)``; adding a format is
adding a module here and its name to :data:`FORMATS`."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyslsa.report import CommandReport

FORMATS = ("text", "json")

Renderer = Callable[["CommandReport"], tuple[str, str]]


def renderer(name: str) -> Renderer:
    if name not in FORMATS:
        raise ValueError(f"unknown format {name!r}")
    module = importlib.import_module(f"pyslsa.formats.{name}_format")
    render: Renderer = module.render
    return render


_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(line: str) -> str:
    """Control characters (escape sequences, carriage returns, line breaks, bidirectional overrides) shown as
    escapes. Text output carries strings from evidence and servers (publisher names, file names in a wheel, diff
    and build-log lines, values quoted in error messages): none may start a line of its own (a forged verdict) or
    drive the terminal."""
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                            else f"\\u{ord(m.group()):04x}", line)


def debug_lines(report: CommandReport) -> list[str]:
    """What ``--debug`` adds on stderr, whatever the format: material the evidence carried that was accepted but
    not used (e.g. the certificates after the leaf of a bundle's chain under the slsa-verifier profile), one
    line per note, prefixed with the artifact (and evidence) it belongs to."""
    from pyslsa.report import ReleaseReport, Report

    lines: list[str] = []
    if isinstance(report, Report):
        for a in report.artifacts:
            lines.extend(f"debug: {a.path}: {note}" for note in a.notes)
    elif isinstance(report, ReleaseReport):
        for f in report.files:
            for e in f.evidence:
                lines.extend(f"debug: {f.filename}: {e.kind} {e.source}: {note}" for note in e.notes)
    return [printable(line) for line in lines]
