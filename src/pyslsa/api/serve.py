"""``pyslsa serve`` with the audit engine deciding: :class:`AuditDecider` (the proxy's
:class:`~pyslsa.serve.Decider`) and :func:`run_serve` (the command: build the proxy's config and the decider,
serve until Ctrl-C or SIGTERM).

The decider is ``pyslsa audit`` for one file at a time: the same policy file (``--policy FILE``, else
``pyslsa.toml``, else ``[tool.pyslsa]`` of ``pyproject.toml`` in the directory, else the default policy), the same
pins (``--pins FILE``: a ``pyslsa.pins.toml`` or a ``pylock.toml``; without it, a ``pyslsa.pins.toml`` in the
directory, as for an audited environment), the same evidence sources and the same rules
(:func:`pyslsa.api.audit.judge_file`): the upstream's PEP 740 provenance (which the proxy fetched and cached), the
GitHub artifact attestations by digest of the repository the policy names and of the one a verified PEP 740
publisher reveals, the SLSA provenance of the GitHub release the policy names; then
:func:`pyslsa.core.audit.verdict.decide_file` against the policy and the pins.

* **Policy and pins** are stat'ed on every decision and read again when a file changed (size, mtime, ctime,
  inode; or it changed less than :data:`RACY_SECONDS` before it was read, when a second write in the same clock
  tick would not show): an edit applies to the next download, without a restart. A policy or pins file that cannot
  be read or parsed any more fails every decision (``decider-error``, naming the problem) until it is fixed: the
  proxy never falls back to an older, looser policy.
* **Evidence** from GitHub is asked once and kept raw in the proxy's cache (``refs/evidence``: per question -- a
  repository's attestations of a file's digest, a release's provenance assets -- a manifest naming the pieces,
  each stored under its own SHA-256), and verified from scratch on every use: a cache is never trust. An answer of
  "none" is asked again after :data:`EMPTY_ANSWER_TTL` seconds; a source that failed (unreachable, rate-limited)
  is not asked again for :data:`FAILURE_TTL` seconds, and meanwhile the files that need it fail with
  ``download-failed``, as in ``audit``. Concurrent decisions asking the same question wait for one fetch; at most
  :data:`GITHUB_CONCURRENCY` GitHub requests run at once, each bounded (:data:`HTTP_TIMEOUT`,
  :data:`HTTP_ATTEMPTS`, :data:`HTTP_DEADLINE`; at most 3 pages and 300 attestations per question). ``GITHUB_TOKEN``
  (when set) goes to the API host only.
* **Verdicts** map to the proxy's: ``verified``, ``allowed`` (an exception), ``unattested`` where evidence is not
  required pass; ``failed`` refuses, and so does ``unattested`` where the policy requires evidence (``failed`` with
  the code ``unattested``). ``Decision.evidence`` records the policy in force and each piece of evidence examined
  (kind, URL, the identity it proves, or its error).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TextIO, TypeVar

from pyslsa.api.audit import FileJudgement, ReleaseEvidence, fetch_release, judge_file, verify_release
from pyslsa.core.audit.evidence import AuditFile
from pyslsa.core.audit.identity import Identity
from pyslsa.core.audit.pins import PINS_FILENAME, parse_pins_file, pins_from_pylock
from pyslsa.core.audit.policy import DEFAULT_POLICY, Policy, parse_policy, policy_from_pyproject
from pyslsa.core.audit.verdict import FileVerdict
from pyslsa.core.trust import TrustedRoot
from pyslsa.errors import DownloadError, PyslsaError, UsageError, VerificationError
from pyslsa.options.serve import ServeOptions
from pyslsa.report.serve import ServeReport
from pyslsa.serve.cache import BlobStore, default_cache_dir
from pyslsa.serve.config import ServeConfig
from pyslsa.serve.model import DECIDER_ERROR, Decision, DecisionRequest
from pyslsa.sources.evidence_cache import MAX_PIECES, RawEvidence
from pyslsa.sources.files import MAX_EVIDENCE_BYTES
from pyslsa.sources.github import DEFAULT_GITHUB_API_URL, DEFAULT_GITHUB_URL, GitHubReleases
from pyslsa.sources.github_attestations import AttestationBundle, GitHubAttestations
from pyslsa.sources.http import HttpClient, check_flag_url
from pyslsa.sources.inputs.common import read_input_bytes
from pyslsa.sources.pins_file import MAX_PINS_BYTES
from pyslsa.sources.policy_file import MAX_POLICY_BYTES, POLICY_FILENAME
from pyslsa.sources.settings import testing_enabled

if TYPE_CHECKING:
    from pyslsa.api.trust_root import ResolvedRoot
    from pyslsa.core.audit.identity import EvidenceKind

__all__ = ["EMPTY_ANSWER_TTL", "FAILURE_TTL", "GITHUB_CONCURRENCY", "HTTP_ATTEMPTS", "HTTP_DEADLINE", "HTTP_TIMEOUT",
           "RACY_SECONDS", "AuditDecider", "ServeOptions", "ServeReport", "run_serve", "serve_config"]

#: A policy or pins file changed less than this many seconds before it was read is read again at the next decision.
RACY_SECONDS = 2.0
#: Seconds an answer of "no attestation" / "no release provenance" is kept before GitHub is asked again.
EMPTY_ANSWER_TTL = 600.0
#: Seconds a GitHub question that failed is not asked again (its files fail with download-failed meanwhile).
FAILURE_TTL = 30.0
#: GitHub requests in flight at most; each request's timeout, attempts and whole deadline (seconds).
GITHUB_CONCURRENCY = 4
HTTP_TIMEOUT = 10.0
HTTP_ATTEMPTS = 2
HTTP_DEADLINE = 30.0

_ANSWER_SCHEMA = "pyslsa-serve-answer/1"
_MAX_MANIFEST = 1024 * 1024
_PYLOCK = re.compile(r"\Apylock\.([^.]+\.)?toml\Z")
_KINDS: tuple[EvidenceKind, ...] = ("github-attestation", "github-release")
T = TypeVar("T")


def _sha12(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


# -- files read again when they change ------------------------------------------------------------------------------


class _Reloading(Generic[T]):
    """A value read from files, read again when one of them changes. ``current()`` is (value, description), or the
    UsageError of the last read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamp: tuple[object, ...] | None = None
        self._racy = True
        self._value: T | None = None
        self._about = ""
        self._error: UsageError | None = None

    def paths(self) -> tuple[Path, ...]:
        raise NotImplementedError

    def read(self) -> tuple[T, str]:
        raise NotImplementedError

    def _stat(self) -> tuple[tuple[object, ...], bool]:
        stamp: list[object] = []
        racy = False
        now = time.time()
        for p in self.paths():
            try:
                st = p.stat()
            except FileNotFoundError:
                stamp.append(None)
                continue
            except OSError as exc:
                stamp.append(("error", exc.errno))
                continue
            stamp.append((st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino, st.st_dev))
            racy = racy or now - max(st.st_mtime, st.st_ctime) < RACY_SECONDS
        return tuple(stamp), racy

    def current(self) -> tuple[T, str]:
        with self._lock:
            stamp, racy = self._stat()
            if stamp != self._stamp or self._racy:
                try:
                    self._value, self._about = self.read()
                    self._error = None
                except UsageError as exc:
                    self._error = exc
                self._stamp, self._racy = stamp, racy
            if self._error is not None:
                raise self._error
            assert self._value is not None
            return self._value, self._about

    def about(self) -> str:
        try:
            return self.current()[1]
        except UsageError as exc:
            return f"UNUSABLE, every download is refused until it is fixed: {exc.message}"


