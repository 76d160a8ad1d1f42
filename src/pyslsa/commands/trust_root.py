"""``pyslsa trust-root update|show|export|verify``: the Sigstore trusted root's lifecycle with TUF (the work is
:func:`pyslsa.api.run_trust_root`). One module with four sub-commands: ``configure`` adds them as sub-parsers of
the ``trust-root`` parser, and ``options_from`` / ``run`` serve all four."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from pyslsa.commands.flags import OFFLINE_HELP, Ui, add_output, add_tuf

if TYPE_CHECKING:
    from pyslsa.options import TrustRootOptions
    from pyslsa.report import ExportResult, TrustRootReport, UpdateResult

NAME = "trust-root"
ALIASES: tuple[str, ...] = ()
HELP = "keep the Sigstore trusted root fresh with TUF; show, export or check a trusted root"
DESCRIPTION = ("The Sigstore trusted root (certificate authorities, transparency logs, CT logs, timestamp "
               "authorities) every verifying command checks evidence against. A verifying command uses "
               "--trusted-root FILE if given; else the TUF cache when it is fresh; else a TUF refresh (unless "
               "offline); else the root bundled with pyslsa, with a warning naming its date. A refresh that fails "
               "a TUF check fails; one that cannot reach the repository falls back to the bundled root, with a "
               "warning (see docs/trust-root.md).")
EPILOG = """\
actions:
  update   refresh the TUF cache from the repository now; exit 1 naming the TUF check that failed, or
           tuf-unreachable when the repository cannot be reached (in CI: run it first to insist on a fresh root)
  show     which trusted root is in force, where it comes from, its date, and what it trusts
  export   write the trusted root in force, byte for byte, for an air-gapped machine's --trusted-root
  verify   check that FILE is a well-formed trusted root, and list what it trusts

examples:
  pyslsa trust-root update
  pyslsa trust-root show --offline
  pyslsa trust-root export --output trusted_root.json
  pyslsa trust-root verify trusted_root.json
  pyslsa trust-root update --tuf-url https://tuf.example.internal --tuf-root root.json

"""

_ACTIONS = {
    "update": ("refresh the TUF cache of the trusted root from the network, now",
               "Refresh the TUF cache of the repository (Sigstore's public instance, --staging, or --tuf-url) "
               "from the network, whatever its freshness, and say what changed. Exit 1 when it cannot: the TUF "
               "check that failed is named (tuf-failed), or the repository could not be reached "
               "(tuf-unreachable); the previous cache is left as it was."),
    "show": ("show which trusted root is in force and what it trusts",
             "Which trusted root a verifying command with the same flags would use (the TUF cache when fresh, "
             "else a refresh unless --offline, else the bundled root), where it comes from, its date, and its "
             "transparency logs, CT logs, certificate authorities and timestamp authorities with their validity "
             "windows."),
    "export": ("write the trusted root in force, for --trusted-root on another machine",
               "Write the trusted root in force (chosen as by 'show'), byte for byte, to --output (atomically) "
               "or to stdout: a trusted_root.json for an air-gapped machine's --trusted-root."),
    "verify": ("check that a file is a well-formed trusted root, and what it trusts",
               "Check that FILE is a well-formed Sigstore trusted root (or a ClientTrustConfig holding one): a "
               "malformed one is invalid-trusted-root (exit 2), naming the field. Lists what it trusts, and "
               "warns about what cannot be used (unknown key types, nothing valid now)."),
}


def configure(p: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="trust_root_action", metavar="ACTION", required=True, parser_class=type(p))
    for action, (help_text, description) in _ACTIONS.items():
        sub = actions.add_parser(action, help=help_text, description=description,
                                 formatter_class=p.formatter_class)
        if action == "verify":
            sub.add_argument("file", metavar="FILE", help="the trusted_root.json to check")
        else:
            add_tuf(sub)
            sub.add_argument("--staging", action="store_true",
                             help="Sigstore's staging instance (https://tuf-repo-cdn.sigstage.dev) instead of "
                                  "the public one")
            if action != "update":
                sub.add_argument("--offline", action="store_true", help=OFFLINE_HELP)
            if action == "export":
                sub.add_argument("--output", metavar="FILE",
                                 help="write the trusted root to FILE (atomically) instead of stdout")
        add_output(sub)


def options_from(args: argparse.Namespace) -> TrustRootOptions:
    from pyslsa.options import TrustRootOptions, TufOptions

    action = args.trust_root_action
    if action == "verify":
        return TrustRootOptions("verify", file=args.file)
    tuf = TufOptions(url=args.tuf_url, root=args.tuf_root, staging=args.staging,
                     refresh=not getattr(args, "offline", False))
    return TrustRootOptions(action, tuf, output=getattr(args, "output", None))


def run(options: TrustRootOptions, ui: Ui) -> TrustRootReport | UpdateResult | ExportResult:
    from pyslsa.api.trust_root import run_trust_root

    return run_trust_root(options)
