"""The audit policy: which packages must carry verified evidence, from which publisher, and the reviewed exceptions.

The contract (a ``pyslsa.toml``, or the ``[tool.pyslsa]`` table of a ``pyproject.toml``)::

    require = "listed"            # "all" | "listed" | "none": which packages must carry verified evidence
    self-hosted-runners = false   # refuse certificates whose runner environment is self-hosted
    [packages.aws-lambda-powertools]
    repository = "github.com/aws-powertools/powertools-lambda-python"   # the source repository
    workflow = ".github/workflows/release.yml"    # optional: the signer workflow (or a list of them)
    environment = "release"                       # optional: the PEP 740 publisher's environment
    ref = "refs/tags/v*"                          # optional: a glob on the source ref
    evidence = ["pep740", "github-attestation", "github-release"]   # optional: where to look (default: all)
    release-tag = "v{version}"                    # optional: the GitHub release tag of a version
    [[exceptions]]
    package = "six"
    reason = "no attestations upstream; reviewed"
    owner = "security@example.com"
    expires = 2027-06-30          # past this date the exception no longer applies

``release-tag`` is the one key beyond the issue's example: the tag template the ``github-release`` evidence needs
(default ``v{version}``). Every key of an exception is required: an exception is a reviewed debt, with an owner
and an end. Package names are compared in PEP 503 form; two entries that normalise alike are an error.
``repository`` takes ``github.com/ORG/REPO`` with or without ``https://`` (or ``git+https://``, ``.git``), through
pyslsa's one normaliser (:func:`pyslsa.core.github.normalize_source_uri`, form ``host-path``); a GitLab project is
``gitlab.com/NAMESPACE/.../PROJECT``, and its ``workflow`` the publisher's ``workflow_filepath`` (``.gitlab-ci.yml``),
compared as it is.

Every problem is a :class:`~pyslsa.errors.UsageError` (exit 2) naming the key and its table: an unknown key, a
wrong type, malformed TOML (with line and column). Nothing here reads a clock: whether an exception has expired is
asked with ``today``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any, Literal

from packaging.utils import canonicalize_name

from pyslsa.core.audit.identity import EVIDENCE_KINDS, EvidenceKind, normalize_gitlab_workflow, normalize_workflow
from pyslsa.core.audit.names import canonical_name, show
from pyslsa.core.audit.toml import loads_toml
from pyslsa.core.github import normalize_source_uri
from pyslsa.errors import UsageError

__all__ = ["DEFAULT_POLICY", "REQUIRE_VALUES", "PackagePolicy", "Policy", "PolicyException", "Require",
           "expired_exceptions", "normalize_repository", "parse_policy", "policy_from_pyproject", "policy_from_table"]

Require = Literal["all", "listed", "none"]
REQUIRE_VALUES: tuple[Require, ...] = ("all", "listed", "none")

_TOP_KEYS = ("require", "self-hosted-runners", "packages", "exceptions")
_PACKAGE_KEYS = ("repository", "workflow", "environment", "ref", "evidence", "release-tag")
_EXCEPTION_KEYS = ("package", "reason", "owner", "expires")
_MAX_TEXT = 1024
_REPO_PART = re.compile(r"\A[A-Za-z0-9_.-]+\Z")
_HOST = re.compile(r"\A[A-Za-z0-9.-]+(:[0-9]+)?\Z")


@dataclass(frozen=True)
class PackagePolicy:
    """What the policy says of one package (``name`` in PEP 503 form)."""

    name: str
    repository: str | None = None  # "github.com/ORG/REPO"
    workflows: tuple[str, ...] = ()  # normalize_workflow's form; empty: any
    environment: str | None = None
    ref: str | None = None  # a glob (fnmatch, case-sensitive; '*' also matches '/')
    evidence: tuple[EvidenceKind, ...] = ()  # empty: every kind that applies
    release_tag: str = "v{version}"

    @property
    def expected_repository(self) -> str | None:
        """The repository as a publisher names it (``ORG/REPO`` for GitHub), or None when the policy names none."""
        return normalize_source_uri(self.repository, "repository") if self.repository is not None else None

    def tag_for(self, version: str) -> str:
        """The GitHub release tag of ``version``."""
        return self.release_tag.replace("{version}", version)


@dataclass(frozen=True)
class PolicyException:
    """A reviewed exception: the package is ``allowed`` without evidence until ``expires`` (that day included)."""

    package: str
    reason: str
    owner: str
    expires: date

    def active(self, today: date) -> bool:
        return today <= self.expires


@dataclass(frozen=True)
class Policy:
    require: Require = "listed"
    self_hosted_runners: bool = False
    packages: tuple[PackagePolicy, ...] = ()
    exceptions: tuple[PolicyException, ...] = ()
    source: str = "the default policy"  # where it was read, for messages

    @cached_property
    def _by_name(self) -> dict[str, PackagePolicy]:
        return {p.name: p for p in self.packages}

    def package(self, name: str) -> PackagePolicy | None:
        """The policy entry of a package (``name`` in any spelling), or None."""
        return self._by_name.get(canonicalize_name(name))

    def requires_evidence(self, name: str) -> bool:
        """Whether a file of this package that no evidence covers fails the audit."""
        return self.require == "all" or (self.require == "listed" and self.package(name) is not None)

    def exception(self, name: str, today: date) -> PolicyException | None:
        """The package's exception if it applies ``today``."""
        found = self._exception(name)
        return found if found is not None and found.active(today) else None

    def expired_exception(self, name: str, today: date) -> PolicyException | None:
        """The package's exception if it has expired by ``today`` (to say so in messages)."""
        found = self._exception(name)
        return found if found is not None and not found.active(today) else None

    def _exception(self, name: str) -> PolicyException | None:
        key = canonicalize_name(name)
        return next((e for e in self.exceptions if e.package == key), None)


