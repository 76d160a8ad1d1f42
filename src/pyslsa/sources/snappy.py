"""Snappy's raw block format, decoded in pure Python with a bound: how GitHub's attestation store serves the
bundle behind a ``bundle_url`` (``gh`` decodes it with ``snappy.Decode``).

Format (google/snappy ``format_description.txt``): a varint with the uncompressed length, then elements whose tag
byte's low two bits say what follows: a literal (its length in the tag, or in 1-4 little-endian bytes after it),
or a copy of earlier output (length and an offset of 1, 2 or 4 bytes). A declared length over ``limit`` is
refused before anything is decoded; a copy reaching before the start, a truncated element or output of another
length than declared is malformed. Failures are :class:`~pyslsa.errors.DownloadError` (what the server sent is not
what it says it is).
"""

from __future__ import annotations

from pyslsa.errors import DownloadError

__all__ = ["decode"]


def _varint(data: bytes) -> tuple[int, int]:
    value = shift = 0
    for i, byte in enumerate(data[:5]):
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i + 1
        shift += 7
    raise DownloadError("snappy: bad length preamble")


def decode(data: bytes, limit: int, what: str = "snappy data") -> bytes:
    """The uncompressed bytes of one snappy block, at most ``limit`` of them."""
    length, pos = _varint(data)
    if length > limit:
        raise DownloadError(f"{what}: declares {length} bytes uncompressed, over the limit of {limit}")
    out = bytearray()
    n = len(data)
    while pos < n:
        tag = data[pos]
        pos += 1
        kind = tag & 3
        if kind == 0:  # literal
            size = tag >> 2
            if size >= 60:
                extra = size - 59
                if pos + extra > n:
                    raise DownloadError(f"{what}: truncated literal length")
                size = int.from_bytes(data[pos:pos + extra], "little")
                pos += extra
            size += 1
            if pos + size > n:
                raise DownloadError(f"{what}: truncated literal")
            out += data[pos:pos + size]
            pos += size
        else:
            if kind == 1:
                if pos + 1 > n:
                    raise DownloadError(f"{what}: truncated copy")
                size = ((tag >> 2) & 7) + 4
                offset = ((tag >> 5) << 8) | data[pos]
                pos += 1
            else:
                width = 2 if kind == 2 else 4
                if pos + width > n:
                    raise DownloadError(f"{what}: truncated copy")
                size = (tag >> 2) + 1
                offset = int.from_bytes(data[pos:pos + width], "little")
                pos += width
            if offset == 0 or offset > len(out):
                raise DownloadError(f"{what}: a copy reaches before the start of the data")
            start = len(out) - offset
            if offset >= size:
                out += out[start:start + size]
            else:  # overlapping: the copied bytes repeat
                for i in range(size):
                    out.append(out[start + i])
        if len(out) > length:
            raise DownloadError(f"{what}: more output than the {length} bytes declared")
    if len(out) != length:
        raise DownloadError(f"{what}: {len(out)} bytes decoded, {length} declared")
    return bytes(out)
