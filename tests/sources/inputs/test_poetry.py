"""poetry.lock: a real lock written by Poetry 2.5 (lock-version 2.1, files per package) and one in Poetry 1.x's
layout (lock-version 1.1, hashes under [metadata.files])."""

from __future__ import annotations

import pytest

from pyslsa.errors import UsageError
from pyslsa.sources.inputs import collect_pins, open_input
from pyslsa.sources.inputs.poetry import PoetryLockInput, parse_poetry_lock
from pyslsa.sources.inputs.uvlock import parse_uv_lock
from tests.sources.inputs.conftest import AUDIT, HANDWRITTEN, UV_PROJECT, data, usage_error

LEGACY = """[[package]]
name = "pycparser"
version = "3.11"

[[package]]
name = "pycparser"
version = "3.12"

[metadata]
lock-version = "1.1"

[metadata.files]
pycparser = [
    {file = "FILE", hash = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
]
"""


def test_a_real_lock_agrees_with_uv_on_every_file() -> None:
    path = data(AUDIT / "poetry" / "poetry.lock")
    pins = collect_pins(PoetryLockInput(str(path)))
    uv = {(p.name, p.version, p.filename, p.sha256) for p in parse_uv_lock(data(UV_PROJECT / "uv.lock").read_text(),
                                                                            "uv.lock")}
    # the same index, the same releases: every file Poetry pins, uv pins with the same digest
    assert {(p.name, p.version, p.filename, p.sha256) for p in pins} <= uv
    assert len(pins) == 202
    lines = path.read_text().splitlines()
    for p in pins:
        assert p.kind == "poetry-lock" and p.origin == "index" and len(p.sha256) == 1
        assert lines[p.pinned_at.line - 1] == "[[package]]" and lines[p.pinned_at.line] == f'name = "{p.name}"'
    assert {p.marker for p in pins if p.name == "cffi"} == {'platform_python_implementation != "PyPy"'}


def test_the_legacy_layout() -> None:
    pins = collect_pins(open_input(str(data(HANDWRITTEN / "poetry-legacy" / "poetry.lock"))))
    got = [(p.name, p.version, p.filename, p.origin, len(p.sha256)) for p in pins]
    assert got == [
        ("attrs", "25.1.0", "attrs-25.1.0-py3-none-any.whl", "index", 1),
        ("attrs", "25.1.0", "attrs-25.1.0.tar.gz", "index", 1),
        # [metadata.files] keys compare in PEP 503 form ("Peppercorn")
        ("peppercorn", "0.6", "peppercorn-0.6-py3-none-any.whl", "index", 1),
        ("peppercorn", "0.6", "peppercorn-0.6.tar.gz", "index", 1),
        # one name's list holds both versions' files: each goes to its own version
        ("pycparser", "3.11", "pycparser-3.11-py3-none-any.whl", "index", 1),
        ("pycparser", "3.11", "pycparser-3.11.tar.gz", "index", 1),
        ("pycparser", "3.12", "pycparser-3.12-py3-none-any.whl", "index", 1),
        ("pycparser", "3.12", "pycparser-3.12.tar.gz", "index", 1),
        ("private-lib", "1.0.0", "private_lib-1.0.0-py3-none-any.whl", "index", 0),  # md5: no digest
        ("from-git", "0.3.0", None, "vcs", 0),
        ("local-tree", "0.1.0", None, "editable", 0),  # develop = true
    ]
    private = next(p for p in pins if p.name == "private-lib")
    assert private.index == "https://pypi.internal.example/simple"
    assert next(p for p in pins if p.version == "3.12").marker == 'python_version >= "3.11"'


def test_a_uv_lock_named_poetry_lock_is_refused() -> None:
    with pytest.raises(UsageError) as exc:
        parse_poetry_lock(data(UV_PROJECT / "uv.lock").read_text(), "poetry.lock")
    msg = usage_error(exc)
    assert "not in Poetry's lock format" in msg and "uv.lock" in msg


@pytest.mark.parametrize(("text", "needle"), [
    (LEGACY.replace("FILE", "pycparser-3.11.tar.gz").replace('"1.1"', '"3.0"'), "not supported"),
    (LEGACY.replace("FILE", "weird.bin"), "cannot be read from its name"),
    (LEGACY.replace("FILE", "pycparser-3.11.tar.gz").replace("sha256:", "sha256:zz"), "invalid SHA-256"),
    (LEGACY.replace("FILE", "../pycparser-3.11.tar.gz"), "cannot be read from its name"),
    (LEGACY.replace("FILE", "pycparser-3.11.tar.gz").replace("pycparser = [", "pycparser = 3\nx = ["),
     "must be an array"),
    ('[[package]]\nname = "a"\nversion = "1"\nfiles = [{file = "b-1.tar.gz", hash = "sha256:x"}]\n'
     '[metadata]\nlock-version = "2.0"\n', "not of package"),
    ('[[package]]\nname = "a"\nversion = "1"\n[package.source]\ntype = "svn"\n[metadata]\nlock-version = "2.0"\n',
     "unknown source type"),
    ("[metadata]\nlock-version = 2\n", "no [metadata] table"),
    ("[metadata\n", "line 1, column"),
])
def test_malformed_locks_are_input_errors(text: str, needle: str) -> None:
    with pytest.raises(UsageError) as exc:
        parse_poetry_lock(text, "poetry.lock")
    msg = usage_error(exc)
    assert needle in msg, msg


def test_legacy_files_of_two_versions_are_split_by_version() -> None:
    pins = parse_poetry_lock(LEGACY.replace("FILE", "pycparser-3.12.tar.gz"), "poetry.lock")
    assert [(p.version, p.filename) for p in pins] == [("3.11", None), ("3.12", "pycparser-3.12.tar.gz")]
