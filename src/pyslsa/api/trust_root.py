"""Which Sigstore trusted root is in force, and the library behind ``pyslsa trust-root update|show|export|verify``.

One rule chooses the trusted root (:func:`resolve_trusted_root`); every verifying command (through
:func:`resolve_root`, with its :class:`~pyslsa.options.TufOptions`) and the ``trust-root`` commands go through it,
and each answer carries a :class:`RootSource` saying where the root came from (for ``--debug`` and the JSON output).

The TUF machinery is in :mod:`pyslsa.sources.tuf`; the renderings of the reports are in
:mod:`pyslsa.formats.trust_root_view`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyslsa.core.trust import CertificateAuthority, KeyAuthority, TrustedRoot
from pyslsa.errors import TufError, TufUnreachableError, UsageError
from pyslsa.options.tuf import TufOptions
from pyslsa.report import (
    SOURCE_KINDS,
    AuthorityInfo,
    AuthorityKind,
    ExportResult,
    RootSource,
    RootSourceKind,
    TrustRootReport,
    UpdateResult,
    iso_utc,
)

if TYPE_CHECKING:
    from tuf.ngclient import FetcherInterface

    from pyslsa.options import TrustedRootSpec, TrustRootOptions
    from pyslsa.sources.tuf import RefreshOutcome, TufRepository, TufState

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class ResolvedRoot:
    """The trusted root in force, where it came from, and its exact bytes (what ``trust-root export`` writes)."""

    trusted_root: TrustedRoot
    source: RootSource
    data: bytes


# -- Repositories ----------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _data_file(name: str) -> bytes:
    from importlib.resources import files

    return files("pyslsa").joinpath("data").joinpath(name).read_bytes()


def repository_for(tuf_url: str | None = None, tuf_root: bytes | PathLike | None = None, staging: bool = False,
                   data_dir: PathLike | None = None) -> TufRepository:
    """The TUF repository to use: Sigstore production (default), staging (``staging=True``), or ``tuf_url``
    (``$PYSLSA_TUF_URL`` when None; ``tuf_root``: ``$PYSLSA_TUF_ROOT`` when None).

    A Sigstore instance is read from ``$PYSLSA_TUF_MIRROR`` (production) or ``$PYSLSA_TUF_STAGING_MIRROR``
    (staging) when set: another location of the same repository, still verified from the bundled root.json.

    The bootstrap root: ``tuf_root`` (a root.json's bytes or path) if given; else, for the Sigstore instances, the
    root.json bundled with pyslsa; else, for a private repository, the root.json remembered by an earlier
    successful update with ``tuf_root`` (in the data directory, not the cache). A private repository with neither
    is a usage error. Only the Sigstore instances have a bundled trusted root to fall back on offline.
    """
    from pyslsa.sources import settings, tuf

    tuf_url, tuf_root = settings.tuf_url(tuf_url), settings.tuf_root(tuf_root)
    if staging and tuf_url:
        raise UsageError("give at most one of --staging and --tuf-url (or $PYSLSA_TUF_URL)")
    url = tuf.normalize_url(tuf_url) if tuf_url else (tuf.STAGING_URL if staging else tuf.PRODUCTION_URL)
    given = _read_root_arg(tuf_root) if tuf_root is not None else None
    if given is not None:
        tuf.check_bootstrap_root(given, "the TUF root given (--tuf-root)")
    for name, known in (("production", tuf.PRODUCTION_URL), ("staging", tuf.STAGING_URL)):
        if url == known:
            from pyslsa.sources.settings import tuf_mirror

            mirror = tuf_mirror(name)
            if mirror:
                env = "PYSLSA_TUF_MIRROR" if name == "production" else "PYSLSA_TUF_STAGING_MIRROR"
                url = tuf.normalize_url(mirror, f"${env}")
            return tuf.TufRepository(url, given or _data_file(f"tuf_root.{name}.json"), name,
                                     _data_file(f"trusted_root.{name}.json"))
    if given is not None:
        return tuf.TufRepository(url, given, record_bootstrap=True)
    remembered = tuf.read_bootstrap(url, data_dir)
    if remembered is None:
        raise UsageError(f"no TUF root to bootstrap {url} from: give its root.json once with --tuf-root "
                         f"(or PYSLSA_TUF_ROOT); a successful update remembers it")
    return tuf.TufRepository(url, remembered)


def _read_root_arg(tuf_root: bytes | PathLike) -> bytes:
    if isinstance(tuf_root, (bytes, bytearray, memoryview)):
        return bytes(tuf_root)
    from pyslsa.sources.files import read_evidence
    from pyslsa.sources.tuf import MAX_ROOT_BYTES

    return read_evidence(tuf_root, "TUF root file (--tuf-root)", limit=MAX_ROOT_BYTES)


def bundled_date(root: TrustedRoot) -> dt.datetime | None:
    """The start of the newest authority a trusted root lists: how recent a bundled copy is."""
    starts = [a.validity.start for a in (*root.tlogs, *root.ctlogs)]
    starts += [a.validity.start for a in (*root.certificate_authorities, *root.timestamp_authorities)]
    return max(starts, default=None)


# -- The rule --------------------------------------------------------------------------------------------------------


def resolve_trusted_root(*, trusted_root_file: PathLike | None = None, tuf_url: str | None = None,
                         tuf_root: bytes | PathLike | None = None, staging: bool = False, refresh: bool = False,
                         cache_dir: PathLike | None = None, data_dir: PathLike | None = None,
                         fetcher: FetcherInterface | None = None,
                         repository: TufRepository | None = None) -> ResolvedRoot:
    """The trusted root to verify with. The one rule, in this order:

    1. ``trusted_root_file`` (``--trusted-root FILE``) if given: that file, as is (TUF options are not consulted).
    2. else the TUF cache of the repository (production, ``staging``, or ``tuf_url``; or ``repository``), when it
       is fresh: replayed from the bootstrap root through every TUF check with the current time, nothing expired.
    3. else, when ``refresh`` is true (a command that may use the network, not ``--offline``), a TUF update from
       the network, which replaces the cache on success. An update that fails a TUF *check* (expired metadata,
       rollback, freeze, mix-and-match, signatures, length or hash, an oversized or endless answer) **fails**
       (``tuf-failed``, exit 1): no fallback. An update that cannot reach the repository at all
       (``tuf-unreachable``: connection, DNS, timeouts, an HTTP error answer after the retries) goes on to 4, with
       a warning saying so: a machine that cannot reach the TUF repository keeps verifying, as offline
       (``pyslsa trust-root update`` is how to insist on freshness: it fails when unreachable).
    4. else the trusted root bundled with pyslsa, for the Sigstore instances only, with a one-line warning naming
       its date and why (offline with no cache, a cache that expired or failed verification, an unreachable
       repository). A private repository has no bundled root: with no cache that is a usage error (exit 2: run an
       update first); with a cache that fails verification, that TUF error (exit 1; ``tuf-unreachable`` when the
       refresh could not reach the repository either).

    The library stays offline unless asked: ``refresh`` defaults to False. ``cache_dir`` / ``data_dir`` override
    ``$PYSLSA_CACHE_DIR`` / ``$PYSLSA_DATA_DIR`` and the user directories; ``fetcher`` replaces the network
    fetcher (tests, proxies).
    """
    if trusted_root_file is not None:
        return _from_file(trusted_root_file)
    from pyslsa.sources import tuf

    repo = repository or repository_for(tuf_url, tuf_root, staging, data_dir)
    path = str(tuf.mirror_path(repo.url, cache_dir))
    problem: TufError | None = None
    try:
        state = tuf.load_cached(repo, cache_dir)
    except TufError as exc:
        state, problem = None, exc
    if state is not None:
        root = _parse_target(state.trusted_root)
        if isinstance(root, TrustedRoot):
            return ResolvedRoot(root, _tuf_source("tuf-cache", state, path), state.trusted_root)
        problem = root
    if refresh:
        try:
            outcome = tuf.refresh(repo, cache_dir=cache_dir, fetcher=fetcher, require_save=False)
        except TufUnreachableError as exc:
            return _unreachable(repo, exc, problem)
        notes = []
        if outcome.cache_problem:
            notes.append(f"the previous TUF cache was not usable: {outcome.cache_problem}")
        if outcome.save_problem:
            notes.append(f"the refreshed root is not cached: {outcome.save_problem}")
        else:
            _remember(repo, data_dir)
        warning = "; ".join(notes) or None
        return ResolvedRoot(_parsed(outcome.after.trusted_root),
                            _tuf_source("tuf", outcome.after, str(outcome.mirror), warning),
                            outcome.after.trusted_root)
    if repo.fallback is not None:
        why = str(problem) if problem is not None else f"no TUF cache of {repo.url} yet"
        return _bundled(repo, f"{why}; verifying with the trusted root bundled with pyslsa {{bundled}}; "
                              f"`pyslsa trust-root update` refreshes it")
    if problem is not None:
        raise problem
    raise UsageError(f"no trusted root for {repo.url} offline: its TUF cache is empty; run `pyslsa trust-root "
                     f"update --tuf-url {repo.url}` with network access first")


def _unreachable(repo: TufRepository, exc: TufUnreachableError, problem: TufError | None) -> ResolvedRoot:
    """A refresh that could not reach the repository: the bundled root with a warning, where there is one."""
    if repo.fallback is not None:
        cache = f" (and its TUF cache failed the {problem.check} check)" if problem is not None else ""
        return _bundled(repo, f"could not reach {repo.url}: {exc.detail}{cache}; verifying with the trusted root "
                              f"bundled with pyslsa {{bundled}}; run `pyslsa trust-root update` to fail instead "
                              f"when the repository is unreachable")
    if problem is not None:
        raise TufUnreachableError(f"{exc.message}; and its TUF cache is not usable: {problem}",
                                  detail=exc.detail) from None
    raise UsageError(f"no trusted root for {repo.url}: it could not be reached ({exc.detail}) and there is no TUF "
                     f"cache of it yet; run `pyslsa trust-root update --tuf-url {repo.url}` with network access "
                     f"first") from None


def _bundled(repo: TufRepository, warning: str) -> ResolvedRoot:
    """The trusted root bundled with pyslsa for ``repo`` (a Sigstore instance), with ``warning`` (``{bundled}`` in
    it becomes "<version> (<date>)")."""
    from pyslsa import __version__

    assert repo.fallback is not None
    root = _parsed(repo.fallback)
    date = bundled_date(root)
    when = date.date().isoformat() if date else "undated"
    return ResolvedRoot(root, RootSource("bundled", repository=repo.url, date=date,
                                         sha256=hashlib.sha256(repo.fallback).hexdigest(),
                                         warning=warning.replace("{bundled}", f"{__version__} ({when})")),
                        repo.fallback)


def resolve_root(trusted_root: TrustedRootSpec, options: TufOptions | None = None) -> ResolvedRoot:
    """The trusted root a verifying command uses (what every ``pyslsa.api.run_*`` calls): ``trusted_root`` if
    given (a path: ``--trusted-root FILE``; a parsed :class:`~pyslsa.core.trust.TrustedRoot` or a
    ``trusted_root.json``'s bytes: kind ``given``), else :func:`resolve_trusted_root` with the TUF ``options``
    (``$PYSLSA_TUF_URL`` / ``$PYSLSA_TUF_ROOT`` when they name none; no refresh unless ``options.refresh``)."""
    if isinstance(trusted_root, TrustedRoot):
        return ResolvedRoot(trusted_root, RootSource("given"), b"")
    if isinstance(trusted_root, (bytes, bytearray, memoryview)):
        data = bytes(trusted_root)
        return ResolvedRoot(TrustedRoot.from_json(data),
                            RootSource("given", sha256=hashlib.sha256(data).hexdigest()), data)
    if trusted_root is not None:
        return _from_file(trusted_root)
    o = options or TufOptions()
    return resolve_trusted_root(tuf_url=o.url, tuf_root=o.root, staging=o.staging, refresh=o.refresh,
                                cache_dir=o.cache_dir, data_dir=o.data_dir)


def _from_file(path: PathLike) -> ResolvedRoot:
    from pyslsa.sources.files import read_evidence

    data = read_evidence(path, "trusted root file")
    root = TrustedRoot.from_json(data)
    return ResolvedRoot(root, RootSource("file", path=os.fspath(path), sha256=hashlib.sha256(data).hexdigest()),
                        data)


@functools.lru_cache(maxsize=8)
def _parsed(data: bytes) -> TrustedRoot:
    """A trusted root parsed once per process for the same bytes (the bundled root, a cache's target): its
    prepared CAs and keys (``TrustedRoot.derived``) are reused by a library caller verifying in a loop."""
    return TrustedRoot.from_json(data)


def _parse_target(data: bytes) -> TrustedRoot | TufError:
    from pyslsa.errors import TrustedRootError

    try:
        return _parsed(data)
    except TrustedRootError as exc:
        return TufError(f"the cached trusted_root.json passed TUF but is not a trusted root pyslsa can use: {exc}",
                        check="target-format")


def _tuf_source(kind: RootSourceKind, state: TufState, path: str, warning: str | None = None) -> RootSource:
    return RootSource(kind, repository=state.url, path=path, date=state.saved, expires=state.expires,
                      versions=state.versions(), sha256=state.sha256, warning=warning)


def _remember(repo: TufRepository, data_dir: PathLike | None) -> None:
    if repo.record_bootstrap:
        from pyslsa.sources.tuf import write_bootstrap

        write_bootstrap(repo.url, repo.bootstrap, data_dir)


# -- trust-root update -----------------------------------------------------------------------------------------------


def update(*, tuf_url: str | None = None, tuf_root: bytes | PathLike | None = None, staging: bool = False,
           cache_dir: PathLike | None = None, data_dir: PathLike | None = None,
           fetcher: FetcherInterface | None = None, repository: TufRepository | None = None) -> UpdateResult:
    """``pyslsa trust-root update``: refresh the TUF cache of the repository from the network, whatever its
    freshness, and say what changed. A private repository's ``tuf_root`` is remembered after a success.
    Raises :class:`~pyslsa.errors.TufError` (exit 1) on any TUF failure; the previous cache stays as it was."""
    from pyslsa.sources import tuf

    repo = repository or repository_for(tuf_url, tuf_root, staging, data_dir)
    outcome: RefreshOutcome = tuf.refresh(repo, cache_dir=cache_dir, fetcher=fetcher)
    _remember(repo, data_dir)
    return UpdateResult(repo.url, str(outcome.mirror), outcome.before, outcome.after, outcome.cache_problem,
                        root_source=_tuf_source("tuf", outcome.after, str(outcome.mirror)))


# -- trust-root show / verify ----------------------------------------------------------------------------------------


def describe_root(root: TrustedRoot, source: RootSource, now: dt.datetime | None = None) -> TrustRootReport:
    """What ``root`` trusts, with validity windows and the problems worth a warning."""
    from cryptography.hazmat.primitives import hashes

    moment = now or dt.datetime.now(dt.timezone.utc)
    items: list[AuthorityInfo] = []

    def key_info(kind: AuthorityKind, log: KeyAuthority) -> AuthorityInfo:
        return AuthorityInfo(kind, log.base_url, log.log_id_hex, log.key_details, log.validity.start,
                             log.validity.end, log.validity.contains(moment),
                             "" if log.key is not None else log.unusable_reason)

    def ca_info(kind: AuthorityKind, ca: CertificateAuthority) -> AuthorityInfo:
        subjects = " <- ".join(c.subject.rfc4514_string() or "(empty subject)" for c in ca.chain)
        return AuthorityInfo(kind, ca.uri, ca.chain[-1].fingerprint(hashes.SHA256()).hex(), subjects,
                             ca.validity.start, ca.validity.end, ca.validity.contains(moment))

    items += [key_info("tlog", log) for log in root.tlogs]
    items += [key_info("ctlog", log) for log in root.ctlogs]
    items += [ca_info("ca", ca) for ca in root.certificate_authorities]
    items += [ca_info("tsa", ca) for ca in root.timestamp_authorities]
    warnings: list[str] = []
    if source.warning:
        warnings.append(source.warning)
    names = {"tlog": "transparency log", "ctlog": "CT log", "ca": "certificate authority",
             "tsa": "timestamp authority"}
    for kind in ("tlog", "ca"):
        if not any(a.kind == kind for a in items):
            warnings.append(f"no {names[kind]}: nothing signed with a certificate can verify against this root")
    for kind in ("tlog", "ctlog", "ca"):
        mine = [a for a in items if a.kind == kind]
        if mine and not any(a.active and not a.problem for a in mine):
            warnings.append(f"no usable {names[kind]} is valid now: only evidence from before "
                            f"{iso_utc(max((a.valid_until for a in mine if a.valid_until), default=None))} "
                            f"can verify")
    for a in items:
        if a.problem:
            warnings.append(f"{names[a.kind]} {a.name or a.ident}: unusable: {a.problem}")
    return TrustRootReport(source, root.media_type, tuple(items), tuple(warnings))


def show(*, trusted_root_file: PathLike | None = None, tuf_url: str | None = None,
         tuf_root: bytes | PathLike | None = None, staging: bool = False, refresh: bool = False,
         cache_dir: PathLike | None = None, data_dir: PathLike | None = None,
         fetcher: FetcherInterface | None = None, repository: TufRepository | None = None) -> TrustRootReport:
    """``pyslsa trust-root show``: which trusted root a verifying command with the same options would use
    (:func:`resolve_trusted_root`), where it comes from, and what it trusts. Offline unless ``refresh``."""
    resolved = resolve_trusted_root(trusted_root_file=trusted_root_file, tuf_url=tuf_url, tuf_root=tuf_root,
                                    staging=staging, refresh=refresh, cache_dir=cache_dir, data_dir=data_dir,
                                    fetcher=fetcher, repository=repository)
    return describe_root(resolved.trusted_root, resolved.source)


def export(*, output: PathLike | None = None, tuf_url: str | None = None, tuf_root: bytes | PathLike | None = None,
           staging: bool = False, refresh: bool = False, cache_dir: PathLike | None = None,
           data_dir: PathLike | None = None, fetcher: FetcherInterface | None = None,
           repository: TufRepository | None = None) -> ResolvedRoot:
    """``pyslsa trust-root export [--output FILE]``: the trusted root in force (same rule, no ``--trusted-root``),
    byte for byte, for an air-gapped machine's ``--trusted-root``. Written atomically to ``output`` if given (the
    caller prints ``.data`` otherwise); ``.source.warning`` says if it is the bundled fallback."""
    resolved = resolve_trusted_root(tuf_url=tuf_url, tuf_root=tuf_root, staging=staging, refresh=refresh,
                                    cache_dir=cache_dir, data_dir=data_dir, fetcher=fetcher, repository=repository)
    if output is not None:
        from pyslsa.sources.atomic import write_atomically

        write_atomically(output, resolved.data)
    return resolved


def verify_file(path: PathLike) -> TrustRootReport:
    """``pyslsa trust-root verify FILE``: is ``path`` a well-formed trusted root (or a ClientTrustConfig holding
    one), and what does it trust. A malformed one raises :class:`~pyslsa.errors.TrustedRootError` (exit 2)
    naming the field; problems that do not stop parsing (unusable keys, nothing valid now) are ``warnings``."""
    resolved = _from_file(path)
    return describe_root(resolved.trusted_root, resolved.source)



# -- pyslsa trust-root -----------------------------------------------------------------------------------------------


def run_trust_root(options: TrustRootOptions) -> TrustRootReport | UpdateResult | ExportResult:
    """``pyslsa trust-root ACTION`` (see :class:`~pyslsa.options.TrustRootOptions`)."""
    t = options.tuf
    if options.action == "update":
        return update(tuf_url=t.url, tuf_root=t.root, staging=t.staging, cache_dir=t.cache_dir, data_dir=t.data_dir)
    if options.action == "show":
        return show(tuf_url=t.url, tuf_root=t.root, staging=t.staging, refresh=t.refresh, cache_dir=t.cache_dir,
                    data_dir=t.data_dir)
    if options.action == "export":
        resolved = export(output=options.output, tuf_url=t.url, tuf_root=t.root, staging=t.staging,
                          refresh=t.refresh, cache_dir=t.cache_dir, data_dir=t.data_dir)
        return ExportResult(resolved.data, resolved.source, options.output)
    if options.action == "verify" and options.file is not None:
        return verify_file(options.file)
    raise UsageError(f"trust-root: unknown action {options.action!r} (or no FILE to verify)")


__all__ = [
    "SOURCE_KINDS",
    "AuthorityInfo",
    "ResolvedRoot",
    "RootSource",
    "TrustRootReport",
    "UpdateResult",
    "bundled_date",
    "describe_root",
    "export",
    "repository_for",
    "resolve_root",
    "resolve_trusted_root",
    "run_trust_root",
    "show",
    "update",
    "verify_file",
]
