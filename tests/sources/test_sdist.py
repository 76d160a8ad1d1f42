"""The safe sdist extraction (:mod:`pyslsa.sources.sdist`): a published sdist is hostile input. Nothing may be
written outside the destination (absolute paths, ``..``, links out of the tree, writing through a link), no link
is ever created, devices are never made, and the members, their size and their names are bounded."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from pyslsa.errors import UnsupportedFormatError
from pyslsa.sources import sdist as sdist_module
from pyslsa.sources.sdist import extract_sdist, scan_sdist
from tests.conftest import tar_file, write_tar


def _link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tuple[tarfile.TarInfo, None]:
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.linkname = target
    return ti, None


@pytest.mark.parametrize("mtime", ["nan", "inf", "1e30", "-1e30"])
def test_implausible_sdist_mtimes_are_refused(tmp_path: Path, mtime: str) -> None:
    sdist = write_tar(tmp_path / "demo-1.0.tar.gz", [tar_file("demo-1.0/a.py", b"x", 0, {"mtime": mtime}),
                                                     tar_file("demo-1.0/pyproject.toml", b"")])
    with pytest.raises(UnsupportedFormatError):
        scan_sdist(sdist)
    (tmp_path / "out").mkdir()
    with pytest.raises(UnsupportedFormatError):
        extract_sdist(sdist, tmp_path / "out")


def test_huge_pyproject_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sdist_module, "MAX_PYPROJECT_BYTES", 1000)
    sdist = write_tar(tmp_path / "demo-1.0.tar.gz", [tar_file("demo-1.0/pyproject.toml", b"#" * 5000)])
    with pytest.raises(UnsupportedFormatError, match=r"pyproject\.toml"):
        scan_sdist(sdist)


# -- sdist links ----------------------------------------------------------------------------------------------


def test_hard_link_copies_count_towards_the_unpacked_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sdist_module, "MAX_SDIST_BYTES", 1_000_000)
    sdist = write_tar(tmp_path / "demo-1.0.tar.gz", [tar_file("demo-1.0/big", b"\0" * 900_000)]
                 + [_link(f"demo-1.0/l{i}", "demo-1.0/big", tarfile.LNKTYPE) for i in range(50)])
    (tmp_path / "out").mkdir()
    with pytest.raises(UnsupportedFormatError, match="more than"):
        extract_sdist(sdist, tmp_path / "out")


def test_symlink_copies_count_towards_the_unpacked_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sdist_module, "MAX_SDIST_BYTES", 1_000_000)
    sdist = write_tar(tmp_path / "demo-1.0.tar.gz", [tar_file("demo-1.0/big", b"\0" * 900_000)]
                 + [_link(f"demo-1.0/s{i}", "big") for i in range(50)])
    (tmp_path / "out").mkdir()
    with pytest.raises(UnsupportedFormatError, match="more than"):
        extract_sdist(sdist, tmp_path / "out")


@pytest.mark.parametrize("reverse", [False, True])
def test_symlink_chains_and_links_to_later_members_become_copies(tmp_path: Path, reverse: bool) -> None:
    members = [_link("demo-1.0/a", "b"), _link("demo-1.0/b", "sub/c"), tar_file("demo-1.0/sub/c", b"C"),
               _link("demo-1.0/sub/d", "../a")]
    if reverse:
        members.reverse()
    sdist = write_tar(tmp_path / "demo-1.0.tar.gz", members)
    (tmp_path / "out").mkdir()
    top = extract_sdist(sdist, tmp_path / "out")
    for name in ("a", "b", "sub/c", "sub/d"):
        p = top / name
        assert not p.is_symlink() and p.read_bytes() == b"C", name


def test_symlink_loops_are_skipped(tmp_path: Path) -> None:
    sdist = write_tar(tmp_path / "demo-1.0.tar.gz", [_link("demo-1.0/a", "b"), _link("demo-1.0/b", "a"),
                                                     tar_file("demo-1.0/c", b"C")])
    (tmp_path / "out").mkdir()
    top = extract_sdist(sdist, tmp_path / "out")
    assert sorted(p.name for p in top.iterdir()) == ["c"]


def test_a_regular_file_after_a_link_of_the_same_name_wins(tmp_path: Path) -> None:
    sdist = write_tar(tmp_path / "demo-1.0.tar.gz", [tar_file("demo-1.0/c", b"C"), _link("demo-1.0/a", "c"),
                                                     tar_file("demo-1.0/a", b"A")])
    (tmp_path / "out").mkdir()
    top = extract_sdist(sdist, tmp_path / "out")
    assert (top / "a").read_bytes() == b"A"


def test_overlong_member_names_are_refused(tmp_path: Path) -> None:
    sdist = write_tar(tmp_path / "demo-1.0.tar.gz", [tar_file("demo-1.0/" + "/".join(["d"] * 5000) + "/x", b"")])
    with pytest.raises(UnsupportedFormatError, match="long"):
        scan_sdist(sdist)


# -- unpacking the sdist safely -------------------------------------------------------------------------------


def _tar_with(path: Path, members: list[tarfile.TarInfo], data: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for ti in members:
            if ti.isreg():
                ti.size = len(data[ti.name])
                tf.addfile(ti, io.BytesIO(data[ti.name]))
            else:
                tf.addfile(ti)
    return path


@pytest.mark.parametrize("name", ["pkg-1/../../evil.txt", "/tmp/evil.txt", "../evil.txt"])
def test_unsafe_member_paths_refused(tmp_path: Path, name: str) -> None:
    ok = tarfile.TarInfo("pkg-1/setup.py")
    bad = tarfile.TarInfo(name)
    sdist = _tar_with(tmp_path / "x.tar.gz", [ok, bad], {"pkg-1/setup.py": b"", name: b"owned"})
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(UnsupportedFormatError):
        extract_sdist(sdist, dest)
    assert not (tmp_path / "evil.txt").exists()


def test_links_never_lead_outside(tmp_path: Path) -> None:
    f = tarfile.TarInfo("pkg-1/a.txt")
    f.mode, f.mtime = 0o755, 1_000_000_000
    out = tarfile.TarInfo("pkg-1/out")
    out.type, out.linkname = tarfile.SYMTYPE, "../../.."
    inside = tarfile.TarInfo("pkg-1/b.txt")
    inside.type, inside.linkname = tarfile.SYMTYPE, "a.txt"
    through = tarfile.TarInfo("pkg-1/out/escaped.txt")  # would write through the link if it had been made
    sdist = _tar_with(tmp_path / "x.tar.gz", [f, out, inside, through],
                 {"pkg-1/a.txt": b"hello", "pkg-1/out/escaped.txt": b"owned"})
    dest = tmp_path / "dest"
    dest.mkdir()
    top = extract_sdist(sdist, dest)
    assert (top / "a.txt").read_bytes() == b"hello" and (top / "a.txt").stat().st_mtime == 1_000_000_000
    assert (top / "a.txt").stat().st_mode & 0o777 == 0o755
    assert (top / "b.txt").read_bytes() == b"hello" and not (top / "b.txt").is_symlink()
    assert (top / "out").is_dir() and not (top / "out").is_symlink()  # a plain directory, never a link
    assert not list(tmp_path.glob("escaped.txt")) and not Path("/escaped.txt").exists()


# -- every other way out, and the bounds ---------------------------------------------------------------------


def _outside(tmp_path: Path, dest: Path) -> list[str]:
    """Everything below tmp_path that is neither the destination's tree nor the sdist itself."""
    return sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")
                  if p != dest and dest not in p.parents and not p.name.endswith(".tar.gz"))


