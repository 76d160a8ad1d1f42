"""An installed environment: the current interpreter's, or another one's (``--python PATH``).

Where to look: the current interpreter's ``sys.path`` (the directories :mod:`importlib.metadata` searches), or,
for another interpreter, the ``sys.path`` it prints when run once as ``PYTHON -I -c ...`` (isolated: no
``PYTHONPATH``, no user site, no current directory; bounded in time and output). The empty entry (the current
directory of whoever runs the audit) is not part of an environment and is skipped. Then every ``*.dist-info``
directory on those paths is read as data -- ``METADATA`` (name, version), ``WHEEL`` (``Tag:`` lines),
``INSTALLER``, ``direct_url.json`` (PEP 610: an editable, local, URL or VCS install is not from an index) and
``RECORD`` (path, hash, size) -- never importing any of the environment's code. As with
:func:`importlib.metadata.distribution`, the first distribution of a name on the path is the installed one; later
ones are shadowed and not reported. A legacy ``*.egg-info`` install (a directory, or distutils' single file; no
RECORD, no origin) is pinned with origin ``unknown``, so the audit reports it rather than drop it.

:func:`check_installed_files` proves the installed files are still the ones RECORD lists (changed since install,
missing), bounded in file count and size, and never reads outside the environment: a RECORD path may climb out
of ``site-packages`` (``../../../bin/tool`` for a script) but must resolve, symlinks included, under the
environment prefix that holds the site directory.

A ``.dist-info`` that cannot be read (no METADATA, a malformed RECORD or ``direct_url.json``) is an input error:
the audit does not guess what is installed.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import os
import re
import site
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path
from typing import ClassVar, Literal

from pyslsa.errors import UsageError
from pyslsa.sources.inputs import InputKind, InputSource, Location, Origin, Pin
from pyslsa.sources.inputs.common import check_name, check_sha256, check_version, show

__all__ = ["MAX_CHECKED_FILES", "MAX_CHECKED_FILE_BYTES", "MAX_CHECKED_TOTAL_BYTES", "MAX_DISTRIBUTIONS", "DirectUrl",
           "EnvironmentInput", "EnvironmentPaths", "FileProblem", "InstalledDistribution", "RecordCheck", "RecordEntry",
           "check_installed_files", "current_environment", "interpreter_environment", "read_distribution",
           "read_distributions"]

#: Most distributions read from one environment.
MAX_DISTRIBUTIONS = 20_000
#: Most RECORD files checked (hashed) by one :func:`check_installed_files` call.
MAX_CHECKED_FILES = 200_000
#: Largest installed file hashed; a larger one is reported, not read.
MAX_CHECKED_FILE_BYTES = 2 * 1024 * 1024 * 1024
#: Bytes hashed by one :func:`check_installed_files` call before it stops (reporting itself incomplete).
MAX_CHECKED_TOTAL_BYTES = 16 * 1024 * 1024 * 1024

_MAX_METADATA_BYTES = 32 * 1024 * 1024
_MAX_RECORD_BYTES = 64 * 1024 * 1024
_MAX_SMALL_FILE_BYTES = 1024 * 1024
_MAX_RECORD_ROWS = 500_000
_MAX_OUTPUT_BYTES = 4 * 1024 * 1024
_RECORD_HASHES = frozenset({"sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512", "blake2b",
                            "blake2s"})
_CHUNK = 1024 * 1024

# What another interpreter is asked: its import path and the prefixes its files live under.
_PROBE = ("import json, site, sys; print(json.dumps({'path': sys.path, 'prefixes': [sys.prefix, sys.base_prefix, "
          "sys.exec_prefix, sys.base_exec_prefix, getattr(site, 'USER_BASE', None) or '']}))")


@dataclass(frozen=True)
class RecordEntry:
    """One row of RECORD: a path relative to the site directory (``/``-separated), ``ALGO=urlsafe-b64`` or None,
    the size in bytes or None."""

    path: str
    hash: str | None
    size: int | None


@dataclass(frozen=True)
class DirectUrl:
    """PEP 610 ``direct_url.json``: how a distribution was installed when not from an index."""

    url: str
    editable: bool = False
    vcs: str | None = None
    commit: str | None = None
    archive_sha256: str | None = None

    @property
    def origin(self) -> Origin:
        if self.editable:
            return "editable"
        if self.vcs is not None:
            return "vcs"
        if self.url.lower().startswith("file:"):
            return "local"
        return "url"


@dataclass(frozen=True)
class InstalledDistribution:
    name: str  # PEP 503 canonical, from METADATA
    version: str
    dist_info: str  # the .dist-info (or .egg-info) directory
    site_dir: str  # the directory that holds it (RECORD paths are relative to it)
    root: str  # the environment prefix every installed file must stay under
    tags: tuple[str, ...]  # WHEEL "Tag:" lines
    installer: str | None
    direct_url: DirectUrl | None
    record: tuple[RecordEntry, ...]
    legacy: bool = False  # an .egg-info install

    @property
    def origin(self) -> Origin:
        if self.legacy:
            return "unknown"
        return self.direct_url.origin if self.direct_url is not None else "index"


@dataclass(frozen=True)
class EnvironmentPaths:
    """Where an environment's distributions are: its import path, and the prefixes its files live under."""

    sys_path: tuple[str, ...]
    prefixes: tuple[str, ...]
    python: str | None = None  # the interpreter asked, None for the current one


