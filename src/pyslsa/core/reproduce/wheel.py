"""The wheel: a zip read into memory with bounds, its entries with their zip metadata, and its ``WHEEL`` file."""

from __future__ import annotations

import io
import lzma
import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

#: Caps on a wheel held in memory (its declared uncompressed size, checked before anything is inflated).
MAX_WHEEL_ENTRIES = 100_000
MAX_WHEEL_UNCOMPRESSED = 1024 * 1024 * 1024


class WheelFormatError(ValueError):
    """The bytes are not a wheel we can read (not a zip, no ``.dist-info/WHEEL``)."""



@dataclass(frozen=True)
class Member:
    """One zip entry, as the comparison sees it."""

    name: str
    data: bytes
    date_time: tuple[int, int, int, int, int, int]
    external_attr: int
    compress_type: int
    compress_size: int
    create_system: int
    create_version: int
    extract_version: int
    flag_bits: int
    extra: bytes
    comment: bytes


@dataclass(frozen=True)
class Wheel:
    members: tuple[Member, ...]
    comment: bytes
    wheel_metadata: Mapping[str, tuple[str, ...]]  # the WHEEL file's fields (every value of each)

    @property
    def generator(self) -> str | None:
        values = self.wheel_metadata.get("generator", ())
        return values[0] if values else None

    @property
    def tags(self) -> tuple[str, ...]:
        return self.wheel_metadata.get("tag", ())

    @property
    def pure(self) -> bool:
        """Root-Is-Purelib and every tag ``*-none-any``."""
        purelib = self.wheel_metadata.get("root-is-purelib", ("",))[0].strip().lower() == "true"
        return purelib and bool(self.tags) and all(t.endswith("-none-any") for t in self.tags)

    @cached_property
    def _by_name(self) -> dict[str, Member]:
        out: dict[str, Member] = {}
        for m in self.members:
            out.setdefault(m.name, m)
        return out

    def member(self, name: str) -> Member | None:
        """The first entry of that name."""
        return self._by_name.get(name)


def read_wheel(data: bytes) -> Wheel:
    """Parse a wheel held in memory; :class:`WheelFormatError` if it is not one."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_WHEEL_ENTRIES:
                raise WheelFormatError(f"more than {MAX_WHEEL_ENTRIES} entries")
            declared = sum(i.file_size for i in infos)
            if declared > MAX_WHEEL_UNCOMPRESSED:
                raise WheelFormatError(f"the entries' uncompressed size is {declared} bytes, more than "
                                       f"{MAX_WHEEL_UNCOMPRESSED}")
            # zipfile stops inflating an entry at its declared size: the total above bounds the memory
            members = tuple(
                Member(name=i.filename, data=zf.read(i), date_time=tuple(i.date_time),  # type: ignore[arg-type]
                       external_attr=i.external_attr, compress_type=i.compress_type,
                       compress_size=i.compress_size, create_system=i.create_system,
                       create_version=i.create_version, extract_version=i.extract_version,
                       flag_bits=i.flag_bits, extra=i.extra, comment=i.comment)
                for i in infos)
            comment = zf.comment
    except WheelFormatError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, ValueError,
            RuntimeError, zlib.error, lzma.LZMAError) as exc:  # RuntimeError: an encrypted entry
        raise WheelFormatError(f"not a readable zip archive: {exc}") from None
    wheel_files = [m for m in members if re.fullmatch(r"[^/]+\.dist-info/WHEEL", m.name)]
    if len(wheel_files) != 1:
        raise WheelFormatError(f"expected one .dist-info/WHEEL file, found {len(wheel_files)}")
    return Wheel(members, comment, parse_wheel_file(wheel_files[0].data))


def parse_wheel_file(data: bytes) -> dict[str, tuple[str, ...]]:
    """The ``WHEEL`` file's ``Key: value`` lines, keys lower-cased, every value kept (``Tag`` repeats)."""
    fields: dict[str, list[str]] = {}
    for line in data.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            fields.setdefault(key.strip().lower(), []).append(value.strip())
    return {k: tuple(v) for k, v in fields.items()}


def format_date_time(stamp: tuple[int, ...]) -> str:
    """A zip entry's ``date_time`` as ``YYYY-MM-DD HH:MM:SS``."""
    y, mo, d, h, mi, s = stamp[:6]
    return f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}"


__all__ = [
    "MAX_WHEEL_ENTRIES",
    "MAX_WHEEL_UNCOMPRESSED",
    "Member",
    "Wheel",
    "WheelFormatError",
    "format_date_time",
    "parse_wheel_file",
    "read_wheel",
]
