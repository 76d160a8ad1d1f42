"""``pyslsa audit``: every dependency of lockfiles, requirements files or an installed environment, against a
policy and the pinned publishers. The library entry point is :func:`run_audit`; the CLI builds an
:class:`~pyslsa.options.AuditOptions` from its flags and renders the :class:`~pyslsa.report.AuditReport` with
:mod:`pyslsa.formats.audit_view`.

How a run goes:

1. The policy (``--policy FILE``, else ``pyslsa.toml`` / ``[tool.pyslsa]`` in the directory), the trusted root
   and the inputs (:mod:`pyslsa.sources.inputs`) are read; any problem there is a usage error (exit 2) and the
   report carries it in ``error``. The pins of each input are read (the pylock's own
   ``[[packages.attestation-identities]]``, else ``pyslsa.pins.toml`` beside it).
2. The pins are grouped into packages (one entry of an input). For each package from an index, the release is
   listed on the index (one simple-API page: each file's SHA-256 and provenance URL), and the input's files are
   bound to it: the lock's SHA-256 must be the index's (``mismatch-index-digest``; no download: the evidence
   binds the digest), a file the index does not list is ``not-found``; without a pinned file or hash, every
   wheel and sdist of the release is examined, with its index SHA-256. Release provenance (GitHub release
   assets) is fetched once per package whose policy names the repository.
3. Per file: the PEP 740 provenance (the listing's URL, else the integrity API), GitHub artifact attestations by
   digest (in the repository the policy names and in the one a verified PEP 740 publisher reveals), the release
   provenance and ``--evidence DIR`` are verified (:mod:`pyslsa.core.audit.evidence`), then the verdict
   (:func:`pyslsa.core.audit.verdict.decide_file`) against the policy and the pins: :func:`judge_file`, which
   ``pyslsa serve`` calls for each download too (one set of rules). For an installed distribution the file is
   the index wheel with its tags, and the install is proven to come from it
   (:mod:`pyslsa.sources.installed_wheel`).
4. Package listings and file evidence are fetched by ``jobs`` worker threads sharing one keep-alive
   :class:`~pyslsa.sources.http.HttpClient`; every request is bounded as in verify-release. A network failure
   fails that file (or that package) with ``download-failed`` and nothing else.
5. With ``update_pins``, the identities every file of a package verified with (judged without the pins) are
   recorded for it; the run itself is still judged against the pins it read.

Packages not from an index: a requirement without an exact version (``==`` / ``===``) is ``not-pinned``, so is a
direct URL without a hash (it pins no bytes). A direct URL with a hash is examined by its digest (GitHub
attestations of the policy's repository, ``--evidence DIR``). A VCS checkout, a local path, an editable install
or a legacy install of unknown origin has no published file to attest: ``unattested`` (a failure where the
policy requires evidence; an exception can allow it).

``--offline``: no socket is opened. Evidence comes from the cache (what earlier online runs fetched, keyed by the
file's SHA-256, verified again on every use) and ``--evidence DIR``; the index is not asked, so files are the
ones the input pins with their hash (a requirement without a hash is ``not-found``), and the lock's hash cannot
be compared with the index's. A file with no cache entry is judged on ``DIR`` alone when ``DIR`` is given
(nothing there: ``unattested``), and is ``download-failed`` otherwise. An installed environment cannot be audited
offline (its wheels must be looked up): ``download-failed``.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Protocol

from pyslsa.api.trust_root import ResolvedRoot, resolve_root
from pyslsa.core.audit.evidence import (
    AuditFile,
    github_attestation_result,
    pep740_results,
    release_results,
    uncovered_by_release,
)
from pyslsa.core.audit.identity import EvidenceKind, Identity
from pyslsa.core.audit.names import show
from pyslsa.core.audit.pins import identities_to_pin
from pyslsa.core.audit.policy import PackagePolicy, Policy
from pyslsa.core.audit.verdict import EvidenceResult, FileVerdict, decide_file, package_verdict
from pyslsa.core.github import normalize_source_uri
from pyslsa.core.profile import SLSA_VERIFIER
from pyslsa.core.release import SlsaDocument, VerifiedDocument, verify_documents
from pyslsa.core.trust import TrustedRoot
from pyslsa.core.verify import split_evidence
from pyslsa.core.x509 import ChainMemo
from pyslsa.errors import (
    DownloadError,
    MismatchIndexDigestError,
    NotFoundError,
    NotPinnedError,
    PyslsaError,
    ReleaseNotFoundError,
    UnattestedError,
    UsageError,
    VerificationError,
)
from pyslsa.options import AUDIT_FORMATS, DEFAULT_JOBS, AuditOptions, AuditProgress
from pyslsa.report import AUDIT_SCHEMA, AuditReport, EvidenceEntry, FileResult, PackageResult
from pyslsa.sources.atomic import write_atomically
from pyslsa.sources.evidence_cache import CachedEvidence, EvidenceCache, RawEvidence
from pyslsa.sources.github import GitHubReleases
from pyslsa.sources.github_attestations import AttestationBundle, GitHubAttestations
from pyslsa.sources.http import HttpClient, check_flag_url, safe_filename
from pyslsa.sources.inputs import InputKind, InputSource, Location, Pin, collect_pins, open_input
from pyslsa.sources.inputs.common import filename_from_url
from pyslsa.sources.inputs.environment import EnvironmentInput, InstalledDistribution
from pyslsa.sources.installed_wheel import matching_wheels, prove_installed
from pyslsa.sources.local_evidence import LocalEvidence, check_directory, local_evidence
from pyslsa.sources.pins_file import load_pins, write_pins
from pyslsa.sources.policy_file import load_policy
from pyslsa.sources.pypi import DistFile, PackageIndex
from pyslsa.sources.settings import github_api_url, github_url, index_url, testing_enabled

__all__ = ["DEFAULT_JOBS", "MAX_JOBS", "SCHEMA", "AttestationStore", "AuditOptions", "AuditProgress", "AuditReport",
           "EvidenceEntry", "FileJudgement", "FileResult", "PackageResult", "Pep740Source", "ReleaseEvidence",
           "ReleaseSource", "attestation_repositories", "evidence_kinds", "fetch_release", "judge_evidence",
           "judge_file", "run_audit", "verify_release", "wanted_release",
           "write_output"]

#: Worker threads fetching at most.
MAX_JOBS = 64
SCHEMA = AUDIT_SCHEMA
FORMATS = AUDIT_FORMATS

# -- planning -----------------------------------------------------------------------------------------------------


@dataclass
class _Package:
    index: int  # position in the report
    input_no: int
    name: str
    version: str | None
    pinned_at: Location
    kind: InputKind
    pins: list[Pin]
    pinned: tuple[Identity, ...]
    entry: PackagePolicy | None
    listing: list[DistFile] | None = None
    release: ReleaseEvidence | None = None  # the policy's GitHub release, fetched once for the package
    error: VerificationError | None = None  # the whole package fails with it
    files: list[_File] = field(default_factory=list)
    results: list[FileResult] = field(default_factory=list)
    unpinned_verdicts: list[FileVerdict] = field(default_factory=list)


@dataclass
class _File:
    filename: str
    sha256: str | None
    dist: DistFile | None = None  # as the index lists it
    installed: InstalledDistribution | None = None
    candidates: list[DistFile] = field(default_factory=list)  # an installed distribution's possible wheels
    error: VerificationError | None = None  # the file cannot be examined


# -- one file's evidence and verdict: shared by the audit and ``pyslsa serve`` ------------------------------------


def evidence_kinds(entry: PackagePolicy | None) -> frozenset[EvidenceKind]:
    """Where to look for a package's evidence: the kinds its policy entry names (every kind when it names none),
    and ``--evidence DIR`` always."""
    if entry is None or not entry.evidence:
        return frozenset({"pep740", "github-attestation", "github-release", "local"})
    return frozenset(entry.evidence) | {"local"}


def wanted_release(entry: PackagePolicy | None, version: str | None) -> tuple[str, str] | None:
    """(``github.com/ORG/REPO``, tag) of the GitHub release whose provenance is evidence for ``version``: only when
    the policy names the package's GitHub repository (and does not leave ``github-release`` out); else None."""
    if entry is None or entry.repository is None or "github-release" not in evidence_kinds(entry) \
            or not entry.repository.startswith("github.com/") or version is None:
        return None
    return entry.repository, entry.tag_for(version)


