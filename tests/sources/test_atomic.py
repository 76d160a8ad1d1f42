"""The atomic writer: whole new content or the old one, the file's permissions kept, no temp file left."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pyslsa.errors import UsageError
from pyslsa.sources import atomic
from pyslsa.sources.atomic import NEW_FILE_MODE, write_atomically


def test_replaces_and_keeps_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "pylock.toml"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_atomically(target, b"new content")
    assert target.read_bytes() == b"new content"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pylock.toml"]


def test_creates_a_new_file(tmp_path: Path) -> None:
    write_atomically(str(tmp_path / "pyslsa.pins.toml"), b"x")
    assert stat.S_IMODE((tmp_path / "pyslsa.pins.toml").stat().st_mode) == NEW_FILE_MODE


def test_refuses_a_symlink_and_a_missing_directory(tmp_path: Path) -> None:
    real = tmp_path / "real.toml"
    real.write_bytes(b"keep")
    link = tmp_path / "link.toml"
    link.symlink_to(real)
    with pytest.raises(UsageError, match="symbolic link"):
        write_atomically(link, b"x")
    assert real.read_bytes() == b"keep" and link.is_symlink()
    with pytest.raises(UsageError, match="no directory"):
        write_atomically(tmp_path / "nope" / "f", b"x")


def test_a_failure_leaves_the_old_file_and_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "pylock.toml"
    target.write_bytes(b"old")

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", broken_fsync)
    with pytest.raises(UsageError, match="No space left"):
        write_atomically(target, b"new")
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["pylock.toml"]


def test_ctrl_c_leaves_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "pylock.toml"
    target.write_bytes(b"old")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, b"new")
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["pylock.toml"]


def test_new_file_mode_and_parents(tmp_path: Path) -> None:
    """The TUF cache and kept evidence are private (0600, parents 0700); a file replaced keeps its own mode."""
    target = tmp_path / "a" / "b" / "mirror.json"
    with pytest.raises(UsageError, match="no directory"):
        write_atomically(target, b"x", new_file_mode=0o600)
    write_atomically(target, b"x", new_file_mode=0o600, make_parents=True)
    assert target.read_bytes() == b"x" and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) & 0o077 == 0  # (as mkdir: the last one)
    target.chmod(0o640)
    write_atomically(target, b"y", new_file_mode=0o600)
    assert target.read_bytes() == b"y" and stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in target.parent.iterdir()) == ["mirror.json"]


def test_parent_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_bytes(b"a file")
    with pytest.raises(UsageError, match="cannot write"):
        write_atomically(blocker / "x.json", b"x", make_parents=True)
    assert blocker.read_bytes() == b"a file"


def test_refuses_to_replace_what_is_not_a_regular_file(tmp_path: Path) -> None:
    """The rename would replace a FIFO or a device node (as root, ``/dev/null`` itself), not write to it."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for target in (fifo, Path(os.devnull)):
        with pytest.raises(UsageError, match="not a regular file"):
            write_atomically(target, b"x")
        with pytest.raises(UsageError, match="not a regular file"):
            atomic.check_writable(target)
    with pytest.raises(UsageError, match="it is a directory"):
        write_atomically(tmp_path, b"x")
    assert stat.S_ISFIFO(fifo.stat().st_mode) and stat.S_ISCHR(Path(os.devnull).stat().st_mode)
    assert os.listdir(tmp_path) == ["pipe"]


def test_check_writable_tries_the_directory_and_leaves_nothing(tmp_path: Path) -> None:
    atomic.check_writable(tmp_path / "new.json")
    (tmp_path / "old.json").write_bytes(b"old")
    atomic.check_writable(tmp_path / "old.json")
    assert os.listdir(tmp_path) == ["old.json"] and (tmp_path / "old.json").read_bytes() == b"old"
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "old.json")
    with pytest.raises(UsageError, match="symbolic link"):
        atomic.check_writable(link)
    with pytest.raises(UsageError, match="no directory"):
        atomic.check_writable(tmp_path / "nope" / "f")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc (no file can be created there)")
def test_a_directory_that_takes_no_new_file_names_the_target_not_the_temp_file() -> None:
    """Found by trying, so it holds for root too (who ignores permission bits); the message names what the user
    chose, never the temporary file."""
    for call in (atomic.check_writable, lambda p: write_atomically(p, b"x")):
        with pytest.raises(UsageError) as info:
            call(Path("/proc/pyslsa-test.json"))
        assert info.value.message.startswith("cannot write /proc/pyslsa-test.json: cannot create a file in /proc: ")
        assert ".tmp" not in info.value.message
