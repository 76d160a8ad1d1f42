"""Installed environments: a real virtual environment that pip installs into (one from a find-links index, one from
a local wheel with a console script), synthetic site directories for every odd case, and RECORD checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import pyslsa
from pyslsa.errors import UsageError
from pyslsa.sources.inputs import Location, collect_pins
from pyslsa.sources.inputs.environment import (
    EnvironmentInput,
    EnvironmentPaths,
    check_installed_files,
    current_environment,
    interpreter_environment,
    read_distributions,
)
from tests.conftest import record_hash
from tests.sources.inputs.conftest import AUDIT, data, usage_error

VECTORS = AUDIT.parent / "pypi-attestations"




def make_wheel(directory: Path) -> Path:
    """A real wheel of 'demo-tool' 1.0 with a module, a data file and a console script (pip writes the script)."""
    files = {
        "demo_tool/__init__.py": b"def main():\n    return 0\n",
        "demo_tool/data.txt": b"original data\n",
        "demo_tool-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: demo-tool\nVersion: 1.0\n",
        "demo_tool-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\n"
                                         b"Tag: py3-none-any\n",
        "demo_tool-1.0.dist-info/entry_points.txt": b"[console_scripts]\ndemo-tool = demo_tool:main\n",
    }
    record = "".join(f"{p},{record_hash(c)},{len(c)}\n" for p, c in files.items())
    record += "demo_tool-1.0.dist-info/RECORD,,\n"
    path = directory / "demo_tool-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in files.items():
            zf.writestr(name, content)
        zf.writestr("demo_tool-1.0.dist-info/RECORD", record)
    return path


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real virtual environment: rfc8785 installed by pip from a find-links directory (an index to pip: no
    direct_url.json), demo-tool from a local wheel file (PEP 610: a direct URL install)."""
    root = tmp_path_factory.mktemp("env")
    env = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    py = env / "bin" / "python"
    wheel = make_wheel(root)
    pip = [sys.executable, "-m", "pip", "--isolated", "--disable-pip-version-check", "--python", str(py), "install",
           "--quiet", "--no-index", "--no-deps"]
    subprocess.run([*pip, "--find-links", str(VECTORS), "rfc8785==0.1.2", str(wheel)], check=True)
    return env


# -- a real environment ---------------------------------------------------------------------------------------------


