"""``pyslsa audit [PATH ...]``: every dependency of lockfiles, requirements files or an installed environment,
against a policy and the pinned publishers (the work is :func:`pyslsa.api.audit.run_audit`; this module adds the
flags, the progress bar, and where the report goes: stdout, a rich table on a terminal, or files with
``--output``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, cast

from pyslsa.commands.flags import Ui, add_tuf, tuf_options

if TYPE_CHECKING:
    from pyslsa.options import AuditFormat, AuditOptions, AuditProgress
    from pyslsa.report import AuditReport, CommandReport

NAME = "audit"
ALIASES: tuple[str, ...] = ()
HELP = "audit every dependency of a lockfile or environment against a policy and the pinned publishers"
DESCRIPTION = """\
Check that every package of requirements*.txt, pylock.toml, uv.lock or poetry.lock files (PATH ...), or of an
installed environment (no PATH: this interpreter's; --python: another's), carries verifiable provenance from the
publisher the policy names: PEP 740 attestations, GitHub artifact attestations by digest, the GitHub release's SLSA
provenance, or --evidence DIR. Each pinned SHA-256 must be the index's, and the evidence must name it. The policy
is --policy FILE, else pyslsa.toml, else [tool.pyslsa] of pyproject.toml in the current directory; --update-pins
records who published each package, and later runs fail when that changes (publisher-changed, attestation-lost).

Verdicts per package: verified, unattested, allowed (by an unexpired exception) or failed (with an error code).
Exit 0 when the policy holds, 1 when it does not (a failure, or a package unattested that the policy requires
evidence for), 2 on a usage or input error (an unknown policy key, a malformed lockfile, an -r include loop)."""
EPILOG = """\
examples:
  pyslsa audit requirements.txt                     # against ./pyslsa.toml (or [tool.pyslsa] of pyproject.toml)
  pyslsa audit pylock.toml --policy ci/pyslsa.toml --update-pins
  pyslsa audit uv.lock --format json --output audit.json
  pyslsa audit requirements.txt --output sarif=audit.sarif --output markdown=comment.md   # one run, three views
  pyslsa audit --python .venv/bin/python            # an installed environment
  pyslsa audit requirements.txt --offline --evidence evidence/   # no network: the cache and DIR only

output: --format table (default) is a table on a terminal (with a progress bar on stderr while fetching), plain
text otherwise, ending with the summary line "N verified, M unattested, K failed". --output FILE writes the
--format view to FILE instead of stdout (atomically; the summary line then goes to stderr); --output FORMAT=FILE
(repeatable) writes one more view of the same run, e.g. sarif=audit.sarif, while the --format view still goes to
stdout unless --output FILE is also given.

environment: PYSLSA_INDEX_URL, PYSLSA_GITHUB_URL and PYSLSA_GITHUB_API_URL stand for the URL flags not given (as
in verify-release); GITHUB_TOKEN, when set, is sent to the GitHub API host only (rate limits); PYSLSA_CACHE_DIR is
where fetched evidence is cached (re-verified on every use).