@dataclass(frozen=True)
class FileProblem:
    path: str  # as RECORD writes it
    problem: Literal["missing", "modified", "outside", "not-a-file", "too-large", "unreadable", "bad-hash"]
    detail: str


@dataclass(frozen=True)
class RecordCheck:
    """What :func:`check_installed_files` found: files hashed, entries skipped (no hash, ``.pyc``), problems, and
    whether every entry was looked at (False when a bound stopped it)."""

    checked: int
    skipped: int
    problems: tuple[FileProblem, ...]
    complete: bool

    @property
    def ok(self) -> bool:
        return self.complete and not self.problems


# -- finding the environment ---------------------------------------------------------------------------------------


def current_environment() -> EnvironmentPaths:
    """This interpreter's import path and prefixes."""
    prefixes = (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, site.getuserbase())
    return EnvironmentPaths(tuple(sys.path), tuple(p for p in prefixes if p))


def _interpreter(python: str) -> str:
    given = Path(python)
    if given.is_dir():  # a virtual environment's directory
        for candidate in ("bin/python3", "bin/python", "Scripts/python.exe"):
            if (given / candidate).is_file():
                return str(given / candidate)
        raise UsageError(f"--python {python}: a directory without bin/python or Scripts/python.exe")
    if not given.is_file():
        raise UsageError(f"--python {python}: no such interpreter")
    return python


def interpreter_environment(python: str, timeout: float = 30.0) -> EnvironmentPaths:
    """Another interpreter's import path and prefixes, from one isolated run of it (``-I``), bounded in time."""
    exe = _interpreter(python)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    try:
        proc = subprocess.run([exe, "-I", "-c", _PROBE], capture_output=True, timeout=timeout, check=False,
                              stdin=subprocess.DEVNULL, env=env)
    except subprocess.TimeoutExpired:
        raise UsageError(f"--python {python}: the interpreter did not answer within {timeout:g} s") from None
    except OSError as exc:
        raise UsageError(f"--python {python}: cannot run it: {exc.strerror or exc}") from None
    if proc.returncode != 0:
        last = (proc.stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"])[-1]
        raise UsageError(f"--python {python}: the interpreter failed (exit {proc.returncode}): {show(last, 200)}")
    if len(proc.stdout) > _MAX_OUTPUT_BYTES:
        raise UsageError(f"--python {python}: the interpreter's answer is over {_MAX_OUTPUT_BYTES} bytes")
    try:
        doc = json.loads(proc.stdout)
        paths, prefixes = doc["path"], doc["prefixes"]
        if not (isinstance(paths, list) and isinstance(prefixes, list)
                and all(isinstance(p, str) for p in paths + prefixes)):
            raise TypeError("not lists of strings")
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"--python {python}: unexpected answer from the interpreter ({exc})") from None
    return EnvironmentPaths(tuple(paths), tuple(p for p in prefixes if p), python=python)


