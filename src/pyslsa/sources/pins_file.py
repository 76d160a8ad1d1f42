"""Where pins live, reading them and writing them (``--update-pins``).

For a ``pylock.toml`` input, in its own ``[[packages.attestation-identities]]`` tables (the file is rewritten
keeping every other byte: :func:`pyslsa.core.audit.pins.pylock_with_identities`); for any other input, in
``pyslsa.pins.toml`` beside it (for an installed environment, in the given directory). Files are replaced
atomically (:func:`pyslsa.sources.atomic.write_atomically`).
"""

from __future__ import annotations

from pathlib import Path

from packaging.utils import canonicalize_name

from pyslsa.core.audit.identity import Identity
from pyslsa.core.audit.pins import (
    PINS_FILENAME,
    PinSet,
    parse_pins_file,
    pins_file_bytes,
    pins_from_pylock,
    pylock_with_identities,
)
from pyslsa.sources.atomic import write_atomically
from pyslsa.sources.inputs import InputKind
from pyslsa.sources.inputs.common import read_input_bytes

__all__ = ["MAX_PINS_BYTES", "load_pins", "pins_path", "write_pins"]

#: Largest pins file read (a pylock input is read under the input limit).
MAX_PINS_BYTES = 16 * 1024 * 1024


def pins_path(input_path: str | None, kind: InputKind, directory: str | Path = ".") -> Path:
    """The file that holds the pins of an input: the pylock itself, else ``pyslsa.pins.toml`` beside the input
    (in ``directory`` for an environment)."""
    if kind == "pylock" and input_path is not None:
        return Path(input_path)
    base = Path(input_path).parent if input_path is not None else Path(directory)
    return base / PINS_FILENAME


def load_pins(input_path: str | None, kind: InputKind, directory: str | Path = ".") -> dict[str, tuple[Identity, ...]]:
    """The pins of an input (none when there is no pins file yet)."""
    path = pins_path(input_path, kind, directory)
    if kind == "pylock":
        return pins_from_pylock(read_input_bytes(str(path), "pylock file"), str(path))
    if not path.exists():
        return {}
    return parse_pins_file(read_input_bytes(str(path), "pins file", MAX_PINS_BYTES), str(path))


def write_pins(input_path: str | None, kind: InputKind, updates: PinSet, directory: str | Path = ".") -> Path:
    """Record ``updates`` (the identities of the packages concerned; other packages' pins are kept) and return
    the file written. A file whose content would not change is not rewritten."""
    path = pins_path(input_path, kind, directory)
    if kind == "pylock":
        data = read_input_bytes(str(path), "pylock file")
        new = pylock_with_identities(data, updates, str(path))
    else:
        data = read_input_bytes(str(path), "pins file", MAX_PINS_BYTES) if path.exists() else b""
        current = parse_pins_file(data, str(path)) if data else {}
        new = pins_file_bytes({**current, **{canonicalize_name(k): v for k, v in updates.items()}})
    if new != data:
        write_atomically(path, new)
    return path
