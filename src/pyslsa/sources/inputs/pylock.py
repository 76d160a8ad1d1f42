"""PEP 751 lock files (``pylock.toml``, ``pylock.NAME.toml``), validated by ``packaging.pylock``.

The document is validated by :meth:`packaging.pylock.Pylock.from_dict` (lock version, required keys, types,
names, that a package has either files or one direct source); a document it refuses is an input error quoting
its reason. Then every package yields:

* one pin per file (``sdist`` and each of ``wheels``): the file name (its ``name``, else the last segment of its
  ``path`` or ``url``, checked to be a plain distribution file name of this package and version), its SHA-256
  from ``hashes`` (empty if the lock lists only other algorithms), its size; from an index unless the file is
  only a local ``path``;
* for a package without files, one pin marked as not from an index: ``vcs``, ``archive`` (with its hash),
  ``directory`` (editable or not). A ``directory`` of ``"."`` is the locked project itself, and is skipped.

``pinned_at`` is the line of the package's ``[[packages]]`` header (packaging gives no line numbers, so the text
is scanned lightly for the headers; a lock written without them, as one inline array, gets line 0).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

from packaging.pylock import Package, PackageArchive, Pylock, PylockValidationError, is_valid_pylock_path

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
)

__all__ = ["PylockInput", "is_pylock_name", "parse_pylock"]


def is_pylock_name(name: str) -> bool:
    """PEP 751's file names: ``pylock.toml`` or ``pylock.NAME.toml`` (NAME without dots)."""
    return is_valid_pylock_path(Path(name))


class PylockInput(InputSource):
    kind: ClassVar[InputKind] = "pylock"

    def __init__(self, path: str) -> None:
        self.path = path

    def collect(self) -> Iterator[Pin]:
        yield from parse_pylock(read_input(self.path, "pylock file"), self.path)


def _sha256(hashes: Mapping[str, str], where: str) -> frozenset[str]:
    value = hashes.get("sha256")
    return frozenset() if value is None else frozenset({check_sha256(value, where)})


def _file_name(name: str | None, path: str | None, url: str | None) -> str:
    return name or filename_from_url(path or url or "")


def parse_pylock(text: str, path: str) -> list[Pin]:
    """Every pin of a pylock document (``path`` only names it in locations and messages)."""
    doc = parse_toml(text, path, "pylock file")
    try:
        lock = Pylock.from_dict(doc)
    except PylockValidationError as exc:
        raise UsageError(f"pylock file {path} is not a valid PEP 751 lock: {exc}") from None
    raw_packages: list[Any] = doc.get("packages", [])
    lines = array_table_lines(text, "packages")
    if len(lines) != len(lock.packages):
        lines = [0] * len(lock.packages)
    pins: list[Pin] = []
    for i, (package, raw, line) in enumerate(zip(lock.packages, raw_packages, lines, strict=True)):
        pins.extend(_package_pins(package, raw, Location(path, line), f"{path}: packages[{i}]"))
    return pins


def _package_pins(package: Package, raw: Mapping[str, Any], at: Location, where: str) -> list[Pin]:
    name = check_name(package.name, where)
    raw_version = raw.get("version")
    version = check_version(raw_version, where) if raw_version is not None else None
    marker = str(package.marker) if package.marker is not None else None
    common: dict[str, Any] = {"marker": marker, "index": package.index}
    out: list[Pin] = []
    files: list[tuple[str, Any]] = []
    if package.sdist is not None:
        files.append(("sdist", package.sdist))
    files.extend((f"wheels[{i}]", w) for i, w in enumerate(package.wheels or ()))
    for key, f in files:
        here = f"{where}.{key}"
        filename = dist_filename(_file_name(f.name, f.path, f.url), here, name, version)
        origin: Origin = "index" if f.url or not f.path else "local"
        out.append(Pin(name, version, filename, _sha256(f.hashes, here), at, "pylock", origin=origin,
                       url=f.url or f.path, size=f.size, **common))
    if files:
        return out
    if package.vcs is not None:
        url = package.vcs.url or package.vcs.path
        return [Pin(name, version, None, frozenset(), at, "pylock", origin="vcs", url=url, **common)]
    if package.directory is not None:
        if os.path.normpath(package.directory.path) == ".":
            return []  # the locked project itself
        tree: Origin = "editable" if package.directory.editable else "local"
        return [Pin(name, version, None, frozenset(), at, "pylock", origin=tree, url=package.directory.path,
                    **common)]
    if package.archive is not None:
        return [_archive_pin(name, version, package.archive, at, f"{where}.archive", common)]
    raise UsageError(f"{where}: package {show(name)} has neither files nor a direct source")  # pragma: no cover


def _archive_pin(name: str, version: str | None, archive: PackageArchive, at: Location, where: str,
                 common: dict[str, Any]) -> Pin:
    location = archive.url or archive.path or ""
    filename: str | None
    try:
        filename = dist_filename(filename_from_url(location), where, name, version)
    except UsageError:
        filename = None  # an archive need not be named like a distribution (a GitHub tarball)
    return Pin(name, version, filename, _sha256(archive.hashes, where), at, "pylock",
               origin="url" if archive.url else "local", url=location, size=archive.size, **common)
