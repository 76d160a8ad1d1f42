"""Rebuilding a wheel from its sdist: what to build with, and how the rebuilt wheel compares. Pure.

Nothing here touches a file, the network or the clock: the edge (:mod:`pyslsa.commands.reproduce`) hands in bytes
(the wheels, the sdist's ``pyproject.toml``), the sdist's member times and the index's upload times, and gets back
decisions (which backend version to pin, which ``SOURCE_DATE_EPOCH`` and ``TZ`` to try) and verdicts.

How a build is inferred
    * the backend and its exact version from the wheel's ``WHEEL`` file, ``Generator:`` line (``flit X`` is
      ``flit_core``, ``bdist_wheel (X)`` is ``wheel`` with a setuptools older than 70.1, ``setuptools (X)``,
      ``hatchling X``, ``poetry-core X``, ``pdm-backend (X)``, ...);
    * the other build requirements from the sdist's ``pyproject.toml`` (``[build-system]``), and everything they
      pull in (their ``Requires-Dist``, followed to the end), pinned to their newest release uploaded before the
      wheel when the index says when that was (hatch-vcs -> setuptools-scm -> packaging, setuptools ... matter);
      nothing is pinned when ``backend-path`` builds in-tree;
    * ``SOURCE_DATE_EPOCH`` from the wheel's zip timestamps when most entries share one that is not the 1980
      default (backends write ``gmtime(SOURCE_DATE_EPOCH)``);
    * the time zone from the offset between the sdist's member times (tar mtimes, UTC) and the wheel's zip times
      (local wall-clock, as flit writes them without ``SOURCE_DATE_EPOCH``): one offset is a fixed zone, two an
      hour apart a zone with daylight saving (EU, US or southern rules, whichever explains every file).

How wheels compare
    byte-identical is ``reproducible``; the same members with the same bytes in another zip (timestamps, modes,
    order, compression) is ``content-identical``, with what differs; anything else is ``different``, with the
    members only in one of the wheels and the changed ones (a unified diff of text members, capped).
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import hashlib
import io
import lzma
import math
import re
import sys
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]

REPRODUCIBLE = "reproducible"
CONTENT_IDENTICAL = "content-identical"
DIFFERENT = "different"
COULD_NOT_BUILD = "could-not-build"
NOT_APPLICABLE = "not-applicable"
#: Best first: the verdict of a wheel is the best of its attempts.
VERDICTS = (REPRODUCIBLE, CONTENT_IDENTICAL, DIFFERENT, COULD_NOT_BUILD, NOT_APPLICABLE)

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
#: What build (PEP 517) assumes for a project without pyproject.toml.
LEGACY_REQUIRES = ("setuptools >= 40.8.0",)
LEGACY_BACKEND = "setuptools.build_meta:__legacy__"

#: Caps on the diff summary (per member, and overall).
MAX_DIFF_LINES_PER_FILE = 60
MAX_DIFF_LINES = 400
MAX_EXAMPLES = 5
MAX_TEXT_BYTES = 1024 * 1024
MAX_DIFF_LINE_CHARS = 400
#: Caps on a wheel held in memory (its declared uncompressed size, checked before anything is inflated).
MAX_WHEEL_ENTRIES = 100_000
MAX_WHEEL_UNCOMPRESSED = 1024 * 1024 * 1024


class WheelFormatError(ValueError):
    """The bytes are not a wheel we can read (not a zip, no ``.dist-info/WHEEL``)."""


# -- the wheel -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """One zip entry, as the comparison sees it."""

    name: str
    data: bytes
    date_time: tuple[int, int, int, int, int, int]
    external_attr: int
    compress_type: int
    compress_size: int
    create_system: int
    create_version: int
    extract_version: int
    flag_bits: int
    extra: bytes
    comment: bytes


@dataclass(frozen=True)
class Wheel:
    members: tuple[Member, ...]
    comment: bytes
    wheel_metadata: Mapping[str, tuple[str, ...]]  # the WHEEL file's fields (every value of each)

    @property
    def generator(self) -> str | None:
        values = self.wheel_metadata.get("generator", ())
        return values[0] if values else None

    @property
    def tags(self) -> tuple[str, ...]:
        return self.wheel_metadata.get("tag", ())

    @property
    def pure(self) -> bool:
        """Root-Is-Purelib and every tag ``*-none-any``."""
        purelib = self.wheel_metadata.get("root-is-purelib", ("",))[0].strip().lower() == "true"
        return purelib and bool(self.tags) and all(t.endswith("-none-any") for t in self.tags)

    @cached_property
    def _by_name(self) -> dict[str, Member]:
        out: dict[str, Member] = {}
        for m in self.members:
            out.setdefault(m.name, m)
        return out

    def member(self, name: str) -> Member | None:
        """The first entry of that name."""
        return self._by_name.get(name)


def read_wheel(data: bytes) -> Wheel:
    """Parse a wheel held in memory; :class:`WheelFormatError` if it is not one."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_WHEEL_ENTRIES:
                raise WheelFormatError(f"more than {MAX_WHEEL_ENTRIES} entries")
            declared = sum(i.file_size for i in infos)
            if declared > MAX_WHEEL_UNCOMPRESSED:
                raise WheelFormatError(f"the entries' uncompressed size is {declared} bytes, more than "
                                       f"{MAX_WHEEL_UNCOMPRESSED}")
            # zipfile stops inflating an entry at its declared size: the total above bounds the memory
            members = tuple(
                Member(name=i.filename, data=zf.read(i), date_time=tuple(i.date_time),  # type: ignore[arg-type]
                       external_attr=i.external_attr, compress_type=i.compress_type,
                       compress_size=i.compress_size, create_system=i.create_system,
                       create_version=i.create_version, extract_version=i.extract_version,
                       flag_bits=i.flag_bits, extra=i.extra, comment=i.comment)
                for i in infos)
            comment = zf.comment
    except WheelFormatError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, ValueError,
            RuntimeError, zlib.error, lzma.LZMAError) as exc:  # RuntimeError: an encrypted entry
        raise WheelFormatError(f"not a readable zip archive: {exc}") from None
    wheel_files = [m for m in members if re.fullmatch(r"[^/]+\.dist-info/WHEEL", m.name)]
    if len(wheel_files) != 1:
        raise WheelFormatError(f"expected one .dist-info/WHEEL file, found {len(wheel_files)}")
    return Wheel(members, comment, parse_wheel_file(wheel_files[0].data))


