"""The one way pyslsa writes a file that must never be seen half-written: a lockfile it adds pins to, a pins file,
an upgraded bundle, evidence kept with ``--keep``, the TUF cache, an exported trusted root."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from pyslsa.errors import UsageError
from pyslsa.sources.http import create_exclusive

__all__ = ["NEW_FILE_MODE", "check_writable", "write_atomically"]

#: The permissions of a file this creates (one it replaces keeps its own).
NEW_FILE_MODE = 0o644


def write_atomically(path: str | os.PathLike[str], data: bytes, *, new_file_mode: int = NEW_FILE_MODE,
                     make_parents: bool = False) -> None:
    """Replace (or create) ``path`` with ``data``: written to a new file of our own in the same directory (never an
    existing file, never through a symlink), flushed to disk, given the permissions of the file it replaces (a new
    file: ``new_file_mode``), then renamed over it, so a reader sees the old bytes or the new ones, never a part. The
    temporary file is removed on every failure path, Ctrl-C included. A symlink at ``path`` is refused: the rename
    would replace the link, not the file it points to; so is anything else not a regular file (a device such as
    ``/dev/full``, a FIFO), which the rename would replace rather than write to. The directory must exist, or with
    ``make_parents`` is created (the last one private to the user: 0700). Problems are
    :class:`~pyslsa.errors.UsageError`."""
    target = Path(path)
    directory = target.parent
    if make_parents:
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    _check_target(target)
    try:
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else new_file_mode
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    tmp = _temporary_name(target)
    fd = _create(tmp, target)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.chmod(mode)
        tmp.replace(target)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)  # gone already after the rename


def check_writable(path: str | os.PathLike[str]) -> None:
    """Check, before any work, that :func:`write_atomically` could replace or create ``path``: not a symlink, not
    a directory, device, FIFO or socket, in an existing directory where a new file can be created (tried: a
    temporary file is created and removed, so a read-only file system or a directory without write permission is
    found even for root). Problems are :class:`~pyslsa.errors.UsageError`."""
    target = Path(path)
    _check_target(target)
    tmp = _temporary_name(target)
    fd = _create(tmp, target)
    try:
        os.close(fd)
    finally:
        tmp.unlink(missing_ok=True)


def _check_target(target: Path) -> None:
    if target.is_symlink():
        raise UsageError(f"refusing to replace {target}: it is a symbolic link")
    if not target.parent.is_dir():
        raise UsageError(f"cannot write {target}: no directory {target.parent}")
    try:
        st = target.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):  # the rename would replace a directory entry, e.g. a device node, not write it
        kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise UsageError(f"refusing to replace {target}: it is {kind}")


def _temporary_name(target: Path) -> Path:
    return target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp"


def _create(tmp: Path, target: Path) -> int:
    """``tmp``, a new file of our own; a failure names ``target`` and its directory (the user never chose ``tmp``)."""
    return create_exclusive(tmp, purpose=f"cannot write {target}: cannot create a file in {target.parent}")
