"""The attempts and the outcome: what to try in turn, what each attempt gave, the verdict of a wheel (the best
of its attempts) and of the release (the worst of its wheels)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from pyslsa.core.reproduce.backend import Pin
from pyslsa.core.reproduce.clock import Zone
from pyslsa.core.reproduce.compare import (
    CONTENT_IDENTICAL,
    DIFFERENT,
    REPRODUCIBLE,
    Comparison,
    ComparisonVerdict,
)

COULD_NOT_BUILD: Final = "could-not-build"
NOT_APPLICABLE: Final = "not-applicable"
#: The verdict of an attempt, of a wheel, of a release.
Verdict = ComparisonVerdict | Literal["could-not-build", "not-applicable"]
#: Best first: the verdict of a wheel is the best of its attempts.
VERDICTS: tuple[Verdict, ...] = (REPRODUCIBLE, CONTENT_IDENTICAL, DIFFERENT, COULD_NOT_BUILD, NOT_APPLICABLE)


# -- the attempts ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptPlan:
    label: str  # "pinned backend", "+ SOURCE_DATE_EPOCH", "+ TZ"
    env: Mapping[str, str]  # what this attempt sets on top of the defaults (TZ=UTC)


def plan_attempts(epoch: int | None, zone: Zone | None, user_env: Mapping[str, str]) -> list[AttemptPlan]:
    """A small sequence: the pinned backend alone; then with the inferred SOURCE_DATE_EPOCH; then in the
    inferred time zone. Attempts that would build with the same environment are dropped; ``--env`` wins."""
    raw: list[AttemptPlan] = [AttemptPlan("pinned build requirements", {})]
    if epoch is not None:
        raw.append(AttemptPlan("+ SOURCE_DATE_EPOCH", {"SOURCE_DATE_EPOCH": str(epoch)}))
    if zone is not None:
        raw.append(AttemptPlan("+ TZ", {"TZ": zone.tz}))
    out: list[AttemptPlan] = []
    seen: list[dict[str, str]] = []
    for a in raw:
        env = {**a.env, **user_env}
        if env in seen:
            continue
        seen.append(env)
        out.append(AttemptPlan(a.label, env))
    return out


# -- the report ------------------------------------------------------------------------------------------------


@dataclass
class Attempt:
    number: int
    label: str
    pins: list[str]
    env: dict[str, str]  # what the attempt set (SOURCE_DATE_EPOCH, TZ, --env), not the whole environment
    verdict: Verdict
    seconds: float
    comparison: Comparison | None = None
    log_tail: list[str] = field(default_factory=list)
    reason: str = ""  # why it could not build
    rebuilt_filename: str | None = None
    #: the pins (of ``pins``) that other build requirements pulled in: counted, not listed, in the explanation
    dependency_pins: list[str] = field(default_factory=list)

    def explain(self) -> str:
        named = [p for p in self.pins if p not in self.dependency_pins]
        n = len(self.pins) - len(named)
        deps = f"{n} of their dependencies pinned by date" if n != 1 else "1 of their dependencies pinned by date"
        if named:
            parts = [f"built with {', '.join(named)}" + (f" (+ {deps})" if n else "")]
        elif n:
            parts = [f"built with {n} build {'dependency' if n == 1 else 'dependencies'} pinned by date"]
        else:
            parts = ["built with the sdist's own build requirements (unpinned)"]
        parts += [f"{k}={v}" for k, v in self.env.items()]
        return ", ".join(parts)


@dataclass
class Inference:
    generator: str | None = None
    backend: str | None = None
    build_requires: list[str] = field(default_factory=list)
    backend_path: list[str] = field(default_factory=list)
    pins: list[Pin] = field(default_factory=list)
    #: the wheel's upload time: the build requirements and their dependencies are pinned as of it
    pinned_as_of: dt.datetime | None = None
    source_date_epoch: int | None = None
    source_date_epoch_why: str = ""
    tz: str | None = None
    tz_why: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class WheelOutcome:
    filename: str
    verdict: Verdict
    reason: str = ""  # for not-applicable, or a summary
    sha256: str | None = None
    inference: Inference | None = None
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def best(self) -> Attempt | None:
        """The first reproducible attempt, else the one with the best verdict and the fewest differing entries."""
        if not self.attempts:
            return None
        return min(self.attempts, key=lambda a: (VERDICTS.index(a.verdict),
                                                 a.comparison.distance if a.comparison else 0, a.number))


def best_verdict(verdicts: Iterable[str]) -> str:
    return min(verdicts, key=VERDICTS.index, default=NOT_APPLICABLE)


def overall_verdict(outcomes: Sequence[WheelOutcome]) -> Verdict:
    """Reproducible when every wheel that could be rebuilt (pure-Python) was; else the worst such wheel's verdict;
    not-applicable when no wheel could be tried."""
    tried = [o.verdict for o in outcomes if o.verdict != NOT_APPLICABLE]
    if not tried:
        return NOT_APPLICABLE
    return max(tried, key=VERDICTS.index)


__all__ = [
    "COULD_NOT_BUILD",
    "NOT_APPLICABLE",
    "VERDICTS",
    "Attempt",
    "AttemptPlan",
    "Inference",
    "Verdict",
    "WheelOutcome",
    "best_verdict",
    "overall_verdict",
    "plan_attempts",
]