DEFAULT_POLICY = Policy()


def expired_exceptions(policy: Policy, today: date) -> tuple[PolicyException, ...]:
    """The exceptions that no longer apply ``today``."""
    return tuple(e for e in policy.exceptions if not e.active(today))


# -- parsing ------------------------------------------------------------------------------------------------------


def _text(data: bytes | str, source: str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"policy {source} is not UTF-8 text (byte {exc.start})") from None


def parse_policy(data: bytes | str, source: str) -> Policy:
    """A policy file (``pyslsa.toml``): the whole document is the policy."""
    return policy_from_table(loads_toml(_text(data, source), f"policy {source}"), source)


def policy_from_pyproject(data: bytes | str, source: str) -> Policy | None:
    """The ``[tool.pyslsa]`` table of a ``pyproject.toml``, or None when it has none."""
    doc = loads_toml(_text(data, source), f"{source}")
    tool = doc.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise UsageError(f"{source}: 'tool' must be a table")
    table = tool.get("pyslsa")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise UsageError(f"{source}: [tool.pyslsa] must be a table")
    return policy_from_table(table, source, "tool.pyslsa")


def _where(source: str, table: str) -> str:
    return f"policy {source}: [{table}]" if table else f"policy {source}"


def _unknown_keys(table: Mapping[str, Any], known: tuple[str, ...], where: str) -> None:
    for key in table:
        if key not in known:
            raise UsageError(f"{where}: unknown key {show(key)} (known: {', '.join(known)})")


