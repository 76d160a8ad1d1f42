"""The build runner: ``python -m build --wheel`` (PEP 517, a fresh isolated environment) in a subprocess of its
own session, bounded by a time limit, and its whole process group killed on every path (success, failure, time
out, Ctrl-C): nothing the build started outlives it.

The environment a build gets (:func:`build_env`): the caller's, without what would change what the build sees or
where it fetches from (``SOURCE_DATE_EPOCH``, ``TZ``, pip constraints, extra indexes and find-links,
``PYTHONPATH``...), with ``TZ=UTC``, a pip cache under the working directory, and the package index as its only
source (``PIP_INDEX_URL`` when it is not PyPI).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from pyslsa.sources.pypi import DEFAULT_INDEX_URL

LOG_TAIL_LINES = 40
LOG_TAIL_BYTES = 64 * 1024  # the tail is read from the last bytes of the log only
LOG_LINE_CHARS = 500
#: Inherited variables that would change what a build sees or where it fetches from.
_DROPPED_ENV = ("SOURCE_DATE_EPOCH", "TZ", "PIP_CONSTRAINT", "PIP_BUILD_CONSTRAINT", "PIP_EXTRA_INDEX_URL",
                "PIP_FIND_LINKS", "PIP_NO_INDEX", "PIP_REQUIRE_VIRTUALENV", "PYTHONPATH", "PYTHONHOME",
                "PIP_TARGET", "PIP_PREFIX", "PIP_USER", "UV_CONSTRAINT")


@dataclass
class BuildResult:
    wheel: Path | None
    seconds: float
    log_tail: list[str]
    reason: str = ""


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill the build's whole process group (the build's own session), even after the build itself exited:
    nothing it started outlives it."""
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        elif proc.poll() is None:  # pragma: no cover
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
    with suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


def read_log_tail(log: Path) -> list[str]:
    """The last lines of the build log, from its last ``LOG_TAIL_BYTES`` (a build may print gigabytes, or one
    line without end), each cut to ``LOG_LINE_CHARS``."""
    try:
        with log.open("rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - LOG_TAIL_BYTES))
            data = fh.read(LOG_TAIL_BYTES)
    except OSError:
        return []
    lines = data.decode("utf-8", "replace").splitlines()
    if size > LOG_TAIL_BYTES and lines:
        lines = lines[1:] or lines  # the first one is cut
    out: deque[str] = deque(maxlen=LOG_TAIL_LINES)
    for ln in lines:
        out.append(ln if len(ln) <= LOG_LINE_CHARS else f"{ln[:LOG_LINE_CHARS]}... [{len(ln) - LOG_LINE_CHARS} more]")
    return list(out)


def build_wheel(src: Path, outdir: Path, log: Path, env: Mapping[str, str], timeout: float) -> BuildResult:
    """``python -m build --wheel`` on ``src`` in a fresh isolated environment, bounded by ``timeout``."""
    outdir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "build", "--wheel", "--outdir", str(outdir), str(src)]
    start = time.monotonic()
    with log.open("wb") as logfh:
        logfh.write(("$ " + " ".join(cmd) + "\n").encode())
        logfh.flush()
        try:
            proc = subprocess.Popen(cmd, cwd=src.parent, env=dict(env), stdin=subprocess.DEVNULL, stdout=logfh,
                                    stderr=subprocess.STDOUT, start_new_session=os.name == "posix")
        except OSError as exc:
            return BuildResult(None, 0.0, [], f"could not start the build: {exc}")
        rc: int | None = None
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        finally:
            _kill(proc)  # the process group, on every path (Ctrl-C too): nothing the build started outlives it
    seconds = time.monotonic() - start
    tail = read_log_tail(log)
    if rc is None:
        return BuildResult(None, seconds, tail, f"timed out after {timeout:g} s")
    if rc != 0:
        return BuildResult(None, seconds, tail, f"the build exited with status {rc}")
    wheels = sorted(outdir.glob("*.whl"))
    if len(wheels) != 1:
        return BuildResult(None, seconds, tail, f"the build made {len(wheels)} wheels, expected one")
    return BuildResult(wheels[0], seconds, tail)


def build_env(workdir: Path, index_url: str) -> dict[str, str]:
    """The environment every build starts from (an attempt adds its ``TMPDIR``, pins and variables)."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env.update({
        "TZ": "UTC",
        "PIP_CACHE_DIR": str(workdir / "pip-cache"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INPUT": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    if index_url.rstrip("/") != DEFAULT_INDEX_URL.rstrip("/"):
        env["PIP_INDEX_URL"] = index_url
    return env


__all__ = ["LOG_LINE_CHARS", "LOG_TAIL_BYTES", "LOG_TAIL_LINES", "BuildResult", "build_env", "build_wheel",
           "read_log_tail"]
