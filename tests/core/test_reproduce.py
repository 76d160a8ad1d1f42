"""The pure core of ``reproduce``: WHEEL Generator and build-system parsing, SOURCE_DATE_EPOCH and time-zone
inference, the attempt plan, and the comparison of two wheels held in memory."""

from __future__ import annotations

import calendar
import datetime as dt
import io
import os
import time
import zipfile

import pytest

from pyslsa.core import reproduce as r
from pyslsa.core.reproduce import closure as closure_module

WHEEL_TEXT = b"Wheel-Version: 1.0\nGenerator: flit 3.9.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
STAMP = (2024, 9, 15, 18, 6, 54)


def make_wheel(files: dict[str, bytes] | None = None, stamp: tuple[int, int, int, int, int, int] = STAMP,
               stamps: dict[str, tuple[int, int, int, int, int, int]] | None = None,
               modes: dict[str, int] | None = None, order: list[str] | None = None,
               wheel_text: bytes = WHEEL_TEXT) -> bytes:
    files = dict(files if files is not None else {"demo/__init__.py": b"x = 1\n", "demo/data.bin": b"\0\1\2"})
    files.setdefault("demo-1.0.dist-info/WHEEL", wheel_text)
    files.setdefault("demo-1.0.dist-info/RECORD", b"")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in order or list(files):
            zi = zipfile.ZipInfo(name, (stamps or {}).get(name, stamp))
            zi.external_attr = (modes or {}).get(name, 0o100644) << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(zi, files[name])
    return buf.getvalue()


# -- Generator and build-system -------------------------------------------------------------------------------


@pytest.mark.parametrize(("line", "package", "version"), [
    ("flit 3.9.0", "flit-core", "3.9.0"),
    ("bdist_wheel (0.41.2)", "wheel", "0.41.2"),
    ("setuptools (75.6.0)", "setuptools", "75.6.0"),
    ("hatchling 1.27.0", "hatchling", "1.27.0"),
    ("poetry-core 1.6.0", "poetry-core", "1.6.0"),
    ("pdm-backend (2.1.0)", "pdm-backend", "2.1.0"),
    ("poetry 1.1.4", "poetry-core", None),
    ("maturin (1.5.1)", "maturin", "1.5.1"),
])
def test_generator_names_the_backend(line: str, package: str, version: str | None) -> None:
    g = r.parse_generator(line)
    assert g is not None and (g.package, g.version) == (package, version)


def test_bdist_wheel_implies_old_setuptools() -> None:
    g = r.parse_generator("bdist_wheel (0.38.4)")
    assert g is not None and g.extra_constraints == ("setuptools<70.1",)
    roots = r.closure_roots(r.parse_build_system(None), g, [])
    assert roots is not None
    assert roots.requires == (("setuptools >= 40.8.0", "[build-system]"), ("wheel", "WHEEL Generator"))
    assert roots.fixed == {"wheel": "0.38.4"} and roots.narrow == (("setuptools", "<70.1"),)
    listings = {"setuptools": [_f("69.5.1", -30), _f("70.1.0", -20), _f("71.0", -10)], "wheel": [_f("0.38.4", -99)]}
    closure = _resolve(roots, listings, {("setuptools", "69.5.1"): b"", ("wheel", "0.38.4"): b""})
    pins, _ = r.plan_pins(r.parse_build_system(None), g, closure.pins, [])
    assert [p.requirement for p in pins] == ["wheel==0.38.4", "setuptools==69.5.1"]
    assert pins[1].why == "newest release before the wheel's upload (setuptools < 70.1 for bdist_wheel)"


def test_no_generator() -> None:
    assert r.parse_generator(None) is None
    assert r.parse_generator("   ") is None
    pins, notes = r.plan_pins(r.parse_build_system(None), None, [], [])
    assert pins == [] and "no Generator" in notes[0]


