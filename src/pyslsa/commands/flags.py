"""What several commands share: flag groups, ``K=V`` pairs, and the :class:`Ui` their ``run`` gets."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from pyslsa.options import TufOptions, VsaOutput
    from pyslsa.report import VsaWritten

__all__ = [
    "OFFLINE_HELP",
    "OFFLINE_TRUST_ROOT_HELP",
    "Flags",
    "Ui",
    "add_common",
    "add_output",
    "add_slsa_args",
    "add_tuf",
    "add_vsa",
    "pairs",
    "say_vsa",
    "tuf_options",
    "vsa_output",
]


class Ui(NamedTuple):
    """How the command line talks to the person running it, besides the report: ``progress`` when a person
    watches (text output on a terminal), for progress bars and steps on stderr. (A NamedTuple: start-up does
    not import :mod:`dataclasses`.)"""

    progress: bool = False


def add_output(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="output format: text (default) or one JSON object on stdout")
    p.add_argument("--debug", action="store_true",
                   help="show a traceback for unexpected internal errors, and on stderr what the evidence carried "
                        "that was accepted but not used (e.g. extra certificates of a bundle's chain)")


#: ``--offline`` of a command that needs the network for nothing but the trusted root.
OFFLINE_HELP = ("never use the network: the trusted root is the TUF cache when it is fresh, else the one bundled "
                "with pyslsa (with a warning naming its date)")
#: ``--offline`` of a command whose evidence comes from the network anyway (verify-release, upgrade-provenance).
OFFLINE_TRUST_ROOT_HELP = ("never refresh the trusted root from the network: the TUF cache when it is fresh, else "
                           "the one bundled with pyslsa (with a warning naming its date); the evidence is still "
                           "downloaded")


class Flags(Protocol):
    """A parser or an argument group: what flags are added to."""

    def add_argument(self, *names: str, **kwargs: Any) -> argparse.Action: ...


def add_tuf(p: Flags) -> None:
    """``--tuf-url`` and ``--tuf-root``: which TUF repository the trusted root comes from."""
    p.add_argument("--tuf-url", metavar="URL",
                   help="the TUF repository of a private Sigstore deployment: verify against its "
                        "trusted_root.json target (default: $PYSLSA_TUF_URL, else Sigstore's public instance, "
                        "https://tuf-repo-cdn.sigstore.dev)")
    p.add_argument("--tuf-root", metavar="ROOT.json",
                   help="the TUF root.json to start --tuf-url's repository from, needed once: a successful "
                        "refresh remembers it (default: $PYSLSA_TUF_ROOT)")


def add_common(p: argparse.ArgumentParser, *, offline_help: str = OFFLINE_HELP) -> None:
    """What every verifying command shares: the trusted root (``--trusted-root``, the TUF flags, and ``--offline``,
    which keeps the trusted root off the network; ``offline_help`` says what else it does for the command), then
    ``--format`` and ``--debug``."""
    g = p.add_argument_group("trusted root", "Which Sigstore trusted root to verify against: --trusted-root FILE "
                             "if given; else the TUF cache when it is fresh; else a TUF refresh (unless --offline); "
                             "else the root bundled with pyslsa, with a warning naming its date. A refresh that "
                             "fails a TUF check fails the command (tuf-failed); one that cannot reach the "
                             "repository falls back to the bundled root with a warning ('pyslsa trust-root update' "
                             "fails instead). See docs/trust-root.md.")
    g.add_argument("--trusted-root", metavar="FILE",
                   help="Sigstore trusted_root.json to verify against, used as is (no TUF)")
    add_tuf(g)
    g.add_argument("--offline", action="store_true", help=offline_help)
    add_output(p)


def tuf_options(args: argparse.Namespace) -> TufOptions:
    """The :class:`~pyslsa.options.TufOptions` of the flags of :func:`add_common`: refresh unless ``--offline``."""
    from pyslsa.options import TufOptions

    return TufOptions(url=args.tuf_url, root=args.tuf_root, staging=bool(getattr(args, "staging", False)),
                      refresh=not args.offline)


def add_slsa_args(p: argparse.ArgumentParser, path_flag: str, path_help: str) -> None:
    """What verify-artifact and verify-github-attestation share."""
    p.add_argument("artifacts", nargs="+", metavar="ARTIFACT",
                   help="artifact file(s) to verify, or sha256:<64 hex> digests")
    p.add_argument(path_flag, required=True, metavar="P", help=path_help)
    p.add_argument("--source-uri", required=True, metavar="URI",
                   help="expected source repository, e.g. github.com/some/repo")
    p.add_argument("--print-provenance", action="store_true",
                   help="print the verified in-toto statement to stdout (verdicts go to stderr)")


def pairs(values: Sequence[str], flag: str) -> dict[str, str]:
    """``K=V`` flags (repeatable) as a mapping; anything else is a usage error naming ``flag``."""
    from pyslsa.errors import UsageError

    out: dict[str, str] = {}
    for pair in values:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"{flag} expects KEY=VALUE, got {pair!r}")
        out[key] = value
    return out


def add_vsa(p: argparse.ArgumentParser, *, resource_uri: bool = False) -> None:
    """``--vsa FILE``, ``--vsa-key KEY.pem``, ``--vsa-key-id ID`` (and, for a command with no natural resource
    name, ``--vsa-resource-uri``): what verify-artifact, verify-release and audit share to write a VSA."""
    g = p.add_argument_group("Verification Summary Attestation (see docs/vsa.md)")
    g.add_argument("--vsa", metavar="FILE",
                   help="write a VSA of this run to FILE (atomically, once there is a verdict: PASSED, or FAILED "
                        "when verification fails): a DSSE envelope on one line with --vsa-key, else the unsigned "
                        "in-toto statement")
    g.add_argument("--vsa-key", metavar="KEY.pem",
                   help="sign the VSA with this PEM private key (ECDSA P-256 / P-384 or Ed25519; an encrypted key "
                        "is opened with $PYSLSA_VSA_KEY_PASSWORD)")
    g.add_argument("--vsa-key-id", metavar="ID",
                   help="the signature's key id (default: the hex SHA-256 of the public key's DER)")
    if resource_uri:
        g.add_argument("--vsa-resource-uri", metavar="URI",
                       help="the VSA's resourceUri (default: the artifact's file name; required for several "
                            "artifacts)")


def vsa_output(args: argparse.Namespace) -> VsaOutput | None:
    """The :class:`~pyslsa.options.VsaOutput` of :func:`add_vsa`'s flags (None without ``--vsa``); the VSA flags
    without ``--vsa`` are a usage error."""
    from pyslsa.errors import UsageError
    from pyslsa.options import VsaOutput

    resource_uri = getattr(args, "vsa_resource_uri", None)
    if args.vsa is None:
        given = [flag for flag, value in (("--vsa-key", args.vsa_key), ("--vsa-key-id", args.vsa_key_id),
                                          ("--vsa-resource-uri", resource_uri)) if value is not None]
        if given:
            raise UsageError(f"{', '.join(given)} without --vsa: give --vsa FILE to write a VSA")
        return None
    if args.vsa_key_id is not None and args.vsa_key is None:
        raise UsageError("--vsa-key-id needs --vsa-key")
    return VsaOutput(args.vsa, args.vsa_key, args.vsa_key_id, resource_uri)


def say_vsa(written: VsaWritten | None) -> None:
    """One line on stderr about the VSA a command wrote, whatever the output format: an unsigned one says that
    nothing vouches for it."""
    if written is None:
        return
    if written.signed:
        line = (f"pyslsa: wrote the VSA ({written.verification_result}, signed, key id {written.keyid}) to "
                f"{written.path}")
    else:
        line = (f"pyslsa: wrote an UNSIGNED VSA ({written.verification_result}) to {written.path}: no --vsa-key, so "
                f"nothing vouches for it and verify-vsa refuses it until it is signed (e.g. by actions/attest)")
    sys.stderr.write("".join(c if c.isprintable() else repr(c)[1:-1] for c in line) + "\n")
    sys.stderr.flush()
