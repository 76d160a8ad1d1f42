"""Pinned publisher identities: trust on first use, alarm on change.

``--update-pins`` records, per package, the identities its files verified with; later runs compare. The pins live
in one of two places, both in PEP 740's identity shape (``kind`` and the publisher's keys):

* the ``[[packages.attestation-identities]]`` tables of a PEP 751 ``pylock.toml`` (the PEP's own field), written
  by :func:`pylock_with_identities`, which keeps every other byte of the file;
* else a ``pyslsa.pins.toml`` beside the input (:func:`pins_file_bytes`, :func:`parse_pins_file`)::

      # comment lines
      schema = "pyslsa-pins/1"

      [[packages]]
      name = "attrs"

      [[packages.attestation-identities]]
      kind = "GitHub"
      repository = "python-attrs/attrs"
      workflow = "pypi-package.yml"
      environment = "release-pypi"

  (a GitLab identity has ``repository``, ``workflow_filepath`` and ``environment``; other kinds keep the keys of
  their PEP 740 publisher object: ``email`` for Google, ``project_id``, ``pipeline_definition_id``,
  ``vcs_origin`` and ``vcs_ref`` for CircleCI).

Comparing (:func:`compare_pins`): a verified identity matches a pin when the kind, the issuer the kind implies, the
repository, the other kinds' keys and (when the pin names one) the workflow are equal, and -- when the evidence
states an environment (PEP 740 does; certificates do not) -- the environment too (an unset pinned environment then
means "none").
Every verified identity of a pinned package must match one of its pins, else ``publisher-changed``; a pinned
package with no verified identity is ``attestation-lost``. A pin only ever adds failures: it never turns a
failure into a pass.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pyslsa.core.audit.identity import (
    GITHUB,
    GITLAB,
    Identity,
    VerifiedIdentity,
    normalize_gitlab_workflow,
    normalize_workflow,
)
from pyslsa.core.audit.names import canonical_name, show
from pyslsa.core.audit.toml import loads_toml, toml_string
from pyslsa.errors import AttestationLostError, PublisherChangedError, UsageError, VerificationError

__all__ = ["PINS_FILENAME", "PINS_SCHEMA", "PinSet", "PinStatus", "check_pins", "compare_pins", "identities_to_pin",
           "identity_from_table", "identity_table", "matches", "parse_pins_file", "pins_file_bytes",
           "pins_from_pylock", "pylock_with_identities"]

PINS_SCHEMA = "pyslsa-pins/1"
PINS_FILENAME = "pyslsa.pins.toml"
_KEY = "attestation-identities"
_GITHUB_KEYS = ("kind", "repository", "workflow", "environment")
_GITLAB_KEYS = ("kind", "repository", "workflow_filepath", "environment")
_REPO = re.compile(r"\A[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+\Z")
_GITLAB_REPO = re.compile(r"\A[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+\Z")

#: Pinned identities by package (PEP 503 name).
PinSet = Mapping[str, tuple[Identity, ...]]
PinStatus = Literal["ok", "unpinned", "publisher-changed", "attestation-lost"]


# -- one identity -------------------------------------------------------------------------------------------------


def identity_from_table(table: Any, where: str) -> Identity:
    """A PEP 740-shaped identity table: ``kind`` and, for ``GitHub``, ``repository`` (``ORG/REPO``),
    ``workflow`` and ``environment`` (no other key); for ``GitLab``, ``repository`` (``NAMESPACE/.../PROJECT``),
    ``workflow_filepath`` and ``environment`` (no other key); other kinds keep their string keys as they are."""
    if not isinstance(table, dict):
        raise UsageError(f"{where}: an attestation identity must be a table")
    kind = table.get("kind")
    if not isinstance(kind, str) or not kind or not kind.isprintable():
        raise UsageError(f"{where}: an attestation identity needs a 'kind' string, got {show(kind)}")
    for key, value in table.items():
        if not isinstance(value, str) or not value.isprintable() or len(value) > 1024:
            raise UsageError(f"{where}: identity key {show(key)} must be a line of printable text, got "
                             f"{show(value)}")
    if kind == GITLAB:
        return _gitlab_identity(table, where)
    if kind != GITHUB:
        extra = tuple(sorted((k, v) for k, v in table.items() if k not in ("kind", "repository")))
        return Identity(kind, table.get("repository", ""), extra=extra)
    for key in table:
        if key not in _GITHUB_KEYS:
            raise UsageError(f"{where}: unknown key {show(key)} in a GitHub identity (known: "
                             f"{', '.join(_GITHUB_KEYS)})")
    repository = table.get("repository")
    if not isinstance(repository, str) or not _REPO.match(repository):
        raise UsageError(f"{where}: a GitHub identity's 'repository' must be ORG/REPO, got {show(repository)}")
    workflow = table.get("workflow")
    if workflow is not None:
        try:
            workflow = normalize_workflow(workflow, repository)
        except ValueError:
            raise UsageError(f"{where}: 'workflow' {show(workflow)} is not a workflow file name") from None
    return Identity(GITHUB, repository, workflow, table.get("environment"))


def _gitlab_identity(table: dict[str, Any], where: str) -> Identity:
    for key in table:
        if key not in _GITLAB_KEYS:
            raise UsageError(f"{where}: unknown key {show(key)} in a GitLab identity (known: "
                             f"{', '.join(_GITLAB_KEYS)})")
    repository = table.get("repository")
    if not isinstance(repository, str) or not _GITLAB_REPO.match(repository):
        raise UsageError(f"{where}: a GitLab identity's 'repository' must be NAMESPACE/PROJECT, got "
                         f"{show(repository)}")
    workflow = table.get("workflow_filepath")
    if workflow is not None:
        try:
            workflow = normalize_gitlab_workflow(workflow)
        except ValueError:
            raise UsageError(f"{where}: 'workflow_filepath' {show(workflow)} is not a CI configuration path") \
                from None
    return Identity(GITLAB, repository, workflow, table.get("environment"))


def identity_table(identity: Identity) -> dict[str, str]:
    """The table written for an identity (PEP 740's keys, in their order)."""
    out = {"kind": identity.kind}
    if identity.repository:
        out["repository"] = identity.repository
    if identity.workflow is not None:
        out["workflow_filepath" if identity.kind == GITLAB else "workflow"] = identity.workflow
    if identity.environment is not None:
        out["environment"] = identity.environment
    out.update(identity.extra)
    return out


def _identity_toml(identity: Identity, newline: str) -> str:
    lines = [f"[[packages.{_KEY}]]"]
    for key, value in identity_table(identity).items():
        name = key if re.match(r"\A[A-Za-z0-9_-]+\Z", key) else toml_string(key)
        lines.append(f"{name} = {toml_string(value)}")
    return newline.join(lines) + newline


def _sorted(identities: Sequence[Identity]) -> tuple[Identity, ...]:
    return tuple(sorted(set(identities), key=lambda i: (i.kind, i.repository, i.workflow or "", i.environment or "",
                                                        i.extra)))


# -- comparing ----------------------------------------------------------------------------------------------------


def matches(pin: Identity, verified: VerifiedIdentity) -> bool:
    """Whether a verified identity is the pinned one (see the module docstring)."""
    if pin.kind != verified.kind or pin.extra != verified.extra or pin.repository != verified.repository:
        return False
    if pin.issuer is not None and pin.issuer != verified.issuer:
        return False
    if pin.workflow is not None and pin.workflow != verified.workflow:
        return False
    return not (verified.states_environment and pin.environment != verified.environment)


def compare_pins(pinned: Sequence[Identity], verified: Sequence[VerifiedIdentity]) -> tuple[PinStatus, str]:
    """The pins of one package (or file) against the identities its evidence verified with."""
    if not pinned:
        return "unpinned", "no pinned identity"
    shown = "; ".join(p.describe() for p in _sorted(pinned))
    if not verified:
        return "attestation-lost", f"pinned to {shown}, but no evidence verifies any more"
    for v in verified:
        if not any(matches(p, v) for p in pinned):
            return "publisher-changed", f"publisher changed: pinned {shown}; {v.evidence} evidence is from " \
                                        f"{v.describe()}"
    return "ok", f"matches the pinned {shown}"


def check_pins(pinned: Sequence[Identity], verified: Sequence[VerifiedIdentity]) -> VerificationError | None:
    """:func:`compare_pins` as the error it means (None when it holds or nothing is pinned)."""
    status, message = compare_pins(pinned, verified)
    if status == "publisher-changed":
        return PublisherChangedError(message)
    if status == "attestation-lost":
        return AttestationLostError(message)
    return None


def identities_to_pin(verified: Sequence[VerifiedIdentity]) -> tuple[Identity, ...]:
    """What ``--update-pins`` records for a package: one identity per (kind, repository, workflow, other keys),
    with the environment its PEP 740 evidence states (one per stated environment); evidence that cannot state one
    (certificates) adds no environment."""
    groups: dict[tuple[str, str, str | None, tuple[tuple[str, str], ...]], set[str | None]] = {}
    for v in verified:
        stated = groups.setdefault((v.kind, v.repository, v.workflow, v.extra), set())
        if v.states_environment:
            stated.add(v.environment)
    out = []
    for (kind, repository, workflow, extra), environments in groups.items():
        for env in environments or {None}:
            out.append(Identity(kind, repository, workflow, env, extra))
    return _sorted(out)


# -- reading ------------------------------------------------------------------------------------------------------


def _identities(raw: Any, where: str) -> tuple[Identity, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise UsageError(f"{where}: '{_KEY}' must be an array of tables")
    return tuple(identity_from_table(t, f"{where}.{_KEY}[{i}]") for i, t in enumerate(raw))


def pins_from_pylock(data: bytes, source: str) -> dict[str, tuple[Identity, ...]]:
    """The identities a pylock file pins, by package (a name locked in several entries: all of theirs)."""
    doc = loads_toml(_decode(data, source), f"pylock file {source}")
    packages = doc.get("packages")
    if not isinstance(packages, list):
        raise UsageError(f"pylock file {source}: 'packages' must be an array of tables")
    out: dict[str, list[Identity]] = {}
    for i, package in enumerate(packages):
        where = f"{source}: packages[{i}]"
        if not isinstance(package, dict):
            raise UsageError(f"{where}: expected a table")
        identities = _identities(package.get(_KEY), where)
        if identities:
            out.setdefault(canonical_name(package.get("name"), where), []).extend(identities)
    return {name: _sorted(ids) for name, ids in out.items()}


def parse_pins_file(data: bytes, source: str) -> dict[str, tuple[Identity, ...]]:
    """A ``pyslsa.pins.toml`` (strict: its schema, known keys only, each package once)."""
    doc = loads_toml(_decode(data, source), f"pins file {source}")
    for key in doc:
        if key not in ("schema", "packages"):
            raise UsageError(f"pins file {source}: unknown key {show(key)} (known: schema, packages)")
    if doc.get("schema") != PINS_SCHEMA:
        raise UsageError(f"pins file {source}: 'schema' must be {PINS_SCHEMA!r}, got {show(doc.get('schema'))}")
    packages = doc.get("packages", [])
    if not isinstance(packages, list):
        raise UsageError(f"pins file {source}: 'packages' must be an array of [[packages]] tables")
    out: dict[str, tuple[Identity, ...]] = {}
    for i, package in enumerate(packages):
        where = f"pins file {source}: packages[{i}]"
        if not isinstance(package, dict):
            raise UsageError(f"{where}: expected a table")
        for key in package:
            if key not in ("name", _KEY):
                raise UsageError(f"{where}: unknown key {show(key)} (known: name, {_KEY})")
        name = canonical_name(package.get("name"), where)
        if name in out:
            raise UsageError(f"{where}: package {show(name)} is pinned twice")
        out[name] = _sorted(_identities(package.get(_KEY), where))
    return out


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{source} is not UTF-8 text (byte {exc.start})") from None


# -- writing ------------------------------------------------------------------------------------------------------


def pins_file_bytes(pins: PinSet) -> bytes:
    """A whole ``pyslsa.pins.toml`` (packages in name order, identities sorted: the same pins, the same bytes)."""
    parts = [
        "# Publisher identities pinned by `pyslsa audit --update-pins` (trust on first use).\n"
        "# Review changes to this file like changes to a lockfile.\n",
        f"schema = {toml_string(PINS_SCHEMA)}\n",
    ]
    for name in sorted(pins):
        identities = _sorted(pins[name])
        if not identities:
            continue
        parts.append(f"\n[[packages]]\nname = {toml_string(name)}\n")
        parts.extend("\n" + _identity_toml(i, "\n") for i in identities)
    return "".join(parts).encode("utf-8")


_HEADER = re.compile(r"\A[ \t]*(\[\[?)[ \t]*(?P<key>[^\]\[#]+?)[ \t]*(\]\]?)[ \t]*(?:#.*)?\Z")


def _header_path(line: str) -> tuple[tuple[str, ...], bool] | None:
    """The dotted key of a table header line, and whether it is an array of tables; None for other lines."""
    m = _HEADER.match(line.rstrip("\r\n"))
    if m is None:
        return None
    is_array = m.group(1) == "[["
    if is_array != (m.group(3) == "]]"):
        return None
    parts = []
    for raw in m.group("key").split("."):
        part = raw.strip()
        if len(part) >= 2 and part[0] == part[-1] and part[0] in "\"'":
            part = part[1:-1]
        if not part:
            return None
        parts.append(part)
    return tuple(parts), is_array


def _without_identities(doc: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(doc)
    out["packages"] = [{k: v for k, v in p.items() if k != _KEY} if isinstance(p, dict) else p
                       for p in doc.get("packages", [])]
    return out


def pylock_with_identities(data: bytes, updates: PinSet, source: str) -> bytes:
    """The pylock file ``data`` with the ``[[packages.attestation-identities]]`` tables of the packages in
    ``updates`` replaced (in place when it has some, else appended to the package's tables), every other byte
    kept. The result is re-parsed and compared with the original: anything but the intended change (a layout this
    edit cannot handle, such as inline ``packages`` or inline identities) is a :class:`UsageError`, and nothing
    is to be written."""
    bom = data.startswith(b"\xef\xbb\xbf")
    text = _decode(data, source)
    what = f"pylock file {source}"
    original = loads_toml(text, what)
    packages = original.get("packages")
    if not isinstance(packages, list) or not all(isinstance(p, dict) for p in packages):
        raise UsageError(f"{what}: 'packages' must be an array of tables")
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    headers = [(i, h) for i, line in enumerate(lines) if (h := _header_path(line)) is not None]
    starts = [i for i, (path, is_array) in headers if path == ("packages",) and is_array]
    if len(starts) != len(packages):
        raise UsageError(f"{what}: cannot place attestation identities: the file does not write each package as a "
                         f"[[packages]] table (found {len(starts)} headers for {len(packages)} packages)")
    names = [canonical_name(p.get("name"), f"{what}: packages[{i}]") for i, p in enumerate(packages)]
    wanted = {canonical_name(n, f"{what}: update"): _sorted(ids) for n, ids in updates.items()}
    for name in wanted:
        if name not in names:
            raise UsageError(f"{what}: no package {show(name)} to pin")
    edits: list[tuple[int, int, str]] = []  # (first line, end line exclusive, replacement)
    for index, start in enumerate(starts):
        if names[index] not in wanted:
            continue
        end = next((i for i, (path, _) in headers if i > start and (path[0] != "packages" or path == ("packages",))),
                   len(lines))
        inner = [i for i, (path, is_array) in headers if start < i < end]
        blocks = []
        for i in inner:
            path, is_array = next(h for j, h in headers if j == i)
            if path == ("packages", _KEY) and is_array:
                block_end = next((j for j in inner if j > i), end)
                while block_end > i + 1 and not lines[block_end - 1].strip():
                    block_end -= 1  # the blank lines before the next table are not the block's
                blocks.append((i, block_end))
        new = "".join(_identity_toml(ident, newline) for ident in wanted[names[index]])
        if blocks:
            (head, head_end), *rest = blocks
            edits.append((head, head_end, new))
            edits.extend((b, e, "") for b, e in rest)
        else:
            last = end
            while last > start + 1 and not lines[last - 1].strip():
                last -= 1
            if not lines[last - 1].endswith(("\n", "\r")):
                new = newline + new
            edits.append((last, last, newline + new if new else ""))
    for first, stop, replacement in sorted(edits, reverse=True):
        lines[first:stop] = [replacement] if replacement else []
    result = "".join(lines)
    _verify_edit(original, result, wanted, names, what)
    return (b"\xef\xbb\xbf" if bom else b"") + result.encode("utf-8")


def _verify_edit(original: Mapping[str, Any], result: str, wanted: PinSet, names: list[str], what: str) -> None:
    try:
        edited = loads_toml(result, what)
    except UsageError as exc:
        raise UsageError(f"{what}: cannot insert attestation identities into this layout ({exc.message})") from None
    if _without_identities(edited) != _without_identities(original):
        raise UsageError(f"{what}: inserting attestation identities would change more than them: not written")
    for i, name in enumerate(names):
        got = _identities(edited["packages"][i].get(_KEY), f"{what}: packages[{i}]")
        want = wanted[name] if name in wanted else _identities(original["packages"][i].get(_KEY), what)
        if tuple(got) != tuple(want):
            raise UsageError(f"{what}: the attestation identities of {show(name)} did not come out as intended: "
                             f"not written")
