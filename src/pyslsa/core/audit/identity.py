"""Who published a file: the identities the audit compares (the policy's, the pinned ones, the verified ones).

A publisher identity has PEP 740's shape (the index's Trusted Publisher object, and PEP 751's
``[[packages.attestation-identities]]``): a ``kind`` and kind-specific keys -- for ``"GitHub"`` the
``repository`` (``ORG/REPO``), the ``workflow`` (the workflow file's name, ``release.yml``) and the optional
deployment ``environment``; for ``"GitLab"`` the ``repository`` (``NAMESPACE/.../PROJECT``), the
``workflow_filepath`` (the CI configuration's path, ``.gitlab-ci.yml``) and the optional ``environment``; other
kinds (``"Google"``: ``email``; ``"CircleCI"``: ``project_id``, ``pipeline_definition_id``, ``vcs_origin``,
``vcs_ref``) keep their keys as they are (:attr:`Identity.extra`). The OIDC issuer is implied by the kind.

GitHub workflows are compared in one form (:func:`normalize_workflow`): ``release.yml`` for a workflow of the
repository itself (``.github/workflows/release.yml``; GitHub keeps workflows directly in that folder), and
``ORG/REPO/.github/workflows/NAME.yml`` for a reusable workflow of another repository. A GitLab
``workflow_filepath`` is compared as it is (:func:`normalize_gitlab_workflow` only checks its shape).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pyslsa.core.pep740 import CIRCLECI, GITHUB, GITLAB
from pyslsa.core.pep740 import ISSUERS as _PEP740_ISSUERS

__all__ = ["EVIDENCE_KINDS", "GITHUB", "GITLAB", "ISSUERS", "EvidenceKind", "Identity", "VerifiedIdentity",
           "identity_source", "normalize_gitlab_workflow", "normalize_workflow"]

#: Where evidence for a file comes from: the index's PEP 740 provenance, GitHub's artifact attestations by
#: digest, a GitHub release's SLSA provenance, or a local file (``--evidence DIR``).
EvidenceKind = Literal["pep740", "github-attestation", "github-release", "local"]
EVIDENCE_KINDS: tuple[EvidenceKind, ...] = ("pep740", "github-attestation", "github-release", "local")

#: The OIDC issuer each PEP 740 publisher kind implies.
ISSUERS: dict[str, str] = dict(_PEP740_ISSUERS)

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


def normalize_gitlab_workflow(text: str) -> str:
    """A GitLab publisher's ``workflow_filepath`` (``.gitlab-ci.yml``, ``ci/release.yml``), compared as it is: a
    :class:`ValueError` for anything but a relative path of printable, non-blank segments (no ``.`` or ``..``)."""
    path = text.strip()
    parts = path.split("/")
    if not path or not path.isprintable() or re.search(r"\s", path) or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"{text!r} is not a GitLab CI configuration path: expected a relative path such as "
                         f".gitlab-ci.yml")
    return path


def identity_source(kind: str, repository: str, extra: tuple[tuple[str, str], ...] = ()) -> str | None:
    """The source repository an identity names, as the policy writes one (``host/path``, the host in lowercase):
    ``github.com/ORG/REPO``, ``gitlab.com/NAMESPACE/PROJECT``, a CircleCI publisher's ``vcs_origin``; None when
    it names none (a Google service account, a CircleCI publisher without ``vcs_origin``)."""
    if kind == GITHUB and repository:
        return f"github.com/{repository}"
    if kind == GITLAB and repository:
        return f"gitlab.com/{repository}"
    if kind == CIRCLECI:
        origin = dict(extra).get("vcs_origin")
        if origin:
            for prefix in ("git+https://", "https://", "http://"):
                origin = origin.removeprefix(prefix)
            host, _, path = origin.partition("/")
            return f"{host.lower()}/{path.removesuffix('.git').rstrip('/')}"
    return None


@dataclass(frozen=True)
class Identity:
    """A publisher identity as pins record it (PEP 740 / PEP 751 shape). ``workflow`` None: any workflow.
    ``extra`` holds the keys of other publisher kinds (GitLab, Google, ...), kept so a file round-trips."""

    kind: str
    repository: str = ""
    workflow: str | None = None
    environment: str | None = None
    extra: tuple[tuple[str, str], ...] = ()

    @property
    def issuer(self) -> str | None:
        return ISSUERS.get(self.kind)

    @property
    def source(self) -> str | None:
        """The source repository it names (:func:`identity_source`)."""
        return identity_source(self.kind, self.repository, self.extra)

    def describe(self) -> str:
        details = [d for d in (self.workflow, f"environment {self.environment}" if self.environment else None) if d]
        details += [f"{k} {v}" for k, v in self.extra]
        head = f"{self.kind} {self.repository}" if self.repository else self.kind
        return head + (f" ({', '.join(details)})" if details else "")


@dataclass(frozen=True)
class VerifiedIdentity:
    """What one piece of evidence proved about who published a file (the engine fills it from a verified
    certificate and, for PEP 740, the index's publisher object).

    ``repository`` is ``ORG/REPO`` (GitLab: ``NAMESPACE/.../PROJECT``; other kinds: empty); ``workflow`` is in
    :func:`normalize_workflow`'s form (GitLab: the ``workflow_filepath``); ``extra`` the keys of other publisher
    kinds, as :class:`Identity` keeps them; ``ref`` the source ref (``refs/tags/v1.2.3``); ``self_hosted`` what
    the certificate's runner-environment extension says (None when it has none: certificates issued before Fulcio
    added it). The deployment ``environment`` is known only from a PEP 740 publisher (certificates do not carry
    it): :attr:`states_environment` says whether the evidence states it (then None means "no environment")."""

    evidence: EvidenceKind
    url: str
    issuer: str
    repository: str
    workflow: str | None = None
    ref: str | None = None
    environment: str | None = None
    self_hosted: bool | None = None
    kind: str = GITHUB
    extra: tuple[tuple[str, str], ...] = ()

    @property
    def states_environment(self) -> bool:
        return self.evidence == "pep740"

    @property
    def source(self) -> str | None:
        """The source repository it proves (:func:`identity_source`)."""
        return identity_source(self.kind, self.repository, self.extra)

    def identity(self) -> Identity:
        """The identity a pin records for this evidence."""
        return Identity(self.kind, self.repository, self.workflow,
                        self.environment if self.states_environment else None, self.extra)

    def describe(self) -> str:
        return self.identity().describe()
