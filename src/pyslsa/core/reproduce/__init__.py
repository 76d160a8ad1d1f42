"""Rebuilding a wheel from its sdist: what to build with, and how the rebuilt wheel compares. Pure.

Nothing here touches a file, the network or the clock: the edge (:mod:`pyslsa.commands.reproduce` and the
sources it calls) hands in bytes (the wheels, the sdist's ``pyproject.toml``), the sdist's member times and the
index's upload times, and gets back decisions (which backend version to pin, which ``SOURCE_DATE_EPOCH`` and
``TZ`` to try) and verdicts.

Modules, one per concern (each a pure function of what it is handed)
    * :mod:`.wheel`: the wheel read into memory with bounds (its entries, their zip metadata, its ``WHEEL`` file);
    * :mod:`.backend`: the ``Generator:`` line, the sdist's ``[build-system]``, and the pins to build with;
    * :mod:`.closure`: the build-dependency closure as of the wheel's upload (the edge feeds it the index's answers);
    * :mod:`.clock`: ``SOURCE_DATE_EPOCH`` and the time zone inferred from the zip and sdist times;
    * :mod:`.compare`: the published wheel against the rebuilt one (verdict, what differs, a capped diff);
    * :mod:`.outcome`: the attempts to make, what each gave, the verdict of a wheel and of a release.

The names the rest of pyslsa uses are re-exported here: ``from pyslsa.core.reproduce import X``. A bound a test
changes (``MAX_WHEEL_UNCOMPRESSED``, ``MAX_CLOSURE_PROJECTS``...) is read from the module that defines it.

How a build is inferred
    * the backend and its exact version from the wheel's ``WHEEL`` file, ``Generator:`` line (``flit X`` is
      ``flit_core``, ``bdist_wheel (X)`` is ``wheel`` with a setuptools older than 70.1, ``setuptools (X)``,
      ``hatchling X``, ``poetry-core X``, ``pdm-backend (X)``, ...);
    * the other build requirements from the sdist's ``pyproject.toml`` (``[build-system]``), and everything they
      pull in (their ``Requires-Dist``, followed to the end), pinned to their newest release uploaded before the
      wheel when the index says when that was (hatch-vcs -> setuptools-scm -> packaging, setuptools ... matter);
      nothing is pinned when ``backend-path`` builds in-tree;
    * ``SOURCE_DATE_EPOCH`` from the wheel's zip timestamps when most entries share one that is not the 1980
      default (backends write ``gmtime(SOURCE_DATE_EPOCH)``);
    * the time zone from the offset between the sdist's member times (tar mtimes, UTC) and the wheel's zip times
      (local wall-clock, as flit writes them without ``SOURCE_DATE_EPOCH``): one offset is a fixed zone, two an
      hour apart a zone with daylight saving (EU, US or southern rules, whichever explains every file).

How wheels compare
    byte-identical is ``reproducible``; the same members with the same bytes in another zip (timestamps, modes,
    order, compression) is ``content-identical``, with what differs; anything else is ``different``, with the
    members only in one of the wheels and the changed ones (a unified diff of text members, capped).
"""

from pyslsa.core.reproduce.backend import (
    LEGACY_BACKEND,
    LEGACY_REQUIRES,
    MAX_REQUIRED_BY_SHOWN,
    BuildSystem,
    Generator,
    Pin,
    PyprojectError,
    parse_build_system,
    parse_generator,
    plan_pins,
    requirement_name,
)
from pyslsa.core.reproduce.clock import ZIP_EPOCH, Zone, infer_source_date_epoch, infer_timezone, posix_offset
from pyslsa.core.reproduce.closure import (
    MAX_CLOSURE_PROJECTS,
    MAX_CLOSURE_ROUNDS,
    Closure,
    ClosurePin,
    ClosureRoots,
    ListedFile,
    closure_roots,
    first_uploads,
    newest_before,
    requires_dist,
    resolve_closure,
)
from pyslsa.core.reproduce.compare import (
    CONTENT_IDENTICAL,
    DIFFERENT,
    MAX_DIFF_INPUT_LINES,
    MAX_DIFF_LINE_CHARS,
    MAX_DIFF_LINES,
    MAX_DIFF_LINES_PER_FILE,
    MAX_EXAMPLES,
    MAX_TEXT_BYTES,
    REPRODUCIBLE,
    Comparison,
    FileChange,
    compare_wheels,
)
from pyslsa.core.reproduce.outcome import (
    COULD_NOT_BUILD,
    NOT_APPLICABLE,
    VERDICTS,
    Attempt,
    AttemptPlan,
    Inference,
    WheelOutcome,
    best_verdict,
    overall_verdict,
    plan_attempts,
)
from pyslsa.core.reproduce.wheel import (
    MAX_WHEEL_ENTRIES,
    MAX_WHEEL_UNCOMPRESSED,
    Member,
    Wheel,
    WheelFormatError,
    format_date_time,
    parse_wheel_file,
    read_wheel,
)

__all__ = [
    "CONTENT_IDENTICAL",
    "COULD_NOT_BUILD",
    "DIFFERENT",
    "LEGACY_BACKEND",
    "LEGACY_REQUIRES",
    "MAX_CLOSURE_PROJECTS",
    "MAX_CLOSURE_ROUNDS",
    "MAX_DIFF_INPUT_LINES",
    "MAX_DIFF_LINES",
    "MAX_DIFF_LINES_PER_FILE",
    "MAX_DIFF_LINE_CHARS",
    "MAX_EXAMPLES",
    "MAX_REQUIRED_BY_SHOWN",
    "MAX_TEXT_BYTES",
    "MAX_WHEEL_ENTRIES",
    "MAX_WHEEL_UNCOMPRESSED",
    "NOT_APPLICABLE",
    "REPRODUCIBLE",
    "VERDICTS",
    "ZIP_EPOCH",
    "Attempt",
    "AttemptPlan",
    "BuildSystem",
    "Closure",
    "ClosurePin",
    "ClosureRoots",
    "Comparison",
    "FileChange",
    "Generator",
    "Inference",
    "ListedFile",
    "Member",
    "Pin",
    "PyprojectError",
    "Wheel",
    "WheelFormatError",
    "WheelOutcome",
    "Zone",
    "best_verdict",
    "closure_roots",
    "compare_wheels",
    "first_uploads",
    "format_date_time",
    "infer_source_date_epoch",
    "infer_timezone",
    "newest_before",
    "overall_verdict",
    "parse_build_system",
    "parse_generator",
    "parse_wheel_file",
    "plan_attempts",
    "plan_pins",
    "posix_offset",
    "read_wheel",
    "requirement_name",
    "requires_dist",
    "resolve_closure",
]