def test_build_system_parsed() -> None:
    bs = r.parse_build_system(b'[build-system]\nrequires = ["hatchling", "hatch-vcs"]\n'
                              b'build-backend = "hatchling.build"\n')
    assert bs.requires == ("hatchling", "hatch-vcs") and bs.backend == "hatchling.build" and not bs.in_tree
    assert r.parse_build_system(b"[project]\nname='x'\n").backend == r.LEGACY_BACKEND
    with pytest.raises(r.PyprojectError):
        r.parse_build_system(b"[build-system\n")
    with pytest.raises(r.PyprojectError):
        r.parse_build_system(b"[build-system]\nrequires = 'setuptools'\n")


def test_in_tree_backend_pins_nothing() -> None:
    bs = r.parse_build_system(b'[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n')
    assert bs.in_tree
    pins, notes = r.plan_pins(bs, r.parse_generator("flit 3.9.0"), [], [])
    assert pins == [] and "in-tree" in notes[0]
    assert r.closure_roots(bs, r.parse_generator("flit 3.9.0"), []) is None


def test_other_requirements_are_pinned_by_date_and_overrides_win() -> None:
    bs = r.parse_build_system(b'[build-system]\nrequires = ["hatchling", "hatch-vcs", "x==1"]\n'
                              b'build-backend = "hatchling.build"\n')
    g = r.parse_generator("hatchling 1.27.0")
    roots = r.closure_roots(bs, g, ["hatchling==1.26.3"])
    assert roots is not None and roots.fixed == {"hatchling": "1.26.3"}  # the override wins over the Generator
    closure = _resolve(roots, {"hatch-vcs": [_f("0.4.0", -5), _f("0.5.0", 5)], "x": [_f("1", -9), _f("2", -1)]},
                       {("hatchling", "1.26.3"): b"", ("hatch-vcs", "0.4.0"): b"", ("x", "1"): b""})
    assert closure.complete and [(c.name, c.version) for c in closure.pins] == [
        ("hatchling", "1.26.3"), ("hatch-vcs", "0.4.0"), ("x", "1")]
    pins, _ = r.plan_pins(bs, g, closure.pins, ["hatchling==1.26.3"])
    assert [p.requirement for p in pins] == ["hatchling==1.26.3", "hatch-vcs==0.4.0", "x==1"]
    assert pins[0].why == "--build-requirement" and not any(p.dependency for p in pins)


def test_newest_before() -> None:
    t = dt.datetime(2025, 3, 13, tzinfo=dt.timezone.utc)
    day = dt.timedelta(days=1)
    releases = r.first_uploads([("0.3.0", t - 9 * day, False), ("0.4.0", t - day, False), ("0.4.0", t, False),
                                ("0.5.0", t + day, False), ("0.6.0rc1", t - day, False), ("0.4.1", t, True),
                                ("0.2", None, False)])
    assert r.newest_before(releases, t) == "0.4.0"
    assert r.newest_before(releases, t - 30 * day) is None


# -- the build-dependency closure ----------------------------------------------------------------------------

T = dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.timezone.utc)
ENV = {"implementation_name": "cpython", "implementation_version": "3.11.7", "os_name": "posix",
       "platform_machine": "x86_64", "platform_release": "6.1", "platform_system": "Linux", "platform_version": "1",
       "python_full_version": "3.11.7", "platform_python_implementation": "CPython", "python_version": "3.11",
       "sys_platform": "linux"}


def _f(version: str, days: float, *, yanked: bool = False, requires_python: str | None = None,
       timed: bool = True) -> r.ListedFile:
    return r.ListedFile(version, T + dt.timedelta(days=days) if timed else None, yanked, requires_python)


def _md(*requires: str) -> bytes:
    return ("Metadata-Version: 2.1\nName: x\nVersion: 1\n" + "".join(f"Requires-Dist: {q}\n" for q in requires)
            + "\nlong description\nRequires-Dist: not-a-header\n").encode()


def _resolve(roots: r.ClosureRoots, listings: dict[str, object], metadata: dict[tuple[str, str], object],
             when: dt.datetime = T) -> r.Closure:
    return r.resolve_closure(roots, when, ENV, listings, metadata)  # type: ignore[arg-type]


