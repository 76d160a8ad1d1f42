"""``reproduce``: rebuild a release's pure-Python wheel(s) from its sdist, in isolation, and compare bit for bit
(:func:`run_reproduce`: a :class:`~pyslsa.options.ReproduceOptions` in, a :class:`~pyslsa.report.ReproduceReport`
out).

The orchestration of :mod:`pyslsa.core.reproduce`: it downloads (hash-checked, from the index) or reads the sdist
and the wheels, extracts the sdist afresh for every attempt (:mod:`pyslsa.sources.sdist`: regular files and
directories only, nothing outside the attempt's directory), looks the build-dependency closure up on the index
(:mod:`pyslsa.sources.closure`), runs ``python -m build --wheel`` (:mod:`pyslsa.sources.build`: PEP 517, a fresh
isolated environment per attempt, in a subprocess with a time limit), and hands the bytes to the core to compare.

Everything is written under one working directory: a private temporary one removed on every path (errors,
Ctrl-C), or ``--keep DIR``, which is kept. The builds get ``TZ=UTC`` unless a zone is inferred, their own pip
cache and ``TMPDIR`` under that directory, the package index as their only source (``PIP_INDEX_URL`` when
``--index-url`` is not PyPI; ``PIP_EXTRA_INDEX_URL`` and ``PIP_FIND_LINKS`` are dropped), and the inferred pins as
a pip constraints file (``PIP_CONSTRAINT``). ``--env`` is applied last.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pyslsa.core import reproduce as core
from pyslsa.errors import UnsupportedFormatError, UsageError
from pyslsa.options import ReproduceOptions
from pyslsa.report import ReproduceReport, SourceFile
from pyslsa.sources.build import build_env, build_wheel
from pyslsa.sources.closure import IndexLookups
from pyslsa.sources.files import sha256_file, work_directory
from pyslsa.sources.http import MAX_FILE_BYTES
from pyslsa.sources.pypi import DistFile, PackageIndex, parse_requirement
from pyslsa.sources.sdist import SdistInfo, extract_sdist, scan_sdist
from pyslsa.sources.settings import index_url as index_url_of

#: Told each step of the run (a download, an attempt starting or ending) in a few words: the CLI prints them on
#: stderr when a person watches.
Say = Callable[[str], None]

MAX_WHEEL_BYTES = MAX_FILE_BYTES  # a wheel, downloaded or local, is at most what a download may be


# -- inputs ----------------------------------------------------------------------------------------------------


def _read_local(path_text: str, what: str) -> Path:
    path = Path(path_text)
    if not path.is_file():
        raise UsageError(f"{what} not found: {path_text}")
    return path


def _is_pure_name(filename: str) -> bool:
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    try:
        _, _, _, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename:
        return False
    return bool(tags) and all(t.abi == "none" and t.platform == "any" for t in tags)


def _quiet(message: str) -> None:
    pass


# -- one wheel -------------------------------------------------------------------------------------------------


@dataclass
class _Context:
    workdir: Path
    sdist: Path
    sdist_info: SdistInfo
    #: the index's answers for the closure, kept for every wheel of the release (None: nothing is looked up)
    lookups: IndexLookups | None
    index_url: str
    build_requirements: list[str]
    env: dict[str, str]
    timeout: float
    say: Say
    attempt_counter: int = 0


def _infer(ctx: _Context, wheel: core.Wheel, upload_time: dt.datetime | None) -> core.Inference:
    inf = core.Inference()
    try:
        build = core.parse_build_system(ctx.sdist_info.pyproject)
    except core.PyprojectError as exc:
        raise UnsupportedFormatError(f"the sdist's {exc}") from None
    generator = core.parse_generator(wheel.generator)
    inf.generator = wheel.generator
    inf.backend = build.backend
    inf.build_requires = list(build.requires)
    inf.backend_path = list(build.backend_path)
    if not build.from_pyproject:
        inf.notes.append(f"the sdist has no [build-system]: build uses {build.backend} with "
                         f"{', '.join(build.requires)}")
    roots = core.closure_roots(build, generator, ctx.build_requirements)
    closure: core.Closure | None = None
    if roots is not None and roots.requires:
        if upload_time is None or ctx.lookups is None:
            names = [n for r, _ in roots.requires if (n := core.requirement_name(r)) and n not in roots.fixed]
            inf.notes.append("no upload time for the wheel: " + (
                f"{', '.join(names)} and what the build requirements pull in are not pinned by date" if names
                else "what the build requirements pull in is not pinned by date"))
        else:
            inf.pinned_as_of = upload_time
            closure = ctx.lookups.closure(roots, upload_time)
    try:
        inf.pins, notes = core.plan_pins(build, generator, closure.pins if closure else [], ctx.build_requirements)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    inf.notes.extend(notes)
    if closure is not None:
        inf.notes.extend(closure.notes)
    inf.source_date_epoch, inf.source_date_epoch_why = core.infer_source_date_epoch(wheel)
    zone, inf.tz_why = core.infer_timezone(wheel, ctx.sdist_info.mtimes)
    inf.tz = zone.tz if zone else None
    if ctx.sdist_info.skipped_links:
        inf.notes.append(f"the sdist holds {len(ctx.sdist_info.skipped_links)} link(s), unpacked as copies of "
                         f"their targets (or skipped): {', '.join(ctx.sdist_info.skipped_links[:3])}")
    return inf


def _attempt(ctx: _Context, plan: core.AttemptPlan, pins: list[core.Pin], published: bytes,
             published_name: str) -> core.Attempt:
    ctx.attempt_counter += 1
    n = ctx.attempt_counter
    adir = ctx.workdir / f"attempt-{n}"
    adir.mkdir()
    (adir / "tmp").mkdir()
    (adir / "src").mkdir()
    src = extract_sdist(ctx.sdist, adir / "src")
    env = build_env(ctx.workdir, ctx.index_url)
    env["TMPDIR"] = str(adir / "tmp")
    if pins:
        constraints = adir / "constraints.txt"
        constraints.write_text("".join(p.requirement + "\n" for p in pins), encoding="utf-8")
        env["PIP_CONSTRAINT"] = str(constraints)
    env.update(plan.env)
    attempt = core.Attempt(n, plan.label, [p.requirement for p in pins], dict(plan.env), core.COULD_NOT_BUILD, 0.0,
                           dependency_pins=[p.requirement for p in pins if p.dependency])
    ctx.say(f"attempt {n}: {attempt.explain()}")
    result = build_wheel(src, adir / "dist", adir / "build.log", env, ctx.timeout)
    attempt.seconds = round(result.seconds, 2)
    if result.wheel is None:
        attempt.reason = result.reason
        attempt.log_tail = result.log_tail
        return attempt
    attempt.rebuilt_filename = result.wheel.name
    try:
        attempt.comparison = core.compare_wheels(published, result.wheel.read_bytes())
    except core.WheelFormatError as exc:
        attempt.reason = f"the rebuilt wheel is unreadable: {exc}"
        return attempt
    attempt.verdict = attempt.comparison.verdict
    if result.wheel.name != published_name and attempt.verdict != core.DIFFERENT:
        attempt.comparison.metadata.append(f"the rebuilt wheel is named {result.wheel.name}")
    return attempt


def _reproduce_wheel(ctx: _Context, path: Path, upload_time: dt.datetime | None) -> core.WheelOutcome:
    data = path.read_bytes()
    outcome = core.WheelOutcome(path.name, core.NOT_APPLICABLE, sha256=hashlib.sha256(data).hexdigest())
    try:
        wheel = core.read_wheel(data)
    except core.WheelFormatError as exc:
        raise UnsupportedFormatError(f"{path.name}: {exc}") from None
    if not wheel.pure:
        outcome.reason = (f"a platform wheel (tags {', '.join(wheel.tags) or 'none'}): only pure-Python wheels are "
                          f"rebuilt")
        return outcome
    if not _is_pure_name(path.name):
        outcome.reason = (f"the file name {path.name!r} is not that of a pure-Python wheel (NAME-VERSION-py3-none-"
                          f"any.whl) though its WHEEL file says so: only pure-Python wheels are rebuilt")
        return outcome
    outcome.inference = inf = _infer(ctx, wheel, upload_time)
    for plan in core.plan_attempts(inf.source_date_epoch, core.Zone(inf.tz, inf.tz_why) if inf.tz else None,
                                   ctx.env):
        if outcome.attempts and outcome.attempts[-1].verdict == core.COULD_NOT_BUILD:
            inf.notes.append(f"not tried after a failed build: {plan.label} "
                             f"({', '.join(f'{k}={v}' for k, v in plan.env.items())})")
            continue
        attempt = _attempt(ctx, plan, inf.pins, data, path.name)
        outcome.attempts.append(attempt)
        ctx.say(f"attempt {attempt.number}: {attempt.verdict} ({attempt.seconds:.1f} s)")
        if attempt.verdict == core.REPRODUCIBLE:
            break
    best = outcome.best
    outcome.verdict = best.verdict if best else core.COULD_NOT_BUILD
    return outcome


# -- the command -----------------------------------------------------------------------------------------------


def _download(index: PackageIndex, f: DistFile, directory: Path, say: Say) -> SourceFile:
    say(f"downloading {f.filename}")
    _, sha = index.download(f, directory, max_bytes=MAX_WHEEL_BYTES)
    return SourceFile(f.filename, sha, "index", f.url, f.upload_time)


def run_reproduce(options: ReproduceOptions, *, say: Say | None = None) -> ReproduceReport:
    """Rebuild and compare (see the module docstring); ``say`` is told each step."""
    started = time.monotonic()
    requirement, sdist, wheels = options.requirement, options.sdist, list(options.wheels)
    build_requirements, env, timeout = list(options.build_requirements), dict(options.env), options.timeout
    keep = os.fspath(options.keep) if options.keep is not None else None
    if requirement and (sdist or wheels):
        raise UsageError("give NAME==VERSION or --sdist with --wheel, not both")
    if not requirement and not sdist:
        raise UsageError("give NAME==VERSION, or --sdist X.tar.gz with --wheel Y.whl")
    if sdist and not wheels:
        raise UsageError("--sdist needs at least one --wheel to compare with")
    if not (timeout > 0):
        raise UsageError("--timeout must be a positive number of seconds")
    for req in build_requirements:
        if core.requirement_name(req) is None:
            raise UsageError(f"--build-requirement expects PKG==VERSION (or another PEP 508 requirement), got {req!r}")
    if importlib.util.find_spec("build") is None:
        raise UsageError("reproduce needs the 'build' package (PEP 517 front end): pip install build")
    index = PackageIndex(index_url_of(options.index_url))
    report = ReproduceReport(requirement=requirement, index_url=index.index_url)

    try:
        with work_directory(keep or None, "pyslsa-reproduce-", require_empty=True) as workdir:
            if keep:
                workdir = workdir.resolve()
                report.kept = str(workdir)
            _run_in(report, workdir, index, requirement, sdist, wheels, build_requirements, env, timeout,
                    say or _quiet)
    finally:
        index.http.close()
        report.seconds = round(time.monotonic() - started, 2)
    return report


def _run_in(report: ReproduceReport, workdir: Path, index: PackageIndex, requirement: str | None,
            sdist: str | None, wheels: list[str], build_requirements: list[str], env: dict[str, str],
            timeout: float, say: Say) -> None:
    downloads = workdir / "downloads"
    downloads.mkdir()
    wheel_paths: list[tuple[Path, dt.datetime | None]] = []
    if requirement:
        name, version = parse_requirement(requirement)
        files = index.release_files(name, version)
        sdists = [f for f in files if f.kind == "sdist" and f.filename.endswith(".tar.gz")]
        wheel_files = [f for f in files if f.kind == "wheel"]
        if not wheel_files:
            raise UsageError(f"{name}=={version} has no wheel on {index.index_url}: nothing to compare with")
        if not sdists:
            kinds = ", ".join(f.filename for f in files if f.kind == "sdist") or "none"
            for f in wheel_files:
                report.wheels.append(core.WheelOutcome(f.filename, core.NOT_APPLICABLE,
                                                       reason=f"no .tar.gz sdist to rebuild from (sdists: {kinds})",
                                                       sha256=f.sha256))
            return
        if len(sdists) > 1:
            report.notes.append(f"{len(sdists)} sdists listed; using {sdists[0].filename}")
        report.sdist = _download(index, sdists[0], downloads, say)
        sdist_path = downloads / sdists[0].filename
        for f in wheel_files:
            if f.yanked:
                report.notes.append(f"{f.filename} is yanked")
            if not _is_pure_name(f.filename):
                report.wheels.append(core.WheelOutcome(
                    f.filename, core.NOT_APPLICABLE, sha256=f.sha256,
                    reason="a platform wheel: only pure-Python wheels are rebuilt"))
                continue
            src = _download(index, f, downloads, say)
            report.wheel_files[f.filename] = src
            wheel_paths.append((downloads / f.filename, f.upload_time))
    else:
        assert sdist is not None
        sdist_path = _read_local(sdist, "sdist")
        if not sdist_path.name.endswith(".tar.gz"):
            raise UsageError(f"--sdist {sdist}: expected a .tar.gz sdist")
        report.sdist = SourceFile(sdist_path.name, sha256_file(sdist_path, "sdist"), "local")
        for w in wheels:
            wp = _read_local(w, "wheel")
            if not wp.name.endswith(".whl"):
                raise UsageError(f"--wheel {w}: expected a .whl file")
            if wp.stat().st_size > MAX_WHEEL_BYTES:
                raise UsageError(f"--wheel {w}: larger than {MAX_WHEEL_BYTES} bytes")
            report.wheel_files[wp.name] = SourceFile(wp.name, sha256_file(wp, "wheel"), "local")
            wheel_paths.append((wp, None))
    info = scan_sdist(sdist_path)
    lookups = IndexLookups(index, workdir, say)
    ctx = _Context(workdir, sdist_path, info, lookups, index.index_url, build_requirements, env, timeout, say)
    for wp, uploaded in wheel_paths:
        report.wheels.append(_reproduce_wheel(ctx, wp, uploaded))


__all__ = ["ReproduceReport", "Say", "SourceFile", "run_reproduce"]
