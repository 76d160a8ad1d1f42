"""Poetry's lock file, ``poetry.lock``: ``[[package]]`` tables and a ``[metadata]`` table with ``lock-version``.

Both layouts of the file hashes are read:

* lock-version 2.x (Poetry >= 1.5): each package lists ``files = [{file, hash}]``;
* lock-version 1.x: one ``[metadata.files]`` table maps each package name to ``[{file, hash}]``; names may be
  written in any case or spelling (they are compared in PEP 503 form), and one name's list holds the files of every
  locked version of it, so a file goes to the package entry whose version its name carries.

One pin per file, with its SHA-256 (``hash = "sha256:HEX"``; a file with another algorithm has no digest). A
package's ``[package.source]`` says where it comes from: none (PyPI) or ``legacy`` / ``supplemental`` /
``explicit`` / ``primary`` (another index, its URL recorded) are indexes; ``url`` is a direct URL; ``git`` a VCS
checkout; ``file`` a local file; ``directory`` a local tree (editable when ``develop = true``). A package without
files yields one pin with no file name (an index package's files are then found on the index by name).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from packaging.utils import canonicalize_name
from packaging.version import Version

from pyslsa.errors import UsageError
from pyslsa.sources.inputs import InputKind, InputSource, Location, Origin, Pin
from pyslsa.sources.inputs.common import (
    array_table_lines,
    check_name,
    check_sha256,
    check_version,
    dist_filename,
    dist_name_version,
    parse_toml,
    read_input,
    show,
    str_field,
)

__all__ = ["PoetryLockInput", "parse_poetry_lock"]

_INDEX_SOURCES = ("legacy", "supplemental", "explicit", "primary", "secondary", "default")
_SOURCES: dict[str, Origin] = {"url": "url", "git": "vcs", "file": "local", "directory": "local"}


class PoetryLockInput(InputSource):
    kind: ClassVar[InputKind] = "poetry-lock"

    def __init__(self, path: str) -> None:
        self.path = path

    def collect(self) -> Iterator[Pin]:
        yield from parse_poetry_lock(read_input(self.path, "poetry.lock"), self.path)


def parse_poetry_lock(text: str, path: str) -> list[Pin]:
    """Every pin of a poetry.lock document (``path`` only names it in locations and messages)."""
    doc = parse_toml(text, path, "poetry.lock")
    metadata = doc.get("metadata")
    if not isinstance(metadata, dict) or not isinstance(metadata.get("lock-version"), str):
        hint = " (it looks like a uv.lock)" if isinstance(doc.get("version"), int) else ""
        raise UsageError(f"{path} is not in Poetry's lock format: no [metadata] table with a 'lock-version'{hint}")
    lock_version = metadata["lock-version"]
    major = lock_version.split(".", 1)[0]
    if major not in ("1", "2"):
        raise UsageError(f"{path}: poetry.lock lock-version {show(lock_version)} is not supported (1.x, 2.x)")
    packages = doc.get("package", [])
    if not isinstance(packages, list) or not all(isinstance(p, dict) for p in packages):
        raise UsageError(f"{path} is not in Poetry's lock format: 'package' must be an array of tables")
    legacy = _legacy_files(metadata.get("files"), path) if major == "1" else {}
    lines = array_table_lines(text, "package")
    if len(lines) != len(packages):
        lines = [0] * len(packages)
    counts: dict[str, int] = {}
    if major == "1":
        for p in packages:
            key = p.get("name")
            if isinstance(key, str):
                counts[canonicalize_name(key)] = counts.get(canonicalize_name(key), 0) + 1
    pins: list[Pin] = []
    for i, (package, line) in enumerate(zip(packages, lines, strict=True)):
        name = check_name(package.get("name"), f"{path}: package[{i}]")
        several = counts.get(name, 0) > 1
        pins.extend(_package_pins(package, Location(path, line), f"{path}: package[{i}]", legacy, major == "1",
                                  several))
    return pins


def _legacy_files(table: Any, path: str) -> dict[str, list[Any]]:
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [metadata.files] must be a table")
    out: dict[str, list[Any]] = {}
    for key, files in table.items():
        if not isinstance(files, list):
            raise UsageError(f"{path}: [metadata.files] {show(key)} must be an array")
        out.setdefault(check_name(key, f"{path}: [metadata.files]"), []).extend(files)
    return out


def _files_of(package: Mapping[str, Any], name: str, version: str | None, where: str,
              legacy: Mapping[str, list[Any]], legacy_layout: bool, several_versions: bool) -> list[Any]:
    if not legacy_layout:
        files = package.get("files", [])
        if not isinstance(files, list):
            raise UsageError(f"{where}: 'files' must be an array, got {show(files)}")
        return files
    files = legacy.get(name, [])
    if not several_versions or version is None:
        return files
    out = []
    for entry in files:
        filename = entry.get("file") if isinstance(entry, dict) else None
        try:
            _, file_version = dist_name_version(dist_filename(filename, where))
        except UsageError:
            raise UsageError(f"{where}: [metadata.files] lists {show(filename)} for several versions of "
                             f"{show(name)}, and its version cannot be read from its name") from None
        if Version(file_version) == Version(version):
            out.append(entry)
    return out


def _package_pins(package: Mapping[str, Any], at: Location, where: str, legacy: Mapping[str, list[Any]],
                  legacy_layout: bool, several_versions: bool) -> list[Pin]:
    name = check_name(package.get("name"), where)
    where = f"{where} ({name})"
    raw_version = package.get("version")
    version = check_version(raw_version, where) if raw_version is not None else None
    source = package.get("source")
    origin: Origin = "index"
    index: str | None = None
    url: str | None = None
    if source is not None:
        if not isinstance(source, dict):
            raise UsageError(f"{where}: 'source' must be a table, got {show(source)}")
        kind = str_field(source, "type", f"{where}.source", required=True)
        url = str_field(source, "url", f"{where}.source")
        if kind in _INDEX_SOURCES:
            index, url = url, None
        elif kind in _SOURCES:
            origin = _SOURCES[kind]
            if kind == "directory" and package.get("develop") is True:
                origin = "editable"
        else:
            raise UsageError(f"{where}: unknown source type {show(kind)}")
    markers = package.get("markers")
    marker = markers if isinstance(markers, str) and markers else None  # older locks may hold a table: not kept
    files = _files_of(package, name, version, where, legacy, legacy_layout, several_versions)
    pins = []
    for i, entry in enumerate(files):
        here = f"{where}.files[{i}]"
        if not isinstance(entry, dict):
            raise UsageError(f"{here}: expected a table, got {show(entry)}")
        filename = dist_filename(entry.get("file"), here, name, version)
        digest = str_field(entry, "hash", here)
        sha: frozenset[str] = frozenset()
        if digest is not None and digest.lower().startswith("sha256:"):
            sha = frozenset({check_sha256(digest, here, prefixed=True)})
        pins.append(Pin(name, version, filename, sha, at, "poetry-lock", origin=origin, url=url, index=index,
                        marker=marker))
    if pins:
        return pins
    return [Pin(name, version, None, frozenset(), at, "poetry-lock", origin=origin, url=url, index=index,
                marker=marker)]
