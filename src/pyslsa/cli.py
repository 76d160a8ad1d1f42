"""The ``pyslsa`` command line: argument parsing and rendering only.

Imports of the verification machinery happen inside the command functions, so ``pyslsa --help`` and start-up
stay fast. Exit status: 0 verified, 1 verification failed, 2 usage or input error. No traceback without --debug.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from pyslsa.report import CommandReport

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

_EPILOG = """\
exit status: 0 verified, 1 verification failed (a stable error code is printed), 2 usage or input error.
Run 'pyslsa COMMAND --help' for the flags of a command."""


_BUNDLE_EXAMPLES = """\
examples:
  pyslsa verify-bundle --bundle file.whl.sigstore \
      --certificate-identity https://github.com/ORG/REPO/.github/workflows/release.yml@refs/tags/v1 \
      --certificate-oidc-issuer https://token.actions.githubusercontent.com file.whl
  pyslsa verify-bundle --bundle b.sigstore.json --key cosign.pub sha256:<64 hex>

"""


_UPGRADE_EXAMPLES = """\
example:
  pyslsa upgrade-provenance multiple.intoto.jsonl --output multiple.sigstore.json
  pyslsa verify-artifact --offline --provenance-path multiple.sigstore.json --source-uri ... FILE

"""


_RELEASE_EXAMPLES = """\
examples:
  pyslsa verify-release aws-lambda-powertools==2.20.0 \\
      --source-uri github.com/aws-powertools/powertools-lambda-python
  pyslsa verify-release pypi-attestations==0.0.19 --source-uri github.com/trailofbits/pypi-attestations --only sdist

"""

_REPRODUCE_EXAMPLES = """\
examples:
  pyslsa reproduce idna==3.10
  pyslsa reproduce --sdist dist/pkg-1.0.tar.gz --wheel dist/pkg-1.0-py3-none-any.whl

