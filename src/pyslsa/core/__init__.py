"""The pure core: bytes and a trust root in, a verdict or a typed error out.

pyslsa's dependencies point one way (``tests/test_layering.py`` checks every import, including those inside
functions and under ``TYPE_CHECKING``)::

    cli  ->  commands  ->  api (the library)  ->  sources (the I/O edges)  ->  core  ->  errors
     \\-> formats (the views)            report, options (plain data)

* ``pyslsa.core`` (this package) imports only ``pyslsa.core`` and :mod:`pyslsa.errors` (and the standard
  library and third-party packages): no files, no network, no clock, no environment; no report, view or command.
* ``pyslsa.sources`` (files, HTTP, package index, GitHub, Rekor, TUF) import core, errors and the plain data
  modules; never the library, the views, the commands or the CLI.
* ``pyslsa.api`` (one module per command: verify, release, upgrade, reproduce, audit, vsa, trust_root) import
  sources, core, errors and the data modules; never the commands, the views or the CLI.
* ``pyslsa.report`` and ``pyslsa.options`` are plain data usable by everything but the core; they import errors
  and the core's types, and name the types the sources return only under ``TYPE_CHECKING``.
* ``pyslsa.formats`` (one view per report type) import the data modules and the core's types; never the
  commands, the library or the CLI.
* ``pyslsa.commands`` (one module per command: flags, options, run) import the library and the data modules;
  ``pyslsa.cli`` imports the commands and the views.
* ``pyslsa.serve`` imports the library, sources, core, errors and the data modules only.

No module imports another module's ``_private`` names.
"""
