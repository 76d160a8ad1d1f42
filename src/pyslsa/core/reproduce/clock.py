"""``SOURCE_DATE_EPOCH`` and the time zone, read from the wheel's zip times (and the sdist's member times).

    * ``SOURCE_DATE_EPOCH`` from the wheel's zip timestamps when most entries share one that is not the 1980
      default (backends write ``gmtime(SOURCE_DATE_EPOCH)``);
    * the time zone from the offset between the sdist's member times (tar mtimes, UTC) and the wheel's zip times
      (local wall-clock, as flit writes them without ``SOURCE_DATE_EPOCH``): one offset is a fixed zone, two an
      hour apart a zone with daylight saving (EU, US or southern rules, whichever explains every file).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pyslsa.core.reproduce.wheel import Wheel, format_date_time

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def infer_source_date_epoch(wheel: Wheel) -> tuple[int | None, str]:
    """(SOURCE_DATE_EPOCH, why) from the zip timestamps: the timestamp most entries share, if it is not the 1980
    zip epoch (backends write ``gmtime(SOURCE_DATE_EPOCH)``, so it is read as UTC)."""
    counts = Counter(m.date_time for m in wheel.members)
    if not counts:
        return None, "the wheel has no entries"
    stamp, n = counts.most_common(1)[0]
    if stamp == ZIP_EPOCH:
        return None, "the zip timestamps are the 1980 default"
    if 2 * n < len(wheel.members):
        return None, (f"the zip timestamps vary ({len(counts)} distinct, the commonest on {n} of "
                      f"{len(wheel.members)} entries): not one SOURCE_DATE_EPOCH")
    epoch = _zip_epoch(stamp)
    if epoch is None:
        return None, f"the commonest zip timestamp {format_date_time(stamp)} is not a valid date: no SOURCE_DATE_EPOCH"
    return epoch, f"{n} of {len(wheel.members)} zip entries are dated {format_date_time(stamp)}"


def _zip_epoch(stamp: tuple[int, ...]) -> int | None:
    """Seconds since the epoch of a zip (DOS) timestamp read as UTC; None when it is no real date (a DOS date
    can say month 13, day 0 or hour 25)."""
    if len(stamp) < 6:
        return None
    try:
        y, mo, d, h, mi, s = stamp[:6]
        return calendar.timegm(dt.datetime(y, mo, d, h, mi, s).timetuple())
    except (ValueError, OverflowError, TypeError):
        return None


@dataclass(frozen=True)
class Zone:
    """A time zone as a POSIX ``TZ`` value, and why."""

    tz: str
    why: str


def posix_offset(seconds: int) -> str:
    """POSIX TZ offset text for a zone ``seconds`` east of UTC (POSIX counts west: the sign is inverted)."""
    sign = "-" if seconds > 0 else ""
    s = abs(seconds)
    h, m = divmod(s // 60, 60)
    return f"{sign}{h:02d}:{m:02d}" if m else f"{sign}{h}"


def _zone_name(seconds: int) -> str:
    sign = "+" if seconds >= 0 else "-"
    h, m = divmod(abs(seconds) // 60, 60)
    return f"<{sign}{h:02d}{m:02d}>" if m else f"<{sign}{h:02d}>"


def _fixed_tz(offset: int) -> str:
    return f"{_zone_name(offset)}{posix_offset(offset)}"


def _nth_weekday(year: int, month: int, week: int, weekday: int) -> int:
    """Day of month of POSIX ``Mm.w.d`` (d: 0 = Sunday; w = 5: the last)."""
    first = (dt.date(year, month, 1).weekday() + 1) % 7  # Sunday = 0
    day = 1 + (weekday - first) % 7 + (week - 1) * 7
    days = calendar.monthrange(year, month)[1]
    while day > days:
        day -= 7
    return day


@dataclass(frozen=True)
class _DstRule:
    label: str
    start: tuple[int, int, int, int]  # month, week, weekday, local hour (standard time)
    end: tuple[int, int, int, int]  # month, week, weekday, local hour (daylight time)

    def posix(self, std: int) -> str:
        def part(r: tuple[int, int, int, int]) -> str:
            mo, w, d, hour = r
            return f"M{mo}.{w}.{d}" + ("" if hour == 2 else f"/{hour}")

        return f"{_zone_name(std)}{posix_offset(std)}{_zone_name(std + 3600)},{part(self.start)},{part(self.end)}"

    def offset_at(self, std: int, t: float) -> int:
        """The zone's offset east of UTC at the instant ``t`` (seconds since the epoch, UTC)."""
        year = dt.datetime.fromtimestamp(t, dt.timezone.utc).year
        mo, w, d, hour = self.start
        start = calendar.timegm((year, mo, _nth_weekday(year, mo, w, d), hour, 0, 0)) - std
        mo, w, d, hour = self.end
        end = calendar.timegm((year, mo, _nth_weekday(year, mo, w, d), hour, 0, 0)) - (std + 3600)
        in_dst = start <= t < end if start < end else not (end <= t < start)
        return std + 3600 if in_dst else std