def parse_wheel_file(data: bytes) -> dict[str, tuple[str, ...]]:
    """The ``WHEEL`` file's ``Key: value`` lines, keys lower-cased, every value kept (``Tag`` repeats)."""
    fields: dict[str, list[str]] = {}
    for line in data.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            fields.setdefault(key.strip().lower(), []).append(value.strip())
    return {k: tuple(v) for k, v in fields.items()}


# -- the backend -----------------------------------------------------------------------------------------------


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


# -- the build-dependency closure, as of the upload ------------------------------------------------------------
#
# The build requirements named in [build-system] pull in others (hatch-vcs -> setuptools-scm -> packaging,
# setuptools ...), and those can change what the backend writes (setuptools-scm's _version.py template). The whole
# closure is pinned: every project the build environment would install gets its newest release uploaded before
# the wheel (PEP 700 upload times), following each chosen release's own Requires-Dist (its core metadata, PEP 658),
# re-chosen until the choice no longer changes. The edge fetches what a call asks for (listings, metadata) and
# calls again; each call is a pure function of what it has been given.

#: Bounds: projects in one closure, and rounds of re-choosing before it must have settled.
MAX_CLOSURE_PROJECTS = 150
MAX_CLOSURE_ROUNDS = 25
#: How many of the requirers a pin's reason names (the JSON view has them all).
MAX_REQUIRED_BY_SHOWN = 3


def newest_before(releases: Mapping[str, dt.datetime], when: dt.datetime,
                  accept: Callable[[Any], bool] | None = None) -> str | None:
    """The newest final version (PEP 440) first uploaded at or before ``when``, among those ``accept`` takes (it
    is given a :class:`packaging.version.Version`); ``releases`` maps version -> first upload time."""
    from packaging.version import InvalidVersion, Version

    best: Version | None = None
    for text, uploaded in releases.items():
        try:
            v = Version(text)
        except InvalidVersion:
            continue
        if v.is_prerelease or v.is_devrelease or uploaded > when or (accept is not None and not accept(v)):
            continue
        if best is None or v > best:
            best = v
    return str(best) if best is not None else None


def first_uploads(files: Iterable[tuple[str, dt.datetime | None, bool]]) -> dict[str, dt.datetime]:
    """version -> earliest upload time, from (version, upload time, yanked) of every file of a project."""
    out: dict[str, dt.datetime] = {}
    for version, uploaded, yanked in files:
        if uploaded is None or yanked:
            continue
        if version not in out or uploaded < out[version]:
            out[version] = uploaded
    return out


@dataclass(frozen=True)
class ListedFile:
    """One file of a project as the index lists it: what choosing a version needs."""

    version: str
    uploaded: dt.datetime | None
    yanked: bool = False
    requires_python: str | None = None


@dataclass(frozen=True)
class ClosureRoots:
    """Where the closure starts: the requirements the build environment installs, the versions already known
    (the Generator's backend, ``--build-requirement NAME==V``), and specifiers that only narrow a choice."""

    requires: tuple[tuple[str, str], ...]  # (PEP 508 requirement, where it comes from)
    fixed: Mapping[str, str] = field(default_factory=dict)  # canonical name -> exact version
    narrow: tuple[tuple[str, str], ...] = ()  # (canonical name, specifier), e.g. ("setuptools", "<70.1")


def closure_roots(build: BuildSystem, generator: Generator | None, overrides: Sequence[str]) -> ClosureRoots | None:
    """The roots of the build-dependency closure; None when the backend builds in-tree (nothing is pinned)."""
    from packaging.requirements import InvalidRequirement, Requirement

    if build.in_tree:
        return None
    requires = [(r, "[build-system]") for r in build.requires]
    required = {requirement_name(r) for r in build.requires}
    fixed: dict[str, str] = {}
    narrow: list[tuple[str, str]] = []
    if generator is not None and generator.package:
        if generator.version:
            fixed[generator.package] = generator.version
        if generator.package not in required and (generator.package == "wheel" or not generator.version):
            # bdist_wheel: old setuptools asks for 'wheel' at build time; Poetry: poetry-core by date
            requires.append((generator.package, "WHEEL Generator"))
    for text, exact_fixes in [(c, False) for c in (generator.extra_constraints if generator else ())] + [
            (o, True) for o in overrides]:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue  # applied as given; it tells the closure nothing
        name = canonicalize_name(req.name)
        specs = list(req.specifier)
        if exact_fixes and len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
            fixed[name] = specs[0].version  # --build-requirement NAME==V: followed in place of a dated choice
        elif specs:
            narrow.append((name, str(req.specifier)))
    return ClosureRoots(tuple(requires), fixed, tuple(narrow))


