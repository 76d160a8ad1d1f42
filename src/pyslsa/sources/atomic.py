"""The one way pyslsa writes a file that must never be seen half-written: a lockfile it adds pins to, a pins file,
an upgraded bundle, evidence kept with ``--keep``, the TUF cache, an exported trusted root."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from pyslsa.errors import UsageError
from pyslsa.sources.http import create_exclusive

__all__ = ["NEW_FILE_MODE", "write_atomically"]

#: The permissions of a file this creates (one it replaces keeps its own).
NEW_FILE_MODE = 0o644


def write_atomically(path: str | os.PathLike[str], data: bytes, *, new_file_mode: int = NEW_FILE_MODE,
                     make_parents: bool = False) -> None:
    """Replace (or create) ``path`` with ``data``: written to a new file of our own in the same directory (never an
    existing file, never through a symlink), flushed to disk, given the permissions of the file it replaces (a new
    file: ``new_file_mode``), then renamed over it, so a reader sees the old bytes or the new ones, never a part. The
    temporary file is removed on every failure path, Ctrl-C included. A symlink at ``path`` is refused: the rename
    would replace the link, not the file it points to. The directory must exist, or with ``make_parents`` is
    created (the last one private to the user: 0700). Problems are :class:`~pyslsa.errors.UsageError`."""
    target = Path(path)
    directory = target.parent
    if make_parents:
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    if target.is_symlink():
        raise UsageError(f"refusing to replace {target}: it is a symbolic link")
    if not directory.is_dir():
        raise UsageError(f"cannot write {target}: no directory {directory}")
    try:
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else new_file_mode
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    tmp = directory / f".{target.name}.{secrets.token_hex(6)}.tmp"
    fd = create_exclusive(tmp)
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
