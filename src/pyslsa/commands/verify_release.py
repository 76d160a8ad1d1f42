"""``verify-release NAME==VERSION``: fetch a release's files and evidence (the edges), decide in the core.

1. the index lists the release's wheels and sdists (PEP 691 / 503);
2. each file is downloaded into a private temporary directory (or ``--keep DIR``), hash-checked against the
   index, size- and time-bounded;
3. evidence is gathered: each file's PEP 740 provenance object from the index, and the SLSA provenance of the
   GitHub release (or ``--provenance FILE``);
4. :func:`pyslsa.core.release.decide_release` gives the verdict per file.

The temporary directory is removed on every path (success, failure, error, Ctrl-C).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pyslsa.commands.verify_artifact import _resolver, load_provenance, load_trusted_root, testing_enabled
from pyslsa.core.profile import SLSA_VERIFIER
from pyslsa.core.release import ReleaseFile, SlsaDocument, decide_release
from pyslsa.core.slsa.policy import SlsaPolicy
from pyslsa.errors import ReleaseNotFoundError, UsageError
from pyslsa.report import ReleaseReport
from pyslsa.sources.files import split_evidence, work_directory
from pyslsa.sources.github import DEFAULT_GITHUB_API_URL, DEFAULT_GITHUB_URL, GitHubReleases, repository_of
from pyslsa.sources.http import HttpClient, Progress, create_exclusive, safe_filename
from pyslsa.sources.pypi import DEFAULT_INDEX_URL, DistFile, PackageIndex, parse_requirement


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[[str, int | None], Progress] | None]:
    """A factory of per-file progress callbacks drawing a rich progress bar on stderr, or None when off."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, TextColumn, TransferSpeedColumn
    from rich.progress import Progress as RichProgress

    with RichProgress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                      console=Console(stderr=True), transient=True) as bar:

        def start(name: str, total: int | None) -> Progress:
            task = bar.add_task(name, total=total)

            def update(done: int, size: int | None) -> None:
                bar.update(task, completed=done, total=size or total)

            return update

        yield start


def _save(directory: Path, name: str, content: bytes) -> None:
    """``content`` as ``directory/name``, through a part file of our own (never an existing file or a symlink)."""
    target = directory / safe_filename(name, "evidence file name")
    tmp = directory / f".{target.name}.part"
    fd = create_exclusive(tmp)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        tmp.replace(target)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)


def run(*, requirement: str, source_uri: str, release_tag: str | None = None, provenance_path: str | None = None,
        builder_id: str | None = None, only: str | None = None, index_url: str | None = None,
        github_url: str | None = None, github_api_url: str | None = None, pep740: bool = True,
        github: bool = True, keep: str | None = None, rekor_url: str | None = None, offline_tlog: bool = False,
        trusted_root_path: str | None = None, progress: bool = False, timeout: float | None = 1800.0,
        client: HttpClient | None = None) -> ReleaseReport:
    name, version = parse_requirement(requirement)
    tag = release_tag or f"v{version}"
    if timeout is not None and not (0 < timeout < float("inf")):
        raise UsageError(f"--timeout must be a positive number of seconds, got {timeout}")
    http = client or HttpClient()
    if timeout is not None:  # one limit for every fetch of the run (each request also has its own bounds)
        http.until = time.monotonic() + timeout
    releases: GitHubReleases | None = None
    try:
        if github and provenance_path is None:  # usage errors (source URI, GitHub URLs) now, not after the downloads
            repository_of(source_uri)
            releases = GitHubReleases(github_url or DEFAULT_GITHUB_URL, github_api_url or DEFAULT_GITHUB_API_URL,
                                      client=http)
        root = load_trusted_root(trusted_root_path)
        policy = SlsaPolicy(source_uri, source_tag=tag, builder_id=builder_id or None, testing=testing_enabled())
        index = PackageIndex(index_url or os.environ.get("PYSLSA_INDEX_URL") or DEFAULT_INDEX_URL, client=http)
        report = ReleaseReport(requirement=f"{name}=={version}", index_url=index.index_url)
        files = index.release_files(name, version)
        if only is not None:
            files = [f for f in files if f.kind == only]
            if not files:
                raise ReleaseNotFoundError(f"{name}=={version} has no {only} on {index.index_url}")
        yanked = [f.filename for f in files if f.yanked]
        if yanked:  # PEP 592: still verified (provenance is about origin), but the user should know
            report.notes.append(f"yanked on the index: {', '.join(yanked)}")
        with work_directory(keep, "pyslsa-release-") as directory:
            digests = _download_all(files, directory, index, progress)
            release_files = [ReleaseFile(f.filename, digests[f.filename]) for f in files]
            pep740_objects: dict[str, list[tuple[str, bytes]]] = {}
            if pep740:
                for f in files:
                    found = index.provenance(name, version, f)
                    if found is not None:
                        pep740_objects[f.filename] = [found]
                        report.sources.append(found[0])
                        if keep is not None:
                            _save(directory, f"{f.filename}.provenance", found[1])
            docs = _slsa_documents(report, source_uri, tag, provenance_path, releases,
                                   directory if keep is not None else None)
            report.files = decide_release(release_files, pep740_objects, docs, policy, root,
                                          _resolver(rekor_url, offline_tlog), profile=SLSA_VERIFIER)
            if keep is not None:
                report.notes.append(f"kept the downloads in {directory}")
        return report
    finally:  # connections closed on every path
        if client is None:
            http.close()
        if releases is not None and releases.api_client is not None:
            releases.api_client.close()


def _download_all(files: list[DistFile], directory: Path, index: PackageIndex, progress: bool) -> dict[str, str]:
    digests: dict[str, str] = {}
    with progress_bar(progress) as bar:
        for f in files:
            callback = bar(f.filename, f.size) if bar is not None else None
            _, digests[f.filename] = index.download(f, directory, progress=callback)
    return digests


def _slsa_documents(report: ReleaseReport, source_uri: str, tag: str, provenance_path: str | None,
                    releases: GitHubReleases | None, keep_dir: Path | None) -> list[SlsaDocument]:
    blobs: list[tuple[str, bytes]] = []
    if provenance_path is not None:
        blobs.append((os.fspath(provenance_path), load_provenance(provenance_path)))
    elif releases is not None:
        assets = releases.provenance(source_uri, tag)
        if not assets:
            report.notes.append(f"GitHub release {tag} of {source_uri}: no SLSA provenance asset")
        for asset in assets:
            blobs.append((asset.name, asset.content))
            report.sources.append(asset.url)
            if keep_dir is not None:
                _save(keep_dir, asset.name, asset.content)
    docs: list[SlsaDocument] = []
    for source, data in blobs:
        parts = split_evidence(data)
        for i, raw in enumerate(parts):
            docs.append(SlsaDocument(f"{source}#{i + 1}" if len(parts) > 1 else source, raw))
    return docs


__all__ = ["run"]
