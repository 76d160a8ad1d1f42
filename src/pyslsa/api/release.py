"""``verify-release NAME==VERSION``: fetch a release's files and evidence (the edges), decide in the core.

1. the index lists the release's wheels and sdists (PEP 691 / 503);
2. each file is downloaded into a private temporary directory (or ``keep``), hash-checked against the index,
   size- and time-bounded;
3. evidence is gathered: each file's PEP 740 provenance object from the index, and the SLSA provenance of the
   GitHub release (or ``provenance``);
4. :func:`pyslsa.core.release.decide_release` gives the verdict per file.

The temporary directory is removed on every path (success, failure, error, Ctrl-C).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path

from pyslsa.api.trust_root import resolve_root
from pyslsa.core.profile import SLSA_VERIFIER
from pyslsa.core.release import ReleaseFile, SlsaDocument, decide_release
from pyslsa.core.slsa.policy import SlsaPolicy
from pyslsa.core.verify import split_evidence
from pyslsa.core.x509 import ChainMemo
from pyslsa.errors import ReleaseNotFoundError, UsageError
from pyslsa.options import VerifyReleaseOptions
from pyslsa.report import ReleaseReport
from pyslsa.sources.atomic import write_atomically
from pyslsa.sources.files import load_evidence, work_directory
from pyslsa.sources.github import GitHubReleases, repository_of
from pyslsa.sources.http import HttpClient, Progress, safe_filename
from pyslsa.sources.pypi import DistFile, PackageIndex, parse_requirement
from pyslsa.sources.rekor import make_resolver
from pyslsa.sources.settings import github_api_url, github_url, index_url, testing_enabled

__all__ = ["Progress", "ProgressFactory", "run_verify_release"]

#: Makes the progress callback of one download: (file name, size or None) -> callback.
ProgressFactory = Callable[[str, int | None], Progress]


def run_verify_release(options: VerifyReleaseOptions, *, progress: ProgressFactory | None = None,
                       client: HttpClient | None = None) -> ReleaseReport:
    """Verify every file of the release (see the module docstring). ``progress`` reports each download (the CLI
    draws bars with it); ``client`` replaces the HTTP client (it is then not closed here)."""
    name, version = parse_requirement(options.requirement)
    tag = options.release_tag or f"v{version}"
    timeout = options.timeout
    if timeout is not None and not (0 < timeout < float("inf")):
        raise UsageError(f"--timeout must be a positive number of seconds, got {timeout}")
    sink = None
    if options.vsa is not None:  # the key and the place checked before any download (usage errors first)
        from pyslsa.api.vsa import open_vsa_output

        if options.vsa.resource_uri is not None:
            raise UsageError("a release's VSA names its resource itself (pkg:pypi/NAME@VERSION): "
                             "--vsa-resource-uri is for verify-artifact")
        sink = open_vsa_output(options.vsa, (options.provenance, options.trusted_root))
    http = client or HttpClient()
    if timeout is not None:  # one limit for every fetch of the run (each request also has its own bounds)
        http.until = time.monotonic() + timeout
    releases: GitHubReleases | None = None
    provenance = os.fspath(options.provenance) if options.provenance is not None else None
    keep = os.fspath(options.keep) if options.keep is not None else None
    try:
        if options.github and provenance is None:  # usage errors (source URI, GitHub URLs) now, not after downloads
            repository_of(options.source_uri)
            releases = GitHubReleases(github_url(options.github_url), github_api_url(options.github_api_url),
                                      client=http)
        resolved = resolve_root(os.fspath(options.trusted_root) if options.trusted_root is not None else None,
                                options.tuf)
        root = resolved.trusted_root
        policy = SlsaPolicy(options.source_uri, source_tag=tag, builder_id=options.builder_id or None,
                            testing=testing_enabled())
        index = PackageIndex(index_url(options.index_url), client=http)
        report = ReleaseReport(requirement=f"{name}=={version}", index_url=index.index_url,
                               root_source=resolved.source)
        files = index.release_files(name, version)
        if options.only is not None:
            files = [f for f in files if f.kind == options.only]
            if not files:
                raise ReleaseNotFoundError(f"{name}=={version} has no {options.only} on {index.index_url}")
        yanked = [f.filename for f in files if f.yanked]
        if yanked:  # PEP 592: still verified (provenance is about origin), but the user should know
            report.notes.append(f"yanked on the index: {', '.join(yanked)}")
        with work_directory(keep, "pyslsa-release-") as directory:
            digests = _download_all(files, directory, index, progress)
            release_files = [ReleaseFile(f.filename, digests[f.filename]) for f in files]
            pep740_objects: dict[str, list[tuple[str, bytes]]] = {}
            if options.pep740:
                for f in files:
                    found = index.provenance(name, version, f)
                    if found is not None:
                        pep740_objects[f.filename] = [found]
                        report.sources.append(found[0])
                        if keep is not None:
                            _save(directory, f"{f.filename}.provenance", found[1])
            docs = _slsa_documents(report, options.source_uri, tag, provenance, releases,
                                   directory if keep is not None else None)
            report.files = decide_release(release_files, pep740_objects, docs, policy, root,
                                          make_resolver(options.rekor_url, options.offline_tlog),
                                          profile=SLSA_VERIFIER, memo=ChainMemo(root))  # one per run
            if keep is not None:
                report.notes.append(f"kept the downloads in {directory}")
        if sink is not None:  # a verdict was reached (PASSED or FAILED): its VSA
            from pyslsa.api.vsa import write_release_vsa

            report.vsa = write_release_vsa(sink, report, options, tag)
        return report
    finally:  # connections closed on every path
        if client is None:
            http.close()
        if releases is not None and releases.api_client is not None:
            releases.api_client.close()


def _save(directory: Path, name: str, content: bytes) -> None:
    """Evidence kept with ``--keep``, as ``directory/name`` (a name from a server: checked to be a plain name),
    private to the user like the downloads beside it."""
    write_atomically(directory / safe_filename(name, "evidence file name"), content, new_file_mode=0o600)


def _download_all(files: list[DistFile], directory: Path, index: PackageIndex,
                  progress: ProgressFactory | None) -> dict[str, str]:
    digests: dict[str, str] = {}
    for f in files:
        callback = progress(f.filename, f.size) if progress is not None else None
        _, digests[f.filename] = index.download(f, directory, progress=callback)
    return digests


def _slsa_documents(report: ReleaseReport, source_uri: str, tag: str, provenance_path: str | None,
                    releases: GitHubReleases | None, keep_dir: Path | None) -> list[SlsaDocument]:
    blobs: list[tuple[str, str, bytes]] = []  # (name in reports, where it came from, bytes)
    if provenance_path is not None:
        blobs.append((provenance_path, provenance_path, load_evidence(provenance_path)))
    elif releases is not None:
        assets = releases.provenance(source_uri, tag)
        if not assets:
            report.notes.append(f"GitHub release {tag} of {source_uri}: no SLSA provenance asset")
        for asset in assets:
            blobs.append((asset.name, asset.url, asset.content))
            report.sources.append(asset.url)
            if keep_dir is not None:
                _save(keep_dir, asset.name, asset.content)
    docs: list[SlsaDocument] = []
    for source, uri, data in blobs:
        digest = hashlib.sha256(data).hexdigest()  # of the file as fetched (a VSA's inputAttestations)
        parts = split_evidence(data)
        for i, raw in enumerate(parts):
            docs.append(SlsaDocument(f"{source}#{i + 1}" if len(parts) > 1 else source, raw, uri, digest))
    return docs
