"""``pyslsa serve --upstream URL``: a verifying package index that pip and uv install through (the work is
:func:`pyslsa.api.run_serve`; the proxy is :mod:`pyslsa.serve`, installed with the extra ``pyslsa[serve]``)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from pyslsa.commands.flags import Ui, add_common, tuf_options

if TYPE_CHECKING:
    from pyslsa.options import ServeOptions
    from pyslsa.report import ServeReport

NAME = "serve"
ALIASES: tuple[str, ...] = ()
HELP = "a verifying package index proxy: pip and uv install through it only what the audit policy accepts"
DESCRIPTION = ("Serve the simple index --upstream (PEP 503 HTML and PEP 691 JSON) on a local port. Every file pip "
               "or uv downloads through it is fetched from the upstream, checked against the SHA-256 the index "
               "lists, and decided by the audit engine before a byte is sent: the same policy file, pins, "
               "evidence sources and rules as 'pyslsa audit' (PEP 740 provenance, GitHub artifact attestations, "
               "GitHub release provenance). A refused file answers 403 with the reason and its code, so the "
               "install fails. The policy and pins are read again when they change: an edit applies to the next "
               "download, without a restart. Needs the extra: pip install 'pyslsa[serve]'. Runs until Ctrl-C or "
               "SIGTERM.")
EPILOG = """\
examples:
  pyslsa serve --upstream https://pypi.org/simple/ --policy pyslsa.toml
  pip install --index-url http://127.0.0.1:8080/simple/ attrs
  uv pip install --index-url http://127.0.0.1:8080/simple/ attrs
  pyslsa serve --upstream https://pypi.org/simple/ --pins pylock.toml --mode warn --log decisions.jsonl

  The status page is http://127.0.0.1:8080/ (also /-/decisions.json and /-/health).
  --on-fail hide leaves failing files off the index pages instead of refusing them: a resolver then
  silently installs an older version (which may be one with a known vulnerability). Prefer block.

serve's exit status: 0 after Ctrl-C or SIGTERM; 2 when it cannot start (a flag, the policy or pins file,
the trusted root, the cache or log, the address, or the extra pyslsa[serve] not installed). Refusals are
not exit statuses: they are the 403 answers, the decision log and the status page.
"""


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--upstream", required=True, metavar="URL",
                   help="the simple index to proxy, e.g. https://pypi.org/simple/ (its files may also come from "
                        "files.pythonhosted.org)")
    p.add_argument("--policy", metavar="FILE",
                   help="the audit policy (default: pyslsa.toml, else [tool.pyslsa] of pyproject.toml, in the "
                        "current directory; else the default policy)")
    p.add_argument("--pins", metavar="FILE",
                   help="pinned publishers: a pyslsa.pins.toml or a pylock.toml (default: pyslsa.pins.toml in the "
                        "current directory, if there is one)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1; anything else is reachable from elsewhere)")
    p.add_argument("--port", type=int, default=8080, help="port to listen on (default: 8080; 0: a free one)")
    p.add_argument("--mode", choices=("enforce", "warn", "dry-run"), default="enforce",
                   help="enforce: refuse failing files (default); warn: serve them and log a warning; dry-run: "
                        "serve them and log what would have been refused")
    p.add_argument("--on-fail", choices=("block", "hide"), default="block",
                   help="block: list failing files and refuse their download with 403 (default); hide: leave them "
                        "off the index pages (a resolver then falls back to an older version)")
    p.add_argument("--cache", metavar="DIR",
                   help="the cache of files and raw evidence, content-addressed (default: $PYSLSA_CACHE_DIR or "
                        "the user cache directory, + serve)")
    p.add_argument("--log", metavar="FILE", help="append one JSON line per decision to FILE")
    p.add_argument("--github-url", metavar="URL",
                   help="GitHub host for release provenance downloads (default: https://github.com)")
    p.add_argument("--github-api-url", metavar="URL",
                   help="GitHub API for attestations by digest and releases (default: https://api.github.com)")
    add_common(p)


def options_from(args: argparse.Namespace) -> ServeOptions:
    from pyslsa.options import ServeOptions

    return ServeOptions(
        upstream=args.upstream, policy=args.policy, pins=args.pins, host=args.host, port=args.port, mode=args.mode,
        on_fail=args.on_fail, cache_dir=args.cache, log_file=args.log, github_url=args.github_url,
        github_api_url=args.github_api_url, trusted_root=args.trusted_root, tuf=tuf_options(args))


def run(options: ServeOptions, ui: Ui) -> ServeReport:
    from pyslsa.api.serve import run_serve

    return run_serve(options)
