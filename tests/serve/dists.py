"""Tiny real wheels, written by hand: a module, METADATA, WHEEL and a RECORD whose hashes are right, so pip and uv
install them as they would any wheel."""

from __future__ import annotations

import io
import zipfile

from tests.conftest import record_hash
from tests.serve.upstream_index import Dist


def make_wheel(name: str, version: str, *, requires_python: str | None = None, requires: tuple[str, ...] = (),
               payload: bytes = b"", marker: str = "") -> Dist:
    """A pure-Python wheel of ``name==version`` with a module ``<name>`` whose ``VERSION`` is the version (and
    ``MARKER`` the marker, to tell builds apart); its METADATA is also served as the PEP 658 metadata file."""
    module = name.replace("-", "_").replace(".", "_").lower()
    dist = f"{module}-{version}"
    meta_lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if requires_python:
        meta_lines.append(f"Requires-Python: {requires_python}")
    meta_lines += [f"Requires-Dist: {r}" for r in requires]
    metadata = ("\n".join(meta_lines) + "\n\n").encode()
    files = {
        f"{module}/__init__.py": f"VERSION = {version!r}\nMARKER = {marker!r}\n".encode(),
        f"{dist}.dist-info/METADATA": metadata,
        f"{dist}.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: pyslsa-tests\nRoot-Is-Purelib: true\n"
                                   b"Tag: py3-none-any\n",
    }
    if payload:
        files[f"{module}/payload.bin"] = payload
    record = "".join(f"{path},{record_hash(data)},{len(data)}\n" for path, data in files.items())
    record += f"{dist}.dist-info/RECORD,,\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, data in files.items():
            zf.writestr(zipfile.ZipInfo(path, date_time=(2024, 1, 2, 3, 4, 5)), data)
        zf.writestr(zipfile.ZipInfo(f"{dist}.dist-info/RECORD", date_time=(2024, 1, 2, 3, 4, 5)), record)
    return Dist(f"{dist}-py3-none-any.whl", buf.getvalue(), metadata=metadata, requires_python=requires_python)
