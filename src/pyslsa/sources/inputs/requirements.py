"""``requirements*.txt`` files, read as pip reads them (``pip/_internal/req/req_file.py``), without acting on them.

Lines: a line ending in ``\\`` is joined with the next one (not after a comment), and the joined line keeps the
number of its first line; ``#`` starts a comment at the start of a line or after whitespace; blank lines are
skipped. A line is a requirement followed by its options (``--hash``, ``--global-option``, ``--config-settings``),
or a line of options only.

* Requirements: a PEP 508 requirement (``packaging.requirements``: extras and environment markers are kept), or a
  bare URL / path (``git+https://...#egg=NAME``, ``./dist/x-1.0-py3-none-any.whl``, ``../src``), or ``-e`` /
  ``--editable``. One pin per requirement, whatever its number of ``--hash`` options: several hashes are several
  possible files, found later on the index by digest. A requirement that does not pin one exact version (``==`` or
  ``===``, no wildcard) yields a pin whose version is None (the audit fails it as ``not-pinned``). URL, VCS, local
  and editable requirements yield pins marked as not from an index: never silently dropped.
* ``-r`` / ``--requirement FILE`` includes are followed, relative to the including file; an include loop is an
  input error naming the chain. Remote (``http(s)://``) includes are refused: the audit reads local files only.
* ``-c`` / ``--constraint FILE`` (decided here, following pip's semantics): constraints files are read too (with
  their own includes, loops refused), but a constraint installs nothing, so it yields no pin of its own. It applies
  to a requirement of the same name that does not pin an exact version itself: the pin then takes the
  constraint's version and its hashes (the intersection when both lines list hashes, as pip allows only files
  both accept), and is located at the constraint's line, where the version is pinned. A name constrained to
  several exact versions (under different markers) yields one pin per version. A ``-r`` inside a constraints
  file includes requirements, as in pip.
* Other options (``--index-url``, ``--extra-index-url``, ``--find-links``, ``--no-index``, ``--trusted-host``,
  ``--pre``, ``--prefer-binary``, ``--require-hashes``, ``--no-binary``, ``--only-binary``, ``--use-feature``)
  are recorded in :attr:`RequirementsInput.options`, never acted upon. An unknown option is an input error.
* ``${VAR}`` references are not expanded: the audit reads what the file says.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import PurePath
from typing import ClassVar

from packaging.markers import InvalidMarker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier
from packaging.utils import canonicalize_name

from pyslsa.errors import UsageError
from pyslsa.sources.inputs import InputKind, InputSource, Location, Origin, Pin
from pyslsa.sources.inputs.common import (
    MAX_VERSION_LENGTH,
    check_name,
    check_sha256,
    check_version,
    dist_filename,
    dist_name_version,
    filename_from_url,
    read_input,
    show,
)

__all__ = ["MAX_INCLUDE_DEPTH", "MAX_REQUIREMENT_FILES", "OptionLine", "RequirementsInput"]

#: Deepest chain of ``-r`` / ``-c`` includes followed.
MAX_INCLUDE_DEPTH = 32
#: Most requirement files read for one input (includes counted each time they are read).
MAX_REQUIREMENT_FILES = 1000

_COMMENT_RE = re.compile(r"(^|\s+)#.*$")
_ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar", ".tar.xz", ".tbz")
_VCS_PREFIXES = ("git+", "hg+", "svn+", "bzr+")
_STRONG_HASHES = ("sha256", "sha384", "sha512")

# pip's requirement-file options (SUPPORTED_OPTIONS + SUPPORTED_OPTIONS_REQ), spelled as their long name.
_ALIASES = {
    "-i": "--index-url", "--index-url": "--index-url", "--extra-index-url": "--extra-index-url",
    "--no-index": "--no-index", "-c": "--constraint", "--constraint": "--constraint", "-r": "--requirement",
    "--requirement": "--requirement", "-e": "--editable", "--editable": "--editable", "-f": "--find-links",
    "--find-links": "--find-links", "--no-binary": "--no-binary", "--only-binary": "--only-binary",
    "--prefer-binary": "--prefer-binary", "--require-hashes": "--require-hashes", "--pre": "--pre",
    "--trusted-host": "--trusted-host", "--use-feature": "--use-feature", "--no-deps-for": "--no-deps-for",
    "--global-option": "--global-option", "--hash": "--hash", "--config-settings": "--config-settings",
    "-C": "--config-settings",
}
_FLAGS = frozenset({"--no-index", "--prefer-binary", "--require-hashes", "--pre"})


@dataclass(frozen=True)
class OptionLine:
    """An option of a requirements file that is not a requirement (recorded, never acted upon)."""

    name: str  # the long spelling: "--index-url"
    value: str | None
    at: Location


@dataclass(frozen=True)
class _Line:
    """One logical requirement line, parsed."""

    args: str
    options: tuple[tuple[str, str | None], ...]
    at: Location


@dataclass(frozen=True)
class _Constraint:
    version: str
    sha256: frozenset[str]
    marker: str | None
    at: Location


def _join_lines(lines: list[str]) -> Iterator[tuple[int, str]]:
    """pip's join_lines: a line ending in a backslash continues on the next one (except a comment line); the
    joined line takes the number of its first line."""
    primary: int | None = None
    parts: list[str] = []
    for number, line in enumerate(lines, start=1):
        if not line.endswith("\\") or _COMMENT_RE.match(line):
            if _COMMENT_RE.match(line):
                line = " " + line  # so that the comment is still stripped once joined
            if parts:
                parts.append(line)
                assert primary is not None
                yield primary, "".join(parts)
                parts = []
            else:
                yield number, line
        else:
            if not parts:
                primary = number
            parts.append(line.strip("\\"))
    if parts:
        assert primary is not None
        yield primary, "".join(parts)


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in _join_lines(text.splitlines()):
        line = _COMMENT_RE.sub("", line).strip()
        if line:
            yield number, line


def _split_options(tokens: list[str], at: Location) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("--"):
            name, eq, value = token.partition("=")
            has_value = bool(eq)
        elif token.startswith("-") and len(token) > 1:
            name, value = token[:2], token[2:]
            has_value = bool(value)
        else:
            raise UsageError(f"{at}: unexpected {show(token)} among the options of a requirements line")
        long = _ALIASES.get(name)
        if long is None:
            raise UsageError(f"{at}: unknown option {show(name)} in a requirements file")
        if long in _FLAGS:
            if has_value:
                raise UsageError(f"{at}: option {long} takes no value")
            out.append((long, None))
        else:
            if not has_value:
                i += 1
                if i >= len(tokens):
                    raise UsageError(f"{at}: option {long} needs a value")
                value = tokens[i]
            out.append((long, value))
        i += 1
    return out


def _parse_line(line: str, at: Location) -> _Line:
    """pip's break_args_options: the requirement is every space-separated token before the first one starting
    with '-' (markers are not shell-split); the rest is options."""
    tokens = line.split(" ")
    args: list[str] = []
    for token in tokens:
        if token.startswith("-"):
            break
        args.append(token)
    rest = " ".join(tokens[len(args):])
    try:
        option_tokens = shlex.split(rest)
    except ValueError as exc:
        raise UsageError(f"{at}: cannot split the options ({exc})") from None
    return _Line(" ".join(args).strip(), tuple(_split_options(option_tokens, at)), at)


def _hashes(options: tuple[tuple[str, str | None], ...], at: Location) -> frozenset[str]:
    out = set()
    for name, value in options:
        if name != "--hash":
            continue
        algo, sep, digest = (value or "").partition(":")
        if not sep or algo not in _STRONG_HASHES or not digest:
            raise UsageError(f"{at}: --hash must be ALGORITHM:HEX with a strong algorithm (sha256, sha384, sha512), "
                             f"got {show(value)}")
        if algo == "sha256":
            out.add(check_sha256(digest, str(at)))
    return frozenset(out)


_NAMED_URL = re.compile(r"\A\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@")


def _looks_like_path_or_url(text: str) -> bool:
    """A bare URL or path (pip's own forms), as opposed to a PEP 508 requirement (``name @ url`` is one)."""
    if _NAMED_URL.match(text):
        return False
    head = text.split(";", 1)[0].strip().lower()
    return ("://" in head or head.startswith(_VCS_PREFIXES) or head.startswith("file:") or "/" in head
            or "\\" in head or head.startswith(".") or head.endswith(_ARCHIVE_SUFFIXES))


def _origin_of(url: str, editable: bool) -> Origin:
    if editable:
        return "editable"
    lower = url.lower()
    if lower.startswith(_VCS_PREFIXES):
        return "vcs"
    if lower.startswith("file:") or "://" not in lower:
        return "local"
    return "url"


def _fragment_values(url: str) -> dict[str, str]:
    _, sep, fragment = url.partition("#")
    if not sep:
        return {}
    out = {}
    for part in fragment.split("&"):
        key, eq, value = part.partition("=")
        if eq:
            out[key] = value
    return out


class RequirementsInput(InputSource):
    """A ``requirements*.txt`` file and everything it includes."""

    kind: ClassVar[InputKind] = "requirements"

    def __init__(self, path: str) -> None:
        self.path = path
        #: The option lines met while collecting (index URLs and the like), in order.
        self.options: list[OptionLine] = []
        self._files_read = 0

    def collect(self) -> Iterator[Pin]:
        self.options = []
        self._files_read = 0
        pins: list[Pin] = []
        constraints: dict[str, list[_Constraint]] = {}
        self._read(self.path, (), False, pins, constraints)
        for pin in pins:
            found = constraints.get(pin.name, [])
            if pin.version is not None or not pin.from_index or not found:
                yield pin
                continue
            for c in found:
                # both list hashes: only files both accept; else whichever lists some
                digests = pin.sha256 & c.sha256 if pin.sha256 and c.sha256 else pin.sha256 | c.sha256
                marker = pin.marker if c.marker is None else (c.marker if pin.marker is None
                                                               else f"({pin.marker}) and ({c.marker})")
                yield replace(pin, version=c.version, sha256=digests, pinned_at=c.at, marker=marker)

    # -- files and includes ---------------------------------------------------------------------------------------

    def _read(self, path: str, chain: tuple[tuple[str, str], ...], constraint: bool, pins: list[Pin],
              constraints: dict[str, list[_Constraint]]) -> None:
        real = os.path.realpath(path)
        if any(real == seen for _, seen in chain):
            names = " -> ".join([shown for shown, _ in chain] + [path])
            raise UsageError(f"requirements include loop: {names}")
        if len(chain) >= MAX_INCLUDE_DEPTH:
            raise UsageError(f"requirements includes nested deeper than {MAX_INCLUDE_DEPTH} files at {path}")
        self._files_read += 1
        if self._files_read > MAX_REQUIREMENT_FILES:
            raise UsageError(f"more than {MAX_REQUIREMENT_FILES} requirements files included from {self.path}")
        what = "constraints file" if constraint else "requirements file"
        text = read_input(path, what)
        chain = (*chain, (path, real))
        for number, raw in _logical_lines(text):
            at = Location(path, number)
            line = _parse_line(raw, at)
            if line.args:
                self._requirement(line.args, line.options, False, at, constraint, pins, constraints)
                continue
            for name, value in line.options:
                assert value is not None or name in _FLAGS
                if name in ("--requirement", "--constraint"):
                    assert value is not None
                    self._read(self._include_path(path, value, at), chain, name == "--constraint", pins,
                               constraints)
                elif name == "--editable":
                    assert value is not None
                    if constraint:
                        raise UsageError(f"{at}: editable requirements are not allowed as constraints")
                    self._requirement(value, line.options, True, at, constraint, pins, constraints)
                elif name in ("--hash", "--global-option", "--config-settings"):
                    continue  # pip ignores (and warns about) a requirement option without a requirement
                else:
                    self.options.append(OptionLine(name, value, at))

    @staticmethod
    def _include_path(including: str, target: str, at: Location) -> str:
        if re.match(r"\A[A-Za-z][A-Za-z0-9+.-]*://", target):
            raise UsageError(f"{at}: remote requirements file {show(target)}: only local files are read")
        if PurePath(target).is_absolute():
            return target
        return os.path.normpath(PurePath(including).parent / target)

    # -- one requirement ------------------------------------------------------------------------------------------

    def _requirement(self, text: str, options: tuple[tuple[str, str | None], ...], editable: bool, at: Location,
                     constraint: bool, pins: list[Pin], constraints: dict[str, list[_Constraint]]) -> None:
        digests = _hashes(options, at)
        pin = self._pin(text, digests, editable, at)
        if not constraint:
            pins.append(pin)
        elif pin.version is not None and pin.from_index:
            constraints.setdefault(pin.name, []).append(_Constraint(pin.version, pin.sha256, pin.marker, at))

    def _pin(self, text: str, digests: frozenset[str], editable: bool, at: Location) -> Pin:
        if editable or _looks_like_path_or_url(text):
            return self._direct(text, None, digests, editable, at)
        try:
            req = Requirement(text)
        except (InvalidRequirement, InvalidMarker, InvalidSpecifier) as exc:
            first = str(exc).splitlines()[0] if str(exc) else "invalid"
            raise UsageError(f"{at}: invalid requirement {show(text)}: {first}") from None
        name = check_name(req.name, str(at))
        marker = str(req.marker) if req.marker is not None else None
        extras = frozenset(canonicalize_name(e) for e in req.extras)
        if req.url:
            pin = self._direct(req.url, name, digests, False, at)
            return replace(pin, marker=marker, extras=extras, requirement=text)
        exact = {s.version for s in req.specifier
                 if s.operator == "===" or (s.operator == "==" and not s.version.endswith(".*"))}
        version = None
        if len(exact) == 1:
            version = next(iter(exact))
            if any(s.operator == "===" for s in req.specifier):
                if len(version) > MAX_VERSION_LENGTH:
                    raise UsageError(f"{at}: version {show(version)} is longer than {MAX_VERSION_LENGTH} characters")
            else:
                version = check_version(version, str(at))
        return Pin(name, version, None, digests, at, self.kind, marker=marker, extras=extras, requirement=text)

    def _direct(self, text: str, name: str | None, digests: frozenset[str], editable: bool, at: Location) -> Pin:
        """A URL, VCS, local path or editable requirement: not from an index."""
        marker: str | None = None
        url = text
        if name is None and ";" in text:
            # pip splits a URL's marker at "; " and a path's at ";"
            sep = "; " if "://" in text else ";"
            if sep in text:
                url, _, marker_text = text.partition(sep)
                marker = marker_text.strip() or None
        url = url.strip()
        extras: frozenset[str] = frozenset()
        m = re.match(r"\A(?P<path>[^\[]+)\[(?P<extras>[^\]]*)\]\Z", url)
        if m is not None and "://" not in url:
            url = m.group("path")
            extras = frozenset(canonicalize_name(e.strip()) for e in m.group("extras").split(",") if e.strip())
        fragment = _fragment_values(url)
        sha = fragment.get("sha256")
        if sha is not None:
            digests = digests | {check_sha256(sha, str(at))}
        last = filename_from_url(url.partition("#")[0])
        filename: str | None = None
        version: str | None = None
        origin = _origin_of(url, editable)
        if origin in ("url", "local") and last.endswith(_ARCHIVE_SUFFIXES):
            try:
                filename = dist_filename(last, str(at), name)
            except UsageError:
                filename = None  # not a distribution of this project: the audit reports the URL as it is
            if filename is not None:
                dist_name, version = dist_name_version(filename)
                name = name or dist_name
        egg = fragment.get("egg")
        if name is None and egg:
            name = check_name(egg.split("[", 1)[0], f"{at}: #egg=")
        return Pin(name or text, version, filename, digests, at, self.kind, origin=origin, url=url, marker=marker,
                   extras=extras, requirement=text)
