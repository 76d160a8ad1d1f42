"""An sdist, read and unpacked safely: the security-critical edge of ``reproduce``.

A published sdist is hostile input. Every member name is checked before anything is written (no absolute path, no
drive letter, no ``..``, no name longer than ``PATH_MAX``, a plausible modification time), the archive must hold
one top-level directory, and the members, their unpacked size and the bytes written are bounded. Only regular files
and directories are written, below the destination, with permission bits only (no setuid, setgid or sticky bit);
no symbolic link is ever created: a link inside the archive becomes a copy of the regular file it names, a link
leading out of it (or to nothing, or round in a loop) is skipped, and devices and fifos are skipped.
"""

from __future__ import annotations

import io
import math
import os
import posixpath
import shutil
import tarfile
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from pyslsa.errors import UnsupportedFormatError

#: Limits on what an sdist may unpack to.
MAX_SDIST_MEMBERS = 100_000
MAX_SDIST_BYTES = 2 * 1024 * 1024 * 1024
MAX_MEMBER_NAME = 4096  # PATH_MAX: a longer name could not be unpacked anyway
MAX_PYPROJECT_BYTES = 4 * 1024 * 1024
#: Member times beyond this (about the year 5000) are no real file times (and overflow os.utime).
MAX_MTIME = 1e11


@dataclass
class SdistInfo:
    top: str
    mtimes: dict[str, float]  # regular files, path below the top directory -> mtime (UTC epoch seconds)
    pyproject: bytes | None
    skipped_links: list[str] = field(default_factory=list)


def _member_path(name: str) -> str:
    """The member's normalised relative path; UnsupportedFormatError for absolute paths or ``..``."""
    if len(name) > MAX_MEMBER_NAME:
        raise UnsupportedFormatError(f"sdist member {name[:80]!r}...: a name {len(name)} characters long is refused")
    if not name or "\0" in name or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise UnsupportedFormatError(f"sdist member {name!r}: absolute paths are refused")
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsupportedFormatError(f"sdist member {name!r}: '..' is refused")
    return "/".join(parts)


