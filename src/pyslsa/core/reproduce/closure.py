"""The build-dependency closure, as of the wheel's upload.

The build requirements named in [build-system] pull in others (hatch-vcs -> setuptools-scm -> packaging,
setuptools ...), and those can change what the backend writes (setuptools-scm's _version.py template). The whole
closure is pinned: every project the build environment would install gets its newest release uploaded before
the wheel (PEP 700 upload times), following each chosen release's own Requires-Dist (its core metadata, PEP 658),
re-chosen until the choice no longer changes. The edge fetches what a call asks for (listings, metadata) and
calls again; each call is a pure function of what it has been given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from packaging.utils import canonicalize_name

from pyslsa.core.reproduce.backend import BuildSystem, Generator, requirement_name

#: Bounds: projects in one closure, and rounds of re-choosing before it must have settled.
MAX_CLOSURE_PROJECTS = 150
MAX_CLOSURE_ROUNDS = 25


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


__all__ = [
    "MAX_CLOSURE_PROJECTS",
    "MAX_CLOSURE_ROUNDS",
    "Closure",
    "ClosurePin",
    "ClosureRoots",
    "ListedFile",
    "closure_roots",
    "first_uploads",
    "newest_before",
    "requires_dist",
    "resolve_closure",
]
