"""``pyslsa upgrade-provenance``: verify legacy provenance online once, and save it as a Sigstore bundle that
verifies offline (the work is :func:`pyslsa.api.run_upgrade_provenance`)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from pyslsa.commands.flags import OFFLINE_TRUST_ROOT_HELP, Ui, add_common, tuf_options

if TYPE_CHECKING:
    from pyslsa.options import UpgradeProvenanceOptions
    from pyslsa.report import UpgradeReport

NAME = "upgrade-provenance"
ALIASES: tuple[str, ...] = ()
HELP = "verify legacy provenance online once, and save it as a Sigstore bundle that verifies offline"
DESCRIPTION = ("Legacy provenance (a bare DSSE envelope, slsa-github-generator <= v2.0.0) can only be "
               "verified by finding its Rekor entry online. This command does that once, verifies everything, "
               "and writes a Sigstore bundle v0.3 (envelope, certificate, log entry with its proofs): "
               "'pyslsa verify-artifact --offline' then passes on the bundle with the same verdict.")
EPILOG = """\
example:
  pyslsa upgrade-provenance multiple.intoto.jsonl --output multiple.sigstore.json
  pyslsa verify-artifact --offline --provenance-path multiple.sigstore.json --source-uri ... FILE

"""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("provenance", metavar="LEGACY.intoto.jsonl", help="the legacy provenance file")
    p.add_argument("--output", required=True, metavar="BUNDLE.sigstore.json", help="where to write the bundle")
    p.add_argument("--rekor-url", metavar="URL",
                   help="transparency log to look the entry up in (default: $PYSLSA_REKOR_URL or "
                        "https://rekor.sigstore.dev)")
    add_common(p, offline_help=OFFLINE_TRUST_ROOT_HELP)


def options_from(args: argparse.Namespace) -> UpgradeProvenanceOptions:
    from pyslsa.options import UpgradeProvenanceOptions

    return UpgradeProvenanceOptions(provenance=args.provenance, output=args.output, rekor_url=args.rekor_url,
                                    trusted_root=args.trusted_root, tuf=tuf_options(args))


def run(options: UpgradeProvenanceOptions, ui: Ui) -> UpgradeReport:
    from pyslsa.api.upgrade import run_upgrade_provenance

    return run_upgrade_provenance(options)