@pytest.mark.parametrize("name", ["\\evil.txt", "C:/evil.txt", "c:evil.txt", "pkg-1\\..\\..\\evil.txt",
                                  "pkg-1/./../../evil.txt", "pkg-1/sub/../../../evil.txt", "//evil.txt"])
def test_absolute_drive_and_parent_paths_in_any_spelling_are_refused(tmp_path: Path, name: str) -> None:
    sdist = write_tar(tmp_path / "pkg-1.tar.gz", [tar_file("pkg-1/setup.py", b""), tar_file(name, b"owned")])
    with pytest.raises(UnsupportedFormatError, match=r"absolute paths|'\.\.'"):
        scan_sdist(sdist)
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(UnsupportedFormatError, match=r"absolute paths|'\.\.'"):
        extract_sdist(sdist, dest)
    assert _outside(tmp_path, dest) == [] and list(dest.iterdir()) == []  # refused before anything is written


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE])
def test_links_to_absolute_paths_or_out_of_the_tree_are_skipped_not_followed(tmp_path: Path, kind: bytes) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"SECRET")
    sdist = write_tar(tmp_path / "pkg-1.tar.gz", [
        tar_file("pkg-1/setup.py", b"S"),
        _link("pkg-1/abs", str(secret), kind),
        _link("pkg-1/up", "../secret.txt" if kind == tarfile.SYMTYPE else "../../secret.txt", kind),
        _link("pkg-1/sub/deep", "../../secret.txt" if kind == tarfile.SYMTYPE else "pkg-1/../../secret.txt", kind),
        _link("pkg-1/dir", ".", kind),
    ])
    info = scan_sdist(sdist)
    assert sorted(info.skipped_links) == ["pkg-1/abs", "pkg-1/dir", "pkg-1/sub/deep", "pkg-1/up"]
    dest = tmp_path / "dest"
    dest.mkdir()
    top = extract_sdist(sdist, dest)
    written = sorted(str(p.relative_to(top)) for p in top.rglob("*"))
    assert written == ["setup.py"]  # neither a link nor a copy of what lies outside
    assert not any(p.is_symlink() for p in dest.rglob("*"))
    assert b"SECRET" not in b"".join(p.read_bytes() for p in dest.rglob("*") if p.is_file())


