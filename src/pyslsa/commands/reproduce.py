"""``pyslsa reproduce``: rebuild a release's wheel from its sdist and compare (the work is
:func:`pyslsa.api.run_reproduce`; this module adds the flags and the steps shown on stderr)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from pyslsa.commands.flags import Ui, add_output, pairs

if TYPE_CHECKING:
    from pyslsa.options import ReproduceOptions
    from pyslsa.report import ReproduceReport

NAME = "reproduce"
ALIASES: tuple[str, ...] = ()
HELP = "rebuild a release's wheel from its sdist, in isolation, and compare it bit for bit"
DESCRIPTION = ("Download the sdist and the pure-Python wheel(s) of NAME==VERSION (or take --sdist and "
               "--wheel), infer how the wheel was built (backend and version from its WHEEL file, "
               "SOURCE_DATE_EPOCH and time zone from its zip timestamps), rebuild it from the sdist with "
               "PEP 517 in a fresh isolated environment, and compare: reproducible (exit 0), "
               "content-identical, different, could-not-build or not-applicable (exit 1).")
EPILOG = """\
examples:
  pyslsa reproduce idna==3.10
  pyslsa reproduce --sdist dist/pkg-1.0.tar.gz --wheel dist/pkg-1.0-py3-none-any.whl

"""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("requirement", nargs="?", metavar="NAME==VERSION", help="the release to rebuild")
    p.add_argument("--sdist", metavar="X.tar.gz", help="a local sdist (with --wheel) instead of the index")
    p.add_argument("--wheel", metavar="Y.whl", action="append", default=[],
                   help="a local wheel to compare with (repeatable)")
    p.add_argument("--index-url", metavar="URL",
                   help="simple-API index for the release files and the build requirements (default: "
                        "$PYSLSA_INDEX_URL or https://pypi.org/simple/)")
    p.add_argument("--build-requirement", metavar="PKG==V", action="append", default=[],
                   help="pin a build requirement (repeatable; overrides the inferred backend version)")
    p.add_argument("--env", metavar="K=V", action="append", default=[],
                   help="set an environment variable for the build (repeatable; e.g. SOURCE_DATE_EPOCH=...)")
    p.add_argument("--timeout", metavar="SECONDS", type=float, default=600.0,
                   help="time limit for each build attempt (default: 600)")
    p.add_argument("--keep", metavar="DIR", help="keep the downloads, builds and logs in DIR")
    add_output(p)


def options_from(args: argparse.Namespace) -> ReproduceOptions:
    from pyslsa.options import ReproduceOptions

    return ReproduceOptions(requirement=args.requirement, sdist=args.sdist, wheels=tuple(args.wheel),
                            index_url=args.index_url, build_requirements=tuple(args.build_requirement),
                            env=pairs(args.env, "--env"), timeout=args.timeout, keep=args.keep)


def run(options: ReproduceOptions, ui: Ui) -> ReproduceReport:
    from pyslsa.api.reproduce import run_reproduce

    return run_reproduce(options, say=_say if ui.progress else None)


def _say(message: str) -> None:
    sys.stderr.write(f"pyslsa: {message}\n")
    sys.stderr.flush()
