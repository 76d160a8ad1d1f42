"""The commands of the ``pyslsa`` command line, one module each.

Every command module defines:

* ``NAME`` (and ``ALIASES``), ``HELP`` (one line in ``pyslsa --help``), ``DESCRIPTION`` and ``EPILOG`` (its examples);
* ``configure(parser)``: its flags (the shared ones come from :mod:`pyslsa.commands.flags`);
* ``options_from(args)``: the command's frozen options object (:mod:`pyslsa.options`), built once; flag
  combinations argparse cannot express are checked here (a :class:`~pyslsa.errors.UsageError`);
* ``run(options, ui)``: calls the library (:mod:`pyslsa.api`) and returns the report the views render;
* optionally ``show(report, options, fmt)``: (stdout, stderr) of the report, for a command that decides where its
  report goes (``audit``: a rich table on a terminal, nothing on stdout when ``--output`` took the report;
  ``options`` is None when ``options_from`` refused the flags, ``fmt`` is ``--format``). Without it, the command
  line renders ``--format`` with the view.

Module tops import only argparse-level things (the options and the library are imported inside ``options_from``
and ``run``), so ``pyslsa --help`` stays fast. Adding a command is adding a module here and its name to
:data:`pyslsa.cli.COMMANDS`.
"""