@dataclass(frozen=True)
class ClosurePin:
    """One project of the closure and the version chosen for it."""

    name: str
    version: str
    uploaded: dt.datetime | None
    required_by: tuple[str, ...]  # "[build-system] (hatch-vcs)", "hatch-vcs 0.3.0 (setuptools-scm>=6.4.0)"
    dependency: bool  # not named in [build-system] nor by the Generator
    fixed: bool  # a version given (Generator, --build-requirement), not chosen by date


@dataclass
class Closure:
    pins: list[ClosurePin] = field(default_factory=list)
    #: what the call could not decide without: project listings, and (name, version) core metadata
    missing_listings: list[str] = field(default_factory=list)
    missing_metadata: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    settled: bool = True

    @property
    def complete(self) -> bool:
        return not self.missing_listings and not self.missing_metadata


def requires_dist(metadata: bytes) -> list[str]:
    """The ``Requires-Dist`` lines of a distribution's core metadata (``METADATA`` / ``PKG-INFO``)."""
    import email.parser
    import email.policy

    msg = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(metadata)
    return [str(v).strip() for v in msg.get_all("Requires-Dist") or []]


def _python_ok(requires_python: str | None, python: str) -> bool:
    """pip's rule: a file whose Requires-Python excludes the interpreter is skipped; an unreadable one is not."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    if not requires_python or not python:
        return True
    try:
        return SpecifierSet(requires_python).contains(python, prereleases=True)
    except InvalidSpecifier:
        return True


def _pick(name: str, files: Sequence[ListedFile], when: dt.datetime, specs: Sequence[Any],
          python: str) -> tuple[str | None, dt.datetime | None, str]:
    """(version, its first upload, why not) for one project: its newest final release uploaded at or before
    ``when`` that every specifier takes and that has a file for this Python (pip's choice at that time)."""
    if not any(f.uploaded is not None for f in files):
        return None, None, f"{name}: the index gives no upload times (PEP 700): not pinned by date"
    releases = first_uploads((f.version, f.uploaded, f.yanked) for f in files)
    usable = {f.version for f in files if f.uploaded is not None and f.uploaded <= when and not f.yanked
              and _python_ok(f.requires_python, python)}
    version = newest_before({k: t for k, t in releases.items() if k in usable}, when,
                            lambda v: all(s.contains(v) for s in specs))
    if version is None:
        wanted = ", ".join(str(s) for s in specs if str(s))
        return None, None, (f"{name}: no release uploaded before {_when(when)}"
                            + (f" satisfies {wanted}" if wanted else "")
                            + (f" for Python {python}" if python else "") + ": not pinned")
    return version, releases.get(version), ""


def _when(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def resolve_closure(roots: ClosureRoots, when: dt.datetime, environment: Mapping[str, str],
                    listings: Mapping[str, Sequence[ListedFile] | str],
                    metadata: Mapping[tuple[str, str], bytes | str]) -> Closure:
    """The build-dependency closure as of ``when``, from what the index has told so far.

    ``environment`` is the build interpreter's marker environment (PEP 508); ``listings`` maps a canonical
    project name to its files (or why they could not be listed), ``metadata`` maps (name, version) to that
    release's core metadata (or why it could not be read). Names and releases not given yet are returned in
    ``missing_listings`` / ``missing_metadata``: fetch them and call again until the closure is complete.
    The choice is made again, round after round, until it no longer changes (a release chosen in one round can
    add a requirement, or a specifier that narrows another choice)."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    python = environment.get("python_full_version", "")
    parsed: dict[tuple[str, str], list[Requirement] | str] = {}

    def deps_of(name: str, version: str) -> list[Requirement] | str | None:
        key = (name, version)
        if key not in parsed:
            md = metadata.get(key)
            if md is None:
                return None
            if isinstance(md, str):
                parsed[key] = md
            else:
                reqs: list[Requirement] = []
                bad: list[str] = []
                for line in requires_dist(md):
                    try:
                        reqs.append(Requirement(line))
                    except InvalidRequirement:
                        bad.append(line)
                parsed[key] = reqs if not bad else f"unreadable Requires-Dist {bad[0]!r}"
        return parsed[key]

    def applies(req: Requirement, extra: str) -> bool:
        try:
            return req.marker is None or bool(req.marker.evaluate({**environment, "extra": extra}))
        except Exception:  # noqa: BLE001 - packaging raises assorted errors on a marker it cannot evaluate
            return False

    narrow: dict[str, list[SpecifierSet]] = {}
    for nname, spec in roots.narrow:
        try:
            narrow.setdefault(nname, []).append(SpecifierSet(spec))
        except InvalidSpecifier:
            continue
    choice: dict[str, str] = {}
    result = Closure()
    for _round in range(MAX_CLOSURE_ROUNDS):
        # 1. the requirement graph that the current choice makes
        order: list[str] = []
        depth: dict[str, int] = {}
        demands: dict[str, list[tuple[Requirement, str]]] = {}
        extras: dict[str, set[str]] = {}
        expanded: dict[str, set[str]] = {}
        seen_edges: set[tuple[str, str]] = set()
        notes: list[str] = []
        missing_meta: list[tuple[str, str]] = []
        queue: list[tuple[Requirement, str, int]] = []
        for text, origin in roots.requires:
            try:
                req = Requirement(text)
            except InvalidRequirement:
                notes.append(f"{origin} requirement {text!r} is unreadable: not followed")
                continue
            if applies(req, ""):
                queue.append((req, origin, 0))
        head = 0
        too_many = False
        while head < len(queue):
            req, origin, d = queue[head]
            head += 1
            name = str(canonicalize_name(req.name))
            if name not in demands:
                if len(order) >= MAX_CLOSURE_PROJECTS:
                    too_many = True
                    continue
                order.append(name)
                depth[name] = d
                demands[name] = []
            demands[name].append((req, origin))
            extras.setdefault(name, set()).update(canonicalize_name(e) for e in req.extras)
            version = choice.get(name)
            if version is None:
                continue
            deps = deps_of(name, version)
            if deps is None:
                if (name, version) not in missing_meta:
                    missing_meta.append((name, version))
                continue
            if isinstance(deps, str):
                note = f"{name} {version}: its requirements are not followed ({deps})"
                if note not in notes:
                    notes.append(note)
                continue
            for extra in sorted({""} | extras[name]):
                if extra in expanded.setdefault(name, set()):
                    continue
                expanded[name].add(extra)
                for dep in deps:
                    if not applies(dep, extra):
                        continue
                    edge = (name, str(dep))
                    if edge in seen_edges:
                        continue
                    seen_edges.add(edge)
                    queue.append((dep, f"{name} {version}", depth[name] + 1))
        if too_many:
            notes.append(f"the closure has more than {MAX_CLOSURE_PROJECTS} projects: the rest are not pinned")
        # 2. the choice that graph asks for
        new_choice: dict[str, str] = {}
        uploaded: dict[str, dt.datetime | None] = {}
        missing_listings: list[str] = []
        for name in order:
            if name in roots.fixed:
                new_choice[name] = roots.fixed[name]
                uploaded[name] = None
                continue
            listing = listings.get(name)
            if listing is None:
                missing_listings.append(name)
                continue
            if isinstance(listing, str):
                notes.append(f"could not list {name} on the index ({listing}): not pinned")
                continue
            specs = [r.specifier for r, _ in demands[name]] + narrow.get(name, [])
            version, first, why = _pick(name, listing, when, specs, python)
            if version is None:
                notes.append(why)
                continue
            new_choice[name] = version
            uploaded[name] = first
        result = Closure(missing_listings=missing_listings, missing_metadata=missing_meta, notes=notes)
        for name in order:
            if name not in new_choice:
                continue
            direct = any(origin in ("[build-system]", "WHEEL Generator") for _, origin in demands[name])
            by = tuple(dict.fromkeys(f"{origin} ({req})" for req, origin in demands[name]))
            result.pins.append(ClosurePin(name, new_choice[name], uploaded[name], by, not direct,
                                          name in roots.fixed))
        if new_choice == choice:
            return result
        choice = new_choice
    result.settled = False
    result.notes.append(f"the closure did not settle after {MAX_CLOSURE_ROUNDS} rounds of choosing: the last "
                        f"choice is used")
    return result


# -- SOURCE_DATE_EPOCH and the time zone -----------------------------------------------------------------------


def infer_source_date_epoch(wheel: Wheel) -> tuple[int | None, str]:
    """(SOURCE_DATE_EPOCH, why) from the zip timestamps: the timestamp most entries share, if it is not the 1980
    zip epoch (backends write ``gmtime(SOURCE_DATE_EPOCH)``, so it is read as UTC)."""
    counts = Counter(m.date_time for m in wheel.members)
    if not counts:
        return None, "the wheel has no entries"
    stamp, n = counts.most_common(1)[0]
    if stamp == ZIP_EPOCH:
        return None, "the zip timestamps are the 1980 default"
    if 2 * n < len(wheel.members):
        return None, (f"the zip timestamps vary ({len(counts)} distinct, the commonest on {n} of "
                      f"{len(wheel.members)} entries): not one SOURCE_DATE_EPOCH")
    epoch = _zip_epoch(stamp)
    if epoch is None:
        return None, f"the commonest zip timestamp {_fmt(stamp)} is not a valid date: no SOURCE_DATE_EPOCH"
    return epoch, f"{n} of {len(wheel.members)} zip entries are dated {_fmt(stamp)}"


def _zip_epoch(stamp: tuple[int, ...]) -> int | None:
    """Seconds since the epoch of a zip (DOS) timestamp read as UTC; None when it is no real date (a DOS date
    can say month 13, day 0 or hour 25)."""
    if len(stamp) < 6:
        return None
    try:
        y, mo, d, h, mi, s = stamp[:6]
        return calendar.timegm(dt.datetime(y, mo, d, h, mi, s).timetuple())
    except (ValueError, OverflowError, TypeError):
        return None


@dataclass(frozen=True)
class Zone:
    """A time zone as a POSIX ``TZ`` value, and why."""

    tz: str
    why: str


def posix_offset(seconds: int) -> str:
    """POSIX TZ offset text for a zone ``seconds`` east of UTC (POSIX counts west: the sign is inverted)."""
    sign = "-" if seconds > 0 else ""
    s = abs(seconds)
    h, m = divmod(s // 60, 60)
    return f"{sign}{h:02d}:{m:02d}" if m else f"{sign}{h}"


def _zone_name(seconds: int) -> str:
    sign = "+" if seconds >= 0 else "-"
    h, m = divmod(abs(seconds) // 60, 60)
    return f"<{sign}{h:02d}{m:02d}>" if m else f"<{sign}{h:02d}>"


def _fixed_tz(offset: int) -> str:
    return f"{_zone_name(offset)}{posix_offset(offset)}"


def _nth_weekday(year: int, month: int, week: int, weekday: int) -> int:
    """Day of month of POSIX ``Mm.w.d`` (d: 0 = Sunday; w = 5: the last)."""
    first = (dt.date(year, month, 1).weekday() + 1) % 7  # Sunday = 0
    day = 1 + (weekday - first) % 7 + (week - 1) * 7
    days = calendar.monthrange(year, month)[1]
    while day > days:
        day -= 7
    return day


@dataclass(frozen=True)
class _DstRule:
    label: str
    start: tuple[int, int, int, int]  # month, week, weekday, local hour (standard time)
    end: tuple[int, int, int, int]  # month, week, weekday, local hour (daylight time)

    def posix(self, std: int) -> str:
        def part(r: tuple[int, int, int, int]) -> str:
            mo, w, d, hour = r
            return f"M{mo}.{w}.{d}" + ("" if hour == 2 else f"/{hour}")

        return f"{_zone_name(std)}{posix_offset(std)}{_zone_name(std + 3600)},{part(self.start)},{part(self.end)}"

    def offset_at(self, std: int, t: float) -> int:
        """The zone's offset east of UTC at the instant ``t`` (seconds since the epoch, UTC)."""
        year = dt.datetime.fromtimestamp(t, dt.timezone.utc).year
        mo, w, d, hour = self.start
        start = calendar.timegm((year, mo, _nth_weekday(year, mo, w, d), hour, 0, 0)) - std
        mo, w, d, hour = self.end
        end = calendar.timegm((year, mo, _nth_weekday(year, mo, w, d), hour, 0, 0)) - (std + 3600)
        in_dst = start <= t < end if start < end else not (end <= t < start)
        return std + 3600 if in_dst else std


def _dst_rules(std: int) -> list[_DstRule]:
    eu_start = (1 + std // 3600) % 24  # EU: 01:00 UTC both ways
    return [
        _DstRule("EU rules (last Sunday of March to the last Sunday of October, 01:00 UTC)",
                 (3, 5, 0, eu_start), (10, 5, 0, (eu_start + 1) % 24)),
        _DstRule("US rules (second Sunday of March to the first Sunday of November)", (3, 2, 0, 2), (11, 1, 0, 2)),
        _DstRule("southern rules (first Sunday of October to the first Sunday of April)",
                 (10, 1, 0, 2), (4, 1, 0, 3)),
    ]


def _wheel_to_sdist_paths(wheel: Wheel, sdist_paths: Iterable[str]) -> dict[str, str]:
    """Wheel member -> the one sdist member (path below the sdist's top directory) it was most likely copied
    from: the same path, or the same path below one directory (``src/``), or for dist-info licence files the
    same name at the top.

    Linear in the total length of the paths: each sdist path is walked from its end through a trie of the
    (reversed) names looked up, so deep or many paths cost no more than reading them."""
    wanted: dict[str, str] = {}  # wheel member -> the name looked up among the sdist's paths
    for m in wheel.members:
        name = m.name
        if ".dist-info/" in name.split("/", 1)[0] + "/":
            rest = name.split("/", 1)[1] if "/" in name else ""
            if rest.startswith("licenses/"):
                rest = rest[len("licenses/"):]
            elif rest in ("METADATA", "WHEEL", "RECORD", "entry_points.txt", "top_level.txt", "INSTALLER"):
                continue
            name = rest
        if name:
            wanted.setdefault(m.name, name)
    children: dict[tuple[int, str], int] = {}
    ends: dict[int, str] = {}  # trie node -> the looked-up name ending there
    for name in set(wanted.values()):
        node = 0
        for part in reversed(name.split("/")):
            node = children.setdefault((node, part), len(children) + 1)
        ends[node] = name
    exact: set[str] = set()
    first: dict[str, str] = {}
    count: Counter[str] = Counter()
    for p in set(sdist_paths):
        node = 0
        parts = p.split("/")
        for i, part in enumerate(reversed(parts)):
            nxt = children.get((node, part))
            if nxt is None:
                break
            node = nxt
            ending = ends.get(node)
            if ending is not None:
                if i == len(parts) - 1:
                    exact.add(ending)
                first.setdefault(ending, p)
                count[ending] += 1
    out: dict[str, str] = {}
    for member, name in wanted.items():
        if name in exact:
            out[member] = name
        elif count[name] == 1:
            out[member] = first[name]
    return out


def infer_timezone(wheel: Wheel, sdist_mtimes: Mapping[str, float]) -> tuple[Zone | None, str]:
    """(zone, why): the zone in which the wheel's zip times are the sdist's member times (UTC) as wall-clock
    time; None when the times agree in UTC or say nothing (the builds run with ``TZ=UTC`` by default)."""
    matched = _wheel_to_sdist_paths(wheel, sdist_mtimes)
    observations: list[tuple[float, int]] = []  # (UTC instant, offset east of UTC)
    for wname, spath in matched.items():
        member = wheel.member(wname)
        if member is None or member.date_time == ZIP_EPOCH:
            continue
        t = sdist_mtimes[spath]
        zipped = _zip_epoch(member.date_time)
        if zipped is None or not math.isfinite(t) or abs(t - zipped) > 15 * 3600:
            continue
        raw = zipped - int(t // 1)
        q = round(raw / 900) * 900
        if abs(raw - q) <= 2 and abs(q) <= 14 * 3600:
            observations.append((t, q))
    if not observations:
        return None, "no wheel entry carries its sdist file's time in any time zone"
    counts = Counter(o for _, o in observations)
    top, n = counts.most_common(1)[0]
    partner = max((o for o in counts if abs(o - top) == 3600), key=lambda o: counts[o], default=None)
    if partner is None:
        if top == 0:
            return None, f"{_entries(n)} sdist file's time in UTC"
        if n < 2 and len(matched) > 1:
            return None, "only one wheel entry carries its sdist file's time with an offset: no zone inferred"
        why = f"{_entries(n)} sdist file's time at UTC{_hm(top)}"
        return Zone(_fixed_tz(top), why), why
    std = min(top, partner)
    best: tuple[int, _DstRule] | None = None
    for rule in _dst_rules(std):
        fit = sum(1 for t, o in observations if o in (std, std + 3600) and rule.offset_at(std, t) == o)
        if best is None or fit > best[0]:
            best = (fit, rule)
    assert best is not None
    fit, rule = best
    k = sum(1 for _, o in observations if o in (std, std + 3600))
    why = (f"{_entries(k)} sdist file's time at UTC{_hm(std)} or UTC{_hm(std + 3600)} (daylight "
           f"saving); {rule.label} explain {fit} of them")
    return Zone(rule.posix(std), why), why


def _entries(n: int) -> str:
    return "1 wheel entry carries its" if n == 1 else f"{n} wheel entries carry their"


def _hm(seconds: int) -> str:
    sign = "+" if seconds >= 0 else "-"
    h, m = divmod(abs(seconds) // 60, 60)
    return f"{sign}{h:02d}:{m:02d}"


def _fmt(stamp: tuple[int, ...]) -> str:
    y, mo, d, h, mi, s = stamp[:6]
    return f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}"


# -- the attempts ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptPlan:
    label: str  # "pinned backend", "+ SOURCE_DATE_EPOCH", "+ TZ"
    env: Mapping[str, str]  # what this attempt sets on top of the defaults (TZ=UTC)


def plan_attempts(epoch: int | None, zone: Zone | None, user_env: Mapping[str, str]) -> list[AttemptPlan]:
    """A small sequence: the pinned backend alone; then with the inferred SOURCE_DATE_EPOCH; then in the
    inferred time zone. Attempts that would build with the same environment are dropped; ``--env`` wins."""
    raw: list[AttemptPlan] = [AttemptPlan("pinned build requirements", {})]
    if epoch is not None:
        raw.append(AttemptPlan("+ SOURCE_DATE_EPOCH", {"SOURCE_DATE_EPOCH": str(epoch)}))
    if zone is not None:
        raw.append(AttemptPlan("+ TZ", {"TZ": zone.tz}))
    out: list[AttemptPlan] = []
    seen: list[dict[str, str]] = []
    for a in raw:
        env = {**a.env, **user_env}
        if env in seen:
            continue
        seen.append(env)
        out.append(AttemptPlan(a.label, env))
    return out


# -- comparison ------------------------------------------------------------------------------------------------


@dataclass
class FileChange:
    name: str
    published_size: int
    rebuilt_size: int
    published_sha256: str
    rebuilt_sha256: str
    diff: list[str] = field(default_factory=list)  # unified diff, rebuilt -> published (text members only)
    binary: bool = False
    diff_truncated: bool = False


@dataclass
class Comparison:
    verdict: str  # reproducible | content-identical | different
    published_sha256: str
    rebuilt_sha256: str
    added: list[str] = field(default_factory=list)  # only in the published wheel
    removed: list[str] = field(default_factory=list)  # only in the rebuilt wheel
    changed: list[FileChange] = field(default_factory=list)
    #: names that appear more than once in either wheel, with other contents (or counts) on the two sides: a
    #: reader of the zip sees one of them, which one depends on the reader
    duplicated: list[str] = field(default_factory=list)
    duplicate_counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (published, rebuilt)
    metadata: list[str] = field(default_factory=list)  # zip-level differences, one line each
    diff_truncated: bool = False
    entries_differing: int = 0  # entries whose zip metadata differ (set for content-identical)

    @property
    def distance(self) -> int:
        """How far apart: the number of entries that differ in any way (the better attempt has fewer)."""
        return (len(self.added) + len(self.removed) + len(self.changed) + len(self.duplicated)
                + self.entries_differing)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _text(data: bytes) -> list[str] | None:
    if len(data) > MAX_TEXT_BYTES or b"\0" in data:
        return None
    try:
        return data.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return None


#: difflib is quadratic in the lines it has to match: past this many differing lines (per side, once the common
#: head and tail are set aside) a member is not diffed.
MAX_DIFF_INPUT_LINES = 4000
_HUNK = re.compile(r"@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@")


def _bounded_diff(a: list[str], b: list[str], name: str) -> Iterable[str]:
    """``difflib.unified_diff(a, b)`` (context 2) computed on the differing middle only, with its hunk line
    numbers; a single note instead when that middle is too long to diff in bounded time."""
    head = 0
    limit = min(len(a), len(b))
    while head < limit and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < limit - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    start = max(0, head - 2)
    a_mid, b_mid = a[start:len(a) - max(0, tail - 2)], b[start:len(b) - max(0, tail - 2)]
    if max(len(a_mid), len(b_mid)) > MAX_DIFF_INPUT_LINES + 4:
        yield f"--- rebuilt/{name}\n"
        yield f"+++ published/{name}\n"
        yield (f"[not diffed: {len(a) - head - tail} rebuilt and {len(b) - head - tail} published lines differ "
               f"from line {head + 1} on, more than {MAX_DIFF_INPUT_LINES}]\n")
        return

    def shift(m: re.Match[str]) -> str:
        # an empty range ("-0,0") names the line before it: shifted the same way
        return f"@@ -{int(m.group(1)) + start}{m.group(2) or ''} +{int(m.group(3)) + start}{m.group(4) or ''} @@"

    for ln in difflib.unified_diff(a_mid, b_mid, f"rebuilt/{name}", f"published/{name}", n=2):
        yield _HUNK.sub(shift, ln, count=1) if ln.startswith("@@") else ln


_FIELDS: tuple[tuple[str, str], ...] = (
    ("date_time", "timestamps"), ("external_attr", "file modes (external attributes)"),
    ("compress_type", "compression methods"), ("compress_size", "compressed sizes"),
    ("create_system", "creating systems"), ("create_version", "creator versions"),
    ("extract_version", "versions needed to extract"), ("flag_bits", "flag bits"),
    ("extra", "extra fields"), ("comment", "entry comments"),
)


def _show_field(attr: str, value: Any) -> str:
    if attr == "date_time":
        return _fmt(value)
    if attr == "external_attr":
        return f"{value >> 16:o}" if value >> 16 else f"0x{value:x}"
    if isinstance(value, bytes):
        return value.hex() or "(none)"
    return str(value)


def compare_wheels(published: bytes, rebuilt: bytes) -> Comparison:
    """Compare the published wheel with the rebuilt one (raises :class:`WheelFormatError` if either is not a
    readable wheel)."""
    cmp = Comparison(REPRODUCIBLE, _sha(published), _sha(rebuilt))
    if published == rebuilt:
        return cmp
    pub, reb = read_wheel(published), read_wheel(rebuilt)
    pub_names = [m.name for m in pub.members]
    reb_names = [m.name for m in reb.members]
    pub_by = {m.name: m for m in pub.members}
    reb_by = {m.name: m for m in reb.members}
    cmp.added = list(dict.fromkeys(n for n in pub_names if n not in reb_by))
    cmp.removed = list(dict.fromkeys(n for n in reb_names if n not in pub_by))
    pub_all: dict[str, list[bytes]] = {}
    reb_all: dict[str, list[bytes]] = {}
    for m in pub.members:
        pub_all.setdefault(m.name, []).append(m.data)
    for m in reb.members:
        reb_all.setdefault(m.name, []).append(m.data)
    for name in pub_all:
        if name in reb_all and (len(pub_all[name]) > 1 or len(reb_all[name]) > 1) \
                and pub_all[name] != reb_all[name]:
            cmp.duplicated.append(name)
            cmp.duplicate_counts[name] = (len(pub_all[name]), len(reb_all[name]))
    budget = MAX_DIFF_LINES
    for name in pub_all:
        if name not in reb_by or name in cmp.duplicate_counts or pub_by[name].data == reb_by[name].data:
            continue
        a, b = reb_by[name].data, pub_by[name].data
        change = FileChange(name, len(b), len(a), _sha(b), _sha(a))
        ta, tb = _text(a), _text(b)
        if ta is None or tb is None:
            change.binary = True
        else:
            cap = min(MAX_DIFF_LINES_PER_FILE, budget)
            lines: list[str] = []
            diff = _bounded_diff(ta, tb, name) if cap else iter(("",))
            for ln in diff:
                if len(lines) == cap:
                    change.diff_truncated = True
                    break
                ln = ln[:-1] if ln.endswith("\n") else ln
                if ln.startswith("[not diffed:"):  # a diff line starts with ' ', '-', '+' or '@'
                    change.diff_truncated = True
                if len(ln) > MAX_DIFF_LINE_CHARS:
                    ln = f"{ln[:MAX_DIFF_LINE_CHARS]}... [{len(ln) - MAX_DIFF_LINE_CHARS} more characters]"
                    change.diff_truncated = True
                lines.append(ln + "\n")
            cmp.diff_truncated = cmp.diff_truncated or change.diff_truncated
            change.diff = lines
            budget -= len(change.diff)
        cmp.changed.append(change)
    if cmp.added or cmp.removed or cmp.changed or cmp.duplicated:
        cmp.verdict = DIFFERENT
        return cmp
    cmp.verdict = CONTENT_IDENTICAL
    if len(pub_by) != len(pub_names) or len(reb_by) != len(reb_names):
        cmp.metadata.append("an entry name appears more than once in one of the archives")
    if pub_names != reb_names:
        cmp.metadata.append("the entries are in another order")
    cmp.entries_differing = sum(1 for n in pub_names if n in reb_by and any(
        getattr(reb_by[n], attr) != getattr(pub_by[n], attr) for attr, _ in _FIELDS))
    for attr, label in _FIELDS:
        diffs = [(n, getattr(reb_by[n], attr), getattr(pub_by[n], attr)) for n in pub_names
                 if getattr(reb_by[n], attr) != getattr(pub_by[n], attr)]
        if attr == "compress_size" and any(reb_by[n].compress_type != pub_by[n].compress_type
                                           for n, _, _ in diffs):
            continue  # implied by the compression method
        if diffs:
            shown = "; ".join(f"{n}: {_show_field(attr, p)} published, {_show_field(attr, r)} rebuilt"
                              for n, r, p in diffs[:MAX_EXAMPLES])
            more = f" (and {len(diffs) - MAX_EXAMPLES} more)" if len(diffs) > MAX_EXAMPLES else ""
            cmp.metadata.append(f"{label} differ on {len(diffs)} of {len(pub_names)} entries: {shown}{more}")
    if pub.comment != reb.comment:
        cmp.metadata.append("the archive comments differ")
    if not cmp.metadata:
        cmp.metadata.append("the zip structure differs (headers or layout) though every entry's metadata and "
                            "contents agree")
    return cmp


# -- the report ------------------------------------------------------------------------------------------------


@dataclass
class Attempt:
    number: int
    label: str
    pins: list[str]
    env: dict[str, str]  # what the attempt set (SOURCE_DATE_EPOCH, TZ, --env), not the whole environment
    verdict: str  # reproducible | content-identical | different | could-not-build
    seconds: float
    comparison: Comparison | None = None
    log_tail: list[str] = field(default_factory=list)
    reason: str = ""  # why it could not build
    rebuilt_filename: str | None = None
    #: the pins (of ``pins``) that other build requirements pulled in: counted, not listed, in the explanation
    dependency_pins: list[str] = field(default_factory=list)

    def explain(self) -> str:
        named = [p for p in self.pins if p not in self.dependency_pins]
        n = len(self.pins) - len(named)
        deps = f"{n} of their dependencies pinned by date" if n != 1 else "1 of their dependencies pinned by date"
        if named:
            parts = [f"built with {', '.join(named)}" + (f" (+ {deps})" if n else "")]
        elif n:
            parts = [f"built with {n} build {'dependency' if n == 1 else 'dependencies'} pinned by date"]
        else:
            parts = ["built with the sdist's own build requirements (unpinned)"]
        parts += [f"{k}={v}" for k, v in self.env.items()]
        return ", ".join(parts)


@dataclass
class Inference:
    generator: str | None = None
    backend: str | None = None
    build_requires: list[str] = field(default_factory=list)
    backend_path: list[str] = field(default_factory=list)
    pins: list[Pin] = field(default_factory=list)
    #: the wheel's upload time: the build requirements and their dependencies are pinned as of it
    pinned_as_of: dt.datetime | None = None
    source_date_epoch: int | None = None
    source_date_epoch_why: str = ""
    tz: str | None = None
    tz_why: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class WheelOutcome:
    filename: str
    verdict: str
    reason: str = ""  # for not-applicable, or a summary
    sha256: str | None = None
    inference: Inference | None = None
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def best(self) -> Attempt | None:
        """The first reproducible attempt, else the one with the best verdict and the fewest differing entries."""
        if not self.attempts:
            return None
        return min(self.attempts, key=lambda a: (VERDICTS.index(a.verdict),
                                                 a.comparison.distance if a.comparison else 0, a.number))


def best_verdict(verdicts: Iterable[str]) -> str:
    return min(verdicts, key=VERDICTS.index, default=NOT_APPLICABLE)


def overall_verdict(outcomes: Sequence[WheelOutcome]) -> str:
    """Reproducible when every wheel that could be rebuilt (pure-Python) was; else the worst such wheel's verdict;
    not-applicable when no wheel could be tried."""
    tried = [o.verdict for o in outcomes if o.verdict != NOT_APPLICABLE]
    if not tried:
        return NOT_APPLICABLE
    return max(tried, key=VERDICTS.index)


__all__ = [
    "CONTENT_IDENTICAL",
    "COULD_NOT_BUILD",
    "DIFFERENT",
    "MAX_CLOSURE_PROJECTS",
    "NOT_APPLICABLE",
    "REPRODUCIBLE",
    "VERDICTS",
    "Attempt",
    "AttemptPlan",
    "BuildSystem",
    "Closure",
    "ClosurePin",
    "ClosureRoots",
    "Comparison",
    "FileChange",
    "Generator",
    "Inference",
    "ListedFile",
    "Member",
    "Pin",
    "PyprojectError",
    "Wheel",
    "WheelFormatError",
    "WheelOutcome",
    "best_verdict",
    "closure_roots",
    "compare_wheels",
    "first_uploads",
    "infer_source_date_epoch",
    "infer_timezone",
    "newest_before",
    "overall_verdict",
    "parse_build_system",
    "parse_generator",
    "parse_wheel_file",
    "plan_attempts",
    "plan_pins",
    "posix_offset",
    "read_wheel",
    "requirement_name",
    "requires_dist",
    "resolve_closure",
]