def _special(name: str, kind: bytes) -> tuple[tarfile.TarInfo, None]:
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.devmajor, ti.devminor = 1, 3  # /dev/null's numbers
    ti.mode = 0o666
    return ti, None


def test_devices_and_fifos_are_never_made(tmp_path: Path) -> None:
    sdist = write_tar(tmp_path / "pkg-1.tar.gz", [tar_file("pkg-1/setup.py", b""),
                                                  _special("pkg-1/null", tarfile.CHRTYPE),
                                                  _special("pkg-1/disk", tarfile.BLKTYPE),
                                                  _special("pkg-1/pipe", tarfile.FIFOTYPE)])
    dest = tmp_path / "dest"
    dest.mkdir()
    top = extract_sdist(sdist, dest)
    assert sorted(p.name for p in top.iterdir()) == ["setup.py"]
    assert scan_sdist(sdist).mtimes == {"setup.py": 1_600_000_000.0}  # only regular files carry times


def test_a_duplicate_name_is_written_once_the_last_copy_wins(tmp_path: Path) -> None:
    sdist = write_tar(tmp_path / "pkg-1.tar.gz", [tar_file("pkg-1/a.py", b"first"), tar_file("pkg-1/./a.py", b"second"),
                                                  tar_file("pkg-1//a.py", b"third")])
    dest = tmp_path / "dest"
    dest.mkdir()
    top = extract_sdist(sdist, dest)
    assert (top / "a.py").read_bytes() == b"third" and sorted(p.name for p in top.iterdir()) == ["a.py"]


@pytest.mark.parametrize("members", [
    [("pkg-1/x", "file"), ("pkg-1/x", "dir")],
    [("pkg-1/x", "dir"), ("pkg-1/x", "file")],
    [("pkg-1/x", "file"), ("pkg-1/x/y", "file")],
])
def test_a_name_that_is_both_a_file_and_a_directory_is_refused(tmp_path: Path, members: list[tuple[str, str]]
                                                               ) -> None:
    entries: list[tuple[tarfile.TarInfo, bytes | None]] = []
    for name, kind in members:
        if kind == "file":
            entries.append(tar_file(name, b"x"))
        else:
            ti = tarfile.TarInfo(name)
            ti.type, ti.mode = tarfile.DIRTYPE, 0o755
            entries.append((ti, None))
    sdist = write_tar(tmp_path / "pkg-1.tar.gz", entries)
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(UnsupportedFormatError, match="both a file and a directory"):
        extract_sdist(sdist, dest)
    assert _outside(tmp_path, dest) == []


