"""``pyslsa reproduce``: the command-line side (flags, help), calling :func:`pyslsa.commands.reproduce.run`.

Temporary: while :mod:`pyslsa.commands.reproduce` is being split (issue 12, item 4), its flags live here; once the
split lands they move into that module with a ``ReproduceOptions`` and the run moves into the library.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from pyslsa.commands.flags import Ui, add_output, pairs

if TYPE_CHECKING:
    from pyslsa.commands.reproduce import ReproduceReport

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


def options_from(args: argparse.Namespace) -> argparse.Namespace:
    pairs(args.env, "--env")  # a usage error now, before anything runs
    return args


def run(options: argparse.Namespace, ui: Ui) -> ReproduceReport:
    from pyslsa.commands import reproduce

    return reproduce.run(requirement=options.requirement, sdist=options.sdist, wheels=options.wheel,
                         index_url=options.index_url, build_requirements=options.build_requirement,
                         env=pairs(options.env, "--env"), timeout=options.timeout, keep=options.keep,
                         progress=ui.progress)