@dataclass(frozen=True)
class ReleaseEvidence:
    """A GitHub release's SLSA provenance: the assets as fetched and their documents verified (once, for every file
    of the release), or why it could not be fetched."""

    repository: str  # github.com/ORG/REPO
    tag: str
    raw: tuple[RawEvidence, ...] = ()
    docs: tuple[VerifiedDocument, ...] = ()
    error: VerificationError | None = None


def verify_release(repository: str, tag: str, raws: Sequence[RawEvidence], root: TrustedRoot,
                   memo: ChainMemo | None = None) -> ReleaseEvidence:
    """The release's provenance assets verified (each document of a JSON-lines asset on its own); ``memo``: the
    run's :class:`~pyslsa.core.x509.ChainMemo` (``run_audit``'s; a long-lived proxy passes none)."""
    docs: list[SlsaDocument] = []
    for raw in raws:
        try:
            parts = split_evidence(raw.content)
        except VerificationError:
            parts = [raw.content]
        for i, part in enumerate(parts):
            docs.append(SlsaDocument(f"{raw.url}#{i + 1}" if len(parts) > 1 else raw.url, part))
    verified = verify_documents(docs, root, [], None, profile=SLSA_VERIFIER, memo=memo) if docs else []
    return ReleaseEvidence(repository, tag, tuple(raws), tuple(verified))


