"""The seam between the proxy and whatever decides: what the proxy knows about a file, and the verdict it gets back.

Nothing here imports starlette, uvicorn or httpx: a decider (the ``audit`` engine, a test's rules file) depends on
this module only.

The proxy calls :meth:`Decider.decide` on **every** request that needs a verdict (each download; each project page
when ``on_fail`` is ``hide``) and never caches the answer; only the raw evidence it hands over is cached. A decider
that reads a policy file should therefore re-read it when it changes (for instance when its ``st_mtime_ns`` or size
moved since the last call): a policy edit then applies to the next request, without a restart.

``decide`` runs in a worker thread (it may do CPU work or I/O of its own, e.g. fetch GitHub attestations by digest),
bounded by :attr:`pyslsa.serve.Limits.decide_timeout`. An exception, a timeout or an answer that is not a
:class:`Decision` with a known verdict counts as ``failed`` with the code ``decider-error``: fail closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Verdict = Literal["verified", "unattested", "allowed", "failed"]
#: The code of a decision the decider could not make (it raised, timed out, answered something else, or cannot
#: read its policy): it counts as ``failed``.
DECIDER_ERROR = "decider-error"
#: Every verdict, in the order the status page counts them.
VERDICTS: tuple[Verdict, ...] = ("verified", "unattested", "allowed", "failed")


@dataclass(frozen=True)
class UpstreamFile:
    """One distribution file as the upstream index lists it (nothing here is trusted but the bytes' sha256, which
    the proxy checks every download against).

    ``yanked`` is False, True, or the reason string; ``metadata_sha256`` is the PEP 658/714 core metadata file's
    digest when the index declares one (a metadata file without a declared sha256 is not offered by the proxy);
    ``provenance_listed`` says whether the page said anything about PEP 740 provenance (a URL, or null for none):
    when it did not, the integrity API beside the upstream's ``/simple/`` is asked.
    """

    project: str  # normalised (PEP 503)
    filename: str
    version: str
    kind: str  # "wheel" | "sdist"
    url: str  # absolute upstream URL, without fragment
    sha256: str  # lowercase hex
    size: int | None = None
    upload_time: str | None = None
    yanked: bool | str = False
    requires_python: str | None = None
    metadata_sha256: str | None = None
    provenance_url: str | None = None
    provenance_listed: bool = False


@dataclass(frozen=True)
class DecisionRequest:
    """What the decider is given for one file."""

    project: str  # normalised (PEP 503)
    version: str
    filename: str
    sha256: str  # the index's digest; the bytes served are checked against it
    #: The upstream's PEP 740 provenance object for this file, raw as fetched (and cached), or None if the upstream
    #: has none. Unverified: checking it is the decider's job.
    provenance: bytes | None
    provenance_url: str | None  # where upstream serves it (for evidence records)
    file: UpstreamFile


@dataclass(frozen=True)
class Decision:
    """A verdict for one file. ``failed`` is the only verdict that refuses (in ``enforce`` mode): a decider whose
    policy requires evidence returns ``failed`` with the code ``unattested`` for a file without it.

    ``code`` is a stable kebab-case word (pyslsa's codes: ``mismatch-source``, ``publisher-changed``, ...; None for
    a pass), ``message`` one line naming expected vs got, ``evidence`` a JSON-serialisable record of what was looked
    at (it goes to the decision log and ``/-/decisions.json`` as is).
    """

    verdict: Verdict
    code: str | None = None
    message: str = ""
    evidence: Mapping[str, Any] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return self.verdict == "failed"


@runtime_checkable
class Decider(Protocol):
    """Decides whether one file may be served. Called on every request that needs a verdict (never cached)."""

    def decide(self, request: DecisionRequest) -> Decision:
        """The verdict for ``request`` under the policy in force now (re-read the policy if it changed)."""
        ...

    def describe(self) -> str:
        """One line for the status page: the policy in force (file, its mtime or digest, pins...)."""
        ...


__all__ = ["DECIDER_ERROR", "VERDICTS", "Decider", "Decision", "DecisionRequest", "UpstreamFile", "Verdict"]
