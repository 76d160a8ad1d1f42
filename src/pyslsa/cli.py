"""The ``pyslsa`` command line: the parser, the list of commands, and what every run shares.

Each command is a module of :mod:`pyslsa.commands` (its flags, its options, its run: see that package); this
module builds the parser from them, runs the one asked for, renders its report through the view registry
(:mod:`pyslsa.formats`) and turns it into the exit status. Imports of the verification machinery happen inside
the commands' ``run``, so ``pyslsa --help`` and start-up stay fast. Exit status: 0 verified, 1 verification
failed, 2 usage or input error. No traceback without --debug.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, cast

if TYPE_CHECKING:
    from pyslsa.commands.flags import Ui
    from pyslsa.report import CommandReport

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

#: The commands, in the order ``pyslsa --help`` lists them: one module each (see :mod:`pyslsa.commands`).
COMMANDS = (
    "pyslsa.commands.verify_artifact",
    "pyslsa.commands.verify_github_attestation",
    "pyslsa.commands.upgrade_provenance",
    "pyslsa.commands.verify_bundle",
    "pyslsa.commands.verify_release",
    "pyslsa.commands.verify_vsa",
    "pyslsa.commands.reproduce",
    "pyslsa.commands.audit",
    "pyslsa.commands.serve",
    "pyslsa.commands.trust_root",
)


class CommandModule(Protocol):
    """What a module of :mod:`pyslsa.commands` provides."""

    NAME: str
    ALIASES: tuple[str, ...]
    HELP: str
    DESCRIPTION: str
    EPILOG: str

    def configure(self, parser: argparse.ArgumentParser) -> None: ...

    def options_from(self, args: argparse.Namespace) -> Any: ...

    def run(self, options: Any, ui: Ui) -> CommandReport: ...

_EPILOG = """\
exit status: 0 verified, 1 verification failed (a stable error code is printed), 2 usage or input error.
Run 'pyslsa COMMAND --help' for the flags of a command."""


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

    for module in _command_modules():
        p = sub.add_parser(module.NAME, aliases=list(module.ALIASES), help=module.HELP,
                           description=module.DESCRIPTION, epilog=module.EPILOG + _EPILOG, formatter_class=_Formatter)
        module.configure(p)
        p.set_defaults(command_module=module)
    return parser


def _command_modules() -> list[CommandModule]:
    import importlib

    return [cast("CommandModule", importlib.import_module(name)) for name in COMMANDS]


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
        from pyslsa.commands.flags import Ui
        from pyslsa.errors import PyslsaError
        from pyslsa.formats import render
        from pyslsa.report import Report

        command: CommandModule = args.command_module
        # bars and steps: a person watches (the text view: audit calls it table)
        ui = Ui(progress=args.format in ("text", "table") and sys.stderr.isatty())
        report: CommandReport
        options: Any = None
        try:
            options = command.options_from(args)
            report = command.run(options, ui)
        except PyslsaError as exc:
            report = Report(command=args.command, error=exc)
        show: Callable[[CommandReport, Any, str], tuple[str, str]] | None = getattr(command, "show", None)
        out, err = show(report, options, args.format) if show is not None else render(report, args.format)
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