def fetch_release(releases: GitHubReleases, repository: str, tag: str, root: TrustedRoot,
                  memo: ChainMemo | None = None) -> ReleaseEvidence:
    """The release's provenance fetched and verified; a failure to fetch it is the result's ``error``
    (``download-failed``)."""
    try:
        assets = releases.provenance(repository, tag)
    except (DownloadError, UsageError) as exc:
        return ReleaseEvidence(repository, tag, error=exc if isinstance(exc, DownloadError)
                               else DownloadError(exc.message))
    raws = [RawEvidence("github-release", a.url, a.content, repository, tag) for a in assets]
    return verify_release(repository, tag, raws, root, memo)


class AttestationStore(Protocol):
    """Where GitHub artifact attestations are listed by digest (:class:`GitHubAttestations`, or a cache of it)."""

    def listing_url(self, repository: str, sha256: str) -> str: ...

    def attestations(self, repository: str, sha256: str) -> Sequence[AttestationBundle]: ...


#: The file's PEP 740 provenance: (URL, the raw provenance object), None when the index has none; a
#: VerificationError when it cannot be fetched.
Pep740Source = Callable[[], "tuple[str, bytes] | None"]
#: The release ``wanted_release`` names, fetched and verified: (repository, tag) -> its evidence.
ReleaseSource = Callable[[str, str], ReleaseEvidence]


@dataclass(frozen=True)
class FileJudgement:
    """One file judged: its result against the pins, the same evidence judged without them (what
    ``--update-pins`` records), the raw evidence fetched for it (the release's included) and whether every source
    asked answered (an incomplete record is never cached: it would read back as complete)."""

    result: FileResult
    unpinned: FileVerdict
    raws: tuple[RawEvidence, ...]
    complete: bool


def attestation_repositories(entry: PackagePolicy | None, results: Sequence[EvidenceResult]) -> list[str]:
    """The repositories whose attestation store is asked for a file: the GitHub repository the policy names, and
    the one each verified PEP 740 GitHub publisher reveals."""
    repos: list[str] = []
    if entry is not None and entry.repository is not None and entry.repository.startswith("github.com/"):
        repos.append(normalize_source_uri(entry.repository, "repository"))
    for r in results:
        if r.identity is not None and r.identity.kind == "GitHub" and r.identity.repository not in repos:
            repos.append(r.identity.repository)
    return repos


def judge_evidence(af: AuditFile, results: Sequence[EvidenceResult],
                   release: tuple[str, Sequence[VerifiedDocument]] | None, *, package: str, policy: Policy,
                   pins: Sequence[Identity], today: date, input_error: VerificationError | None = None
                   ) -> tuple[FileResult, FileVerdict]:
    """The verdict on a file from its verified evidence (``release``: the release provenance looked at, its URL and
    documents, for verify-release's rule on a file it does not name): against the pins, and without them."""
    results = list(results)
    if release is not None and not any(r.identity is not None or r.error is not None for r in results):
        missing = uncovered_by_release(af, release[1])
        if missing is not None:  # verify-release's rule: the release's provenance names other bytes
            results.append(EvidenceResult("github-release", release[0], error=missing))
    verdict = decide_file(results, package=package, policy=policy, today=today, pins=pins, input_error=input_error)
    unpinned = decide_file(results, package=package, policy=policy, today=today, input_error=input_error)
    entries = tuple(EvidenceEntry(r.kind, r.url, r.identity, r.error) for r in results)
    return FileResult(af.filename, af.sha256, verdict, entries), unpinned