class _PolicyFile(_Reloading[Policy]):
    """``--policy FILE``, else ``pyslsa.toml``, else ``[tool.pyslsa]`` of ``pyproject.toml`` in ``directory``, else
    the default policy (:func:`pyslsa.sources.policy_file.load_policy`'s order)."""

    def __init__(self, path: str | None, directory: str) -> None:
        super().__init__()
        self.path = Path(path) if path is not None else None
        self.directory = Path(directory).absolute()  # the banner and the status page name the file found

    def paths(self) -> tuple[Path, ...]:
        if self.path is not None:
            return (self.path,)
        return (self.directory / POLICY_FILENAME, self.directory / "pyproject.toml")

    @staticmethod
    def _describe(policy: Policy, where: str, data: bytes) -> str:
        n = len(policy.packages)
        return (f"{where} (sha256:{_sha12(data)}, require = {policy.require}, {n} package{'s' * (n != 1)}, "
                f"{len(policy.exceptions)} exception{'s' * (len(policy.exceptions) != 1)})")

    def read(self) -> tuple[Policy, str]:
        if self.path is not None:
            data = read_input_bytes(str(self.path), "policy file", MAX_POLICY_BYTES)
            if self.path.name == "pyproject.toml":
                found = policy_from_pyproject(data, str(self.path))
                if found is None:
                    raise UsageError(f"--policy {self.path}: no [tool.pyslsa] table in it")
                return found, self._describe(found, f"{self.path} [tool.pyslsa]", data)
            policy = parse_policy(data, str(self.path))
            return policy, self._describe(policy, str(self.path), data)
        own = self.directory / POLICY_FILENAME
        if own.is_file():
            data = read_input_bytes(str(own), "policy file", MAX_POLICY_BYTES)
            policy = parse_policy(data, str(own))
            return policy, self._describe(policy, str(own), data)
        pyproject = self.directory / "pyproject.toml"
        if pyproject.is_file():
            data = read_input_bytes(str(pyproject), "policy file", MAX_POLICY_BYTES)
            found = policy_from_pyproject(data, str(pyproject))
            if found is not None:
                return found, self._describe(found, f"{pyproject} [tool.pyslsa]", data)
        return DEFAULT_POLICY, (f"the default policy (require = {DEFAULT_POLICY.require}: no package listed, so none "
                                f"requires evidence; no {POLICY_FILENAME} in {self.directory.resolve()})")


