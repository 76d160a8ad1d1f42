"""Output formats. Each module defines ``render(report) -> (stdout_text, stderr_text)``; adding a format is
adding a module here and its name to :data:`FORMATS`."""

from __future__ import annotations

import importlib
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
