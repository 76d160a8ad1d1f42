"""Review of ``reproduce`` on hostile and odd inputs: zip bombs, unreadable zips, duplicate entries, odd Generator
lines and build requirements, implausible times, huge diff lines, odd ``--keep``. (The sdist's own hostile
inputs are in tests/sources/test_sdist.py, the build log's in tests/sources/test_build.py.)
"""

from __future__ import annotations

import io
import json
import time
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import pytest

from pyslsa.api import reproduce as cmd
from pyslsa.cli import main
from pyslsa.core import reproduce as r
from pyslsa.core.reproduce import wheel as wheel_module
from pyslsa.formats import reproduce_view
from tests.conftest import tar_file, write_tar

WHEEL = ("demo-1.0.dist-info/WHEEL",
         b"Wheel-Version: 1.0\nGenerator: flit 3.9.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
STAMP = (2023, 11, 14, 22, 0, 0)


def zwheel(*entries: tuple[str, bytes] | zipfile.ZipInfo, data: bytes = b"x") -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(zipfile.ZipInfo(WHEEL[0], STAMP), WHEEL[1])
            for e in entries:
                if isinstance(e, zipfile.ZipInfo):
                    zf.writestr(e, data)
                else:
                    zf.writestr(zipfile.ZipInfo(e[0], STAMP), e[1])
    return buf.getvalue()


# -- the wheel: unreadable, bombs, many entries ---------------------------------------------------------------


def _set_flag(data: bytes, bit: int) -> bytes:
    raw = bytearray(data)
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = raw.find(sig)
        while pos >= 0:
            raw[pos + off] |= bit
            pos = raw.find(sig, pos + 4)
    return bytes(raw)


def test_encrypted_wheel_is_a_format_error_not_a_crash() -> None:
    with pytest.raises(r.WheelFormatError):
        r.read_wheel(_set_flag(zwheel(("demo/a.py", b"x")), 1))


def test_corrupt_deflate_stream_is_a_format_error() -> None:
    good = zwheel(("demo/a.py", b"print(1)\n" * 1000))
    raw = bytearray(good)
    start = raw.find(b"demo/a.py") + len("demo/a.py")
    raw[start:start + 40] = b"\x07" * 40  # garbage where the deflate stream begins
    with pytest.raises(r.WheelFormatError):
        r.read_wheel(bytes(raw))


def _bomb(n_mib: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(*WHEEL)
        with zf.open("demo/big.bin", "w", force_zip64=True) as fh:
            for _ in range(n_mib):
                fh.write(b"\0" * (1 << 20))
    return buf.getvalue()


def test_zip_bomb_is_refused_before_it_is_inflated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wheel_module, "MAX_WHEEL_UNCOMPRESSED", 8 << 20)
    bomb = _bomb(32)
    assert len(bomb) < 100_000
    tracemalloc.start()
    try:
        with pytest.raises(r.WheelFormatError, match="uncompressed"):
            r.read_wheel(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20


def test_too_many_entries_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wheel_module, "MAX_WHEEL_ENTRIES", 100)
    with pytest.raises(r.WheelFormatError, match="entries"):
        r.read_wheel(zwheel(*[(f"demo/m{i}.py", b"") for i in range(200)]))


def test_many_entries_time_zone_inference_is_not_quadratic() -> None:
    n = 30_000
    wheel = r.read_wheel(zwheel(*[(f"demo/m{i}.py", b"") for i in range(n)]))
    mtimes = {f"demo/m{i}.py": 1_699_999_200.0 for i in range(n)}  # == STAMP in UTC
    t = time.monotonic()
    zone, _ = r.infer_timezone(wheel, mtimes)
    assert zone is None
    assert time.monotonic() - t < 3


def test_deep_sdist_paths_do_not_blow_up_the_path_matching() -> None:
    wheel = r.read_wheel(zwheel(("demo/a.py", b"")))
    deep = {"/".join(["d"] * 1500) + f"/x{i}.py": 1.0 for i in range(60)}
    tracemalloc.start()
    try:
        r.infer_timezone(wheel, deep)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20


# -- impossible zip dates and sdist times ---------------------------------------------------------------------


@pytest.mark.parametrize("stamp", [(2020, 13, 31, 0, 0, 0), (2020, 0, 0, 0, 0, 0), (2020, 2, 31, 25, 61, 62)])
def test_impossible_zip_dates_are_no_crash(stamp: tuple[int, int, int, int, int, int]) -> None:
    wheel = r.read_wheel(zwheel(*[zipfile.ZipInfo(f"demo/m{i}.py", stamp) for i in range(5)]))
    epoch, why = r.infer_source_date_epoch(wheel)
    assert epoch is None and "not a valid date" in why
    zone, _ = r.infer_timezone(wheel, {f"demo/m{i}.py": 1_600_000_000.0 for i in range(5)})
    assert zone is None


@pytest.mark.parametrize("t", [float("nan"), float("inf"), -float("inf"), 1e300])
def test_non_finite_sdist_times_are_no_crash(t: float) -> None:
    wheel = r.read_wheel(zwheel(("demo/a.py", b"")))
    zone, _ = r.infer_timezone(wheel, {"demo/a.py": t})
    assert zone is None




# -- duplicate entries ----------------------------------------------------------------------------------------


def test_duplicate_entry_hiding_other_bytes_is_different_not_content_identical() -> None:
    published = zwheel(("demo/a.py", b"evil()\n"), ("demo/a.py", b"good()\n"))
    rebuilt = zwheel(("demo/a.py", b"good()\n"))
    c = r.compare_wheels(published, rebuilt)
    assert c.verdict == r.DIFFERENT
    assert c.duplicated == ["demo/a.py"]
    text = "\n".join(reproduce_view._diff_lines(c))
    assert "demo/a.py" in text and "2 times in the published wheel" in text


def test_duplicate_entries_with_the_same_bytes_on_both_sides_stay_content_identical() -> None:
    published = zwheel(("demo/a.py", b"x\n"), ("demo/a.py", b"x\n"))
    other_time = zipfile.ZipInfo("demo/a.py", (2024, 1, 1, 0, 0, 0))
    rebuilt = zwheel(("demo/a.py", b"x\n"), other_time, data=b"x\n")
    c = r.compare_wheels(published, rebuilt)
    assert c.verdict == r.CONTENT_IDENTICAL and c.duplicated == []
    assert any("more than once" in m for m in c.metadata)
    one = r.compare_wheels(published, zwheel(("demo/a.py", b"x\n")))
    assert one.verdict == r.DIFFERENT and one.duplicated == ["demo/a.py"]  # twice is not once


# -- Generator lines and build requirements -------------------------------------------------------------------


@pytest.mark.parametrize("line", [
    "flit 3.9.0;python_version<'3'",  # a marker: the "pin" would never apply
    "flit 3.9.0,<0",  # a second specifier: the build could never be satisfied
    "flit 3.9.0$(rm -rf ~)",
    "flit 3.9.0@https://evil.example/x.whl",
])
def test_generator_version_must_be_a_plain_version(line: str) -> None:
    g = r.parse_generator(line)
    assert g is not None and g.package == "flit-core" and g.version is None
    assert "version" in g.note
    pins, _ = r.plan_pins(r.parse_build_system(b"[build-system]\nrequires=['flit_core']\n"), g, [], [])
    assert pins == []


def test_generator_name_must_be_a_project_name() -> None:
    g = r.parse_generator("foo+bar 1.0")
    assert g is None or g.package is None or "+" not in g.package


@pytest.mark.parametrize("req", ["--index-url=https://evil.example/simple", "-e git+https://evil.example/x",
                                 "-r /etc/passwd", "flit_core --extra-index-url https://evil.example/",
                                 "x\n--index-url https://evil.example/"])
def test_build_requirements_must_be_pep508(req: str) -> None:
    """``build`` writes [build-system] requires into a pip requirements file: an option there would redirect
    pip (another index) or read local files; pip itself refuses such an sdist."""
    toml = "[build-system]\nrequires = [" + json.dumps(req) + "]\nbuild-backend = 'flit_core.buildapi'\n"
    with pytest.raises(r.PyprojectError, match="requirement"):
        r.parse_build_system(toml.encode())


def test_valid_build_requirements_with_markers_are_kept() -> None:
    toml = b"[build-system]\nrequires = ['flit_core >=3.2,<4', 'tomli; python_version < \"3.11\"']\n"
    assert r.parse_build_system(toml).requires == ("flit_core >=3.2,<4", 'tomli; python_version < "3.11"')


@pytest.mark.parametrize("doc", [b"a = " + b"[" * 5000 + b"]" * 5000, b"a = " + b"{b=" * 5000 + b"1" + b"}" * 5000])
def test_deeply_nested_pyproject_is_a_pyproject_error(doc: bytes) -> None:
    with pytest.raises(r.PyprojectError):
        r.parse_build_system(doc)


# -- the diff -------------------------------------------------------------------------------------------------


def test_diff_caps_bound_characters_not_only_lines() -> None:
    published = zwheel(*[(f"demo/m{i}.js", b"x" * 500_000) for i in range(10)])
    rebuilt = zwheel(*[(f"demo/m{i}.js", b"y" * 500_000) for i in range(10)])
    c = r.compare_wheels(published, rebuilt)
    assert c.verdict == r.DIFFERENT and len(c.changed) == 10
    assert sum(len(ln) for f in c.changed for ln in f.diff) < 100_000
    assert all(f.diff_truncated for f in c.changed) and c.diff_truncated


def test_text_output_escapes_control_characters(tmp_path: Path) -> None:
    """A hostile published wheel must not be able to draw its own verdict line on the terminal."""
    published = zwheel(("demo/a.py", b"x = 1\x1b[2K\rREPRODUCIBLE: fake\n"), ("demo/evil\nREPRODUCIBLE: x", b""))
    rebuilt = zwheel(("demo/a.py", b"x = 1\n"))
    c = r.compare_wheels(published, rebuilt)
    attempt = r.Attempt(1, "pinned build requirements", [], {}, c.verdict, 1.0, comparison=c)
    outcome = r.WheelOutcome("demo-1.0-py3-none-any.whl", c.verdict, attempts=[attempt])
    report = cmd.ReproduceReport(wheels=[outcome])
    out, _ = reproduce_view.text(report)
    assert "\x1b" not in out and "\r" not in out
    assert not any(line.startswith("REPRODUCIBLE") for line in out.splitlines())


# -- command-line odds ----------------------------------------------------------------------------------------


def test_keep_below_a_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "afile"
    f.write_bytes(b"")
    sdist = write_tar(tmp_path / "demo-1.0.tar.gz", [tar_file("demo-1.0/pyproject.toml", b"")])
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    wheel.write_bytes(zwheel())
    rc = main(["reproduce", "--sdist", str(sdist), "--wheel", str(wheel), "--keep", str(f / "sub"),
               "--format", "json"])
    assert rc == 2
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "usage"


def test_diff_time_is_bounded_on_lines_difflib_matches_slowly() -> None:
    """difflib is quadratic when many lines repeat just under its autojunk threshold: 100 000 lines from 250
    values took 85 s before the first hunk."""
    import random

    rng = random.Random(2)
    values = [b"%04d\n" % i for i in range(250)]
    a = b"".join(rng.choice(values) for _ in range(100_000))
    b = b"".join(rng.choice(values) for _ in range(100_000))
    t = time.monotonic()
    c = r.compare_wheels(zwheel(("demo/table.txt", b)), zwheel(("demo/table.txt", a)))
    assert time.monotonic() - t < 10
    (change,) = c.changed
    assert change.diff_truncated and "not diffed" in "".join(change.diff)


def test_a_long_file_with_one_change_is_still_diffed_with_true_line_numbers() -> None:
    lines = [b"line %d\n" % i for i in range(50_000)]
    changed = list(lines)
    changed[30_000] = b"changed\n"
    c = r.compare_wheels(zwheel(("demo/big.txt", b"".join(changed))), zwheel(("demo/big.txt", b"".join(lines))))
    (change,) = c.changed
    assert change.diff == ["--- rebuilt/demo/big.txt\n", "+++ published/demo/big.txt\n",
                           "@@ -29999,5 +29999,5 @@\n", " line 29998\n", " line 29999\n", "-line 30000\n",
                           "+changed\n", " line 30001\n", " line 30002\n"]


def test_pure_wheel_with_a_platform_file_name_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sdist = write_tar(tmp_path / "demo-1.0.tar.gz", [tar_file("demo-1.0/pyproject.toml", b"")])
    wheel = tmp_path / "demo-1.0-cp311-cp311-linux_x86_64.whl"
    wheel.write_bytes(zwheel())
    rc = main(["reproduce", "--sdist", str(sdist), "--wheel", str(wheel), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 1 and doc["verdict"] == "not-applicable"
    assert "file name" in doc["wheels"][0]["reason"]