"""


#: ``pyslsa.options.AUDIT_FORMATS`` and ``DEFAULT_JOBS``, spelled out: building the parser imports no options module
#: (``pyslsa --help`` stays fast); a test keeps them equal.
FORMATS = ("table", "json", "markdown", "sarif")
DEFAULT_JOBS = 16


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="requirements*.txt, pylock.toml / pylock.NAME.toml, uv.lock or poetry.lock (the kind comes "
                        "from the name and is checked against the content); none: an installed environment")
    p.add_argument("--python", metavar="PATH",
                   help="audit the environment of this interpreter (or virtual environment directory) instead of "
                        "the current one")
    p.add_argument("--policy", metavar="FILE",
                   help="the policy (default: pyslsa.toml, else [tool.pyslsa] of pyproject.toml, in the current "
                        "directory; none: require = \"listed\" and no package listed)")
    p.add_argument("--update-pins", action="store_true",
                   help="record the identity each package verified with ([[packages.attestation-identities]] of a "
                        "pylock.toml input, else pyslsa.pins.toml beside the input); the run is still judged "
                        "against the pins it read")
    p.add_argument("--evidence", metavar="DIR",
                   help="local evidence named after the files: FILE.provenance, FILE.sigstore.json, "
                        "FILE.intoto.jsonl, sha256:HEX.jsonl")
    p.add_argument("--offline", action="store_true",
                   help="open no socket: evidence from the cache (re-verified) and --evidence DIR only; the trusted "
                        "root is the TUF cache when it is fresh, else the one bundled with pyslsa (with a warning)")
    p.add_argument("--index-url", metavar="URL",
                   help="simple-API index the pinned files are looked up on (default: $PYSLSA_INDEX_URL or "
                        "https://pypi.org/simple/)")
    p.add_argument("--github-url", metavar="URL",
                   help="GitHub host for release downloads (default: $PYSLSA_GITHUB_URL or https://github.com)")
    p.add_argument("--github-api-url", metavar="URL",
                   help="GitHub API for releases and artifact attestations (default: $PYSLSA_GITHUB_API_URL or "
                        "https://api.github.com)")
    p.add_argument("--trusted-root", metavar="FILE",
                   help="Sigstore trusted_root.json to verify against, used as is (default: the TUF cache when it "
                        "is fresh, else a TUF refresh unless --offline, else the root bundled with pyslsa with a "
                        "warning; see docs/trust-root.md)")
    add_tuf(p)
    p.add_argument("--jobs", metavar="N", type=int, default=DEFAULT_JOBS,
                   help=f"fetch with N concurrent workers (default: {DEFAULT_JOBS}, at most 64)")
    p.add_argument("--format", choices=FORMATS, default="table",
                   help="table (default), json (the pyslsa-audit/1 document), markdown (a pull-request comment) or "
                        "sarif (2.1.0, for code scanning)")
    p.add_argument("--output", metavar="FILE | FORMAT=FILE", action="append", default=[],
                   help="FILE: write the --format view there instead of stdout; FORMAT=FILE (repeatable): also "
                        "write that view there (e.g. sarif=audit.sarif)")
    p.add_argument("--debug", action="store_true", help="show a traceback for unexpected internal errors")


def options_from(args: argparse.Namespace) -> AuditOptions:
    from pyslsa.errors import UsageError
    from pyslsa.options import AUDIT_FORMATS, AuditOptions

    main: str | None = None
    more: list[tuple[AuditFormat, str]] = []
    for value in args.output:
        fmt, sep, path = value.partition("=")
        if sep and fmt in AUDIT_FORMATS:
            if not path:
                raise UsageError(f"--output {value}: no file after '='")
            more.append((cast("AuditFormat", fmt), path))
        elif main is not None:
            raise UsageError(f"--output FILE given twice ({main!r}, {value!r}); write more views with "
                             f"--output FORMAT=FILE")
        elif not value:
            raise UsageError("--output: empty file name")
        else:
            main = value
    paths = [p for _, p in more] + ([main] if main is not None else [])
    twice = sorted({p for p in paths if paths.count(p) > 1})
    if twice:
        raise UsageError(f"--output: {twice[0]!r} is named twice")
    return AuditOptions(
        paths=tuple(args.paths), python=args.python, policy=args.policy, update_pins=args.update_pins,
        evidence=args.evidence, offline=args.offline, index_url=args.index_url, github_url=args.github_url,
        github_api_url=args.github_api_url, trusted_root=args.trusted_root, jobs=args.jobs, format=args.format,
        output=main, format_outputs=tuple(more), tuf=tuf_options(args))


def run(options: AuditOptions, ui: Ui) -> AuditReport:
    """Run the audit (a progress bar on stderr when a person watches), then write the ``--output`` files."""
    from dataclasses import replace

    from pyslsa.api.audit import run_audit
    from pyslsa.errors import PyslsaError
    from pyslsa.report import AuditReport

    try:
        targets = _outputs(options)
    except PyslsaError as exc:  # before minutes of fetching, not after
        return AuditReport(error=exc)
    with progress_bar(ui.progress) as bar:
        report = run_audit(replace(options, progress=bar) if bar is not None else options)
    try:
        _write(report, targets)
    except PyslsaError as exc:
        return replace(report, error=exc)
    return report


def show(report: CommandReport, options: AuditOptions | None, fmt: str) -> tuple[str, str]:
    """(stdout, stderr) of the run: nothing on stdout when ``--output FILE`` took the ``--format`` view (the
    summary line, or the error, on stderr instead); a rich table when stdout is a terminal; else the view. Flags
    ``options_from`` refused (``options`` None) are shown as an audit report with that error, in ``fmt``."""
    from pyslsa.formats import render, root_warning
    from pyslsa.formats.audit_view import render_rich, summary_line
    from pyslsa.formats.audit_view import text as plain
    from pyslsa.report import AuditReport

    if not isinstance(report, AuditReport) or options is None:
        return render(AuditReport(error=report.error), fmt)
    if options.output is not None:
        if report.error is not None:
            return "", root_warning(report) + plain(report)
        return "", (root_warning(report) + summary_line(report)
                    + ("" if report.verified else " -- the policy does not hold") + "\n")
    if options.format == "table" and report.error is None and sys.stdout.isatty():
        from rich.console import Console

        render_rich(report, Console())
        return "", root_warning(report)
    return render(report, options.format)


def _outputs(options: AuditOptions) -> list[tuple[AuditFormat, str]]:
    """The files to write, each checked now: its directory exists, and it is not a directory or a symbolic link."""
    from pathlib import Path

    from pyslsa.errors import UsageError

    targets = list(options.format_outputs)
    if options.output is not None:
        targets.insert(0, (options.format, options.output))
    for _, name in targets:
        path = Path(name)
        if path.is_symlink():
            raise UsageError(f"--output {name}: refusing to replace a symbolic link")
        if path.is_dir():
            raise UsageError(f"--output {name}: is a directory")
        if not path.parent.is_dir():
            raise UsageError(f"--output {name}: no directory {path.parent}")
    return targets


def _write(report: AuditReport, targets: list[tuple[AuditFormat, str]]) -> None:
    from pyslsa.api.audit import write_output
    from pyslsa.formats import render

    for fmt, name in targets:
        out, err = render(report, fmt)  # table: the plain text, never a terminal's
        write_output(name, out or err)  # the table view puts an error on stderr; the file gets it all the same


@contextmanager
def progress_bar(enabled: bool) -> Iterator[AuditProgress | None]:
    """A progress callback drawing a rich progress bar on stderr (packages done of all), or None when off."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    from pyslsa.formats import printable

    with RichProgress(TextColumn("auditing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      TextColumn("{task.description}"), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=None)

        def update(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total, description=printable(name))

        yield update
