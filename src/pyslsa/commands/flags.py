"""What several commands share: flag groups, ``K=V`` pairs, and the :class:`Ui` their ``run`` gets."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import NamedTuple

__all__ = ["Ui", "add_common", "add_output", "add_slsa_args", "pairs"]


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


def add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--trusted-root", metavar="FILE",
                   help="Sigstore trusted_root.json to verify against (default: the Sigstore public-good root "
                        "bundled with pyslsa; no network)")
    add_output(p)


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
