"""``pyslsa verify-artifact``: slsa-verifier's ``verify-artifact``, same flags, same semantics."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from pyslsa.commands.flags import Ui, add_common, add_slsa_args, add_vsa, pairs, say_vsa, tuf_options, vsa_output

if TYPE_CHECKING:
    from pyslsa.options import VerifyArtifactOptions
    from pyslsa.report import Report

NAME = "verify-artifact"
ALIASES: tuple[str, ...] = ()
HELP = "verify artifacts against SLSA provenance from slsa-github-generator (slsa-verifier compatible)"
DESCRIPTION = ("Verify ARTIFACT(s) against SLSA provenance (a Sigstore bundle or .intoto.jsonl made by "
               "slsa-github-generator): the signature, the transparency-log proof, the builder, the source "
               "repository and ref, and the artifact digest. Same flags and semantics as slsa-verifier's "
               "verify-artifact.")
EPILOG = ("examples:\n  pyslsa verify-artifact --provenance-path binary.intoto.jsonl \\\n"
          "      --source-uri github.com/slsa-framework/example-package --source-tag v14 binary\n"
          "  pyslsa verify-artifact --provenance-path binary.intoto.jsonl \\\n"
          "      --source-uri github.com/slsa-framework/example-package --source-tag v14 \\\n"
          "      --vsa binary.vsa.intoto.jsonl --vsa-key vsa-key.pem binary\n\n")


def configure(p: argparse.ArgumentParser) -> None:
    add_slsa_args(p, "--provenance-path", "path to the provenance file")
    p.add_argument("--source-branch", metavar="B", help="expected branch the artifact was built from (for a tag "
                                                         "build: the branch the tag was pushed from)")
    refs = p.add_mutually_exclusive_group()
    refs.add_argument("--source-tag", metavar="T", help="expected tag the artifact was built from")
    refs.add_argument("--source-versioned-tag", metavar="V",
                      help="expected version (semantic versioning) of the tag the artifact was built from, "
                           "e.g. v1 or v1.2")
    p.add_argument("--builder-id", metavar="ID", help="expected builder id (required for BYOB/delegator builds)")
    p.add_argument("--build-workflow-input", action="append", default=[], metavar="K=V",
                   help="expected workflow_dispatch input, repeatable")
    p.add_argument("--rekor-url", metavar="URL",
                   help="transparency log for legacy (bare-envelope) provenance lookups (default: "
                        "$PYSLSA_REKOR_URL or https://rekor.sigstore.dev)")
    add_common(p, offline_help="never use the network: legacy provenance then fails with tlog-entry-not-found, and "
                               "the trusted root is the TUF cache when it is fresh, else the one bundled with "
                               "pyslsa (with a warning naming its date)")
    add_vsa(p, resource_uri=True)


def options_from(args: argparse.Namespace) -> VerifyArtifactOptions:
    from pyslsa.options import VerifyArtifactOptions

    return VerifyArtifactOptions(
        artifacts=tuple(args.artifacts), provenance=args.provenance_path, source_uri=args.source_uri,
        source_tag=args.source_tag, source_branch=args.source_branch, source_versioned_tag=args.source_versioned_tag,
        builder_id=args.builder_id, build_workflow_inputs=pairs(args.build_workflow_input, "--build-workflow-input"),
        trusted_root=args.trusted_root, rekor_url=args.rekor_url, offline=args.offline,
        print_provenance=args.print_provenance, vsa=vsa_output(args), tuf=tuf_options(args))


def run(options: VerifyArtifactOptions, ui: Ui) -> Report:
    from pyslsa.api.verify import run_verify_artifact

    report = run_verify_artifact(options)
    say_vsa(report.vsa)
    return report
