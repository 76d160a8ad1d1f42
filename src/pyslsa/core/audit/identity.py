"""Who published a file: the identities the audit compares (the policy's, the pinned ones, the verified ones).

A publisher identity has PEP 740's shape (the index's Trusted Publisher object, and PEP 751's
``[[packages.attestation-identities]]``): a ``kind`` (``"GitHub"``) and kind-specific keys -- for GitHub the
``repository`` (``ORG/REPO``), the ``workflow`` (the workflow file's name, ``release.yml``) and the optional
deployment ``environment``. The OIDC issuer is implied by the kind.

Workflows are compared in that one form (:func:`normalize_workflow`): ``release.yml`` for a workflow of the
repository itself (``.github/workflows/release.yml``; GitHub keeps workflows directly in that folder), and
``ORG/REPO/.github/workflows/NAME.yml`` for a reusable workflow of another repository.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pyslsa.core.pep740 import GITHUB_ISSUER

__all__ = ["EVIDENCE_KINDS", "GITHUB", "ISSUERS", "EvidenceKind", "Identity", "VerifiedIdentity", "normalize_workflow"]

#: Where evidence for a file comes from: the index's PEP 740 provenance, GitHub's artifact attestations by
#: digest, a GitHub release's SLSA provenance, or a local file (``--evidence DIR``).
EvidenceKind = Literal["pep740", "github-attestation", "github-release", "local"]
EVIDENCE_KINDS: tuple[EvidenceKind, ...] = ("pep740", "github-attestation", "github-release", "local")

GITHUB = "GitHub"
#: The OIDC issuer each PEP 740 publisher kind implies.
ISSUERS: dict[str, str] = {
    GITHUB: GITHUB_ISSUER,
    "GitLab": "https://gitlab.com",
    "Google": "https://accounts.google.com",
}

_WORKFLOWS = ".github/workflows/"
_PART = re.compile(r"\A[A-Za-z0-9_.-]+\Z")
_FILE = re.compile(r"\A[A-Za-z0-9_.-]+\.ya?ml\Z")


def normalize_workflow(text: str, repository: str | None = None) -> str:
    """A GitHub workflow in the one form the audit compares: ``release.yml`` for ``release.yml`` or
    ``.github/workflows/release.yml`` (or ``REPOSITORY/.github/workflows/release.yml`` when ``repository`` is
    that repository), ``ORG/REPO/.github/workflows/x.yml`` for another repository's. A :class:`ValueError` for
    anything else (a ref, a subfolder, a path climbing out, whitespace)."""
    path = text.strip()
    if repository is not None and path.startswith(f"{repository}/{_WORKFLOWS}"):
        path = path[len(repository) + 1:]
    if path.startswith(_WORKFLOWS):
        path = path[len(_WORKFLOWS):]
    if _FILE.match(path) and path not in (".", ".."):
        return path
    org, _, rest = path.partition("/")
    repo, _, rest = rest.partition("/")
    if (rest.startswith(_WORKFLOWS) and _FILE.match(rest[len(_WORKFLOWS):])
            and all(_PART.match(p) and p not in (".", "..") for p in (org, repo))):
        return path
    raise ValueError(f"{text!r} is not a GitHub workflow: expected NAME.yml, .github/workflows/NAME.yml or "
                     f"ORG/REPO/.github/workflows/NAME.yml")


@dataclass(frozen=True)
class Identity:
    """A publisher identity as pins record it (PEP 740 / PEP 751 shape). ``workflow`` None: any workflow.
    ``extra`` holds the keys of other publisher kinds (GitLab, Google, ...), kept so a file round-trips."""

    kind: str
    repository: str
    workflow: str | None = None
    environment: str | None = None
    extra: tuple[tuple[str, str], ...] = ()

    @property
    def issuer(self) -> str | None:
        return ISSUERS.get(self.kind)

    def describe(self) -> str:
        details = [d for d in (self.workflow, f"environment {self.environment}" if self.environment else None) if d]
        details += [f"{k} {v}" for k, v in self.extra]
        return f"{self.kind} {self.repository}" + (f" ({', '.join(details)})" if details else "")


@dataclass(frozen=True)
class VerifiedIdentity:
    """What one piece of evidence proved about who published a file (the engine fills it from a verified
    certificate and, for PEP 740, the index's publisher object).

    ``repository`` is ``ORG/REPO``; ``workflow`` is in :func:`normalize_workflow`'s form; ``ref`` the source ref
    (``refs/tags/v1.2.3``); ``self_hosted`` what the certificate's runner-environment extension says (None when it
    has none: certificates issued before Fulcio added it). The GitHub deployment ``environment`` is known only
    from a PEP 740 publisher (certificates do not carry it): :attr:`states_environment` says whether the evidence
    states it (then None means "no environment")."""

    evidence: EvidenceKind
    url: str
    issuer: str
    repository: str
    workflow: str | None = None
    ref: str | None = None
    environment: str | None = None
    self_hosted: bool | None = None
    kind: str = GITHUB

    @property
    def states_environment(self) -> bool:
        return self.evidence == "pep740"

    def identity(self) -> Identity:
        """The identity a pin records for this evidence."""
        return Identity(self.kind, self.repository, self.workflow,
                        self.environment if self.states_environment else None)

    def describe(self) -> str:
        return self.identity().describe()