# -- reading distributions -----------------------------------------------------------------------------------------


def _read_text(path: Path, limit: int, what: str) -> str | None:
    """A small file of a .dist-info, or None if absent; an unreadable or oversized one is an input error."""
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(f"{what} cannot be read: {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise UsageError(f"{what} {path} is over {limit} bytes")
    return data.decode("utf-8", "replace")


def _root_for(site_dir: str, prefixes: tuple[str, ...]) -> str:
    real = os.path.realpath(site_dir)
    best = ""
    for prefix in prefixes:
        candidate = os.path.realpath(prefix)
        if _within(real, candidate) and len(candidate) > len(best):
            best = candidate
    return best or real


def _within(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # different drives
        return False


def _record(text: str, where: str) -> tuple[RecordEntry, ...]:
    out = []
    for i, row in enumerate(csv.reader(text.splitlines())):
        if i >= _MAX_RECORD_ROWS:
            raise UsageError(f"{where}: RECORD has more than {_MAX_RECORD_ROWS} rows")
        if not row or not row[0]:
            continue
        path = row[0]
        digest = row[1] if len(row) > 1 and row[1] else None
        size: int | None = None
        if len(row) > 2 and row[2]:
            if not row[2].isdigit():
                raise UsageError(f"{where}: RECORD row {i + 1} has size {show(row[2])}, not a number")
            size = int(row[2])
        out.append(RecordEntry(path, digest, size))
    return tuple(out)


def _direct_url(text: str, where: str) -> DirectUrl:
    try:
        doc = json.loads(text)
        if not isinstance(doc, dict) or not isinstance(doc.get("url"), str):
            raise ValueError("no 'url'")
    except ValueError as exc:
        raise UsageError(f"{where}: direct_url.json is not valid ({exc})") from None
    url: str = doc["url"]
    dir_info, vcs_info, archive_info = doc.get("dir_info"), doc.get("vcs_info"), doc.get("archive_info")
    if isinstance(dir_info, dict):
        return DirectUrl(url, editable=dir_info.get("editable") is True)
    if isinstance(vcs_info, dict):
        vcs = vcs_info.get("vcs")
        commit = vcs_info.get("commit_id")
        return DirectUrl(url, vcs=vcs if isinstance(vcs, str) else "unknown",
                         commit=commit if isinstance(commit, str) else None)
    sha: str | None = None
    if isinstance(archive_info, dict):
        hashes = archive_info.get("hashes")
        if isinstance(hashes, dict) and isinstance(hashes.get("sha256"), str):
            sha = check_sha256(hashes["sha256"], f"{where}: direct_url.json")
        elif isinstance(archive_info.get("hash"), str) and archive_info["hash"].startswith("sha256="):
            sha = check_sha256(archive_info["hash"].partition("=")[2], f"{where}: direct_url.json")
    return DirectUrl(url, archive_sha256=sha)


def read_distribution(dist_info: str, root: str) -> InstalledDistribution:
    """One ``.dist-info`` (or legacy ``.egg-info``) directory, read as data."""
    legacy = dist_info.endswith(".egg-info")
    meta_name = "PKG-INFO" if legacy else "METADATA"
    where = Path(dist_info)
    # distutils wrote an .egg-info *file*: the metadata itself
    meta_path = where if legacy and where.is_file() else where / meta_name
    text = _read_text(meta_path, _MAX_METADATA_BYTES, meta_name)
    if text is None:
        raise UsageError(f"installed distribution {dist_info} has no {meta_name}: cannot tell what it is")
    headers = HeaderParser().parsestr(text, headersonly=True)
    name = check_name(headers.get("Name"), f"{dist_info}/{meta_name}")
    version = check_version(headers.get("Version"), f"{dist_info}/{meta_name}")
    tags: tuple[str, ...] = ()
    installer = direct = None
    record: tuple[RecordEntry, ...] = ()
    if not legacy:
        wheel = _read_text(where / "WHEEL", _MAX_SMALL_FILE_BYTES, "WHEEL")
        if wheel is not None:
            tags = tuple(str(t).strip() for t in HeaderParser().parsestr(wheel).get_all("Tag") or ())
        inst = _read_text(where / "INSTALLER", _MAX_SMALL_FILE_BYTES, "INSTALLER")
        installer = next(iter(inst.strip().splitlines()), None) if inst is not None else None
        du = _read_text(where / "direct_url.json", _MAX_SMALL_FILE_BYTES, "direct_url.json")
        direct = _direct_url(du, dist_info) if du is not None else None
        rec = _read_text(where / "RECORD", _MAX_RECORD_BYTES, "RECORD")
        if rec is None:
            raise UsageError(f"installed distribution {dist_info} has no RECORD: its files cannot be checked")
        record = _record(rec, dist_info)
    return InstalledDistribution(name, version, dist_info, str(where.parent), root, tags, installer, direct, record,
                                 legacy)


_DIST_DIR = re.compile(r"\A[^/\\]+\.(dist|egg)-info\Z")


def read_distributions(env: EnvironmentPaths, limit: int = MAX_DISTRIBUTIONS) -> list[InstalledDistribution]:
    """Every distribution on the environment's path, first of a name wins (as importlib.metadata finds it)."""
    found: dict[str, InstalledDistribution] = {}
    seen_dirs: set[str] = set()
    count = 0
    for entry in env.sys_path:
        if not entry or not Path(entry).is_dir():
            continue  # the current directory, zip files, missing entries
        real = os.path.realpath(entry)
        if real in seen_dirs:
            continue
        seen_dirs.add(real)
        try:
            children = sorted(Path(entry).iterdir())
        except OSError as exc:
            raise UsageError(f"cannot list {entry}: {exc.strerror or exc}") from None
        root = _root_for(entry, env.prefixes)
        for child in children:
            if not _DIST_DIR.match(child.name) or not (child.is_dir() or child.name.endswith(".egg-info")):
                continue
            count += 1
            if count > limit:
                raise UsageError(f"more than {limit} installed distributions: refusing the environment")
            dist = read_distribution(str(child), root)
            found.setdefault(dist.name, dist)
    return list(found.values())


class EnvironmentInput(InputSource):
    """The distributions installed in an environment: ``python`` None for the current interpreter's, else that
    interpreter's (or a virtual environment directory's); ``paths`` given, exactly those directories."""

    kind: ClassVar[InputKind] = "environment"

    def __init__(self, python: str | None = None, *, timeout: float = 30.0,
                 paths: EnvironmentPaths | None = None) -> None:
        self.python = python
        self.timeout = timeout
        self._paths = paths
        self._dists: list[InstalledDistribution] | None = None

    def paths(self) -> EnvironmentPaths:
        if self._paths is None:
            self._paths = current_environment() if self.python is None else interpreter_environment(self.python,
                                                                                                    self.timeout)
        return self._paths

    def distributions(self) -> list[InstalledDistribution]:
        if self._dists is None:
            self._dists = read_distributions(self.paths())
        return self._dists

    def collect(self) -> Iterator[Pin]:
        for d in self.distributions():
            sha = frozenset({d.direct_url.archive_sha256}) if d.direct_url and d.direct_url.archive_sha256 \
                else frozenset()
            url = d.direct_url.url if d.direct_url is not None else None
            yield Pin(d.name, d.version, None, sha, Location(d.dist_info, 0), "environment", origin=d.origin,
                      url=url, installed=d)


# -- checking installed files against RECORD -----------------------------------------------------------------------


def _digest(path: str, algo: str, limit_left: int) -> tuple[str, int]:
    h = hashlib.new(algo)
    size = 0
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb", buffering=0) as fh:
        while True:
            chunk = fh.read(min(_CHUNK, limit_left - size + 1))
            if not chunk:
                break
            size += len(chunk)
            if size > limit_left:
                break
            h.update(chunk)
    return base64.urlsafe_b64encode(h.digest()).rstrip(b"=").decode("ascii"), size


def check_installed_files(dist: InstalledDistribution, *, max_files: int = MAX_CHECKED_FILES,
                          max_file_bytes: int = MAX_CHECKED_FILE_BYTES,
                          max_total_bytes: int = MAX_CHECKED_TOTAL_BYTES) -> RecordCheck:
    """Every hashed RECORD entry of ``dist`` against the file on disk: missing, modified (size or digest), not a
    regular file, or resolving outside the environment's prefix (reported, never read). Entries without a hash
    (RECORD itself, INSTALLER, ...) and ``.pyc`` files (compiled on the machine) are skipped."""
    root = os.path.realpath(dist.root)
    problems: list[FileProblem] = []
    checked = skipped = 0
    total = 0
    complete = True
    for entry in dist.record:
        if entry.hash is None or entry.path.endswith(".pyc"):
            skipped += 1
            continue
        if checked >= max_files or total >= max_total_bytes:
            complete = False
            break
        try:
            real = os.path.realpath(Path(dist.site_dir, entry.path))
        except ValueError:  # an embedded NUL
            problems.append(FileProblem(entry.path, "outside", "not a valid path"))
            continue
        if not _within(real, root):
            problems.append(FileProblem(entry.path, "outside", f"resolves to {show(real, 200)}, outside the "
                                                               f"environment {show(root, 200)}"))
            continue
        algo, sep, expected = entry.hash.partition("=")
        if not sep or algo not in _RECORD_HASHES or not expected:
            problems.append(FileProblem(entry.path, "bad-hash", f"RECORD hash {show(entry.hash)} is not "
                                                                f"ALGORITHM=DIGEST with a strong algorithm"))
            continue
        try:
            st = Path(real).stat()
        except FileNotFoundError:
            problems.append(FileProblem(entry.path, "missing", "listed in RECORD, not on disk"))
            continue
        except OSError as exc:
            problems.append(FileProblem(entry.path, "unreadable", str(exc.strerror or exc)))
            continue
        if not stat.S_ISREG(st.st_mode):
            problems.append(FileProblem(entry.path, "not-a-file", "not a regular file"))
            continue
        if st.st_size > max_file_bytes:
            problems.append(FileProblem(entry.path, "too-large", f"{st.st_size} bytes, over the limit of "
                                                                 f"{max_file_bytes}: not checked"))
            continue
        if entry.size is not None and st.st_size != entry.size:
            problems.append(FileProblem(entry.path, "modified", f"RECORD says {entry.size} bytes, the file has "
                                                                f"{st.st_size}"))
            continue
        try:
            got, size = _digest(real, algo, max_file_bytes)
        except OSError as exc:
            problems.append(FileProblem(entry.path, "unreadable", str(exc.strerror or exc)))
            continue
        checked += 1
        total += size
        if size > max_file_bytes:
            problems.append(FileProblem(entry.path, "too-large", f"grew over the limit of {max_file_bytes} bytes "
                                                                 f"while read: not checked"))
        elif got != expected.rstrip("="):
            problems.append(FileProblem(entry.path, "modified", f"RECORD says {algo}={expected}, the file has "
                                                                f"{algo}={got}"))
    return RecordCheck(checked, skipped, tuple(problems), complete)