def _string(table: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
    value = table.get(key)
    if value is None:
        if required:
            raise UsageError(f"{where}: missing {key!r}")
        return None
    if not isinstance(value, str):
        raise UsageError(f"{where}: {key!r} must be a string, got {type(value).__name__} {show(value)}")
    if not value.strip() or len(value) > _MAX_TEXT or not value.isprintable():
        raise UsageError(f"{where}: {key!r} must be a non-empty line of printable text, got {show(value)}")
    return value


def policy_from_table(table: Mapping[str, Any], source: str, prefix: str = "") -> Policy:
    """A policy from its parsed TOML table (``prefix``: where the table sits, for messages)."""
    where = _where(source, prefix)
    _unknown_keys(table, _TOP_KEYS, where)
    require = table.get("require", "listed")
    if require not in REQUIRE_VALUES:
        raise UsageError(f"{where}: 'require' must be one of {', '.join(map(repr, REQUIRE_VALUES))}, got "
                         f"{show(require)}")
    hosted = table.get("self-hosted-runners", False)
    if not isinstance(hosted, bool):
        raise UsageError(f"{where}: 'self-hosted-runners' must be true or false, got {show(hosted)}")
    packages_table = table.get("packages", {})
    if not isinstance(packages_table, dict):
        raise UsageError(f"{where}: 'packages' must be a table of [packages.NAME] tables")
    packages: dict[str, PackagePolicy] = {}
    for raw_name, entry in packages_table.items():
        sub = f"{prefix}.packages" if prefix else "packages"
        name = canonical_name(raw_name, _where(source, sub))
        if name in packages:
            raise UsageError(f"{_where(source, sub)}: package {show(raw_name)} is listed twice (as "
                             f"{show(name)} once normalised)")
        packages[name] = _package(name, entry, _where(source, f"{sub}.{raw_name}"))
    raw_exceptions = table.get("exceptions", [])
    if not isinstance(raw_exceptions, list):
        raise UsageError(f"{where}: 'exceptions' must be an array of [[exceptions]] tables")
    exceptions: dict[str, PolicyException] = {}
    for i, entry in enumerate(raw_exceptions):
        exc = _exception(entry, _where(source, f"{prefix}.exceptions" if prefix else "exceptions") + f" #{i + 1}")
        if exc.package in exceptions:
            raise UsageError(f"{where}: two exceptions for package {show(exc.package)}")
        exceptions[exc.package] = exc
    return Policy(require, hosted, tuple(packages.values()), tuple(exceptions.values()), source)


def normalize_repository(value: str, where: str) -> str:
    """``github.com/ORG/REPO`` (scheme, ``.git`` and a final ``/`` removed; the host in lowercase)."""
    text = normalize_source_uri(value, "host-path")
    host, _, path = text.partition("/")
    parts = path.split("/")
    if not _HOST.match(host) or len(parts) < 2 or not all(_REPO_PART.match(p) and p not in (".", "..")
                                                         for p in parts):
        raise UsageError(f"{where}: 'repository' must be like github.com/ORG/REPO, got {show(value)}")
    host = host.lower()
    if host == "github.com" and len(parts) != 2:
        raise UsageError(f"{where}: 'repository' must be github.com/ORG/REPO, got {show(value)}")
    return "/".join([host, *parts])


def _package(name: str, entry: Any, where: str) -> PackagePolicy:
    if not isinstance(entry, dict):
        raise UsageError(f"{where} must be a table")
    _unknown_keys(entry, _PACKAGE_KEYS, where)
    repository = _string(entry, "repository", where)
    if repository is not None:
        repository = normalize_repository(repository, where)
    raw_workflows = entry.get("workflow")
    if raw_workflows is None:
        workflow_list: list[Any] = []
    elif isinstance(raw_workflows, list):
        if not raw_workflows:
            raise UsageError(f"{where}: 'workflow' must not be an empty list")
        workflow_list = raw_workflows
    else:
        workflow_list = [raw_workflows]
    workflows = []
    gitlab = repository is not None and repository.startswith("gitlab.com/")
    for w in workflow_list:
        text = _string({"workflow": w}, "workflow", where)
        assert text is not None
        try:
            owner = normalize_source_uri(repository, "repository") if repository else None
            workflows.append(normalize_gitlab_workflow(text) if gitlab else normalize_workflow(text, owner))
        except ValueError:
            if gitlab:
                raise UsageError(f"{where}: 'workflow' must be the GitLab CI configuration's path (.gitlab-ci.yml), "
                                 f"got {show(text)}") from None
            raise UsageError(f"{where}: 'workflow' must be a workflow file (NAME.yml, .github/workflows/NAME.yml "
                             f"or ORG/REPO/.github/workflows/NAME.yml), got {show(text)}") from None
    environment = _string(entry, "environment", where)
    ref = _string(entry, "ref", where)
    raw_evidence = entry.get("evidence")
    evidence: list[EvidenceKind] = []
    if raw_evidence is not None:
        if not isinstance(raw_evidence, list) or not raw_evidence:
            raise UsageError(f"{where}: 'evidence' must be a non-empty list of "
                             f"{', '.join(map(repr, EVIDENCE_KINDS))}")
        for kind in raw_evidence:
            match = next((k for k in EVIDENCE_KINDS if k == kind), None)
            if match is None:
                raise UsageError(f"{where}: unknown evidence kind {show(kind)} (known: "
                                 f"{', '.join(EVIDENCE_KINDS)})")
            if match not in evidence:
                evidence.append(match)
    tag = _string(entry, "release-tag", where) or "v{version}"
    if "{version}" not in tag or re.search(r"[{}]", tag.replace("{version}", "")) or re.search(r"\s", tag):
        raise UsageError(f"{where}: 'release-tag' must contain {{version}} and no other braces or spaces, got "
                         f"{show(tag)}")
    return PackagePolicy(name, repository, tuple(workflows), environment, ref, tuple(evidence), tag)


def _exception(entry: Any, where: str) -> PolicyException:
    if not isinstance(entry, dict):
        raise UsageError(f"{where} must be a table")
    _unknown_keys(entry, _EXCEPTION_KEYS, where)
    package = canonical_name(_string(entry, "package", where, required=True), where)
    reason = _string(entry, "reason", where, required=True)
    owner = _string(entry, "owner", where, required=True)
    expires = entry.get("expires")
    if expires is None:
        raise UsageError(f"{where}: missing 'expires' (a date like 2027-06-30: an exception needs an end)")
    if isinstance(expires, datetime) or not isinstance(expires, date):
        raise UsageError(f"{where}: 'expires' must be a TOML date like 2027-06-30 (no time, no quotes), got "
                         f"{show(expires if isinstance(expires, str) else str(expires))}")
    assert reason is not None and owner is not None
    return PolicyException(package, reason, owner, expires)
