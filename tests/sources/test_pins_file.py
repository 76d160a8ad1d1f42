"""Pins on disk: a pylock input keeps them in its own tables, any other input in pyslsa.pins.toml beside it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pyslsa.core.audit.identity import GITHUB, Identity
from pyslsa.core.audit.pins import PINS_FILENAME
from pyslsa.errors import UsageError
from pyslsa.sources.pins_file import load_pins, pins_path, write_pins

AUDIT = Path(__file__).resolve().parents[1] / "data" / "audit"
ATTRS = Identity(GITHUB, "python-attrs/attrs", "pypi-package.yml", "release-pypi")
RFC = Identity(GITHUB, "trailofbits/rfc8785.py", "release.yml")


def copy(tmp_path: Path, relative: str) -> Path:
    source = AUDIT / relative
    if not source.is_file():
        pytest.fail(f"test data missing: {source}")
    target = tmp_path / source.name
    shutil.copyfile(source, target)
    return target


def test_where_pins_live(tmp_path: Path) -> None:
    assert pins_path("locks/pylock.toml", "pylock") == Path("locks/pylock.toml")
    assert pins_path("locks/uv.lock", "uv-lock") == Path("locks") / PINS_FILENAME
    assert pins_path("requirements.txt", "requirements") == Path(PINS_FILENAME)
    assert pins_path(None, "environment", tmp_path) == tmp_path / PINS_FILENAME


def test_first_run_writes_the_pylock_later_runs_read_it(tmp_path: Path) -> None:
    lock = copy(tmp_path, "pip-lock/pylock.toml")
    original = lock.read_bytes()
    assert load_pins(str(lock), "pylock") == {}
    assert write_pins(str(lock), "pylock", {"rfc8785": (RFC,)}) == lock
    assert load_pins(str(lock), "pylock") == {"rfc8785": (RFC,)}
    block = (b'\n[[packages.attestation-identities]]\nkind = "GitHub"\nrepository = "trailofbits/rfc8785.py"\n'
             b'workflow = "release.yml"\n')
    assert lock.read_bytes().count(block) == 1 and lock.read_bytes().replace(block, b"") == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pylock.toml"]  # no pins file, no temp file
    before = lock.stat().st_mtime_ns
    write_pins(str(lock), "pylock", {"rfc8785": (RFC,)})  # nothing changes: not rewritten
    assert lock.stat().st_mtime_ns == before


def test_other_inputs_get_a_pins_file_beside_them(tmp_path: Path) -> None:
    lock = copy(tmp_path, "uv-project/uv.lock")
    original = lock.read_bytes()
    assert load_pins(str(lock), "uv-lock") == {}
    written = write_pins(str(lock), "uv-lock", {"attrs": (ATTRS,)})
    assert written == tmp_path / PINS_FILENAME and lock.read_bytes() == original
    write_pins(str(lock), "uv-lock", {"RFC8785": (RFC,)})  # other packages' pins are kept
    assert load_pins(str(lock), "uv-lock") == {"attrs": (ATTRS,), "rfc8785": (RFC,)}
    write_pins(str(lock), "uv-lock", {"attrs": (RFC,)})  # a package's pins are replaced
    assert load_pins(str(lock), "uv-lock")["attrs"] == (RFC,)


def test_a_pylock_the_edit_cannot_handle_is_left_untouched(tmp_path: Path) -> None:
    lock = tmp_path / "pylock.toml"
    text = b'lock-version = "1.0"\ncreated-by = "t"\npackages = [{ name = "attrs", version = "1" }]\n'
    lock.write_bytes(text)
    with pytest.raises(UsageError, match="does not write each package"):
        write_pins(str(lock), "pylock", {"attrs": (ATTRS,)})
    assert lock.read_bytes() == text


def test_a_broken_pins_file_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / PINS_FILENAME).write_text('schema = "other"\n')
    with pytest.raises(UsageError, match="'schema' must be"):
        load_pins(str(tmp_path / "requirements.txt"), "requirements")
    with pytest.raises(UsageError, match="'schema' must be"):
        write_pins(str(tmp_path / "requirements.txt"), "requirements", {"attrs": (ATTRS,)})