HATCH_INDEX: dict[str, object] = {
    "hatch-vcs": [_f("0.3.0", -300), _f("0.4.0", -8), _f("0.5.0", 200)],
    "setuptools-scm": [_f("7.1.0", -330), _f("8.0.4", -40), _f("8.1.0rc1", -2), _f("9.0", -1, yanked=True),
                       _f("8.9", -1, requires_python=">=3.12"), _f("10.0", 300)],
    "packaging": [_f("23.1", -200), _f("23.2", -44), _f("24.0", 120)],
    "tomli": [_f("2.0.1", -500)],
    "setuptools": [_f("68.0", -100), _f("69.0.3", -5)],
}
HATCH_METADATA: dict[tuple[str, str], object] = {
    ("hatchling", "1.18.0"): _md("packaging>=21.3", "tomli>=1.2.2; python_version < '3.11'"),
    ("hatch-vcs", "0.4.0"): _md("hatchling>=1.1.0", "setuptools-scm>=6.4.0"),
    ("setuptools-scm", "8.0.4"): _md("packaging>=20", "setuptools", "tomli>=1; python_version < '3.11'",
                                     "rich; extra == 'rich'"),
    ("packaging", "23.2"): _md(),
    ("setuptools", "69.0.3"): _md("pytest; extra == 'testing'"),
}


def test_closure_follows_requires_dist_to_the_end_as_of_the_upload() -> None:
    bs = r.parse_build_system(b'[build-system]\nrequires = ["hatchling", "hatch-vcs"]\n')
    roots = r.closure_roots(bs, r.parse_generator("hatchling 1.18.0"), [])
    assert roots is not None
    closure = _resolve(roots, HATCH_INDEX, HATCH_METADATA)
    assert closure.complete and closure.settled and closure.notes == []
    got = {c.name: c for c in closure.pins}
    # newest final release uploaded before T with a file for this Python: not 8.1.0rc1 (pre-release), 9.0
    # (yanked), 8.9 (Python >= 3.12 only) nor 10.0 (after the upload); tomli only below Python 3.11; no extras
    assert [(c.name, c.version) for c in closure.pins] == [
        ("hatchling", "1.18.0"), ("hatch-vcs", "0.4.0"), ("packaging", "23.2"), ("setuptools-scm", "8.0.4"),
        ("setuptools", "69.0.3")]
    assert got["hatchling"].fixed and not got["hatchling"].dependency
    assert not got["hatch-vcs"].dependency and got["hatch-vcs"].uploaded == T - dt.timedelta(days=8)
    assert got["setuptools-scm"].dependency
    assert got["setuptools-scm"].required_by == ("hatch-vcs 0.4.0 (setuptools-scm>=6.4.0)",)
    assert got["packaging"].required_by == ("hatchling 1.18.0 (packaging>=21.3)",
                                            "setuptools-scm 8.0.4 (packaging>=20)")
    pins, _ = r.plan_pins(bs, r.parse_generator("hatchling 1.18.0"), closure.pins, [])
    scm = next(p for p in pins if p.name == "setuptools-scm")
    assert scm.requirement == "setuptools-scm==8.0.4" and scm.dependency
    assert scm.why == "newest release before the wheel's upload, required by hatch-vcs 0.4.0 (setuptools-scm>=6.4.0)"
    # an older upload time chooses older releases, and so other requirements
    older = {("hatch-vcs", "0.3.0"): _md("setuptools-scm[toml]<8"), ("packaging", "23.1"): _md(),
             ("setuptools-scm", "7.1.0"): _md("packaging>=20", "tomli>=1; extra == 'toml'"), ("tomli", "2.0.1"): _md()}
    early = _resolve(roots, HATCH_INDEX, {**HATCH_METADATA, **older}, when=T - dt.timedelta(days=100))
    assert early.complete
    assert {c.name: c.version for c in early.pins} == {
        "hatchling": "1.18.0", "hatch-vcs": "0.3.0", "packaging": "23.1", "setuptools-scm": "7.1.0",
        "tomli": "2.0.1"}  # the [toml] extra pulls tomli in


