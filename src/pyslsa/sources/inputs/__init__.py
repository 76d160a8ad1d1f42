"""What ``audit`` reads: lockfiles, requirements files and installed environments, as one list of :class:`Pin`.

One small interface: an :class:`InputSource` yields :class:`Pin` records; one module per input kind implements it
(``requirements``, ``pylock``, ``uvlock``, ``poetry``, ``environment``). A pin is one *file* where the input names
files (a lockfile's wheels and sdist, each with its SHA-256), and one *requirement* where the input only gives
hashes (a ``requirements.txt`` line with several ``--hash`` options: several possible files, whose names the audit
later finds on the index by digest) or nothing at all (an installed distribution, a requirement without hashes).

Nothing here decides trust or touches the network: a pin says what the input claims, and where (``pinned_at``:
the input path as given and the line where the package's entry starts, for SARIF annotations and messages).
Every problem with an input (unreadable, too large, malformed, an include loop, a hostile name) is a
:class:`~pyslsa.errors.UsageError` (exit 2) naming the file and, where there is one, the line.

The kind of a path is recognised from its name (:func:`input_kind`) and then checked against the content by its
parser (a ``uv.lock`` that is not uv's format is an input error naming what is wrong).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING, ClassVar, Literal

from pyslsa.errors import UsageError

if TYPE_CHECKING:
    from pyslsa.sources.inputs.environment import InstalledDistribution

__all__ = ["MAX_INPUT_BYTES", "MAX_PINS", "InputKind", "InputSource", "Location", "Origin", "Pin", "collect_pins",
           "input_kind", "open_input"]

InputKind = Literal["requirements", "pylock", "uv-lock", "poetry-lock", "environment"]

#: Where a pinned file comes from. Only ``index`` files have index evidence (PEP 740 provenance, the index's
#: digest); the others (a direct URL, a VCS checkout, a local path or an editable install) are reported as not from
#: an index, never silently dropped. ``unknown``: an installed distribution that says nothing of its origin
#: (a legacy ``.egg-info`` install).
Origin = Literal["index", "url", "vcs", "local", "editable", "unknown"]

#: Largest input file read (a real lockfile of a few hundred packages is well under 1 MiB).
MAX_INPUT_BYTES = 50 * 1024 * 1024
#: Most pins one input may yield (a lockfile of 1,000 packages with 50 wheels each stays under it).
MAX_PINS = 100_000


@dataclass(frozen=True)
class Location:
    """Where an input pins something: the path as the user gave it (or as an include resolved it) and a 1-based
    line; ``line`` is 0 where there is no line (an installed distribution's ``.dist-info`` directory)."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Pin:
    """One file (or one requirement) an input pins.

    ``name`` is the PEP 503 canonical project name (for a requirement that names no project, a bare path or URL
    without ``#egg=``: that text as written). ``version`` is None when the input does not pin one exact version
    (the audit fails such a pin as ``not-pinned``). ``filename`` is None where the input names no file.
    ``sha256`` holds every hex digest the input allows for it (several for a ``requirements.txt`` line, one for a
    lockfile's file, none when the input pins no hash). ``url`` is the file's (or the direct reference's) URL if
    the input gives one, ``index`` the index URL it names. ``installed`` is set for an installed distribution.
    """

    name: str
    version: str | None
    filename: str | None
    sha256: frozenset[str]
    pinned_at: Location
    kind: InputKind
    origin: Origin = "index"
    url: str | None = None
    index: str | None = None
    marker: str | None = None
    extras: frozenset[str] = frozenset()
    size: int | None = None
    requirement: str | None = None  # the requirement as written (requirements files)
    installed: InstalledDistribution | None = field(default=None, compare=False)

    @property
    def from_index(self) -> bool:
        return self.origin == "index"


class InputSource(ABC):
    """One input (a file, or an environment) that yields pins."""

    kind: ClassVar[InputKind]

    @abstractmethod
    def collect(self) -> Iterator[Pin]:
        """Every pin of the input, in the input's order; a :class:`~pyslsa.errors.UsageError` on any problem."""


def input_kind(path: str) -> InputKind:
    """The kind of input a path names, from its file name alone (PEP 751's ``pylock.toml`` / ``pylock.NAME.toml``,
    ``uv.lock``, ``poetry.lock``, and any ``*.txt`` as a requirements file)."""
    from pyslsa.sources.inputs.pylock import is_pylock_name

    name = PurePath(path).name
    if is_pylock_name(name):
        return "pylock"
    if name == "uv.lock":
        return "uv-lock"
    if name == "poetry.lock":
        return "poetry-lock"
    if name.lower().endswith(".txt"):
        return "requirements"
    raise UsageError(f"cannot tell what kind of input {path!r} is from its name: expected requirements*.txt (or any "
                     f"*.txt), pylock.toml, pylock.NAME.toml, uv.lock or poetry.lock")


def open_input(path: str) -> InputSource:
    """The input source for a path (its kind from :func:`input_kind`; the content is checked when collected)."""
    kind = input_kind(path)
    if kind == "pylock":
        from pyslsa.sources.inputs.pylock import PylockInput

        return PylockInput(path)
    if kind == "uv-lock":
        from pyslsa.sources.inputs.uvlock import UvLockInput

        return UvLockInput(path)
    if kind == "poetry-lock":
        from pyslsa.sources.inputs.poetry import PoetryLockInput

        return PoetryLockInput(path)
    from pyslsa.sources.inputs.requirements import RequirementsInput

    return RequirementsInput(path)


def collect_pins(source: InputSource, limit: int = MAX_PINS) -> list[Pin]:
    """Every distinct pin of ``source`` in order (a file included twice yields its pins once); more than ``limit``
    is an input error."""
    seen: dict[Pin, None] = {}
    for pin in source.collect():
        seen.setdefault(pin, None)
        if len(seen) > limit:
            raise UsageError(f"input {pin.pinned_at.path!r} has more than {limit} entries: refusing it")
    return list(seen)
