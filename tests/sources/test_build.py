"""The build runner (:mod:`pyslsa.sources.build`): what it keeps of a build's log, the environment a build starts
from, and that nothing a build started outlives it, whichever way it ends (a wheel, a failure, Ctrl-C)."""

from __future__ import annotations

import _thread
import os
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

from pyslsa.sources.build import build_env, build_wheel, read_log_tail
from pyslsa.sources.pypi import DEFAULT_INDEX_URL


def test_build_log_tail_reads_a_bounded_part_of_the_log(tmp_path: Path) -> None:
    log = tmp_path / "build.log"
    with log.open("wb") as fh:
        fh.write(b"start\n")
        for _ in range(64):
            fh.write(b"x" * (1 << 20))  # 64 MiB, one line without end
    tracemalloc.start()
    try:
        tail = read_log_tail(log)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20
    assert len(tail) == 1 and len(tail[0]) < 1000


def test_the_build_environment_drops_what_would_change_the_build(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    dropped = ("SOURCE_DATE_EPOCH", "PIP_CONSTRAINT", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_NO_INDEX",
               "PYTHONPATH", "PYTHONHOME", "PIP_USER", "UV_CONSTRAINT")
    for name in dropped:
        monkeypatch.setenv(name, "/somewhere/else")
    monkeypatch.setenv("TZ", "Europe/Paris")
    monkeypatch.setenv("PYSLSA_TEST_KEPT", "kept")
    env = build_env(tmp_path, DEFAULT_INDEX_URL)
    assert [name for name in dropped if name in env] == []
    assert env["TZ"] == "UTC" and env["PIP_CACHE_DIR"] == str(tmp_path / "pip-cache")
    assert env["PIP_NO_INPUT"] == "1" and env["PYSLSA_TEST_KEPT"] == "kept"
    assert build_env(tmp_path, "http://127.0.0.1:9/simple/")["PIP_INDEX_URL"] == "http://127.0.0.1:9/simple/"


# -- the process group -----------------------------------------------------------------------------------------

BACKEND = '''"""A PEP 517 backend that leaves a child behind (a stray compiler, a daemon), then ends as MODE says."""
import os, subprocess, sys, time

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    with open(os.environ["PIDFILE"] + ".tmp", "w") as fh:
        fh.write(str(child.pid))
    os.replace(os.environ["PIDFILE"] + ".tmp", os.environ["PIDFILE"])
    mode = os.environ["MODE"]
    if mode == "fail":
        raise RuntimeError("the backend fails on purpose")
    if mode == "hang":
        time.sleep(300)
    name = "demo-1.0-py3-none-any.whl"
    with open(os.path.join(wheel_directory, name), "wb") as fh:
        fh.write(b"not really a wheel")
    return name
'''


def _project(tmp_path: Path) -> Path:
    src = tmp_path / "src" / "demo-1.0"
    src.mkdir(parents=True)
    (tmp_path / "tmp").mkdir()  # the build's isolated environment goes there (TMPDIR), as an attempt's does
    (src / "pyproject.toml").write_text('[build-system]\nrequires = []\nbuild-backend = "stray_backend"\n'
                                        'backend-path = ["."]\n')
    (src / "stray_backend.py").write_text(BACKEND)
    return src


def _dead(pid: int) -> bool:
    """Gone, or a zombie its new parent has not reaped yet, within a few seconds (a kill is not instant)."""
    stat = Path(f"/proc/{pid}/stat")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if stat.parent.parent.is_dir():
                if stat.read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                    return True
            else:  # pragma: no cover - no /proc
                os.kill(pid, 0)
        except (OSError, IndexError):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(os.name != "posix", reason="process groups")
@pytest.mark.parametrize("mode", ["wheel", "fail"])
def test_nothing_the_build_started_outlives_it(tmp_path: Path, mode: str) -> None:
    src = _project(tmp_path)
    pidfile = tmp_path / "pid"
    env = {**build_env(tmp_path, DEFAULT_INDEX_URL), "TMPDIR": str(tmp_path / "tmp"), "PIDFILE": str(pidfile),
           "MODE": mode}
    result = build_wheel(src, tmp_path / "dist", tmp_path / "build.log", env, timeout=300)
    if mode == "wheel":
        assert result.wheel == tmp_path / "dist" / "demo-1.0-py3-none-any.whl" and result.reason == ""
    else:
        assert result.wheel is None and result.reason.startswith("the build exited with status")
        assert any("the backend fails on purpose" in line for line in result.log_tail)
    assert _dead(int(pidfile.read_text()))


@pytest.mark.skipif(os.name != "posix", reason="process groups")
def test_ctrl_c_during_a_build_kills_what_it_started(tmp_path: Path) -> None:
    src = _project(tmp_path)
    pidfile = tmp_path / "pid"
    env = {**build_env(tmp_path, DEFAULT_INDEX_URL), "TMPDIR": str(tmp_path / "tmp"), "PIDFILE": str(pidfile),
           "MODE": "hang"}

    def press_ctrl_c_once_the_build_runs() -> None:
        deadline = time.monotonic() + 240
        while not pidfile.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        if pidfile.exists():
            _thread.interrupt_main()

    presser = threading.Thread(target=press_ctrl_c_once_the_build_runs, daemon=True)
    presser.start()
    with pytest.raises(KeyboardInterrupt):
        build_wheel(src, tmp_path / "dist", tmp_path / "build.log", env, timeout=280)
    presser.join()
    assert _dead(int(pidfile.read_text()))
