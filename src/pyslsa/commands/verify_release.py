"""``pyslsa verify-release NAME==VERSION``: every file of a PyPI release, with both kinds of evidence (the work is
:func:`pyslsa.api.run_verify_release`; this module adds the flags and the download progress bars)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from pyslsa.commands.flags import OFFLINE_TRUST_ROOT_HELP, Ui, add_common, add_vsa, say_vsa, tuf_options, vsa_output

if TYPE_CHECKING:
    from pyslsa.api.release import Progress, ProgressFactory
    from pyslsa.options import VerifyReleaseOptions
    from pyslsa.report import ReleaseReport

NAME = "verify-release"
ALIASES: tuple[str, ...] = ()
HELP = ("verify every file of a PyPI release: PEP 740 attestations and SLSA provenance from its GitHub "
        "release")
DESCRIPTION = ("Resolve NAME==VERSION on the package index, download each wheel and sdist (hash-checked "
               "against the index, size- and time-bounded, into a private temporary directory removed "
               "afterwards), and verify, for each file: its PEP 740 attestations (Trusted Publisher = "
               "--source-uri) and the SLSA provenance of the GitHub release (tag v{VERSION} by default: "
               "multiple.intoto.jsonl or every *.intoto.jsonl asset), with verify-artifact's policy. A file "
               "passes when at least one piece of evidence verifies it and none that names it fails; a file "
               "that no evidence covers is 'unattested' (a failure).")
EPILOG = """\
examples:
  pyslsa verify-release aws-lambda-powertools==2.20.0 \\
      --source-uri github.com/aws-powertools/powertools-lambda-python
  pyslsa verify-release pypi-attestations==0.0.19 --source-uri github.com/trailofbits/pypi-attestations --only sdist

"""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("requirement", metavar="NAME==VERSION", help="the release, e.g. aws-lambda-powertools==2.20.0")
    p.add_argument("--source-uri", required=True, metavar="URI",
                   help="the repository the release must come from, e.g. github.com/ORG/REPO")
    p.add_argument("--release-tag", metavar="TAG",
                   help="the GitHub release (and git tag) that holds the provenance (default: v{VERSION})")
    p.add_argument("--provenance", metavar="FILE",
                   help="use this SLSA provenance file instead of the GitHub release's")
    p.add_argument("--builder-id", metavar="ID",
                   help="expected builder of the SLSA provenance (required for BYOB/delegator builds)")
    p.add_argument("--only", choices=("wheel", "sdist"), help="verify only the wheels, or only the sdist")
    p.add_argument("--index-url", metavar="URL",
                   help="simple-API index to resolve the release on (default: $PYSLSA_INDEX_URL or "
                        "https://pypi.org/simple/)")
    p.add_argument("--github-url", metavar="URL",
                   help="GitHub host for release downloads (default: $PYSLSA_GITHUB_URL or https://github.com)")
    p.add_argument("--github-api-url", metavar="URL",
                   help="GitHub API for the releases list (default: $PYSLSA_GITHUB_API_URL or "
                        "https://api.github.com)")
    p.add_argument("--no-pep740", action="store_true", help="ignore PEP 740 attestations")
    p.add_argument("--no-github", action="store_true",
                   help="do not look for SLSA provenance on the GitHub release")
    p.add_argument("--keep", metavar="DIR",
                   help="keep the downloaded files (and evidence) in DIR instead of a temporary directory")
    p.add_argument("--rekor-url", metavar="URL",
                   help="transparency log for legacy provenance lookups (default: $PYSLSA_REKOR_URL or "
                        "https://rekor.sigstore.dev)")
    p.add_argument("--offline-tlog", action="store_true",
                   help="never look up legacy provenance in the transparency log")
    p.add_argument("--timeout", metavar="SECONDS", type=float, default=1800.0,
                   help="time limit for all the downloads and lookups of the run (default: 1800); each request "
                        "also has its own timeout and retries")
    add_common(p, offline_help=OFFLINE_TRUST_ROOT_HELP)
    add_vsa(p)


def options_from(args: argparse.Namespace) -> VerifyReleaseOptions:
    from pyslsa.options import VerifyReleaseOptions

    return VerifyReleaseOptions(
        requirement=args.requirement, source_uri=args.source_uri, release_tag=args.release_tag,
        provenance=args.provenance, builder_id=args.builder_id, only=args.only, index_url=args.index_url,
        github_url=args.github_url, github_api_url=args.github_api_url, pep740=not args.no_pep740,
        github=not args.no_github, keep=args.keep, rekor_url=args.rekor_url, offline_tlog=args.offline_tlog,
        trusted_root=args.trusted_root, timeout=args.timeout, vsa=vsa_output(args), tuf=tuf_options(args))


def run(options: VerifyReleaseOptions, ui: Ui) -> ReleaseReport:
    from pyslsa.api.release import run_verify_release

    with progress_bar(ui.progress) as bar:
        report = run_verify_release(options, progress=bar)
    say_vsa(report.vsa)
    return report


@contextmanager
def progress_bar(enabled: bool) -> Iterator[ProgressFactory | None]:
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