def test_the_unpacked_size_is_bounded_before_anything_is_written(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sdist_module, "MAX_SDIST_BYTES", 1_000_000)
    sdist = write_tar(tmp_path / "pkg-1.tar.gz", [tar_file(f"pkg-1/f{i}", b"\0" * 300_000) for i in range(4)])
    with pytest.raises(UnsupportedFormatError, match="unpacks to more than 1000000 bytes"):
        scan_sdist(sdist)
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(UnsupportedFormatError, match="unpacks to more than 1000000 bytes"):
        extract_sdist(sdist, dest)
    assert list(dest.iterdir()) == []  # the members are counted before the first one is written


def test_the_number_of_members_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sdist_module, "MAX_SDIST_MEMBERS", 10)
    sdist = write_tar(tmp_path / "pkg-1.tar.gz", [tar_file(f"pkg-1/f{i}", b"") for i in range(11)])
    with pytest.raises(UnsupportedFormatError, match="more than 10 members"):
        scan_sdist(sdist)
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(UnsupportedFormatError, match="more than 10 members"):
        extract_sdist(sdist, dest)
    ok = write_tar(tmp_path / "pkg-2.tar.gz", [tar_file(f"pkg-2/f{i}", b"") for i in range(10)])
    assert len(scan_sdist(ok).mtimes) == 10


def test_a_name_component_too_long_for_the_file_system_is_an_error_not_a_crash(tmp_path: Path) -> None:
    sdist = write_tar(tmp_path / "pkg-1.tar.gz", [tar_file("pkg-1/" + "n" * 300 + ".py", b"")])  # NAME_MAX is 255
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(UnsupportedFormatError, match="cannot unpack sdist member"):
        extract_sdist(sdist, dest)


@pytest.mark.parametrize("names", [["a-1/x.py", "b-1/y.py"], ["setup.py"], ["pkg-1/x.py", "README"]])
def test_anything_but_one_top_level_directory_is_refused(tmp_path: Path, names: list[str]) -> None:
    sdist = write_tar(tmp_path / "x.tar.gz", [tar_file(n, b"") for n in names])
    with pytest.raises(UnsupportedFormatError, match="one top-level directory"):
        scan_sdist(sdist)


@pytest.mark.parametrize("data", [b"", b"not a tar archive", b"\x1f\x8b\x08\x00" + b"\0" * 20])
def test_a_file_that_is_no_tar_archive_is_refused(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "pkg-1.tar.gz"
    path.write_bytes(data)
    with pytest.raises(UnsupportedFormatError, match="tar archive"):
        scan_sdist(path)


def test_modes_keep_permission_bits_only(tmp_path: Path) -> None:
    f, data = tar_file("pkg-1/tool", b"#!/bin/sh\n")
    f.mode = 0o6755  # setuid and setgid
    d = tarfile.TarInfo("pkg-1/sticky")
    d.type, d.mode = tarfile.DIRTYPE, 0o1777
    ro, ro_data = tar_file("pkg-1/sticky/readonly", b"r")
    ro.mode = 0o400
    sdist = write_tar(tmp_path / "pkg-1.tar.gz", [(f, data), (d, None), (ro, ro_data)])
    dest = tmp_path / "dest"
    dest.mkdir()
    top = extract_sdist(sdist, dest)
    assert (top / "tool").stat().st_mode & 0o7777 == 0o755
    assert (top / "sticky").stat().st_mode & 0o7777 == 0o777
    assert (top / "sticky" / "readonly").stat().st_mode & 0o7777 == 0o600  # the owner can always write and remove
