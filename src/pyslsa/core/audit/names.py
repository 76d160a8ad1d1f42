"""Project names as the audit compares them, and untrusted text as its messages show it."""

from __future__ import annotations

import re

from packaging.utils import canonicalize_name

from pyslsa.errors import UsageError

__all__ = ["MAX_NAME_LENGTH", "canonical_name", "show"]

#: Longest project name accepted (the longest on PyPI is well under 100 characters).
MAX_NAME_LENGTH = 200

# PEP 508 names: ASCII letters and digits, with '.', '_', '-' inside.
_NAME_RE = re.compile(r"\A[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?\Z")


def show(value: object, limit: int = 80) -> str:
    """``value`` for a message: escaped (no control or non-ASCII character reaches a terminal) and at most
    ``limit`` characters long."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > limit:
        text = text[:limit] + "..."
    return ascii(text)


def canonical_name(value: object, where: str) -> str:
    """A PEP 508 project name in its PEP 503 canonical form; anything else is a :class:`UsageError`."""
    if not isinstance(value, str):
        raise UsageError(f"{where}: the package name must be a string, got {show(value)}")
    if len(value) > MAX_NAME_LENGTH or not _NAME_RE.match(value):
        raise UsageError(f"{where}: invalid package name {show(value)} (PEP 508: ASCII letters, digits, '.', '_', "
                         f"'-', at most {MAX_NAME_LENGTH} characters)")
    return canonicalize_name(value)
