"""``pyslsa verify-github-attestation``: GitHub artifact attestations (actions/attest-build-provenance)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from pyslsa.commands.flags import Ui, add_common, add_slsa_args, tuf_options

if TYPE_CHECKING:
    from pyslsa.options import VerifyGithubAttestationOptions
    from pyslsa.report import Report

NAME = "verify-github-attestation"
ALIASES: tuple[str, ...] = ()
HELP = "verify an artifact against a GitHub artifact attestation (actions/attest-build-provenance)"
DESCRIPTION = ("Verify ARTIFACT against a GitHub artifact attestation (Sigstore bundle with SLSA v1 "
               "provenance from actions/attest-build-provenance). There are no default trusted builders: "
               "--builder-id names the workflow you trust.")
EPILOG = ("example:\n  pyslsa verify-github-attestation --attestation-path MODULE.bazel.intoto.jsonl \\\n"
          "      --source-uri github.com/aspect-build/rules_lint \\\n"
          "      --builder-id https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/"
          "publish.yaml MODULE.bazel\n\n")


def configure(p: argparse.ArgumentParser) -> None:
    add_slsa_args(p, "--attestation-path", "path to the attestation file")
    p.add_argument("--builder-id", metavar="ID", help="the builder (workflow) id you trust")
    add_common(p)


def options_from(args: argparse.Namespace) -> VerifyGithubAttestationOptions:
    from pyslsa.options import VerifyGithubAttestationOptions

    return VerifyGithubAttestationOptions(
        artifacts=tuple(args.artifacts), attestation=args.attestation_path, source_uri=args.source_uri,
        builder_id=args.builder_id, trusted_root=args.trusted_root, print_provenance=args.print_provenance,
        tuf=tuf_options(args))


def run(options: VerifyGithubAttestationOptions, ui: Ui) -> Report:
    from pyslsa.api.verify import run_verify_github_attestation

    return run_verify_github_attestation(options)
