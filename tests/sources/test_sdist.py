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


def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as tf:
        for ti, data in members:
            tf.addfile(ti, io.BytesIO(data) if data is not None else None)
    return path


def _reg(name: str, data: bytes, mtime: float = 1_600_000_000, pax: dict[str, str] | None = None
         ) -> tuple[tarfile.TarInfo, bytes]:
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mtime = mtime  # type: ignore[assignment]
    ti.mode = 0o644
    if pax:
        ti.pax_headers = pax
    return ti, data


def _link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tuple[tarfile.TarInfo, None]:
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.linkname = target
    return ti, None


@pytest.mark.parametrize("mtime", ["nan", "inf", "1e30", "-1e30"])
def test_implausible_sdist_mtimes_are_refused(tmp_path: Path, mtime: str) -> None:
    sdist = _tar(tmp_path / "demo-1.0.tar.gz", [_reg("demo-1.0/a.py", b"x", 0, {"mtime": mtime}),
                                                _reg("demo-1.0/pyproject.toml", b"")])
    with pytest.raises(UnsupportedFormatError):
        scan_sdist(sdist)
    (tmp_path / "out").mkdir()
    with pytest.raises(UnsupportedFormatError):
        extract_sdist(sdist, tmp_path / "out")


def test_huge_pyproject_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sdist_module, "MAX_PYPROJECT_BYTES", 1000)
    sdist = _tar(tmp_path / "demo-1.0.tar.gz", [_reg("demo-1.0/pyproject.toml", b"#" * 5000)])
    with pytest.raises(UnsupportedFormatError, match=r"pyproject\.toml"):
        scan_sdist(sdist)


# -- sdist links ----------------------------------------------------------------------------------------------


def test_hard_link_copies_count_towards_the_unpacked_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sdist_module, "MAX_SDIST_BYTES", 1_000_000)
    sdist = _tar(tmp_path / "demo-1.0.tar.gz", [_reg("demo-1.0/big", b"\0" * 900_000)]
                 + [_link(f"demo-1.0/l{i}", "demo-1.0/big", tarfile.LNKTYPE) for i in range(50)])
    (tmp_path / "out").mkdir()
    with pytest.raises(UnsupportedFormatError, match="more than"):
        extract_sdist(sdist, tmp_path / "out")


def test_symlink_copies_count_towards_the_unpacked_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sdist_module, "MAX_SDIST_BYTES", 1_000_000)
    sdist = _tar(tmp_path / "demo-1.0.tar.gz", [_reg("demo-1.0/big", b"\0" * 900_000)]
                 + [_link(f"demo-1.0/s{i}", "big") for i in range(50)])
    (tmp_path / "out").mkdir()
    with pytest.raises(UnsupportedFormatError, match="more than"):
        extract_sdist(sdist, tmp_path / "out")


@pytest.mark.parametrize("reverse", [False, True])
def test_symlink_chains_and_links_to_later_members_become_copies(tmp_path: Path, reverse: bool) -> None:
    members = [_link("demo-1.0/a", "b"), _link("demo-1.0/b", "sub/c"), _reg("demo-1.0/sub/c", b"C"),
               _link("demo-1.0/sub/d", "../a")]
    if reverse:
        members.reverse()
    sdist = _tar(tmp_path / "demo-1.0.tar.gz", members)
    (tmp_path / "out").mkdir()
    top = extract_sdist(sdist, tmp_path / "out")
    for name in ("a", "b", "sub/c", "sub/d"):
        p = top / name
        assert not p.is_symlink() and p.read_bytes() == b"C", name


def test_symlink_loops_are_skipped(tmp_path: Path) -> None:
    sdist = _tar(tmp_path / "demo-1.0.tar.gz", [_link("demo-1.0/a", "b"), _link("demo-1.0/b", "a"),
                                                _reg("demo-1.0/c", b"C")])
    (tmp_path / "out").mkdir()
    top = extract_sdist(sdist, tmp_path / "out")
    assert sorted(p.name for p in top.iterdir()) == ["c"]


def test_a_regular_file_after_a_link_of_the_same_name_wins(tmp_path: Path) -> None:
    sdist = _tar(tmp_path / "demo-1.0.tar.gz", [_reg("demo-1.0/c", b"C"), _link("demo-1.0/a", "c"),
                                                _reg("demo-1.0/a", b"A")])
    (tmp_path / "out").mkdir()
    top = extract_sdist(sdist, tmp_path / "out")
    assert (top / "a").read_bytes() == b"A"


def test_overlong_member_names_are_refused(tmp_path: Path) -> None:
    sdist = _tar(tmp_path / "demo-1.0.tar.gz", [_reg("demo-1.0/" + "/".join(["d"] * 5000) + "/x", b"")])
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