def test_an_override_range_narrows_the_choice_and_its_line_is_what_is_pinned() -> None:
    bs = r.parse_build_system(b'[build-system]\nrequires = ["hatchling", "hatch-vcs"]\n')
    g = r.parse_generator("hatchling 1.18.0")
    roots = r.closure_roots(bs, g, ["setuptools-scm<8", "not a requirement ~~"])
    assert roots is not None and roots.narrow == (("setuptools-scm", "<8"),)
    metadata = {**HATCH_METADATA, ("setuptools-scm", "7.1.0"): _md("packaging>=20")}
    closure = _resolve(roots, HATCH_INDEX, metadata)
    assert {c.name: c.version for c in closure.pins}["setuptools-scm"] == "7.1.0"
    assert "setuptools" not in {c.name for c in closure.pins}  # 7.1.0 (as given here) does not require it
    pins, _ = r.plan_pins(bs, g, closure.pins, ["setuptools-scm<8"])
    assert [(p.requirement, p.why) for p in pins if p.name == "setuptools-scm"] == [
        ("setuptools-scm<8", "--build-requirement")]


def test_closure_asks_for_what_it_misses_one_level_at_a_time() -> None:
    roots = r.ClosureRoots((("hatch-vcs", "[build-system]"),))
    first = _resolve(roots, {}, {})
    assert first.missing_listings == ["hatch-vcs"] and first.pins == []
    second = _resolve(roots, {"hatch-vcs": HATCH_INDEX["hatch-vcs"]}, {})
    assert second.missing_metadata == [("hatch-vcs", "0.4.0")] and second.missing_listings == []
    third = _resolve(roots, {"hatch-vcs": HATCH_INDEX["hatch-vcs"]}, {("hatch-vcs", "0.4.0"): HATCH_METADATA[
        ("hatch-vcs", "0.4.0")]})
    assert third.missing_listings == ["hatchling", "setuptools-scm"]


def test_closure_notes_what_it_cannot_pin_and_pins_the_rest() -> None:
    roots = r.ClosureRoots((("a", "[build-system]"), ("b", "[build-system]"), ("c>=2", "[build-system]"),
                            ("d", "[build-system]"), ("e", "[build-system]")))
    closure = _resolve(roots, {"a": [_f("1", -1, timed=False)], "b": "HTTP 500", "c": [_f("1", -1), _f("2", 1)],
                               "d": [_f("1", -1)], "e": [_f("1", -1)]},
                       {("d", "1"): "the index lists no wheel of it", ("e", "1"): b"Requires-Dist: ???\n"})
    assert closure.complete and [(c.name, c.version) for c in closure.pins] == [("d", "1"), ("e", "1")]
    assert closure.notes == [
        "d 1: its requirements are not followed (the index lists no wheel of it)",
        "e 1: its requirements are not followed (unreadable Requires-Dist '???')",
        "a: the index gives no upload times (PEP 700): not pinned by date",
        "could not list b on the index (HTTP 500): not pinned",
        "c: no release uploaded before 2023-11-14 22:13:20 UTC satisfies >=2 for Python 3.11.7: not pinned"]


def test_closure_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    # a chain longer than the cap stops at the cap, with a note
    monkeypatch.setattr(closure_module, "MAX_CLOSURE_PROJECTS", 5)
    listings = {f"p{i}": [_f("1", -1)] for i in range(10)}
    metadata = {(f"p{i}", "1"): _md(f"p{i + 1}") for i in range(10)}
    closure = _resolve(r.ClosureRoots((("p0", "[build-system]"),)), listings, metadata)
    assert closure.complete and [c.name for c in closure.pins] == ["p0", "p1", "p2", "p3", "p4"]
    assert "more than 5 projects" in closure.notes[0]
    # a choice that keeps undoing itself (a 2 needs b, b needs a<2, a 1 needs nothing) stops after a bound
    listings = {"a": [_f("1", -9), _f("2", -1)], "b": [_f("1", -1)]}
    metadata = {("a", "2"): _md("b"), ("a", "1"): _md(), ("b", "1"): _md("a<2")}
    closure = _resolve(r.ClosureRoots((("a", "[build-system]"),)), listings, metadata)
    assert not closure.settled and "did not settle" in closure.notes[-1]


def test_requires_dist_reads_headers_only() -> None:
    assert r.requires_dist(_md("a>=1", "b; extra == 'x'")) == ["a>=1", "b; extra == 'x'"]
    assert r.requires_dist(b"") == []