def judge_file(af: AuditFile, *, package: str, version: str | None, policy: Policy, pins: Sequence[Identity],
               today: date, root: TrustedRoot, pep740: Pep740Source | None, pep740_where: str,
               attestations: AttestationStore | None, release: ReleaseSource | None,
               local: Sequence[EvidenceResult] = (), input_error: VerificationError | None = None,
               testing: bool = False, memo: ChainMemo | None = None) -> FileJudgement:
    """Everything the audit does for one published file (``run_audit`` for each file of a lock, ``pyslsa serve``
    for each download): its PEP 740 provenance (``pep740``: how to get it; ``pep740_where`` names it in a failure),
    the GitHub attestations of the repositories :func:`attestation_repositories` names, the release provenance
    :func:`wanted_release` names -- each as the policy's ``evidence`` allows, each verified -- then ``local``
    (``--evidence DIR``'s results), then the verdict (:func:`judge_evidence`). A source that fails adds a
    ``download-failed`` result (so the file fails) and makes the judgement incomplete. A source given as None is
    not asked. ``testing``: slsa-verifier's SLSA_VERIFIER_TESTING for release provenance
    (:func:`pyslsa.sources.settings.testing_enabled`, read once per run by the caller). ``memo``: the run's
    :class:`~pyslsa.core.x509.ChainMemo` (a certificate shared by many files is checked once per run)."""
    entry = policy.package(package)
    kinds = evidence_kinds(entry)
    results: list[EvidenceResult] = []
    raws: list[RawEvidence] = []
    complete = True
    if "pep740" in kinds and pep740 is not None:
        try:
            found = pep740()
            if found is not None:
                raws.append(RawEvidence("pep740", found[0], found[1]))
                results.extend(pep740_results(af, found[0], found[1], root, memo=memo))
        except VerificationError as exc:
            results.append(EvidenceResult("pep740", pep740_where, error=exc))
            complete = False
    if "github-attestation" in kinds and attestations is not None:
        for repo in attestation_repositories(entry, results):
            url = attestations.listing_url(repo, af.sha256)
            try:
                bundles = attestations.attestations(repo, af.sha256)
            except VerificationError as exc:
                results.append(EvidenceResult("github-attestation", url, error=exc))
                complete = False
                continue
            for bundle in bundles:
                raws.append(RawEvidence("github-attestation", bundle.url, bundle.content, repo))
                r = github_attestation_result(af, bundle.url, bundle.content, root, repository=repo, memo=memo)
                if r is not None:
                    results.append(r)
    used: tuple[str, Sequence[VerifiedDocument]] | None = None
    want = wanted_release(entry, version) if release is not None else None
    if release is not None and want is not None:
        rel = release(*want)
        if rel.error is not None:
            results.append(EvidenceResult("github-release", rel.repository, error=rel.error))
            complete = False
        elif rel.raw:
            first = rel.raw[0]
            results.extend(release_results(af, rel.docs, source_uri=first.repository, tag=first.tag or "",
                                           url_of={raw.url: raw.url for raw in rel.raw}, testing=testing))
            used = (first.url, rel.docs)
        raws.extend(rel.raw)
    results.extend(local)
    result, unpinned = judge_evidence(af, results, used, package=package, policy=policy, pins=pins, today=today,
                                      input_error=input_error)
    return FileJudgement(result, unpinned, tuple(raws), complete)


