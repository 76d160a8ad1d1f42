"""The backend: what the wheel's ``Generator:`` line names, the sdist's ``[build-system]``, and the pins to build
with (the backend's exact version, the dated closure, ``--build-requirement``).

    * the backend and its exact version from the wheel's ``WHEEL`` file, ``Generator:`` line (``flit X`` is
      ``flit_core``, ``bdist_wheel (X)`` is ``wheel`` with a setuptools older than 70.1, ``setuptools (X)``,
      ``hatchling X``, ``poetry-core X``, ``pdm-backend (X)``, ...);
    * the other build requirements from the sdist's ``pyproject.toml`` (``[build-system]``); nothing is pinned
      when ``backend-path`` builds in-tree.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]

if TYPE_CHECKING:
    from pyslsa.core.reproduce.closure import ClosurePin

#: What build (PEP 517) assumes for a project without pyproject.toml.
LEGACY_REQUIRES = ("setuptools >= 40.8.0",)
LEGACY_BACKEND = "setuptools.build_meta:__legacy__"
#: How many of the requirers a pin's reason names (the JSON view has them all).
MAX_REQUIRED_BY_SHOWN = 3


@dataclass(frozen=True)
class Generator:
    """What the ``Generator:`` line says: the package that wrote the wheel and its version."""

    raw: str
    package: str | None  # the distribution to pin (canonical name), None if unknown
    version: str | None
    note: str = ""
    extra_constraints: tuple[str, ...] = ()  # e.g. setuptools<70.1 for bdist_wheel


_GENERATOR = re.compile(r"\A\s*(?P<name>[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?)(?![A-Za-z0-9_.+-])"
                        r"\s*(?:\(?\s*(?P<ver>[0-9][^\s()]*)\s*\)?)?")
_ALIASES = {"flit": "flit-core", "bdist-wheel": "wheel", "poetry-core": "poetry-core", "poetry": "poetry-core"}


def parse_generator(raw: str | None) -> Generator | None:
    """The backend named by a ``Generator:`` line, or None if there is none or it is unreadable."""
    if not raw:
        return None
    m = _GENERATOR.match(raw)
    if m is None:
        return None
    name, version = canonicalize_name(m.group("name")), m.group("ver")
    package = _ALIASES.get(name, name)
    if version is not None and not _plain_version(version):
        # a marker, a second specifier, a URL...: it would go into the constraints file as is
        return Generator(raw, package, None, note=f"Generator {raw!r}: {version!r} is not a plain version: "
                                                   f"{package} is not pinned from it")
    if name == "poetry":
        # Poetry (the tool) names its own version, not the poetry-core it bundled: pin poetry-core by date.
        return Generator(raw, package, None, note=f"'{raw}' names Poetry {version}, not a poetry-core version")
    if name == "bdist-wheel":
        return Generator(raw, package, version, extra_constraints=("setuptools<70.1",),
                         note="bdist_wheel from the 'wheel' package: setuptools older than 70.1")
    return Generator(raw, package, version)


def _plain_version(text: str) -> bool:
    """A PEP 440 version, and nothing else (no marker, specifier, URL or local path)."""
    from packaging.version import InvalidVersion, Version

    if not re.fullmatch(r"[0-9][0-9A-Za-z.!+_-]*", text):
        return False
    try:
        Version(text)
    except InvalidVersion:
        return False
    return True


@dataclass(frozen=True)
class BuildSystem:
    requires: tuple[str, ...]
    backend: str
    backend_path: tuple[str, ...] = ()
    from_pyproject: bool = True

    @property
    def in_tree(self) -> bool:
        return bool(self.backend_path)


class PyprojectError(ValueError):
    """``pyproject.toml`` is not valid TOML or its ``[build-system]`` is malformed."""


def parse_build_system(pyproject: bytes | None) -> BuildSystem:
    """``[build-system]`` of an sdist's ``pyproject.toml`` (None: no such file, the legacy setuptools default)."""
    if pyproject is None:
        return BuildSystem(LEGACY_REQUIRES, LEGACY_BACKEND, from_pyproject=False)
    try:
        doc: dict[str, Any] = tomllib.loads(pyproject.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PyprojectError(f"pyproject.toml is not valid TOML: {exc}") from None
    except RecursionError:
        raise PyprojectError("pyproject.toml is not valid TOML: nested too deeply") from None
    bs = doc.get("build-system")
    if bs is None:
        return BuildSystem(LEGACY_REQUIRES, LEGACY_BACKEND, from_pyproject=False)
    if not isinstance(bs, dict):
        raise PyprojectError("pyproject.toml: [build-system] is not a table")
    requires = bs.get("requires", [])
    backend = bs.get("build-backend", LEGACY_BACKEND)
    path = bs.get("backend-path", [])
    if (not isinstance(requires, list) or not all(isinstance(r, str) for r in requires)
            or not isinstance(backend, str) or not isinstance(path, list)
            or not all(isinstance(p, str) for p in path)):
        raise PyprojectError("pyproject.toml: [build-system] requires/build-backend/backend-path are malformed")
    from packaging.requirements import InvalidRequirement, Requirement

    for req in requires:
        # build writes these lines into a pip requirements file: an option line (--index-url, -r, -e) would
        # redirect or widen what pip installs. pip itself refuses an sdist whose requires are not PEP 508.
        try:
            if "\n" in req or "\r" in req:
                raise InvalidRequirement("a line break")
            Requirement(req)
        except InvalidRequirement:
            raise PyprojectError(f"pyproject.toml: [build-system] requires {req!r} is not a PEP 508 "
                                 f"requirement") from None
    return BuildSystem(tuple(requires), backend, tuple(path))


def requirement_name(req: str) -> str | None:
    """The canonical project name of a PEP 508 requirement string (None if unreadable)."""
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", req)
    return canonicalize_name(m.group(1)) if m else None


@dataclass(frozen=True)
class Pin:
    requirement: str  # e.g. "poetry-core==1.6.0"
    why: str  # "WHEEL Generator: poetry-core 1.6.0", "--build-requirement", "newest before the wheel's upload"
    #: what asked for it, e.g. "hatch-vcs 0.3.0 (setuptools-scm>=6.4.0)" (dated pins only)
    required_by: tuple[str, ...] = ()
    uploaded: dt.datetime | None = None  # when the pinned release was first uploaded (dated pins only)
    #: pulled in by another build requirement, not named in [build-system] nor by the Generator
    dependency: bool = False

    @property
    def name(self) -> str:
        return requirement_name(self.requirement) or self.requirement


def plan_pins(build: BuildSystem, generator: Generator | None, dated: Sequence[ClosurePin],
              overrides: Sequence[str]) -> tuple[list[Pin], list[str]]:
    """(the constraints to build with, notes). ``dated`` is the build-dependency closure chosen as of the wheel's
    upload (:func:`resolve_closure`); ``overrides`` are ``--build-requirement`` lines and win over everything
    inferred."""
    notes: list[str] = []
    pins: dict[str, Pin] = {}
    if build.in_tree:
        notes.append(f"backend-path {list(build.backend_path)} builds in-tree: no build requirement is pinned")
    else:
        if generator is None:
            notes.append("the wheel's WHEEL file names no Generator: the backend version is not pinned")
        elif generator.package is None:
            notes.append(f"Generator {generator.raw!r} names no known backend: nothing pinned from it")
        else:
            if generator.note:
                notes.append(generator.note)
            if generator.version:
                pins[generator.package] = Pin(f"{generator.package}=={generator.version}",
                                              f"WHEEL Generator: {generator.raw}")
            required = {requirement_name(r) for r in build.requires}
            if generator.package not in required and generator.package != "wheel":
                notes.append(f"{generator.package} is not among the sdist's build requirements "
                             f"{list(build.requires)}: its pin may have no effect")
        for c in dated:
            if c.name in pins or c.fixed:
                continue
            why = "newest release before the wheel's upload"
            if generator and c.name == "setuptools" and "setuptools<70.1" in generator.extra_constraints:
                why += " (setuptools < 70.1 for bdist_wheel)"
            if c.dependency:
                shown = ", ".join(c.required_by[:MAX_REQUIRED_BY_SHOWN])
                more = len(c.required_by) - MAX_REQUIRED_BY_SHOWN
                why += f", required by {shown}" + (f" and {more} more" if more > 0 else "")
            pins[c.name] = Pin(f"{c.name}=={c.version}", why, tuple(c.required_by), c.uploaded, c.dependency)
        if generator:
            for constraint in generator.extra_constraints:
                n = requirement_name(constraint) or constraint
                if n not in pins:
                    pins[n] = Pin(constraint, generator.note or "implied by the Generator")
    for o in overrides:
        oname = requirement_name(o)
        if oname is None:
            raise ValueError(f"--build-requirement: cannot read {o!r}")
        pins[oname] = Pin(o.strip(), "--build-requirement")
    return list(pins.values()), notes


__all__ = [
    "LEGACY_BACKEND",
    "LEGACY_REQUIRES",
    "MAX_REQUIRED_BY_SHOWN",
    "BuildSystem",
    "Generator",
    "Pin",
    "PyprojectError",
    "parse_build_system",
    "parse_generator",
    "plan_pins",
    "requirement_name",
]