class _PinsFile(_Reloading[Mapping[str, tuple[Identity, ...]]]):
    """``--pins FILE`` (a ``pylock.toml``'s ``attestation-identities``, or a ``pyslsa.pins.toml``), else a
    ``pyslsa.pins.toml`` in ``directory`` if there is one, else no pins."""

    def __init__(self, path: str | None, directory: str) -> None:
        super().__init__()
        self.path = Path(path) if path is not None else None
        self.default = Path(directory).absolute() / PINS_FILENAME

    def paths(self) -> tuple[Path, ...]:
        return (self.path or self.default,)

    def read(self) -> tuple[Mapping[str, tuple[Identity, ...]], str]:
        path = self.path or self.default
        if self.path is None and not path.exists():
            return {}, "none"
        if _PYLOCK.match(path.name):
            data = read_input_bytes(str(path), "pylock file")
            pins = pins_from_pylock(data, str(path))
        else:
            data = read_input_bytes(str(path), "pins file", MAX_PINS_BYTES)
            pins = parse_pins_file(data, str(path))
        n = len(pins)
        return pins, f"{path} (sha256:{_sha12(data)}, {n} package{'s' * (n != 1)})"


# -- GitHub's answers, kept raw in the proxy's cache --------------------------------------------------------------


@dataclass(frozen=True)
class _Failure:
    at: float  # time.monotonic()
    error: VerificationError


