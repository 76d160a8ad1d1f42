"""Rebuilding a wheel from its sdist (being split into modules: see the next commit)."""

from pyslsa.core.reproduce.closure import *  # noqa: F403
from pyslsa.core.reproduce.closure import (  # noqa: F401 - public names the module had beside its __all__
    LEGACY_BACKEND,
    LEGACY_REQUIRES,
    MAX_CLOSURE_ROUNDS,
    MAX_DIFF_INPUT_LINES,
    MAX_DIFF_LINE_CHARS,
    MAX_DIFF_LINES,
    MAX_DIFF_LINES_PER_FILE,
    MAX_EXAMPLES,
    MAX_REQUIRED_BY_SHOWN,
    MAX_TEXT_BYTES,
    MAX_WHEEL_ENTRIES,
    MAX_WHEEL_UNCOMPRESSED,
    ZIP_EPOCH,
    Zone,
)