def _dst_rules(std: int) -> list[_DstRule]:
    eu_start = (1 + std // 3600) % 24  # EU: 01:00 UTC both ways
    return [
        _DstRule("EU rules (last Sunday of March to the last Sunday of October, 01:00 UTC)",
                 (3, 5, 0, eu_start), (10, 5, 0, (eu_start + 1) % 24)),
        _DstRule("US rules (second Sunday of March to the first Sunday of November)", (3, 2, 0, 2), (11, 1, 0, 2)),
        _DstRule("southern rules (first Sunday of October to the first Sunday of April)",
                 (10, 1, 0, 2), (4, 1, 0, 3)),
    ]


def _wheel_to_sdist_paths(wheel: Wheel, sdist_paths: Iterable[str]) -> dict[str, str]:
    """Wheel member -> the one sdist member (path below the sdist's top directory) it was most likely copied
    from: the same path, or the same path below one directory (``src/``), or for dist-info licence files the
    same name at the top.

    Linear in the total length of the paths: each sdist path is walked from its end through a trie of the
    (reversed) names looked up, so deep or many paths cost no more than reading them."""
    wanted: dict[str, str] = {}  # wheel member -> the name looked up among the sdist's paths
    for m in wheel.members:
        name = m.name
        if ".dist-info/" in name.split("/", 1)[0] + "/":
            rest = name.split("/", 1)[1] if "/" in name else ""
            if rest.startswith("licenses/"):
                rest = rest[len("licenses/"):]
            elif rest in ("METADATA", "WHEEL", "RECORD", "entry_points.txt", "top_level.txt", "INSTALLER"):
                continue
            name = rest
        if name:
            wanted.setdefault(m.name, name)
    children: dict[tuple[int, str], int] = {}
    ends: dict[int, str] = {}  # trie node -> the looked-up name ending there
    for name in set(wanted.values()):
        node = 0
        for part in reversed(name.split("/")):
            node = children.setdefault((node, part), len(children) + 1)
        ends[node] = name
    exact: set[str] = set()
    first: dict[str, str] = {}
    count: Counter[str] = Counter()
    for p in set(sdist_paths):
        node = 0
        parts = p.split("/")
        for i, part in enumerate(reversed(parts)):
            nxt = children.get((node, part))
            if nxt is None:
                break
            node = nxt
            ending = ends.get(node)
            if ending is not None:
                if i == len(parts) - 1:
                    exact.add(ending)
                first.setdefault(ending, p)
                count[ending] += 1
    out: dict[str, str] = {}
    for member, name in wanted.items():
        if name in exact:
            out[member] = name
        elif count[name] == 1:
            out[member] = first[name]
    return out


def infer_timezone(wheel: Wheel, sdist_mtimes: Mapping[str, float]) -> tuple[Zone | None, str]:
    """(zone, why): the zone in which the wheel's zip times are the sdist's member times (UTC) as wall-clock
    time; None when the times agree in UTC or say nothing (the builds run with ``TZ=UTC`` by default)."""
    matched = _wheel_to_sdist_paths(wheel, sdist_mtimes)
    observations: list[tuple[float, int]] = []  # (UTC instant, offset east of UTC)
    for wname, spath in matched.items():
        member = wheel.member(wname)
        if member is None or member.date_time == ZIP_EPOCH:
            continue
        t = sdist_mtimes[spath]
        zipped = _zip_epoch(member.date_time)
        if zipped is None or not math.isfinite(t) or abs(t - zipped) > 15 * 3600:
            continue
        raw = zipped - int(t // 1)
        q = round(raw / 900) * 900
        if abs(raw - q) <= 2 and abs(q) <= 14 * 3600:
            observations.append((t, q))
    if not observations:
        return None, "no wheel entry carries its sdist file's time in any time zone"
    counts = Counter(o for _, o in observations)
    top, n = counts.most_common(1)[0]
    partner = max((o for o in counts if abs(o - top) == 3600), key=lambda o: counts[o], default=None)
    if partner is None:
        if top == 0:
            return None, f"{_entries(n)} sdist file's time in UTC"
        if n < 2 and len(matched) > 1:
            return None, "only one wheel entry carries its sdist file's time with an offset: no zone inferred"
        why = f"{_entries(n)} sdist file's time at UTC{_hm(top)}"
        return Zone(_fixed_tz(top), why), why
    std = min(top, partner)
    best: tuple[int, _DstRule] | None = None
    for rule in _dst_rules(std):
        fit = sum(1 for t, o in observations if o in (std, std + 3600) and rule.offset_at(std, t) == o)
        if best is None or fit > best[0]:
            best = (fit, rule)
    assert best is not None
    fit, rule = best
    k = sum(1 for _, o in observations if o in (std, std + 3600))
    why = (f"{_entries(k)} sdist file's time at UTC{_hm(std)} or UTC{_hm(std + 3600)} (daylight "
           f"saving); {rule.label} explain {fit} of them")
    return Zone(rule.posix(std), why), why


def _entries(n: int) -> str:
    return "1 wheel entry carries its" if n == 1 else f"{n} wheel entries carry their"


def _hm(seconds: int) -> str:
    sign = "+" if seconds >= 0 else "-"
    h, m = divmod(abs(seconds) // 60, 60)
    return f"{sign}{h:02d}:{m:02d}"


__all__ = ["ZIP_EPOCH", "Zone", "infer_source_date_epoch", "infer_timezone", "posix_offset"]
