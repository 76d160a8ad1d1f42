"""Tiny wheels and a tiny in-tree PEP 517 backend, written by hand, for the action's install tests (pip installs
them as it would any distribution)."""

from __future__ import annotations

import io
import zipfile

from tests.conftest import record_hash


def wheel(name: str, version: str, files: dict[str, bytes], requires: tuple[str, ...] = ()) -> tuple[str, bytes]:
    """(file name, bytes) of a py3-none-any wheel holding ``files`` (paths inside the wheel)."""
    dist = f"{name.replace('-', '_')}-{version}"
    meta = "".join(f"Requires-Dist: {r}\n" for r in requires)
    content = {
        **files,
        f"{dist}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{meta}".encode(),
        f"{dist}.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: pyslsa-tests\nRoot-Is-Purelib: true\n"
                                   b"Tag: py3-none-any\n",
    }
    record = "".join(f"{p},{record_hash(d)},{len(d)}\n" for p, d in content.items()) + f"{dist}.dist-info/RECORD,,\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, data in content.items():
            zf.writestr(zipfile.ZipInfo(path, date_time=(2024, 1, 2, 3, 4, 5)), data)
        zf.writestr(zipfile.ZipInfo(f"{dist}.dist-info/RECORD", date_time=(2024, 1, 2, 3, 4, 5)), record)
    return f"{dist}-py3-none-any.whl", buf.getvalue()


def fake_main(version: str) -> bytes:
    """A stand-in ``pyslsa/__main__.py``: --version as pyslsa prints it, else a verify-artifact JSON verdict."""
    return (
        "import json, sys\n"
        "if sys.argv[1:] == ['--version']:\n"
        f"    print('pyslsa {version}')\n"
        "    sys.exit(0)\n"
        "print(json.dumps({'verified': True, 'artifacts': [{'path': 'fake-artifact', 'sha256': '0' * 64,\n"
        "                  'verified': True}], 'error': None}))\n"
    ).encode()


# An in-tree build backend (pyproject: backend-path = ["src"]): builds the wheel of src/pyslsa with the standard
# library, so building "pyslsa from the action's own files" needs nothing from an index.
BACKEND = '''
import base64, hashlib, pathlib, zipfile

def _hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    src = pathlib.Path(__file__).parent
    dist = "pyslsa-0.1.0"
    files = {f"pyslsa/{p.name}": p.read_bytes() for p in sorted((src / "pyslsa").glob("*.py"))}
    files[f"{dist}.dist-info/METADATA"] = (src / "METADATA").read_bytes()
    files[f"{dist}.dist-info/WHEEL"] = (b"Wheel-Version: 1.0\\nGenerator: fake\\nRoot-Is-Purelib: true\\n"
                                        b"Tag: py3-none-any\\n")
    record = "".join(f"{k},{_hash(v)},{len(v)}\\n" for k, v in files.items()) + f"{dist}.dist-info/RECORD,,\\n"
    name = f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(pathlib.Path(wheel_directory) / name, "w") as zf:
        for k, v in files.items():
            zf.writestr(k, v)
        zf.writestr(f"{dist}.dist-info/RECORD", record)
    return name
'''
