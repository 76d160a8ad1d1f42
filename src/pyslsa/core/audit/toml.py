"""TOML in and out for the audit's files: parsing with line and column in every error, and the one string
escaper used where pyslsa writes TOML itself (pins)."""

from __future__ import annotations

import sys
from typing import Any

from pyslsa.errors import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]

__all__ = ["loads_toml", "toml_string"]


def loads_toml(text: str, what: str) -> dict[str, Any]:
    """The document ``text``; malformed TOML is a :class:`~pyslsa.errors.UsageError` naming ``what`` and the
    parser's line and column."""
    try:
        doc: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{what} is not valid TOML: {exc}") from None
    except RecursionError:
        raise UsageError(f"{what} is not valid TOML: nested too deeply") from None
    return doc


_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string: quotes, backslashes and every control character escaped."""
    out = []
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'
