"""``pyslsa reproduce`` end to end on tiny projects the tests make themselves (flit-core, hatchling), built in
isolation from a local package index that serves wheels made from the installed backends: no internet."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata as md
import io
import json
import os
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from pyslsa.cli import main
from pyslsa.sources.sdist import extract_sdist
from tests.conftest import record_hash

SDE = 1_700_000_000  # 2023-11-14 22:13:20 UTC
FILE_TIME = 1_699_990_000.25


# -- a local index -------------------------------------------------------------------------------------------




def wheel_from_installed(dist_name: str, outdir: Path) -> Path:
    """A py3-none-any wheel of an installed pure-Python distribution, from its RECORD."""
    dist = md.distribution(dist_name)
    name = dist.metadata["Name"].replace("-", "_").lower()
    version = dist.version
    keep_info = ("METADATA", "WHEEL", "entry_points.txt", "LICENSE", "top_level.txt")
    files = [f for f in dist.files or []
             if (f.name in keep_info if f.parts[0].endswith(".dist-info")
                 else "__pycache__" not in f.parts and f.suffix != ".pyc")]
    files = [f for f in files if not str(f).startswith("..") and Path(str(f.locate())).is_file()]
    target = outdir / f"{name}-{version}-py3-none-any.whl"
    record: list[str] = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        info_dir = None
        for f in files:
            data = Path(str(f.locate())).read_bytes()
            arc = str(f).replace(os.sep, "/")
            if f.parts[0].endswith(".dist-info"):
                info_dir = f.parts[0]
            zf.writestr(arc, data)
            record.append(f"{arc},{record_hash(data)},{len(data)}")
        assert info_dir is not None
        record.append(f"{info_dir}/RECORD,,")
        zf.writestr(f"{info_dir}/RECORD", "\n".join(record) + "\n")
    return target


def _deps(dist_name: str, seen: set[str]) -> None:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    key = canonicalize_name(dist_name)
    if key in seen:
        return
    seen.add(key)
    for req in md.requires(dist_name) or []:
        r = Requirement(req)
        if r.marker is None or r.marker.evaluate({"extra": ""}):
            _deps(r.name, seen)


class Index:
    def __init__(self, root: Path, url: str) -> None:
        self.root, self.url = root, url

    def add(self, project: str, path: Path) -> None:
        from packaging.utils import canonicalize_name

        files = self.root / "files"
        files.mkdir(exist_ok=True)
        (files / path.name).write_bytes(path.read_bytes())
        page = self.root / "simple" / canonicalize_name(project)
        page.mkdir(parents=True, exist_ok=True)
        links = page / "links.txt"
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        line = f'<a href="../../files/{path.name}#sha256={sha}">{path.name}</a><br>\n'
        text = (links.read_text() if links.exists() else "") + line
        links.write_text(text)
        (page / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{text}</body></html>\n")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    pytest.importorskip("flit_core")
    root = tmp_path_factory.mktemp("index")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    idx = Index(root, f"http://127.0.0.1:{server.server_address[1]}/simple/")
    wheels = root / "wheelhouse"
    wheels.mkdir()
    names: set[str] = set()
    _deps("flit_core", names)
    with contextlib.suppress(md.PackageNotFoundError):
        _deps("hatchling", names)
    for dist_name in sorted(names):
        try:
            idx.add(dist_name, wheel_from_installed(dist_name, wheels))
        except md.PackageNotFoundError:
            continue
    try:
        yield idx
    finally:
        server.shutdown()
        server.server_close()


# -- tiny projects ---------------------------------------------------------------------------------------------


def _tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        os.utime(p, (FILE_TIME, FILE_TIME))


FLIT_PROJECT = {
    "pyproject.toml": '[build-system]\nrequires = ["flit_core >=3.2,<5"]\nbuild-backend = "flit_core.buildapi"\n\n'
                      '[project]\nname = "demo_flit"\nversion = "1.0"\ndescription = "A demo"\n',
    "demo_flit/__init__.py": '"""A demo."""\n\nANSWER = 42\n',
    "demo_flit/util.py": "def double(x):\n    return 2 * x\n",
}


def build_flit(tmp: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str], sde: int | None) -> tuple[Path, Path]:
    """(sdist, wheel) the way `python -m build` makes them: the sdist from the tree, the wheel from the
    unpacked sdist; with SOURCE_DATE_EPOCH=sde when given."""
    import flit_core.buildapi as flit

    src, dist = tmp / "project", tmp / "dist"
    _tree(src, files)
    dist.mkdir()
    with monkeypatch.context() as m:
        if sde is None:
            m.delenv("SOURCE_DATE_EPOCH", raising=False)
        else:
            m.setenv("SOURCE_DATE_EPOCH", str(sde))
        m.chdir(src)
        sdist = dist / flit.build_sdist(str(dist))
        unpacked = tmp / "unpacked"
        unpacked.mkdir()
        top = extract_sdist(sdist, unpacked)
        m.chdir(top)
        wheel = dist / flit.build_wheel(str(dist))
    return sdist, wheel


@pytest.fixture(scope="module")
def flit_release(tmp_path_factory: pytest.TempPathFactory, index: Index) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("flit")
    with pytest.MonkeyPatch.context() as mp:
        sdist, wheel = build_flit(tmp, mp, FLIT_PROJECT, SDE)
    index.add("demo_flit", sdist)
    index.add("demo_flit", wheel)
    return sdist, wheel


def rewrite(wheel: Path, out: Path, *, change: dict[str, bytes] | None = None,
            stamp: dict[str, tuple[int, int, int, int, int, int]] | None = None,
            extra: dict[str, bytes] | None = None) -> Path:
    """A copy of the wheel with some entries' bytes or times changed, or entries added (RECORD untouched)."""
    target = out / wheel.name
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            data = (change or {}).get(info.filename, src.read(info))
            if stamp and info.filename in stamp:
                info.date_time = stamp[info.filename]
            dst.writestr(info, data)
        for name, data in (extra or {}).items():
            zi = zipfile.ZipInfo(name, src.infolist()[0].date_time)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o100644 << 16
            dst.writestr(zi, data)
    return target


