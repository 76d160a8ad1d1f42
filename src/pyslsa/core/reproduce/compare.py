"""Comparison: the published wheel against the rebuilt one.

Byte-identical is ``reproducible``; the same members with the same bytes in another zip (timestamps, modes,
order, compression) is ``content-identical``, with what differs; anything else is ``different``, with the
members only in one of the wheels and the changed ones (a unified diff of text members, capped).
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from pyslsa.core.reproduce.wheel import format_date_time, read_wheel

#: What comparing a rebuilt wheel with the published one can give.
ComparisonVerdict = Literal["reproducible", "content-identical", "different"]
REPRODUCIBLE: Final = "reproducible"
CONTENT_IDENTICAL: Final = "content-identical"
DIFFERENT: Final = "different"

#: Caps on the diff summary (per member, and overall).
MAX_DIFF_LINES_PER_FILE = 60
MAX_DIFF_LINES = 400
MAX_EXAMPLES = 5
MAX_TEXT_BYTES = 1024 * 1024
MAX_DIFF_LINE_CHARS = 400


@dataclass
class FileChange:
    name: str
    published_size: int
    rebuilt_size: int
    published_sha256: str
    rebuilt_sha256: str
    diff: list[str] = field(default_factory=list)  # unified diff, rebuilt -> published (text members only)
    binary: bool = False
    diff_truncated: bool = False


@dataclass
class Comparison:
    verdict: ComparisonVerdict
    published_sha256: str
    rebuilt_sha256: str
    added: list[str] = field(default_factory=list)  # only in the published wheel
    removed: list[str] = field(default_factory=list)  # only in the rebuilt wheel
    changed: list[FileChange] = field(default_factory=list)
    #: names that appear more than once in either wheel, with other contents (or counts) on the two sides: a
    #: reader of the zip sees one of them, which one depends on the reader
    duplicated: list[str] = field(default_factory=list)
    duplicate_counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (published, rebuilt)
    metadata: list[str] = field(default_factory=list)  # zip-level differences, one line each
    diff_truncated: bool = False
    entries_differing: int = 0  # entries whose zip metadata differ (set for content-identical)

    @property
    def distance(self) -> int:
        """How far apart: the number of entries that differ in any way (the better attempt has fewer)."""
        return (len(self.added) + len(self.removed) + len(self.changed) + len(self.duplicated)
                + self.entries_differing)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _text(data: bytes) -> list[str] | None:
    if len(data) > MAX_TEXT_BYTES or b"\0" in data:
        return None
    try:
        return data.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return None


#: difflib is quadratic in the lines it has to match: past this many differing lines (per side, once the common
#: head and tail are set aside) a member is not diffed.
MAX_DIFF_INPUT_LINES = 4000
_HUNK = re.compile(r"@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@")


def _bounded_diff(a: list[str], b: list[str], name: str) -> Iterable[str]:
    """``difflib.unified_diff(a, b)`` (context 2) computed on the differing middle only, with its hunk line
    numbers; a single note instead when that middle is too long to diff in bounded time."""
    head = 0
    limit = min(len(a), len(b))
    while head < limit and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < limit - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    start = max(0, head - 2)
    a_mid, b_mid = a[start:len(a) - max(0, tail - 2)], b[start:len(b) - max(0, tail - 2)]
    if max(len(a_mid), len(b_mid)) > MAX_DIFF_INPUT_LINES + 4:
        yield f"--- rebuilt/{name}\n"
        yield f"+++ published/{name}\n"
        yield (f"[not diffed: {len(a) - head - tail} rebuilt and {len(b) - head - tail} published lines differ "
               f"from line {head + 1} on, more than {MAX_DIFF_INPUT_LINES}]\n")
        return

    def shift(m: re.Match[str]) -> str:
        # an empty range ("-0,0") names the line before it: shifted the same way
        return f"@@ -{int(m.group(1)) + start}{m.group(2) or ''} +{int(m.group(3)) + start}{m.group(4) or ''} @@"

    for ln in difflib.unified_diff(a_mid, b_mid, f"rebuilt/{name}", f"published/{name}", n=2):
        yield _HUNK.sub(shift, ln, count=1) if ln.startswith("@@") else ln


_FIELDS: tuple[tuple[str, str], ...] = (
    ("date_time", "timestamps"), ("external_attr", "file modes (external attributes)"),
    ("compress_type", "compression methods"), ("compress_size", "compressed sizes"),
    ("create_system", "creating systems"), ("create_version", "creator versions"),
    ("extract_version", "versions needed to extract"), ("flag_bits", "flag bits"),
    ("extra", "extra fields"), ("comment", "entry comments"),
)


def _show_field(attr: str, value: Any) -> str:
    if attr == "date_time":
        return format_date_time(value)
    if attr == "external_attr":
        return f"{value >> 16:o}" if value >> 16 else f"0x{value:x}"
    if isinstance(value, bytes):
        return value.hex() or "(none)"
    return str(value)


def compare_wheels(published: bytes, rebuilt: bytes) -> Comparison:
    """Compare the published wheel with the rebuilt one (raises :class:`WheelFormatError` if either is not a
    readable wheel)."""
    cmp = Comparison(REPRODUCIBLE, _sha(published), _sha(rebuilt))
    if published == rebuilt:
        return cmp
    pub, reb = read_wheel(published), read_wheel(rebuilt)
    pub_names = [m.name for m in pub.members]
    reb_names = [m.name for m in reb.members]
    pub_by = {m.name: m for m in pub.members}
    reb_by = {m.name: m for m in reb.members}
    cmp.added = list(dict.fromkeys(n for n in pub_names if n not in reb_by))
    cmp.removed = list(dict.fromkeys(n for n in reb_names if n not in pub_by))
    pub_all: dict[str, list[bytes]] = {}
    reb_all: dict[str, list[bytes]] = {}
    for m in pub.members:
        pub_all.setdefault(m.name, []).append(m.data)
    for m in reb.members:
        reb_all.setdefault(m.name, []).append(m.data)
    for name in pub_all:
        if name in reb_all and (len(pub_all[name]) > 1 or len(reb_all[name]) > 1) \
                and pub_all[name] != reb_all[name]:
            cmp.duplicated.append(name)
            cmp.duplicate_counts[name] = (len(pub_all[name]), len(reb_all[name]))
    budget = MAX_DIFF_LINES
    for name in pub_all:
        if name not in reb_by or name in cmp.duplicate_counts or pub_by[name].data == reb_by[name].data:
            continue
        a, b = reb_by[name].data, pub_by[name].data
        change = FileChange(name, len(b), len(a), _sha(b), _sha(a))
        ta, tb = _text(a), _text(b)
        if ta is None or tb is None:
            change.binary = True
        else:
            cap = min(MAX_DIFF_LINES_PER_FILE, budget)
            lines: list[str] = []
            diff = _bounded_diff(ta, tb, name) if cap else iter(("",))
            for ln in diff:
                if len(lines) == cap:
                    change.diff_truncated = True
                    break
                ln = ln[:-1] if ln.endswith("\n") else ln
                if ln.startswith("[not diffed:"):  # a diff line starts with ' ', '-', '+' or '@'
                    change.diff_truncated = True
                if len(ln) > MAX_DIFF_LINE_CHARS:
                    ln = f"{ln[:MAX_DIFF_LINE_CHARS]}... [{len(ln) - MAX_DIFF_LINE_CHARS} more characters]"
                    change.diff_truncated = True
                lines.append(ln + "\n")
            cmp.diff_truncated = cmp.diff_truncated or change.diff_truncated
            change.diff = lines
            budget -= len(change.diff)
        cmp.changed.append(change)
    if cmp.added or cmp.removed or cmp.changed or cmp.duplicated:
        cmp.verdict = DIFFERENT
        return cmp
    cmp.verdict = CONTENT_IDENTICAL
    if len(pub_by) != len(pub_names) or len(reb_by) != len(reb_names):
        cmp.metadata.append("an entry name appears more than once in one of the archives")
    if pub_names != reb_names:
        cmp.metadata.append("the entries are in another order")
    cmp.entries_differing = sum(1 for n in pub_names if n in reb_by and any(
        getattr(reb_by[n], attr) != getattr(pub_by[n], attr) for attr, _ in _FIELDS))
    for attr, label in _FIELDS:
        diffs = [(n, getattr(reb_by[n], attr), getattr(pub_by[n], attr)) for n in pub_names
                 if getattr(reb_by[n], attr) != getattr(pub_by[n], attr)]
        if attr == "compress_size" and any(reb_by[n].compress_type != pub_by[n].compress_type
                                           for n, _, _ in diffs):
            continue  # implied by the compression method
        if diffs:
            shown = "; ".join(f"{n}: {_show_field(attr, p)} published, {_show_field(attr, r)} rebuilt"
                              for n, r, p in diffs[:MAX_EXAMPLES])
            more = f" (and {len(diffs) - MAX_EXAMPLES} more)" if len(diffs) > MAX_EXAMPLES else ""
            cmp.metadata.append(f"{label} differ on {len(diffs)} of {len(pub_names)} entries: {shown}{more}")
    if pub.comment != reb.comment:
        cmp.metadata.append("the archive comments differ")
    if not cmp.metadata:
        cmp.metadata.append("the zip structure differs (headers or layout) though every entry's metadata and "
                            "contents agree")
    return cmp


__all__ = [
    "CONTENT_IDENTICAL",
    "DIFFERENT",
    "MAX_DIFF_INPUT_LINES",
    "MAX_DIFF_LINES",
    "MAX_DIFF_LINES_PER_FILE",
    "MAX_DIFF_LINE_CHARS",
    "MAX_EXAMPLES",
    "MAX_TEXT_BYTES",
    "REPRODUCIBLE",
    "Comparison",
    "FileChange",
    "compare_wheels",
]