def _open_tar(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:*")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise UnsupportedFormatError(f"{path.name}: not a readable tar archive: {exc}") from None


def _members(tf: tarfile.TarFile) -> list[tuple[str, tarfile.TarInfo]]:
    out: list[tuple[str, tarfile.TarInfo]] = []
    total = 0
    try:
        for m in tf:
            if len(out) >= MAX_SDIST_MEMBERS:
                raise UnsupportedFormatError(f"the sdist has more than {MAX_SDIST_MEMBERS} members")
            rel = _member_path(m.name)
            if not rel:
                continue
            if not (isinstance(m.mtime, (int, float)) and math.isfinite(m.mtime) and abs(m.mtime) <= MAX_MTIME):
                raise UnsupportedFormatError(f"sdist member {rel!r}: modification time {m.mtime!r} is no file time")
            if m.isreg():
                total += m.size
                if total > MAX_SDIST_BYTES:
                    raise UnsupportedFormatError(f"the sdist unpacks to more than {MAX_SDIST_BYTES} bytes")
            out.append((rel, m))
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise UnsupportedFormatError(f"the sdist is not a readable tar archive: {exc}") from None
    tops = {rel.split("/", 1)[0] for rel, _ in out}
    if len(tops) != 1 or not any("/" in rel for rel, _ in out):
        raise UnsupportedFormatError(f"the sdist should hold one top-level directory, it holds {sorted(tops)[:5]}")
    return out


def _link_source(rel: str, m: tarfile.TarInfo) -> str | None:
    """For a hard or symbolic link, the member path it names (inside the archive), else None."""
    if m.islnk():
        target = m.linkname
    elif m.issym():
        if m.linkname.startswith("/"):
            return None
        target = posixpath.join(posixpath.dirname(rel), m.linkname)
    else:
        return None
    norm = posixpath.normpath(target.replace("\\", "/"))
    if norm.startswith(("../", "/")) or norm in ("..", "."):
        return None
    return norm


def scan_sdist(path: Path) -> SdistInfo:
    """Member times and ``pyproject.toml`` of an sdist, without extracting it."""
    with _open_tar(path) as tf:
        members = _members(tf)
        top = members[0][0].split("/", 1)[0]
        mtimes: dict[str, float] = {}
        pyproject: bytes | None = None
        links: list[str] = []
        for rel, m in members:
            below = rel.split("/", 1)[1] if "/" in rel else ""
            if m.isreg() and below:
                mtimes[below] = float(m.mtime)
                if below == "pyproject.toml":
                    if m.size > MAX_PYPROJECT_BYTES:
                        raise UnsupportedFormatError(f"the sdist's pyproject.toml is {m.size} bytes, more than "
                                                     f"{MAX_PYPROJECT_BYTES}")
                    try:
                        fh = tf.extractfile(m)
                        pyproject = fh.read() if fh is not None else None
                    except (tarfile.TarError, OSError, EOFError) as exc:
                        raise UnsupportedFormatError(f"the sdist's pyproject.toml is unreadable: {exc}") from None
            elif m.issym() or m.islnk():
                links.append(rel)
    return SdistInfo(top, mtimes, pyproject, links)


def extract_sdist(path: Path, dest: Path) -> Path:
    """Unpack the sdist below ``dest`` (which must exist and be empty); returns its top directory.

    Only regular files and directories are written (modes limited to the permission bits, times kept); a link is
    written as a copy of the regular file of the archive it names (following links to links, in any order of
    the members), else skipped. Every path is checked to stay below ``dest``, no symbolic link is ever created,
    so nothing is written elsewhere; the bytes written, copies included, are bounded by ``MAX_SDIST_BYTES``.
    """
    root = dest.resolve()
    written: dict[str, Path] = {}
    dirs: list[tuple[Path, tarfile.TarInfo]] = []
    total = 0

    def target(rel: str) -> Path:
        p = root.joinpath(*rel.split("/"))
        if root not in p.parents:
            raise UnsupportedFormatError(f"sdist member {rel!r} would be written outside the build directory")
        return p

    def make_parent(p: Path) -> None:
        for parent in reversed(p.parents):
            if parent == root or root not in parent.parents:
                continue
            if parent.is_symlink() or (parent.exists() and not parent.is_dir()):
                raise UnsupportedFormatError(f"sdist path {parent.relative_to(root)} is both a file and a directory")
            if not parent.exists():
                parent.mkdir(mode=0o700)

    def write(p: Path, src: IO[bytes], size: int, mode: int, mtime: float) -> None:
        nonlocal total
        total += size
        if total > MAX_SDIST_BYTES:
            raise UnsupportedFormatError(f"the sdist unpacks to more than {MAX_SDIST_BYTES} bytes (links "
                                         f"unpacked as copies included)")
        make_parent(p)
        if p.is_symlink() or p.is_dir():
            raise UnsupportedFormatError(f"sdist path {p.relative_to(root)} is both a file and a directory")
        with suppress(FileNotFoundError):
            p.unlink()
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(src, out, 1024 * 1024)
        p.chmod((mode & 0o777) | 0o600)
        os.utime(p, (mtime, mtime))

    with _open_tar(path) as tf:
        members = _members(tf)
        last_regular = {rel: i for i, (rel, m) in enumerate(members) if m.isreg()}
        links: dict[str, tuple[int, tarfile.TarInfo]] = {}
        for i, (rel, m) in enumerate(members):
            p = target(rel)
            try:
                if m.isdir():
                    make_parent(p)
                    if p.is_symlink() or (p.exists() and not p.is_dir()):
                        raise UnsupportedFormatError(f"sdist path {rel!r} is both a file and a directory")
                    p.mkdir(mode=0o700, exist_ok=True)
                    dirs.append((p, m))
                elif m.isreg():
                    try:
                        fh = tf.extractfile(m)
                        write(p, fh if fh is not None else io.BytesIO(), m.size, m.mode, float(m.mtime))
                    except (tarfile.TarError, EOFError) as exc:
                        raise UnsupportedFormatError(f"sdist member {m.name!r} is unreadable: {exc}") from None
                    written[rel] = p
                    links.pop(rel, None)
                elif (m.issym() or m.islnk()) and last_regular.get(rel, -1) < i:
                    links[rel] = (i, m)  # unpacked once every regular file is: a link may name a later member
                # devices, fifos and links to nowhere in the archive are skipped
            except OSError as exc:
                raise UnsupportedFormatError(f"cannot unpack sdist member {rel!r}: {exc}") from None

        def resolve(rel: str) -> Path | None:
            """The regular file a link leads to, through at most 40 links (as ELOOP), else None."""
            for _ in range(40):
                entry = links.get(rel)
                if entry is None:
                    return written.get(rel)
                nxt = _link_source(rel, entry[1])
                if nxt is None:
                    return None
                rel = nxt
            return None

        copies: list[tuple[str, Path, tarfile.TarInfo]] = []
        for rel, (_, m) in links.items():
            src_path = resolve(rel)
            if src_path is not None:
                copies.append((rel, src_path, m))
        for rel, src_path, m in copies:  # every source is a regular file written above, not one of these copies
            p = target(rel)
            try:
                st = src_path.stat()
                mode = m.mode if m.islnk() else st.st_mode
                with src_path.open("rb") as src:
                    write(p, src, st.st_size, mode, float(m.mtime))
            except OSError as exc:
                raise UnsupportedFormatError(f"cannot unpack sdist member {rel!r}: {exc}") from None
        for p, m in reversed(dirs):
            with suppress(OSError):
                p.chmod((m.mode & 0o777) | 0o700)
                os.utime(p, (float(m.mtime), float(m.mtime)))
    return root / members[0][0].split("/", 1)[0]


__all__ = ["MAX_MEMBER_NAME", "MAX_MTIME", "MAX_PYPROJECT_BYTES", "MAX_SDIST_BYTES", "MAX_SDIST_MEMBERS", "SdistInfo",
           "extract_sdist", "scan_sdist"]
