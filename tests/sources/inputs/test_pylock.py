"""PEP 751 locks: uv's export and pip's `pip lock` (real), a hand-written one with every direct source, and
documents packaging.pylock or our checks refuse."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from pyslsa.errors import UsageError
from pyslsa.sources.inputs import Location, collect_pins, open_input
from pyslsa.sources.inputs.pylock import PylockInput, is_pylock_name, parse_pylock
from pyslsa.sources.inputs.uvlock import parse_uv_lock
from tests.sources.inputs.conftest import AUDIT, HANDWRITTEN, UV_PROJECT, data, usage_error

VECTOR_WHEEL = AUDIT.parent / "pypi-attestations" / "rfc8785-0.1.2-py3-none-any.whl"

MINIMAL = """lock-version = "1.0"
created-by = "test"

[[packages]]
name = "attrs"
version = "25.1.0"
wheels = [{ url = "https://example.org/attrs-25.1.0-py3-none-any.whl", hashes = { sha256 = "%s" } }]
"""


def test_uv_export_names_the_same_files_as_the_uv_lock() -> None:
    path = data(UV_PROJECT / "pylock.toml")
    pins = collect_pins(open_input(str(path)))
    lock = parse_uv_lock(data(UV_PROJECT / "uv.lock").read_text(), "uv.lock")
    assert {(p.name, p.version, p.filename, p.sha256, p.size) for p in pins} == \
        {(p.name, p.version, p.filename, p.sha256, p.size) for p in lock}
    assert len(pins) == 204
    lines = path.read_text().splitlines()
    for p in pins:
        assert p.kind == "pylock" and p.origin == "index" and p.index == "https://pypi.org/simple"
        assert len(p.sha256) == 1 and p.url is not None and p.url.endswith("/" + (p.filename or "?"))
        # located at the package's [[packages]] header, whose table names the package
        assert lines[p.pinned_at.line - 1] == "[[packages]]" and lines[p.pinned_at.line] == f'name = "{p.name}"'
    assert {p.marker for p in pins if p.name == "tomli"} == {'python_full_version < "3.11"'}


def test_pip_lock_output_with_its_table_layout() -> None:
    path = data(AUDIT / "pip-lock" / "pylock.toml")
    pins = collect_pins(PylockInput(str(path)))
    assert [(p.name, p.version, p.filename, p.pinned_at.line) for p in pins] == [
        ("attrs", "25.1.0", "attrs-25.1.0-py3-none-any.whl", 4),
        ("peppercorn", "0.6", "peppercorn-0.6-py3-none-any.whl", 15),
        ("rfc8785", "0.1.2", "rfc8785-0.1.2-py3-none-any.whl", 26),
        ("sampleproject", "4.0.0", "sampleproject-4.0.0-py3-none-any.whl", 37),
    ]
    rfc = pins[2]
    # the lock's digest is the real wheel's (the vector the audit tests serve)
    assert rfc.sha256 == {hashlib.sha256(data(VECTOR_WHEEL).read_bytes()).hexdigest()}
    assert all(p.index is None and p.origin == "index" for p in pins)


def test_uv_export_with_editable_and_url_sources_skips_the_project_itself() -> None:
    pins = collect_pins(open_input(str(data(AUDIT / "uv-odd" / "pylock.toml"))))
    by = {(p.name, p.filename): p for p in pins}
    assert "uvodd" not in {p.name for p in pins}
    assert by[("helper", None)].origin == "editable" and by[("helper", None)].url == "libs/helper"
    sample = by[("sampleproject", "sampleproject-4.0.0-py3-none-any.whl")]
    assert sample.origin == "url" and sample.sha256 == {
        "c23e447ea90d796d1e645c35c4b2de125040add12a845825546f91c93f391b6b"}
    assert by[("rfc8785", "rfc8785-0.1.2-py3-none-any.whl")].origin == "index"


def test_hand_written_direct_sources() -> None:
    path = str(data(HANDWRITTEN / "pylock-direct" / "pylock.toml"))
    pins = collect_pins(open_input(path))
    got = [(p.name, p.version, p.filename, p.origin, p.pinned_at.line) for p in pins]
    assert got == [
        ("attrs", "25.1.0", "attrs-25.1.0.tar.gz", "index", 7),
        ("attrs", "25.1.0", "attrs-25.1.0-py3-none-any.whl", "index", 7),
        ("from-git", "0.3.0", None, "vcs", 28),
        ("tarball", None, None, "url", 33),
        ("local-wheel", "2.0", "local_wheel-2.0-py3-none-any.whl", "local", 37),
        ("member", None, None, "editable", 42),
    ]
    assert pins[3].sha256 == {"5" * 64} and pins[3].url == "https://example.org/downloads/tarball-main.tar.gz"
    assert pins[2].url == "https://github.com/example/from-git"


def test_pylock_names() -> None:
    assert is_pylock_name("pylock.toml") and is_pylock_name("pylock.dev.toml")
    assert not is_pylock_name("pylock.a.b.toml") and not is_pylock_name("mylock.toml")
    assert not is_pylock_name("pylock.toml.bak")


def test_an_inline_packages_array_has_no_header_lines() -> None:
    text = ('lock-version = "1.0"\ncreated-by = "t"\npackages = [{ name = "x", version = "1.0", wheels = [{ url = '
            f'"https://e.org/x-1.0-py3-none-any.whl", hashes = {{ sha256 = "{"a" * 64}" }} }}] }}]\n')
    assert parse_pylock(text, "pylock.toml")[0].pinned_at == Location("pylock.toml", 0)


@pytest.mark.parametrize(("text", "needle"), [
    (MINIMAL.replace('"1.0"', '"2.0"', 1) % ("a" * 64), "not supported"),
    (MINIMAL.replace('created-by = "test"\n', "") % ("a" * 64), "created-by"),
    (MINIMAL.replace('name = "attrs"', 'name = "Attrs"') % ("a" * 64), "not normalized"),
    (MINIMAL % "not-hex", "invalid SHA-256"),
    (MINIMAL.replace("attrs-25.1.0-py3", "other-25.1.0-py3") % ("a" * 64),
     "not of package|Name in .* is not consistent"),
    (MINIMAL.replace("attrs-25.1.0-py3", "attrs-9.9-py3") % ("a" * 64),
     "not of version|Version in .* is not consistent"),
    ((MINIMAL % ("a" * 64)).replace("attrs-25.1.0-py3-none-any.whl", "..%2F..%2Fattrs-25.1.0-py3-none-any.whl"),
     "not a plain distribution file name|Invalid wheel filename"),
    (MINIMAL.replace("attrs-25.1.0-py3-none-any.whl", "attrs.exe") % ("a" * 64),
     "not a wheel or sdist|Invalid wheel filename"),
    (MINIMAL.replace('version = "25.1.0"', 'version = "not a version"') % ("a" * 64), "pylock"),
    (MINIMAL.replace('version = "25.1.0"', "version = 25") % ("a" * 64), "pylock"),
    ('lock-version = "1.0"\ncreated-by = "t"\n[[packages]]\nname = "x"\n', "directory"),
    ("lock-version = \n", "line 1, column"),
    ("[[packages]]\nname = 'a'\n[[packages]\n", "line 3"),
])
def test_invalid_locks_are_input_errors(text: str, needle: str) -> None:
    """(packaging >= 26.1 checks file names itself; with 26.0, our own checks say it: either wording.)"""
    with pytest.raises(UsageError) as exc:
        parse_pylock(text, "pylock.toml")
    msg = usage_error(exc)
    assert re.search(needle, msg), msg


def test_a_wheel_named_with_control_characters_is_refused_escaped() -> None:
    text = MINIMAL.replace("attrs-25.1.0-py3-none-any.whl", "attrs-25.1.0-py3-none-any\\u001b[2J.whl") % ("a" * 64)
    with pytest.raises(UsageError) as exc:
        parse_pylock(text, "pylock.toml")
    assert "\x1b" not in usage_error(exc)


def test_the_file_is_read_bounded(tmp_path: Path) -> None:
    path = tmp_path / "pylock.toml"
    path.write_text(MINIMAL % ("a" * 64))
    assert [p.sha256 for p in collect_pins(open_input(str(path)))] == [frozenset({"a" * 64})]
    with pytest.raises(UsageError, match="not found"):
        collect_pins(open_input(str(tmp_path / "pylock.dev.toml")))
