"""The direction of dependencies (see ``src/pyslsa/core/__init__.py``), checked on the source with ``ast``: every
import counts, at the top of a module, inside a function, or under ``if TYPE_CHECKING:`` (where only the plain data
modules get one more right: to name the types the sources return)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "pyslsa"

#: Layer of a module, by its dotted name (the longest matching prefix wins).
LAYERS = {
    "pyslsa": "package",  # the lazy public facade (pyslsa/__init__.py)
    "pyslsa.__main__": "cli",
    "pyslsa.cli": "cli",
    "pyslsa.commands": "commands",
    "pyslsa.api": "api",
    "pyslsa.sources": "sources",
    "pyslsa.core": "core",
    "pyslsa.errors": "errors",
    "pyslsa.lazy": "errors",  # the lazy-export helper: standard library only, usable by every layer
    "pyslsa.report": "data",
    "pyslsa.options": "data",
    "pyslsa.formats": "formats",
    "pyslsa.serve": "serve",
}

#: What each layer may import (besides itself, the standard library and third-party packages).
ALLOWED = {
    "errors": set(),
    "core": {"errors"},
    "data": {"errors", "core", "package"},
    "sources": {"errors", "core", "data", "package"},
    "api": {"errors", "core", "data", "sources", "serve", "package"},  # serve: api/serve.py wires the proxy
    "formats": {"errors", "data", "core", "package"},  # core: the types of the data reports carry
    # formats: a command that shows its own report (``show``: audit's rich table and --output files) uses the views
    "commands": {"errors", "data", "api", "formats", "package"},
    "cli": {"errors", "data", "commands", "formats", "package"},
    "serve": {"errors", "data", "core", "sources", "package"},  # the proxy engine; its decider comes from api
    "package": {"errors", "data", "api", "core"},
}

#: What a layer may also import under ``if TYPE_CHECKING:`` (types only, never run).
TYPE_ONLY = {
    "data": {"sources"},  # a report carries what a source found (e.g. an input's Location)
}

#: Imports allowed for now, each with the reason (none: keep it that way).
EXCEPTIONS: set[tuple[str, str]] = set()


def layer(module: str) -> str:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        found = LAYERS.get(".".join(parts[:n]))
        if found is not None:
            return found
    raise AssertionError(f"{module}: no layer (add it to LAYERS)")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


Import = tuple[str, list[str], int, bool]


def imports(path: Path) -> Iterator[Import]:
    """(module imported, names imported from it, line, under TYPE_CHECKING) for every import of the file,
    relative ones resolved."""
    return imports_of(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(source: str, name: str, is_package: bool) -> Iterator[Import]:
    package = name.split(".") if is_package else name.split(".")[:-1]
    tree = ast.parse(source)
    typing_only = _type_checking_lines(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno, node.lineno in typing_only
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[:len(package) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            yield base, [a.name for a in node.names], node.lineno, node.lineno in typing_only


def pyslsa_modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer() -> None:
    for path in pyslsa_modules():
        layer(module_name(path))


def _is_module(dotted: str) -> bool:
    base = SRC.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def violations(me: str, found: Iterator[Import]) -> list[str]:
    mine = layer(me)
    bad = []
    for target, names, line, type_only in found:
        if not (target == "pyslsa" or target.startswith("pyslsa.")):
            continue
        # `from pyslsa.x import y` where y is a module: the dependency is on pyslsa.x.y
        targets = [f"{target}.{n}" for n in names if _is_module(f"{target}.{n}")] or [target]
        for t in targets:
            theirs = layer(t)
            if theirs == mine or theirs in ALLOWED[mine] or (type_only and theirs in TYPE_ONLY.get(mine, ())):
                continue
            if (me, t) in EXCEPTIONS or (me, ".".join(t.split(".")[:3])) in EXCEPTIONS:
                continue
            bad.append(f"line {line}: {mine} imports {theirs} ({t})")
    return bad


@pytest.mark.parametrize("path", pyslsa_modules(), ids=lambda p: module_name(p))
def test_imports_follow_the_layers(path: Path) -> None:
    assert violations(module_name(path), imports(path)) == [], f"{module_name(path)} breaks the layering"


@pytest.mark.parametrize("path", pyslsa_modules(), ids=lambda p: module_name(p))
def test_no_private_name_of_another_module(path: Path) -> None:
    """``from pyslsa.x import _y`` or ``import pyslsa._x``: a private name belongs to its own module."""
    me = module_name(path)
    bad = []
    for target, names, line, _ in imports(path):
        if not target.startswith("pyslsa"):
            continue
        private_module = any(part.startswith("_") and not part.startswith("__") for part in target.split("."))
        private_names = [n for n in names if n.startswith("_") and not n.startswith("__")]
        if (private_module or private_names) and target != me:
            bad.append(f"line {line}: {target} {private_names}")
    assert bad == []


def test_the_checker_sees_imports_inside_functions_and_type_checking_blocks() -> None:
    source = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pyslsa.report import Report\n"
              "def f() -> None:\n    from ..commands import verify_artifact\n    import pyslsa.cli\n")
    assert violations("pyslsa.core.probe", imports_of(source, "pyslsa.core.probe", False)) == [
        "line 3: core imports data (pyslsa.report)",
        "line 5: core imports commands (pyslsa.commands.verify_artifact)",
        "line 6: core imports cli (pyslsa.cli)",
    ]
    assert violations("pyslsa.api.probe", imports_of(source, "pyslsa.api.probe", False)) == [
        "line 5: api imports commands (pyslsa.commands.verify_artifact)",
        "line 6: api imports cli (pyslsa.cli)",
    ]
    sources = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pyslsa.sources.inputs import Location\n"
               "from pyslsa.sources.pypi import DistFile\n")
    assert violations("pyslsa.report", imports_of(sources, "pyslsa.report", False)) == [
        "line 4: data imports sources (pyslsa.sources.pypi)",
    ]