def test_another_interpreter_is_asked_for_its_paths(venv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", "/nonexistent/injected")
    paths = interpreter_environment(str(venv / "bin" / "python"))
    assert "/nonexistent/injected" not in paths.sys_path  # run isolated: the caller's PYTHONPATH does not leak in
    assert any(p.startswith(str(venv)) and p.endswith("site-packages") for p in paths.sys_path)
    assert os.path.realpath(venv) in [os.path.realpath(p) for p in paths.prefixes]


def test_the_distributions_of_a_real_environment(venv: Path) -> None:
    source = EnvironmentInput(str(venv))  # the environment's directory is accepted for its interpreter
    pins = {p.name: p for p in collect_pins(source)}
    assert set(pins) == {"rfc8785", "demo-tool"}
    rfc = pins["rfc8785"]
    assert (rfc.version, rfc.origin, rfc.kind, rfc.filename, rfc.sha256) == ("0.1.2", "index", "environment", None,
                                                                             frozenset())
    assert rfc.installed is not None and rfc.installed.tags == ("py3-none-any",)
    assert rfc.installed.installer == "pip" and rfc.installed.direct_url is None
    assert rfc.pinned_at == Location(rfc.installed.dist_info, 0) and rfc.installed.dist_info.endswith(
        "rfc8785-0.1.2.dist-info")
    # the installed RECORD lists the wheel's files (and what pip added)
    record_paths = {e.path for e in rfc.installed.record}
    with zipfile.ZipFile(data(VECTORS / "rfc8785-0.1.2-py3-none-any.whl")) as zf:
        assert {n for n in zf.namelist() if not n.endswith("/")} <= record_paths
    tool = pins["demo-tool"]
    assert tool.origin == "local" and not tool.from_index and tool.url is not None
    assert tool.url.startswith("file://") and tool.url.endswith("demo_tool-1.0-py3-none-any.whl")


def test_installed_files_match_their_record_until_changed(venv: Path) -> None:
    dists = {d.name: d for d in EnvironmentInput(str(venv / "bin" / "python")).distributions()}
    tool = dists["demo-tool"]
    # pip's RECORD names the script it wrote outside site-packages, as a path climbing to the prefix's bin/
    script = next(e for e in tool.record if e.path.endswith("bin/demo-tool"))
    assert script.path.startswith("../") and script.hash is not None
    first = check_installed_files(tool)
    assert first.ok and first.checked >= 4 and first.skipped >= 1
    assert check_installed_files(dists["rfc8785"]).ok
    data_file = Path(tool.site_dir) / "demo_tool" / "data.txt"
    original = data_file.read_bytes()
    try:
        data_file.write_bytes(b"tampered data\n")  # the same size
        problems = check_installed_files(tool).problems
        assert [(p.path, p.problem) for p in problems] == [("demo_tool/data.txt", "modified")]
        assert "sha256=" in problems[0].detail
        data_file.unlink()
        assert [p.problem for p in check_installed_files(tool).problems] == ["missing"]
    finally:
        data_file.write_bytes(original)
    assert check_installed_files(tool).ok


def test_the_current_environment() -> None:
    assert current_environment().sys_path == tuple(sys.path)
    pins = {p.name: p for p in EnvironmentInput().collect()}
    assert pins["pyslsa"].version == pyslsa.__version__
    assert pins["packaging"].installed is not None and pins["packaging"].installed.record


# -- the interpreter's answer ---------------------------------------------------------------------------------------


def fake_python(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "python"
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return path


@pytest.mark.parametrize(("body", "needle"), [
    ("echo boom >&2; exit 3", "failed (exit 3): 'boom'"),
    ("echo not json", "unexpected answer"),
    ("echo '{\"path\": 3, \"prefixes\": []}'", "unexpected answer"),
    ("echo '{\"path\": []}'", "unexpected answer"),
    ("exec sleep 30", "did not answer"),
])
def test_an_interpreter_that_misbehaves(tmp_path: Path, body: str, needle: str) -> None:
    with pytest.raises(UsageError) as exc:
        interpreter_environment(str(fake_python(tmp_path, body)), timeout=1.0)
    assert needle in usage_error(exc)


def test_no_interpreter_there(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such interpreter"):
        interpreter_environment(str(tmp_path / "nope"))
    with pytest.raises(UsageError, match="a directory without bin/python"):
        interpreter_environment(str(tmp_path))


# -- synthetic site directories -------------------------------------------------------------------------------------


class Site:
    """A prefix with lib/site-packages and bin/, where tests write distributions by hand."""

    def __init__(self, root: Path) -> None:
        self.prefix = root / "prefix"
        self.site = self.prefix / "lib" / "python3" / "site-packages"
        self.site.mkdir(parents=True)
        (self.prefix / "bin").mkdir()

    def paths(self, *extra: Path) -> EnvironmentPaths:
        return EnvironmentPaths((str(self.site), *map(str, extra)), (str(self.prefix),))

    def dist(self, name: str, version: str, files: dict[str, bytes] | None = None, *, site: Path | None = None,
             direct_url: object = None, extra_record: str = "", metadata: str | None = None) -> Path:
        site = site or self.site
        info = site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir(parents=True)
        files = files if files is not None else {f"{name.replace('-', '_')}/__init__.py": b"x = 1\n"}
        rows = []
        for rel, content in files.items():
            target = site / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            rows.append(f"{rel},{record_hash(content)},{len(content)}")
        info.joinpath("METADATA").write_text(metadata if metadata is not None else
                                             f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        info.joinpath("WHEEL").write_text("Wheel-Version: 1.0\nTag: py3-none-any\nTag: py2-none-any\n")
        info.joinpath("INSTALLER").write_text("uv\n")
        if direct_url is not None:
            info.joinpath("direct_url.json").write_text(direct_url if isinstance(direct_url, str)
                                                        else json.dumps(direct_url))
        rows.append(f"{info.name}/RECORD,,")
        info.joinpath("RECORD").write_text("\n".join(rows) + "\n" + extra_record)
        return info


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path)


def test_what_a_dist_info_says(site: Site) -> None:
    site.dist("Plain.Pkg", "1.0")
    site.dist("edit", "0.1", direct_url={"url": "file:///src/edit", "dir_info": {"editable": True}})
    site.dist("checkout", "2.0", direct_url={"url": "https://github.com/o/r", "vcs_info": {
        "vcs": "git", "commit_id": "0" * 40}})
    site.dist("fetched", "3.0", direct_url={"url": "https://example.org/fetched-3.0.tar.gz", "archive_info": {
        "hashes": {"sha256": "A" * 64}}})
    site.dist("tree", "4.0", direct_url={"url": "file:///src/tree", "dir_info": {}})
    pins = {p.name: p for p in collect_pins(EnvironmentInput(paths=site.paths()))}
    assert pins["plain-pkg"].origin == "index" and pins["plain-pkg"].installed is not None
    assert pins["plain-pkg"].installed.tags == ("py3-none-any", "py2-none-any")
    assert pins["plain-pkg"].installed.installer == "uv"
    assert pins["edit"].origin == "editable"
    assert pins["checkout"].origin == "vcs" and pins["checkout"].installed is not None
    checkout = pins["checkout"].installed.direct_url
    assert checkout is not None and checkout.commit == "0" * 40
    assert pins["fetched"].origin == "url" and pins["fetched"].sha256 == {"a" * 64}
    assert pins["tree"].origin == "local"


def test_the_first_of_a_name_on_the_path_wins(site: Site, tmp_path: Path) -> None:
    later = tmp_path / "later"
    site.dist("dup", "2.0")
    site.dist("dup", "1.0", site=later)
    dists = read_distributions(site.paths(later))
    assert [(d.name, d.version) for d in dists] == [("dup", "2.0")]


def test_a_legacy_egg_info_is_reported_with_an_unknown_origin(site: Site) -> None:
    egg = site.site / "old_pkg-0.9.egg-info"
    egg.mkdir()
    egg.joinpath("PKG-INFO").write_text("Metadata-Version: 1.0\nName: old-pkg\nVersion: 0.9\n")
    (site.site / "distutils_pkg-1.2-py3.11.egg-info").write_text("Metadata-Version: 1.0\nName: distutils-pkg\n"
                                                                "Version: 1.2\n")
    dists = read_distributions(site.paths())
    assert [(d.name, d.origin, d.record, d.legacy) for d in dists] == [("distutils-pkg", "unknown", (), True),
                                                                       ("old-pkg", "unknown", (), True)]


@pytest.mark.parametrize(("kwargs", "remove", "needle"), [
    ({}, "METADATA", "has no METADATA"),
    ({}, "RECORD", "has no RECORD"),
    ({"direct_url": "{not json"}, None, "direct_url.json is not valid"),
    ({"direct_url": {"dir_info": {}}}, None, "direct_url.json is not valid"),
    ({"direct_url": {"url": "x", "archive_info": {"hashes": {"sha256": "nothex"}}}}, None, "invalid SHA-256"),
    ({"extra_record": "x.py,sha256=abc,12kB\n"}, None, "not a number"),
    ({"metadata": "Name: evil\x1b[2J\nVersion: 1.0\n"}, None, "invalid package name"),
    ({"metadata": "Name: ok\nVersion: 1.0; rm -rf /\n"}, None, "invalid version"),
    ({"metadata": "Version: 1.0\n"}, None, "must be a string"),
])
def test_an_unreadable_dist_info_is_an_input_error(site: Site, kwargs: dict, remove: str | None,
                                                   needle: str) -> None:
    info = site.dist("pkg", "1.0", **kwargs)
    if remove:
        info.joinpath(remove).unlink()
    with pytest.raises(UsageError) as exc:
        read_distributions(site.paths())
    assert needle in usage_error(exc)


def test_too_many_distributions(site: Site) -> None:
    site.dist("a", "1")
    site.dist("b", "1")
    with pytest.raises(UsageError, match="more than 1 installed"):
        read_distributions(site.paths(), limit=1)


# -- RECORD checks --------------------------------------------------------------------------------------------------


def dist_of(site: Site, **kwargs: object):  # type: ignore[no-untyped-def]
    site.dist("pkg", "1.0", **kwargs)  # type: ignore[arg-type]
    (dist,) = read_distributions(site.paths())
    return dist


def test_a_script_beside_the_prefix_is_checked_and_pyc_skipped(site: Site) -> None:
    script = b"#!/bin/sh\necho hi\n"
    (site.prefix / "bin" / "tool").write_bytes(script)
    dist = dist_of(site, extra_record=f"../../../bin/tool,{record_hash(script)},{len(script)}\n"
                                      f"pkg/__pycache__/x.cpython-311.pyc,{record_hash(b'x')},1\n"
                                      "pkg/no-hash.txt,,\n")
    check = check_installed_files(dist)
    assert check.ok and check.checked == 2 and check.skipped == 3


def test_every_kind_of_problem(site: Site, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"secret")
    files = {"pkg/a.txt": b"aaaa", "pkg/b.txt": b"bbbb", "pkg/c.txt": b"cccc", "pkg/link.txt": b"dddd",
             "pkg/fifo": b"eeee", "pkg/md5.txt": b"ffff"}
    dist = dist_of(site, files=files, extra_record=f"../../../../outside.txt,{record_hash(b'secret')},6\n"
                                                   "pkg/md5.txt2,md5=abc,4\n")
    pkg = site.site / "pkg"
    (pkg / "a.txt").write_bytes(b"AAAA")  # same size, other bytes
    (pkg / "b.txt").write_bytes(b"bbbbb")  # grown
    (pkg / "c.txt").unlink()
    (pkg / "link.txt").unlink()
    (pkg / "link.txt").symlink_to(outside)  # a symlink out of the environment is never followed
    (pkg / "fifo").unlink()
    os.mkfifo(pkg / "fifo")  # never opened (it would block)
    got = {p.path: p.problem for p in check_installed_files(dist).problems}
    assert got == {"pkg/a.txt": "modified", "pkg/b.txt": "modified", "pkg/c.txt": "missing",
                   "pkg/link.txt": "outside", "pkg/fifo": "not-a-file", "../../../../outside.txt": "outside",
                   "pkg/md5.txt2": "bad-hash"}


def test_the_check_is_bounded(site: Site) -> None:
    dist = dist_of(site, files={"pkg/a.txt": b"a" * 10, "pkg/b.txt": b"b" * 10})
    capped = check_installed_files(dist, max_files=1)
    assert not capped.complete and not capped.ok and capped.checked == 1 and not capped.problems
    small = check_installed_files(dist, max_file_bytes=5)
    assert {p.problem for p in small.problems} == {"too-large"}
    assert check_installed_files(dist).ok
