"""uv's lock file, ``uv.lock``: ``version = 1`` and one ``[[package]]`` table per locked package.

A package's ``source`` says where it comes from (exactly one key):

* ``registry = URL-or-path``: an index. One pin per file: ``sdist = { url | path, hash, size }`` and each of
  ``wheels = [{ url | path, hash, size }]``; the file name is the last segment of the URL's path (or the entry's
  ``filename``), checked to be a plain distribution file name of this package and version; ``hash`` must be
  ``sha256:HEX`` to give a digest (another algorithm gives none).
* ``url = URL``: a direct URL (its files, when listed, carry their hash: one pin per file, not from an index).
* ``git = URL``: a VCS checkout; ``path = PATH``: a local file (its listed files pinned); ``directory``,
  ``editable``, ``virtual = PATH``: local source trees. The project itself (``editable`` or ``virtual`` ``"."``) is
  skipped; the others are pinned as not from an index.

The content is checked: a file named ``uv.lock`` that is not uv's format (no integer ``version``, no
``[[package]]`` array, an unknown ``source``) is an input error saying what is wrong.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from pyslsa.errors import UsageError
from pyslsa.sources.inputs import InputKind, InputSource, Location, Origin, Pin
from pyslsa.sources.inputs.common import (
    array_table_lines,
    check_name,
    check_sha256,
    check_version,
    dist_filename,
    filename_from_url,
    parse_toml,
    read_input,
    show,
    str_field,
)

__all__ = ["SUPPORTED_VERSIONS", "UvLockInput", "parse_uv_lock"]

#: The ``version`` values of uv.lock this parser knows.
SUPPORTED_VERSIONS = (1,)

_SOURCES: dict[str, Origin] = {"registry": "index", "url": "url", "git": "vcs", "path": "local",
                               "directory": "local", "editable": "editable", "virtual": "local"}


class UvLockInput(InputSource):
    kind: ClassVar[InputKind] = "uv-lock"

    def __init__(self, path: str) -> None:
        self.path = path

    def collect(self) -> Iterator[Pin]:
        yield from parse_uv_lock(read_input(self.path, "uv.lock"), self.path)


def _looks_like(doc: Mapping[str, Any]) -> str:
    if isinstance(doc.get("metadata"), dict) and "lock-version" in doc["metadata"]:
        return " (it looks like a poetry.lock)"
    if "lock-version" in doc:
        return " (it looks like a PEP 751 pylock.toml)"
    return ""


def parse_uv_lock(text: str, path: str) -> list[Pin]:
    """Every pin of a uv.lock document (``path`` only names it in locations and messages)."""
    doc = parse_toml(text, path, "uv.lock")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise UsageError(f"{path} is not in uv's lock format: no integer 'version' key{_looks_like(doc)}")
    if version not in SUPPORTED_VERSIONS:
        raise UsageError(f"{path}: uv.lock version {version} is not supported (known: "
                         f"{', '.join(map(str, SUPPORTED_VERSIONS))})")
    packages = doc.get("package", [])
    if not isinstance(packages, list) or not all(isinstance(p, dict) for p in packages):
        raise UsageError(f"{path} is not in uv's lock format: 'package' must be an array of tables")
    lines = array_table_lines(text, "package")
    if len(lines) != len(packages):
        lines = [0] * len(packages)
    pins: list[Pin] = []
    for i, (package, line) in enumerate(zip(packages, lines, strict=True)):
        pins.extend(_package_pins(package, Location(path, line), f"{path}: package[{i}]"))
    return pins


def _hash(entry: Mapping[str, Any], where: str) -> frozenset[str]:
    value = str_field(entry, "hash", where)
    if value is None or not value.lower().startswith("sha256:"):
        return frozenset()  # no hash, or another algorithm (sha384 / sha512 indexes)
    return frozenset({check_sha256(value, where, prefixed=True)})


def _size(entry: Mapping[str, Any], where: str) -> int | None:
    size = entry.get("size")
    if size is None:
        return None
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise UsageError(f"{where}: 'size' must be a non-negative integer, got {show(size)}")
    return size


def _package_pins(package: Mapping[str, Any], at: Location, where: str) -> list[Pin]:
    name = check_name(package.get("name"), where)
    where = f"{where} ({name})"
    raw_version = package.get("version")
    version = check_version(raw_version, where) if raw_version is not None else None
    source = package.get("source")
    if not isinstance(source, dict):
        raise UsageError(f"{where}: 'source' must be a table, got {show(source)}")
    kinds = [k for k in source if k in _SOURCES]
    if len(kinds) != 1:
        raise UsageError(f"{where}: 'source' must have exactly one of {', '.join(_SOURCES)}, got "
                         f"{show(sorted(source))}")
    kind = kinds[0]
    location = str_field(source, kind, f"{where}.source", required=True)
    assert location is not None
    if kind in ("editable", "virtual") and os.path.normpath(location) == ".":
        return []  # the project being locked
    origin = _SOURCES[kind]
    index = location if kind == "registry" else None
    files: list[tuple[str, Any]] = []
    sdist = package.get("sdist")
    if sdist is not None:
        files.append(("sdist", sdist))
    wheels = package.get("wheels", [])
    if not isinstance(wheels, list):
        raise UsageError(f"{where}: 'wheels' must be an array, got {show(wheels)}")
    files.extend((f"wheels[{i}]", w) for i, w in enumerate(wheels))
    pins = []
    for key, entry in files:
        here = f"{where}.{key}"
        if not isinstance(entry, dict):
            raise UsageError(f"{here}: expected a table, got {show(entry)}")
        url = str_field(entry, "url", here)
        file_path = str_field(entry, "path", here)
        explicit = str_field(entry, "filename", here)  # a local wheel of a `path` source
        file_location = url or file_path or (location if kind in ("url", "path") else None)
        if file_location is None:
            raise UsageError(f"{here}: a file needs a 'url', a 'path' or a 'filename'")
        filename = dist_filename(explicit or filename_from_url(file_location), here, name, version)
        pins.append(Pin(name, version, filename, _hash(entry, here), at, "uv-lock", origin=origin,
                        url=file_location, index=index, size=_size(entry, here)))
    if pins:
        return pins
    # no file listed: a source tree, a VCS checkout, or a registry package whose files the audit finds by name
    return [Pin(name, version, None, frozenset(), at, "uv-lock", origin=origin, url=None if index else location,
                index=index)]
