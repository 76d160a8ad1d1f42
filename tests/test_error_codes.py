"""The error codes: every class registers itself, and the documented table matches the registry both ways."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pyslsa import errors
from pyslsa.errors import CODES, PyslsaError, TrustedRootError, UsageError, VerificationError, error_for_code

ROOT = Path(__file__).resolve().parent.parent
#: Where the codes table lives: docs/error-codes.md once the README's reference sections move there.
TABLES = (ROOT / "docs" / "error-codes.md", ROOT / "README.md")


def documented_codes() -> set[str]:
    """The first cell of every row of the Markdown table whose header starts with ``| code |``."""
    path = next(p for p in TABLES if p.is_file())
    codes: set[str] = set()
    in_table = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if re.match(r"\|\s*code\s*\|", line):
            in_table = True
            continue
        if in_table:
            if not line.startswith("|"):
                in_table = False
                continue
            first = line.split("|")[1]
            if set(first.strip()) <= set("-: "):
                continue  # the separator row
            found = re.findall(r"`([a-z0-9-]+)`", first)
            assert found, f"{path.name}: a codes table row without a code: {line!r}"
            codes.update(found)
    assert codes, f"no codes table (a header starting with '| code |') in {path}"
    return codes


def test_every_code_is_documented_and_every_documented_code_exists() -> None:
    documented = documented_codes()
    assert sorted(set(CODES) - documented) == [], "codes missing from the documented table"
    assert sorted(documented - set(CODES)) == [], "documented codes that no error class has"


def test_every_error_class_of_the_module_is_registered() -> None:
    classes = [c for c in vars(errors).values()
               if isinstance(c, type) and issubclass(c, PyslsaError)
               and c not in (PyslsaError, UsageError, VerificationError)]
    assert classes and all(CODES[c.code] is c for c in classes)
    assert CODES["invalid-trusted-root"] is TrustedRootError and TrustedRootError.exit_status == 2
    assert "usage" not in CODES and "verification-failed" not in CODES


def test_a_new_subclass_registers_itself_and_a_taken_code_is_refused() -> None:
    class Fresh(VerificationError):
        code = "test-only-fresh-code"

    try:
        assert CODES["test-only-fresh-code"] is Fresh
        assert isinstance(error_for_code("test-only-fresh-code", "m"), Fresh)
        with pytest.raises(TypeError, match="already"):
            class Twin(VerificationError):
                code = "test-only-fresh-code"
    finally:
        CODES.pop("test-only-fresh-code", None)


def test_error_for_code() -> None:
    assert type(error_for_code("mismatch-tag", "m")).__name__ == "MismatchTagError"
    assert isinstance(error_for_code("release-not-found", "m"), UsageError)
    unknown = error_for_code("no-such-code", "m")
    assert type(unknown) is VerificationError and unknown.code == "no-such-code"