class _Audit:
    def __init__(self, options: AuditOptions, client: HttpClient | None) -> None:
        self.o = options
        self.own_client = client is None
        self.client = client
        self.lock = threading.Lock()
        self.cache_notes: set[str] = set()
        #: slsa-verifier's SLSA_VERIFIER_TESTING, read once per run as verify-artifact and verify-release do
        self.testing = testing_enabled()

    # -- setup --------------------------------------------------------------------------------------------------

    def _check_options(self) -> None:
        o = self.o
        if o.paths and o.python is not None:
            raise UsageError("give input files or --python, not both")
        if not isinstance(o.jobs, int) or isinstance(o.jobs, bool) or not 1 <= o.jobs <= MAX_JOBS:
            raise UsageError(f"--jobs must be a whole number from 1 to {MAX_JOBS}, got {o.jobs!r}")
        if o.format not in FORMATS:
            raise UsageError(f"--format must be one of {', '.join(FORMATS)}, got {o.format!r}")
        if o.timeout is not None and not (0 < o.timeout < float("inf")):
            raise UsageError(f"--timeout must be a positive number of seconds, got {o.timeout}")
        for flag, url in (("--index-url", o.index_url), ("--github-url", o.github_url),
                          ("--github-api-url", o.github_api_url)):
            if url is not None:
                check_flag_url(flag, url)

    def _root(self) -> ResolvedRoot:
        """The one rule (docs/trust-root.md); ``--offline`` (cache only) never refreshes the TUF cache either, and
        the TUF cache lives in the audit's cache directory when one is given."""
        o = self.o
        tuf = replace(o.tuf, refresh=o.tuf.refresh and not o.offline,
                      cache_dir=o.tuf.cache_dir if o.tuf.cache_dir is not None else o.cache_dir)
        return resolve_root(o.trusted_root, tuf)

    def _inputs(self) -> list[tuple[str | None, InputSource]]:
        if self.o.paths:
            return [(p, open_input(p)) for p in self.o.paths]
        return [(None, EnvironmentInput(self.o.python))]

    # -- the run ------------------------------------------------------------------------------------------------

    def run(self) -> AuditReport:
        self._check_options()
        report = AuditReport()
        today = self.o.today or date.today()
        policy = load_policy(self.o.policy, self.o.directory)
        resolved = self._root()
        report.root_source = resolved.source
        root = resolved.trusted_root
        local_dir = str(check_directory(self.o.evidence)) if self.o.evidence is not None else None
        inputs = self._inputs()
        packages: list[_Package] = []
        pins_of: list[tuple[str | None, InputKind]] = []
        for no, (path, source) in enumerate(inputs):
            pins = collect_pins(source)
            pinned = load_pins(path, source.kind, self.o.directory)
            pins_of.append((path, source.kind))
            report.inputs.append(path if path is not None else (self.o.python or "the current environment"))
            groups: dict[tuple[str, str | None, Location], list[Pin]] = {}
            for pin in pins:
                groups.setdefault((pin.name, pin.version, pin.pinned_at), []).append(pin)
            for (name, version, where), group in groups.items():
                packages.append(_Package(len(packages), no, name, version, where, source.kind, group,
                                         pinned.get(name, ()), policy.package(name)))
        self.policy, self.today, self.root, self.local_dir = policy, today, root, local_dir
        #: The run's certificate checks: a signing session shared by many files is checked once (workers share it).
        self.memo = ChainMemo(root)
        self._fetch_all(packages)
        for pkg in packages:
            report.packages.append(self._package_result(pkg))
        report.notes.extend(sorted(self.cache_notes))
        if self.o.update_pins:
            self._update_pins(packages, pins_of, report)
        return report

    def _fetch_all(self, packages: list[_Package]) -> None:
        online = not self.o.offline
        if online:
            http = self.client or HttpClient()
            if self.o.timeout is not None:
                http.until = time.monotonic() + self.o.timeout
            self.http = http
            self.index = PackageIndex(index_url(self.o.index_url), client=http)
            self.releases = GitHubReleases(github_url(self.o.github_url), github_api_url(self.o.github_api_url),
                                           client=http)
            self.attestations = GitHubAttestations(github_api_url(self.o.github_api_url), client=http,
                                                   api_client=self.releases.api_client)
        self.cache = EvidenceCache(self.o.cache_dir)
        total = len(packages)
        done = 0
        pool = cf.ThreadPoolExecutor(max_workers=self.o.jobs, thread_name_prefix="pyslsa-audit")
        try:
            pending_files: dict[cf.Future[None], _Package] = {}
            left: dict[int, int] = {}
            plan = {pool.submit(self._plan, pkg): pkg for pkg in packages}
            for fut in cf.as_completed(plan):
                pkg = plan[fut]
                fut.result()
                left[pkg.index] = len(pkg.files)
                if not pkg.files:
                    done += 1
                    self._progress(done, total, pkg.name)
                for f in pkg.files:
                    pending_files[pool.submit(self._examine, pkg, f)] = pkg
            for fut in cf.as_completed(pending_files):
                pkg = pending_files[fut]
                fut.result()
                left[pkg.index] -= 1
                if left[pkg.index] == 0:
                    done += 1
                    self._progress(done, total, pkg.name)
        except BaseException:
            # Ctrl-C or an error: nothing queued starts; requests in flight are cut short (our own client is
            # closed under them); the workers are waited for, so their temporary directories are removed.
            pool.shutdown(wait=False, cancel_futures=True)
            if online and self.own_client:
                self.http.close()
            raise
        finally:
            pool.shutdown(wait=True)
            if online:
                if self.own_client:
                    self.http.close()
                self.attestations.close()

    def _progress(self, done: int, total: int, name: str) -> None:
        if self.o.progress is not None:
            self.o.progress(done, total, name)

    # -- step 2: a package's files ------------------------------------------------------------------------------

    def _plan(self, pkg: _Package) -> None:
        """Which files of the package are examined (and, online, the index listing and release provenance)."""
        try:
            self._plan_files(pkg)
        except VerificationError as exc:
            pkg.error = exc
            pkg.files = []

    def _plan_files(self, pkg: _Package) -> None:
        pins = pkg.pins
        origin = pins[0].origin
        if pkg.kind != "environment" and origin == "index" and pkg.version is None:
            raise NotPinnedError(f"{pkg.pinned_at}: {show(pins[0].requirement or pkg.name, 200)} does not pin one "
                                 f"version (== or ===): there is no one release to check")
        if origin == "url":
            self._plan_url(pkg)
            return
        if origin != "index":
            return  # no published file: judged as unattested in _package_result
        if self.o.offline:
            self._plan_offline(pkg)
            return
        assert pkg.version is not None
        try:
            pkg.listing = self.index.release_files(pkg.name, pkg.version)
        except ReleaseNotFoundError as exc:
            raise NotFoundError(exc.message) from None
        self._fetch_release(pkg)
        by_name = {f.filename: f for f in pkg.listing}
        if pkg.kind == "environment":
            installed = pins[0].installed
            assert installed is not None
            wheels = matching_wheels(installed, pkg.listing)
            if not wheels:
                tags = ", ".join(installed.tags) or "none recorded"
                raise NotFoundError(f"no wheel of {pkg.name}=={pkg.version} on {self.index.index_url} has the "
                                    f"installed tags ({tags}): built locally from the sdist, or from another "
                                    f"index?")
            first = wheels[0]
            pkg.files = [_File(first.filename, first.sha256, first, installed, wheels)]
            return
        for pin in pins:
            if pin.filename is not None:
                dist = by_name.get(pin.filename)
                f = _File(pin.filename, next(iter(pin.sha256), None), dist)
                if dist is None:
                    f.error = NotFoundError(f"the index {self.index.index_url} does not list {pin.filename} for "
                                            f"{pkg.name}=={pkg.version}")
                elif dist.sha256 is None:
                    f.error = MismatchIndexDigestError(f"the index lists no sha256 for {pin.filename}")
                elif pin.sha256 and dist.sha256 not in pin.sha256:
                    f.error = MismatchIndexDigestError(
                        f"{pin.filename}: {pkg.pinned_at} pins sha256:{sorted(pin.sha256)[0]}, the index lists "
                        f"sha256:{dist.sha256}")
                else:
                    f.sha256 = dist.sha256
                pkg.files.append(f)
            elif pin.sha256:
                matching = [d for d in pkg.listing if d.sha256 in pin.sha256]
                if not matching:
                    raise MismatchIndexDigestError(
                        f"none of the {len(pin.sha256)} hashes {pkg.pinned_at} allows is the SHA-256 of a file the "
                        f"index lists for {pkg.name}=={pkg.version}")
                pkg.files.extend(_File(d.filename, d.sha256, d) for d in matching)
            else:
                for d in pkg.listing:
                    f = _File(d.filename, d.sha256, d)
                    if d.sha256 is None:
                        f.error = MismatchIndexDigestError(f"the index lists no sha256 for {d.filename}")
                    pkg.files.append(f)

    def _plan_url(self, pkg: _Package) -> None:
        for pin in pkg.pins:
            if not pin.sha256:
                raise NotPinnedError(f"{pkg.pinned_at}: a direct URL without a hash pins no bytes: nothing to "
                                     f"check evidence against")
            name = pin.filename or (filename_from_url(pin.url) if pin.url else "")
            try:
                name = safe_filename(name, "file name")
            except DownloadError:
                name = f"{pkg.name}-{pkg.version or 'direct'}"
            for digest in sorted(pin.sha256):
                pkg.files.append(_File(name, digest))
        if not self.o.offline:
            self._fetch_release(pkg)

    def _plan_offline(self, pkg: _Package) -> None:
        if pkg.kind == "environment":
            raise DownloadError("--offline: an installed distribution's wheel must be looked up on the index")
        for pin in pkg.pins:
            if not pin.sha256:
                raise NotFoundError(f"--offline: {pkg.pinned_at} pins no hash, and the index is not asked which "
                                    f"files {pkg.name}=={pkg.version} has")
            for digest in sorted(pin.sha256):
                name = pin.filename
                if name is None:
                    try:
                        cached = self.cache.load(digest)
                    except DownloadError as exc:
                        pkg.files.append(_File(f"{pkg.name}-{pkg.version} (sha256:{digest[:12]})", digest,
                                               error=exc))
                        continue
                    if cached is None:
                        continue  # a hash of the requirement that no earlier run saw on the index
                    name = cached.filename
                pkg.files.append(_File(name, digest))
        if not pkg.files:
            raise NotFoundError(f"--offline: no file of {pkg.pinned_at} is in the evidence cache, so none of its "
                                f"hashes can be given a file name")

    def _fetch_release(self, pkg: _Package) -> None:
        """The release provenance of a package whose policy names its repository, fetched and verified once."""
        want = wanted_release(pkg.entry, pkg.version)
        if want is not None:
            pkg.release = fetch_release(self.releases, *want, self.root, self.memo)

    # -- step 3: one file ---------------------------------------------------------------------------------------

    def _examine(self, pkg: _Package, f: _File) -> None:
        try:
            result, unpinned = self._judge(pkg, f)
        except VerificationError as exc:  # a failure nothing below caught: this file's, not the run's
            result, unpinned = self._failed_file(pkg, f, exc), None
        with self.lock:
            pkg.results.append(result)
            if unpinned is not None:
                pkg.unpinned_verdicts.append(unpinned)

    def _failed_file(self, pkg: _Package, f: _File, error: VerificationError) -> FileResult:
        verdict = decide_file((), package=pkg.name, policy=self.policy, today=self.today, pins=pkg.pinned,
                              input_error=error)
        return FileResult(f.filename, f.sha256, verdict)

    def _judge(self, pkg: _Package, f: _File) -> tuple[FileResult, FileVerdict | None]:
        if f.error is not None or f.sha256 is None:
            return self._failed_file(pkg, f, f.error or MismatchIndexDigestError("no SHA-256 for the file")), None
        input_error: VerificationError | None = None
        if f.installed is not None:
            input_error = self._prove_install(pkg, f)
        af = AuditFile(f.filename, f.sha256)
        if self.o.offline:
            return self._judge_offline(pkg, af, input_error)
        dist, version = f.dist, pkg.version
        pep740: Pep740Source | None = None
        if dist is not None and version is not None:
            pep740 = functools.partial(self.index.provenance, pkg.name, version, dist)
        judged = judge_file(af, package=pkg.name, version=pkg.version, policy=self.policy, pins=pkg.pinned,
                            today=self.today, root=self.root, pep740=pep740,
                            pep740_where=(dist.provenance_url if dist is not None else None) or self.index.index_url,
                            attestations=self.attestations, release=functools.partial(self._release, pkg),
                            local=self._local(pkg, af), input_error=input_error, testing=self.testing,
                            memo=self.memo)
        if judged.complete and not self.cache.store(CachedEvidence(af.sha256, af.filename, judged.raws)):
            with self.lock:
                self.cache_notes.add(f"the evidence cache {self.cache.root} could not be written")
        return judged.result, judged.unpinned

    def _release(self, pkg: _Package, repository: str, tag: str) -> ReleaseEvidence:
        """The package's release provenance (fetched in ``_plan``, for what ``wanted_release`` names)."""
        if pkg.release is None or (pkg.release.repository, pkg.release.tag) != (repository, tag):
            pkg.release = fetch_release(self.releases, repository, tag, self.root, self.memo)
        return pkg.release

    def _judge_offline(self, pkg: _Package, af: AuditFile, input_error: VerificationError | None
                       ) -> tuple[FileResult, FileVerdict]:
        """Evidence from the cache (verified again from scratch: the cache is never trusted) and ``--evidence
        DIR``."""
        results: list[EvidenceResult] = []
        release: tuple[str, Sequence[VerifiedDocument]] | None = None
        try:
            cached = self.cache.load(af.sha256)
        except DownloadError as exc:
            results.append(EvidenceResult("pep740", str(self.cache.entry_path(af.sha256)), error=exc))
            cached = None
        if cached is not None:
            release = self._verify_cached(pkg, af, cached.pieces, results)
        results.extend(self._local(pkg, af))
        if input_error is None and cached is None and self.local_dir is None:
            input_error = DownloadError(f"--offline: nothing is cached for {af.filename} (sha256:{af.sha256}) and no "
                                        f"--evidence DIR was given")
        return judge_evidence(af, results, release, package=pkg.name, policy=self.policy, pins=pkg.pinned,
                              today=self.today, input_error=input_error)

    def _prove_install(self, pkg: _Package, f: _File) -> VerificationError | None:
        assert f.installed is not None
        first: VerificationError | None = None
        for wheel in f.candidates:
            problem = prove_installed(f.installed, wheel, self.index)
            if problem is None:
                f.filename, f.sha256, f.dist = wheel.filename, wheel.sha256, wheel
                return None
            first = first or problem
        return first

    def _local(self, pkg: _Package, af: AuditFile) -> list[EvidenceResult]:
        results: list[EvidenceResult] = []
        if "local" in evidence_kinds(pkg.entry) and self.local_dir is not None:
            for item in local_evidence(self.local_dir, af.filename, af.sha256):
                results.extend(self._verify_local(pkg, af, item))
        return results

    def _verify_cached(self, pkg: _Package, af: AuditFile, raws: Sequence[RawEvidence],
                       results: list[EvidenceResult]) -> tuple[str, Sequence[VerifiedDocument]] | None:
        """Cached evidence, verified again from scratch (the cache is never trusted)."""
        release: list[RawEvidence] = []
        for raw in raws:
            if raw.kind == "pep740":
                results.extend(pep740_results(af, raw.url, raw.content, self.root, memo=self.memo))
            elif raw.kind == "github-attestation":
                r = github_attestation_result(af, raw.url, raw.content, self.root, repository=raw.repository,
                                              memo=self.memo)
                if r is not None:
                    results.append(r)
            else:
                release.append(raw)
        if not release:
            return None
        rel = verify_release(release[0].repository or "", release[0].tag or "", release, self.root, self.memo)
        results.extend(release_results(af, rel.docs, source_uri=release[0].repository, tag=release[0].tag or "",
                                       testing=self.testing))
        return release[0].url, rel.docs

    def _verify_local(self, pkg: _Package, af: AuditFile, item: LocalEvidence) -> list[EvidenceResult]:
        if item.error is not None:
            return [EvidenceResult("local", item.path, error=item.error)]
        if item.kind == "provenance":
            results = pep740_results(af, item.path, item.content, self.root, kind="local", memo=self.memo)
            return results or [EvidenceResult("local", item.path, error=UnattestedError(
                "the provenance object holds no attestation"))]
        if item.kind == "bundle":
            r = github_attestation_result(af, item.path, item.content, self.root, kind="local", memo=self.memo)
            return [r] if r is not None else []
        entry = pkg.entry
        tag = entry.tag_for(pkg.version or "") if entry is not None else f"v{pkg.version or ''}"
        docs = verify_documents([SlsaDocument(item.path, item.content)], self.root, [af.sha256], None,
                                profile=SLSA_VERIFIER, memo=self.memo)
        source = entry.repository if entry is not None and entry.repository is not None else None
        return release_results(af, docs, source_uri=source, tag=tag, kind="local", testing=self.testing)

    # -- step 4: verdicts and pins ------------------------------------------------------------------------------

    def _package_result(self, pkg: _Package) -> PackageResult:
        order = {f.filename: i for i, f in enumerate(pkg.files)}
        files = tuple(sorted(pkg.results, key=lambda r: (order.get(r.filename, len(order)), r.filename)))
        if pkg.error is not None:
            verdict = decide_file((), package=pkg.name, policy=self.policy, today=self.today, pins=pkg.pinned,
                                  input_error=pkg.error)
            return PackageResult(pkg.name, pkg.version, pkg.pinned_at, pkg.kind, verdict, files)
        origin = pkg.pins[0].origin
        if origin not in ("index", "url"):
            verdict = decide_file((), package=pkg.name, policy=self.policy, today=self.today, pins=pkg.pinned)
            if verdict.verdict == "unattested":
                verdict = replace(verdict, message=f"not from an index ({origin}): no published file whose "
                                                   f"provenance could be checked; {verdict.message}")
            return PackageResult(pkg.name, pkg.version, pkg.pinned_at, pkg.kind, verdict)
        return PackageResult(pkg.name, pkg.version, pkg.pinned_at, pkg.kind,
                             package_verdict([f.verdict for f in files]), files)

    def _update_pins(self, packages: Sequence[_Package], inputs: Sequence[tuple[str | None, InputKind]],
                     report: AuditReport) -> None:
        for no, (path, kind) in enumerate(inputs):
            updates: dict[str, tuple[Identity, ...]] = {}
            for pkg in packages:
                if pkg.input_no != no or pkg.error is not None or not pkg.unpinned_verdicts:
                    continue
                if len(pkg.unpinned_verdicts) != len(pkg.files) \
                        or not all(v.verdict == "verified" for v in pkg.unpinned_verdicts):
                    continue
                new = identities_to_pin([i for v in pkg.unpinned_verdicts for i in v.identities])
                if new and set(new) != set(pkg.pinned):
                    updates[pkg.name] = (*updates.get(pkg.name, ()), *new)
            if updates:
                written = write_pins(path, kind, updates, self.o.directory)
                report.pins_written.append(str(written))
                report.notes.append(f"pins recorded for {len(updates)} package(s) in {written}")


def run_audit(options: AuditOptions, *, client: HttpClient | None = None) -> AuditReport:
    """Run an audit (see the module docstring). Never raises a pyslsa error: a usage or input problem is the
    report's ``error`` (exit status 2). ``client``: the HTTP client to fetch with (shared by the workers; the
    caller keeps it open), else one of the run's own, closed at the end."""
    try:
        return _Audit(options, client).run()
    except PyslsaError as exc:
        return AuditReport(error=exc)



def write_output(path: str | os.PathLike[str], text: str) -> None:
    """Write a rendered report to ``path`` (``pyslsa audit --output``) atomically: a reader (a CI step uploading
    the SARIF, a comment bot) sees the previous file or the whole new one, never a part; a symbolic link at
    ``path`` is refused. Problems are a :class:`~pyslsa.errors.UsageError`."""
    write_atomically(path, text.encode("utf-8"))