def reproduce(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main(["reproduce", *argv, "--format", "json"])
    out, _err = capsys.readouterr()
    return code, json.loads(out)


def local(index: Index, sdist: Path, wheel: Path, *extra: str) -> list[str]:
    return ["--sdist", str(sdist), "--wheel", str(wheel), "--index-url", index.url, *extra]


# -- verdicts --------------------------------------------------------------------------------------------------


def test_from_the_index_reproducible_with_inferred_source_date_epoch(
        capsys: pytest.CaptureFixture[str], index: Index, flit_release: tuple[Path, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYSLSA_INDEX_URL", index.url)  # the default index when --index-url is not given
    code, doc = reproduce(capsys, "demo_flit==1.0")
    assert code == 0, doc
    assert doc["verdict"] == "reproducible" and doc["reproducible"] is True
    assert doc["sdist"]["origin"] == "index" and doc["sdist"]["filename"] == flit_release[0].name
    (w,) = doc["wheels"]
    import flit_core

    assert w["inferred"]["pins"][0]["requirement"] == f"flit-core=={flit_core.__version__}"
    assert w["inferred"]["source_date_epoch"] == SDE
    attempts = w["attempts"]
    assert [a["verdict"] for a in attempts] == ["content-identical", "reproducible"]
    assert attempts[1]["env"] == {"SOURCE_DATE_EPOCH": str(SDE)}
    assert f"SOURCE_DATE_EPOCH={SDE}" in attempts[1]["explanation"]
    assert "timestamps differ" in attempts[0]["diff"]["metadata"][0]


def test_text_output_explains_attempts(capsys: pytest.CaptureFixture[str], index: Index,
                                       flit_release: tuple[Path, Path], tmp_path: Path) -> None:
    sdist, wheel = flit_release
    import flit_core

    keep = tmp_path / "kept"
    pin = f"flit_core=={flit_core.__version__}"
    code = main(["reproduce", *local(index, sdist, wheel, "--env", f"SOURCE_DATE_EPOCH={SDE}", "--keep", str(keep),
                                     "--build-requirement", pin)])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert f"attempt 1 (pinned build requirements): built with {pin}, SOURCE_DATE_EPOCH={SDE} -> reproducible" in out
    assert f"pin: {pin} (--build-requirement)" in out
    assert (keep / "attempt-1" / "constraints.txt").read_text() == pin + "\n"
    assert out.splitlines()[-1].startswith("REPRODUCIBLE: ")
    assert (keep / "attempt-1" / "build.log").is_file() and list((keep / "attempt-1" / "dist").glob("*.whl"))


def test_changed_file_is_different(capsys: pytest.CaptureFixture[str], index: Index,
                                   flit_release: tuple[Path, Path], tmp_path: Path) -> None:
    sdist, wheel = flit_release
    bad = rewrite(wheel, tmp_path, change={"demo_flit/util.py": b"def double(x):\n    return 3 * x\n"})
    code, doc = reproduce(capsys, *local(index, sdist, bad, "--env", f"SOURCE_DATE_EPOCH={SDE}"))
    assert code == 1 and doc["verdict"] == "different"
    (a,) = doc["wheels"][0]["attempts"]
    (changed,) = a["diff"]["changed"]
    assert changed["name"] == "demo_flit/util.py"
    assert "-    return 2 * x\n+    return 3 * x\n" in changed["diff"]


def test_changed_timestamp_is_content_identical(capsys: pytest.CaptureFixture[str], index: Index,
                                                flit_release: tuple[Path, Path], tmp_path: Path) -> None:
    sdist, wheel = flit_release
    bad = rewrite(wheel, tmp_path, stamp={"demo_flit/util.py": (2024, 2, 29, 12, 0, 0)})
    code, doc = reproduce(capsys, *local(index, sdist, bad, "--env", f"SOURCE_DATE_EPOCH={SDE}"))
    assert code == 1 and doc["verdict"] == "content-identical"
    (a,) = doc["wheels"][0]["attempts"]
    assert a["diff"]["changed"] == [] and a["diff"]["added"] == []
    assert "timestamps differ on 1 of" in a["diff"]["metadata"][0]
    assert "demo_flit/util.py: 2024-02-29 12:00:00 published" in a["diff"]["metadata"][0]


def test_extra_file_is_different(capsys: pytest.CaptureFixture[str], index: Index,
                                 flit_release: tuple[Path, Path], tmp_path: Path) -> None:
    sdist, wheel = flit_release
    bad = rewrite(wheel, tmp_path, extra={"demo_flit/_hook.py": b"import os\n"})
    code = main(["reproduce", *local(index, sdist, bad, "--env", f"SOURCE_DATE_EPOCH={SDE}")])
    out, _ = capsys.readouterr()
    assert code == 1
    assert "only in the published wheel: demo_flit/_hook.py" in out
    assert out.splitlines()[-1].startswith("DIFFERENT: ")


def test_broken_build_could_not_build(capsys: pytest.CaptureFixture[str], index: Index,
                                      flit_release: tuple[Path, Path], tmp_path: Path) -> None:
    _, wheel = flit_release
    sdist = tmp_path / "demo_flit-1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as tf:
        for name, data in {"demo_flit-1.0/pyproject.toml": FLIT_PROJECT["pyproject.toml"].replace(
                "demo_flit", "no_such_module").encode(), "demo_flit-1.0/PKG-INFO": b"Name: demo_flit\n"}.items():
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime = len(data), SDE
            tf.addfile(ti, io.BytesIO(data))
    code, doc = reproduce(capsys, *local(index, sdist, wheel))
    assert code == 1 and doc["verdict"] == "could-not-build"
    w = doc["wheels"][0]
    assert len(w["attempts"]) == 1  # SOURCE_DATE_EPOCH cannot mend a failed build
    assert any("not tried after a failed build" in n for n in w["inferred"]["notes"])
    a = w["attempts"][0]
    assert "exited with status" in a["reason"]
    assert any("no_such_module" in line for line in a["log_tail"])


def test_hatchling_reproducible_plainly(capsys: pytest.CaptureFixture[str], index: Index, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("hatchling")
    from hatchling.build import build_sdist, build_wheel

    files = {
        "pyproject.toml": '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
                          '[project]\nname = "demo-hatch"\nversion = "2.0"\n',
        "src/demo_hatch/__init__.py": "VALUE = 'hatch'\n",
    }
    src, dist = tmp_path / "project", tmp_path / "dist"
    _tree(src, files)
    dist.mkdir()
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.chdir(src)
    sdist = dist / build_sdist(str(dist))
    (tmp_path / "u").mkdir()
    monkeypatch.chdir(extract_sdist(sdist, tmp_path / "u"))
    wheel = dist / build_wheel(str(dist))
    monkeypatch.chdir(tmp_path)
    code, doc = reproduce(capsys, *local(index, sdist, wheel))
    assert code == 0, doc
    a = doc["wheels"][0]["attempts"][0]
    assert a["verdict"] == "reproducible" and a["pins"][0].startswith("hatchling==")


SLOW_BACKEND = """import os, time

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with open(os.environ["PIDFILE"], "w") as fh:
        fh.write(str(os.getpid()))
    time.sleep(120)
"""


def test_in_tree_backend_pins_nothing_and_the_build_is_bounded(
        capsys: pytest.CaptureFixture[str], flit_release: tuple[Path, Path], tmp_path: Path) -> None:
    _, wheel = flit_release
    sdist = tmp_path / "demo_flit-1.0.tar.gz"
    pyproject = b'[build-system]\nrequires = []\nbuild-backend = "slow_backend"\nbackend-path = ["."]\n'
    with tarfile.open(sdist, "w:gz") as tf:
        for name, data in {"demo_flit-1.0/pyproject.toml": pyproject,
                           "demo_flit-1.0/slow_backend.py": SLOW_BACKEND.encode()}.items():
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime = len(data), SDE
            tf.addfile(ti, io.BytesIO(data))
    pidfile = tmp_path / "pid"
    code, doc = reproduce(capsys, "--sdist", str(sdist), "--wheel", str(wheel), "--timeout", "6",
                          "--env", f"PIDFILE={pidfile}", "--env", f"SOURCE_DATE_EPOCH={SDE}")
    assert code == 1 and doc["verdict"] == "could-not-build"
    w = doc["wheels"][0]
    assert w["inferred"]["pins"] == [] and "in-tree" in w["inferred"]["notes"][0]
    (a,) = w["attempts"]
    assert a["reason"] == "timed out after 6 s" and a["pins"] == []
    stat = Path(f"/proc/{int(pidfile.read_text())}/stat")
    if stat.parent.parent.is_dir():  # the build's process group was killed: gone, or a zombie not yet reaped
        import time

        def dead() -> bool:
            try:
                return stat.read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
            except OSError:
                return True

        deadline = time.monotonic() + 5
        while not dead() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert dead()


def test_interrupt_removes_the_work_directory(capsys: pytest.CaptureFixture[str], flit_release: tuple[Path, Path],
                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    import pyslsa.api.reproduce as cmd

    sdist, wheel = flit_release
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    seen: list[Path] = []

    def interrupted(src: Path, *args: object, **kwargs: object) -> None:
        seen.append(src)
        raise KeyboardInterrupt

    monkeypatch.setattr(cmd, "build_wheel", interrupted)
    assert main(["reproduce", "--sdist", str(sdist), "--wheel", str(wheel)]) == 130
    assert seen and seen[0].is_relative_to(tmp_path)
    assert not list(tmp_path.glob("pyslsa-reproduce-*"))


def test_platform_wheel_not_applicable(capsys: pytest.CaptureFixture[str], flit_release: tuple[Path, Path],
                                       tmp_path: Path) -> None:
    sdist, _ = flit_release
    wheel = tmp_path / "demo_flit-1.0-cp311-cp311-linux_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("demo_flit-1.0.dist-info/WHEEL",
                    "Wheel-Version: 1.0\nGenerator: x 1\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n")
    code, doc = reproduce(capsys, "--sdist", str(sdist), "--wheel", str(wheel))
    assert code == 1 and doc["verdict"] == "not-applicable"
    assert "platform wheel" in doc["wheels"][0]["reason"] and doc["wheels"][0]["attempts"] == []


@pytest.mark.parametrize("argv", [
    [], ["--sdist", "x.tar.gz"], ["pkg==1", "--sdist", "x.tar.gz", "--wheel", "y.whl"],
    ["--sdist", "missing.tar.gz", "--wheel", "missing.whl"], ["not a requirement"],
])
def test_usage_errors(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert main(["reproduce", *argv]) == 2
    _, err = capsys.readouterr()
    assert "Traceback" not in err
