"""Checks shared by the input parsers: bounded reads, TOML with line and column, names, versions, digests, file
names. Every failure is a :class:`~pyslsa.errors.UsageError` that shows the offending value escaped (``ascii``) and
truncated, so no control character or bidi override from an input reaches a terminal."""

from __future__ import annotations

import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from pyslsa.core.audit.names import MAX_NAME_LENGTH, canonical_name, show
from pyslsa.core.audit.toml import loads_toml
from pyslsa.errors import InvalidProvenanceError, UsageError
from pyslsa.sources.files import read_evidence
from pyslsa.sources.inputs import MAX_INPUT_BYTES

__all__ = ["MAX_NAME_LENGTH", "MAX_VERSION_LENGTH", "array_table_lines", "check_name", "check_sha256", "check_version",
           "dist_filename", "dist_name_version", "filename_from_url", "parse_toml", "read_input", "read_input_bytes",
           "show", "str_field"]

#: Longest version string accepted (PEP 440 allows any length; real ones are short).
MAX_VERSION_LENGTH = 128
_MAX_FILENAME = 255

_HEX64 = re.compile(r"\A[0-9a-fA-F]{64}\Z")
_FILENAME_RE = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._+!-]*\Z")


def read_input_bytes(path: str, what: str = "input", limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of an input file, refused over ``limit`` bytes (before reading it when its size is known)."""
    try:
        st = Path(path).stat()
    except FileNotFoundError:
        raise UsageError(f"{what} not found: {path}") from None
    except OSError as exc:
        raise UsageError(f"{what} cannot be read: {path}: {exc.strerror or exc}") from None
    if stat.S_ISREG(st.st_mode) and st.st_size > limit:
        raise UsageError(f"{what} {path} is {st.st_size} bytes, over the limit of {limit} bytes: refusing it")
    try:
        return read_evidence(path, what, limit)
    except InvalidProvenanceError:
        raise UsageError(f"{what} {path} is over the limit of {limit} bytes: refusing it") from None


def read_input(path: str, what: str = "input", limit: int = MAX_INPUT_BYTES) -> str:
    """The text of an input file (:func:`read_input_bytes`): refused if not UTF-8 or holding NUL bytes."""
    data = read_input_bytes(path, what, limit)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{what} {path} is not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise UsageError(f"{what} {path} holds NUL bytes: not a text file")
    return text


def parse_toml(text: str, path: str, what: str) -> dict[str, Any]:
    """A TOML document; malformed TOML is an input error with the parser's line and column."""
    return loads_toml(text, f"{what} {path}")


def check_name(value: object, where: str) -> str:
    """A PEP 508 project name, returned in its PEP 503 canonical form."""
    return canonical_name(value, where)


def check_version(value: object, where: str) -> str:
    """A PEP 440 version string (as written), of a sane length."""
    if not isinstance(value, str):
        raise UsageError(f"{where}: the version must be a string, got {show(value)}")
    if len(value) > MAX_VERSION_LENGTH:
        raise UsageError(f"{where}: version {show(value)} is longer than {MAX_VERSION_LENGTH} characters")
    try:
        Version(value)
    except InvalidVersion:
        raise UsageError(f"{where}: invalid version {show(value)} (not PEP 440)") from None
    return value


def check_sha256(value: object, where: str, *, prefixed: bool = False) -> str:
    """A SHA-256 hex digest (``sha256:HEX`` when ``prefixed``), returned as lowercase hex."""
    if not isinstance(value, str):
        raise UsageError(f"{where}: the hash must be a string, got {show(value)}")
    text = value
    if prefixed:
        algo, sep, text = value.partition(":")
        if not sep or algo.lower() != "sha256":
            raise UsageError(f"{where}: expected a hash 'sha256:<64 hex digits>', got {show(value)}")
    if not _HEX64.match(text):
        raise UsageError(f"{where}: invalid SHA-256 digest {show(value)} (expected 64 hex digits)")
    return text.lower()


def dist_filename(value: object, where: str, name: str | None = None, version: str | None = None) -> str:
    """A plain distribution file name (a wheel, or an sdist ``.tar.gz`` / ``.zip``), of project ``name`` and
    ``version`` when given: never a path, never a hostile name."""
    if not isinstance(value, str):
        raise UsageError(f"{where}: the file name must be a string, got {show(value)}")
    if len(value) > _MAX_FILENAME or not _FILENAME_RE.match(value) or ".." in value:
        raise UsageError(f"{where}: {show(value)} is not a plain distribution file name")
    try:
        got_name, got_version = _parse_dist(value)
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        raise UsageError(f"{where}: {show(value)} is not a wheel or sdist file name") from None
    if name is not None and got_name != canonicalize_name(name):
        raise UsageError(f"{where}: file {show(value)} is not of package {show(name)}")
    if version is not None and got_version != Version(version):
        raise UsageError(f"{where}: file {show(value)} is not of version {show(version)}")
    return value


def _parse_dist(filename: str) -> tuple[str, Version]:
    if filename.endswith(".whl"):
        name, version, _, _ = parse_wheel_filename(filename)
        return name, version
    return parse_sdist_filename(filename)


def dist_name_version(filename: str) -> tuple[str, str]:
    """The canonical project name and the version of a file name :func:`dist_filename` accepted."""
    name, version = _parse_dist(filename)
    return name, str(version)


def filename_from_url(url: str) -> str:
    """The last segment of a URL's path (percent-decoded), or of a local path."""
    path = urlsplit(url).path if "://" in url else url
    return unquote(path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1])


def str_field(table: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
    """``table[key]`` as a string (None when absent and not ``required``)."""
    value = table.get(key)
    if value is None:
        if required:
            raise UsageError(f"{where}: missing {key!r}")
        return None
    if not isinstance(value, str):
        raise UsageError(f"{where}: {key!r} must be a string, got {show(value)}")
    return value


_HEADER_RE = re.compile(r"\A[ \t]*\[\[[ \t]*(?P<key>[^\]\[#]+?)[ \t]*\]\][ \t]*(?:#.*)?\Z")


def _key_path(text: str) -> tuple[str, ...] | None:
    """A TOML dotted key (bare, "basic" or 'literal' parts), or None if it is not one this scan understands."""
    parts: list[str] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] in "\"'":
            quote = text[i]
            end = text.find(quote, i + 1)
            if end < 0 or (quote == '"' and "\\" in text[i + 1:end]):
                return None
            parts.append(text[i + 1:end])
            i = end + 1
        else:
            m = re.match(r"[A-Za-z0-9_-]+", text[i:])
            if m is None:
                return None
            parts.append(m.group(0))
            i += m.end()
        while i < n and text[i] in " \t":
            i += 1
        if i < n:
            if text[i] != ".":
                return None
            i += 1
    return tuple(parts)


def array_table_lines(text: str, key: str) -> list[int]:
    """The 1-based lines of every ``[[key]]`` header, in order (a light scan: packaging and tomllib give no line
    numbers). The caller checks the count against the parsed document and falls back to line 0 on a mismatch."""
    out = []
    for i, line in enumerate(text.splitlines(), start=1):
        m = _HEADER_RE.match(line)
        if m is not None and _key_path(m.group("key")) == (key,):
            out.append(i)
    return out
