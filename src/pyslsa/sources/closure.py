"""The index lookups of the build-dependency closure (:mod:`pyslsa.core.reproduce.closure`): the edge half.

The core's resolver says what it is missing (a project's listing, a release's core metadata); this asks the index
for it, once per release of the build (the answers are kept for every wheel of the release), and calls the
resolver again until nothing is missing, within bounds: a wall time (past it, what is not known is not pinned,
and the report says why), a number of calls, and a size for each metadata file. A release's core metadata is the
index's PEP 658 file, its SHA-256 checked against the listing, else the ``METADATA`` of its smallest wheel,
downloaded hash-checked; an sdist is never built for it. A lookup that fails is a note, never an error: the
project is simply not pinned.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pyslsa.core import reproduce as core
from pyslsa.errors import PyslsaError
from pyslsa.sources.http import MAX_FILE_BYTES
from pyslsa.sources.pypi import DistFile, PackageIndex, file_kind_and_version

#: Bounds on looking the closure up: its wall time (the index's answers so far are used after it), one core
#: metadata file, and a wheel read for its METADATA when the index serves no PEP 658 metadata.
CLOSURE_SECONDS = 180.0
MAX_METADATA_BYTES = 4 * 1024 * 1024
MAX_METADATA_WHEEL_BYTES = 64 * 1024 * 1024
#: Calls to the core's resolver: each one after the first is given at least one new answer.
MAX_CLOSURE_CALLS = 4 * core.MAX_CLOSURE_PROJECTS


@dataclass
class IndexLookups:
    """What the index said, for every wheel of the release; wheels read for their METADATA go (briefly) to
    ``workdir / "closure"``; ``say`` reports progress."""

    index: PackageIndex
    workdir: Path
    say: Callable[[str], None]
    #: project -> its files (or why not listed), and (project, version) -> core metadata (or why not read)
    listings: dict[str, list[DistFile] | str] = field(default_factory=dict)
    metadata: dict[tuple[str, str], bytes | str] = field(default_factory=dict)

    def listing(self, name: str) -> list[DistFile] | str:
        if name not in self.listings:
            try:
                self.listings[name] = self.index.project_files(name)
            except PyslsaError as exc:
                self.listings[name] = exc.message
        return self.listings[name]

    def core_metadata(self, name: str, version: str) -> bytes | str:
        """A release's core metadata: the index's PEP 658 file (its SHA-256 checked), else read from the smallest
        wheel (hash-checked download); an sdist is never built for it."""
        key = (name, version)
        if key in self.metadata:
            return self.metadata[key]
        files = self.listing(name)
        if isinstance(files, str):
            return files
        wheels = []
        for f in files:
            kv = file_kind_and_version(f.filename, name)
            if kv is not None and kv[0] == "wheel" and _same_version(kv[1], version) and not f.yanked:
                wheels.append(f)
        if not wheels:
            self.metadata[key] = "the index lists no wheel of it, and an sdist is not built to read its requirements"
            return self.metadata[key]
        # the index's own metadata file first, then a pure wheel, the smallest, then by name: the same choice each time
        wheels.sort(key=lambda f: (f.metadata_sha256 is None, not f.filename.endswith("-none-any.whl"),
                                   f.size if f.size is not None else MAX_FILE_BYTES, f.filename))
        f = wheels[0]
        result: bytes | str
        try:
            if f.metadata_sha256 is not None:
                url = f.url.split("#", 1)[0] + ".metadata"
                resp = self.index.http.get(url, max_bytes=MAX_METADATA_BYTES)
                if resp is None:
                    result = f"the index lists core metadata for {f.filename} and it answered HTTP 404"
                elif hashlib.sha256(resp.content).hexdigest() != f.metadata_sha256:
                    result = f"the core metadata of {f.filename} does not have the SHA-256 the index lists"
                else:
                    result = resp.content
            elif f.size is not None and f.size > MAX_METADATA_WHEEL_BYTES:
                result = f"no core metadata listed, and {f.filename} is larger than {MAX_METADATA_WHEEL_BYTES} bytes"
            else:
                directory = self.workdir / "closure"
                directory.mkdir(exist_ok=True)
                path, _ = self.index.download(f, directory, max_bytes=MAX_METADATA_WHEEL_BYTES)
                try:
                    result = _metadata_from_wheel(path, name, version)
                finally:
                    path.unlink()
        except PyslsaError as exc:
            result = exc.message
        self.metadata[key] = result
        return result

    def closure(self, roots: core.ClosureRoots, when: dt.datetime) -> core.Closure:
        """The core's closure, asking the index for what each call of the resolver is missing, until nothing is."""
        from packaging.markers import default_environment

        environment = {k: str(v) for k, v in default_environment().items()}  # the builds run this interpreter
        listings: dict[str, list[core.ListedFile] | str] = {}
        metadata: dict[tuple[str, str], bytes | str] = {}
        deadline = time.monotonic() + CLOSURE_SECONDS
        closure = core.resolve_closure(roots, when, environment, listings, metadata)
        for _ in range(MAX_CLOSURE_CALLS):
            if closure.complete:
                return closure
            late = time.monotonic() > deadline
            for name in closure.missing_listings:
                if late:
                    listings[name] = f"the closure's lookups took longer than {CLOSURE_SECONDS:g} s"
                else:
                    self.say(f"listing {name} on the index")
                    listings[name] = _listed(name, self.listing(name))
            for name, version in closure.missing_metadata:
                if late:
                    metadata[(name, version)] = f"the closure's lookups took longer than {CLOSURE_SECONDS:g} s"
                else:
                    metadata[(name, version)] = self.core_metadata(name, version)
            closure = core.resolve_closure(roots, when, environment, listings, metadata)
        if not closure.complete:  # pragma: no cover - each call is given a new answer, and answers are bounded
            closure.notes.append("the closure could not be completed: what is missing is not pinned")
        return closure


def _listed(name: str, files: list[DistFile] | str) -> list[core.ListedFile] | str:
    if isinstance(files, str):
        return files
    out: list[core.ListedFile] = []
    for f in files:
        kv = file_kind_and_version(f.filename, name)
        if kv is not None:
            out.append(core.ListedFile(kv[1], f.upload_time, f.yanked, f.requires_python))
    return out


def _same_version(a: str, b: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def _metadata_from_wheel(path: Path, name: str, version: str) -> bytes | str:
    """The wheel's ``.dist-info/METADATA``, read with bounds."""
    try:
        with zipfile.ZipFile(path) as zf:
            entries = [i for i in zf.infolist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", i.filename)]
            if len(entries) != 1:
                return f"the wheel of {name} {version} holds {len(entries)} .dist-info/METADATA files"
            if entries[0].file_size > MAX_METADATA_BYTES:
                return f"the METADATA of {name} {version} is larger than {MAX_METADATA_BYTES} bytes"
            with zf.open(entries[0]) as fh:
                return fh.read(MAX_METADATA_BYTES + 1)[:MAX_METADATA_BYTES]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, ValueError,
            RuntimeError) as exc:
        return f"the wheel of {name} {version} is unreadable: {exc}"


__all__ = ["CLOSURE_SECONDS", "MAX_CLOSURE_CALLS", "MAX_METADATA_BYTES", "MAX_METADATA_WHEEL_BYTES", "IndexLookups"]
