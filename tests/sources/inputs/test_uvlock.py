"""uv.lock: real locks written by uv (registry, editable, URL, local path and directory sources), a hand-written
one for git and other registries, and documents that are not uv's format."""

from __future__ import annotations

import pytest

from pyslsa.errors import UsageError
from pyslsa.sources.inputs import collect_pins, open_input
from pyslsa.sources.inputs.uvlock import UvLockInput, parse_uv_lock
from tests.sources.inputs.conftest import AUDIT, HANDWRITTEN, UV_PROJECT, data, usage_error

PACKAGE = """version = 1
revision = 3
requires-python = ">=3.10"

[[package]]
name = "attrs"
version = "25.1.0"
source = { registry = "https://pypi.org/simple" }
wheels = [
    { url = "https://files.example/attrs-25.1.0-py3-none-any.whl", hash = "HASH", size = 63152 },
]
"""


def lock(hash_: str = "sha256:" + "a" * 64) -> str:
    return PACKAGE.replace("HASH", hash_)


def test_a_real_lock_every_file_with_its_digest_and_line() -> None:
    path = data(UV_PROJECT / "uv.lock")
    pins = collect_pins(UvLockInput(str(path)))
    assert len(pins) == 204
    assert "auditdemo" not in {p.name for p in pins}  # the project itself (virtual ".")
    assert {p.name for p in pins} == {"attrs", "cffi", "cryptography", "peppercorn", "pycparser", "rfc8785",
                                      "sampleproject", "tomli"}
    lines = path.read_text().splitlines()
    for p in pins:
        assert p.kind == "uv-lock" and p.origin == "index" and p.index == "https://pypi.org/simple"
        assert len(p.sha256) == 1 and p.size is not None and p.url is not None
        assert lines[p.pinned_at.line - 1] == "[[package]]" and lines[p.pinned_at.line] == f'name = "{p.name}"'
    # two versions of one name (under different markers) are two packages
    assert {p.version for p in pins if p.name == "pycparser"} == {"3.11", "3.12"}
    rfc = [p for p in pins if p.name == "rfc8785"]
    assert {p.filename for p in rfc} == {"rfc8785-0.1.2.tar.gz", "rfc8785-0.1.2-py3-none-any.whl"}


def test_editable_and_url_sources() -> None:
    pins = collect_pins(open_input(str(data(AUDIT / "uv-odd" / "uv.lock"))))
    by = {(p.name, p.filename): p for p in pins}
    assert "uvodd" not in {p.name for p in pins}  # editable "." is the project itself
    helper = by[("helper", None)]
    assert helper.origin == "editable" and helper.version == "0.2.0" and helper.url == "libs/helper"
    sample = by[("sampleproject", "sampleproject-4.0.0-py3-none-any.whl")]
    assert sample.origin == "url" and not sample.from_index and sample.index is None
    assert sample.sha256 == {"c23e447ea90d796d1e645c35c4b2de125040add12a845825546f91c93f391b6b"}


def test_local_path_and_directory_sources() -> None:
    pins = collect_pins(open_input(str(data(AUDIT / "uv-path" / "uv.lock"))))
    assert [(p.name, p.version, p.filename, p.origin, len(p.sha256)) for p in pins] == [
        ("helper", "0.2.0", "helper-0.2.0-py3-none-any.whl", "local", 1),
        ("tree", "0.3.0", None, "local", 0),
    ]


def test_hand_written_git_and_other_registries() -> None:
    pins = collect_pins(open_input(str(data(HANDWRITTEN / "uv-sources" / "uv.lock"))))
    got = [(p.name, p.filename, p.origin, p.index, len(p.sha256)) for p in pins]
    private = "https://pypi.internal.example/simple"
    assert got == [
        ("from-git", None, "vcs", None, 0),
        ("local-wheel", "local_wheel-2.0-py3-none-any.whl", "local", None, 1),
        ("member", None, "local", None, 0),
        ("private-lib", "private_lib-1.0.0.tar.gz", "index", private, 1),
        ("private-lib", "private_lib-1.0.0-py3-none-any.whl", "index", private, 1),
        ("sha512-only", "sha512_only-1.0-py3-none-any.whl", "index", private, 0),  # no sha256: no digest
    ]


def test_a_poetry_lock_named_uv_lock_is_refused_naming_what_it_looks_like() -> None:
    text = data(AUDIT / "poetry" / "poetry.lock").read_text()
    with pytest.raises(UsageError) as exc:
        parse_uv_lock(text, "uv.lock")
    msg = usage_error(exc)
    assert "not in uv's lock format" in msg and "poetry.lock" in msg


@pytest.mark.parametrize(("text", "needle"), [
    (lock().replace("version = 1\n", "version = 2\n", 1), "version 2 is not supported"),
    (lock().replace("version = 1\n", 'version = "1"\n', 1), "no integer 'version'"),
    (lock().replace("version = 1\n", "version = true\n", 1), "no integer 'version'"),
    (lock("sha256:abc"), "invalid SHA-256"),
    (lock().replace('source = { registry = "https://pypi.org/simple" }',
                    'source = { registry = "https://pypi.org/simple", git = "https://x" }'), "exactly one of"),
    (lock().replace('source = { registry = "https://pypi.org/simple" }', 'source = { svn = "x" }'), "exactly one of"),
    (lock().replace('source = { registry = "https://pypi.org/simple" }', 'source = "pypi"'), "must be a table"),
    (lock().replace("attrs-25.1.0-py3-none-any.whl", "..%2Fattrs-25.1.0-py3-none-any.whl"), "plain distribution"),
    (lock().replace("attrs-25.1.0-py3-none-any.whl", "other-25.1.0-py3-none-any.whl"), "not of package"),
    (lock().replace("attrs-25.1.0-py3-none-any.whl", "attrs-25.2.0-py3-none-any.whl"), "not of version"),
    (lock().replace('name = "attrs"', 'name = "at\\u200btrs"'), "invalid package name"),
    (lock().replace('version = "25.1.0"', 'version = "25.1.0; rm -rf"'), "invalid version"),
    (lock().replace("size = 63152", "size = -1"), "non-negative"),
    (lock().replace('{ url = "https://files.example/attrs-25.1.0-py3-none-any.whl", ', "{ "), "needs a 'url'"),
    (lock().replace("wheels = [", "wheels = 3\nx = ["), "must be an array"),
    ("version = 1\npackage = 3\n", "array of tables"),
    ("version = 1\n[[package]]\nname = \"a\"\nversion = \n", "line 4, column"),
])
def test_malformed_locks_are_input_errors(text: str, needle: str) -> None:
    with pytest.raises(UsageError) as exc:
        parse_uv_lock(text, "uv.lock")
    msg = usage_error(exc)
    assert needle in msg, msg


def test_other_hash_algorithms_give_no_digest() -> None:
    assert parse_uv_lock(lock("sha512:" + "a" * 128), "uv.lock")[0].sha256 == frozenset()
    assert parse_uv_lock(lock("sha256:" + "A" * 64), "uv.lock")[0].sha256 == {"a" * 64}


def test_a_registry_package_without_files_is_pinned_without_a_file_name() -> None:
    text = lock().split("wheels = [")[0]
    pin = parse_uv_lock(text, "uv.lock")[0]
    assert (pin.filename, pin.version, pin.origin, pin.index) == (None, "25.1.0", "index", "https://pypi.org/simple")
