"""Proving that an installed distribution came from the index's wheel (the I/O half; the rules are
:func:`pyslsa.core.audit.installed.compare_records`).

1. The installed files are checked against the installed RECORD
   (:func:`pyslsa.sources.inputs.environment.check_installed_files`): a file changed, missing or outside the
   environment since the install is reported (``mismatch-hash``).
2. The wheel of the index whose tags are the installed ``WHEEL`` tags is downloaded -- hash-checked against the
   index's SHA-256 and size, bounded in size and time, into a private temporary directory removed on every path
   (Ctrl-C included) -- and its RECORD (with its ``entry_points.txt`` and the first line of each
   ``.data/scripts`` file) is read from the zip with bounded reads.
3. The two RECORDs are compared.
"""

from __future__ import annotations

import configparser
import csv
import io
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from packaging.tags import Tag, parse_tag
from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from pyslsa.core.audit.installed import RecordRow, compare_records
from pyslsa.errors import DownloadError, MismatchHashError, VerificationError
from pyslsa.sources.inputs.environment import InstalledDistribution, check_installed_files
from pyslsa.sources.pypi import DistFile, PackageIndex

__all__ = ["MAX_RECORD_BYTES", "matching_wheels", "prove_installed", "read_wheel_record"]

#: Largest RECORD (and entry_points.txt) read from a wheel.
MAX_RECORD_BYTES = 64 * 1024 * 1024
_MAX_SMALL = 1024 * 1024
_MAX_MEMBERS = 500_000


def _tags(lines: Sequence[str]) -> frozenset[Tag]:
    out: set[Tag] = set()
    for line in lines:
        out |= set(parse_tag(line))
    return frozenset(out)


def matching_wheels(dist: InstalledDistribution, files: Sequence[DistFile]) -> list[DistFile]:
    """The wheels of the release whose tags are exactly the installed ``WHEEL`` tags."""
    if not dist.tags:
        return []
    try:
        want = _tags(dist.tags)
    except ValueError:
        return []
    out = []
    for f in files:
        if not f.filename.endswith(".whl"):
            continue
        try:
            _, _, _, tags = parse_wheel_filename(f.filename)
        except InvalidWheelFilename:
            continue
        if frozenset(tags) == want:
            out.append(f)
    return out


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    if info.file_size > limit:
        raise DownloadError(f"{info.filename} in the wheel is {info.file_size} bytes, over {limit}")
    with zf.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise DownloadError(f"{info.filename} in the wheel is over {limit} bytes")
    return data


def read_wheel_record(path: Path) -> tuple[str, list[RecordRow], set[str], set[str]]:
    """(the ``.dist-info`` name, its RECORD rows, the entry point script names, the ``.data/scripts`` paths whose
    first line is ``#!python``) of a wheel file. A file that is not such a wheel is a :class:`DownloadError`."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > _MAX_MEMBERS:
                raise DownloadError(f"the wheel has more than {_MAX_MEMBERS} members")
            records = [i for i in infos if i.filename.count("/") == 1 and i.filename.endswith(".dist-info/RECORD")]
            if len(records) != 1:
                raise DownloadError(f"the wheel has {len(records)} .dist-info/RECORD files, expected 1")
            dist_info = records[0].filename.split("/", 1)[0]
            text = _read_member(zf, records[0], MAX_RECORD_BYTES).decode("utf-8")
            rows = []
            for row in csv.reader(io.StringIO(text)):
                if not row or not row[0]:
                    continue
                size = int(row[2]) if len(row) > 2 and row[2].isdigit() else None
                rows.append(RecordRow(row[0], row[1] if len(row) > 1 and row[1] else None, size))
            scripts: set[str] = set()
            by_name = {i.filename: i for i in infos}
            ep = by_name.get(f"{dist_info}/entry_points.txt")
            if ep is not None:
                parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
                parser.optionxform = str  # type: ignore[assignment,method-assign]
                parser.read_string(_read_member(zf, ep, _MAX_SMALL).decode("utf-8"))
                for section in ("console_scripts", "gui_scripts"):
                    if parser.has_section(section):
                        scripts.update(k.strip() for k in parser.options(section))
            rewritten = set()
            data_scripts = dist_info.removesuffix(".dist-info") + ".data/scripts/"
            for info in infos:
                if info.filename.startswith(data_scripts) and not info.is_dir():
                    with zf.open(info) as fh:
                        if fh.read(8) == b"#!python":
                            rewritten.add(info.filename)
            return dist_info, rows, scripts, rewritten
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, UnicodeDecodeError, ValueError, KeyError,
            configparser.Error, EOFError) as exc:
        raise DownloadError(f"the index's wheel {path.name} cannot be read as a wheel: {exc}") from None


def prove_installed(dist: InstalledDistribution, wheel: DistFile, index: PackageIndex) -> VerificationError | None:
    """None when the installed ``dist`` is ``wheel`` as installed and unchanged since; else the error
    (``mismatch-hash`` for a difference, ``download-failed`` / ``mismatch-index-digest`` for the download)."""
    check = check_installed_files(dist)
    if check.problems:
        shown = "; ".join(f"{p.path} ({p.problem}: {p.detail})" for p in check.problems[:3])
        more = f" (+{len(check.problems) - 3} more)" if len(check.problems) > 3 else ""
        return MismatchHashError(f"installed files changed since the install: {shown}{more}")
    if not check.complete:
        return MismatchHashError("not every installed file could be checked against RECORD (over the limits)")
    directory = Path(tempfile.mkdtemp(prefix="pyslsa-audit-"))
    try:
        path, _ = index.download(wheel, directory)
        dist_info, rows, scripts, rewritten = read_wheel_record(path)
    except VerificationError as exc:
        return exc
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    installed_dist_info = Path(dist.dist_info).name
    if dist_info != installed_dist_info:
        return MismatchHashError(f"the index's wheel {wheel.filename} holds {dist_info}, the install "
                                 f"{installed_dist_info}")
    installed = [RecordRow(r.path, r.hash, r.size) for r in dist.record]
    return compare_records(rows, installed, dist_info=dist_info, entry_points=scripts, rewritten_scripts=rewritten,
                           wheel_name=wheel.filename)
