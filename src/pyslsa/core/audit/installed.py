"""Whether an installed distribution is the wheel the index serves: its RECORD against the wheel's (pure).

The audit infers, for an installed distribution, the index's wheel of the same name, version and tags, and checks
that the install came from it: every file the wheel's RECORD lists was installed with the same digest, and the
installed RECORD lists nothing else than what an installer adds. What an installer does, and so what is accepted
(the wheel specification, "Installing a wheel"; pip and uv do exactly this):

* a file of the wheel is installed at its own path (relative to ``site-packages``) with the same digest;
* ``<name>-<version>.data/purelib/P`` and ``.../platlib/P`` are installed as ``P``; ``.../scripts/S`` into the
  scripts directory (a RECORD path ending in ``/S`` outside ``site-packages``), with the same digest unless its
  first line is ``#!python`` (then the installer rewrites the interpreter line); ``.../headers/P`` and
  ``.../data/P`` under the environment prefix (a path ending in ``/P``), same digest;
* the wheel's own ``RECORD`` (and its signatures ``RECORD.jws`` / ``RECORD.p7s``) is rewritten by the installer;
* the installer adds ``INSTALLER``, ``REQUESTED``, ``direct_url.json`` and ``RECORD`` to the ``.dist-info``, the
  ``.pyc`` files it compiles, and a launcher for each console or GUI entry point of the wheel's
  ``entry_points.txt`` (outside ``site-packages``).

Anything else -- a file of the wheel missing or with another digest, an installed file the wheel does not have --
is a difference, listed in the error.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from pyslsa.errors import MismatchHashError

__all__ = ["INSTALLER_FILES", "RecordRow", "compare_records"]

#: What an installer may add to a ``.dist-info`` directory.
INSTALLER_FILES = frozenset({"INSTALLER", "REQUESTED", "direct_url.json", "RECORD"})
_SIGNATURES = ("RECORD.jws", "RECORD.p7s")


@dataclass(frozen=True)
class RecordRow:
    """One RECORD row: a ``/``-separated path, ``ALGO=DIGEST`` or None, a size or None."""

    path: str
    hash: str | None
    size: int | None = None


def _digest(value: str | None) -> str | None:
    if value is None:
        return None
    algo, _, digest = value.partition("=")
    return f"{algo.lower()}={digest.rstrip('=')}"


def _script_name(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    for suffix in (".exe", "-script.py", "-script.pyw"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def compare_records(wheel: Sequence[RecordRow], installed: Sequence[RecordRow], *, dist_info: str,
                    entry_points: Collection[str] = (), rewritten_scripts: Collection[str] = (),
                    wheel_name: str = "the wheel") -> MismatchHashError | None:
    """None when ``installed`` (the installed RECORD) is what installing ``wheel`` (its RECORD) gives; else a
    ``mismatch-hash`` naming the first differences. ``dist_info``: the ``NAME-VERSION.dist-info`` directory name;
    ``entry_points``: the wheel's console and GUI script names; ``rewritten_scripts``: the wheel paths of its
    ``.data/scripts`` files whose first line is ``#!python``."""
    data_dir = dist_info.removesuffix(".dist-info") + ".data/"
    by_path = {r.path: r for r in installed}
    used: set[str] = set()
    problems: list[str] = []
    outside = [r for r in installed if r.path.startswith("../")]
    for row in wheel:
        if row.path.startswith(f"{dist_info}/") and row.path[len(dist_info) + 1:] in ("RECORD", *_SIGNATURES):
            continue
        want = _digest(row.hash)
        if row.path.startswith(data_dir):
            category, _, rest = row.path[len(data_dir):].partition("/")
            if category in ("purelib", "platlib"):
                target = by_path.get(rest)
            else:  # scripts, headers, data: somewhere under the prefix
                suffix = "/" + (rest.rsplit("/", 1)[-1] if category == "scripts" else rest)
                target = next((r for r in outside if r.path.endswith(suffix) and r.path not in used), None)
            if target is None:
                problems.append(f"{row.path} (from the wheel) is not installed")
                continue
            used.add(target.path)
            if category == "scripts" and row.path in rewritten_scripts:
                continue
            if _digest(target.hash) != want:
                problems.append(f"{target.path}: the wheel has {want}, the install {_digest(target.hash)}")
            continue
        target = by_path.get(row.path)
        if target is None:
            problems.append(f"{row.path} (from the wheel) is not installed")
            continue
        used.add(target.path)
        if _digest(target.hash) != want:
            problems.append(f"{row.path}: the wheel has {want}, the install {_digest(target.hash)}")
    scripts = {s.lower() for s in entry_points}
    for row in installed:
        if row.path in used:
            continue
        if row.path.startswith(f"{dist_info}/") and row.path[len(dist_info) + 1:] in INSTALLER_FILES:
            continue
        if row.path.endswith(".pyc") and "__pycache__/" in row.path:
            continue
        if row.path.startswith("../") and _script_name(row.path).lower() in scripts:
            continue
        problems.append(f"{row.path} is installed but not in the wheel")
    if not problems:
        return None
    shown = "; ".join(problems[:3]) + (f" (+{len(problems) - 3} more)" if len(problems) > 3 else "")
    return MismatchHashError(f"the installed distribution is not {wheel_name} of the index: {shown}")