"""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Wraps one-paragraph descriptions to the terminal; keeps multi-line texts (examples, epilogs) as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return super()._fill_text(text, width, indent)
        import textwrap

        return textwrap.fill(text, width, initial_indent=indent, subsequent_indent=indent)


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors on one line with exit status 2 (never a traceback)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"pyslsa: error: {message}\n(run '{self.prog} --help' for usage)\n")


def _add_output(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="output format: text (default) or one JSON object on stdout")
    p.add_argument("--debug", action="store_true",
                   help="show a traceback for unexpected internal errors, and on stderr what the evidence carried "
                        "that was accepted but not used (e.g. extra certificates of a bundle's chain)")


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--trusted-root", metavar="FILE",
                   help="Sigstore trusted_root.json to verify against (default: the Sigstore public-good root "
                        "bundled with pyslsa; no network)")
    _add_output(p)


def _add_slsa_args(p: argparse.ArgumentParser, path_flag: str, path_help: str) -> None:
    """What verify-artifact and verify-github-attestation share."""
    p.add_argument("artifacts", nargs="+", metavar="ARTIFACT",
                   help="artifact file(s) to verify, or sha256:<64 hex> digests")
    p.add_argument(path_flag, required=True, metavar="P", help=path_help)
    p.add_argument("--source-uri", required=True, metavar="URI",
                   help="expected source repository, e.g. github.com/some/repo")
    p.add_argument("--print-provenance", action="store_true",
                   help="print the verified in-toto statement to stdout (verdicts go to stderr)")


def _build_parser() -> _Parser:
    parser = _Parser(
        prog="pyslsa",
        description="Verify that release artifacts were built by the pipeline, from the source, they claim: "
                    "SLSA provenance and Sigstore attestations, offline, in pure Python.",
        epilog=_EPILOG,
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    va = sub.add_parser(
        "verify-artifact",
        help="verify artifacts against SLSA provenance from slsa-github-generator (slsa-verifier compatible)",
        description="Verify ARTIFACT(s) against SLSA provenance (a Sigstore bundle or .intoto.jsonl made by "
                    "slsa-github-generator): the signature, the transparency-log proof, the builder, the source "
                    "repository and ref, and the artifact digest. Same flags and semantics as slsa-verifier's "
                    "verify-artifact.",
        epilog="example:\n  pyslsa verify-artifact --provenance-path binary.intoto.jsonl \\\n"
               "      --source-uri github.com/slsa-framework/example-package --source-tag v14 binary\n\n" + _EPILOG,
        formatter_class=_Formatter,
    )
    _add_slsa_args(va, "--provenance-path", "path to the provenance file")
    va.add_argument("--source-branch", metavar="B", help="expected branch the artifact was built from (for a tag "
                                                          "build: the branch the tag was pushed from)")
    refs = va.add_mutually_exclusive_group()
    refs.add_argument("--source-tag", metavar="T", help="expected tag the artifact was built from")
    refs.add_argument("--source-versioned-tag", metavar="V",
                      help="expected version (semantic versioning) of the tag the artifact was built from, "
                           "e.g. v1 or v1.2")
    va.add_argument("--builder-id", metavar="ID", help="expected builder id (required for BYOB/delegator builds)")
    va.add_argument("--build-workflow-input", action="append", default=[], metavar="K=V",
                    help="expected workflow_dispatch input, repeatable")
    va.add_argument("--rekor-url", metavar="URL",
                    help="transparency log for legacy (bare-envelope) provenance lookups (default: "
                         "$PYSLSA_REKOR_URL or https://rekor.sigstore.dev)")
    va.add_argument("--offline", action="store_true",
                    help="never use the network: legacy provenance then fails with tlog-entry-not-found")
    _add_common(va)

    ga = sub.add_parser(
        "verify-github-attestation",
        help="verify an artifact against a GitHub artifact attestation (actions/attest-build-provenance)",
        description="Verify ARTIFACT against a GitHub artifact attestation (Sigstore bundle with SLSA v1 "
                    "provenance from actions/attest-build-provenance). There are no default trusted builders: "
                    "--builder-id names the workflow you trust.",
        epilog="example:\n  pyslsa verify-github-attestation --attestation-path MODULE.bazel.intoto.jsonl \\\n"
               "      --source-uri github.com/aspect-build/rules_lint \\\n"
               "      --builder-id https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/"
               "publish.yaml MODULE.bazel\n\n" + _EPILOG,
        formatter_class=_Formatter,
    )
    _add_slsa_args(ga, "--attestation-path", "path to the attestation file")
    ga.add_argument("--builder-id", metavar="ID", help="the builder (workflow) id you trust")
    _add_common(ga)

    up = sub.add_parser(
        "upgrade-provenance",
        help="verify legacy provenance online once, and save it as a Sigstore bundle that verifies offline",
        description="Legacy provenance (a bare DSSE envelope, slsa-github-generator <= v2.0.0) can only be "
                    "verified by finding its Rekor entry online. This command does that once, verifies everything, "
                    "and writes a Sigstore bundle v0.3 (envelope, certificate, log entry with its proofs): "
                    "'pyslsa verify-artifact --offline' then passes on the bundle with the same verdict.",
        epilog=_UPGRADE_EXAMPLES + _EPILOG,
        formatter_class=_Formatter,
    )
    up.add_argument("provenance", metavar="LEGACY.intoto.jsonl", help="the legacy provenance file")
    up.add_argument("--output", required=True, metavar="BUNDLE.sigstore.json", help="where to write the bundle")
    up.add_argument("--rekor-url", metavar="URL",
                    help="transparency log to look the entry up in (default: $PYSLSA_REKOR_URL or "
                         "https://rekor.sigstore.dev)")
    _add_common(up)

    vb = sub.add_parser(
        "verify-bundle", aliases=["verify"],
        help="verify any Sigstore bundle over an artifact, against an identity or a public key",
        description="Verify a Sigstore bundle (v0.1-v0.3; message signature or DSSE) over ARTIFACT_OR_DIGEST: "
                    "the transparency-log proof, the signing time (SET or RFC 3161 timestamps), the certificate "
                    "chain and SCT, the signature, and the signer's identity (exact SAN and OIDC issuer) or key.",
        epilog=_BUNDLE_EXAMPLES + _EPILOG,
        formatter_class=_Formatter,
    )
    vb.add_argument("artifact", metavar="ARTIFACT_OR_DIGEST", help="the signed file, or sha256:<64 hex>")
    vb.add_argument("--bundle", required=True, metavar="FILE", help="the Sigstore bundle (.sigstore.json)")
    vb.add_argument("--certificate-identity", metavar="ID",
                    help="expected signer identity: the certificate's SAN (URI or e-mail), exact match")
    vb.add_argument("--certificate-oidc-issuer", metavar="ISS", help="expected OIDC issuer, exact match")
    vb.add_argument("--key", metavar="PUB.pem", help="verify with this public key instead of an identity")
    _add_common(vb)

    vr = sub.add_parser(
        "verify-release",
        help="verify every file of a PyPI release: PEP 740 attestations and SLSA provenance from its GitHub "
             "release",
        description="Resolve NAME==VERSION on the package index, download each wheel and sdist (hash-checked "
                    "against the index, size- and time-bounded, into a private temporary directory removed "
                    "afterwards), and verify, for each file: its PEP 740 attestations (Trusted Publisher = "
                    "--source-uri) and the SLSA provenance of the GitHub release (tag v{VERSION} by default: "
                    "multiple.intoto.jsonl or every *.intoto.jsonl asset), with verify-artifact's policy. A file "
                    "passes when at least one piece of evidence verifies it and none that names it fails; a file "
                    "that no evidence covers is 'unattested' (a failure).",
        epilog=_RELEASE_EXAMPLES + _EPILOG,
        formatter_class=_Formatter,
    )
    vr.add_argument("requirement", metavar="NAME==VERSION", help="the release, e.g. aws-lambda-powertools==2.20.0")
    vr.add_argument("--source-uri", required=True, metavar="URI",
                    help="the repository the release must come from, e.g. github.com/ORG/REPO")
    vr.add_argument("--release-tag", metavar="TAG",
                    help="the GitHub release (and git tag) that holds the provenance (default: v{VERSION})")
    vr.add_argument("--provenance", metavar="FILE",
                    help="use this SLSA provenance file instead of the GitHub release's")
    vr.add_argument("--builder-id", metavar="ID",
                    help="expected builder of the SLSA provenance (required for BYOB/delegator builds)")
    vr.add_argument("--only", choices=("wheel", "sdist"), help="verify only the wheels, or only the sdist")
    vr.add_argument("--index-url", metavar="URL",
                    help="simple-API index to resolve the release on (default: $PYSLSA_INDEX_URL or "
                         "https://pypi.org/simple/)")
    vr.add_argument("--github-url", metavar="URL",
                    help="GitHub host for release downloads (default: https://github.com)")
    vr.add_argument("--github-api-url", metavar="URL",
                    help="GitHub API for the releases list (default: https://api.github.com)")
    vr.add_argument("--no-pep740", action="store_true", help="ignore PEP 740 attestations")
    vr.add_argument("--no-github", action="store_true",
                    help="do not look for SLSA provenance on the GitHub release")
    vr.add_argument("--keep", metavar="DIR",
                    help="keep the downloaded files (and evidence) in DIR instead of a temporary directory")
    vr.add_argument("--rekor-url", metavar="URL",
                    help="transparency log for legacy provenance lookups (default: $PYSLSA_REKOR_URL or "
                         "https://rekor.sigstore.dev)")
    vr.add_argument("--offline-tlog", action="store_true",
                    help="never look up legacy provenance in the transparency log")
    vr.add_argument("--timeout", metavar="SECONDS", type=float, default=1800.0,
                    help="time limit for all the downloads and lookups of the run (default: 1800); each request "
                         "also has its own timeout and retries")
    _add_common(vr)

    rp = sub.add_parser(
        "reproduce",
        help="rebuild a release's wheel from its sdist, in isolation, and compare it bit for bit",
        description="Download the sdist and the pure-Python wheel(s) of NAME==VERSION (or take --sdist and "
                    "--wheel), infer how the wheel was built (backend and version from its WHEEL file, "
                    "SOURCE_DATE_EPOCH and time zone from its zip timestamps), rebuild it from the sdist with "
                    "PEP 517 in a fresh isolated environment, and compare: reproducible (exit 0), "
                    "content-identical, different, could-not-build or not-applicable (exit 1).",
        epilog=_REPRODUCE_EXAMPLES + _EPILOG,
        formatter_class=_Formatter,
    )
    rp.add_argument("requirement", nargs="?", metavar="NAME==VERSION", help="the release to rebuild")
    rp.add_argument("--sdist", metavar="X.tar.gz", help="a local sdist (with --wheel) instead of the index")
    rp.add_argument("--wheel", metavar="Y.whl", action="append", default=[],
                    help="a local wheel to compare with (repeatable)")
    rp.add_argument("--index-url", metavar="URL",
                    help="simple-API index for the release files and the build requirements (default: "
                         "$PYSLSA_INDEX_URL or https://pypi.org/simple/)")
    rp.add_argument("--build-requirement", metavar="PKG==V", action="append", default=[],
                    help="pin a build requirement (repeatable; overrides the inferred backend version)")
    rp.add_argument("--env", metavar="K=V", action="append", default=[],
                    help="set an environment variable for the build (repeatable; e.g. SOURCE_DATE_EPOCH=...)")
    rp.add_argument("--timeout", metavar="SECONDS", type=float, default=600.0,
                    help="time limit for each build attempt (default: 600)")
    rp.add_argument("--keep", metavar="DIR", help="keep the downloads, builds and logs in DIR")
    _add_output(rp)
    return parser


def _pairs(pairs: Sequence[str], flag: str) -> dict[str, str]:
    from pyslsa.errors import UsageError

    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"{flag} expects KEY=VALUE, got {pair!r}")
        out[key] = value
    return out


def _run(args: argparse.Namespace) -> CommandReport:
    progress = getattr(args, "format", "") == "text" and sys.stderr.isatty()  # bars and steps: a person watches
    if args.command == "verify-release":
        from pyslsa.commands import verify_release

        return verify_release.run(
            requirement=args.requirement, source_uri=args.source_uri, release_tag=args.release_tag,
            provenance_path=args.provenance, builder_id=args.builder_id, only=args.only,
            index_url=args.index_url, github_url=args.github_url, github_api_url=args.github_api_url,
            pep740=not args.no_pep740, github=not args.no_github, keep=args.keep, rekor_url=args.rekor_url,
            offline_tlog=args.offline_tlog, trusted_root_path=args.trusted_root, timeout=args.timeout,
            progress=progress,
        )
    if args.command == "reproduce":
        from pyslsa.commands import reproduce

        return reproduce.run(
            requirement=args.requirement, sdist=args.sdist, wheels=args.wheel, index_url=args.index_url,
            build_requirements=args.build_requirement, env=_pairs(args.env, "--env"), timeout=args.timeout,
            keep=args.keep, progress=progress,
        )
    if args.command == "upgrade-provenance":
        from pyslsa.commands import upgrade_provenance

        return upgrade_provenance.run(provenance_path=args.provenance, output=args.output,
                                      rekor_url=args.rekor_url, trusted_root_path=args.trusted_root)
    if args.command in ("verify-bundle", "verify"):
        from pyslsa.commands import verify_bundle

        return verify_bundle.run(artifact=args.artifact, bundle_path=args.bundle,
                                 identity=args.certificate_identity, issuer=args.certificate_oidc_issuer,
                                 key_path=args.key, trusted_root_path=args.trusted_root)
    from pyslsa.commands import verify_artifact as cmd

    if args.command == "verify-artifact":
        return cmd.run(
            artifacts=args.artifacts, provenance_path=args.provenance_path, source_uri=args.source_uri,
            source_tag=args.source_tag, source_branch=args.source_branch,
            source_versioned_tag=args.source_versioned_tag, builder_id=args.builder_id,
            build_workflow_inputs=_pairs(args.build_workflow_input, "--build-workflow-input"),
            trusted_root_path=args.trusted_root, print_provenance=args.print_provenance,
            rekor_url=args.rekor_url, offline=args.offline,
        )
    return cmd.run_github_attestation(
        artifacts=args.artifacts, attestation_path=args.attestation_path, source_uri=args.source_uri,
        builder_id=args.builder_id, trusted_root_path=args.trusted_root, print_provenance=args.print_provenance,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from pyslsa import __version__

        print(f"pyslsa {__version__}")
        return EXIT_OK
    if not args.command:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    debug = bool(getattr(args, "debug", False))
    previous = _on_sigterm_interrupt()
    try:
        from pyslsa.errors import PyslsaError
        from pyslsa.formats import renderer
        from pyslsa.report import Report

        report: CommandReport
        try:
            report = _run(args)
        except PyslsaError as exc:
            report = Report(command=args.command, error=exc)
        out, err = renderer(args.format)(report)
        if out:
            sys.stdout.write(out)
            sys.stdout.flush()
        if err:
            sys.stderr.write(err)
        if debug:
            from pyslsa.formats import debug_lines

            sys.stderr.write("".join(f"{line}\n" for line in debug_lines(report)))
        return report.exit_status
    except KeyboardInterrupt:
        sys.stderr.write("pyslsa: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_FAILED
    except Exception as exc:
        if debug:
            raise
        sys.stderr.write(f"pyslsa: internal error: {type(exc).__name__}: {exc} (run with --debug for a "
                         f"traceback); treating as a verification failure\n")
        return EXIT_FAILED
    finally:
        if previous is not None:
            import signal

            signal.signal(signal.SIGTERM, previous)


def _on_sigterm_interrupt() -> Any:
    """SIGTERM unwinds like Ctrl-C, so temporary files are removed on the way out (as for KeyboardInterrupt).
    Returns the previous handler (None when not in the main thread, where handlers cannot be set)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, interrupt)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