class _Answers:
    """Answers to questions asked of GitHub, as they came, in the proxy's content-addressed cache: ``refs/evidence/
    <sha256 of the question>`` names a manifest blob, which names each piece's blob by its SHA-256. Anything that
    does not read back whole is asked again. Writing is best effort."""

    def __init__(self, store: BlobStore, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    @staticmethod
    def key(question: str) -> str:
        return hashlib.sha256(question.encode()).hexdigest()

    def get(self, question: str) -> list[RawEvidence] | None:
        key = self.key(question)
        ref = self.store.get_ref("evidence", key)
        if ref is None:
            return None
        data = self.store.read_verified(ref, _MAX_MANIFEST)
        try:
            if data is None:
                raise ValueError("the manifest is missing or damaged")
            doc = json.loads(data)
            if not isinstance(doc, dict) or doc.get("schema") != _ANSWER_SCHEMA or doc.get("question") != question:
                raise ValueError("not a manifest of this question")
            asked, pieces = doc.get("asked"), doc.get("pieces")
            if not isinstance(asked, (int, float)) or not isinstance(pieces, list) or len(pieces) > MAX_PIECES:
                raise ValueError("a bad 'asked' or 'pieces'")
        except (ValueError, RecursionError):
            self.store.drop_ref("evidence", key)
            return None
        if not pieces and self.clock() - asked > EMPTY_ANSWER_TTL:
            return None
        out: list[RawEvidence] = []
        for p in pieces:
            if not isinstance(p, dict):
                return None
            kind = next((k for k in _KINDS if k == p.get("kind")), None)
            url, sha, repository, tag = p.get("url"), p.get("sha256"), p.get("repository"), p.get("tag")
            if (kind is None or not isinstance(url, str) or not isinstance(sha, str)
                    or not all(v is None or isinstance(v, str) for v in (repository, tag))):
                return None
            try:
                content = self.store.read_verified(sha, MAX_EVIDENCE_BYTES)
            except ValueError:  # not a digest
                return None
            if content is None:
                return None
            out.append(RawEvidence(kind, url, content, repository, tag))  # type: ignore[arg-type]
        return out

    def put(self, question: str, pieces: Sequence[RawEvidence]) -> None:
        if len(pieces) > MAX_PIECES:
            return
        try:
            listed = [{"kind": p.kind, "url": p.url, "repository": p.repository, "tag": p.tag,
                       "sha256": self.store.put_bytes(p.content)} for p in pieces]
            manifest = json.dumps({"schema": _ANSWER_SCHEMA, "question": question, "asked": self.clock(),
                                   "pieces": listed}, sort_keys=True).encode()
            self.store.set_ref("evidence", self.key(question), self.store.put_bytes(manifest))
        except OSError:
            pass


class _GitHub:
    """The decider's GitHub: attestations by digest (an :class:`~pyslsa.api.audit.AttestationStore`) and release
    provenance (a :data:`~pyslsa.api.audit.ReleaseSource`), each question asked once (see the module docstring)."""

    def __init__(self, answers: _Answers, github_url: str, api_url: str, root: TrustedRoot) -> None:
        self.answers = answers
        self.root = root
        self.api_url = api_url.rstrip("/")
        self.github_url = github_url.rstrip("/")
        self.http = HttpClient(timeout=HTTP_TIMEOUT, attempts=HTTP_ATTEMPTS, deadline=HTTP_DEADLINE,
                               user_agent="pyslsa-serve")
        # the API client carries GITHUB_TOKEN (when set), for the API host only; downloads use self.http
        self.releases = GitHubReleases(self.github_url, self.api_url, client=self.http)
        self._locks = [threading.Lock() for _ in range(64)]
        self._slots = threading.BoundedSemaphore(GITHUB_CONCURRENCY)
        self._failures: dict[str, _Failure] = {}
        self._failures_lock = threading.Lock()

    def close(self) -> None:
        self.http.close()
        if self.releases.api_client is not None:
            self.releases.api_client.close()

    def _store(self) -> GitHubAttestations:
        # one per question: its "rate-limited, stop asking" state must not outlive the question in a server
        return GitHubAttestations(self.api_url, client=self.http, api_client=self.releases.api_client)

    def _ask(self, question: str, fetch: Callable[[], list[RawEvidence]]) -> list[RawEvidence]:
        """The answer to ``question``: from the cache, else fetched (once for all who ask meanwhile) and kept. A
        VerificationError when it cannot be had (remembered for FAILURE_TTL seconds)."""
        with self._locks[int(self.answers.key(question)[:8], 16) % len(self._locks)]:
            cached = self.answers.get(question)
            if cached is not None:
                return cached
            with self._failures_lock:
                failed = self._failures.get(question)
            if failed is not None and time.monotonic() - failed.at < FAILURE_TTL:
                raise failed.error
            try:
                with self._slots:
                    got = fetch()
            except VerificationError as exc:
                now = time.monotonic()
                with self._failures_lock:
                    for q in [q for q, f in self._failures.items() if now - f.at >= FAILURE_TTL]:
                        del self._failures[q]
                    self._failures[question] = _Failure(now, exc)
                raise
            with self._failures_lock:
                self._failures.pop(question, None)
            self.answers.put(question, got)
            return got

    # AttestationStore
    def listing_url(self, repository: str, sha256: str) -> str:
        return self._store().listing_url(repository, sha256)

    def attestations(self, repository: str, sha256: str) -> list[AttestationBundle]:
        def fetch() -> list[RawEvidence]:
            return [RawEvidence("github-attestation", b.url, b.content, repository)
                    for b in self._store().attestations(repository, sha256)]

        question = f"github-attestation\n{self.api_url}\n{repository.lower()}\n{sha256}"
        return [AttestationBundle(r.url, r.content) for r in self._ask(question, fetch)]

    # ReleaseSource
    def release(self, repository: str, tag: str) -> ReleaseEvidence:
        def fetch() -> list[RawEvidence]:
            rel = fetch_release(self.releases, repository, tag, self.root)
            if rel.error is not None:
                raise rel.error
            return list(rel.raw)

        question = f"github-release\n{self.github_url}\n{self.api_url}\n{repository.lower()}\n{tag}"
        try:
            raws = self._ask(question, fetch)
        except VerificationError as exc:
            return ReleaseEvidence(repository, tag, error=exc)
        return verify_release(repository, tag, raws, self.root)  # verified on every use


# -- the decider ----------------------------------------------------------------------------------------------------


def _evidence_json(judged: FileJudgement) -> list[dict[str, Any]]:
    out = []
    for e in judged.result.evidence:
        doc = e.to_json()
        doc["error"] = None if e.error is None else {"code": e.error.code, "message": e.error.message}
        out.append(doc)
    return out


class AuditDecider:
    """Decides each download with ``pyslsa audit``'s policy, pins, evidence and rules (see the module docstring).

    ``cache_dir``: the proxy's cache directory (GitHub's answers are kept there). ``root``: the Sigstore trusted
    root everything is verified against. ``today``: for exceptions (None: the local date of each decision)."""

    def __init__(self, *, cache_dir: Path, root: TrustedRoot, policy: str | None = None, pins: str | None = None,
                 directory: str = ".", github_url: str | None = None, github_api_url: str | None = None,
                 today: Callable[[], date] | None = None) -> None:
        github_url = github_url or DEFAULT_GITHUB_URL
        github_api_url = github_api_url or DEFAULT_GITHUB_API_URL
        check_flag_url("--github-url", github_url)
        check_flag_url("--github-api-url", github_api_url)
        self.root = root
        self.policy = _PolicyFile(policy, directory)
        self.pins = _PinsFile(pins, directory)
        self.today = today or date.today
        #: slsa-verifier's SLSA_VERIFIER_TESTING, read once at start-up (as audit reads it once per run)
        self.testing = testing_enabled()
        store = BlobStore(cache_dir)
        store.prepare()
        self.github = _GitHub(_Answers(store), github_url, github_api_url, root)

    def check(self) -> None:
        """The policy and the pins, read now: a UsageError if either cannot be used (at start-up: exit 2)."""
        self.policy.current()
        self.pins.current()

    def close(self) -> None:
        self.github.close()

    def describe(self) -> str:
        return f"{self.policy.about()}; pins: {self.pins.about()}"

    def decide(self, request: DecisionRequest) -> Decision:
        try:
            policy, policy_about = self.policy.current()
            pins, pins_about = self.pins.current()
        except UsageError as exc:
            return Decision("failed", DECIDER_ERROR, f"the policy or the pins cannot be used: {exc.message}")
        found = (request.provenance_url or "", request.provenance) if request.provenance is not None else None
        judged = judge_file(
            AuditFile(request.filename, request.sha256), package=request.project, version=request.version,
            policy=policy, pins=pins.get(request.project, ()), today=self.today(), root=self.root,
            pep740=lambda: found, pep740_where=request.provenance_url or "",
            attestations=self.github, release=self.github.release, testing=self.testing)
        evidence = {"policy": policy_about, "pins": pins_about, "evidence": _evidence_json(judged)}
        return _decision(judged.result.verdict, policy, request.project, evidence)


def _decision(v: FileVerdict, policy: Policy, project: str, evidence: Mapping[str, Any]) -> Decision:
    """The audit's verdict as the proxy's: ``failed`` refuses, and so does ``unattested`` where evidence is
    required; the other verdicts pass (``code`` is what the audit reports: for ``allowed`` and ``unattested``, what
    is missing)."""
    if v.verdict == "unattested" and v.required:
        return Decision("failed", v.code, f"{v.message}, and {policy.source} requires evidence for {project} "
                                          f"(require = {policy.require})", evidence)
    return Decision(v.verdict, v.code, v.message, evidence)


# -- the command ----------------------------------------------------------------------------------------------------


def serve_config(options: ServeOptions) -> ServeConfig:
    """The proxy's config from the command's options (a UsageError for a bad value)."""
    cache = Path(options.cache_dir) if options.cache_dir is not None else default_cache_dir()
    return ServeConfig(upstream=options.upstream, mode=options.mode, on_fail=options.on_fail, cache_dir=cache,
                       log_file=Path(options.log_file) if options.log_file is not None else None,
                       host=options.host, port=options.port)


def is_loopback(host: str) -> bool | None:
    """Whether ``host`` names only this machine (127.0.0.0/8, ::1, or a name that resolves to nothing else); None
    if it does not resolve (binding it then fails, saying so)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return None
    return bool(infos) and all(ipaddress.ip_address(str(i[4][0]).split("%")[0]).is_loopback for i in infos)


def _root(options: ServeOptions) -> ResolvedRoot:
    """The trusted root, chosen once at start-up by the one rule (docs/trust-root.md)."""
    from pyslsa.api.trust_root import resolve_root

    return resolve_root(options.trusted_root, options.tuf)


def run_serve(options: ServeOptions, *, out: TextIO | None = None) -> ServeReport:
    """``pyslsa serve``: the proxy in the foreground, deciding with :class:`AuditDecider`, until Ctrl-C or SIGTERM
    (then an orderly stop). Never raises a pyslsa error: a usage problem (a flag, the policy, the pins, the trusted
    root, the cache, the address, the extra not installed) is the report's ``error`` (exit status 2)."""
    out = out or sys.stderr
    decider: AuditDecider | None = None
    try:
        try:
            from pyslsa.serve import serve
        except ImportError as exc:
            raise UsageError(str(exc)) from None
        config = serve_config(options)
        resolved = _root(options)
        decider = AuditDecider(cache_dir=config.cache_dir or default_cache_dir(), root=resolved.trusted_root,
                               policy=options.policy, pins=options.pins, directory=options.directory,
                               github_url=options.github_url, github_api_url=options.github_api_url)
        decider.check()
        if resolved.source.warning:  # once the proxy can start: a usage error stays one line
            print(f"pyslsa serve: warning: {resolved.source.warning}", file=out)
        if is_loopback(options.host) is False:
            print(f"pyslsa serve: warning: --host {options.host} is not a loopback address: whoever can reach "
                  f"port {options.port} can install through this proxy and read its status page", file=out)
        stopped_by = serve(config, decider, out=out)
        return ServeReport(upstream=config.upstream, stopped_by=stopped_by, root_source=resolved.source)
    except DownloadError as exc:  # a URL flag the HTTP layer refused
        return ServeReport(error=UsageError(exc.message))
    except PyslsaError as exc:
        return ServeReport(error=exc)
    finally:
        if decider is not None:
            decider.close()