# -- SOURCE_DATE_EPOCH and TZ ---------------------------------------------------------------------------------


def test_source_date_epoch_from_uniform_timestamps() -> None:
    epoch, why = r.infer_source_date_epoch(r.read_wheel(make_wheel()))
    assert epoch == calendar.timegm((*STAMP, 0, 0, 0)) and "4 of 4" in why


def test_no_source_date_epoch_for_1980_or_varied_times() -> None:
    assert r.infer_source_date_epoch(r.read_wheel(make_wheel(stamp=r.ZIP_EPOCH)))[0] is None
    varied = {"demo/__init__.py": (2020, 1, 1, 0, 0, 0), "demo/data.bin": (2021, 1, 1, 0, 0, 0),
              "demo-1.0.dist-info/WHEEL": (2022, 1, 1, 0, 0, 0)}
    assert r.infer_source_date_epoch(r.read_wheel(make_wheel(stamps=varied)))[0] is None


def _local_wheel(mtimes: dict[str, float], tz: str) -> bytes:
    """A wheel whose entries carry the sdist times as wall-clock time in ``tz`` (what flit does)."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = tz
    time.tzset()
    try:
        stamps = {f"demo/{k.split('/')[-1]}": time.localtime(v)[:6] for k, v in mtimes.items()}
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()
    files = {name: b"x\n" for name in stamps}
    return make_wheel(files, stamp=(2016, 1, 1, 0, 0, 0), stamps={k: (*v[:5], v[5] // 2 * 2)  # type: ignore[misc]
                                                                  for k, v in stamps.items()})


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="needs time.tzset")
def test_fixed_zone_inferred_with_posix_sign() -> None:
    mtimes = {f"src/demo/m{i}.py": 1_700_000_000.7 + i * 86_400 * 40 for i in range(5)}
    zone, why = r.infer_timezone(r.read_wheel(_local_wheel(mtimes, "IST-5:30")), mtimes)
    assert zone is not None and zone.tz == "<+0530>-05:30" and "UTC+05:30" in why
    zone, _ = r.infer_timezone(r.read_wheel(_local_wheel(mtimes, "EST5")), mtimes)
    assert zone is not None and zone.tz == "<-05>5"


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="needs time.tzset")
@pytest.mark.parametrize(("tz", "expected"), [
    ("CET-1CEST,M3.5.0,M10.5.0/3", "<+01>-1<+02>,M3.5.0,M10.5.0/3"),
    ("EST5EDT,M3.2.0,M11.1.0", "<-05>5<-04>,M3.2.0,M11.1.0"),
])
def test_daylight_saving_zone_inferred(tz: str, expected: str) -> None:
    # one file a month through a year: both offsets appear, and only one rule set explains them all
    mtimes = {f"demo/m{i}.py": 1_704_067_200.0 + i * 30 * 86_400 + 3_600 * 7 for i in range(12)}
    zone, why = r.infer_timezone(r.read_wheel(_local_wheel(mtimes, tz)), mtimes)
    assert zone is not None and zone.tz == expected, why
    assert "explain 12 of them" in why


def test_utc_times_need_no_zone() -> None:
    mtimes = {"demo/__init__.py": calendar.timegm((*STAMP, 0, 0, 0)) + 1.5}
    zone, why = r.infer_timezone(r.read_wheel(make_wheel()), mtimes)
    assert zone is None and "UTC" in why
    zone, why = r.infer_timezone(r.read_wheel(make_wheel(stamp=r.ZIP_EPOCH)), mtimes)
    assert zone is None


def test_posix_offset_is_inverted() -> None:
    assert r.posix_offset(3600) == "-1" and r.posix_offset(-5 * 3600) == "5"
    assert r.posix_offset(5 * 3600 + 1800) == "-05:30"


def test_attempts_planned_and_deduplicated() -> None:
    zone = r.Zone("<+01>-1", "why")
    plans = r.plan_attempts(1700000000, zone, {})
    assert [p.label for p in plans] == ["pinned build requirements", "+ SOURCE_DATE_EPOCH", "+ TZ"]
    assert plans[1].env == {"SOURCE_DATE_EPOCH": "1700000000"} and plans[2].env == {"TZ": "<+01>-1"}
    plans = r.plan_attempts(1700000000, None, {"SOURCE_DATE_EPOCH": "5"})
    assert len(plans) == 1 and plans[0].env == {"SOURCE_DATE_EPOCH": "5"}


# -- comparison -----------------------------------------------------------------------------------------------


def test_identical_bytes_are_reproducible() -> None:
    w = make_wheel()
    c = r.compare_wheels(w, w)
    assert c.verdict == r.REPRODUCIBLE and c.published_sha256 == c.rebuilt_sha256


def test_timestamps_modes_order_make_content_identical() -> None:
    base = make_wheel()
    c = r.compare_wheels(make_wheel(stamps={"demo/data.bin": (2024, 1, 1, 0, 0, 0)}), base)
    assert c.verdict == r.CONTENT_IDENTICAL and not c.changed
    assert any(m.startswith("timestamps differ on 1 of 4 entries: demo/data.bin: 2024-01-01 00:00:00 published")
               for m in c.metadata), c.metadata
    c = r.compare_wheels(make_wheel(modes={"demo/data.bin": 0o100664}), base)
    assert c.verdict == r.CONTENT_IDENTICAL and "file modes" in c.metadata[0] and "100664 published" in c.metadata[0]
    order = ["demo/data.bin", "demo/__init__.py", "demo-1.0.dist-info/WHEEL", "demo-1.0.dist-info/RECORD"]
    c = r.compare_wheels(make_wheel(order=order), base)
    assert c.verdict == r.CONTENT_IDENTICAL and c.metadata == ["the entries are in another order"]


def test_changed_added_removed_files_are_different() -> None:
    base = make_wheel()
    published = make_wheel({"demo/__init__.py": b"x = 2\n", "demo/data.bin": b"\0\1\3", "demo/evil.py": b"boom\n"})
    c = r.compare_wheels(published, base)
    assert c.verdict == r.DIFFERENT and c.added == ["demo/evil.py"] and c.removed == []
    changed = {f.name: f for f in c.changed}
    assert set(changed) == {"demo/__init__.py", "demo/data.bin"}
    assert changed["demo/data.bin"].binary and not changed["demo/data.bin"].diff
    diff = "".join(changed["demo/__init__.py"].diff)
    assert "--- rebuilt/demo/__init__.py" in diff and "-x = 1\n" in diff and "+x = 2\n" in diff
    c = r.compare_wheels(make_wheel({"demo/__init__.py": b"x = 1\n"}), base)
    assert c.verdict == r.DIFFERENT and c.removed == ["demo/data.bin"]


def test_diff_is_capped() -> None:
    a = make_wheel({"demo/big.py": b"".join(b"line %d\n" % i for i in range(1000))})
    b = make_wheel({"demo/big.py": b"".join(b"LINE %d\n" % i for i in range(1000))})
    c = r.compare_wheels(a, b)
    assert c.changed[0].diff_truncated and len(c.changed[0].diff) == r.MAX_DIFF_LINES_PER_FILE


def test_not_a_wheel() -> None:
    with pytest.raises(r.WheelFormatError):
        r.read_wheel(b"not a zip")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("x.py", b"")
    with pytest.raises(r.WheelFormatError):
        r.read_wheel(buf.getvalue())


def test_purity_and_overall_verdict() -> None:
    assert r.read_wheel(make_wheel()).pure
    plat = WHEEL_TEXT.replace(b"Root-Is-Purelib: true", b"Root-Is-Purelib: false").replace(
        b"py3-none-any", b"cp311-cp311-linux_x86_64")
    assert not r.read_wheel(make_wheel(wheel_text=plat)).pure
    o = r.WheelOutcome
    assert r.overall_verdict([o("a", r.REPRODUCIBLE), o("b", r.NOT_APPLICABLE)]) == r.REPRODUCIBLE
    assert r.overall_verdict([o("a", r.REPRODUCIBLE), o("b", r.DIFFERENT)]) == r.DIFFERENT
    assert r.overall_verdict([o("b", r.NOT_APPLICABLE)]) == r.NOT_APPLICABLE
    assert r.overall_verdict([]) == r.NOT_APPLICABLE
